//! Who is logged in: the server functions for login, logout and the
//! current user, the session cookie, and the [`Auth`] context the header
//! and dialogs share.

use leptos::prelude::*;
use threshold_core::auth::{CurrentUser, LoginError, LoginForm, PasskeyCeremony, PasskeyLoginForm};

use crate::errors::ServiceError;

/// Whether cookies get the `Secure` attribute: true when the site is
/// served over HTTPS. Provided by the server.
#[derive(Clone, Copy, Debug)]
pub struct CookiePolicy {
    pub secure: bool,
}

/// Logs in and sets the session cookie. Any session the browser already
/// had is ended first, so each login gets a new session id. The browser
/// becomes (or stays) a known device of the account.
#[server(endpoint = "login")]
pub async fn login(form: LoginForm) -> Result<CurrentUser, ServiceError<LoginError>> {
    let services = server::services()?;
    server::end_previous_session(&services).await;
    let client = server::client_address().await;
    let logged_in = threshold_core::auth::login(&services, &form, &client).await?;
    server::session_started(&services, &logged_in.session_token).await;
    server::remember_device(&services, logged_in.user.account_id).await;
    Ok(logged_in.user)
}

/// Begins a passkey login: a challenge for any passkey this site gave.
#[server(endpoint = "start_passkey_login")]
pub async fn start_passkey_login() -> Result<PasskeyCeremony, ServiceError<LoginError>> {
    let services = server::services()?;
    let client = server::client_address().await;
    Ok(threshold_core::auth::start_passkey_login(&services, &client).await?)
}

/// Logs in with the passkey's answer to the challenge: a full login, like
/// [`login`]'s.
#[server(endpoint = "passkey_login")]
pub async fn passkey_login(
    form: PasskeyLoginForm,
) -> Result<CurrentUser, ServiceError<LoginError>> {
    let services = server::services()?;
    server::end_previous_session(&services).await;
    let client = server::client_address().await;
    let logged_in = threshold_core::auth::passkey_login(&services, &form, &client).await?;
    server::session_started(&services, &logged_in.session_token).await;
    server::remember_device(&services, logged_in.user.account_id).await;
    Ok(logged_in.user)
}

/// Ends the session on the server and clears the cookie.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), ServiceError<LoginError>> {
    let services = server::services()?;
    if let Some(token) = server::session_token().await {
        threshold_core::auth::sessions::end(&services, &token)
            .await
            .map_err(|error| {
                tracing::error!("logout failed: {error}");
                crate::errors::refuse(LoginError::Unavailable)
            })?;
    }
    server::set_session_cookie(None);
    Ok(())
}

/// The logged-in person, if any.
#[server(name = FetchCurrentUser, endpoint = "current_user")]
pub async fn current_user() -> Result<Option<CurrentUser>, ServiceError<LoginError>> {
    let services = server::services()?;
    let Some(token) = server::session_token().await else {
        return Ok(None);
    };
    threshold_core::auth::sessions::current_user(&services, &token)
        .await
        .map_err(|error| {
            tracing::error!("reading a session failed: {error}");
            LoginError::Unavailable.into()
        })
}

/// The current user, refetched whenever someone logs in or out.
#[derive(Clone, Copy)]
pub struct Auth {
    changes: RwSignal<u32>,
    pub user: Resource<Result<Option<CurrentUser>, ServiceError<LoginError>>>,
    /// Set when someone has just logged in (or finished choosing a new
    /// password): the signed-in home moves focus to its greeting, once.
    pub arrived: RwSignal<bool>,
}

impl Auth {
    pub fn new() -> Self {
        let changes = RwSignal::new(0);
        let user = Resource::new(move || changes.get(), |_| current_user());
        Self {
            changes,
            user,
            arrived: RwSignal::new(false),
        }
    }

    /// Call after a login or logout succeeded.
    pub fn changed(&self) {
        self.changes.update(|n| *n += 1);
    }
}

impl Default for Auth {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use axum::http::{request::Parts, HeaderMap};
    use leptos::prelude::*;
    use leptos_axum::ResponseOptions;
    use threshold_core::{
        auth::{
            devices::{self, DEVICE_COOKIE, DEVICE_MAX_AGE_SECONDS},
            sessions::SESSION_COOKIE,
        },
        Services,
    };

    use super::CookiePolicy;
    use crate::client::ClientInfo;
    use crate::errors::ServiceError;

    pub fn services<E>() -> Result<Services, ServiceError<E>> {
        use_context::<Services>().ok_or_else(|| {
            tracing::error!("services are not in context");
            ServiceError::Call("call failed".into())
        })
    }

