//! Retention's SQL: deleting what has expired, a bounded batch per
//! statement. What expires when is decided in `crate::retention`; each
//! method here deletes at most `limit` rows matching the condition it is
//! given the bounds of, and answers how many it deleted.
//!
//! Every delete has the same shape, safe when several instances sweep at
//! once and while requests use the same rows:
//!
//! ```sql
//! DELETE FROM t WHERE key IN (SELECT key FROM t WHERE cond LIMIT n [FOR UPDATE SKIP LOCKED])
//!                 AND cond
//! ```
//!
//! One statement, no read-then-delete: the condition is repeated outside the
//! subquery, so a row that changed after the subquery chose it (a bucket
//! drawn from, a session seen) is checked again as it now stands and kept.
//! On PostgreSQL the subquery skips rows another transaction holds, so two
//! sweepers (or a sweeper and a request) never wait on each other; SQLite
//! runs one writer at a time anyway. The limit keeps each statement short,
//! so no lock is held for long.

use super::{Store, StoreError};
use crate::clock::Millis;

/// A table's deletable rows: its key (one or more columns) and the
/// condition that makes a row expired, with its `$n` parameters.
struct Expired<'a> {
    table: &'a str,
    key: &'a str,
    condition: &'a str,
    bounds: &'a [Millis],
}

impl Store {
    /// Sessions whose last request was before `seen_before`.
    pub async fn delete_idle_sessions(
        &self,
        seen_before: Millis,
        limit: u32,
    ) -> Result<u64, StoreError> {
        self.delete_expired(
            &Expired {
                table: "sessions",
                key: "token_hash",
                condition: "last_seen_at < $1",
                bounds: &[seen_before],
            },
            limit,
        )
        .await
    }

    /// Sessions started before `started_before`, however active.
    pub async fn delete_outlived_sessions(
        &self,
        started_before: Millis,
        limit: u32,
    ) -> Result<u64, StoreError> {
        self.delete_expired(
            &Expired {
                table: "sessions",
                key: "token_hash",
                condition: "created_at < $1",
                bounds: &[started_before],
            },
            limit,
        )
        .await
    }

    /// Counters of names with no account whose last failure was before
    /// `failed_before`, that are not locked and whose delay (if any) had
    /// ended by `now`.
    pub async fn delete_quiet_unknown_names(
        &self,
        failed_before: Millis,
        now: Millis,
        limit: u32,
    ) -> Result<u64, StoreError> {
        self.delete_expired(
            &Expired {
                table: "unknown_login_failures",
                key: "name_key",
                condition: "last_failed_at < $1 AND locked_at IS NULL
                            AND (throttled_until IS NULL OR throttled_until <= $2)",
                bounds: &[failed_before, now],
            },
            limit,
        )
        .await
    }

    /// Rate-limit buckets that hold their whole burst again at `now`.
    pub async fn delete_full_buckets(&self, now: Millis, limit: u32) -> Result<u64, StoreError> {
        self.delete_expired(
            &Expired {
                table: "rate_limits",
                key: "bucket",
                condition: "full_at <= $1",
                bounds: &[now],
            },
            limit,
        )
        .await
    }

    /// Reset requests made at or before `requested_by` (the same bound
    /// [`Store::issue_reset`] drops them at: they no longer count).
    pub async fn delete_old_reset_requests(
        &self,
        requested_by: Millis,
        limit: u32,
    ) -> Result<u64, StoreError> {
        self.delete_expired(
            &Expired {
                table: "reset_requests",
                // No single key: two requests for one address in the same
                // millisecond are the same row for this purpose.
                key: "(email_key, requested_at)",
                condition: "requested_at <= $1",
                bounds: &[requested_by],
            },
            limit,
        )
        .await
    }

    /// Reset passwords that no longer work at `now` (a used one is deleted
    /// when it is used).
    pub async fn delete_expired_reset_passwords(
        &self,
        now: Millis,
        limit: u32,
    ) -> Result<u64, StoreError> {
        self.delete_expired(
            &Expired {
                table: "pending_resets",
                key: "account_id",
                condition: "expires_at <= $1",
                bounds: &[now],
            },
            limit,
        )
        .await
    }

    /// Events that occurred before `before`. The newest event is always
    /// kept: SQLite gives a new row the highest id plus one, and live
    /// streams follow the log by id, so an emptied table would hand out
    /// ids the streams have already passed.
    pub async fn delete_events_before(
        &self,
        before: Millis,
        limit: u32,
    ) -> Result<u64, StoreError> {
        self.delete_expired(
            &Expired {
                table: "events",
                key: "id",
                condition: "occurred_at < $1 AND id < (SELECT MAX(id) FROM events)",
                bounds: &[before],
            },
            limit,
        )
        .await
    }

    /// Messages finished (sent, abandoned or superseded) before `before`,
    /// with their delivery attempts (`ON DELETE CASCADE`). Kept: one a
    /// pending reset still names, and the newest message (ids, as for
    /// events). `finished_at` is set only when a message reaches one of
    /// those states (`record_delivery`), so it alone says "finished", and
    /// its index is the one the delete reads.
    pub async fn delete_finished_messages_before(
        &self,
        before: Millis,
        limit: u32,
    ) -> Result<u64, StoreError> {
        self.delete_expired(
            &Expired {
                table: "outbox",
                key: "id",
                condition: "finished_at < $1
                            AND NOT EXISTS (SELECT 1 FROM pending_resets p
                                             WHERE p.message_id = outbox.id)
                            AND id < (SELECT MAX(id) FROM outbox)",
                bounds: &[before],
            },
            limit,
        )
        .await
    }

    /// Known devices last used to log in at or before `used_by`: their
    /// cookie has expired in the browser, and they count as strangers.
    pub async fn delete_unused_devices(
        &self,
        used_by: Millis,
        limit: u32,
    ) -> Result<u64, StoreError> {
        self.delete_expired(
            &Expired {
                table: "known_devices",
                key: "(token_hash, account_id)",
                condition: "last_used_at <= $1",
                bounds: &[used_by],
            },
            limit,
        )
        .await
    }

    /// Passkey ceremonies never finished, expired at `now`.
    pub async fn delete_expired_ceremonies(
        &self,
        now: Millis,
        limit: u32,
    ) -> Result<u64, StoreError> {
        self.delete_expired(
            &Expired {
                table: "passkey_ceremonies",
                key: "id_hash",
                condition: "expires_at <= $1",
                bounds: &[now],
            },
            limit,
        )
        .await
    }

    /// Development-mailbox messages delivered before `before`.
    pub async fn delete_dev_mail_before(
        &self,
        before: Millis,
        limit: u32,
    ) -> Result<u64, StoreError> {
        self.delete_expired(
            &Expired {
                table: "dev_mailbox",
                key: "id",
                condition: "delivered_at < $1",
                bounds: &[before],
            },
            limit,
        )
        .await
    }

    /// One bounded delete (see the module's comment).
    async fn delete_expired(&self, expired: &Expired<'_>, limit: u32) -> Result<u64, StoreError> {
        let Expired {
            table,
            key,
            condition,
            bounds,
        } = expired;
        let columns = key.trim_start_matches('(').trim_end_matches(')');
        let sql = format!(
            "DELETE FROM {table}
              WHERE {key} IN (SELECT {columns} FROM {table} WHERE {condition}
                               LIMIT {limit}{skip})
                AND {condition}",
            skip = self.skip_locked()
        );
        let mut delete = sqlx::query(&sql);
        for bound in *bounds {
            delete = delete.bind(*bound);
        }
        Ok(delete.execute(&self.pool).await?.rows_affected())
    }
}
