//! Reset passwords: issuing one (with its email, in one transaction),
//! using it once, and replacing the password it leads to.

use sqlx::{Any, Transaction};

use super::{serialize_on, Store, StoreError};
use crate::clock::Millis;

/// What issuing a reset needs, everything computed beforehand (the hash is
/// made outside the transaction: it takes tens of milliseconds).
#[derive(Debug)]
pub struct ResetIssue<'a> {
    /// The case-folded address typed.
    pub email_key: &'a str,
    pub now: Millis,
    /// At most this many requests per address in the hour before `now`,
    /// counted separately for the owner's own requests and for everyone
    /// else's.
    pub hourly_limit: u32,
    /// The request comes from the owner of the address (a device or session
    /// of the account): counted in the owner's own allowance.
    pub by_owner: bool,
    pub password_hash: &'a str,
    /// The plain password, kept only until its email is delivered.
    pub password: &'a str,
    pub expires_at: Millis,
    pub subject: &'a str,
}

/// What [`Store::issue_reset`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum ResetIssued {
    /// The password is pending and its email queued.
    Queued { account_id: i64, message_id: i64 },
    /// The address is no active account's current email: nothing queued.
    NoAccount,
    /// The address had its hourly share; the next request is allowed then.
    TooMany { allowed_at: Millis },
}

/// The account a reset email goes to, as the message data needs it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct ResetRecipient {
    pub first_name: String,
    pub username: String,
}

const HOUR_MS: Millis = 3_600_000;

