//! Login state: throttling counters, sessions and rate-limit buckets.

use super::outbox::{queue_notice, QueuedNotice};
use super::rows::{Count, Flag};
use super::{serialize_on, Store, StoreError};
use crate::clock::Millis;

/// What login needs of an account, found by a case-folded login name.
#[derive(Debug, Clone)]
pub struct LoginAccount {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub surname: String,
    pub account_type: String,
    pub password_hash: String,
    pub active: bool,
    pub email_confirmed: bool,
    pub throttle: ThrottleState,
    /// The reset password waiting to be used, if any.
    pub pending_reset: Option<PendingReset>,
    /// A passkey or a confirmed authenticator app.
    pub has_second_factor: bool,
}

/// An account's pending reset password.
#[derive(Debug, Clone)]
pub struct PendingReset {
    pub password_hash: String,
    pub expires_at: Millis,
}

/// A name's throttling counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct ThrottleState {
    #[sqlx(try_from = "Count")]
    pub failed_logins: u32,
    pub throttled_until: Option<Millis>,
    pub locked_at: Option<Millis>,
}

/// Whom a lock notice goes to: the account as the statement that locked
/// it left it (its email then, not as an earlier read saw it).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LockedOwner {
    pub email: String,
    pub first_name: String,
    /// The failures in a row that locked it.
    #[sqlx(try_from = "Count")]
    pub failed_logins: u32,
    /// Not disabled by support.
    #[sqlx(try_from = "Flag")]
    pub active: bool,
}

/// A live session's account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub account_id: i64,
    pub created_at: Millis,
    pub last_seen_at: Millis,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub surname: String,
    pub account_type: String,
    /// Started with a reset password, or with a password found in the
    /// breached list: only choosing a new one is allowed.
    #[sqlx(try_from = "Flag")]
    pub must_change_password: bool,
    /// When a login found the account's password in the breached list.
    pub password_breached_at: Option<Millis>,
    /// Where the session came from (see `Store::describe_session`).
    pub user_agent: Option<String>,
    pub client_address: Option<String>,
    pub email_confirmed_at: Option<Millis>,
    /// When this session proved a second factor (see `sessions::start`).
    pub second_factor_at: Option<Millis>,
    /// The account has a passkey or a confirmed authenticator app.
    #[sqlx(try_from = "Flag")]
    pub has_second_factor: bool,
}

/// A rate-limit bucket as stored.
#[derive(Debug, Clone, Copy, PartialEq, sqlx::FromRow)]
pub struct BucketLevel {
    pub tokens: f64,
    pub updated_at: Millis,
    /// When the bucket holds its whole burst again: from then on the row
    /// means no more than no row, and the sweeper deletes it.
    pub full_at: Millis,
}

/// The column `has_second_factor` of an account `a`: it has a passkey or a
/// confirmed authenticator app (what the support console asks for).
macro_rules! has_second_factor {
    () => {
        "CASE WHEN EXISTS (SELECT 1 FROM passkeys p WHERE p.account_id = a.id)
                OR EXISTS (SELECT 1 FROM totp_factors t
                            WHERE t.account_id = a.id AND t.confirmed_at IS NOT NULL)
              THEN 1 ELSE 0 END AS has_second_factor"
    };
}

/// [`LoginAccount`] as the query reads it.
#[derive(sqlx::FromRow)]
pub(super) struct LoginRow {
    id: i64,
    username: String,
    email: String,
    first_name: String,
    surname: String,
    account_type: String,
    password_hash: String,
    #[sqlx(try_from = "Flag")]
    active: bool,
    #[sqlx(try_from = "Flag")]
    email_confirmed: bool,
    #[sqlx(flatten)]
    throttle: ThrottleState,
    reset_hash: Option<String>,
    reset_expires_at: Option<Millis>,
    #[sqlx(try_from = "Flag")]
    has_second_factor: bool,
}

impl LoginRow {
    /// The columns a [`LoginRow`] is read from: an account `a` with its
    /// pending reset `r` left-joined.
    pub(super) const COLUMNS: &'static str = concat!(
        "a.id, a.username, a.email, a.first_name, a.surname, a.account_type, a.password_hash,
         CASE WHEN a.status = 'active' THEN 1 ELSE 0 END AS active,
         CASE WHEN a.email_confirmed_at IS NULL THEN 0 ELSE 1 END AS email_confirmed,
         a.failed_logins, a.throttled_until, a.locked_at,
         r.password_hash AS reset_hash, r.expires_at AS reset_expires_at, ",
        has_second_factor!()
    );
}

impl From<LoginRow> for LoginAccount {
    fn from(row: LoginRow) -> Self {
        let pending_reset =
            row.reset_hash
                .zip(row.reset_expires_at)
                .map(|(password_hash, expires_at)| PendingReset {
                    password_hash,
                    expires_at,
                });
        LoginAccount {
            id: row.id,
            username: row.username,
            email: row.email,
            first_name: row.first_name,
            surname: row.surname,
            account_type: row.account_type,
            password_hash: row.password_hash,
            active: row.active,
            email_confirmed: row.email_confirmed,
            throttle: row.throttle,
            pending_reset,
            has_second_factor: row.has_second_factor,
        }
    }
}

