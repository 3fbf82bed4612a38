//! Logging in with a username or an email (SPEC.md §2).

use super::throttle::{lock_notice, state_after};
use super::{sessions, CurrentUser, LoginError, LoginField, LoginForm, MustChangeReason};
use crate::clock::Millis;
use crate::hashing::{Attempt, HashError};
use crate::rules::{
    canonical_reset_password, login_name::login_key, AccountType, Password, TypoCorrection,
};
use crate::store::{LoginAccount, ThrottleState};
use crate::{events::record, Services};

/// Longer input than this is refused before any work: no name is longer
/// than 254 characters and no password longer than 256.
const MAX_IDENTIFIER_CHARS: usize = 320;
const MAX_PASSWORD_CHARS: usize = 1024;

/// Argon2 verifications one login may cost (SPEC.md §2: the typed password
/// and two corrections; a typed reset password takes one of the three).
const MAX_VERIFIES_PER_LOGIN: usize = 3;

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
    let missing: Vec<LoginField> = [
        (identifier.is_empty(), LoginField::Identifier),
        (form.password.is_empty(), LoginField::Password),
    ]
    .into_iter()
    .filter_map(|(empty, field)| empty.then_some(field))
    .collect();
    if !missing.is_empty() {
        return Err(LoginError::Missing { fields: missing });
    }
    if identifier.chars().count() > MAX_IDENTIFIER_CHARS
        || form.password.chars().count() > MAX_PASSWORD_CHARS
    {
        return Err(LoginError::Incorrect);
    }

    // A place in the hashing queue before anything is written: a login
    // refused because the server is busy must not cost the name an attempt.
    let slot = services
        .hasher
        .admit()
        .map_err(|error| hashing_failed("admitting a login", error))?;

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

    let name_key = login_key(identifier);
    let account = services
        .store
        .login_account(&name_key)
        .await
        .map_err(|error| unavailable("looking up an account", error))?;
    // The attempt is charged to the name before any password is checked
    // (and refused if a delay or lock runs), so guesses sent at once cannot
    // all slip in under the same count.
    let now = services.clock.now();
    let reservation = match &account {
        Some(account) => {
            services
                .store
                .reserve_login_attempt(
                    account.id,
                    now,
                    |failures| state_after(failures, now),
                    |owner| lock_notice(owner, account.id, Some(client_address), now),
                )
                .await
        }
        None => {
            services
                .store
                .reserve_unknown_attempt(&name_key, now, |failures| state_after(failures, now))
                .await
        }
    }
    .map_err(|error| unavailable("charging a login attempt", error))?;
    let throttled = match reservation {
        Ok(state) => {
            if state.locked_at.is_some() {
                // This attempt locked the name: an account's owner has a
                // notice queued. (An unknown name's lock wakes the worker
                // for nothing, which keeps the two paths alike.)
                services.outbox_wakeup.notify_one();
            }
            Ok(())
        }
        Err(state) => Err(refusal(&state, now)),
    };

    // Candidates, each against its own hash. A typed reset password (it has
    // a shape nothing else has) is tried against the pending reset first;
    // then the typed password and its typo corrections against the
    // account's own. Absent hashes are replaced by the dummy, so the cost
    // depends only on what was typed, never on what the account holds.
    let active = account.as_ref().filter(|account| account.active);
    let pending_reset = active
        .and_then(|account| account.pending_reset.as_ref())
        .filter(|reset| reset.expires_at > now)
        .map(|reset| reset.password_hash.clone());
    let mut attempts = Vec::new();
    if let Some(candidate) = canonical_reset_password(&form.password) {
        attempts.push(Attempt {
            stored: pending_reset.clone(),
            candidate,
        });
    }
    let reset_slots = attempts.len();
    let typed = Password::new(&form.password);
    let corrections = typed.typo_corrections();
    match &throttled {
        // A throttled or locked name may still use a reset password: that
        // is what the lock message sends people to. Nothing else is heard.
        Err(refusal) if reset_slots == 0 => return Err(refusal.clone()),
        Err(_) => {}
        Ok(()) => {
            let own = active.map(|account| account.password_hash.clone());
            attempts.push(Attempt {
                stored: own.clone(),
                candidate: typed,
            });
            attempts.extend(corrections.iter().map(|(_, candidate)| Attempt {
                stored: own.clone(),
                candidate: candidate.clone(),
            }));
            attempts.truncate(MAX_VERIFIES_PER_LOGIN);
        }
    }
    let matched = services
        .hasher
        .verify_first_of(slot, attempts.clone())
        .await
        .map_err(|error| hashing_failed("verifying a password", error))?;

    match (account, matched) {
        (Some(account), Some(index)) if index < reset_slots => {
            let hash = pending_reset.unwrap_or_default();
            succeed_with_reset(services, account, &hash).await
        }
        (Some(account), Some(index)) => {
            let correction = (index - reset_slots)
                .checked_sub(1)
                .map(|i| corrections[i].0);
            succeed(services, account, &attempts[index].candidate, correction).await
        }
        // Only a reset password was heard, and it was not right.
        (_, None) if throttled.is_err() => Err(throttled.err().unwrap_or(LoginError::Incorrect)),
        // A failure is recorded whether or not the name has an account (the
        // event names no account then, and never the typed name): the same
        // write on both paths, so the time the answer takes does not tell
        // them apart.
        (account, _) => {
            if let Ok(state) = reservation {
                let account_id = account.map(|account| account.id);
                event(services, "login_failed", account_id, &state).await;
            }
            Err(LoginError::Incorrect)
        }
    }
}

