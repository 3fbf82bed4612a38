//! Confirming an email address: the open confirmation of an account (one
//! at most), its emails, and what following or cancelling its link does.

use sqlx::{Any, Transaction};

use super::login_names::{move_email, EmailMove, NameClash};
use super::search::reindex_account;
use super::{Store, StoreError};
use crate::clock::Millis;
use crate::rules::login_name::LoginName;

/// An email to queue with a change, its link's token in `secret` (erased
/// from the outbox once the message is finished).
#[derive(Debug, Clone)]
pub struct QueuedMail<'a> {
    pub kind: &'static str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub data: String,
    pub secret: Option<&'a str>,
}

/// A new confirmation, with its emails.
#[derive(Debug, Clone)]
pub struct NewConfirmation<'a> {
    pub account_id: i64,
    pub email: &'a str,
    /// "registration" or "change".
    pub purpose: &'static str,
    pub token_hash: &'a str,
    pub cancel_token_hash: Option<&'a str>,
    pub now: Millis,
    pub expires_at: Millis,
    /// To the address being confirmed, with the link.
    pub confirmation: QueuedMail<'a>,
    /// To the current address, with a cancel link (a change only, and only
    /// when the current address was itself confirmed).
    pub notice: Option<QueuedMail<'a>>,
}

/// An open confirmation as found by its token.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OpenConfirmation {
    pub id: i64,
    pub account_id: i64,
    pub email: String,
    pub purpose: String,
    pub expires_at: Millis,
}

/// The account's state when its confirmation is followed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConfirmingAccount {
    pub email: String,
    pub first_name: String,
    pub email_confirmed_at: Option<Millis>,
}

/// What following a confirmation link did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    /// The address is now the account's, confirmed.
    Confirmed { email: String, purpose: String },
    /// No open confirmation has this token (never issued, used, cancelled,
    /// replaced by a newer one, or expired).
    NotOpen,
    /// Another account took the address meanwhile (a change only).
    Taken(NameClash),
}

/// A change waiting for its confirmation.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PendingChange {
    pub email: String,
    pub expires_at: Millis,
}

