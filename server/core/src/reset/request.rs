//! Asking for a reset: a new password, stored as the account's one pending
//! reset and emailed through the outbox, in one transaction.

use super::{ResetError, ResetForm, ResetRequested};
use crate::auth::rate_limit::RateLimit;
use crate::clock::Millis;
use crate::events::record;
use crate::hashing::{HashError, HashSlot};
use crate::rules::{generate_reset_password, Email, EmailError, Password};
use crate::store::{ResetIssue, ResetIssued};
use crate::Services;

pub const RESET_SUBJECT: &str = "Your Threshold username and a new password";

/// Longer input is refused before any work.
const MAX_EMAIL_CHARS: usize = 320;

/// How resets are limited and how long their passwords last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResetPolicy {
    /// A reset password works this long after it is issued.
    pub valid_ms: Millis,
    /// Requests per typed address per hour (SPEC.md §4: 3 per account).
    pub per_email_per_hour: u32,
    /// Requests per client network address.
    pub per_client: RateLimit,
}

impl Default for ResetPolicy {
    fn default() -> Self {
        Self {
            valid_ms: 24 * 3_600_000,
            per_email_per_hour: 3,
            per_client: RateLimit::per_hour(10),
        }
    }
}

/// Issues a reset for `form.email` when it is an active account's current
/// email; answers [`ResetRequested`] either way.
///
/// The work does not depend on whether the address is known: the password
/// is generated and hashed first, and the request is counted against the
/// address in both cases. The account's own password is not touched.
pub async fn request_reset(
    services: &Services,
    form: &ResetForm,
    client_address: &str,
) -> Result<ResetRequested, ResetError> {
    let typed = form.email.trim();
    if typed.chars().count() > MAX_EMAIL_CHARS {
        return Err(invalid(EmailError::TooLong {
            max: MAX_EMAIL_CHARS,
        }));
    }
    let email = Email::parse(typed).map_err(invalid)?;

    // A place in the hashing queue before the client's allowance is used:
    // a request refused because the server is busy costs nothing.
    let slot = services.hasher.admit().map_err(hashing_failed)?;

    let policy = services.reset_policy;
    if let Some(retry_after_seconds) = policy
        .per_client
        .take(services, &format!("reset:{client_address}"))
        .await
        .map_err(|error| unavailable("taking a rate-limit token", error))?
    {
        return Err(ResetError::RateLimited {
            retry_after_seconds,
        });
    }

    let (password, password_hash) = new_reset_password(services, slot)
        .await
        .map_err(hashing_failed)?;
    let now = services.clock.now();
    let issued = services
        .store
        .issue_reset(&ResetIssue {
            email_key: &email.key(),
            now,
            hourly_limit: policy.per_email_per_hour,
            password_hash: &password_hash,
            password: &password,
            expires_at: now + policy.valid_ms,
            subject: RESET_SUBJECT,
        })
        .await
        .map_err(|error| unavailable("issuing a reset", error))?;
    match issued {
        ResetIssued::Queued {
            account_id,
            message_id,
        } => {
            record(
                services,
                "reset_requested",
                Some(account_id),
                &serde_json::json!({ "message_id": message_id, "expires_at": now + policy.valid_ms }),
            )
            .await;
            services.outbox_wakeup.notify_one();
        }
        ResetIssued::NoAccount => {
            tracing::info!("reset requested for an address with no active account");
        }
        ResetIssued::TooMany { allowed_at } => {
            return Err(ResetError::TooManyForAddress {
                retry_after_seconds: u64::try_from(allowed_at - now).unwrap_or(0).div_ceil(1000),
            });
        }
    }
    Ok(ResetRequested {
        address: typed.to_owned(),
    })
}

/// A fresh reset password and its hash, in the hashing queue's place
/// `slot` (made before any transaction: it takes tens of milliseconds).
pub(crate) async fn new_reset_password(
    services: &Services,
    slot: HashSlot,
) -> Result<(String, String), HashError> {
    let password = generate_reset_password();
    let hash = services
        .hasher
        .hash_in(slot, Password::new(&password))
        .await?;
    Ok((password, hash))
}

fn hashing_failed(error: HashError) -> ResetError {
    match error.busy_seconds() {
        Some(retry_after_seconds) => ResetError::Busy {
            retry_after_seconds,
        },
        None => unavailable("hashing a reset password", error),
    }
}

fn invalid(error: EmailError) -> ResetError {
    let message = match error {
        EmailError::Empty => "Enter the email address on your account".to_owned(),
        other => other.to_string(),
    };
    ResetError::InvalidEmail { message }
}

fn unavailable(doing: &str, error: impl std::fmt::Display) -> ResetError {
    tracing::error!("reset request failed while {doing}: {error}");
    ResetError::Unavailable
}
