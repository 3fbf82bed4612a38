//! Enrolling a support user's second factor, with the one-time link that
//! `create-support-user` prints (or another support user has emailed).
//!
//! The link alone does nothing: it is opened in the support user's own
//! session (their password), and the factor is bound there. The password
//! alone does nothing either: without the link a support session can only
//! be told to use it. So someone who learns a support user's password
//! cannot enrol a device of their own.

use super::codes::{
    as_app_code, grouped, new_recovery_code, new_totp_secret, qr_svg, totp_step, totp_uri,
    RECOVERY_CODES,
};
use super::{RecoveryCodes, SecondFactorError, TotpSetup};
use crate::auth::sessions::{new_token, token_hash};
use crate::auth::PasskeyCeremony;
use crate::events::record;
use crate::my_account::{
    begin_adding, finish_adding, session_owner, AddPasskeyForm, MyAccountError, Owner,
    PasskeySummary,
};
use crate::rules::Password;
use crate::store::StoreError;
use crate::Services;

/// How long an enrolment link works.
pub const ENROLMENT_VALID_MS: i64 = 24 * 60 * 60 * 1000;

/// Makes the account's enrolment link (the older ones stop working):
/// `{site}/support/enrol?link=…`. `by` is the support user who asked for
/// it; `None` for the command line.
pub async fn issue_enrolment_link(
    services: &Services,
    account_id: i64,
    by: Option<i64>,
) -> Result<String, StoreError> {
    let token = new_token();
    let now = services.clock.now();
    services
        .store
        .issue_enrolment(
            account_id,
            &token_hash(&token),
            by,
            now,
            now + ENROLMENT_VALID_MS,
        )
        .await?;
    let site = services.site_url.trim_end_matches('/');
    Ok(format!("{site}/support/enrol?link={token}"))
}

/// The support user enrolling with `link` in the session `token`.
async fn enrolling(
    services: &Services,
    token: &str,
    link: &str,
) -> Result<Owner, SecondFactorError> {
    let owner = session_owner(services, token)
        .await
        .map_err(|error| match error {
            MyAccountError::NotLoggedIn => SecondFactorError::NotLoggedIn,
            MyAccountError::MustChooseFirst => SecondFactorError::MustChooseFirst,
            _ => SecondFactorError::Unavailable,
        })?;
    if !owner.user.is_support() {
        return Err(SecondFactorError::NotSupport);
    }
    let open = services
        .store
        .open_enrolment(&token_hash(link))
        .await
        .map_err(|error| unavailable("reading an enrolment link", error))?;
    match open {
        Some(open)
            if open.account_id == owner.user.account_id
                && open.expires_at > services.clock.now() =>
        {
            Ok(owner)
        }
        _ => Err(SecondFactorError::LinkNotValid),
    }
}

/// Checks the link before anything is shown: the enrol page says at once
/// when it does not work.
pub async fn check_enrolment_link(
    services: &Services,
    token: &str,
    link: &str,
) -> Result<(), SecondFactorError> {
    enrolling(services, token, link).await.map(|_| ())
}

/// The link is spent and this session has proved the new factor.
async fn enrolled(
    services: &Services,
    owner: &Owner,
    link: &str,
    method: &'static str,
) -> Result<(), SecondFactorError> {
    let now = services.clock.now();
    services
        .store
        .use_enrolment(&token_hash(link), now)
        .await
        .map_err(|error| unavailable("using an enrolment link", error))?;
    services
        .store
        .mark_second_factor(&owner.token_hash, now)
        .await
        .map_err(|error| unavailable("marking the session", error))?;
    record(
        services,
        "second_factor_enrolled",
        Some(owner.user.account_id),
        &serde_json::json!({ "method": method }),
    )
    .await;
    Ok(())
}

fn passkey_refusal(error: MyAccountError) -> SecondFactorError {
    match error {
        MyAccountError::Unavailable => SecondFactorError::Unavailable,
        MyAccountError::NotLoggedIn => SecondFactorError::NotLoggedIn,
        other => SecondFactorError::Passkey {
            message: other.to_string(),
        },
    }
}