impl Store {
    /// Counts the request against the address, and when the address is an
    /// active account's current email, stores the new reset password (replacing
    /// any pending one) and queues its email, all in one transaction.
    pub async fn issue_reset(&self, issue: &ResetIssue<'_>) -> Result<ResetIssued, StoreError> {
        let window_start = issue.now - HOUR_MS;
        let mut tx = self.begin_write().await?;
        // Two requests for one address at once must not both see "two so far".
        serialize_on(&mut tx, self.backend, &format!("reset:{}", issue.email_key)).await?;
        sqlx::query("DELETE FROM reset_requests WHERE email_key = $1 AND requested_at <= $2")
            .bind(issue.email_key)
            .bind(window_start)
            .execute(&mut *tx)
            .await?;
        let by_owner = i64::from(issue.by_owner);
        let recent = sqlx::query_as::<_, RecentRequests>(
            "SELECT COUNT(*) AS n, MIN(requested_at) AS oldest
               FROM reset_requests WHERE email_key = $1 AND by_owner = $2",
        )
        .bind(issue.email_key)
        .bind(by_owner)
        .fetch_one(&mut *tx)
        .await?;
        if recent.n >= i64::from(issue.hourly_limit) {
            return Ok(ResetIssued::TooMany {
                allowed_at: recent.oldest.unwrap_or(issue.now) + HOUR_MS,
            });
        }
        sqlx::query(
            "INSERT INTO reset_requests (email_key, requested_at, by_owner) VALUES ($1, $2, $3)",
        )
        .bind(issue.email_key)
        .bind(issue.now)
        .bind(by_owner)
        .execute(&mut *tx)
        .await?;

        let account = sqlx::query_as::<_, ResetAccount>(
            "SELECT a.id, a.email, a.username, a.first_name
               FROM login_names n JOIN accounts a ON a.id = n.account_id
              WHERE n.name_key = $1 AND n.kind IN ('email', 'both') AND a.status = 'active'",
        )
        .bind(issue.email_key)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(account) = account else {
            tx.commit().await?;
            return Ok(ResetIssued::NoAccount);
        };
        let account_id = account.id;
        let recipient = ResetRecipient {
            first_name: account.first_name,
            username: account.username,
        };
        let message_id = queue_reset(
            &mut tx,
            account_id,
            &account.email,
            &recipient,
            &QueuedReset {
                now: issue.now,
                password_hash: issue.password_hash,
                password: issue.password,
                expires_at: issue.expires_at,
                subject: issue.subject,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(ResetIssued::Queued {
            account_id,
            message_id,
        })
    }

    /// The active account whose current email has the key `email_key`.
    pub async fn active_account_with_email(
        &self,
        email_key: &str,
    ) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar::<_, i64>(
            "SELECT a.id FROM login_names n JOIN accounts a ON a.id = n.account_id
              WHERE n.name_key = $1 AND n.kind IN ('email', 'both') AND a.status = 'active'",
        )
        .bind(email_key)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Uses up the account's pending reset if it is still the one with
    /// `password_hash` and has not expired, and clears the account's
    /// throttling and lock. False when another request used it first.
    pub async fn consume_reset(
        &self,
        account_id: i64,
        password_hash: &str,
        now: Millis,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let used = sqlx::query(
            "DELETE FROM pending_resets WHERE account_id = $1 AND password_hash = $2 AND expires_at > $3",
        )
        .bind(account_id)
        .bind(password_hash)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if used {
            sqlx::query(
                "UPDATE accounts
                    SET failed_logins = 0, throttled_until = NULL, locked_at = NULL, last_login_at = $1,
                        -- The reset went to the current address: using it
                        -- proves the address is the owner's.
                        email_confirmed_at = COALESCE(email_confirmed_at, $1)
                  WHERE id = $2",
            )
            .bind(now)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(used)
    }

    /// The username and current email of an account, for the password rules.
    pub async fn account_names(
        &self,
        account_id: i64,
    ) -> Result<Option<(String, String)>, StoreError> {
        let names =
            sqlx::query_as::<_, AccountNames>("SELECT username, email FROM accounts WHERE id = $1")
                .bind(account_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(names.map(|names| (names.username, names.email)))
    }

    /// Stores a new password, ends every session of the account (the
    /// caller starts a fresh one) and queues the notice, in one transaction.
    pub async fn replace_password(
        &self,
        account_id: i64,
        password_hash: &str,
        notice: &super::QueuedNotice<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE accounts SET password_hash = $1, password_breached_at = NULL WHERE id = $2",
        )
        .bind(password_hash)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM sessions WHERE account_id = $1")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        super::outbox::queue_notice(&mut tx, notice).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The requests counted against an address in the last hour.
#[derive(sqlx::FromRow)]
struct RecentRequests {
    n: i64,
    /// When the oldest of them was made; `None` when there are none.
    oldest: Option<Millis>,
}

/// The active account whose current email a reset was asked for.
#[derive(sqlx::FromRow)]
struct ResetAccount {
    id: i64,
    email: String,
    username: String,
    first_name: String,
}

#[derive(sqlx::FromRow)]
struct AccountNames {
    username: String,
    email: String,
}

/// A reset password ready to be stored, with its email.
#[derive(Debug)]
pub struct QueuedReset<'a> {
    pub now: Millis,
    pub password_hash: &'a str,
    /// The plain password, kept only until its email is delivered.
    pub password: &'a str,
    pub expires_at: Millis,
    pub subject: &'a str,
}

/// Makes `reset` the account's one pending reset (replacing any earlier
/// one, whose unsent email is then superseded) and queues its email to
/// `email`; answers the outbox id. Part of the caller's transaction.
pub(super) async fn queue_reset(
    tx: &mut Transaction<'_, Any>,
    account_id: i64,
    email: &str,
    recipient: &ResetRecipient,
    reset: &QueuedReset<'_>,
) -> Result<i64, StoreError> {
    let data = serde_json::to_string(recipient)?;
    let message_id: i64 = sqlx::query_scalar(
        "INSERT INTO outbox (kind, account_id, recipient, subject, data, secret, next_attempt_at, created_at)
         VALUES ('password_reset', $1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(account_id)
    .bind(email)
    .bind(reset.subject)
    .bind(&data)
    .bind(reset.password)
    .bind(reset.now)
    .bind(reset.now)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO pending_resets (account_id, password_hash, issued_at, expires_at, message_id)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (account_id) DO UPDATE
            SET password_hash = excluded.password_hash, issued_at = excluded.issued_at,
                expires_at = excluded.expires_at, message_id = excluded.message_id",
    )
    .bind(account_id)
    .bind(reset.password_hash)
    .bind(reset.now)
    .bind(reset.expires_at)
    .bind(message_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE accounts SET last_reset_at = $1 WHERE id = $2")
        .bind(reset.now)
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    Ok(message_id)
}
