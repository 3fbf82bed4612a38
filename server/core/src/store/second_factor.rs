//! Second factors as stored: an authenticator app's secret, recovery
//! codes, and support users' enrolment links.

use super::{Store, StoreError};
use crate::clock::Millis;

/// An account's authenticator app.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TotpRow {
    pub secret: String,
    pub confirmed_at: Option<Millis>,
    /// The newest time step a code was accepted for.
    pub last_step: Option<i64>,
}

/// A recovery code not used yet, for checking a typed one against.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RecoveryCodeRow {
    pub id: i64,
    pub code_hash: String,
}

/// An open enrolment link's account.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct OpenEnrolment {
    pub account_id: i64,
    pub expires_at: Millis,
}

impl Store {
    pub async fn totp_of(&self, account_id: i64) -> Result<Option<TotpRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT secret, confirmed_at, last_step FROM totp_factors WHERE account_id = $1",
        )
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Stores a new, unconfirmed secret, replacing one not confirmed yet;
    /// false (nothing stored) when the account has a confirmed one.
    pub async fn begin_totp(
        &self,
        account_id: i64,
        secret: &str,
        now: Millis,
    ) -> Result<bool, StoreError> {
        let stored = sqlx::query(
            "INSERT INTO totp_factors (account_id, secret, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (account_id) DO UPDATE
                SET secret = excluded.secret, created_at = excluded.created_at, last_step = NULL
              WHERE totp_factors.confirmed_at IS NULL",
        )
        .bind(account_id)
        .bind(secret)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(stored > 0)
    }

    /// Accepts a code for time step `step`: only if it is newer than any
    /// accepted before (a code works once), in one statement so two
    /// requests with the same code cannot both pass. Confirms the app on
    /// its first code.
    pub async fn accept_totp_step(
        &self,
        account_id: i64,
        step: i64,
        now: Millis,
    ) -> Result<bool, StoreError> {
        let accepted = sqlx::query(
            "UPDATE totp_factors
                SET last_step = $2, confirmed_at = COALESCE(confirmed_at, $3)
              WHERE account_id = $1 AND (last_step IS NULL OR last_step < $2)",
        )
        .bind(account_id)
        .bind(step)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(accepted > 0)
    }

    /// Replaces the account's recovery codes with new ones (lookup, hash).
    pub async fn replace_recovery_codes(
        &self,
        account_id: i64,
        codes: &[(String, String)],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        for (lookup, hash) in codes {
            sqlx::query(
                "INSERT INTO recovery_codes (account_id, lookup, code_hash) VALUES ($1, $2, $3)",
            )
            .bind(account_id)
            .bind(lookup)
            .bind(hash)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The account's unused recovery codes whose first group is `lookup`.
    pub async fn recovery_codes_like(
        &self,
        account_id: i64,
        lookup: &str,
    ) -> Result<Vec<RecoveryCodeRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, code_hash FROM recovery_codes
              WHERE account_id = $1 AND lookup = $2 AND used_at IS NULL",
        )
        .bind(account_id)
        .bind(lookup)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Uses a recovery code up; false when another request used it first.
    pub async fn use_recovery_code(&self, id: i64, now: Millis) -> Result<bool, StoreError> {
        Ok(
            sqlx::query("UPDATE recovery_codes SET used_at = $2 WHERE id = $1 AND used_at IS NULL")
                .bind(id)
                .bind(now)
                .execute(&self.pool)
                .await?
                .rows_affected()
                > 0,
        )
    }

    pub async fn unused_recovery_codes(&self, account_id: i64) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL",
        )
        .bind(account_id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// A new enrolment link for the account; the ones before it stop
    /// working (only the newest does).
    pub async fn issue_enrolment(
        &self,
        account_id: i64,
        token_hash: &str,
        created_by: Option<i64>,
        now: Millis,
        expires_at: Millis,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM support_enrolments WHERE account_id = $1 AND used_at IS NULL")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO support_enrolments (token_hash, account_id, created_by, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(account_id)
        .bind(created_by)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The enrolment link's account, while unused.
    pub async fn open_enrolment(
        &self,
        token_hash: &str,
    ) -> Result<Option<OpenEnrolment>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT account_id, expires_at FROM support_enrolments
              WHERE token_hash = $1 AND used_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Uses the link up; false when it was used a moment ago.
    pub async fn use_enrolment(&self, token_hash: &str, now: Millis) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "UPDATE support_enrolments SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL",
        )
        .bind(token_hash)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected()
            > 0)
    }
}
