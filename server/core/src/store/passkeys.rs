//! Passkeys as stored: an account's credentials, its WebAuthn user handle,
//! and the state of a ceremony between its two requests.

use super::auth::LoginRow;
use super::outbox::{queue_notice, QueuedNotice};
use super::{LoginAccount, Store, StoreError};
use crate::clock::Millis;

/// One stored passkey.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PasskeyRow {
    pub id: i64,
    pub account_id: i64,
    /// base64url, as the browser names it.
    pub credential_id: String,
    pub name: String,
    /// The credential as the WebAuthn library serialises it.
    pub credential: String,
    pub created_at: Millis,
    pub last_used_at: Option<Millis>,
}

/// A ceremony's state, taken (and so used up) by the request finishing it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TakenCeremony {
    pub session_hash: Option<String>,
    pub state: String,
    pub expires_at: Millis,
}

/// A new ceremony to keep until its second request.
#[derive(Debug, Clone, Copy)]
pub struct NewCeremony<'a> {
    pub id_hash: &'a str,
    pub purpose: &'static str,
    pub session_hash: Option<&'a str>,
    pub state: &'a str,
    pub expires_at: Millis,
}

const PASSKEY_COLUMNS: &str =
    "p.id, p.account_id, p.credential_id, p.name, p.credential, p.created_at, p.last_used_at";

impl Store {
    /// The account's WebAuthn user handle, given it now if it has none. One
    /// statement, so two first passkeys added at once agree on the handle.
    pub async fn passkey_user_handle(
        &self,
        account_id: i64,
        new_handle: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "UPDATE accounts SET passkey_user_handle = COALESCE(passkey_user_handle, $2)
              WHERE id = $1 RETURNING passkey_user_handle",
        )
        .bind(account_id)
        .bind(new_handle)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The account's passkeys, oldest first.
    pub async fn passkeys_of(&self, account_id: i64) -> Result<Vec<PasskeyRow>, StoreError> {
        let sql = format!(
            "SELECT {PASSKEY_COLUMNS} FROM passkeys p WHERE p.account_id = $1 ORDER BY p.id"
        );
        Ok(sqlx::query_as(&sql)
            .bind(account_id)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Stores a new passkey and queues the notice of it, in one
    /// transaction; `None` (and no notice) when its credential id is already
    /// stored, for this account or another: a credential belongs to one
    /// account.
    pub async fn insert_passkey(
        &self,
        account_id: i64,
        credential_id: &str,
        name: &str,
        credential: &str,
        now: Millis,
        notice: &QueuedNotice<'_>,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.begin_write().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO passkeys (account_id, credential_id, name, credential, created_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (credential_id) DO NOTHING
             RETURNING id",
        )
        .bind(account_id)
        .bind(credential_id)
        .bind(name)
        .bind(credential)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        if id.is_some() {
            queue_notice(&mut tx, notice).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// The passkey with this credential id and the account it logs in to,
    /// with the account's user handle.
    pub async fn passkey_login(
        &self,
        credential_id: &str,
    ) -> Result<Option<(PasskeyRow, LoginAccount, Option<String>)>, StoreError> {
        let sql = format!("SELECT {PASSKEY_COLUMNS} FROM passkeys p WHERE p.credential_id = $1");
        let Some(passkey) = sqlx::query_as::<_, PasskeyRow>(&sql)
            .bind(credential_id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let sql = format!(
            "SELECT {}, a.passkey_user_handle
               FROM accounts a LEFT JOIN pending_resets r ON r.account_id = a.id
              WHERE a.id = $1",
            LoginRow::COLUMNS
        );
        let row: Option<(LoginRow, Option<String>)> = sqlx::query(&sql)
            .bind(passkey.account_id)
            .fetch_optional(&self.pool)
            .await?
            .map(|row| -> Result<_, sqlx::Error> {
                use sqlx::{FromRow, Row};
                Ok((
                    LoginRow::from_row(&row)?,
                    row.try_get("passkey_user_handle")?,
                ))
            })
            .transpose()?;
        Ok(row.map(|(account, handle)| (passkey, account.into(), handle)))
    }

    /// Records a login with the passkey: when (on the passkey and as the
    /// account's last login), and its credential as the assertion left it
    /// (a higher counter, a changed backup state).
    pub async fn passkey_used(
        &self,
        passkey: &PasskeyRow,
        credential: Option<&str>,
        now: Millis,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE passkeys SET last_used_at = $2, credential = COALESCE($3, credential)
              WHERE id = $1",
        )
        .bind(passkey.id)
        .bind(now)
        .bind(credential)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE accounts SET last_login_at = $2 WHERE id = $1")
            .bind(passkey.account_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes one of the account's passkeys and queues the notice made
    /// from its name, in one transaction; its name, or `None` (and no
    /// notice) when the account has no such passkey.
    pub async fn remove_passkey<'a>(
        &self,
        account_id: i64,
        id: i64,
        notice: impl FnOnce(&str) -> QueuedNotice<'a>,
    ) -> Result<Option<String>, StoreError> {
        let mut tx = self.begin_write().await?;
        let name: Option<String> = sqlx::query_scalar(
            "DELETE FROM passkeys WHERE account_id = $1 AND id = $2 RETURNING name",
        )
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(name) = &name {
            queue_notice(&mut tx, &notice(name)).await?;
        }
        tx.commit().await?;
        Ok(name)
    }

    /// Keeps a ceremony's state until its second request.
    pub async fn begin_ceremony(&self, ceremony: NewCeremony<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO passkey_ceremonies (id_hash, purpose, session_hash, state, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(ceremony.id_hash)
        .bind(ceremony.purpose)
        .bind(ceremony.session_hash)
        .bind(ceremony.state)
        .bind(ceremony.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Takes a ceremony for its second request: the row is deleted in the
    /// same statement, so a replay finds nothing.
    pub async fn take_ceremony(
        &self,
        id_hash: &str,
        purpose: &'static str,
    ) -> Result<Option<TakenCeremony>, StoreError> {
        Ok(sqlx::query_as(
            "DELETE FROM passkey_ceremonies WHERE id_hash = $1 AND purpose = $2
             RETURNING session_hash, state, expires_at",
        )
        .bind(id_hash)
        .bind(purpose)
        .fetch_optional(&self.pool)
        .await?)
    }
}
