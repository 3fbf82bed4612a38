//! What every request and response goes through: writes only from this
//! site's own pages, bodies refused before parsing when too large, and the
//! headers that keep browsers from sniffing, framing or leaking referrers.

use axum::{
    extract::Request,
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

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
/// site: an `Origin` that is not this host (or the public address), or,
/// without one, `Sec-Fetch-Site: cross-site`. Requests without either
/// (command-line clients) pass; the session cookie's SameSite=Lax already
/// keeps other sites' forms from carrying it.
pub async fn same_origin_writes(
    public_authority: Option<String>,
    request: Request,
    next: Next,
) -> Response {
    if changes_state(request.method())
        && !comes_from_this_site(request.headers(), public_authority.as_deref())
    {
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

fn comes_from_this_site(headers: &HeaderMap, public_authority: Option<&str>) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok());
    match headers.get(header::ORIGIN).map(HeaderValue::to_str) {
        Some(Ok(origin)) => {
            let Some(authority) = authority_of(origin) else {
                return false; // "null" (sandboxed frames, some redirects) or garbage
            };
            [host, public_authority]
                .into_iter()
                .flatten()
                .any(|allowed| allowed.eq_ignore_ascii_case(authority))
        }
        Some(Err(_)) => false,
        None => headers
            .get("sec-fetch-site")
            .and_then(|value| value.to_str().ok())
            .is_none_or(|site| site != "cross-site"),
    }
}

/// `host[:port]` of `scheme://host[:port]` (an origin has no path).
pub fn authority_of(origin: &str) -> Option<&str> {
    let (_, rest) = origin.split_once("://")?;
    let authority = rest.trim_end_matches('/');
    (!authority.is_empty() && !authority.contains('/')).then_some(authority)
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

    #[test]
    fn same_origin_and_headerless_writes_pass() {
        let same = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3000"),
        ]);
        assert!(comes_from_this_site(&same, None));
        let curl = headers(&[("host", "127.0.0.1:3000")]);
        assert!(comes_from_this_site(&curl, None));
        let same_site = headers(&[("host", "a.test"), ("sec-fetch-site", "same-origin")]);
        assert!(comes_from_this_site(&same_site, None));
    }

    #[test]
    fn the_public_address_counts_as_this_site_behind_a_proxy() {
        let proxied = headers(&[
            ("host", "10.0.0.5:3000"),
            ("origin", "https://threshold.example.org"),
        ]);
        assert!(!comes_from_this_site(&proxied, None));
        assert!(comes_from_this_site(
            &proxied,
            Some("threshold.example.org")
        ));
    }

    #[test]
    fn other_sites_null_origins_and_cross_site_fetches_are_refused() {
        let evil = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://evil.example"),
        ]);
        assert!(!comes_from_this_site(&evil, None));
        let port = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:4000"),
        ]);
        assert!(!comes_from_this_site(&port, None));
        let null = headers(&[("host", "127.0.0.1:3000"), ("origin", "null")]);
        assert!(!comes_from_this_site(&null, None));
        let cross = headers(&[("host", "127.0.0.1:3000"), ("sec-fetch-site", "cross-site")]);
        assert!(!comes_from_this_site(&cross, None));
    }

    #[test]
    fn reads_are_never_state_changing() {
        assert!(!changes_state(&Method::GET));
        assert!(changes_state(&Method::POST));
        assert!(changes_state(&Method::DELETE));
    }
}
