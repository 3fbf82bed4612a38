//! `/metrics` (SPEC.md §6): this instance's counters and gauges in
//! Prometheus' text format, for the operator's scraper.
//!
//! Counted where things happen: requests here (by route and status), the
//! event log's entries by kind (logins by outcome, registrations, resets,
//! deliveries), support actions and password hashing (each Argon2 job's
//! time, its wait in the queue, jobs shed as busy or abandoned) in
//! threshold-core. Read at each scrape:
//! open live feeds, database connections, and the outbox by status (one
//! database, so every instance reports the same outbox).
//!
//! Who may read it: with `METRICS_TOKEN` set, requests carrying
//! `Authorization: Bearer <token>`; without it, only connections from this
//! machine: the client as the edge resolved it, so a reverse proxy on this
//! machine listed in `TRUSTED_PROXIES` relays for its clients, not for
//! itself. (An unlisted proxy on this machine would look local: behind one,
//! list it, set the token, or do not route `/metrics`.)

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use app::client::ClientInfo;
use axum::{
    extract::{MatchedPath, Request, State},
    http::{header, HeaderMap, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    Extension,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use subtle::ConstantTimeEq;
use threshold_core::Services;

/// Request durations, in seconds: a login is one Argon2 verify (~25 ms on
/// two cores) and queues behind others under load.
const DURATION_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Argon2 job time and queue wait, in seconds: fine around one job (tens of
/// milliseconds), so the median a benchmark reads from the buckets is
/// within a millisecond or two, and up to the queue's bound and beyond.
const HASHING_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.0075, 0.01, 0.0125, 0.015, 0.0175, 0.02, 0.0225, 0.025, 0.0275, 0.03,
    0.0325, 0.035, 0.0375, 0.04, 0.045, 0.05, 0.055, 0.06, 0.07, 0.08, 0.09, 0.1, 0.125, 0.15, 0.2,
    0.25, 0.3, 0.4, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0,
];

#[derive(Clone)]
pub struct MetricsState {
    pub handle: PrometheusHandle,
    pub services: Services,
    pub token: Option<Arc<str>>,
}

/// Installs this process's recorder; once, at start-up.
pub fn install() -> Result<PrometheusHandle, String> {
    let handle = PrometheusBuilder::new()
        .set_buckets(DURATION_BUCKETS)
        .and_then(|builder| {
            builder
                .set_buckets_for_metric(Matcher::Prefix("threshold_hash_".into()), HASHING_BUCKETS)
        })
        .and_then(PrometheusBuilder::install_recorder)
        .map_err(|error| format!("cannot set up /metrics: {error}"))?;
    metrics::gauge!("threshold_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
    // Histograms are folded on each scrape too; this keeps memory bounded
    // when nobody scrapes.
    let upkeep = handle.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(10));
        loop {
            every.tick().await;
            upkeep.run_upkeep();
        }
    });
    Ok(handle)
}

/// Counts every request by route (the router's pattern, never the raw
/// path: an attacker's made-up paths must not grow the label set), method
/// and status, and times it.
pub async fn track_requests(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| route_label(path.as_str()));
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!(
        "threshold_http_requests_total",
        "route" => route.clone(),
        "method" => method,
        "status" => status
    )
    .increment(1);
    metrics::histogram!("threshold_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// A nested service's pattern ends in axum's own tail parameter; the
/// prefix says enough.
pub(super) fn route_label(pattern: &str) -> String {
    match pattern.split_once("/{*") {
        Some((prefix, _)) => format!("{prefix}/*"),
        None => pattern.to_owned(),
    }
}

pub async fn metrics(
    State(state): State<MetricsState>,
    Extension(client): Extension<ClientInfo>,
    headers: HeaderMap,
) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    if !may_read(state.token.as_deref(), bearer, client.is_local()) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "/metrics needs the operator's token (METRICS_TOKEN).",
        )
            .into_response();
    }

    let (in_use, idle) = state.services.store.connections();
    metrics::gauge!("threshold_database_connections", "state" => "in_use").set(in_use);
    metrics::gauge!("threshold_database_connections", "state" => "idle").set(idle);
    match state.services.store.outbox_by_status().await {
        Ok(counts) => {
            for (status, messages) in counts {
                metrics::gauge!("threshold_outbox_messages", "status" => status)
                    .set(messages as f64);
            }
            metrics::gauge!("threshold_database_up").set(1.0);
        }
        Err(error) => {
            tracing::warn!("/metrics could not read the outbox: {error}");
            metrics::gauge!("threshold_database_up").set(0.0);
        }
    }
    state.handle.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.handle.render(),
    )
        .into_response()
}

/// The token when one is configured (compared in constant time), else a
/// connection from this machine.
fn may_read(token: Option<&str>, bearer: Option<&str>, client_is_local: bool) -> bool {
    match token {
        Some(token) => {
            bearer.is_some_and(|bearer| bool::from(bearer.as_bytes().ct_eq(token.as_bytes())))
        }
        None => client_is_local,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether a client at `ip` (as the edge resolved it) is this machine.
    fn peer(ip: &str) -> bool {
        ip.parse::<std::net::IpAddr>().unwrap().is_loopback()
    }

    #[test]
    fn without_a_token_only_this_machine_reads() {
        assert!(may_read(None, None, peer("127.0.0.1")));
        assert!(may_read(None, None, peer("::1")));
        assert!(!may_read(None, None, peer("192.0.2.7")));
        assert!(!may_read(None, Some("anything"), peer("192.0.2.7")));
    }

    #[test]
    fn with_a_token_only_its_bearer_reads_wherever_from() {
        assert!(may_read(Some("s3cret"), Some("s3cret"), peer("192.0.2.7")));
        assert!(!may_read(Some("s3cret"), None, peer("127.0.0.1")));
        assert!(!may_read(Some("s3cret"), Some("s3cre"), peer("127.0.0.1")));
        assert!(!may_read(
            Some("s3cret"),
            Some("s3cret "),
            peer("127.0.0.1")
        ));
    }

    #[test]
    fn routes_are_labelled_by_pattern() {
        assert_eq!(
            route_label("/support/accounts/{id}"),
            "/support/accounts/{id}"
        );
        assert_eq!(
            route_label("/pkg/{*__private__axum_nest_tail_param}"),
            "/pkg/*"
        );
    }
}
