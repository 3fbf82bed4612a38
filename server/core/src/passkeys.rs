//! Passkeys (WebAuthn), the parts every passkey ceremony shares: who the
//! relying party is, how a ceremony's state waits between its two requests,
//! and how a credential is stored. Adding one is in `my_account`, logging in
//! with one in `auth`; the cryptography is webauthn-rs'.
//!
//! Every ceremony is two requests: the server makes a challenge and keeps
//! the state that checks the answer; the browser asks the authenticator
//! and sends its answer back. The state is a database row, not a cookie or
//! memory, so any instance behind the load balancer can finish what another
//! began, and it is deleted by the statement that reads it: a challenge
//! answers once. The browser holds only a random ceremony id, of which the
//! row keeps the hash.

use std::time::Duration;

use serde::{de::DeserializeOwned, Serialize};
use webauthn_rs::prelude::{
    CreationChallengeResponse, Passkey, RequestChallengeResponse, Url, Uuid, Webauthn,
    WebauthnBuilder,
};

use webauthn_rs_proto::ResidentKeyRequirement;

use crate::auth::sessions::{new_token, token_hash};
use crate::auth::PasskeyCeremony;
use crate::clock::Millis;
use crate::store::{NewCeremony, StoreError};
use crate::Services;

/// How long a ceremony waits for its answer: the browser's own timeout
/// (which the options carry) plus a margin for the request to arrive.
pub const CEREMONY_TIMEOUT: Duration = Duration::from_secs(300);
const CEREMONY_VALID_MS: Millis = 330_000;

/// A passkey's name is at most this long.
pub const MAX_NAME_CHARS: usize = 60;

/// What the browser sends back longer than this is refused unread: a real
/// answer is a few kilobytes.
pub const MAX_CREDENTIAL_BYTES: usize = 64 * 1024;

/// The two kinds of ceremony, kept apart so the answer to one cannot be
/// spent on the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Purpose {
    Register,
    Login,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Register => "register",
            Purpose::Login => "login",
        }
    }
}

/// Why a ceremony's second request could not be checked.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CeremonyError {
    /// No such ceremony: never begun, answered already, or swept.
    #[error("no open ceremony with this id")]
    NotOpen,
    #[error("the ceremony expired")]
    Expired,
    /// Begun by another session than the one finishing it.
    #[error("the ceremony belongs to another session")]
    OtherSession,
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("the stored ceremony state cannot be read: {0}")]
    Corrupt(serde_json::Error),
}

/// The relying party this server is: its id is the site's host name, its
/// origin the site's URL (`PUBLIC_URL`). A site reached by a loopback IP
/// address (a local run) is `localhost` instead: browsers refuse passkeys
/// for an IP address, so a local run is opened at `http://localhost:PORT`.
pub fn relying_party(site_url: &str) -> Result<Webauthn, String> {
    let mut origin = Url::parse(site_url).map_err(|error| format!("{site_url}: {error}"))?;
    let loopback_ip = origin
        .host_str()
        .and_then(|host| {
            host.trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .ok()
        })
        .is_some_and(|ip| ip.is_loopback());
    if loopback_ip {
        origin
            .set_host(Some("localhost"))
            .map_err(|error| format!("{site_url}: {error}"))?;
    }
    let rp_id = origin
        .host_str()
        .ok_or_else(|| format!("{site_url} has no host name"))?
        .to_owned();
    WebauthnBuilder::new(&rp_id, &origin)
        .map_err(|error| format!("relying party {rp_id}: {error}"))?
        .rp_name("Threshold")
        .timeout(CEREMONY_TIMEOUT)
        .build()
        .map_err(|error| format!("relying party {rp_id}: {error}"))
}

