//! `/account/export`: "Download your data" on My account, a JSON file of
//! everything held about the logged-in person's account
//! (`threshold_core::my_account::export`). A plain GET, not a server
//! function, so the browser saves it as a file with or without JavaScript.
//!
//! Reading is all it does: a link from another site can at most make the
//! person download their own data to their own machine (and a SameSite=Lax
//! cookie is not sent with another site's fetches at all).

use axum::{
    extract::State,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use threshold_core::{
    auth::sessions::token_from_cookies, my_account::MyAccountError, refusal::Refusal, Services,
};

pub async fn export(State(services): State<Services>, headers: HeaderMap) -> Response {
    let token = token_from_cookies(
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok()),
    );
    let answer = match token {
        Some(token) => threshold_core::my_account::export(&services, &token).await,
        None => Err(MyAccountError::NotLoggedIn),
    };
    let exported = match answer {
        Ok(exported) => exported,
        // The account page says what to do (log in, or choose a password).
        Err(MyAccountError::NotLoggedIn | MyAccountError::MustChooseFirst) => {
            return Redirect::to("/account").into_response()
        }
        Err(error) => {
            return (app::errors::status_of(error.kind()), error.to_string()).into_response()
        }
    };
    let body = match serde_json::to_vec_pretty(&exported) {
        Ok(body) => body,
        Err(error) => {
            tracing::error!("serialising an account export failed: {error}");
            let error = MyAccountError::Unavailable;
            return (app::errors::status_of(error.kind()), error.to_string()).into_response();
        }
    };
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"threshold-account.json\""),
            ),
            // Personal data: never kept by a cache on the way or in the browser.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}
