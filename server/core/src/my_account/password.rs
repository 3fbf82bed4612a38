//! Changing the password from My account: the current one first, then the
//! registration rules for the new one.

use super::owner::{owner, unavailable, Owner};
use super::{describe_browser, ChangePasswordForm, MyAccountError, PasswordChanged};
use crate::auth::throttle::{charge_attempt, Held};
use crate::events::record;
use crate::hashing::{Attempt, HashError};
use crate::mail::notices::{NoticeData, NoticeKind};
use crate::rules::{Password, PasswordPolicy, PasswordProblem, PersonalWords, MAX_PASSWORD_CHARS};
use crate::store::QueuedNotice;
use crate::Services;

/// The current password is checked as a login checks it, with the same
/// typo corrections (a person who logs in with Caps Lock on types it the
/// same way here), so at most this many Argon2 verifications.
const MAX_VERIFIES: usize = 3;

/// Longer "current passwords" are wrong without any work.
const MAX_TYPED_CHARS: usize = 1024;

/// Changes the password of the session's account. The new password must
/// pass the registration rules; every other session is ended (whoever else
/// had the old password is logged out), the one asking continues, and the
/// owner is emailed a notice.
///
/// A wrong current password counts as a failed login of the account: the
/// same delays and, after a hundred, the same lock, so a borrowed session
/// cannot guess at leisure.
pub async fn change_password(
    services: &Services,
    token: &str,
    form: &ChangePasswordForm,
) -> Result<PasswordChanged, MyAccountError> {
    let owner = owner(services, token).await?;
    let user = &owner.user;
    if form.current_password.is_empty() {
        return Err(MyAccountError::CurrentPasswordMissing);
    }
    // The new password's rules first: they are public and cheap, and a
    // refusal of them costs the account no attempt.
    if form.new_password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(MyAccountError::Invalid {
            problems: vec![PasswordProblem::TooLong {
                max: MAX_PASSWORD_CHARS,
            }],
        });
    }
    let new_password = Password::new(&form.new_password);
    if new_password.expose() == Password::new(&form.current_password).expose() {
        return Err(MyAccountError::SameAsCurrent);
    }
    let words = PersonalWords {
        username: Some(&user.username),
        email: Some(&user.email),
        first_name: Some(&user.first_name),
        surname: Some(&user.surname),
    };
    let problems = services.password_rules.problems(&new_password, &words);
    if !problems.is_empty() {
        return Err(MyAccountError::Invalid { problems });
    }

    verify_current_password(services, &owner, &form.current_password).await?;

    let hash = services
        .hasher
        .hash(new_password)
        .await
        .map_err(hashing_failed)?;
    let notice = notice_from_session(
        user,
        &owner.origin,
        NoticeKind::PasswordChanged,
        services.clock.now(),
    );
    let ended = services
        .store
        .change_password(user.account_id, &hash, &owner.token_hash, &notice)
        .await
        .map_err(|error| unavailable("storing the new password", error))?;
    let other_sessions_ended = u32::try_from(ended).unwrap_or(u32::MAX);
    record(
        services,
        "password_changed",
        Some(user.account_id),
        &serde_json::json!({ "by": "owner", "other_sessions_ended": other_sessions_ended }),
    )
    .await;
    Ok(PasswordChanged {
        other_sessions_ended,
    })
}

/// Checks the typed current password of `account_id` as a login would
/// (with its typo corrections), charging the attempt to the account first:
/// a wrong one counts as a failed login (delays, then the lock), and is
/// recorded as an event.
pub(super) async fn verify_current_password(
    services: &Services,
    owner: &Owner,
    typed: &str,
) -> Result<(), MyAccountError> {
    let account_id = owner.user.account_id;
    // The lock notice, if this attempt locks the account, names where the
    // attempt came from.
    let client_address = owner.origin.client_address.as_deref();
    if typed.is_empty() {
        return Err(MyAccountError::CurrentPasswordMissing);
    }
    // A place in the hashing queue before the attempt is charged.
    let slot = services.hasher.admit().map_err(hashing_failed)?;
    if let Err(held) = charge_attempt(services, account_id, client_address)
        .await
        .map_err(|error| unavailable("charging an attempt", error))?
    {
        return Err(match held {
            Held::Throttled {
                retry_after_seconds,
            } => MyAccountError::Throttled {
                retry_after_seconds,
            },
            Held::Locked => MyAccountError::Locked,
        });
    }
    let stored = services
        .store
        .password_hash_of(account_id)
        .await
        .map_err(|error| unavailable("reading the password hash", error))?;
    let matched = if typed.chars().count() > MAX_TYPED_CHARS {
        None
    } else {
        let typed = Password::new(typed);
        let mut attempts = vec![Attempt {
            stored: stored.clone(),
            candidate: typed.clone(),
        }];
        attempts.extend(
            typed
                .typo_corrections()
                .into_iter()
                .map(|(_, candidate)| Attempt {
                    stored: stored.clone(),
                    candidate,
                }),
        );
        attempts.truncate(MAX_VERIFIES);
        services
            .hasher
            .verify_first_of(slot, attempts)
            .await
            .map_err(hashing_failed)?
    };
    if matched.is_none() {
        record(
            services,
            "current_password_wrong",
            Some(account_id),
            &serde_json::json!({}),
        )
        .await;
        return Err(MyAccountError::WrongPassword);
    }
    // Right: the charge is lifted, as a successful login lifts it.
    services
        .store
        .clear_login_failures(account_id)
        .await
        .map_err(|error| unavailable("clearing the attempt", error))
}

/// A notice about `user`'s account, to its current email, saying the
/// change came from the session `origin` describes.
pub(crate) fn notice_from_session<'a>(
    user: &'a crate::auth::CurrentUser,
    origin: &crate::auth::sessions::SessionOrigin,
    kind: NoticeKind,
    at: crate::clock::Millis,
) -> QueuedNotice<'a> {
    session_notice_data(user, origin, at).queued(kind, user.account_id, &user.email)
}

/// The data of a notice to `user` of a change made in the session
/// `origin` describes, at `at`.
pub(super) fn session_notice_data(
    user: &crate::auth::CurrentUser,
    origin: &crate::auth::sessions::SessionOrigin,
    at: crate::clock::Millis,
) -> NoticeData {
    NoticeData {
        browser: origin.user_agent.as_deref().map(describe_browser),
        client_address: origin.client_address.clone(),
        ..NoticeData::new(&user.first_name, at)
    }
}

fn hashing_failed(error: HashError) -> MyAccountError {
    match error.busy_seconds() {
        Some(retry_after_seconds) => MyAccountError::Busy {
            retry_after_seconds,
        },
        None => unavailable("hashing", error),
    }
}
