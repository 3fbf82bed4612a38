//! `/healthz`: liveness and readiness in one answer.

use axum::{extract::State, http::StatusCode, Json};
use serde_json::{json, Value};
use threshold_core::Services;

/// 200 when the process is up and the database answers; 503 otherwise, so a
/// load balancer stops sending traffic to an instance that cannot serve it.
pub async fn healthz(State(services): State<Services>) -> (StatusCode, Json<Value>) {
    match services.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({ "status": "ok", "database": "ok" })),
        ),
        Err(error) => {
            tracing::warn!("health check: database unavailable: {error}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "database": "unavailable" })),
            )
        }
    }
}
