//! The second step at login: a support user who logged in with the
//! password gives a code from the authenticator app, or a recovery code.
//! (A passkey login needs no second step: it is one.)
//!
//! Each attempt is charged to the account's login throttling before it is
//! checked, as a password is: six digits are a million guesses, and the
//! delays and the lock keep it at that.

use super::codes::{as_app_code, as_recovery_code, totp_step};
use super::enrol::unavailable;
use super::{SecondFactorError, SecondStepForm};
use crate::auth::sessions::{self, token_hash};
use crate::auth::throttle::{charge_attempt, Held};
use crate::auth::SecondStep;
use crate::events::record;
use crate::hashing::Attempt;
use crate::rules::Password;
use crate::Services;

/// Checks the code and, when right, marks the session as past its second
/// step.
pub async fn give_second_step(
    services: &Services,
    token: &str,
    form: &SecondStepForm,
) -> Result<(), SecondFactorError> {
    let (user, origin) = sessions::current_session(services, token)
        .await
        .map_err(|error| unavailable("reading a session", error))?
        .ok_or(SecondFactorError::NotLoggedIn)?;
    match user.second_step() {
        SecondStep::NotNeeded => return Err(SecondFactorError::NotSupport),
        SecondStep::Done => return Ok(()),
        SecondStep::EnrolFirst => return Err(SecondFactorError::NotEnrolled),
        SecondStep::Needed => {}
    }
    if user.must_change_password {
        return Err(SecondFactorError::MustChooseFirst);
    }
    let typed = form.code.trim();
    if typed.is_empty() {
        return Err(SecondFactorError::CodeMissing);
    }
    let account_id = user.account_id;
    // A place in the hashing queue first (a recovery code is checked with
    // Argon2), then the charge.
    let slot = services
        .hasher
        .admit()
        .map_err(|error| match error.busy_seconds() {
            Some(retry_after_seconds) => SecondFactorError::Busy {
                retry_after_seconds,
            },
            None => unavailable("admitting a check", error),
        })?;
    if let Err(held) = charge_attempt(services, account_id, origin.client_address.as_deref())
        .await
        .map_err(|error| unavailable("charging an attempt", error))?
    {
        return Err(match held {
            Held::Throttled {
                retry_after_seconds,
            } => SecondFactorError::Throttled {
                retry_after_seconds,
            },
            Held::Locked => SecondFactorError::Locked,
        });
    }
    let now = services.clock.now();
    let method = if let Some(code) = as_app_code(typed) {
        let app = services
            .store
            .totp_of(account_id)
            .await
            .map_err(|error| unavailable("reading the app secret", error))?
            .filter(|app| app.confirmed_at.is_some());
        let step = app.and_then(|app| totp_step(&app.secret, &code, now));
        let accepted = match step {
            Some(step) => services
                .store
                .accept_totp_step(account_id, step, now)
                .await
                .map_err(|error| unavailable("accepting a code", error))?,
            None => false,
        };
        accepted.then_some("app")
    } else if let Some((code, lookup)) = as_recovery_code(typed) {
        let rows = services
            .store
            .recovery_codes_like(account_id, &lookup)
            .await
            .map_err(|error| unavailable("reading recovery codes", error))?;
        let attempts = rows
            .iter()
            .map(|row| Attempt {
                stored: Some(row.code_hash.clone()),
                candidate: Password::new(&code),
            })
            .collect();
        let matched = services
            .hasher
            .verify_first_of(slot, attempts)
            .await
            .map_err(|error| unavailable("checking a recovery code", error))?;
        let used = match matched {
            Some(index) => services
                .store
                .use_recovery_code(rows[index].id, now)
                .await
                .map_err(|error| unavailable("using a recovery code", error))?,
            None => false,
        };
        used.then_some("recovery_code")
    } else {
        None
    };
    let Some(method) = method else {
        record(
            services,
            "second_step_failed",
            Some(account_id),
            &serde_json::json!({}),
        )
        .await;
        return Err(SecondFactorError::WrongCode);
    };
    services
        .store
        .clear_login_failures(account_id)
        .await
        .map_err(|error| unavailable("clearing the attempt", error))?;
    services
        .store
        .mark_second_factor(&token_hash(token), now)
        .await
        .map_err(|error| unavailable("marking the session", error))?;
    let left = services
        .store
        .unused_recovery_codes(account_id)
        .await
        .map_err(|error| unavailable("counting recovery codes", error))?;
    record(
        services,
        "second_step",
        Some(account_id),
        &serde_json::json!({ "method": method, "recovery_codes_left": left }),
    )
    .await;
    Ok(())
}
