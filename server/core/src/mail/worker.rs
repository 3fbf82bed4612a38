//! The outbox worker: claims due messages one at a time, sends them, and
//! records every attempt.
//!
//! Delivery is at least once. A message is claimed with a lease; a worker
//! that dies mid-delivery leaves its message to be claimed again when the
//! lease runs out, so nothing queued is lost. Claiming is one atomic
//! statement, so two workers (in one process or several) never hold the
//! same message. The one remaining duplicate is a crash in the instant
//! after the SMTP server accepted a message and before "sent" was
//! committed; the retry then carries the same Message-ID, which mail
//! systems use to fold duplicates.

use std::time::Duration;

use rand::RngCore;
use tokio::sync::watch;
use tracing::Instrument;

use super::transport::Outgoing;
use super::{render, MailTransport};
use crate::clock::Millis;
use crate::events::record;
use crate::store::{ClaimedMessage, DeliveryRecord, StoreError};
use crate::Services;

/// Retries and leases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeliveryPolicy {
    /// How long a claim lasts. Longer than one SMTP exchange can take (the
    /// transport's timeout bounds each command), or a slow delivery would
    /// be claimed twice.
    pub lease_ms: Millis,
    /// The wait after the first failure; it doubles after each further one.
    pub first_retry_ms: Millis,
    pub max_retry_ms: Millis,
    /// Attempts before a message is abandoned.
    pub max_attempts: u32,
    /// How often an idle worker looks for due retries and expired leases.
    pub poll: Duration,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        Self {
            lease_ms: 120_000,
            first_retry_ms: 30_000,
            max_retry_ms: 30 * 60_000,
            // 30 s, 1, 2, 4, 8, 16, 30, 30, 30, 30, 30 min: about 3 hours.
            max_attempts: 12,
            poll: Duration::from_secs(1),
        }
    }
}

impl DeliveryPolicy {
    /// The wait before attempt `attempts + 1`, after `attempts` failures.
    pub fn retry_delay(&self, attempts: u32) -> Millis {
        let doublings = attempts.saturating_sub(1).min(20);
        self.first_retry_ms
            .saturating_mul(1 << doublings)
            .min(self.max_retry_ms)
    }
}

/// What [`OutboxWorker::deliver_next`] did with the message it claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    Sent {
        message_id: i64,
    },
    Retrying {
        message_id: i64,
        at: Millis,
    },
    Abandoned {
        message_id: i64,
    },
    /// A reset email whose password was replaced by a newer reset (or
    /// expired) before it could be sent: dropped, with its password.
    Superseded {
        message_id: i64,
    },
}

pub struct OutboxWorker {
    services: Services,
    transport: MailTransport,
    policy: DeliveryPolicy,
    /// Written on each claim, so a lease names its holder.
    name: String,
}

