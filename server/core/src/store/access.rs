//! Access requests ("Contact support", SPEC.md §8): storing one with its
//! acknowledgement email, the support queue, the accounts a request points
//! to, and each step taken on it.

use std::collections::BTreeMap;

use sqlx::{any::AnyRow, Row};

use super::events::{append_event, NewEvent};
use super::support::{summary, SUMMARY_COLUMNS};
use super::{Store, StoreError};
use crate::access::{AccessRequestDetails, AccessRequestView, RequestStep, SuggestedAccount};
use crate::clock::Millis;

/// Kinds a registration number may be prefixed with when typed.
const NUMBER_KINDS: &[&str] = &["GMC", "NMC", "NTN", "COLLEGE", "OTHER"];

impl Store {
    /// Stores the request, its first history step, its acknowledgement email
    /// and its event, in one transaction; answers the request id.
    pub async fn create_access_request(
        &self,
        details: &AccessRequestDetails,
        ack_subject: &str,
        now: Millis,
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO access_requests
                 (created_at, first_name, surname, username, email, previous_emails,
                  registration_numbers, last_post, supervised_trainees, message)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(now)
        .bind(&details.first_name)
        .bind(&details.surname)
        .bind(details.username.as_deref().unwrap_or_default())
        .bind(details.email.as_str())
        .bind(
            details
                .previous_emails
                .iter()
                .map(|email| email.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
        )
        .bind(details.registration_numbers.join("\n"))
        .bind(&details.last_post)
        .bind(&details.supervised_trainees)
        .bind(&details.message)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO access_request_steps (request_id, occurred_at, action, detail)
             VALUES ($1, $2, 'submitted', '')",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let data = serde_json::json!({
            "first_name": details.first_name,
            "reference": crate::access::reference(id),
        });
        sqlx::query(
            "INSERT INTO outbox (kind, recipient, subject, data, next_attempt_at, created_at)
             VALUES ('access_request_ack', $1, $2, $3, $4, $5)",
        )
        .bind(details.email.as_str())
        .bind(ack_subject)
        .bind(data.to_string())
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        append_event(
            &mut tx,
            self.backend,
            &NewEvent {
                kind: "access_request",
                account_id: None,
                actor_id: None,
                detail: &serde_json::json!({ "request_id": id }).to_string(),
                at: now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Open requests, oldest first (the queue), then the latest closed ones.
    /// Two queries whatever the length of the list: the requests, then all
    /// their steps.
    pub async fn access_requests(&self, limit: i64) -> Result<Vec<AccessRequestView>, StoreError> {
        const QUEUE: &str = "SELECT * FROM access_requests
              ORDER BY status = 'closed', CASE WHEN status = 'open' THEN id ELSE -id END
              LIMIT $1";
        let rows = sqlx::query(QUEUE).bind(limit).fetch_all(&self.pool).await?;
        let mut steps: BTreeMap<i64, Vec<RequestStep>> = BTreeMap::new();
        for row in sqlx::query(&format!(
            "{STEP_COLUMNS} WHERE s.request_id IN (SELECT id FROM ({QUEUE}) AS queue) ORDER BY s.id"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        {
            steps
                .entry(row.try_get("request_id")?)
                .or_default()
                .push(request_step(&row)?);
        }
        rows.iter()
            .map(|row| {
                let id: i64 = row.try_get("id")?;
                request_view(row, steps.remove(&id).unwrap_or_default())
            })
            .collect()
    }

    pub async fn access_request(&self, id: i64) -> Result<Option<AccessRequestView>, StoreError> {
        let Some(row) = sqlx::query("SELECT * FROM access_requests WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let steps = sqlx::query(&format!(
            "{STEP_COLUMNS} WHERE s.request_id = $1 ORDER BY s.id"
        ))
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(request_step)
        .collect::<Result<Vec<_>, StoreError>>()?;
        request_view(&row, steps).map(Some)
    }

    /// Accounts matching any detail of the request, most matches first.
    /// `keys` are the request's folded values: its emails (current and
    /// earlier), its username, its numbers, and its name words.
    pub async fn accounts_matching(
        &self,
        email_keys: &[String],
        username_key: Option<&str>,
        numbers: &[String],
        name_words: Option<(&str, &str)>,
    ) -> Result<Vec<SuggestedAccount>, StoreError> {
        let mut matched: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        let mut add = |id: i64, why: String| {
            let reasons = matched.entry(id).or_default();
            if !reasons.contains(&why) {
                reasons.push(why);
            }
        };
        for key in email_keys {
            let current: Vec<i64> = sqlx::query_scalar(
                "SELECT account_id FROM login_names WHERE name_key = $1 AND kind IN ('email', 'both')",
            )
            .bind(key)
            .fetch_all(&self.pool)
            .await?;
            for id in current {
                add(id, format!("current email {key}"));
            }
            let earlier: Vec<i64> = sqlx::query_scalar(
                "SELECT DISTINCT account_id FROM email_history WHERE email_key = $1",
            )
            .bind(key)
            .fetch_all(&self.pool)
            .await?;
            for id in earlier {
                add(id, format!("earlier email {key}"));
            }
        }
        if let Some(key) = username_key {
            let holders: Vec<i64> = sqlx::query_scalar(
                "SELECT account_id FROM login_names WHERE name_key = $1 AND kind IN ('username', 'both')",
            )
            .bind(key)
            .fetch_all(&self.pool)
            .await?;
            for id in holders {
                add(id, format!("username {key}"));
            }
        }
        for typed in numbers {
            let bare = NUMBER_KINDS
                .iter()
                .find_map(|kind| typed.strip_prefix(kind))
                .filter(|rest| !rest.is_empty())
                .unwrap_or(typed);
            let holders: Vec<i64> = sqlx::query_scalar(
                "SELECT DISTINCT account_id FROM registration_numbers WHERE number = $1",
            )
            .bind(bare)
            .fetch_all(&self.pool)
            .await?;
            for id in holders {
                add(id, format!("registration number {bare}"));
            }
        }
        if let Some((first, surname)) = name_words {
            let named: Vec<i64> =
                sqlx::query_scalar(super::search_index::named_accounts(self.backend))
                    .bind(first)
                    .bind(surname)
                    .fetch_all(&self.pool)
                    .await?;
            for id in named {
                add(id, "name".to_owned());
            }
        }

        // One query for every matched account's summary.
        let placeholders = (1..=matched.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut suggestions = Vec::with_capacity(matched.len());
        if !matched.is_empty() {
            let sql =
                format!("SELECT {SUMMARY_COLUMNS} FROM accounts a WHERE a.id IN ({placeholders})");
            let mut select = sqlx::query(&sql);
            for id in matched.keys() {
                select = select.bind(*id);
            }
            for row in select.fetch_all(&self.pool).await? {
                let account = summary(&row)?;
                let matched = matched.remove(&account.account_id).unwrap_or_default();
                suggestions.push(SuggestedAccount { account, matched });
            }
        }
        suggestions.sort_by(|a, b| {
            b.matched
                .len()
                .cmp(&a.matched.len())
                .then(a.account.account_id.cmp(&b.account.account_id))
        });
        Ok(suggestions)
    }

    /// Records a step support took on a request (and closes it when the step
    /// is "closed"), with its event, in one transaction. False when there is
    /// no such request.
    pub async fn record_request_step(
        &self,
        request_id: i64,
        actor_id: i64,
        action: &str,
        detail: &str,
        now: Millis,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM access_requests WHERE id = $1")
            .bind(request_id)
            .fetch_one(&mut *tx)
            .await?;
        if exists == 0 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO access_request_steps (request_id, occurred_at, actor_id, action, detail)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(request_id)
        .bind(now)
        .bind(actor_id)
        .bind(action)
        .bind(detail)
        .execute(&mut *tx)
        .await?;
        if action == "closed" {
            sqlx::query("UPDATE access_requests SET status = 'closed' WHERE id = $1")
                .bind(request_id)
                .execute(&mut *tx)
                .await?;
        }
        append_event(
            &mut tx,
            self.backend,
            &NewEvent {
                kind: "access_request_updated",
                account_id: None,
                actor_id: Some(actor_id),
                detail: &serde_json::json!({ "request_id": request_id, "action": action })
                    .to_string(),
                at: now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}

const STEP_COLUMNS: &str =
    "SELECT s.request_id, s.occurred_at, s.action, s.detail, a.username AS actor
       FROM access_request_steps s LEFT JOIN accounts a ON a.id = s.actor_id";

fn request_step(row: &AnyRow) -> Result<RequestStep, StoreError> {
    Ok(RequestStep {
        occurred_at: row.try_get("occurred_at")?,
        action: row.try_get("action")?,
        detail: row.try_get("detail")?,
        actor: row.try_get("actor")?,
    })
}

fn request_view(row: &AnyRow, steps: Vec<RequestStep>) -> Result<AccessRequestView, StoreError> {
    let lines = |text: String| -> Vec<String> {
        text.lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let id: i64 = row.try_get("id")?;
    Ok(AccessRequestView {
        id,
        reference: crate::access::reference(id),
        created_at: row.try_get("created_at")?,
        status: row.try_get("status")?,
        first_name: row.try_get("first_name")?,
        surname: row.try_get("surname")?,
        username: row.try_get("username")?,
        email: row.try_get("email")?,
        previous_emails: lines(row.try_get("previous_emails")?),
        registration_numbers: lines(row.try_get("registration_numbers")?),
        last_post: row.try_get("last_post")?,
        supervised_trainees: row.try_get("supervised_trainees")?,
        message: row.try_get("message")?,
        steps,
    })
}
