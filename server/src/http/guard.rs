//! What every request and response goes through: writes only from this
//! site's own pages, bodies refused before parsing when too large, and the
//! headers that keep browsers from sniffing, framing or leaking referrers.

use std::sync::Arc;

use axum::{
    extract::Request,
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::edge::SiteHosts;

/// Larger request bodies are refused (413) before any parsing. The largest
/// legitimate form (Contact support at its limits) is well under this.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Static headers for every response; pages replace the CSP with their own
/// (with a nonce, see `app::shell`).
pub fn static_headers() -> [(header::HeaderName, HeaderValue); 4] {
    [
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        ),
    ]
}

/// Refuses a state-changing request that a browser says came from another
/// site: an `Origin` that is not one of this site's own (scheme, host and
/// port; never compared with the request's `Host`, which a DNS-rebinding
/// page controls), or, without one, `Sec-Fetch-Site: cross-site`. Requests
/// without either (command-line clients) pass; the session cookie's
/// SameSite=Lax already keeps other sites' forms from carrying it.
pub async fn same_origin_writes(hosts: Arc<SiteHosts>, request: Request, next: Next) -> Response {
    if changes_state(request.method()) && !comes_from_this_site(request.headers(), &hosts) {
        tracing::warn!(
            origin = ?request.headers().get(header::ORIGIN),
            path = request.uri().path(),
            "refused a cross-site write"
        );
        return (
            StatusCode::FORBIDDEN,
            "This request did not come from a Threshold page.",
        )
            .into_response();
    }
    next.run(request).await
}

/// What an error the service could not describe says: a 5xx is never an
/// empty page (a person sees words, a script sees text/plain).
const SERVICE_FAILED: &str = "Something went wrong on our side. Please try again in a minute.";

/// No answer is an empty error: a 5xx that a handler or layer left empty
/// (a panic caught below, a body that could not be made) gets words.
pub async fn never_empty_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    use axum::body::HttpBody;
    if !response.status().is_server_error() || response.body().size_hint().exact() != Some(0) {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    Response::from_parts(parts, axum::body::Body::from(SERVICE_FAILED))
}

/// A panic in a handler becomes a 500 with words, not a dropped
/// connection; the panic itself is logged, its message never sent.
pub fn answer_panic(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    (StatusCode::INTERNAL_SERVER_ERROR, SERVICE_FAILED).into_response()
}

/// Sets `Cache-Control` where the handler did not. Files from the site
/// root (the WASM bundle, its JS, the CSS; ServeDir marks them with
/// `Last-Modified`) are `no-cache`: kept, but checked (a cheap 304) before
/// each use, so a new release never runs against an old bundle. Everything
/// else (pages, server functions) is `no-store`: it may carry someone's
/// account, and a shared computer's cache is no place for that.
pub async fn cache_policy(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !headers.contains_key(header::CACHE_CONTROL) {
        let policy = if headers.contains_key(header::LAST_MODIFIED) {
            "no-cache"
        } else {
            "no-store"
        };
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn comes_from_this_site(headers: &HeaderMap, hosts: &SiteHosts) -> bool {
    match headers.get(header::ORIGIN).map(HeaderValue::to_str) {
        Some(Ok(origin)) => hosts.allows_origin(origin),
        Some(Err(_)) => false,
        None => headers
            .get("sec-fetch-site")
            .and_then(|value| value.to_str().ok())
            .is_none_or(|site| site != "cross-site"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn local() -> SiteHosts {
        SiteHosts::new(None, "127.0.0.1:3000".parse().unwrap()).unwrap()
    }

    #[test]
    fn same_origin_and_headerless_writes_pass() {
        let same = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3000"),
        ]);
        assert!(comes_from_this_site(&same, &local()));
        let curl = headers(&[("host", "127.0.0.1:3000")]);
        assert!(comes_from_this_site(&curl, &local()));
        let same_site = headers(&[("host", "a.test"), ("sec-fetch-site", "same-origin")]);
        assert!(comes_from_this_site(&same_site, &local()));
    }

    #[test]
    fn behind_a_proxy_the_public_origin_is_this_site() {
        let public = SiteHosts::new(
            Some("https://threshold.example.org"),
            "10.0.0.5:3000".parse().unwrap(),
        )
        .unwrap();
        let proxied = headers(&[
            ("host", "threshold.example.org"),
            ("origin", "https://threshold.example.org"),
        ]);
        assert!(comes_from_this_site(&proxied, &public));
        let downgraded = headers(&[("origin", "http://threshold.example.org")]);
        assert!(!comes_from_this_site(&downgraded, &public));
    }

    #[test]
    fn other_sites_null_origins_and_cross_site_fetches_are_refused() {
        for origin in [
            "http://evil.example",
            "http://127.0.0.1:4000",
            "https://127.0.0.1:3000",
            "ftp://127.0.0.1:3000",
            "null",
        ] {
            let request = headers(&[("host", "127.0.0.1:3000"), ("origin", origin)]);
            assert!(!comes_from_this_site(&request, &local()), "{origin}");
        }
        // A rebinding page: its Origin and Host agree, and neither is ours.
        let rebound = headers(&[
            ("host", "evil.example:3000"),
            ("origin", "http://evil.example:3000"),
        ]);
        assert!(!comes_from_this_site(&rebound, &local()));
        let cross = headers(&[("host", "127.0.0.1:3000"), ("sec-fetch-site", "cross-site")]);
        assert!(!comes_from_this_site(&cross, &local()));
    }

    #[tokio::test]
    async fn an_error_is_never_an_empty_page() {
        use tower::ServiceExt;
        let app = axum::Router::new()
            .route(
                "/empty",
                axum::routing::get(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
            )
            .route(
                "/panic",
                axum::routing::get(|| async {
                    if true {
                        panic!("internal detail");
                    }
                }),
            )
            .route(
                "/worded",
                axum::routing::get(|| async { (StatusCode::SERVICE_UNAVAILABLE, "busy") }),
            )
            .layer(tower_http::catch_panic::CatchPanicLayer::custom(
                answer_panic,
            ))
            .layer(axum::middleware::from_fn(never_empty_errors));
        for (path, words) in [
            ("/empty", SERVICE_FAILED),
            ("/panic", SERVICE_FAILED),
            ("/worded", "busy"),
        ] {
            let request = Request::builder().uri(path).body(axum::body::Body::empty());
            let response = app.clone().oneshot(request.unwrap()).await.unwrap();
            assert!(response.status().is_server_error(), "{path}");
            let body = axum::body::to_bytes(response.into_body(), 1024)
                .await
                .unwrap();
            assert_eq!(body, words.as_bytes(), "{path}");
        }
    }

    #[test]
    fn reads_are_never_state_changing() {
        assert!(!changes_state(&Method::GET));
        assert!(changes_state(&Method::POST));
        assert!(changes_state(&Method::DELETE));
    }
}
