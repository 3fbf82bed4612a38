//! The support console's SQL: the search index, what an account page
//! shows, and the staff actions, each written with its audit
//! record and event in one transaction.

use sqlx::{any::AnyRow, Any, Row, Transaction};

use super::events::{append_event, NewEvent};
use super::resets::{queue_reset, QueuedReset, ResetRecipient};
use super::{search_index, Backend, Store, StoreError};
use crate::clock::Millis;
use crate::rules::AccountType;
use crate::support::{
    search_terms, AccountDetail, AccountStatus, AccountSummary, AuditEntry, Delivery, PastEmail,
    PossibleDuplicate, RegistrationNumberView, SearchQuery, SecurityState,
};

/// How an account page's lists are cut: support needs the recent story,
/// not all of it.
const DETAIL_ROWS: i64 = 50;

/// The staff action to write, already validated.
#[derive(Debug)]
pub enum StaffChange<'a> {
    SendReset(QueuedReset<'a>),
    ChangeEmail { email: &'a str, email_key: &'a str },
    Unlock,
    Disable,
    Enable,
}

/// What [`Store::apply_staff_change`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum StaffChangeOutcome {
    Done,
    NotFound,
    /// Support accounts are not changed from the console.
    SupportAccount,
    /// Another account holds the new email as its email or username.
    EmailTaken,
    SameEmail,
    /// A reset for a disabled account would be refused at login anyway.
    AccountDisabled,
}

impl Store {
    /// Searches the index; answers at most `limit` accounts and whether
    /// more matched.
    pub async fn search_accounts(
        &self,
        query: &SearchQuery,
        limit: u32,
    ) -> Result<(Vec<AccountSummary>, bool), StoreError> {
        let first_look = match search_index::first_look(self.backend, query) {
            Some(first_look) => self.search_page(&first_look, limit).await?,
            None => Vec::new(),
        };
        let page = if first_look.len() > limit as usize {
            first_look
        } else {
            let matching = search_index::matching(self.backend, query);
            self.search_page(&matching, limit).await?
        };
        let truncated = page.len() > limit as usize;
        let accounts = page
            .iter()
            .take(limit as usize)
            .map(summary)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((accounts, truncated))
    }

