//! Logging in with a passkey: no username, no password. The browser offers
//! the person the passkeys it holds for this site (discoverable
//! credentials); the one chosen names its account by the user handle it
//! stores, and proves itself by signing the challenge.
//!
//! A passkey login is a full login, and more: the session counts as having
//! proved a second factor (the device verified the person and holds the
//! key), which is what the support console asks for. Like a password
//! login, it records an event (`login_passkey`) and is throttled by client
//! address (the same bucket password logins draw from). It is not charged
//! to the account's password throttling and works on an account whose
//! password is locked: a passkey cannot be guessed, and the lock is there
//! to stop guessing.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use webauthn_rs::prelude::{
    DiscoverableAuthentication, DiscoverableKey, PublicKeyCredential, WebauthnError,
};

use super::login::{unavailable, user_of};
use super::{sessions, CurrentUser, LoggedIn, LoginError, PasskeyCeremony, PasskeyLoginForm};
use crate::events::record;
use crate::passkeys::{self, CeremonyError, Purpose, MAX_CREDENTIAL_BYTES};
use crate::Services;

/// Begins a passkey login for whoever is at `client_address`.
pub async fn start_passkey_login(
    services: &Services,
    client_address: &str,
) -> Result<PasskeyCeremony, LoginError> {
    // Each ceremony is a row: a client asking for thousands is refused.
    if let Some(retry_after_seconds) = services
        .passkey_ceremony_rate
        .take(services, &format!("passkey:{client_address}"))
        .await
        .map_err(|error| unavailable("taking a rate-limit token", error))?
    {
        return Err(LoginError::RateLimited {
            retry_after_seconds,
        });
    }
    let party = passkeys::relying_party(&services.site_url)
        .map_err(|error| unavailable("configuring passkeys", error))?;
    let (options, state) = party
        .start_discoverable_authentication()
        .map_err(|error| unavailable("making a passkey challenge", error))?;
    passkeys::begin(
        services,
        Purpose::Login,
        None,
        &passkeys::modal(options),
        &state,
    )
    .await
    .map_err(|error| unavailable("keeping a passkey challenge", error))
}

/// Checks the passkey's answer to the ceremony `form.ceremony` and starts a
/// session for the account it belongs to.
pub async fn passkey_login(
    services: &Services,
    form: &PasskeyLoginForm,
    client_address: &str,
) -> Result<LoggedIn, LoginError> {
    if let Some(retry_after_seconds) = services
        .login_rate
        .take(services, &format!("login:{client_address}"))
        .await
        .map_err(|error| unavailable("taking a rate-limit token", error))?
    {
        return Err(LoginError::RateLimited {
            retry_after_seconds,
        });
    }
    let state: DiscoverableAuthentication =
        passkeys::take(services, Purpose::Login, &form.ceremony, None)
            .await
            .map_err(|error| match error {
                CeremonyError::NotOpen | CeremonyError::Expired | CeremonyError::OtherSession => {
                    LoginError::PasskeyExpired
                }
                error => unavailable("taking a passkey challenge", error),
            })?;
    if form.credential.len() > MAX_CREDENTIAL_BYTES {
        return Err(refused(services, None, "too_long").await);
    }
    let Ok(answer) = serde_json::from_str::<PublicKeyCredential>(&form.credential) else {
        return Err(refused(services, None, "unreadable").await);
    };
    let party = passkeys::relying_party(&services.site_url)
        .map_err(|error| unavailable("configuring passkeys", error))?;
    let Ok((user_handle, credential_id)) = party.identify_discoverable_authentication(&answer)
    else {
        return Err(refused(services, None, "no_user_handle").await);
    };
    let credential_id = URL_SAFE_NO_PAD.encode(credential_id);
    let Some((stored, account, account_handle)) = services
        .store
        .passkey_login(&credential_id)
        .await
        .map_err(|error| unavailable("looking up a passkey", error))?
    else {
        return Err(refused(services, None, "unknown_passkey").await);
    };
    // The handle the authenticator keeps must be the account's: a
    // credential presented under another account's handle is refused.
    if account_handle.as_deref() != Some(user_handle.to_string().as_str()) {
        return Err(refused(services, Some(account.id), "other_user_handle").await);
    }
    if !account.active {
        return Err(refused(services, Some(account.id), "account_disabled").await);
    }
    let mut passkey = passkeys::decode(&stored.credential)
        .map_err(|error| unavailable("reading a passkey", error))?;
    let result = match party.finish_discoverable_authentication(
        &answer,
        state,
        &[DiscoverableKey::from(&passkey)],
    ) {
        Ok(result) => result,
        // The counter went backwards: the credential may have been copied
        // out of its authenticator (webauthn-rs refuses it; W3C WebAuthn
        // §6.1.1). Refused, and told to support as its own event.
        Err(WebauthnError::CredentialPossibleCompromise) => {
            return Err(refused(services, Some(account.id), "counter_regressed").await);
        }
        Err(error) => {
            tracing::info!(
                account_id = account.id,
                "passkey assertion refused: {error}"
            );
            return Err(refused(services, Some(account.id), "not_verified").await);
        }
    };
    let changed = passkey.update_credential(&result) == Some(true);
    let credential = if changed {
        Some(passkeys::encode(&passkey).map_err(|error| unavailable("storing a passkey", error))?)
    } else {
        None
    };
    let now = services.clock.now();
    services
        .store
        .passkey_used(&stored, credential.as_deref(), now)
        .await
        .map_err(|error| unavailable("recording a passkey login", error))?;
    let session_token = sessions::start_with_second_factor(services, account.id)
        .await
        .map_err(|error| unavailable("starting a session", error))?;
    record(
        services,
        "login_passkey",
        Some(account.id),
        &serde_json::json!({ "passkey": stored.name, "synced": result.backup_state() }),
    )
    .await;
    Ok(LoggedIn {
        session_token,
        user: CurrentUser {
            second_factor: true,
            ..user_of(&account, None)?
        },
        correction: None,
    })
}

/// A refused passkey answer: recorded for support (on the account when one
/// was named, with why in the detail), and one answer for every cause.
async fn refused(services: &Services, account_id: Option<i64>, why: &'static str) -> LoginError {
    record(
        services,
        "login_passkey_failed",
        account_id,
        &serde_json::json!({ "reason": why }),
    )
    .await;
    LoginError::PasskeyNotAccepted
}
