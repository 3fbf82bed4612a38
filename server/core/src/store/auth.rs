//! Login state: throttling counters, sessions and rate-limit buckets.

use sqlx::{any::AnyRow, Row};

use super::{serialize_on, Store, StoreError};
use crate::auth::throttle::{after_failures, AfterFailure};
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
    pub throttle: ThrottleState,
    /// The reset password waiting to be used, if any.
    pub pending_reset: Option<PendingReset>,
}

/// An account's pending reset password.
#[derive(Debug, Clone)]
pub struct PendingReset {
    pub password_hash: String,
    pub expires_at: Millis,
}

/// A name's throttling counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ThrottleState {
    pub failed_logins: u32,
    pub throttled_until: Option<Millis>,
    pub locked_at: Option<Millis>,
}

/// A live session's account.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub account_id: i64,
    pub created_at: Millis,
    pub last_seen_at: Millis,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub surname: String,
    pub account_type: String,
    /// Started with a reset password: only choosing a new one is allowed.
    pub must_change_password: bool,
}

impl Store {
    pub async fn login_account(&self, name_key: &str) -> Result<Option<LoginAccount>, StoreError> {
        let row = sqlx::query(
            "SELECT a.id, a.username, a.email, a.first_name, a.surname, a.account_type, a.password_hash,
                    a.status, a.failed_logins, a.throttled_until, a.locked_at,
                    r.password_hash AS reset_hash, r.expires_at AS reset_expires_at
               FROM login_names n JOIN accounts a ON a.id = n.account_id
               LEFT JOIN pending_resets r ON r.account_id = a.id
              WHERE n.name_key = $1",
        )
        .bind(name_key)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(LoginAccount {
            id: row.try_get("id")?,
            username: row.try_get("username")?,
            email: row.try_get("email")?,
            first_name: row.try_get("first_name")?,
            surname: row.try_get("surname")?,
            account_type: row.try_get("account_type")?,
            password_hash: row.try_get("password_hash")?,
            active: row.try_get::<String, _>("status")? == "active",
            throttle: throttle_state(&row)?,
            pending_reset: match row.try_get::<Option<String>, _>("reset_hash")? {
                Some(password_hash) => Some(PendingReset {
                    password_hash,
                    expires_at: row.try_get("reset_expires_at")?,
                }),
                None => None,
            },
        }))
    }

    /// Charges one login attempt to the account before its password is
    /// checked, unless a delay or lock is running: `Ok(state)` with the
    /// counters as they stand if this attempt fails, `Err(state)` when the
    /// attempt may not be heard. Charging first, in one write, is what keeps
    /// concurrent guesses from all reading "four failures so far" and all
    /// being evaluated; a success clears the charge again.
    pub async fn reserve_login_attempt(
        &self,
        account_id: i64,
        now: Millis,
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
            let row = sqlx::query(
                "SELECT failed_logins, throttled_until, locked_at FROM accounts WHERE id = $1",
            )
            .bind(account_id)
            .fetch_one(&mut *tx)
            .await?;
            return Ok(Err(throttle_state(&row)?));
        };
        let state = consequence(failures, now);
        sqlx::query(
            "UPDATE accounts SET throttled_until = $1, locked_at = COALESCE(locked_at, $2) WHERE id = $3",
        )
        .bind(state.throttled_until)
        .bind(state.locked_at)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ok(state))
    }

    /// The same as [`Store::reserve_login_attempt`] for a name with no
    /// account, so throttling does not tell which names exist.
    pub async fn reserve_unknown_attempt(
        &self,
        name_key: &str,
        now: Millis,
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
            let row = sqlx::query(
                "SELECT failed_logins, throttled_until, locked_at
                   FROM unknown_login_failures WHERE name_key = $1",
            )
            .bind(name_key)
            .fetch_one(&mut *tx)
            .await?;
            return Ok(Err(throttle_state(&row)?));
        };
        let state = consequence(failures, now);
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
    pub async fn record_successful_login(
        &self,
        account_id: i64,
        now: Millis,
        rehashed: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE accounts
                SET failed_logins = 0, throttled_until = NULL, last_login_at = $1,
                    password_hash = COALESCE($2, password_hash)
              WHERE id = $3",
        )
        .bind(now)
        .bind(rehashed)
        .bind(account_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn insert_session(
        &self,
        token_hash: &str,
        account_id: i64,
        must_change_password: bool,
        now: Millis,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, account_id, must_change_password, created_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(account_id)
        .bind(i64::from(must_change_password))
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The session and its account, if the account is still active.
    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRow>, StoreError> {
        let row = sqlx::query(
            "SELECT s.account_id, s.created_at, s.last_seen_at, s.must_change_password,
                    a.username, a.email, a.first_name, a.surname, a.account_type
               FROM sessions s JOIN accounts a ON a.id = s.account_id
              WHERE s.token_hash = $1 AND a.status = 'active'",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(SessionRow {
            account_id: row.try_get("account_id")?,
            created_at: row.try_get("created_at")?,
            last_seen_at: row.try_get("last_seen_at")?,
            username: row.try_get("username")?,
            email: row.try_get("email")?,
            first_name: row.try_get("first_name")?,
            surname: row.try_get("surname")?,
            account_type: row.try_get("account_type")?,
            must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
        }))
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

    /// Takes one token from `bucket` (a token bucket of `capacity` tokens,
    /// refilled at one token per `refill_ms`). `Ok(None)`: taken;
    /// `Ok(Some(ms))`: empty, the next token comes in `ms`.
    pub async fn take_rate_token(
        &self,
        bucket: &str,
        capacity: f64,
        refill_ms: f64,
        now: Millis,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.begin_write().await?;
        serialize_on(&mut tx, self.backend, &format!("rate:{bucket}")).await?;
        let row = sqlx::query("SELECT tokens, updated_at FROM rate_limits WHERE bucket = $1")
            .bind(bucket)
            .fetch_optional(&mut *tx)
            .await?;
        let available = match row {
            Some(row) => {
                let tokens: f64 = row.try_get("tokens")?;
                let updated_at: i64 = row.try_get("updated_at")?;
                let elapsed = (now - updated_at).max(0) as f64;
                (tokens + elapsed / refill_ms).min(capacity)
            }
            None => capacity,
        };
        let (remaining, wait) = if available >= 1.0 {
            (available - 1.0, None)
        } else {
            (
                available,
                Some(((1.0 - available) * refill_ms).ceil() as i64),
            )
        };
        sqlx::query(
            "INSERT INTO rate_limits (bucket, tokens, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (bucket) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at",
        )
        .bind(bucket)
        .bind(remaining)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(wait)
    }
}

fn throttle_state(row: &AnyRow) -> Result<ThrottleState, StoreError> {
    Ok(ThrottleState {
        failed_logins: row
            .try_get::<i64, _>("failed_logins")?
            .try_into()
            .unwrap_or(u32::MAX),
        throttled_until: row.try_get("throttled_until")?,
        locked_at: row.try_get("locked_at")?,
    })
}

fn consequence(failures: i64, now: Millis) -> ThrottleState {
    let failed_logins = u32::try_from(failures).unwrap_or(u32::MAX);
    let (throttled_until, locked_at) = match after_failures(failed_logins) {
        AfterFailure::Free => (None, None),
        AfterFailure::Delay { ms } => (Some(now + ms), None),
        AfterFailure::Locked => (None, Some(now)),
    };
    ThrottleState {
        failed_logins,
        throttled_until,
        locked_at,
    }
}
