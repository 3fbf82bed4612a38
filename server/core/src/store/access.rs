//! Access requests ("Contact support", SPEC.md §8): storing one with its
//! acknowledgement email, the support queue, the accounts that hold a
//! request's details, and each step taken on it. How a request is shown
//! and how its matches are ranked is `access`'s business.

use std::collections::BTreeMap;

use sqlx::{Any, Transaction};

use super::events::{append_event, NewEvent};
use super::rows::Lines;
use super::search::SUMMARY_COLUMNS;
use super::{Store, StoreError};
use crate::access::{AccessRequestDetails, AccessRequestView, RequestStep};
use crate::clock::Millis;
use crate::rules::{RegistrationKind, RegistrationNumber};
use crate::support::AccountSummary;

/// What a request's details are looked up by, each folded as stored.
#[derive(Debug, Default)]
pub struct RequestProbe<'a> {
    pub email_keys: &'a [String],
    pub username_key: Option<&'a str>,
    /// Bare numbers, without a kind.
    pub numbers: &'a [String],
    /// Folded first name and surname.
    pub name: Option<(&'a str, &'a str)>,
}

/// Which of a request's details an account holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeldDetail {
    CurrentEmail(String),
    EarlierEmail(String),
    Username(String),
    /// As the account holds it, with its kind.
    RegistrationNumber(RegistrationNumber),
    Name,
}

