//! Known devices: browsers that have logged in to an account before.
//!
//! At a successful login (or registration) the browser is given a
//! long-lived cookie holding a random token; only its SHA-256 is stored,
//! with the account. The only thing a known device earns is the owner's own
//! allowance of reset requests (SPEC.md §4: a stranger using up the hourly
//! limit cannot stop the owner from getting a reset), so a stolen or forged
//! cookie gains nothing a stranger does not already have: the reset still
//! goes to the account's own address.

use super::sessions::{new_token, token_hash};
use crate::clock::Millis;
use crate::store::StoreError;
use crate::Services;

/// The cookie that carries the known-device token.
pub const DEVICE_COOKIE: &str = "threshold_device";

/// How long the browser keeps the cookie after the last login with it:
/// one year. The cookie's `Max-Age`, renewed at every login.
pub const DEVICE_MAX_AGE_SECONDS: u64 = 365 * 24 * 60 * 60;

/// A device not used to log in for this long is forgotten: its cookie has
/// expired in the browser, so its row can be deleted.
pub const DEVICE_UNUSED_EXPIRY_MS: Millis = DEVICE_MAX_AGE_SECONDS as Millis * 1000;

/// Remembers that this browser logged in to `account_id`; answers the token
/// for the cookie. The browser's current token (`presented`) is kept when
/// it is one this server issued, so one browser stays one device across
/// the accounts used on it; a token the server never issued is replaced,
/// so nobody can choose another browser's token.
pub async fn remember(
    services: &Services,
    account_id: i64,
    presented: Option<&str>,
) -> Result<String, StoreError> {
    let token = match presented {
        Some(token) if services.store.device_is_known(&token_hash(token)).await? => {
            token.to_owned()
        }
        _ => new_token(),
    };
    services
        .store
        .remember_device(&token_hash(&token), account_id, services.clock.now())
        .await?;
    Ok(token)
}

/// The accounts this device token has logged in to within the last year
/// (none for a token the server never issued).
pub async fn accounts_of(services: &Services, token: &str) -> Result<Vec<i64>, StoreError> {
    let used_since = services.clock.now() - DEVICE_UNUSED_EXPIRY_MS;
    services
        .store
        .accounts_of_device(&token_hash(token), used_since)
        .await
}
