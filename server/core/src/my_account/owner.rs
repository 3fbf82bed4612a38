//! Who is asking: the session's owner, refused when the session has ended
//! or must first choose a new password.

use super::MyAccountError;
use crate::auth::sessions::{self, token_hash, SessionOrigin};
use crate::auth::{CurrentUser, SecondStep};
use crate::Services;

/// The logged-in person and the session they asked with.
pub(crate) struct Owner {
    pub user: CurrentUser,
    pub origin: SessionOrigin,
    pub token_hash: String,
}

/// The session's owner, if it may use My account: alive, not waiting to
/// choose a new password, and (a support user) past the second step.
pub(super) async fn owner(services: &Services, token: &str) -> Result<Owner, MyAccountError> {
    let owner = session_owner(services, token).await?;
    match owner.user.second_step() {
        SecondStep::NotNeeded | SecondStep::Done => Ok(owner),
        // A support user's password alone opens nothing (not even adding
        // a passkey: that is enrolling, which needs the link).
        SecondStep::Needed | SecondStep::EnrolFirst => Err(MyAccountError::SecondStepFirst),
    }
}

/// The session's owner, alive and not waiting to choose a new password;
/// the second step is the caller's to require (enrolling is done without).
pub(crate) async fn session_owner(
    services: &Services,
    token: &str,
) -> Result<Owner, MyAccountError> {
    let (user, origin) = sessions::current_session(services, token)
        .await
        .map_err(|error| unavailable("reading a session", error))?
        .ok_or(MyAccountError::NotLoggedIn)?;
    if user.must_change_password {
        return Err(MyAccountError::MustChooseFirst);
    }
    Ok(Owner {
        user,
        origin,
        token_hash: token_hash(token),
    })
}

/// The cause is logged; the person reads only that it failed.
pub(super) fn unavailable(doing: &str, error: impl std::fmt::Display) -> MyAccountError {
    tracing::error!("my account: failed while {doing}: {error}");
    MyAccountError::Unavailable
}
