//! The account page itself, and ending sessions from it.

use super::owner::{owner, unavailable};
use super::{
    describe_browser, MyAccount, MyAccountError, OpenSession, PendingEmail, SessionsEnded,
};
use crate::store::SessionListing;
use crate::Services;

/// How many hex digits of a token hash name a session on the page.
const HANDLE_DIGITS: usize = 16;

/// The logged-in person's account, with every session still alive.
pub async fn my_account(services: &Services, token: &str) -> Result<MyAccount, MyAccountError> {
    let owner = owner(services, token).await?;
    let store = &services.store;
    let id = owner.user.account_id;
    let live = services.session_policy.live_since(services.clock.now());
    let record = store
        .account_record(id, live.seen, live.started)
        .await
        .map_err(|error| unavailable("reading the account", error))?
        .ok_or(MyAccountError::NotLoggedIn)?;
    let registration_numbers = store
        .registration_numbers_of(id)
        .await
        .map_err(|error| unavailable("reading registration numbers", error))?;
    let sessions = store
        .open_sessions(id, live.seen, live.started)
        .await
        .map_err(|error| unavailable("listing sessions", error))?
        .into_iter()
        .map(|session| open_session(session, &owner.token_hash))
        .collect();
    let pending_email = store
        .pending_email_change(id, services.clock.now())
        .await
        .map_err(|error| unavailable("reading a pending change", error))?
        .map(|pending| PendingEmail {
            address: pending.email,
            expires_at: pending.expires_at,
        });
    let passkeys = super::passkeys::passkeys_of(services, id).await?;
    let summary = record.summary;
    Ok(MyAccount {
        passkeys,
        email_confirmed_at: record.email_confirmed_at,
        pending_email,
        first_name: summary.first_name,
        surname: summary.surname,
        username: summary.username,
        email: summary.email,
        account_type: summary.account_type,
        practice_name: record.practice_name,
        registration_numbers,
        created_at: record.created_at,
        sessions,
    })
}

pub(super) fn open_session(session: SessionListing, current_hash: &str) -> OpenSession {
    OpenSession {
        handle: session.token_hash.chars().take(HANDLE_DIGITS).collect(),
        current: session.token_hash == current_hash,
        started_at: session.created_at,
        last_seen_at: session.last_seen_at,
        browser: session.user_agent.as_deref().map(describe_browser),
        client_address: session.client_address,
    }
}

/// Ends one of the person's own sessions (a lost phone, a shared
/// computer); it may be the one asking, which is then logged out.
pub async fn end_session(
    services: &Services,
    token: &str,
    handle: &str,
) -> Result<SessionsEnded, MyAccountError> {
    let owner = owner(services, token).await?;
    // A handle is hex digits of a fixed length; anything else names nothing.
    if handle.len() != HANDLE_DIGITS || !handle.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(MyAccountError::NoSuchSession);
    }
    let ended = services
        .store
        .end_session_by_handle(owner.user.account_id, &handle.to_ascii_lowercase())
        .await
        .map_err(|error| unavailable("ending a session", error))?;
    if !ended {
        return Err(MyAccountError::NoSuchSession);
    }
    crate::events::record(
        services,
        "session_ended_by_owner",
        Some(owner.user.account_id),
        &serde_json::json!({ "sessions": 1 }),
    )
    .await;
    Ok(SessionsEnded { ended: 1 })
}

/// Ends every session of the person's but the one asking.
pub async fn end_other_sessions(
    services: &Services,
    token: &str,
) -> Result<SessionsEnded, MyAccountError> {
    let owner = owner(services, token).await?;
    let ended = services
        .store
        .end_other_sessions(owner.user.account_id, &owner.token_hash)
        .await
        .map_err(|error| unavailable("ending sessions", error))?;
    let ended = u32::try_from(ended).unwrap_or(u32::MAX);
    crate::events::record(
        services,
        "session_ended_by_owner",
        Some(owner.user.account_id),
        &serde_json::json!({ "sessions": ended }),
    )
    .await;
    Ok(SessionsEnded { ended })
}
