//! Staff actions' SQL. A staff change is one transaction: it begins by
//! locking the account's row (so the "before" in the audit record is what
//! the change replaced), makes the writes the action needs (the notices
//! that tell the person among them), and ends with its audit record and
//! event. What an action may do, what its audit record and notices say, is
//! decided in `support::actions`; this module only writes.

use sqlx::{Any, Transaction};

use super::access::insert_request_step;
use super::events::{append_event, NewEvent};
use super::login_names::{move_email, EmailMove, NameClash};
use super::outbox::{queue_notice, QueuedNotice};
use super::resets::{queue_reset, QueuedReset, ResetRecipient};
use super::search::reindex_account;
use super::{Backend, Store, StoreError};
use crate::clock::Millis;
use crate::rules::login_name::LoginName;

/// The account as it stood when the staff change began.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StaffTarget {
    pub account_type: String,
    pub status: String,
    pub email: String,
    pub username: String,
    pub first_name: String,
    pub failed_logins: i64,
    pub throttled_until: Option<Millis>,
    pub locked_at: Option<Millis>,
}

/// What the audit trail keeps of a staff action: who (the transaction's
/// actor), when (its `now`), what, before and after.
#[derive(Debug)]
pub struct AuditRecord<'a> {
    pub action: &'a str,
    /// JSON of the state the action replaced, and of the state it left.
    pub before: &'a str,
    pub after: &'a str,
}

/// What [`StaffChange::change_email`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum EmailChange {
    Changed,
    /// Another account holds the address as its email or username, or a
    /// name that looks the same.
    Taken(NameClash),
    /// It is already the account's email.
    Same,
}

/// A staff change under way. Dropping it without [`StaffChange::commit`]
/// undoes everything it wrote.
pub struct StaffChange {
    tx: Transaction<'static, Any>,
    backend: Backend,
    actor_id: i64,
    account_id: i64,
    now: Millis,
    /// Events wait for the commit: appending one takes the lock that keeps
    /// event commits in id order (see `events`), held until commit.
    events: Vec<(&'static str, Option<i64>, String)>,
}

impl Store {
    /// Begins a staff change by `actor_id` on `account_id`: the account's
    /// row, locked until the change commits or is dropped. `None` when
    /// there is no such account.
    pub async fn begin_staff_change(
        &self,
        actor_id: i64,
        account_id: i64,
        now: Millis,
    ) -> Result<Option<(StaffChange, StaffTarget)>, StoreError> {
        let mut tx = self.begin_write().await?;
        let target = sqlx::query_as::<_, StaffTarget>(&format!(
            "SELECT account_type, status, email, username, first_name, failed_logins,
                    throttled_until, locked_at
               FROM accounts WHERE id = $1{lock}",
            lock = self.for_update()
        ))
        .bind(account_id)
        .fetch_optional(&mut *tx)
        .await?;
        Ok(target.map(|target| {
            let change = StaffChange {
                tx,
                backend: self.backend,
                actor_id,
                account_id,
                now,
                events: Vec::new(),
            };
            (change, target)
        }))
    }
}

impl StaffChange {
    /// Makes `reset` the account's one pending reset and queues its email
    /// to `email`; answers the outbox id.
    pub async fn queue_reset(
        &mut self,
        email: &str,
        recipient: &ResetRecipient,
        reset: &QueuedReset<'_>,
    ) -> Result<i64, StoreError> {
        queue_reset(&mut self.tx, self.account_id, email, recipient, reset).await
    }

    /// Queues a notice of this change, sent only if the change commits.
    pub async fn queue_notice(&mut self, notice: &QueuedNotice<'_>) -> Result<(), StoreError> {
        queue_notice(&mut self.tx, notice).await
    }

    /// Moves the account to a new current email: the old one to the
    /// history (changed by this change's actor) and out of the login
    /// namespace, the new one claimed in it, the search row rewritten.
    pub async fn change_email(
        &mut self,
        old_email: &str,
        new_email: &str,
        new_name: &LoginName,
    ) -> Result<EmailChange, StoreError> {
        let old_key = match move_email(&mut self.tx, self.account_id, new_name).await? {
            EmailMove::Moved { old_key } => old_key,
            EmailMove::Taken(clash) => return Ok(EmailChange::Taken(clash)),
            EmailMove::Same => return Ok(EmailChange::Same),
        };
        sqlx::query(
            "INSERT INTO email_history (account_id, email, email_key, changed_at, changed_by)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(self.account_id)
        .bind(old_email)
        .bind(old_key)
        .bind(self.now)
        .bind(self.actor_id)
        .execute(&mut *self.tx)
        .await?;
        // Unconfirmed until its owner follows a link sent to it or logs
        // in with a reset password sent to it.
        sqlx::query("UPDATE accounts SET email = $1, email_confirmed_at = NULL WHERE id = $2")
            .bind(new_email)
            .bind(self.account_id)
            .execute(&mut *self.tx)
            .await?;
        reindex_account(&mut self.tx, self.backend, self.account_id).await?;
        Ok(EmailChange::Changed)
    }

    /// Every address the account has had before its current one.
    pub async fn earlier_emails(&mut self) -> Result<Vec<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT email FROM email_history WHERE account_id = $1 ORDER BY id")
                .bind(self.account_id)
                .fetch_all(&mut *self.tx)
                .await?,
        )
    }