impl Store {
    /// Stores the request, its first history step, its acknowledgement email
    /// and its event, in one transaction; answers the request id.
    pub async fn create_access_request(
        &self,
        details: &AccessRequestDetails,
        ack_subject: &str,
        ack_data: impl FnOnce(i64) -> serde_json::Value,
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
        .bind(Lines::join(
            details.previous_emails.iter().map(|email| email.as_str()),
        ))
        .bind(Lines::join(
            details
                .registration_numbers
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .iter()
                .map(String::as_str),
        ))
        .bind(&details.last_post)
        .bind(&details.supervised_trainees)
        .bind(&details.message)
        .fetch_one(&mut *tx)
        .await?;
        insert_request_step(&mut tx, id, None, "submitted", "", now).await?;
        let data = ack_data(id);
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

    /// Open requests, oldest first (the queue), then the latest closed ones,
    /// each with its steps. Two queries whatever the length of the list:
    /// the requests, then all their steps.
    pub async fn access_requests(&self, limit: i64) -> Result<Vec<AccessRequestView>, StoreError> {
        const QUEUE: &str = "SELECT * FROM access_requests
              ORDER BY status = 'closed', CASE WHEN status = 'open' THEN id ELSE -id END
              LIMIT $1";
        let requests: Vec<AccessRequestView> = sqlx::query_as(QUEUE)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        let mut steps: BTreeMap<i64, Vec<RequestStep>> = BTreeMap::new();
        let all_steps: Vec<StepRow> = sqlx::query_as(&format!(
            "{STEP_COLUMNS} WHERE s.request_id IN (SELECT id FROM ({QUEUE}) AS queue) ORDER BY s.id"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        for row in all_steps {
            steps.entry(row.request_id).or_default().push(row.step);
        }
        Ok(requests
            .into_iter()
            .map(|request| AccessRequestView {
                steps: steps.remove(&request.id).unwrap_or_default(),
                ..request
            })
            .collect())
    }

    pub async fn access_request(&self, id: i64) -> Result<Option<AccessRequestView>, StoreError> {
        let Some(request) =
            sqlx::query_as::<_, AccessRequestView>("SELECT * FROM access_requests WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
        else {
            return Ok(None);
        };
        let steps: Vec<StepRow> = sqlx::query_as(&format!(
            "{STEP_COLUMNS} WHERE s.request_id = $1 ORDER BY s.id"
        ))
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(Some(AccessRequestView {
            steps: steps.into_iter().map(|row| row.step).collect(),
            ..request
        }))
    }

    /// Every account holding one of the probe's details, once per detail
    /// it holds.
    pub async fn accounts_holding(
        &self,
        probe: &RequestProbe<'_>,
    ) -> Result<Vec<(i64, HeldDetail)>, StoreError> {
        let mut held = Vec::new();
        for key in probe.email_keys {
            let current: Vec<i64> = sqlx::query_scalar(
                "SELECT account_id FROM login_names WHERE name_key = $1 AND kind IN ('email', 'both')",
            )
            .bind(key)
            .fetch_all(&self.pool)
            .await?;
            held.extend(
                current
                    .into_iter()
                    .map(|id| (id, HeldDetail::CurrentEmail(key.clone()))),
            );
            let earlier: Vec<i64> = sqlx::query_scalar(
                "SELECT DISTINCT account_id FROM email_history WHERE email_key = $1",
            )
            .bind(key)
            .fetch_all(&self.pool)
            .await?;
            held.extend(
                earlier
                    .into_iter()
                    .map(|id| (id, HeldDetail::EarlierEmail(key.clone()))),
            );
        }
        if let Some(key) = probe.username_key {
            let holders: Vec<i64> = sqlx::query_scalar(
                "SELECT account_id FROM login_names WHERE name_key = $1 AND kind IN ('username', 'both')",
            )
            .bind(key)
            .fetch_all(&self.pool)
            .await?;
            held.extend(
                holders
                    .into_iter()
                    .map(|id| (id, HeldDetail::Username(key.to_owned()))),
            );
        }
        for number in probe.numbers {
            let holders: Vec<(i64, String)> = sqlx::query_as(
                "SELECT DISTINCT account_id, kind FROM registration_numbers WHERE number = $1",
            )
            .bind(number)
            .fetch_all(&self.pool)
            .await?;
            for (id, kind) in holders {
                let kind = RegistrationKind::try_from(kind)
                    .map_err(|error| StoreError::Corrupt(error.to_string()))?;
                held.push((
                    id,
                    HeldDetail::RegistrationNumber(RegistrationNumber {
                        kind,
                        number: number.clone(),
                    }),
                ));
            }
        }
        if let Some((first, surname)) = probe.name {
            let named: Vec<i64> =
                sqlx::query_scalar(super::search_index::named_accounts(self.backend))
                    .bind(first)
                    .bind(surname)
                    .fetch_all(&self.pool)
                    .await?;
            held.extend(named.into_iter().map(|id| (id, HeldDetail::Name)));
        }
        Ok(held)
    }

    /// The summaries of `ids`, in one query.
    pub async fn account_summaries(&self, ids: &[i64]) -> Result<Vec<AccountSummary>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders = (1..=ids.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql =
            format!("SELECT {SUMMARY_COLUMNS} FROM accounts a WHERE a.id IN ({placeholders})");
        let mut select = sqlx::query_as::<_, AccountSummary>(&sql);
        for id in ids {
            select = select.bind(*id);
        }
        Ok(select.fetch_all(&self.pool).await?)
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
        if !insert_request_step(&mut tx, request_id, Some(actor_id), action, detail, now).await? {
            return Ok(false);
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

/// Writes a step into a request's history (closing the request when the
/// step is "closed"), in the caller's transaction. False when there is no
/// such request.
pub(super) async fn insert_request_step(
    tx: &mut Transaction<'_, Any>,
    request_id: i64,
    actor_id: Option<i64>,
    action: &str,
    detail: &str,
    now: Millis,
) -> Result<bool, StoreError> {
    let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM access_requests WHERE id = $1")
        .bind(request_id)
        .fetch_one(&mut **tx)
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
    .execute(&mut **tx)
    .await?;
    if action == "closed" {
        sqlx::query("UPDATE access_requests SET status = 'closed' WHERE id = $1")
            .bind(request_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(true)
}

const STEP_COLUMNS: &str =
    "SELECT s.request_id, s.occurred_at, s.action, s.detail, a.username AS actor
       FROM access_request_steps s LEFT JOIN accounts a ON a.id = s.actor_id";

#[derive(sqlx::FromRow)]
struct StepRow {
    request_id: i64,
    #[sqlx(flatten)]
    step: RequestStep,
}
