//! Server-side sessions: a random token in the cookie, its SHA-256 in the
//! database, idle and absolute expiry.
//!
//! Written here rather than taken from tower-sessions because sessions are
//! account state: disabling an account or a password change must end that
//! account's sessions, and support sees them, which needs the account id as
//! a column rather than inside an opaque record. Storing only a hash of the
//! token means a copy of the database cannot be replayed as cookies.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{CurrentUser, MustChangeReason};
use crate::clock::Millis;
use crate::rules::AccountType;
use crate::store::StoreError;
use crate::Services;

/// The cookie that carries the session token.
pub const SESSION_COOKIE: &str = "threshold_session";

/// The session token among a request's `Cookie` header values.
pub fn token_from_cookies<'a>(headers: impl IntoIterator<Item = &'a str>) -> Option<String> {
    cookie_value(headers, SESSION_COOKIE)
}

/// The value of the cookie `cookie` among a request's `Cookie` header
/// values; `None` when absent or empty.
pub fn cookie_value<'a>(
    headers: impl IntoIterator<Item = &'a str>,
    cookie: &str,
) -> Option<String> {
    headers
        .into_iter()
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == cookie)
        .map(|(_, token)| token.to_owned())
        .filter(|token| !token.is_empty())
}

/// How long a session lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Ended after this long without a request.
    pub idle_ms: Millis,
    /// Ended this long after login, however active.
    pub absolute_ms: Millis,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle_ms: 30 * 60_000,
            absolute_ms: 12 * 60 * 60_000,
        }
    }
}

/// The oldest times a session still alive at some moment can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiveSince {
    /// Its last request was at or after this.
    pub seen: Millis,
    /// It started at or after this.
    pub started: Millis,
}

impl SessionPolicy {
    /// What a session must satisfy to be alive at `now`; one that does not
    /// has ended, whether or not its row is still there.
    pub fn live_since(&self, now: Millis) -> LiveSince {
        LiveSince {
            seen: now - self.idle_ms,
            started: now - self.absolute_ms,
        }
    }

    pub fn is_live(&self, created_at: Millis, last_seen_at: Millis, now: Millis) -> bool {
        let since = self.live_since(now);
        last_seen_at >= since.seen && created_at >= since.started
    }
}

/// `last_seen_at` is written at most this often, so reading pages does not
/// turn every request into a database write.
const TOUCH_INTERVAL_MS: Millis = 60_000;

/// Starts a session for `account_id` and returns the token for the cookie:
/// 256 random bits, URL-safe base64. A session started with a reset
/// password, or with a password found in the breached list, is marked
/// `must_change_password`: it can only choose a new one.
pub async fn start(
    services: &Services,
    account_id: i64,
    must_change_password: bool,
) -> Result<String, StoreError> {
    insert(services, account_id, must_change_password, false).await
}

/// Starts a session that has proved a second factor from its first
/// request: a passkey login (the device checked the person, and holds the
/// key), which the support console accepts as AAL2.
pub async fn start_with_second_factor(
    services: &Services,
    account_id: i64,
) -> Result<String, StoreError> {
    insert(services, account_id, false, true).await
}

async fn insert(
    services: &Services,
    account_id: i64,
    must_change_password: bool,
    second_factor: bool,
) -> Result<String, StoreError> {
    let token = new_token();
    services
        .store
        .insert_session(
            &token_hash(&token),
            account_id,
            must_change_password,
            second_factor,
            services.clock.now(),
        )
        .await?;
    Ok(token)
}

/// Where a session came from: what My account lists and what a notice of
/// a change made in it says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionOrigin {
    /// The browser's `User-Agent`, cut to [`MAX_USER_AGENT_CHARS`].
    pub user_agent: Option<String>,
    /// The client's address as the server's edge decided it.
    pub client_address: Option<String>,
}

/// Longer User-Agents are cut: no real one comes near, and the column
/// should not store whatever a script sends.
pub const MAX_USER_AGENT_CHARS: usize = 512;

/// Records where the session `token` came from (just after it started).
pub async fn describe(
    services: &Services,
    token: &str,
    origin: &SessionOrigin,
) -> Result<(), StoreError> {
    let user_agent = origin
        .user_agent
        .as_deref()
        .map(|agent| agent.chars().take(MAX_USER_AGENT_CHARS).collect::<String>());
    services
        .store
        .describe_session(
            &token_hash(token),
            user_agent.as_deref(),
            origin.client_address.as_deref(),
        )
        .await
}

/// The person a token belongs to, if its session is alive; an expired one
/// is deleted on sight.
pub async fn current_user(
    services: &Services,
    token: &str,
) -> Result<Option<CurrentUser>, StoreError> {
    Ok(current_session(services, token)
        .await?
        .map(|(user, _origin)| user))
}

/// [`current_user`], with where the session came from.
pub async fn current_session(
    services: &Services,
    token: &str,
) -> Result<Option<(CurrentUser, SessionOrigin)>, StoreError> {
    let hash = token_hash(token);
    let Some(session) = services.store.session(&hash).await? else {
        return Ok(None);
    };
    let now = services.clock.now();
    if !services
        .session_policy
        .is_live(session.created_at, session.last_seen_at, now)
    {
        services.store.delete_session(&hash).await?;
        return Ok(None);
    }
    if now - session.last_seen_at > TOUCH_INTERVAL_MS {
        services.store.touch_session(&hash, now).await?;
    }
    let Some(account_type) = AccountType::parse(&session.account_type) else {
        return Ok(None);
    };
    let origin = SessionOrigin {
        user_agent: session.user_agent,
        client_address: session.client_address,
    };
    let user = CurrentUser {
        account_id: session.account_id,
        username: session.username,
        email: session.email,
        first_name: session.first_name,
        surname: session.surname,
        account_type,
        email_confirmed: session.email_confirmed_at.is_some(),
        second_factor: session.second_factor_at.is_some(),
        has_second_factor: session.has_second_factor,
        must_change_password: session.must_change_password,
        must_change_reason: session.must_change_password.then_some(
            // A session that must change is one started with a reset
            // password unless the account's password is known breached.
            if session.password_breached_at.is_some() {
                MustChangeReason::Breached
            } else {
                MustChangeReason::Reset
            },
        ),
    };
    Ok(Some((user, origin)))
}

/// Ends the session server-side: the token stops working everywhere.
pub async fn end(services: &Services, token: &str) -> Result<(), StoreError> {
    services.store.delete_session(&token_hash(token)).await
}

/// 256 random bits, URL-safe base64: a cookie's token.
pub(crate) fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored instead of a cookie's token: its SHA-256, in hex.
pub(crate) fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_token_is_found_among_other_cookies() {
        let headers = ["theme=dark; threshold_session=abc123", "other=1"];
        assert_eq!(token_from_cookies(headers), Some("abc123".to_owned()));
        assert_eq!(token_from_cookies(["threshold_session="]), None);
        assert_eq!(token_from_cookies(["threshold_sessionx=abc"]), None);
        assert_eq!(token_from_cookies([]), None);
    }

    #[test]
    fn a_session_lives_until_its_idle_time_or_lifetime_has_passed() {
        let policy = SessionPolicy {
            idle_ms: 100,
            absolute_ms: 1_000,
        };
        assert!(policy.is_live(0, 900, 1_000), "exactly the lifetime");
        assert!(!policy.is_live(0, 950, 1_001), "a moment past the lifetime");
        assert!(policy.is_live(500, 500, 600), "exactly the idle time");
        assert!(
            !policy.is_live(500, 500, 601),
            "a moment past the idle time"
        );
    }
}
