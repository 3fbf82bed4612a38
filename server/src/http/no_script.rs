//! Forms posted without JavaScript (`app::posted`).
//!
//! A server function answers a plain form post with a redirect to the page
//! the form was on (a refusal rides along in the URL), though a refusal's
//! status (401, 429…) replaces the redirect's. This layer makes every such
//! answer a 303, so the page is fetched afresh with GET, and leaves
//! in a short-lived cookie what the page needs to show the answer: what
//! was typed (never a password), and the refusal (taken out of the URL) or
//! the server function's answer.

use axum::{
    body::Body,
    extract::Request,
    http::{header, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use app::{client::ClientInfo, posted::Posted};

/// Browsers keep cookies of up to 4 KiB; beyond this much, typed values
/// are left out, longest first (a long Contact support message), and the
/// page shows those fields empty.
const MAX_COOKIE_VALUE_BYTES: usize = 3_000;

/// A success's answer longer than this is not kept (none comes near).
const MAX_ANSWER_BYTES: usize = 2_048;

/// The layer: `secure_cookies` as configured (`PUBLIC_URL` on HTTPS).
pub async fn answer_form_posts(secure_cookies: bool, request: Request, next: Next) -> Response {
    if !is_plain_form_post(&request) {
        return next.run(request).await;
    }
    let path = request.uri().path().to_owned();
    let secure = secure_cookies
        || request
            .extensions()
            .get::<ClientInfo>()
            .is_some_and(|client| client.https);
    let (parts, body) = request.into_parts();
    // The body limit layer outside has already refused anything larger.
    let Ok(form) = axum::body::to_bytes(body, super::guard::MAX_BODY_BYTES).await else {
        return (StatusCode::BAD_REQUEST, "The form could not be read.").into_response();
    };
    let values = typed_values(&form);
    let response = next.run(Request::from_parts(parts, Body::from(form))).await;
    // The redirect's Location is set, but a refusal's status (401, 429…)
    // replaces the 302 on the way out: a browser would show the error's
    // JSON instead of following it.
    if !response.headers().contains_key(header::LOCATION) {
        return response;
    }

    let (mut parts, body) = response.into_parts();
    let (location, refusal) = parts
        .headers
        .get(header::LOCATION)
        .and_then(|location| location.to_str().ok())
        .map(without_refusal)
        .unwrap_or_default();
    let answer = axum::body::to_bytes(body, MAX_ANSWER_BYTES).await.ok();
    let ok = answer
        .filter(|_| refusal.is_none())
        .and_then(|answer| String::from_utf8(answer.to_vec()).ok());
    let posted = fitted(Posted {
        path,
        values,
        ok,
        refusal,
    });

    parts.status = StatusCode::SEE_OTHER;
    // The page's own address: the refusal goes in the cookie rather than
    // in the URL, where it would be shown again on every reload and kept
    // in the history and in proxies' logs.
    if let Ok(location) = HeaderValue::from_str(&location) {
        parts.headers.insert(header::LOCATION, location);
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_TYPE);
    if let Ok(cookie) = HeaderValue::from_str(&posted.set_cookie(secure)) {
        parts.headers.append(header::SET_COOKIE, cookie);
    }
    Response::from_parts(parts, Body::empty())
}

/// A browser's own form submission to a server function: not Leptos'
/// `fetch`, which asks for JSON rather than a page.
fn is_plain_form_post(request: &Request) -> bool {
    let header_has = |name: header::HeaderName, wanted: &str| {
        request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.to_ascii_lowercase().contains(wanted))
    };
    request.method() == Method::POST
        && request.uri().path().starts_with("/api/")
        && header_has(header::ACCEPT, "text/html")
        && header_has(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
}

/// Splits Leptos' redirect after a refusal (`page?__path=…&__err=…`) into
/// the page's address and the encoded refusal (`__err`).
fn without_refusal(location: &str) -> (String, Option<String>) {
    let Some((page, query)) = location.split_once('?') else {
        return (location.to_owned(), None);
    };
    let mut refusal = None;
    let mut kept = form_urlencoded::Serializer::new(String::new());
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        match &*name {
            "__err" => refusal = Some(value.into_owned()),
            "__path" => {}
            _ => {
                kept.append_pair(&name, &value);
            }
        }
    }
    let kept = kept.finish();
    let location = if kept.is_empty() {
        page.to_owned()
    } else {
        format!("{page}?{kept}")
    };
    (location, refusal)
}

/// The form's fields as typed, passwords left out.
fn typed_values(form: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(form)
        .filter(|(name, _)| Posted::keeps(name))
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}

/// `posted`, with typed values left out (longest first) until its cookie
/// fits.
fn fitted(mut posted: Posted) -> Posted {
    while posted.to_cookie_value().len() > MAX_COOKIE_VALUE_BYTES {
        let longest = posted
            .values
            .iter()
            .enumerate()
            .max_by_key(|(_, (_, value))| value.len())
            .map(|(index, _)| index);
        match longest {
            Some(index) => {
                posted.values.remove(index);
            }
            None => {
                posted.ok = None;
                break;
            }
        }
    }
    posted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_not_kept_and_the_rest_is_as_typed() {
        let values = typed_values(
            b"form%5Bidentifier%5D=Ada+Okafor&form%5Bpassword%5D=secret+words&note=caf%C3%A9",
        );
        assert_eq!(
            values,
            vec![
                ("form[identifier]".to_owned(), "Ada Okafor".to_owned()),
                ("note".to_owned(), "café".to_owned()),
            ]
        );
    }

    #[test]
    fn a_refusal_leaves_the_address_for_the_cookie() {
        assert_eq!(
            without_refusal("http://127.0.0.1:3000/help?q=log+in&__path=%2Fapi%2Flogin&__err=eyJ9"),
            (
                "http://127.0.0.1:3000/help?q=log+in".to_owned(),
                Some("eyJ9".to_owned())
            )
        );
        assert_eq!(
            without_refusal("http://127.0.0.1:3000/?__path=%2Fapi%2Flogin&__err=abc"),
            ("http://127.0.0.1:3000/".to_owned(), Some("abc".to_owned()))
        );
        assert_eq!(
            without_refusal("http://127.0.0.1:3000/contact-support"),
            ("http://127.0.0.1:3000/contact-support".to_owned(), None)
        );
    }

    #[test]
    fn a_long_message_is_dropped_so_the_rest_fits_a_cookie() {
        let posted = fitted(Posted {
            path: "/api/contact_support".into(),
            values: vec![
                ("form[email]".into(), "ada@example.org".into()),
                ("form[message]".into(), "x".repeat(5_000)),
            ],
            ok: None,
            refusal: None,
        });
        assert_eq!(
            posted.values,
            vec![("form[email]".to_owned(), "ada@example.org".to_owned())]
        );
        assert!(posted.to_cookie_value().len() <= MAX_COOKIE_VALUE_BYTES);
    }
}
