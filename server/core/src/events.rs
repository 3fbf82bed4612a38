//! The account event log: what happened, for the support console's feed
//! and account pages (SPEC.md §5).
//!
//! Events are rows in the database, so a console opened later sees the
//! recent past and every instance sharing the database sees the same log.
//! [`EventFeed`] only says "there is something new" to this process's live
//! streams, which then read the rows. Other instances' events wake it too
//! on PostgreSQL (LISTEN/NOTIFY, see `Store::spawn_event_listener`); on
//! SQLite the streams' periodic look finds them.

use std::sync::Arc;

use tokio::sync::watch;

use crate::Services;

/// Wakes this process's live streams when an event is written.
#[derive(Clone, Debug)]
pub struct EventFeed {
    written: Arc<watch::Sender<u64>>,
}

impl EventFeed {
    pub fn new() -> Self {
        Self {
            written: Arc::new(watch::Sender::new(0)),
        }
    }

    /// Call after an event row is committed.
    pub fn published(&self) {
        self.written
            .send_modify(|count| *count = count.wrapping_add(1));
    }

    /// Changes whenever [`EventFeed::published`] is called.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.written.subscribe()
    }
}

impl Default for EventFeed {
    fn default() -> Self {
        Self::new()
    }
}

/// Appends an event. Events are for support's eyes: failing to write one
/// must not fail the request that caused it, so the failure is logged.
pub async fn record(
    services: &Services,
    kind: &'static str,
    account_id: Option<i64>,
    detail: &serde_json::Value,
) {
    match services
        .store
        .record_event(kind, account_id, &detail.to_string(), services.clock.now())
        .await
    {
        Ok(()) => {
            services.events.published();
            // One counter for everything the log records (logins by
            // outcome, registrations, resets, deliveries): /metrics.
            metrics::counter!("threshold_events_total", "kind" => kind).increment(1);
        }
        Err(error) => tracing::warn!("could not record a {kind} event: {error}"),
    }
}