impl Store {
    pub async fn login_account(&self, name_key: &str) -> Result<Option<LoginAccount>, StoreError> {
        let sql = format!(
            "SELECT {}
               FROM login_names n JOIN accounts a ON a.id = n.account_id
               LEFT JOIN pending_resets r ON r.account_id = a.id
              WHERE n.name_key = $1",
            LoginRow::COLUMNS
        );
        let row = sqlx::query_as::<_, LoginRow>(&sql)
            .bind(name_key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(LoginAccount::from))
    }

    /// Charges one login attempt to the account before its password is
    /// checked, unless a delay or lock is running: `Ok(state)` with the
    /// counters as they stand if this attempt fails, `Err(state)` when the
    /// attempt may not be heard. Charging first, in one write, is what keeps
    /// concurrent guesses from all reading "four failures so far" and all
    /// being evaluated; a success clears the charge again.
    ///
    /// `after_failures` is the throttling policy: the state that this many
    /// consecutive failures lead to. When that state locks the account,
    /// `lock_notice` is the notice to its owner (if any), queued in the transaction
    /// that sets the lock, and only by the one that finds it unset: one
    /// notice per lock, however many attempts arrive at once. An attempt
    /// that does not lock does no more work than before.
    pub async fn reserve_login_attempt(
        &self,
        account_id: i64,
        now: Millis,
        after_failures: impl FnOnce(u32) -> ThrottleState,
        lock_notice: impl FnOnce(&LockedOwner) -> Option<QueuedNotice<'_>>,
    ) -> Result<Result<ThrottleState, ThrottleState>, StoreError> {
        let mut tx = self.begin_write().await?;
        let charged: Option<i64> = sqlx::query_scalar(
            "UPDATE accounts SET failed_logins = failed_logins + 1
              WHERE id = $1 AND locked_at IS NULL
                AND (throttled_until IS NULL OR throttled_until <= $2)
              RETURNING failed_logins",
        )
        .bind(account_id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(failures) = charged else {
            let held = sqlx::query_as::<_, ThrottleState>(
                "SELECT failed_logins, throttled_until, locked_at FROM accounts WHERE id = $1",
            )
            .bind(account_id)
            .fetch_one(&mut *tx)
            .await?;
            return Ok(Err(held));
        };
        let state = after_failures(u32::try_from(failures).unwrap_or(u32::MAX));
        if state.locked_at.is_some() {
            // The transition to locked. The row is this transaction's since
            // the charge above, and only an unlocked row is charged, so
            // this finds `locked_at` unset exactly once per lock; the
            // condition says so where it matters.
            let owner = sqlx::query_as::<_, LockedOwner>(
                "UPDATE accounts SET throttled_until = $1, locked_at = $2
                  WHERE id = $3 AND locked_at IS NULL
                  RETURNING email, first_name, failed_logins,
                            CASE WHEN status = 'active' THEN 1 ELSE 0 END AS active",
            )
            .bind(state.throttled_until)
            .bind(state.locked_at)
            .bind(account_id)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(notice) = owner.as_ref().and_then(lock_notice) {
                queue_notice(&mut tx, &notice).await?;
            }
        } else {
            sqlx::query(
                "UPDATE accounts SET throttled_until = $1, locked_at = COALESCE(locked_at, $2) WHERE id = $3",
            )
            .bind(state.throttled_until)
            .bind(state.locked_at)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Ok(state))
    }

    /// The same as [`Store::reserve_login_attempt`] for a name with no
    /// account, so throttling does not tell which names exist.
    pub async fn reserve_unknown_attempt(
        &self,
        name_key: &str,
        now: Millis,
        after_failures: impl FnOnce(u32) -> ThrottleState,
    ) -> Result<Result<ThrottleState, ThrottleState>, StoreError> {
        let mut tx = self.begin_write().await?;
        let charged: Option<i64> = sqlx::query_scalar(
            "INSERT INTO unknown_login_failures (name_key, failed_logins, last_failed_at)
             VALUES ($1, 1, $2)
             ON CONFLICT (name_key) DO UPDATE
                SET failed_logins = unknown_login_failures.failed_logins + 1,
                    last_failed_at = excluded.last_failed_at
              WHERE unknown_login_failures.locked_at IS NULL
                AND (unknown_login_failures.throttled_until IS NULL
                     OR unknown_login_failures.throttled_until <= excluded.last_failed_at)
             RETURNING failed_logins",
        )
        .bind(name_key)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(failures) = charged else {
            let held = sqlx::query_as::<_, ThrottleState>(
                "SELECT failed_logins, throttled_until, locked_at
                   FROM unknown_login_failures WHERE name_key = $1",
            )
            .bind(name_key)
            .fetch_one(&mut *tx)
            .await?;
            return Ok(Err(held));
        };
        let state = after_failures(u32::try_from(failures).unwrap_or(u32::MAX));
        sqlx::query(
            "UPDATE unknown_login_failures
                SET throttled_until = $1, locked_at = COALESCE(locked_at, $2) WHERE name_key = $3",
        )
        .bind(state.throttled_until)
        .bind(state.locked_at)
        .bind(name_key)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ok(state))
    }

