//! Every request gets an id, and everything logged while it is handled
//! carries it: the id is a field of the request's span, which the server
//! function, the store and the hashing pool log inside (tasks Leptos
//! spawns keep it too, see `logging`). The response echoes it in
//! `X-Request-Id`, so a person's report ("it failed at 14:02, id …") or a
//! proxy's access log leads to the lines.
//!
//! The id is taken from the request's `X-Request-Id` only when the caller
//! says the request came through a trusted proxy (the proxy's id then ties
//! its log to ours) and the value is a plain token; otherwise 128 random
//! bits in hex. A client choosing its own id could otherwise make its lines
//! look like another request's.
//!
//! What the span holds, and what it leaves out on purpose:
//! - `id`, `method`, and `route`: the router's pattern
//!   (`/support/accounts/{id}`), never the raw path or the query string,
//!   which can carry a person's details (an email in a query, a token).
//! - No client address, not even truncated. The address is personal data;
//!   where SPEC.md needs it (rate limits, the audit trail) it is kept in
//!   the database, under its retention, and the id leads there. A line
//!   that needs an address for an operator's sake can say so itself.
//!
//! The span is at ERROR level so that no filter that lets a warning or an
//! error through drops it (with `RUST_LOG=warn`, an INFO span would be
//! off and the warnings inside it would carry no id). It costs nothing
//! when nothing inside is logged.

use std::{
    sync::Arc,
    task::{Context, Poll},
};

use axum::{
    extract::{MatchedPath, Request},
    http::{HeaderName, HeaderValue},
};
use futures::future::BoxFuture;
use tower::{Layer, Service};
use tower_http::{
    classify::{ServerErrorsAsFailures, SharedClassifier},
    trace::{DefaultOnResponse, MakeSpan, TraceLayer},
    LatencyUnit,
};
use tracing::{Level, Span};

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The longest id accepted from a proxy; nginx's `$request_id` is 32 hex
/// digits, a UUID 36 characters.
const MAX_ACCEPTED_LEN: usize = 64;

/// The request's id, in its extensions for whoever wants to quote it.
#[derive(Clone, Debug)]
pub struct RequestId(HeaderValue);

impl RequestId {
    pub fn as_str(&self) -> &str {
        // Only visible ASCII is ever accepted or generated.
        self.0.to_str().unwrap_or_default()
    }
}

/// Whether a request came through a trusted proxy, whose `X-Request-Id`
/// is then kept.
pub type TrustHeader = Arc<dyn Fn(&Request) -> bool + Send + Sync>;

/// The layers, outermost first: assigning the id, then tower-http's
/// tracing (the span, a line when the response is ready, a line for a
/// server error; the span is also entered while the body streams, where a
/// page's rendering logs).
pub type Layers = (
    AssignLayer,
    TraceLayer<SharedClassifier<ServerErrorsAsFailures>, RequestSpan, (), DefaultOnResponse>,
);

/// Request ids and the request span, for `Router::layer` (a route layer,
/// so the matched route is known). `trust_header` decides whether the
/// request came through a trusted proxy.
pub fn layer(trust_header: impl Fn(&Request) -> bool + Send + Sync + 'static) -> Layers {
    (
        AssignLayer {
            trust_header: Arc::new(trust_header),
        },
        TraceLayer::new_for_http()
            .make_span_with(RequestSpan)
            .on_request(())
            .on_response(
                DefaultOnResponse::new()
                    .level(Level::INFO)
                    .latency_unit(LatencyUnit::Millis),
            ),
    )
}

/// The id this request goes by: its proxy's, when trusted and plain,
/// else a new one.
fn choose(
    request: &Request,
    trust_header: &(dyn Fn(&Request) -> bool + Send + Sync),
) -> HeaderValue {
    request
        .headers()
        .get(HEADER)
        .filter(|value| is_plain_token(value.as_bytes()))
        .filter(|_| trust_header(request))
        .cloned()
        .unwrap_or_else(generate)
}

fn is_plain_token(value: &[u8]) -> bool {
    (1..=MAX_ACCEPTED_LEN).contains(&value.len())
        && value
            .iter()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b':'))
}

/// 128 random bits, in hex.
fn generate() -> HeaderValue {
    let id = format!("{:032x}", rand::random::<u128>());
    HeaderValue::from_str(&id).unwrap_or_else(|_| HeaderValue::from_static("unidentified"))
}

#[derive(Clone)]
pub struct AssignLayer {
    trust_header: TrustHeader,
}

impl<S> Layer<S> for AssignLayer {
    type Service = Assign<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Assign {
            inner,
            trust_header: Arc::clone(&self.trust_header),
        }
    }
}

/// Gives the request its id (extension and header, replacing an untrusted
/// one) and echoes it on the response.
#[derive(Clone)]
pub struct Assign<S> {
    inner: S,
    trust_header: TrustHeader,
}

impl<S, B> Service<Request> for Assign<S>
where
    S: Service<Request, Response = axum::http::Response<B>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let id = choose(&request, self.trust_header.as_ref());
        request.headers_mut().insert(HEADER, id.clone());
        request.extensions_mut().insert(RequestId(id.clone()));
        let response = self.inner.call(request);
        Box::pin(async move {
            let mut response = response.await?;
            response.headers_mut().insert(HEADER, id);
            Ok(response)
        })
    }
}

/// The request's span: `request{id=… method=… route=…}`.
#[derive(Clone, Copy, Debug)]
pub struct RequestSpan;

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, request: &axum::http::Request<B>) -> Span {
        let id = request
            .extensions()
            .get::<RequestId>()
            .map_or("", RequestId::as_str);
        let route = request.extensions().get::<MatchedPath>().map_or_else(
            || "unmatched".to_owned(),
            |path| super::telemetry::route_label(path.as_str()),
        );
        tracing::error_span!("request", id = %id, method = %request.method(), route = %route)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(id: Option<&'static str>) -> Request {
        let mut builder = axum::http::Request::builder().uri("/api/login?email=ada@example.org");
        if let Some(id) = id {
            builder = builder.header(HEADER, id);
        }
        builder.body(axum::body::Body::empty()).unwrap()
    }

    #[test]
    fn a_trusted_proxys_plain_id_is_kept() {
        let nginx = "0f6c1a9e2b3d4c5e6f708192a3b4c5d6";
        assert_eq!(choose(&request(Some(nginx)), &|_| true), nginx);
        let uuid = "3b241101-e2bb-4255-8caf-4136c566a962";
        assert_eq!(choose(&request(Some(uuid)), &|_| true), uuid);
    }

    #[test]
    fn an_untrusted_or_odd_id_is_replaced_by_a_new_one() {
        let chosen = choose(&request(Some("mine")), &|_| false);
        assert_ne!(chosen, "mine");
        for odd in ["a b", "a\tb", "", "a/b", "é", &"x".repeat(65)] {
            let mut forged = request(None);
            forged
                .headers_mut()
                .insert(HEADER, HeaderValue::from_bytes(odd.as_bytes()).unwrap());
            assert_ne!(choose(&forged, &|_| true), odd.as_bytes(), "{odd:?}");
        }
    }

    #[test]
    fn new_ids_are_128_random_bits_in_hex_and_differ() {
        let first = choose(&request(None), &|_| true);
        let second = choose(&request(None), &|_| true);
        assert_eq!(first.len(), 32);
        assert!(first.as_bytes().iter().all(u8::is_ascii_hexdigit));
        assert_ne!(first, second);
    }
}
