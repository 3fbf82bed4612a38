//! "Choose a new password": the one thing a session started with a reset
//! password, or with a password found in the breached list, may do.

use super::{ChoosePasswordError, ChoosePasswordForm};
use crate::auth::{sessions, CurrentUser, MustChangeReason};
use crate::events::record;
use crate::mail::notices::NoticeKind;
use crate::my_account::notice_from_session;
use crate::rules::{Password, PasswordPolicy, PasswordProblem, PersonalWords, MAX_PASSWORD_CHARS};
use crate::Services;

/// The new password is stored and a fresh, unrestricted session started.
#[derive(Debug, Clone)]
pub struct PasswordChosen {
    pub session_token: String,
    pub user: CurrentUser,
}

/// Sets the account's password from a session that must choose one (started
/// with a reset password or a breached one). Every session of the account is ended (a stranger who knew
/// the old password is logged out too) and a new one started.
pub async fn choose_password(
    services: &Services,
    session_token: &str,
    form: &ChoosePasswordForm,
) -> Result<PasswordChosen, ChoosePasswordError> {
    let (user, origin) = sessions::current_session(services, session_token)
        .await
        .map_err(|error| unavailable("reading a session", error))?
        .ok_or(ChoosePasswordError::NotLoggedIn)?;
    if !user.must_change_password {
        return Err(ChoosePasswordError::NotRequired);
    }
    // Every attempt counts, whatever its answer: the rules' checks and the
    // hash are work a script with a reset session could repeat at will.
    if let Some(retry_after_seconds) = services
        .reset_policy
        .choose_per_account
        .take(services, &format!("choose-password:{}", user.account_id))
        .await
        .map_err(|error| unavailable("taking a rate-limit token", error))?
    {
        return Err(ChoosePasswordError::RateLimited {
            retry_after_seconds,
        });
    }
    // Checked before normalising: a megabyte of text is not worth NFKC.
    if form.password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(ChoosePasswordError::Invalid {
            problems: vec![PasswordProblem::TooLong {
                max: MAX_PASSWORD_CHARS,
            }],
        });
    }
    let (username, email) = services
        .store
        .account_names(user.account_id)
        .await
        .map_err(|error| unavailable("reading an account", error))?
        .ok_or(ChoosePasswordError::NotLoggedIn)?;
    let password = Password::new(&form.password);
    let words = PersonalWords {
        username: Some(&username),
        email: Some(&email),
        first_name: Some(&user.first_name),
        surname: Some(&user.surname),
    };
    let problems = services.password_rules.problems(&password, &words);
    if !problems.is_empty() {
        return Err(ChoosePasswordError::Invalid { problems });
    }
    let hash =
        services
            .hasher
            .hash(password)
            .await
            .map_err(|error| match error.busy_seconds() {
                Some(retry_after_seconds) => ChoosePasswordError::Busy {
                    retry_after_seconds,
                },
                None => unavailable("hashing a password", error),
            })?;
    // The owner is told, at the account's address: had someone else asked
    // for the reset and logged in with it, this is how the owner hears.
    let notice = notice_from_session(
        &user,
        &origin,
        NoticeKind::PasswordChanged,
        services.clock.now(),
    );
    services
        .store
        .replace_password(user.account_id, &hash, &notice)
        .await
        .map_err(|error| unavailable("storing a password", error))?;
    let session_token = sessions::start(services, user.account_id, false)
        .await
        .map_err(|error| unavailable("starting a session", error))?;
    record(
        services,
        "password_changed",
        Some(user.account_id),
        &serde_json::json!({
            "after": match user.must_change_reason {
                Some(MustChangeReason::Breached) => "breached",
                _ => "reset",
            }
        }),
    )
    .await;
    Ok(PasswordChosen {
        session_token,
        user: CurrentUser {
            must_change_password: false,
            must_change_reason: None,
            // The new session has proved no second factor.
            second_factor: false,
            ..user
        },
    })
}

fn unavailable(doing: &str, error: impl std::fmt::Display) -> ChoosePasswordError {
    tracing::error!("choosing a password failed while {doing}: {error}");
    ChoosePasswordError::Unavailable
}