/// Keeps `state` for the answer to `options` and hands the browser the
/// ceremony's id with the options it passes to `navigator.credentials`.
pub(crate) async fn begin<S: Serialize>(
    services: &Services,
    purpose: Purpose,
    session_hash: Option<&str>,
    options: &impl Serialize,
    state: &S,
) -> Result<PasskeyCeremony, StoreError> {
    let ceremony = new_token();
    let state = serde_json::to_string(state)?;
    services
        .store
        .begin_ceremony(NewCeremony {
            id_hash: &token_hash(&ceremony),
            purpose: purpose.as_str(),
            session_hash,
            state: &state,
            expires_at: services.clock.now() + CEREMONY_VALID_MS,
        })
        .await?;
    Ok(PasskeyCeremony {
        ceremony,
        options: serde_json::to_string(options)?,
    })
}

/// Takes the ceremony `ceremony` for its answer: it cannot be taken again,
/// whatever the answer turns out to be. A ceremony begun by a session must
/// be finished by the same one.
pub(crate) async fn take<S: DeserializeOwned>(
    services: &Services,
    purpose: Purpose,
    ceremony: &str,
    session_hash: Option<&str>,
) -> Result<S, CeremonyError> {
    let taken = services
        .store
        .take_ceremony(&token_hash(ceremony), purpose.as_str())
        .await?
        .ok_or(CeremonyError::NotOpen)?;
    if taken.expires_at <= services.clock.now() {
        return Err(CeremonyError::Expired);
    }
    if taken.session_hash.as_deref() != session_hash {
        return Err(CeremonyError::OtherSession);
    }
    serde_json::from_str(&taken.state).map_err(CeremonyError::Corrupt)
}

/// A passkey registration's options as sent: the credential must be
/// discoverable (a resident key), so that logging in needs no username.
/// webauthn-rs' passkey registration leaves that to the authenticator; the
/// state it keeps does not depend on it.
pub(crate) fn discoverable(mut options: CreationChallengeResponse) -> CreationChallengeResponse {
    if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
        selection.require_resident_key = true;
        selection.resident_key = Some(ResidentKeyRequirement::Required);
    }
    options
}

/// A login's options as sent for the button (a modal browser prompt): the
/// library marks its discoverable challenges for the autofill offer
/// (conditional mediation), which the dialog asks for itself when it wants
/// that instead.
pub(crate) fn modal(mut options: RequestChallengeResponse) -> RequestChallengeResponse {
    options.mediation = None;
    options
}

/// A stored credential, as text for the database.
pub(crate) fn encode(passkey: &Passkey) -> Result<String, StoreError> {
    Ok(serde_json::to_string(passkey)?)
}

pub(crate) fn decode(stored: &str) -> Result<Passkey, StoreError> {
    serde_json::from_str(stored).map_err(|error| StoreError::Corrupt(format!("passkey: {error}")))
}

/// Whether the credential is backed up (synced by a password manager)
/// rather than kept by one device. The library keeps the flag private; its
/// serialised form, which is what we store, has it.
pub(crate) fn backed_up(passkey: &Passkey) -> bool {
    serde_json::to_value(passkey)
        .ok()
        .and_then(|value| value.pointer("/cred/backup_state")?.as_bool())
        .unwrap_or(false)
}

/// A new account's WebAuthn user handle: random, so that it says nothing
/// about the account (the authenticator keeps it, and sends it back).
pub(crate) fn new_user_handle() -> Uuid {
    let mut bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_at_a_loopback_address_is_localhost_to_passkeys() {
        let party = relying_party("http://127.0.0.1:3000").expect("relying party");
        assert_eq!(
            party.get_allowed_origins(),
            &[Url::parse("http://localhost:3000").unwrap()]
        );
    }

    #[test]
    fn a_public_site_is_its_own_relying_party() {
        let party = relying_party("https://threshold.example.org").expect("relying party");
        assert_eq!(
            party.get_allowed_origins(),
            &[Url::parse("https://threshold.example.org").unwrap()]
        );
        assert!(relying_party("not a url").is_err());
    }
}
