//! Who may use the support console: the one check every support server
//! function, page and the live feed go through.

use super::SupportError;
use crate::auth::{sessions, SecondStep};
use crate::Services;

/// A logged-in support user, proven by their session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupportUser {
    pub account_id: i64,
    pub username: String,
}

/// The support user behind `session_token`, or why there is none:
/// no session is [`SupportError::NotLoggedIn`], any other account type
/// (or a session that must first choose a new password) is
/// [`SupportError::Forbidden`], and a support session that has not proved
/// its second factor is [`SupportError::SecondStepNeeded`] (or
/// [`SupportError::EnrolFirst`] when the account has none yet).
pub async fn require_support(
    services: &Services,
    session_token: Option<&str>,
) -> Result<SupportUser, SupportError> {
    let Some(token) = session_token else {
        return Err(SupportError::NotLoggedIn);
    };
    let user = sessions::current_user(services, token)
        .await
        .map_err(|error| {
            tracing::error!("reading a session for the support console failed: {error}");
            SupportError::Unavailable
        })?
        .ok_or(SupportError::NotLoggedIn)?;
    if !user.is_support() || user.must_change_password {
        tracing::warn!(
            account_id = user.account_id,
            "a non-support session asked for the support console"
        );
        return Err(SupportError::Forbidden);
    }
    // AAL2: a password alone opens nothing here.
    match user.second_step() {
        SecondStep::Done => {}
        SecondStep::Needed => return Err(SupportError::SecondStepNeeded),
        SecondStep::EnrolFirst | SecondStep::NotNeeded => return Err(SupportError::EnrolFirst),
    }
    Ok(SupportUser {
        account_id: user.account_id,
        username: user.username,
    })
}