    /// Clears the failed-login count, the delay and the lock.
    pub async fn clear_failed_logins(&mut self) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE accounts SET failed_logins = 0, throttled_until = NULL, locked_at = NULL
              WHERE id = $1",
        )
        .bind(self.account_id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub async fn set_status(&mut self, status: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE accounts SET status = $1 WHERE id = $2")
            .bind(status)
            .bind(self.account_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    pub async fn end_sessions(&mut self) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE account_id = $1")
            .bind(self.account_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Deletes one of the account's passkeys: its name and when it was
    /// added, or `None` when the account has no such passkey.
    pub async fn remove_passkey(
        &mut self,
        id: i64,
    ) -> Result<Option<(String, Millis)>, StoreError> {
        Ok(sqlx::query_as(
            "DELETE FROM passkeys WHERE account_id = $1 AND id = $2 RETURNING name, created_at",
        )
        .bind(self.account_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    /// How many enabled support accounts there are besides this one, with
    /// their rows locked until the change commits (PostgreSQL): two staff
    /// disabling each other at once cannot leave none.
    pub async fn other_enabled_support_accounts(&mut self) -> Result<i64, StoreError> {
        let ids: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT id FROM accounts
              WHERE account_type = 'support' AND status = 'active' AND id <> $1{lock}",
            lock = match self.backend {
                Backend::Sqlite => "",
                Backend::Postgres => " FOR UPDATE",
            }
        ))
        .bind(self.account_id)
        .fetch_all(&mut *self.tx)
        .await?;
        Ok(ids.len() as i64)
    }

    /// Takes away every second factor the account has (passkeys, the
    /// authenticator app, recovery codes) and ends its sessions; answers
    /// how many passkeys and whether there was an app.
    pub async fn remove_second_factors(&mut self) -> Result<(u64, bool), StoreError> {
        let passkeys = sqlx::query("DELETE FROM passkeys WHERE account_id = $1")
            .bind(self.account_id)
            .execute(&mut *self.tx)
            .await?
            .rows_affected();
        let app = sqlx::query("DELETE FROM totp_factors WHERE account_id = $1")
            .bind(self.account_id)
            .execute(&mut *self.tx)
            .await?
            .rows_affected()
            > 0;
        sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
            .bind(self.account_id)
            .execute(&mut *self.tx)
            .await?;
        self.end_sessions().await?;
        Ok((passkeys, app))
    }

    /// A new enrolment link for the account (the older ones stop working),
    /// by this change's actor, and its email to `mail.recipient`.
    pub async fn issue_enrolment(
        &mut self,
        token_hash: &str,
        expires_at: Millis,
        mail: &super::QueuedMail<'_>,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM support_enrolments WHERE account_id = $1 AND used_at IS NULL")
            .bind(self.account_id)
            .execute(&mut *self.tx)
            .await?;
        sqlx::query(
            "INSERT INTO support_enrolments (token_hash, account_id, created_by, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(self.account_id)
        .bind(self.actor_id)
        .bind(self.now)
        .bind(expires_at)
        .execute(&mut *self.tx)
        .await?;
        super::email_confirmation::queue_mail(&mut self.tx, self.account_id, mail, self.now).await
    }

    pub async fn withdraw_pending_reset(&mut self) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM pending_resets WHERE account_id = $1")
            .bind(self.account_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Writes the step into an access request's history, as part of this
    /// change. False when there is no such request.
    pub async fn record_request_step(
        &mut self,
        request_id: i64,
        action: &str,
        detail: &str,
    ) -> Result<bool, StoreError> {
        let recorded = insert_request_step(
            &mut self.tx,
            request_id,
            Some(self.actor_id),
            action,
            detail,
            self.now,
        )
        .await?;
        if recorded {
            self.events.push((
                "access_request_updated",
                None,
                serde_json::json!({ "request_id": request_id, "action": action }).to_string(),
            ));
        }
        Ok(recorded)
    }

    /// Writes the audit record and the change's events, and commits.
    pub async fn commit(mut self, audit: &AuditRecord<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit_log (occurred_at, actor_id, account_id, action, before, after)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(self.now)
        .bind(self.actor_id)
        .bind(self.account_id)
        .bind(audit.action)
        .bind(audit.before)
        .bind(audit.after)
        .execute(&mut *self.tx)
        .await?;
        self.events.insert(
            0,
            (
                "support_action",
                Some(self.account_id),
                serde_json::json!({ "action": audit.action }).to_string(),
            ),
        );
        for (kind, account_id, detail) in &self.events {
            append_event(
                &mut self.tx,
                self.backend,
                &NewEvent {
                    kind,
                    account_id: *account_id,
                    actor_id: Some(self.actor_id),
                    detail,
                    at: self.now,
                },
            )
            .await?;
        }
        self.tx.commit().await?;
        Ok(())
    }
}
