//! Logging in with a username or an email (SPEC.md §2).

use super::{sessions, CurrentUser, LoginError, LoginField, LoginForm};
use crate::clock::Millis;
use crate::rules::{text::identifier_key, AccountType, Password, TypoCorrection};
use crate::store::{LoginAccount, ThrottleState};
use crate::Services;

/// Longer input than this is refused before any work: no name is longer
/// than 254 characters and no password longer than 256.
const MAX_IDENTIFIER_CHARS: usize = 320;
const MAX_PASSWORD_CHARS: usize = 1024;

/// A login that started a session.
#[derive(Debug, Clone)]
pub struct LoggedIn {
    pub session_token: String,
    pub user: CurrentUser,
    /// The typed password was accepted after this correction.
    pub correction: Option<TypoCorrection>,
}

/// Checks the credentials and starts a session.
///
/// The work is the same whether the name exists or not: one Argon2 verify
/// per candidate password (the typed one, then its typo corrections), all
/// against a dummy hash when there is no active account. A success after
/// the typed password costs one verify; a failure costs at most three.
pub async fn login(
    services: &Services,
    form: &LoginForm,
    client_address: &str,
) -> Result<LoggedIn, LoginError> {
    let identifier = form.identifier.trim();
    if identifier.is_empty() {
        return Err(missing(
            LoginField::Identifier,
            "Enter your username or email",
        ));
    }
    if form.password.is_empty() {
        return Err(missing(LoginField::Password, "Enter your password"));
    }
    if identifier.chars().count() > MAX_IDENTIFIER_CHARS
        || form.password.chars().count() > MAX_PASSWORD_CHARS
    {
        return Err(LoginError::Incorrect);
    }

    let bucket = format!("login:{client_address}");
    if let Some(retry_after_seconds) = services
        .login_rate
        .take(services, &bucket)
        .await
        .map_err(|error| unavailable("taking a rate-limit token", error))?
    {
        return Err(LoginError::RateLimited {
            retry_after_seconds,
        });
    }

    let name_key = identifier_key(identifier);
    let account = services
        .store
        .login_account(&name_key)
        .await
        .map_err(|error| unavailable("looking up an account", error))?;
    let throttle = match &account {
        Some(account) => account.throttle,
        None => services
            .store
            .unknown_name_throttle(&name_key)
            .await
            .map_err(|error| unavailable("reading throttling state", error))?,
    };
    let now = services.clock.now();
    refuse_if_throttled(&throttle, now)?;

    let typed = Password::new(&form.password);
    let corrections = typed.typo_corrections();
    let mut candidates = vec![typed];
    candidates.extend(corrections.iter().map(|(_, password)| password.clone()));
    let stored = account
        .as_ref()
        .filter(|account| account.active)
        .map(|account| account.password_hash.clone());
    let matched = services
        .hasher
        .verify_first(stored, candidates.clone())
        .await
        .map_err(|error| unavailable("verifying a password", error))?;

    match (account, matched) {
        (Some(account), Some(index)) => {
            let correction = index.checked_sub(1).map(|i| corrections[i].0);
            succeed(services, account, &candidates[index], correction).await
        }
        (Some(account), None) => {
            let state = services
                .store
                .record_failed_login(account.id, now)
                .await
                .map_err(|error| unavailable("recording a failed login", error))?;
            event(services, "login_failed", Some(account.id), &state).await;
            Err(LoginError::Incorrect)
        }
        (None, _) => {
            services
                .store
                .record_unknown_failure(&name_key, now)
                .await
                .map_err(|error| unavailable("recording a failed login", error))?;
            Err(LoginError::Incorrect)
        }
    }
}

fn refuse_if_throttled(throttle: &ThrottleState, now: Millis) -> Result<(), LoginError> {
    if throttle.locked_at.is_some() {
        return Err(LoginError::Locked);
    }
    match throttle.throttled_until {
        Some(until) if until > now => Err(LoginError::Throttled {
            retry_after_seconds: u64::try_from(until - now).unwrap_or(0).div_ceil(1000),
        }),
        _ => Ok(()),
    }
}

async fn succeed(
    services: &Services,
    account: LoginAccount,
    password: &Password,
    correction: Option<TypoCorrection>,
) -> Result<LoggedIn, LoginError> {
    // Parameters raised since this hash was made: store a stronger one now,
    // while the password is at hand.
    let rehashed = if services.hasher.needs_rehash(&account.password_hash) {
        match services.hasher.hash(password.clone()).await {
            Ok(hash) => Some(hash),
            Err(error) => {
                tracing::warn!(account_id = account.id, "rehash skipped: {error}");
                None
            }
        }
    } else {
        None
    };
    services
        .store
        .record_successful_login(account.id, services.clock.now(), rehashed.as_deref())
        .await
        .map_err(|error| unavailable("recording a login", error))?;
    let session_token = sessions::start(services, account.id)
        .await
        .map_err(|error| unavailable("starting a session", error))?;
    let kind = if correction.is_some() {
        "login_corrected"
    } else {
        "login"
    };
    let detail = serde_json::json!({
        "correction": correction.map(TypoCorrection::as_str),
        "rehashed": rehashed.is_some(),
    });
    record(services, kind, Some(account.id), &detail).await;
    let account_type = AccountType::parse(&account.account_type).ok_or_else(|| {
        unavailable(
            "reading an account",
            format!("unknown type {}", account.account_type),
        )
    })?;
    Ok(LoggedIn {
        session_token,
        user: CurrentUser {
            account_id: account.id,
            username: account.username,
            first_name: account.first_name,
            surname: account.surname,
            account_type,
        },
        correction,
    })
}

async fn event(services: &Services, kind: &str, account_id: Option<i64>, state: &ThrottleState) {
    let detail = serde_json::json!({
        "failed_logins": state.failed_logins,
        "throttled_until": state.throttled_until,
        "locked": state.locked_at.is_some(),
    });
    let kind = if state.locked_at.is_some() {
        "login_locked"
    } else if state.throttled_until.is_some() {
        "login_throttled"
    } else {
        kind
    };
    record(services, kind, account_id, &detail).await;
}

/// Events are for support's eyes; failing to write one must not fail the
/// login, so it is logged instead.
async fn record(
    services: &Services,
    kind: &str,
    account_id: Option<i64>,
    detail: &serde_json::Value,
) {
    if let Err(error) = services
        .store
        .record_event(kind, account_id, &detail.to_string(), services.clock.now())
        .await
    {
        tracing::warn!("could not record a {kind} event: {error}");
    }
}

fn missing(field: LoginField, message: &str) -> LoginError {
    LoginError::Missing {
        field,
        message: message.to_owned(),
    }
}

fn unavailable(doing: &str, error: impl std::fmt::Display) -> LoginError {
    tracing::error!("login failed while {doing}: {error}");
    LoginError::Unavailable
}
