//! The server side of the live password verdict.

use super::{PasswordVerdict, VerdictError, VerdictForm};
use crate::auth::rate_limit::RateLimit;
use crate::rules::{Password, PasswordPolicy, PasswordProblem, PersonalWords, MAX_PASSWORD_CHARS};
use crate::Services;

/// Verdicts one client address may ask for: a burst of 60, then one a
/// second. The dialogs ask once a pause in typing (about a third of a
/// second without a key), so a person typing a long passphrase uses a few
/// dozen; a script gets the list's answers no faster than it could by
/// registering.
pub const DEFAULT_VERDICT_RATE: RateLimit = RateLimit::per_minute(60);

/// Which rules `form.password` breaks, for the person's own words in the
/// form. Costs one rate-limit token of the client's; no hash, no write but
/// the token.
pub async fn password_verdict(
    services: &Services,
    form: &VerdictForm,
    client_address: &str,
) -> Result<PasswordVerdict, VerdictError> {
    if let Some(retry_after_seconds) = services
        .verdict_rate
        .take(services, &format!("password-verdict:{client_address}"))
        .await
        .map_err(|error| {
            tracing::error!("a password verdict failed while taking a rate-limit token: {error}");
            VerdictError::Unavailable
        })?
    {
        return Err(VerdictError::RateLimited {
            retry_after_seconds,
        });
    }
    // Counted before normalising: a megabyte of text is not worth NFKC.
    if form.password.chars().count() > MAX_PASSWORD_CHARS {
        return Ok(PasswordVerdict {
            problems: vec![PasswordProblem::TooLong {
                max: MAX_PASSWORD_CHARS,
            }],
        });
    }
    // Up to 20 ms of estimating for 256 characters (README "Performance"):
    // on a blocking thread, not on the request executor's.
    let rules = services.password_rules;
    let form = form.clone();
    let problems = tokio::task::spawn_blocking(move || {
        let words = PersonalWords {
            username: Some(form.username.as_str()),
            email: Some(form.email.as_str()),
            first_name: Some(form.first_name.as_str()),
            surname: Some(form.surname.as_str()),
        };
        rules.problems(&Password::new(&form.password), &words)
    })
    .await
    .map_err(|error| {
        tracing::error!("a password verdict failed: {error}");
        VerdictError::Unavailable
    })?;
    Ok(PasswordVerdict { problems })
}