    /// The session token from the request's cookie.
    pub async fn session_token() -> Option<String> {
        cookie(SESSION_COOKIE).await
    }

    /// The known-device token from the request's cookie.
    pub async fn device_token() -> Option<String> {
        cookie(DEVICE_COOKIE).await
    }

    async fn cookie(name: &str) -> Option<String> {
        let headers: HeaderMap = leptos_axum::extract().await.ok()?;
        threshold_core::auth::sessions::cookie_value(
            headers
                .get_all(axum::http::header::COOKIE)
                .iter()
                .filter_map(|value| value.to_str().ok()),
            name,
        )
    }

    /// Who is asking, as the server's edge decided it (see
    /// [`crate::client`]). `None` only where no request is being served.
    pub fn client() -> Option<ClientInfo> {
        use_context::<Parts>()?
            .extensions
            .get::<ClientInfo>()
            .cloned()
    }

    /// Ends, on the server, the session the request's cookie names (before
    /// a login or a registration starts another): whoever had the browser
    /// before is logged out everywhere that cookie was copied, not just here.
    /// A failure is logged; the new session is started all the same.
    pub async fn end_previous_session(services: &Services) {
        if let Some(previous) = session_token().await {
            if let Err(error) = threshold_core::auth::sessions::end(services, &previous).await {
                tracing::warn!("could not end the previous session: {error}");
            }
        }
    }

    /// The key of the per-client rate limits: the client's address (its
    /// network, for IPv6). Requests the edge did not identify share one key,
    /// which can only make limits stricter.
    pub async fn client_address() -> String {
        client().map_or_else(|| "unknown".to_owned(), |client| client.key)
    }

    /// True when the client is this machine itself, not someone a proxy on
    /// this machine relays for.
    pub async fn client_is_local() -> bool {
        client().is_some_and(|client| client.is_local())
    }

    /// Makes this browser a known device of `account_id` (after a login or
    /// a registration) and sets its cookie for another year. A failure is
    /// logged: the login itself has succeeded.
    pub async fn remember_device(services: &Services, account_id: i64) {
        let presented = device_token().await;
        match devices::remember(services, account_id, presented.as_deref()).await {
            Ok(token) => set_device_cookie(&token),
            Err(error) => tracing::warn!("could not remember the device: {error}"),
        }
    }

    /// The known-device cookie: HttpOnly, SameSite=Lax and Secure like the
    /// session's, but kept a year (renewed at each login) and not cleared
    /// at logout: it is what lets the owner ask for a reset after
    /// forgetting the password.
    fn set_device_cookie(token: &str) {
        append_cookie(format!(
            "{DEVICE_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={DEVICE_MAX_AGE_SECONDS}"
        ));
    }

    /// A session has started for this browser: sets its cookie and records
    /// where it came from (the User-Agent and the client's address), which
    /// My account lists and the notices of changes quote. Recording is
    /// logged when it fails: the session itself has started.
    pub async fn session_started(services: &Services, token: &str) {
        set_session_cookie(Some(token));
        let headers: Option<HeaderMap> = leptos_axum::extract().await.ok();
        let origin = threshold_core::auth::sessions::SessionOrigin {
            user_agent: headers
                .as_ref()
                .and_then(|headers| headers.get(axum::http::header::USER_AGENT))
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
            client_address: client().map(|client| client.address.to_string()),
        };
        if let Err(error) = threshold_core::auth::sessions::describe(services, token, &origin).await
        {
            tracing::warn!("could not record where a session came from: {error}");
        }
    }

    /// Sets (or, with `None`, clears) the session cookie: HttpOnly so
    /// scripts cannot read it, SameSite=Lax so other sites cannot post
    /// with it, Secure over HTTPS (`PUBLIC_URL`, or a trusted proxy's
    /// `X-Forwarded-Proto`). No Max-Age: the server decides expiry.
    pub fn set_session_cookie(token: Option<&str>) {
        append_cookie(match token {
            Some(token) => format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax"),
            None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
        });
    }

    /// Adds a `Set-Cookie` to the response, with `Secure` over HTTPS
    /// (`PUBLIC_URL`, or a trusted proxy's `X-Forwarded-Proto`).
    fn append_cookie(mut cookie: String) {
        let secure = use_context::<CookiePolicy>().is_some_and(|policy| policy.secure)
            || client().is_some_and(|client| client.https);
        if secure {
            cookie.push_str("; Secure");
        }
        if let (Some(response), Ok(value)) = (
            use_context::<ResponseOptions>(),
            axum::http::HeaderValue::from_str(&cookie),
        ) {
            response.append_header(axum::http::header::SET_COOKIE, value);
        }
    }
}