/// Why a name's attempt is not heard: locked, or delayed until a time.
fn refusal(throttle: &ThrottleState, now: Millis) -> LoginError {
    match throttle.throttled_until {
        Some(until) if throttle.locked_at.is_none() => LoginError::Throttled {
            retry_after_seconds: u64::try_from(until - now).unwrap_or(0).div_ceil(1000),
        },
        _ => LoginError::Locked,
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
    // Only now, with the password verified, is it looked up in the
    // breached list: the answer says nothing to someone who does not know
    // the password. A listed password is evidence attackers know it (NIST
    // SP 800-63B-4), so the session can only choose a new one.
    let breached = services.password_rules.breached.contains(password);
    services
        .store
        .record_successful_login(
            account.id,
            services.clock.now(),
            rehashed.as_deref(),
            breached,
        )
        .await
        .map_err(|error| unavailable("recording a login", error))?;
    let session_token = sessions::start(services, account.id, breached)
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
        "breached_password": breached,
    });
    record(services, kind, Some(account.id), &detail).await;
    let reason = breached.then_some(MustChangeReason::Breached);
    Ok(LoggedIn {
        session_token,
        user: user_of(&account, reason)?,
        correction,
    })
}

/// A login with the pending reset password: uses it up (it works once),
/// clears the throttling and lock it was sent to undo, and starts a session
/// that can only choose a new password. The account's own password is not
/// touched until then, so abandoning here leaves the owner as they were.
async fn succeed_with_reset(
    services: &Services,
    account: LoginAccount,
    reset_hash: &str,
) -> Result<LoggedIn, LoginError> {
    let used = services
        .store
        .consume_reset(account.id, reset_hash, services.clock.now())
        .await
        .map_err(|error| unavailable("using a reset password", error))?;
    if !used {
        // Another request used it a moment ago.
        return Err(LoginError::Incorrect);
    }
    let session_token = sessions::start(services, account.id, true)
        .await
        .map_err(|error| unavailable("starting a session", error))?;
    record(
        services,
        "login_with_reset",
        Some(account.id),
        &serde_json::json!({ "unlocked": account.throttle.locked_at.is_some() }),
    )
    .await;
    Ok(LoggedIn {
        session_token,
        user: user_of(&account, Some(MustChangeReason::Reset))?,
        correction: None,
    })
}

pub(super) fn user_of(
    account: &LoginAccount,
    must_change_reason: Option<MustChangeReason>,
) -> Result<CurrentUser, LoginError> {
    let account_type = AccountType::parse(&account.account_type).ok_or_else(|| {
        unavailable(
            "reading an account",
            format!("unknown type {}", account.account_type),
        )
    })?;
    Ok(CurrentUser {
        account_id: account.id,
        username: account.username.clone(),
        email: account.email.clone(),
        first_name: account.first_name.clone(),
        surname: account.surname.clone(),
        account_type,
        must_change_password: must_change_reason.is_some(),
        must_change_reason,
        email_confirmed: account.email_confirmed,
        // A password alone: a second factor is proved separately.
        second_factor: false,
        has_second_factor: account.has_second_factor,
    })
}

async fn event(
    services: &Services,
    kind: &'static str,
    account_id: Option<i64>,
    state: &ThrottleState,
) {
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

fn hashing_failed(doing: &str, error: HashError) -> LoginError {
    match error.busy_seconds() {
        Some(retry_after_seconds) => LoginError::Busy {
            retry_after_seconds,
        },
        None => unavailable(doing, error),
    }
}

pub(super) fn unavailable(doing: &str, error: impl std::fmt::Display) -> LoginError {
    tracing::error!("login failed while {doing}: {error}");
    LoginError::Unavailable
}
