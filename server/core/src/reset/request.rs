//! Asking for a reset: a new password, stored as the account's one pending
//! reset and emailed through the outbox, in one transaction.

use super::{ResetError, ResetForm, ResetRequested};
use crate::auth::{devices, rate_limit::RateLimit, sessions};
use crate::clock::Millis;
use crate::events::record;
use crate::hashing::{HashError, HashSlot};
use crate::rules::{generate_reset_password, Email, EmailError, Password};
use crate::store::{ResetIssue, ResetIssued, StoreError};
use crate::Services;

pub const RESET_SUBJECT: &str = "Your Threshold username and a new password";

/// Longer input is refused before any work.
const MAX_EMAIL_CHARS: usize = 320;

/// How resets are limited and how long their passwords last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResetPolicy {
    /// A reset password works this long after it is issued.
    pub valid_ms: Millis,
    /// Requests per typed address per hour (SPEC.md §4: 3 per account),
    /// counted twice over: once for strangers, once for the owner's own
    /// requests (from a known device or a session of the account), so
    /// strangers using up theirs cannot stop the owner.
    pub per_email_per_hour: u32,
    /// Requests per client network address (the owner's own requests are
    /// limited by their allowance instead, so a busy shared network cannot
    /// stop them either).
    pub per_client: RateLimit,
    /// Attempts at choosing a new password per account: each may cost a
    /// hash, and only a session started with a reset password can try.
    pub choose_per_account: RateLimit,
}

/// Reset requests one client address may make: 10, then one every 6 minutes.
pub const DEFAULT_RESET_RATE: RateLimit = RateLimit::per_hour(10);
/// Attempts at choosing a new password per account: 10, then one a minute.
pub const DEFAULT_CHOOSE_PASSWORD_RATE: RateLimit = RateLimit {
    burst: 10,
    refill_ms: 60_000,
};

impl Default for ResetPolicy {
    fn default() -> Self {
        Self {
            valid_ms: 24 * 3_600_000,
            per_email_per_hour: 3,
            per_client: DEFAULT_RESET_RATE,
            choose_per_account: DEFAULT_CHOOSE_PASSWORD_RATE,
        }
    }
}

/// Who asks for a reset: the client's network address, and what its
/// cookies show about whose browser it is.
#[derive(Clone, Copy, Debug, Default)]
pub struct ResetRequester<'a> {
    /// The per-address rate limit's key.
    pub client_address: &'a str,
    /// The known-device cookie's token, if the browser sent one.
    pub device_token: Option<&'a str>,
    /// The session cookie's token, if the browser sent one.
    pub session_token: Option<&'a str>,
}

impl<'a> ResetRequester<'a> {
    /// A request with no cookies: a stranger as far as the server knows.
    pub fn stranger(client_address: &'a str) -> Self {
        Self {
            client_address,
            device_token: None,
            session_token: None,
        }
    }
}

/// Issues a reset for `form.email` when it is an active account's current
/// email; answers [`ResetRequested`] either way.
///
/// The work does not depend on whether the address is known: the password
/// is generated and hashed first, and the request is counted against the
/// address in both cases. The account's own password is not touched.
///
/// A request from the owner (a browser that has logged in to the account
/// owning the address, or is logged in to it now) is counted in the owner's
/// own hourly allowance rather than strangers', and not against the client
/// address: the answer and its words are the same either way.
pub async fn request_reset(
    services: &Services,
    form: &ResetForm,
    requester: &ResetRequester<'_>,
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
    let by_owner = requested_by_owner(services, requester, &email)
        .await
        .map_err(|error| unavailable("recognising the requester", error))?;
    if !by_owner {
        if let Some(retry_after_seconds) = policy
            .per_client
            .take(services, &format!("reset:{}", requester.client_address))
            .await
            .map_err(|error| unavailable("taking a rate-limit token", error))?
        {
            return Err(ResetError::RateLimited {
                retry_after_seconds,
            });
        }
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
            by_owner,
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
                &serde_json::json!({
                    "message_id": message_id,
                    "expires_at": now + policy.valid_ms,
                    "by_owner": by_owner,
                }),
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

/// Whether the requester's browser belongs to the account whose current
/// email is `email`: it logged in to that account before (its known-device
/// cookie), or is logged in to it now. Without cookies, nothing is read.
async fn requested_by_owner(
    services: &Services,
    requester: &ResetRequester<'_>,
    email: &Email,
) -> Result<bool, StoreError> {
    let mut owners = match requester.device_token {
        Some(token) => devices::accounts_of(services, token).await?,
        None => Vec::new(),
    };
    if let Some(token) = requester.session_token {
        if let Some(user) = sessions::current_user(services, token).await? {
            owners.push(user.account_id);
        }
    }
    if owners.is_empty() {
        return Ok(false);
    }
    let account = services
        .store
        .active_account_with_email(&email.key())
        .await?;
    Ok(account.is_some_and(|id| owners.contains(&id)))
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