impl OutboxWorker {
    pub fn new(services: Services, transport: MailTransport, policy: DeliveryPolicy) -> Self {
        let mut id = [0u8; 6];
        rand::rngs::OsRng.fill_bytes(&mut id);
        let name = format!(
            "{}-{}",
            std::process::id(),
            id.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
        Self {
            services,
            transport,
            policy,
            name,
        }
    }

    /// Claims and delivers one due message; `None` when nothing is due.
    pub async fn deliver_next(&self) -> Result<Option<Delivered>, StoreError> {
        let services = &self.services;
        let now = services.clock.now();
        let Some(message) = services
            .store
            .claim_message(&self.name, now, self.policy.lease_ms)
            .await?
        else {
            return Ok(None);
        };
        if message.superseded {
            self.finish(&message, DeliveryRecord::Superseded, None)
                .await?;
            return Ok(Some(Delivered::Superseded {
                message_id: message.id,
            }));
        }
        let result = match render(
            &message.kind,
            &message.subject,
            &message.data,
            message.secret.as_deref(),
            &services.site_url,
        ) {
            Ok(email) => {
                let outgoing = Outgoing {
                    outbox_id: message.id,
                    created_at: message.created_at,
                    recipient: &message.recipient,
                    email: &email,
                };
                self.transport.send(&outgoing, now).await
            }
            Err(error) => Err(super::SendFailure {
                reply: error.to_string(),
                code: None,
                cause: "message cannot be rendered",
                permanent: true,
            }),
        };
        let failure = result
            .as_ref()
            .err()
            .map(|failure| (failure.code, failure.cause));
        let after = services.clock.now();
        let (record_, delivered) = match result {
            Ok(reply) => (
                DeliveryRecord::Sent { reply },
                Delivered::Sent {
                    message_id: message.id,
                },
            ),
            Err(failure) if failure.permanent || message.attempts >= self.policy.max_attempts => (
                DeliveryRecord::Failed {
                    reply: failure.reply,
                    retry_at: None,
                },
                Delivered::Abandoned {
                    message_id: message.id,
                },
            ),
            Err(failure) => {
                let at = after + self.policy.retry_delay(message.attempts);
                (
                    DeliveryRecord::Failed {
                        reply: failure.reply,
                        retry_at: Some(at),
                    },
                    Delivered::Retrying {
                        message_id: message.id,
                        at,
                    },
                )
            }
        };
        self.finish(&message, record_, failure).await?;
        Ok(Some(delivered))
    }

    /// Records the attempt. `failure` is the failed attempt's reply code
    /// and cause: the log gets those, the reply text goes to the record
    /// (support's account page shows it) and the event.
    async fn finish(
        &self,
        message: &ClaimedMessage,
        outcome: DeliveryRecord,
        failure: Option<(Option<u16>, &'static str)>,
    ) -> Result<(), StoreError> {
        let services = &self.services;
        let owned = services
            .store
            .record_delivery(message.id, &self.name, services.clock.now(), &outcome)
            .await?;
        if !owned {
            tracing::warn!(
                message_id = message.id,
                "delivery outlasted its lease; another worker holds the message now"
            );
        }
        let (kind, reply) = match &outcome {
            DeliveryRecord::Sent { reply } => ("email_sent", Some(reply)),
            DeliveryRecord::Failed {
                reply,
                retry_at: Some(_),
            } => ("email_failed", Some(reply)),
            DeliveryRecord::Failed { reply, .. } => ("email_abandoned", Some(reply)),
            DeliveryRecord::Superseded => ("email_superseded", None),
        };
        match (&outcome, failure) {
            (DeliveryRecord::Sent { .. }, _) => {
                tracing::info!(message_id = message.id, "email sent");
            }
            (_, Some((smtp_code, cause))) => tracing::warn!(
                message_id = message.id,
                attempt = message.attempts,
                smtp_code,
                cause,
                "{kind}"
            ),
            (_, None) => tracing::warn!(message_id = message.id, "{kind}"),
        }
        record(
            services,
            kind,
            message.account_id,
            &serde_json::json!({
                "message_id": message.id,
                "kind": message.kind,
                "attempt": message.attempts,
                "reply": reply,
            }),
        )
        .await;
        Ok(())
    }

    /// Delivers until `shutdown` turns true: whatever is due, then waits for
    /// a wake-up (a message was queued) or the next poll.
    ///
    /// It runs outside any request, so it logs inside a span of its own,
    /// `outbox{worker=…}`; at ERROR level, as a request's is, so that any
    /// line the filter lets through carries it.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        let span = tracing::error_span!("outbox", worker = %self.name);
        self.deliver_until(shutdown).instrument(span).await;
    }

    async fn deliver_until(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!("outbox worker started");
        let wakeup = std::sync::Arc::clone(&self.services.outbox_wakeup);
        loop {
            if *shutdown.borrow() {
                break;
            }
            match self.deliver_next().await {
                Ok(Some(_)) => continue,
                Ok(None) => {}
                Err(error) => tracing::error!("outbox: {error}"),
            }
            tokio::select! {
                () = wakeup.notified() => {}
                () = tokio::time::sleep(self.policy.poll) => {}
                _ = shutdown.changed() => {}
            }
        }
        tracing::info!("outbox worker stopped");
    }
}