    /// Up to `limit + 1` matching accounts in name order (one more than the
    /// page, to tell whether the list was cut).
    async fn search_page(
        &self,
        matching: &search_index::Matching,
        limit: u32,
    ) -> Result<Vec<AnyRow>, StoreError> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} {from_where}
              ORDER BY lower(a.surname), lower(a.first_name), a.id
              LIMIT ${limit_at}",
            from_where = matching.from_where,
            limit_at = matching.values.len() + 1,
        );
        let mut select = sqlx::query(&sql);
        for value in &matching.values {
            select = select.bind(value);
        }
        Ok(select
            .bind(i64::from(limit) + 1)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Indexes accounts the search does not cover yet (those created before
    /// the index existed); answers how many. Run at start-up.
    pub async fn index_unsearchable_accounts(&self) -> Result<u64, StoreError> {
        let missing: Vec<i64> = sqlx::query_scalar(search_index::unindexed_accounts(self.backend))
            .fetch_all(&self.pool)
            .await?;
        for chunk in missing.chunks(500) {
            let mut tx = self.begin_write().await?;
            for account_id in chunk {
                reindex_account(&mut tx, self.backend, *account_id).await?;
            }
            tx.commit().await?;
        }
        Ok(missing.len() as u64)
    }

    /// Everything the account page shows; `None` when there is no such
    /// account.
    pub async fn account_detail(
        &self,
        account_id: i64,
        now: Millis,
    ) -> Result<Option<AccountDetail>, StoreError> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS}, a.practice_name, a.created_at, a.failed_logins,
                    a.throttled_until, a.locked_at, a.last_reset_at,
                    (SELECT expires_at FROM pending_resets p
                      WHERE p.account_id = a.id AND p.expires_at > $1) AS reset_expires_at,
                    (SELECT COUNT(*) FROM sessions s WHERE s.account_id = a.id) AS sessions,
                    (SELECT COUNT(*) FROM sessions s
                      WHERE s.account_id = a.id AND s.must_change_password = 1) AS must_change
               FROM accounts a WHERE a.id = $2"
        );
        let Some(row) = sqlx::query(&sql)
            .bind(now)
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let summary = summary(&row)?;
        let security = SecurityState {
            failed_logins: u32::try_from(row.try_get::<i64, _>("failed_logins")?).unwrap_or(0),
            throttled_until: row
                .try_get::<Option<Millis>, _>("throttled_until")?
                .filter(|until| *until > now),
            locked_at: row.try_get("locked_at")?,
            last_login_at: summary.last_login_at,
            last_reset_at: row.try_get("last_reset_at")?,
            reset_expires_at: row.try_get("reset_expires_at")?,
            must_change_password: row.try_get::<i64, _>("must_change")? > 0,
            active_sessions: u32::try_from(row.try_get::<i64, _>("sessions")?).unwrap_or(0),
        };

        let email_history = sqlx::query(
            "SELECT h.email, h.changed_at, s.username AS changed_by
               FROM email_history h LEFT JOIN accounts s ON s.id = h.changed_by
              WHERE h.account_id = $1 ORDER BY h.id DESC LIMIT $2",
        )
        .bind(account_id)
        .bind(DETAIL_ROWS)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(PastEmail {
                email: row.try_get("email")?,
                changed_at: row.try_get("changed_at")?,
                changed_by: row.try_get("changed_by")?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;

        let registration_numbers = sqlx::query(
            "SELECT kind, number FROM registration_numbers WHERE account_id = $1 ORDER BY kind, number",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(RegistrationNumberView {
                kind: row.try_get("kind")?,
                number: row.try_get("number")?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;

        let deliveries = sqlx::query(
            "SELECT id, subject, recipient, status, attempts, created_at, finished_at, last_reply
               FROM outbox WHERE account_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(account_id)
        .bind(DETAIL_ROWS)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(Delivery {
                message_id: row.try_get("id")?,
                subject: row.try_get("subject")?,
                recipient: row.try_get("recipient")?,
                status: row.try_get("status")?,
                attempts: u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(0),
                created_at: row.try_get("created_at")?,
                finished_at: row.try_get("finished_at")?,
                last_reply: row.try_get("last_reply")?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;

        // Both directions: this account may be the later or the earlier one.
        let possible_duplicates = sqlx::query(
            "SELECT o.id, o.username, o.first_name || ' ' || o.surname AS name, d.reason
               FROM possible_duplicates d
               JOIN accounts o ON o.id = CASE WHEN d.account_id = $1
                                              THEN d.earlier_account_id ELSE d.account_id END
              WHERE d.account_id = $1 OR d.earlier_account_id = $1
              ORDER BY o.id",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(PossibleDuplicate {
                account_id: row.try_get("id")?,
                username: row.try_get("username")?,
                name: row.try_get("name")?,
                reason: row.try_get("reason")?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;

        let audit = sqlx::query(
            "SELECT l.occurred_at, s.username AS actor, l.action, l.before, l.after
               FROM audit_log l JOIN accounts s ON s.id = l.actor_id
              WHERE l.account_id = $1 ORDER BY l.id DESC LIMIT $2",
        )
        .bind(account_id)
        .bind(DETAIL_ROWS)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(AuditEntry {
                occurred_at: row.try_get("occurred_at")?,
                actor: row.try_get("actor")?,
                action: row.try_get("action")?,
                before: row.try_get("before")?,
                after: row.try_get("after")?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;

        let events = self.recent_events(Some(account_id), DETAIL_ROWS).await?;

        Ok(Some(AccountDetail {
            practice_name: row.try_get("practice_name")?,
            created_at: row.try_get("created_at")?,
            summary,
            email_history,
            registration_numbers,
            security,
            deliveries,
            possible_duplicates,
            audit,
            events,
        }))
    }

    /// Applies a staff action: the change, its audit record (who, when,
    /// what, before, after) and its event, in one transaction.
    pub async fn apply_staff_change(
        &self,
        actor_id: i64,
        account_id: i64,
        change: &StaffChange<'_>,
        now: Millis,
    ) -> Result<StaffChangeOutcome, StoreError> {
        let mut tx = self.begin_write().await?;
        // Locked until commit, so the "before" written to the audit log is
        // what the change replaced.
        let Some(account) = sqlx::query(&format!(
            "SELECT account_type, status, email, username, first_name, failed_logins,
                    throttled_until, locked_at
               FROM accounts WHERE id = $1{lock}",
            lock = self.for_update()
        ))
        .bind(account_id)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(StaffChangeOutcome::NotFound);
        };
        let account_type: String = account.try_get("account_type")?;
        if account_type == AccountType::Support.as_str() {
            return Ok(StaffChangeOutcome::SupportAccount);
        }
        let status: String = account.try_get("status")?;
        let email: String = account.try_get("email")?;

        let (action, before, after) = match change {
            StaffChange::SendReset(reset) => {
                if status != AccountStatus::Active.as_str() {
                    return Ok(StaffChangeOutcome::AccountDisabled);
                }
                let recipient = ResetRecipient {
                    first_name: account.try_get("first_name")?,
                    username: account.try_get("username")?,
                };
                let message_id =
                    queue_reset(&mut tx, account_id, &email, &recipient, reset).await?;
                (
                    "send_reset",
                    serde_json::json!({}),
                    serde_json::json!({ "sent_to": email, "message_id": message_id,
                                        "expires_at": reset.expires_at }),
                )
            }
            StaffChange::ChangeEmail {
                email: new_email,
                email_key,
            } => {
                match change_email(
                    &mut tx, account_id, &email, new_email, email_key, actor_id, now,
                )
                .await?
                {
                    StaffChangeOutcome::Done => {
                        reindex_account(&mut tx, self.backend, account_id).await?
                    }
                    refused => return Ok(refused),
                }
                (
                    "change_email",
                    serde_json::json!({ "email": email }),
                    serde_json::json!({ "email": new_email }),
                )
            }
            StaffChange::Unlock => {
                let before = serde_json::json!({
                    "failed_logins": account.try_get::<i64, _>("failed_logins")?,
                    "throttled_until": account.try_get::<Option<i64>, _>("throttled_until")?,
                    "locked_at": account.try_get::<Option<i64>, _>("locked_at")?,
                });
                sqlx::query(
                    "UPDATE accounts SET failed_logins = 0, throttled_until = NULL, locked_at = NULL
                      WHERE id = $1",
                )
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
                (
                    "unlock",
                    before,
                    serde_json::json!({ "failed_logins": 0, "throttled_until": null, "locked_at": null }),
                )
            }
            StaffChange::Disable | StaffChange::Enable => {
                let (action, new_status) = match change {
                    StaffChange::Disable => ("disable", AccountStatus::Disabled),
                    _ => ("enable", AccountStatus::Active),
                };
                sqlx::query("UPDATE accounts SET status = $1 WHERE id = $2")
                    .bind(new_status.as_str())
                    .bind(account_id)
                    .execute(&mut *tx)
                    .await?;
                if new_status == AccountStatus::Disabled {
                    // Out at once, and no pending reset lets them back in.
                    sqlx::query("DELETE FROM sessions WHERE account_id = $1")
                        .bind(account_id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("DELETE FROM pending_resets WHERE account_id = $1")
                        .bind(account_id)
                        .execute(&mut *tx)
                        .await?;
                }
                (
                    action,
                    serde_json::json!({ "status": status }),
                    serde_json::json!({ "status": new_status.as_str() }),
                )
            }
        };

        sqlx::query(
            "INSERT INTO audit_log (occurred_at, actor_id, account_id, action, before, after)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(now)
        .bind(actor_id)
        .bind(account_id)
        .bind(action)
        .bind(before.to_string())
        .bind(after.to_string())
        .execute(&mut *tx)
        .await?;
        append_event(
            &mut tx,
            self.backend,
            &NewEvent {
                kind: "support_action",
                account_id: Some(account_id),
                actor_id: Some(actor_id),
                detail: &serde_json::json!({ "action": action }).to_string(),
                at: now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(StaffChangeOutcome::Done)
    }
}

/// Moves the account to a new current email: the old one to the history
/// and out of the login namespace (unless it is also the username), the new
/// one claimed in it. A reset still waiting to be sent to the old address
/// is withdrawn: it would carry a working password to an address support
/// has just said is wrong.
async fn change_email(
    tx: &mut Transaction<'_, Any>,
    account_id: i64,
    old_email: &str,
    new_email: &str,
    new_key: &str,
    actor_id: i64,
    now: Millis,
) -> Result<StaffChangeOutcome, StoreError> {
    let names = sqlx::query("SELECT name_key, kind FROM login_names WHERE account_id = $1")
        .bind(account_id)
        .fetch_all(&mut **tx)
        .await?;
    let mut old_key = None;
    let mut username_key = None;
    for row in &names {
        let key: String = row.try_get("name_key")?;
        match row.try_get::<String, _>("kind")?.as_str() {
            "email" => old_key = Some(key),
            "username" => username_key = Some(key),
            _ => {
                old_key = Some(key.clone());
                username_key = Some(key);
            }
        }
    }
    if old_key.as_deref() == Some(new_key) {
        return Ok(StaffChangeOutcome::SameEmail);
    }
    // Release the old address (keeping it if it is the username too).
    if let Some(old_key) = &old_key {
        if username_key.as_deref() == Some(old_key.as_str()) {
            sqlx::query("UPDATE login_names SET kind = 'username' WHERE name_key = $1")
                .bind(old_key)
                .execute(&mut **tx)
                .await?;
        } else {
            sqlx::query("DELETE FROM login_names WHERE name_key = $1")
                .bind(old_key)
                .execute(&mut **tx)
                .await?;
        }
    }
    // Claim the new one: the account's own username may be that address.
    if username_key.as_deref() == Some(new_key) {
        sqlx::query("UPDATE login_names SET kind = 'both' WHERE name_key = $1")
            .bind(new_key)
            .execute(&mut **tx)
            .await?;
    } else {
        let claimed = sqlx::query(
            "INSERT INTO login_names (name_key, account_id, kind) VALUES ($1, $2, 'email')
             ON CONFLICT (name_key) DO NOTHING",
        )
        .bind(new_key)
        .bind(account_id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            // Dropping the transaction undoes the release above.
            return Ok(StaffChangeOutcome::EmailTaken);
        }
    }
    sqlx::query(
        "INSERT INTO email_history (account_id, email, email_key, changed_at, changed_by)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(account_id)
    .bind(old_email)
    .bind(old_key.as_deref().unwrap_or_default())
    .bind(now)
    .bind(actor_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE accounts SET email = $1 WHERE id = $2")
        .bind(new_email)
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM pending_resets WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    Ok(StaffChangeOutcome::Done)
}

/// Rewrites the account's search row from its current values. Part of
/// every transaction that changes a searchable value.
pub(super) async fn reindex_account(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    account_id: i64,
) -> Result<(), StoreError> {
    let row = sqlx::query(
        "SELECT username, email, first_name, surname, COALESCE(practice_name, '') AS practice_name
           FROM accounts WHERE id = $1",
    )
    .bind(account_id)
    .fetch_one(&mut **tx)
    .await?;
    let mut values: Vec<String> = vec![
        row.try_get("username")?,
        row.try_get("email")?,
        row.try_get("first_name")?,
        row.try_get("surname")?,
        row.try_get("practice_name")?,
    ];
    let previous: Vec<String> =
        sqlx::query_scalar("SELECT email FROM email_history WHERE account_id = $1")
            .bind(account_id)
            .fetch_all(&mut **tx)
            .await?;
    values.extend(previous);
    for number in sqlx::query("SELECT kind, number FROM registration_numbers WHERE account_id = $1")
        .bind(account_id)
        .fetch_all(&mut **tx)
        .await?
    {
        let kind: String = number.try_get("kind")?;
        let number: String = number.try_get("number")?;
        // "GMC1234567" for "gmc 1234567", and the bare number.
        values.push(format!("{kind}{number}"));
        values.push(number);
    }
    let terms = search_terms(values.iter().map(String::as_str));
    search_index::write_terms(tx, backend, account_id, &terms).await
}

pub(super) const SUMMARY_COLUMNS: &str =
    "a.id, a.username, a.email, a.first_name, a.surname, a.account_type, \
                               a.status, a.last_login_at";

pub(super) fn summary(row: &AnyRow) -> Result<AccountSummary, StoreError> {
    let account_type: String = row.try_get("account_type")?;
    let status: String = row.try_get("status")?;
    Ok(AccountSummary {
        account_id: row.try_get("id")?,
        username: row.try_get("username")?,
        email: row.try_get("email")?,
        first_name: row.try_get("first_name")?,
        surname: row.try_get("surname")?,
        account_type: AccountType::parse(&account_type)
            .ok_or_else(|| StoreError::Corrupt(format!("account type {account_type:?}")))?,
        status: AccountStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("account status {status:?}")))?,
        last_login_at: row.try_get("last_login_at")?,
    })
}
