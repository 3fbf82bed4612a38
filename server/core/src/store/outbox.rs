//! The outbox: queueing notices inside the transaction of the change they
//! report, claiming messages for delivery, recording each attempt, and the
//! development mailbox.

use super::rows::Count;
use super::{Store, StoreError};
use crate::clock::Millis;

/// A message a worker has claimed; it owns it until `lease_expires_at`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedMessage {
    pub id: i64,
    pub kind: String,
    pub account_id: Option<i64>,
    pub recipient: String,
    pub subject: String,
    pub data: String,
    pub secret: Option<String>,
    /// Attempts so far, this one included.
    #[sqlx(try_from = "Count")]
    pub attempts: u32,
    pub created_at: Millis,
    /// A reset email whose password is no longer the account's pending
    /// one (a newer reset replaced it, or it expired): not worth sending.
    /// Not a column: found after the claim.
    #[sqlx(skip)]
    pub superseded: bool,
}

/// A notice to queue in the same transaction as the change it reports.
#[derive(Debug, Clone)]
pub struct QueuedNotice<'a> {
    pub kind: &'static str,
    pub account_id: i64,
    pub recipient: &'a str,
    pub subject: &'a str,
    /// The notice's data, JSON.
    pub data: String,
    pub at: Millis,
}

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryRecord {
    Sent {
        reply: String,
    },
    /// Failed; tried again at `retry_at`, or abandoned when `None`.
    Failed {
        reply: String,
        retry_at: Option<Millis>,
    },
    Superseded,
}

/// A message in the development mailbox.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DevMailboxMessage {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub delivered_at: Millis,
}

impl Store {
    /// Messages by status (`queued`, `sending`, `sent`, `abandoned`,
    /// `superseded`): the outbox's state for /metrics, the same from every
    /// instance.
    pub async fn outbox_by_status(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query_as::<_, StatusCount>(
            "SELECT status, COUNT(*) AS messages FROM outbox GROUP BY status",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| (row.status, row.messages))
            .collect())
    }

    /// Claims the message that has waited longest among those due, or one
    /// whose worker's lease ran out (that worker died mid-delivery). One
    /// statement, so two workers can never claim the same message.
    pub async fn claim_message(
        &self,
        worker: &str,
        now: Millis,
        lease_ms: Millis,
    ) -> Result<Option<ClaimedMessage>, StoreError> {
        let claimed = sqlx::query_as::<_, ClaimedMessage>(&format!(
            "UPDATE outbox
                SET status = 'sending', claimed_by = $1, lease_expires_at = $2, attempts = attempts + 1
              WHERE id = (SELECT id FROM outbox
                           WHERE (status = 'queued' AND next_attempt_at <= $3)
                              OR (status = 'sending' AND lease_expires_at <= $4)
                           ORDER BY next_attempt_at, id LIMIT 1{lock})
          RETURNING id, kind, account_id, recipient, subject, data, secret, attempts, created_at",
            lock = self.skip_locked()
        ))
        .bind(worker)
        .bind(now + lease_ms)
        .bind(now)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(mut message) = claimed else {
            return Ok(None);
        };
        if message.kind == "password_reset" {
            let current: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM pending_resets WHERE message_id = $1 AND expires_at > $2",
            )
            .bind(message.id)
            .bind(now)
            .fetch_one(&self.pool)
            .await?;
            message.superseded = current == 0;
        }
        Ok(Some(message))
    }

    /// Records an attempt and moves the message on: sent, back in the queue,
    /// abandoned or superseded. Once it is finished its secret is erased.
    /// Returns false when the worker's lease had been taken over meanwhile
    /// (the attempt is still recorded; the new owner decides the status).
    pub async fn record_delivery(
        &self,
        message_id: i64,
        worker: &str,
        now: Millis,
        record: &DeliveryRecord,
    ) -> Result<bool, StoreError> {
        let (outcome, reply) = match record {
            DeliveryRecord::Sent { reply } => ("sent", reply.as_str()),
            DeliveryRecord::Failed { reply, .. } => ("failed", reply.as_str()),
            DeliveryRecord::Superseded => (
                "superseded",
                "not sent: a newer reset replaced it, or it expired",
            ),
        };
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO outbox_attempts (message_id, attempted_at, worker, outcome, reply) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(message_id)
        .bind(now)
        .bind(worker)
        .bind(outcome)
        .bind(reply)
        .execute(&mut *tx)
        .await?;
        let update = match record {
            DeliveryRecord::Failed {
                retry_at: Some(retry_at),
                ..
            } => sqlx::query(
                "UPDATE outbox
                    SET status = 'queued', next_attempt_at = $1, claimed_by = NULL,
                        lease_expires_at = NULL, last_reply = $2
                  WHERE id = $3 AND claimed_by = $4 AND status = 'sending'",
            )
            .bind(retry_at),
            _ => {
                let status = match record {
                    DeliveryRecord::Sent { .. } => "sent",
                    DeliveryRecord::Superseded => "superseded",
                    DeliveryRecord::Failed { .. } => "abandoned",
                };
                sqlx::query(
                    "UPDATE outbox
                        SET status = $1, secret = NULL, finished_at = $2, claimed_by = NULL,
                            lease_expires_at = NULL, last_reply = $3
                      WHERE id = $4 AND claimed_by = $5 AND status = 'sending'",
                )
                .bind(status)
                .bind(now)
            }
        };
        let owned = update
            .bind(reply)
            .bind(message_id)
            .bind(worker)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        tx.commit().await?;
        Ok(owned)
    }

    /// Puts a rendered message in the development mailbox.
    pub async fn deliver_to_dev_mailbox(
        &self,
        message_id: i64,
        recipient: &str,
        subject: &str,
        body_text: &str,
        body_html: &str,
        now: Millis,
    ) -> Result<i64, StoreError> {
        let id = sqlx::query_scalar(
            "INSERT INTO dev_mailbox (message_id, recipient, subject, body_text, body_html, delivered_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(message_id)
        .bind(recipient)
        .bind(subject)
        .bind(body_text)
        .bind(body_html)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    /// The development mailbox, newest first.
    pub async fn dev_mailbox(&self, limit: u32) -> Result<Vec<DevMailboxMessage>, StoreError> {
        Ok(sqlx::query_as::<_, DevMailboxMessage>(
            "SELECT id, recipient, subject, body_text, body_html, delivered_at
               FROM dev_mailbox ORDER BY id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn dev_mailbox_message(
        &self,
        id: i64,
    ) -> Result<Option<DevMailboxMessage>, StoreError> {
        Ok(sqlx::query_as::<_, DevMailboxMessage>(
            "SELECT id, recipient, subject, body_text, body_html, delivered_at
               FROM dev_mailbox WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }
}

/// One line of [`Store::outbox_by_status`].
#[derive(sqlx::FromRow)]
struct StatusCount {
    status: String,
    messages: i64,
}

/// Adds a notice to the outbox inside the caller's transaction, so it is
/// sent if and only if the change it reports is committed.
pub(super) async fn queue_notice(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    notice: &QueuedNotice<'_>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO outbox (kind, account_id, recipient, subject, data, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(notice.kind)
    .bind(notice.account_id)
    .bind(notice.recipient)
    .bind(notice.subject)
    .bind(&notice.data)
    .bind(notice.at)
    .bind(notice.at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
