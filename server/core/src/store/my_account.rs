//! What "My account" reads and writes of the logged-in person's own
//! account: its open sessions, a password change, the export.

use super::outbox::{queue_notice, QueuedNotice};
use super::{Store, StoreError};
use crate::clock::Millis;
use crate::support::FeedEvent;

/// An open session of an account, as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionListing {
    pub token_hash: String,
    pub created_at: Millis,
    pub last_seen_at: Millis,
    pub user_agent: Option<String>,
    pub client_address: Option<String>,
}

/// How a session is named from the page: the first 16 hex digits of its
/// token hash (see `my_account::OpenSession::handle`).
const HANDLE: &str = "substr(token_hash, 1, 16)";

impl Store {
    /// Where a session came from, written just after it started.
    pub async fn describe_session(
        &self,
        token_hash: &str,
        user_agent: Option<&str>,
        client_address: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE sessions SET user_agent = $1, client_address = $2 WHERE token_hash = $3",
        )
        .bind(user_agent)
        .bind(client_address)
        .bind(token_hash)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The account's sessions still alive (last seen at or after
    /// `seen_since`, started at or after `started_since`), newest first.
    pub async fn open_sessions(
        &self,
        account_id: i64,
        seen_since: Millis,
        started_since: Millis,
    ) -> Result<Vec<SessionListing>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT token_hash, created_at, last_seen_at, user_agent, client_address
               FROM sessions
              WHERE account_id = $1 AND last_seen_at >= $2 AND created_at >= $3
              ORDER BY created_at DESC, token_hash",
        )
        .bind(account_id)
        .bind(seen_since)
        .bind(started_since)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Ends the account's session named by `handle`; false when it has no
    /// such session.
    pub async fn end_session_by_handle(
        &self,
        account_id: i64,
        handle: &str,
    ) -> Result<bool, StoreError> {
        let sql = format!("DELETE FROM sessions WHERE account_id = $1 AND {HANDLE} = $2");
        let ended = sqlx::query(&sql)
            .bind(account_id)
            .bind(handle)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(ended > 0)
    }

    /// Ends every session of the account but `keep`; answers how many.
    pub async fn end_other_sessions(
        &self,
        account_id: i64,
        keep_token_hash: &str,
    ) -> Result<u64, StoreError> {
        Ok(
            sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2")
                .bind(account_id)
                .bind(keep_token_hash)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }

    /// The person changed their password, in one transaction: the new hash
    /// (no longer known breached), the failure count cleared (they proved
    /// the old password), a pending reset password voided (it would let in
    /// whoever holds that email), every other session ended, and the notice
    /// queued. Answers how many sessions were ended.
    pub async fn change_password(
        &self,
        account_id: i64,
        password_hash: &str,
        keep_token_hash: &str,
        notice: &QueuedNotice<'_>,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE accounts SET password_hash = $1, password_breached_at = NULL,
                    failed_logins = 0, throttled_until = NULL
              WHERE id = $2",
        )
        .bind(password_hash)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM pending_resets WHERE account_id = $1")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        let ended = sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2")
            .bind(account_id)
            .bind(keep_token_hash)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        queue_notice(&mut tx, notice).await?;
        tx.commit().await?;
        Ok(ended)
    }

    /// The current password was right: its failure count starts again.
    pub async fn clear_login_failures(&self, account_id: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE accounts SET failed_logins = 0, throttled_until = NULL WHERE id = $1")
            .bind(account_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The account's password hash, for checking its current password.
    pub async fn password_hash_of(&self, account_id: i64) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT password_hash FROM accounts WHERE id = $1")
                .bind(account_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Every event of the account, oldest first, for its export.
    pub async fn all_events_of(&self, account_id: i64) -> Result<Vec<FeedEvent>, StoreError> {
        // The newest 100,000: an account's whole story in practice, and a
        // bound on what one request can ask the database for.
        self.recent_events(Some(account_id), 100_000).await
    }
}
