//! What the support console's account page reads of one account. Each
//! list comes newest first, cut at the caller's `limit`; what the page
//! makes of them (which reset is still valid, whether a delay is running)
//! is decided in `support::account`.

use super::search::SUMMARY_COLUMNS;
use super::{Store, StoreError};
use crate::clock::Millis;
use crate::support::{AccountSummary, AuditEntry, Delivery, PastEmail, PossibleDuplicate};

/// The account's own row, with its pending reset and session counts.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRecord {
    #[sqlx(flatten)]
    pub summary: AccountSummary,
    pub practice_name: Option<String>,
    pub created_at: Millis,
    pub email_confirmed_at: Option<Millis>,
    pub failed_logins: i64,
    pub throttled_until: Option<Millis>,
    pub locked_at: Option<Millis>,
    pub last_reset_at: Option<Millis>,
    /// The pending reset password's expiry, if one is stored (it may have
    /// expired).
    pub reset_expires_at: Option<Millis>,
    /// Sessions still alive: last seen at or after the `seen_since` and
    /// started at or after the `started_since` the caller gave (an ended
    /// one may still have a row until the sweeper removes it).
    pub sessions: i64,
    /// Of those, the ones started with a reset password that has not been
    /// replaced.
    pub must_change_sessions: i64,
    /// When a login found the account's password in the breached list.
    pub password_breached_at: Option<Millis>,
}

impl Store {
    pub async fn account_record(
        &self,
        account_id: i64,
        seen_since: Millis,
        started_since: Millis,
    ) -> Result<Option<AccountRecord>, StoreError> {
        const LIVE: &str = "s.last_seen_at >= $2 AND s.created_at >= $3";
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS}, a.practice_name, a.created_at, a.email_confirmed_at,
                    a.failed_logins,
                    a.throttled_until, a.locked_at, a.last_reset_at, a.password_breached_at,
                    (SELECT expires_at FROM pending_resets p WHERE p.account_id = a.id)
                        AS reset_expires_at,
                    (SELECT COUNT(*) FROM sessions s
                      WHERE s.account_id = a.id AND {LIVE}) AS sessions,
                    (SELECT COUNT(*) FROM sessions s
                      WHERE s.account_id = a.id AND {LIVE} AND s.must_change_password = 1)
                        AS must_change_sessions
               FROM accounts a WHERE a.id = $1"
        );
        Ok(sqlx::query_as(&sql)
            .bind(account_id)
            .bind(seen_since)
            .bind(started_since)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Earlier emails; `changed_by` is who changed it: a support user, or
    /// the account's own username for a change the person confirmed
    /// (`None` for rows from before that was recorded).
    pub async fn email_history(
        &self,
        account_id: i64,
        limit: i64,
    ) -> Result<Vec<PastEmail>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT h.email, h.changed_at, s.username AS changed_by
               FROM email_history h LEFT JOIN accounts s ON s.id = h.changed_by
              WHERE h.account_id = $1 ORDER BY h.id DESC LIMIT $2",
        )
        .bind(account_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn registration_numbers_of(
        &self,
        account_id: i64,
    ) -> Result<Vec<crate::rules::RegistrationNumber>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT kind, number FROM registration_numbers WHERE account_id = $1 ORDER BY kind, number",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Email to the account and what became of each.
    pub async fn deliveries(
        &self,
        account_id: i64,
        limit: i64,
    ) -> Result<Vec<Delivery>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id AS message_id, subject, recipient, status, attempts, created_at,
                    finished_at, last_reply
               FROM outbox WHERE account_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(account_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Accounts flagged as possibly the same person, in both directions:
    /// this account may be the later or the earlier one. Login names found
    /// to look the same when skeletons were first computed (migration
    /// 0012) are listed here too, for support to settle.
    pub async fn possible_duplicates(
        &self,
        account_id: i64,
    ) -> Result<Vec<PossibleDuplicate>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT o.id AS account_id, o.username, o.first_name || ' ' || o.surname AS name, d.reason
               FROM possible_duplicates d
               JOIN accounts o ON o.id = CASE WHEN d.account_id = $1
                                              THEN d.earlier_account_id ELSE d.account_id END
              WHERE d.account_id = $1 OR d.earlier_account_id = $1
             UNION ALL
             SELECT o.id, o.username, o.first_name || ' ' || o.surname, 'look_alike_name'
               FROM look_alike_names l
               JOIN accounts o ON o.id = CASE WHEN l.account_id = $1
                                              THEN l.looks_like_account_id ELSE l.account_id END
              WHERE l.account_id = $1 OR l.looks_like_account_id = $1
              ORDER BY 1",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Staff actions on the account.
    pub async fn audit_trail(
        &self,
        account_id: i64,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT l.occurred_at, s.username AS actor, l.action, l.before, l.after
               FROM audit_log l JOIN accounts s ON s.id = l.actor_id
              WHERE l.account_id = $1 ORDER BY l.id DESC LIMIT $2",
        )
        .bind(account_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}
