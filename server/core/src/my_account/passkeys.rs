//! The person's own passkeys: adding one (a WebAuthn registration, bound
//! to the session that began it), listing and removing them. Adding and
//! removing each send the account's email a notice, as a password change
//! does: a passkey is a way in.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use webauthn_rs::prelude::{CredentialID, PasskeyRegistration, RegisterPublicKeyCredential};

use super::owner::{owner, unavailable, Owner};
use super::password::{session_notice_data, verify_current_password};
use super::{AddPasskeyForm, MyAccountError, PasskeySummary, RemovePasskeyForm};
use crate::auth::PasskeyCeremony;
use crate::events::record;
use crate::mail::notices::{NoticeData, NoticeKind};
use crate::passkeys::{self, CeremonyError, Purpose, MAX_CREDENTIAL_BYTES, MAX_NAME_CHARS};
use crate::store::PasskeyRow;
use crate::Services;

/// The account's passkeys as My account lists them.
pub(super) async fn passkeys_of(
    services: &Services,
    account_id: i64,
) -> Result<Vec<PasskeySummary>, MyAccountError> {
    services
        .store
        .passkeys_of(account_id)
        .await
        .map_err(|error| unavailable("listing passkeys", error))?
        .into_iter()
        .map(|row| summary(&row).map_err(|error| unavailable("reading a passkey", error)))
        .collect()
}

/// How a stored passkey is shown (support's account page too).
pub fn summary(row: &PasskeyRow) -> Result<PasskeySummary, crate::store::StoreError> {
    let passkey = passkeys::decode(&row.credential)?;
    Ok(PasskeySummary {
        id: row.id,
        name: row.name.clone(),
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        synced: passkeys::backed_up(&passkey),
    })
}

/// What a registration ceremony keeps until its answer: the library's
/// state and the name chosen, checked before the browser's prompt.
#[derive(serde::Serialize, serde::Deserialize)]
struct Adding {
    name: String,
    registration: PasskeyRegistration,
}

/// Begins adding a passkey named `name`: the options for
/// `navigator.credentials.create`, excluding the passkeys the account has
/// already (an authenticator holding one says so rather than making a
/// second).
pub async fn start_adding_passkey(
    services: &Services,
    token: &str,
    name: &str,
) -> Result<PasskeyCeremony, MyAccountError> {
    begin_adding(services, &owner(services, token).await?, name).await
}

/// [`start_adding_passkey`] for an owner found by the caller (enrolling a
/// support user's first factor goes through its link instead).
pub(crate) async fn begin_adding(
    services: &Services,
    owner: &Owner,
    name: &str,
) -> Result<PasskeyCeremony, MyAccountError> {
    let name = passkey_name(name)?;
    let user = &owner.user;
    let handle = services
        .store
        .passkey_user_handle(user.account_id, &passkeys::new_user_handle().to_string())
        .await
        .map_err(|error| unavailable("giving the account a user handle", error))?
        .ok_or(MyAccountError::NotLoggedIn)?;
    let handle = handle
        .parse()
        .map_err(|error| unavailable("reading the user handle", error))?;
    let existing: Vec<CredentialID> = services
        .store
        .passkeys_of(user.account_id)
        .await
        .map_err(|error| unavailable("listing passkeys", error))?
        .iter()
        .filter_map(|row| URL_SAFE_NO_PAD.decode(&row.credential_id).ok())
        .map(CredentialID::from)
        .collect();
    let party = passkeys::relying_party(&services.site_url)
        .map_err(|error| unavailable("configuring passkeys", error))?;
    // The authenticator shows the username (what the person logs in with)
    // and their full name when it lists its passkeys.
    let display_name = format!("{} {}", user.first_name, user.surname);
    let (options, registration) = party
        .start_passkey_registration(handle, &user.username, &display_name, Some(existing))
        .map_err(|error| unavailable("making a passkey challenge", error))?;
    passkeys::begin(
        services,
        Purpose::Register,
        Some(&owner.token_hash),
        &passkeys::discoverable(options),
        &Adding { name, registration },
    )
    .await
    .map_err(|error| unavailable("keeping a passkey challenge", error))
}

/// Finishes adding a passkey: checks the authenticator's answer against
/// the ceremony this session began, and stores the passkey under the name
/// chosen then.
pub async fn add_passkey(
    services: &Services,
    token: &str,
    form: &AddPasskeyForm,
) -> Result<PasskeySummary, MyAccountError> {
    finish_adding(services, &owner(services, token).await?, form).await
}

