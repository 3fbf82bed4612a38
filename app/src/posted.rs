//! Forms that work without JavaScript.
//!
//! Every form is a real `<form method="post">` to its server function. With
//! the WASM running, Leptos sends it with `fetch`; without it (JavaScript
//! off, or a tap before the bundle has arrived) the browser posts it and
//! the server answers with a redirect back to the page the form was on.
//!
//! What that redirect does not carry is what the person typed and the
//! answer: the refusal (Leptos would put it in the URL) or what the server
//! said after a success (the new username, the reference). The server's
//! edge (`server/src/http/no_script.rs`) puts them in a short-lived
//! cookie, [`Posted`]; the page that renders next takes it,
//! clears it, and hands it to the browser with the page (a
//! [`SharedValue`]), so the server's HTML and the hydrated page agree.
//! Passwords are never kept.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// The cookie's name (the server alone reads and writes it).
#[cfg(feature = "ssr")]
const COOKIE: &str = "threshold_posted";

/// How long the cookie lives: it is read by the page the redirect goes to,
/// a moment later.
#[cfg(feature = "ssr")]
const COOKIE_MAX_AGE_SECONDS: u32 = 60;

/// What a form posted without JavaScript left for the page it returns to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posted {
    /// The server function's path (`/api/login`).
    pub path: String,
    /// What was typed, by field name, passwords left out.
    pub values: Vec<(String, String)>,
    /// The server function's answer (its JSON) when it succeeded.
    pub ok: Option<String>,
    /// The refusal, encoded as Leptos puts it in a URL (`__err`).
    #[serde(default)]
    pub refusal: Option<String>,
}

impl Posted {
    /// Whether a field's value may be kept: never a password or a
    /// second-step code, nor a link's token (the page has it in its
    /// address already).
    pub fn keeps(name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        !name.contains("password") && !name.contains("token") && !name.contains("code")
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find_map(|(key, value)| (key == name).then_some(value.as_str()))
    }
}

#[cfg(feature = "ssr")]
impl Posted {
    /// The cookie's value: URL-safe base64 of the JSON, so no character
    /// needs quoting in a header.
    pub fn to_cookie_value(&self) -> String {
        use base64::Engine;
        let json = serde_json::to_vec(self).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    /// The `Set-Cookie` that leaves this for the next page: HttpOnly (no
    /// script reads it), SameSite=Lax, Secure over HTTPS.
    pub fn set_cookie(&self, secure: bool) -> String {
        format!(
            "{COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={COOKIE_MAX_AGE_SECONDS}{}",
            self.to_cookie_value(),
            if secure { "; Secure" } else { "" },
        )
    }

    /// The `Set-Cookie` that clears it once read.
    fn clear_cookie() -> String {
        format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
    }

    /// Reads a cookie value; anything malformed (or forged) is nothing.
    pub fn from_cookie_value(value: &str) -> Option<Self> {
        use base64::Engine;
        let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(value.trim())
            .ok()?;
        serde_json::from_slice(&json).ok()
    }
}

/// The page's [`Posted`], if the request that rendered it carried one.
#[derive(Clone)]
pub struct PostedAnswer(Option<Arc<Posted>>);

impl PostedAnswer {
    /// Takes the cookie on the server (clearing it) and passes what it
    /// held to the browser with the page; provided for every form.
    pub fn provide() {
        let posted = SharedValue::new(taken_from_request).into_inner();
        // A refusal is read by `ServerAction::new` from this context, as
        // the router would provide it from the URL.
        if let Some(Posted {
            path,
            refusal: Some(refusal),
            ..
        }) = &posted
        {
            provide_context(leptos::server::ServerActionError::new(path, refusal));
        }
        provide_context(Self(posted.map(Arc::new)));
    }

    /// What was posted to the server function at `path`.
    fn for_path(&self, path: &str) -> Option<&Posted> {
        self.0.as_deref().filter(|posted| posted.path == path)
    }

    /// The value a field of the form posting to `path` came back with.
    pub fn value(path: &str, name: &str) -> Option<String> {
        use_context::<Self>()?
            .for_path(path)?
            .value(name)
            .map(str::to_owned)
    }
}

/// Gives `action` the answer its form got when it was posted without
/// JavaScript: a success (a refusal `ServerAction::new` has already read). True when the form has an answer to show, i.e.
/// when its dialog should be open as the page arrives.
pub fn answered_without_script<S>(action: ServerAction<S>) -> bool
where
    S: ServerFn + Clone + Send + Sync + 'static,
    S::Output: DeserializeOwned + Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    let ok = use_context::<PostedAnswer>().and_then(|answer| {
        let json = answer.for_path(S::PATH)?.ok.as_deref()?;
        serde_json::from_str::<S::Output>(json).ok()
    });
    if let Some(output) = ok {
        action.value().set(Some(Ok(output)));
    }
    action.value().with_untracked(Option::is_some)
}

#[cfg(feature = "ssr")]
fn taken_from_request() -> Option<Posted> {
    use axum::http::{header, request::Parts, HeaderValue};
    let parts = use_context::<Parts>()?;
    let value = parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .find_map(|cookie| cookie.trim().strip_prefix(COOKIE)?.strip_prefix('='))?
        .to_owned();
    // Read once: a reload shows the page as it is, not the old answer.
    let cleared = HeaderValue::from_str(&Posted::clear_cookie());
    if let (Some(response), Ok(cleared)) = (use_context::<leptos_axum::ResponseOptions>(), cleared)
    {
        response.append_header(header::SET_COOKIE, cleared);
    }
    Posted::from_cookie_value(&value)
}

#[cfg(not(feature = "ssr"))]
fn taken_from_request() -> Option<Posted> {
    // Only the server reads the cookie; the browser gets its value with
    // the page.
    None
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn a_posted_form_survives_its_cookie() {
        let posted = Posted {
            path: "/api/register".into(),
            values: vec![("form[email]".into(), "ada@bücher.de; x=\"y\"".into())],
            ok: Some(r#"{"username":"okafor"}"#.into()),
            refusal: None,
        };
        let value = posted.to_cookie_value();
        assert!(value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(Posted::from_cookie_value(&value), Some(posted));
    }

    #[test]
    fn a_forged_cookie_is_nothing() {
        assert_eq!(Posted::from_cookie_value("not base64 at all!"), None);
        assert_eq!(Posted::from_cookie_value("e30"), None); // "{}": no path
    }

    #[test]
    fn passwords_are_never_kept() {
        for name in ["form[password]", "form[new_password]", "PASSWORD"] {
            assert!(!Posted::keeps(name), "{name}");
        }
        assert!(Posted::keeps("form[identifier]"));
    }
}
