//! The account event log: what happened, for the support console's feed
//! and account pages (SPEC.md §5).

use crate::Services;

/// Appends an event. Events are for support's eyes: failing to write one
/// must not fail the request that caused it, so the failure is logged.
pub async fn record(
    services: &Services,
    kind: &str,
    account_id: Option<i64>,
    detail: &serde_json::Value,
) {
    if let Err(error) = services
        .store
        .record_event(kind, account_id, &detail.to_string(), services.clock.now())
        .await
    {
        tracing::warn!("could not record a {kind} event: {error}");
    }
}