/// Begins enrolling a passkey named `name`.
pub async fn start_enrolling_passkey(
    services: &Services,
    token: &str,
    link: &str,
    name: &str,
) -> Result<PasskeyCeremony, SecondFactorError> {
    let owner = enrolling(services, token, link).await?;
    begin_adding(services, &owner, name)
        .await
        .map_err(passkey_refusal)
}

/// Finishes enrolling a passkey: stored, the link spent, this session past
/// its second step.
pub async fn finish_enrolling_passkey(
    services: &Services,
    token: &str,
    link: &str,
    form: &AddPasskeyForm,
) -> Result<PasskeySummary, SecondFactorError> {
    let owner = enrolling(services, token, link).await?;
    let passkey = finish_adding(services, &owner, form)
        .await
        .map_err(passkey_refusal)?;
    enrolled(services, &owner, link, "passkey").await?;
    Ok(passkey)
}

/// Begins enrolling an authenticator app: a new secret (replacing one not
/// confirmed yet), as text and as a QR code.
pub async fn start_enrolling_app(
    services: &Services,
    token: &str,
    link: &str,
) -> Result<TotpSetup, SecondFactorError> {
    let owner = enrolling(services, token, link).await?;
    let secret = new_totp_secret();
    let stored = services
        .store
        .begin_totp(owner.user.account_id, &secret, services.clock.now())
        .await
        .map_err(|error| unavailable("storing an app secret", error))?;
    if !stored {
        return Err(SecondFactorError::AlreadyEnrolled);
    }
    let uri = totp_uri(&secret, &owner.user.username)
        .ok_or_else(|| unavailable("making the app link", "invalid secret"))?;
    let qr_svg = qr_svg(&uri).ok_or_else(|| unavailable("drawing the QR code", "too long"))?;
    Ok(TotpSetup {
        secret: grouped(&secret),
        uri,
        qr_svg,
    })
}

/// Confirms the app with its first code: the app is the account's second
/// factor from now on, the link is spent, this session is past its second
/// step, and ten recovery codes are made and shown this once.
pub async fn confirm_enrolling_app(
    services: &Services,
    token: &str,
    link: &str,
    code: &str,
) -> Result<RecoveryCodes, SecondFactorError> {
    let owner = enrolling(services, token, link).await?;
    let account_id = owner.user.account_id;
    let code = as_app_code(code).ok_or(SecondFactorError::WrongCode)?;
    let app = services
        .store
        .totp_of(account_id)
        .await
        .map_err(|error| unavailable("reading the app secret", error))?
        .filter(|app| app.confirmed_at.is_none())
        .ok_or(SecondFactorError::WrongCode)?;
    let now = services.clock.now();
    let step = totp_step(&app.secret, &code, now).ok_or(SecondFactorError::WrongCode)?;
    let accepted = services
        .store
        .accept_totp_step(account_id, step, now)
        .await
        .map_err(|error| unavailable("confirming the app", error))?;
    if !accepted {
        return Err(SecondFactorError::WrongCode);
    }
    let codes = issue_recovery_codes(services, account_id).await?;
    enrolled(services, &owner, link, "app").await?;
    Ok(codes)
}

/// New recovery codes for the account (the old ones stop working), each
/// stored as an Argon2id hash under its first group.
pub(super) async fn issue_recovery_codes(
    services: &Services,
    account_id: i64,
) -> Result<RecoveryCodes, SecondFactorError> {
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
    let mut stored = Vec::with_capacity(codes.len());
    for code in &codes {
        let hash = services
            .hasher
            .hash(Password::new(code))
            .await
            .map_err(|error| match error.busy_seconds() {
                Some(retry_after_seconds) => SecondFactorError::Busy {
                    retry_after_seconds,
                },
                None => unavailable("hashing a recovery code", error),
            })?;
        stored.push((code[..4].to_owned(), hash));
    }
    services
        .store
        .replace_recovery_codes(account_id, &stored)
        .await
        .map_err(|error| unavailable("storing recovery codes", error))?;
    Ok(RecoveryCodes { codes })
}

pub(super) fn unavailable(doing: &str, error: impl std::fmt::Display) -> SecondFactorError {
    tracing::error!("second factor: failed while {doing}: {error}");
    SecondFactorError::Unavailable
}