/// [`add_passkey`] for an owner found by the caller.
pub(crate) async fn finish_adding(
    services: &Services,
    owner: &Owner,
    form: &AddPasskeyForm,
) -> Result<PasskeySummary, MyAccountError> {
    let Adding { name, registration } = passkeys::take(
        services,
        Purpose::Register,
        &form.ceremony,
        Some(&owner.token_hash),
    )
    .await
    .map_err(|error| match error {
        CeremonyError::NotOpen | CeremonyError::Expired | CeremonyError::OtherSession => {
            MyAccountError::PasskeyExpired
        }
        error => unavailable("taking a passkey challenge", error),
    })?;
    if form.credential.len() > MAX_CREDENTIAL_BYTES {
        return Err(MyAccountError::PasskeyNotAccepted);
    }
    let answer: RegisterPublicKeyCredential =
        serde_json::from_str(&form.credential).map_err(|_| MyAccountError::PasskeyNotAccepted)?;
    let party = passkeys::relying_party(&services.site_url)
        .map_err(|error| unavailable("configuring passkeys", error))?;
    let passkey = party
        .finish_passkey_registration(&answer, &registration)
        .map_err(|error| {
            tracing::info!(
                account_id = owner.user.account_id,
                "passkey registration refused: {error}"
            );
            MyAccountError::PasskeyNotAccepted
        })?;
    let credential_id = URL_SAFE_NO_PAD.encode(passkey.cred_id());
    let stored = passkeys::encode(&passkey).map_err(|error| unavailable("encoding", error))?;
    let now = services.clock.now();
    let notice = notice(owner, &name, now);
    let id = services
        .store
        .insert_passkey(
            owner.user.account_id,
            &credential_id,
            &name,
            &stored,
            now,
            &notice.queued(
                NoticeKind::PasskeyAdded,
                owner.user.account_id,
                &owner.user.email,
            ),
        )
        .await
        .map_err(|error| unavailable("storing a passkey", error))?
        .ok_or(MyAccountError::PasskeyAlreadyAdded)?;
    services.outbox_wakeup.notify_one();
    let synced = passkeys::backed_up(&passkey);
    record(
        services,
        "passkey_added",
        Some(owner.user.account_id),
        &serde_json::json!({ "passkey": name, "synced": synced }),
    )
    .await;
    Ok(PasskeySummary {
        id,
        name,
        created_at: now,
        last_used_at: None,
        synced,
    })
}

/// Removes one of the person's passkeys; the current password is asked
/// first, as for every change to how the account logs in.
pub async fn remove_passkey(
    services: &Services,
    token: &str,
    form: &RemovePasskeyForm,
) -> Result<(), MyAccountError> {
    let owner = owner(services, token).await?;
    verify_current_password(services, &owner, &form.current_password).await?;
    let now = services.clock.now();
    let removed = services
        .store
        .remove_passkey(owner.user.account_id, form.passkey, |name| {
            notice(&owner, name, now).queued(
                NoticeKind::PasskeyRemoved,
                owner.user.account_id,
                &owner.user.email,
            )
        })
        .await
        .map_err(|error| unavailable("removing a passkey", error))?
        .ok_or(MyAccountError::NoSuchPasskey)?;
    services.outbox_wakeup.notify_one();
    record(
        services,
        "passkey_removed",
        Some(owner.user.account_id),
        &serde_json::json!({ "passkey": removed }),
    )
    .await;
    Ok(())
}

/// The notice's data: who, when, from which browser, which passkey.
fn notice(owner: &Owner, name: &str, at: crate::clock::Millis) -> NoticeData {
    NoticeData {
        passkey_name: Some(name.to_owned()),
        ..session_notice_data(&owner.user, &owner.origin, at)
    }
}

/// A passkey's name as typed, trimmed: required, at most
/// [`MAX_NAME_CHARS`] characters, no control characters.
fn passkey_name(typed: &str) -> Result<String, MyAccountError> {
    let name: String = typed
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if name.is_empty() {
        return Err(MyAccountError::PasskeyNameMissing);
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(MyAccountError::PasskeyNameTooLong);
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_passkey_name_is_required_short_and_printable() {
        assert_eq!(passkey_name("  Work laptop "), Ok("Work laptop".to_owned()));
        assert_eq!(passkey_name(" \t"), Err(MyAccountError::PasskeyNameMissing));
        assert_eq!(
            passkey_name(&"x".repeat(61)),
            Err(MyAccountError::PasskeyNameTooLong)
        );
        assert_eq!(passkey_name("a\u{7}b"), Ok("a b".to_owned()));
    }
}