    /// Clears the account's failure counters, notes the login time and, when
    /// given, stores a stronger hash of the same password.
    /// A login succeeded: the failure count starts again, a stronger hash
    /// replaces the old one, and whether the password is in the breached
    /// list is kept (since when, if it is; cleared if it is not).
    pub async fn record_successful_login(
        &self,
        account_id: i64,
        now: Millis,
        rehashed: Option<&str>,
        password_breached: bool,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE accounts
                SET failed_logins = 0, throttled_until = NULL, last_login_at = $1,
                    password_hash = COALESCE($2, password_hash),
                    password_breached_at = CASE WHEN $4 = 1
                                                THEN COALESCE(password_breached_at, $1)
                                                ELSE NULL END
              WHERE id = $3",
        )
        .bind(now)
        .bind(rehashed)
        .bind(account_id)
        .bind(i64::from(password_breached))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn insert_session(
        &self,
        token_hash: &str,
        account_id: i64,
        must_change_password: bool,
        second_factor: bool,
        now: Millis,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, account_id, must_change_password, created_at, last_seen_at,
                                   second_factor_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_hash)
        .bind(account_id)
        .bind(i64::from(must_change_password))
        .bind(now)
        .bind(now)
        .bind(second_factor.then_some(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The session proved a second factor at `now` (a code after the
    /// password): the support console opens to it from now on.
    pub async fn mark_second_factor(
        &self,
        token_hash: &str,
        now: Millis,
    ) -> Result<bool, StoreError> {
        Ok(
            sqlx::query("UPDATE sessions SET second_factor_at = $1 WHERE token_hash = $2")
                .bind(now)
                .bind(token_hash)
                .execute(&self.pool)
                .await?
                .rows_affected()
                > 0,
        )
    }

    /// The session and its account, if the account is still active.
    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRow>, StoreError> {
        Ok(sqlx::query_as::<_, SessionRow>(concat!(
            "SELECT s.account_id, s.created_at, s.last_seen_at, s.must_change_password,
                    a.username, a.email, a.first_name, a.surname, a.account_type,
                    a.password_breached_at, s.user_agent, s.client_address,
                    a.email_confirmed_at, s.second_factor_at, ",
            has_second_factor!(),
            " FROM sessions s JOIN accounts a ON a.id = s.account_id
              WHERE s.token_hash = $1 AND a.status = 'active'"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn touch_session(&self, token_hash: &str, now: Millis) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Takes from the rate-limit bucket `bucket`: `take` is given the
    /// bucket as stored (`None`: never used) and answers what to store and
    /// what to answer. One transaction, serialized per bucket, so every
    /// instance draws from the same bucket.
    pub async fn take_from_bucket<T>(
        &self,
        bucket: &str,
        take: impl FnOnce(Option<BucketLevel>) -> (BucketLevel, T),
    ) -> Result<T, StoreError> {
        let mut tx = self.begin_write().await?;
        serialize_on(&mut tx, self.backend, &format!("rate:{bucket}")).await?;
        let level = sqlx::query_as::<_, BucketLevel>(
            "SELECT tokens, updated_at, full_at FROM rate_limits WHERE bucket = $1",
        )
        .bind(bucket)
        .fetch_optional(&mut *tx)
        .await?;
        let (level, answer) = take(level);
        sqlx::query(
            "INSERT INTO rate_limits (bucket, tokens, updated_at, full_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (bucket) DO UPDATE
                SET tokens = excluded.tokens, updated_at = excluded.updated_at, full_at = excluded.full_at",
        )
        .bind(bucket)
        .bind(level.tokens)
        .bind(level.updated_at)
        .bind(level.full_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(answer)
    }

    /// Whether a known-device token (its hash) is known to any account.
    pub async fn device_is_known(&self, token_hash: &str) -> Result<bool, StoreError> {
        let found = sqlx::query_scalar::<_, i64>(
            "SELECT account_id FROM known_devices WHERE token_hash = $1 LIMIT 1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    /// Records that the device with `token_hash` logged in to `account_id`
    /// at `now` (first time, or again).
    pub async fn remember_device(
        &self,
        token_hash: &str,
        account_id: i64,
        now: Millis,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO known_devices (token_hash, account_id, created_at, last_used_at)
             VALUES ($1, $2, $3, $3)
             ON CONFLICT (token_hash, account_id) DO UPDATE SET last_used_at = excluded.last_used_at",
        )
        .bind(token_hash)
        .bind(account_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The accounts the device with `token_hash` has logged in to since
    /// `used_since`.
    pub async fn accounts_of_device(
        &self,
        token_hash: &str,
        used_since: Millis,
    ) -> Result<Vec<i64>, StoreError> {
        Ok(sqlx::query_scalar::<_, i64>(
            "SELECT account_id FROM known_devices WHERE token_hash = $1 AND last_used_at > $2",
        )
        .bind(token_hash)
        .bind(used_since)
        .fetch_all(&self.pool)
        .await?)
    }
}