impl Store {
    /// Opens a confirmation: the account's earlier open ones are closed as
    /// superseded (only the newest link works), and its emails are queued,
    /// all in one transaction.
    pub async fn open_email_confirmation(
        &self,
        new: &NewConfirmation<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        open_confirmation(&mut tx, new).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The account's change of address waiting for its confirmation.
    pub async fn pending_email_change(
        &self,
        account_id: i64,
        now: Millis,
    ) -> Result<Option<PendingChange>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT email, expires_at FROM email_confirmations
              WHERE account_id = $1 AND purpose = 'change' AND finished_at IS NULL
                AND expires_at > $2
              ORDER BY id DESC LIMIT 1",
        )
        .bind(account_id)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Follows a confirmation link. For a change, the address moves in the
    /// login namespace (refused if another account holds it or a name that
    /// looks the same: the unique keys decide, so two accounts racing for
    /// one address get one owner), the old one goes to the history as
    /// changed by the person, a pending reset (sent to the old address) is
    /// withdrawn and `notice` (built from the account as it stood) is
    /// queued to the old address. For either purpose the address is marked
    /// confirmed and the confirmation closed.
    pub async fn confirm_email(
        &self,
        token_hash: &str,
        now: Millis,
        notice: impl FnOnce(&ConfirmingAccount, &OpenConfirmation) -> Option<QueuedMailOwned>,
    ) -> Result<Confirmation, StoreError> {
        let mut tx = self.begin_write().await?;
        let open = sqlx::query_as::<_, OpenConfirmation>(&format!(
            "SELECT id, account_id, email, purpose, expires_at FROM email_confirmations
              WHERE token_hash = $1 AND finished_at IS NULL AND expires_at > $2{lock}",
            lock = self.for_update()
        ))
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(open) = open else {
            return Ok(Confirmation::NotOpen);
        };
        let account = sqlx::query_as::<_, ConfirmingAccount>(&format!(
            "SELECT email, first_name, email_confirmed_at FROM accounts
              WHERE id = $1 AND status = 'active'{lock}",
            lock = self.for_update()
        ))
        .bind(open.account_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(account) = account else {
            return Ok(Confirmation::NotOpen);
        };
        if open.purpose == "change" {
            let name = LoginName::of(&open.email);
            let old_key = match move_email(&mut tx, open.account_id, &name).await? {
                EmailMove::Moved { old_key } => old_key,
                EmailMove::Taken(clash) => return Ok(Confirmation::Taken(clash)),
                EmailMove::Same => return Ok(Confirmation::NotOpen),
            };
            sqlx::query(
                "INSERT INTO email_history (account_id, email, email_key, changed_at, changed_by)
                 VALUES ($1, $2, $3, $4, $1)",
            )
            .bind(open.account_id)
            .bind(&account.email)
            .bind(old_key)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE accounts SET email = $1, email_confirmed_at = $2 WHERE id = $3")
                .bind(&open.email)
                .bind(now)
                .bind(open.account_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM pending_resets WHERE account_id = $1")
                .bind(open.account_id)
                .execute(&mut *tx)
                .await?;
            reindex_account(&mut tx, self.backend, open.account_id).await?;
            if let Some(mail) = notice(&account, &open) {
                queue_mail(&mut tx, open.account_id, &mail.borrowed(), now).await?;
            }
        } else {
            // A registration's address counts only while it is still the
            // account's (a change since then supersedes it anyway).
            let marked = sqlx::query(
                "UPDATE accounts SET email_confirmed_at = $1 WHERE id = $2 AND email = $3",
            )
            .bind(now)
            .bind(open.account_id)
            .bind(&open.email)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if marked == 0 {
                return Ok(Confirmation::NotOpen);
            }
        }
        sqlx::query(
            "UPDATE email_confirmations SET finished_at = $1, outcome = 'confirmed' WHERE id = $2",
        )
        .bind(now)
        .bind(open.id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Confirmation::Confirmed {
            email: open.email,
            purpose: open.purpose,
        })
    }

    /// Cancels the open change whose cancel link this is; answers the
    /// account when there was one.
    pub async fn cancel_email_change(
        &self,
        cancel_token_hash: &str,
        now: Millis,
    ) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "UPDATE email_confirmations SET finished_at = $1, outcome = 'cancelled'
              WHERE cancel_token_hash = $2 AND finished_at IS NULL AND expires_at > $1
              RETURNING account_id",
        )
        .bind(now)
        .bind(cancel_token_hash)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Cancels the account's open change from My account.
    pub async fn cancel_own_email_change(
        &self,
        account_id: i64,
        now: Millis,
    ) -> Result<bool, StoreError> {
        let cancelled = sqlx::query(
            "UPDATE email_confirmations SET finished_at = $1, outcome = 'cancelled'
              WHERE account_id = $2 AND purpose = 'change' AND finished_at IS NULL",
        )
        .bind(now)
        .bind(account_id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(cancelled > 0)
    }
}

/// [`QueuedMail`] that owns its text, for mail built inside the store's
/// transaction.
#[derive(Debug, Clone)]
pub struct QueuedMailOwned {
    pub kind: &'static str,
    pub recipient: String,
    pub subject: &'static str,
    pub data: String,
}

impl QueuedMailOwned {
    fn borrowed(&self) -> QueuedMail<'_> {
        QueuedMail {
            kind: self.kind,
            recipient: &self.recipient,
            subject: self.subject,
            data: self.data.clone(),
            secret: None,
        }
    }
}

/// Closes the account's open confirmations and opens `new`, with its
/// emails, in the caller's transaction (registration uses it too).
pub(super) async fn open_confirmation(
    tx: &mut Transaction<'_, Any>,
    new: &NewConfirmation<'_>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE email_confirmations SET finished_at = $1, outcome = 'superseded'
          WHERE account_id = $2 AND finished_at IS NULL",
    )
    .bind(new.now)
    .bind(new.account_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO email_confirmations
             (account_id, email, purpose, token_hash, cancel_token_hash, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(new.account_id)
    .bind(new.email)
    .bind(new.purpose)
    .bind(new.token_hash)
    .bind(new.cancel_token_hash)
    .bind(new.now)
    .bind(new.expires_at)
    .execute(&mut **tx)
    .await?;
    queue_mail(tx, new.account_id, &new.confirmation, new.now).await?;
    if let Some(notice) = &new.notice {
        queue_mail(tx, new.account_id, notice, new.now).await?;
    }
    Ok(())
}

pub(super) async fn queue_mail(
    tx: &mut Transaction<'_, Any>,
    account_id: i64,
    mail: &QueuedMail<'_>,
    now: Millis,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO outbox (kind, account_id, recipient, subject, data, secret, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(mail.kind)
    .bind(account_id)
    .bind(mail.recipient)
    .bind(mail.subject)
    .bind(&mail.data)
    .bind(mail.secret)
    .bind(now)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
