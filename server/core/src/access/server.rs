//! Access requests on the server: taking one from the public form, and the
//! support side (queue, request page, steps).

use super::matching::{referenced, suggestions};
use super::{
    AccessRequestPage, AccessRequestView, ContactError, ContactForm, ContactReceived,
    RequestAction, MAX_NOTE_CHARS,
};
use crate::auth::rate_limit::RateLimit;
use crate::support::{
    perform_for_request, RequestStepRecord, SupportAction, SupportError, SupportUser,
};
use crate::Services;

pub const ACK_SUBJECT: &str = "We have your request for help with Threshold";

/// How much one network address and one reply address may ask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContactPolicy {
    pub per_client: RateLimit,
    pub per_email: RateLimit,
}

impl Default for ContactPolicy {
    fn default() -> Self {
        Self {
            per_client: RateLimit::per_hour(5),
            // Three, then one every eight hours.
            per_email: RateLimit {
                burst: 3,
                refill_ms: 8 * 3_600_000,
            },
        }
    }
}

/// Takes a request from the public form: validated, rate-limited, stored
/// with its acknowledgement email in one transaction.
pub async fn submit(
    services: &Services,
    form: &ContactForm,
    client_address: &str,
) -> Result<ContactReceived, ContactError> {
    let details = form
        .validate()
        .map_err(|problems| ContactError::Invalid { problems })?;
    let policy = services.contact_policy;
    for (limit, bucket) in [
        (policy.per_client, format!("contact:{client_address}")),
        (
            policy.per_email,
            // One inbox, however it is written: `ada+1@` and `ADA+2@` count
            // against `ada@`.
            format!("contact-email:{}", details.email.mailbox_key()),
        ),
    ] {
        if let Some(retry_after_seconds) = limit
            .take(services, &bucket)
            .await
            .map_err(|error| unavailable("taking a rate-limit token", error))?
        {
            return Err(ContactError::RateLimited {
                retry_after_seconds,
            });
        }
    }
    let id = services
        .store
        .create_access_request(
            &details,
            ACK_SUBJECT,
            |id| serde_json::json!({ "reference": super::reference(id) }),
            services.clock.now(),
        )
        .await
        .map_err(|error| unavailable("storing an access request", error))?;
    // `access_request`, not `request_id`: the request span's `id` is the
    // HTTP request's.
    tracing::info!(access_request = id, "access request received");
    services.outbox_wakeup.notify_one();
    services.events.published();
    Ok(ContactReceived {
        reference: super::reference(id),
        email: details.email.as_str().to_owned(),
    })
}

/// Open requests, oldest first, then recently closed ones.
pub async fn request_queue(
    services: &Services,
    _by: &SupportUser,
) -> Result<Vec<AccessRequestView>, SupportError> {
    let queue = services
        .store
        .access_requests(100)
        .await
        .map_err(|error| support_unavailable("reading the request queue", error))?;
    Ok(queue.into_iter().map(referenced).collect())
}

/// A request with the accounts matching any detail in it.
pub async fn request_page(
    services: &Services,
    _by: &SupportUser,
    request_id: i64,
) -> Result<AccessRequestPage, SupportError> {
    let request = read_request(services, request_id).await?;
    let suggestions = suggestions(services, &request)
        .await
        .map_err(|error| support_unavailable("matching a request", error))?;
    Ok(AccessRequestPage {
        request,
        suggestions,
    })
}

async fn read_request(
    services: &Services,
    request_id: i64,
) -> Result<AccessRequestView, SupportError> {
    let request = services
        .store
        .access_request(request_id)
        .await
        .map_err(|error| support_unavailable("reading a request", error))?
        .ok_or(SupportError::NotFound)?;
    Ok(referenced(request))
}

/// A step on a request: an account action (audited like any other, and
/// written into the request's history in the same transaction) or closing
/// it.
pub async fn act_on_request(
    services: &Services,
    by: &SupportUser,
    request_id: i64,
    action: &RequestAction,
) -> Result<(), SupportError> {
    let request = read_request(services, request_id).await?;
    let (account_id, change, step, detail) = match action {
        RequestAction::UseRequestEmail {
            account_id,
            look_alike_reason,
        } => (
            *account_id,
            SupportAction::ChangeEmail {
                email: request.email.clone(),
                look_alike_reason: look_alike_reason.clone(),
            },
            "changed_email",
            format!("account {account_id}: email set to {}", request.email),
        ),
        RequestAction::SendReset { account_id } => (
            *account_id,
            SupportAction::SendReset,
            "sent_reset",
            format!("account {account_id}: reset email sent"),
        ),
        RequestAction::Close { note } => {
            return close_request(services, by, request_id, note).await
        }
    };
    let step = RequestStepRecord {
        request_id,
        action: step,
        detail: &detail,
    };
    perform_for_request(services, by, account_id, &change, Some(step)).await
}

async fn close_request(
    services: &Services,
    by: &SupportUser,
    request_id: i64,
    note: &str,
) -> Result<(), SupportError> {
    let note = note.trim();
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(SupportError::NoteTooLong {
            max: MAX_NOTE_CHARS,
        });
    }
    let recorded = services
        .store
        .record_request_step(
            request_id,
            by.account_id,
            "closed",
            note,
            services.clock.now(),
        )
        .await
        .map_err(|error| support_unavailable("recording a request step", error))?;
    if !recorded {
        return Err(SupportError::NotFound);
    }
    services.events.published();
    Ok(())
}

fn unavailable(doing: &str, error: impl std::fmt::Display) -> ContactError {
    tracing::error!("contact support failed while {doing}: {error}");
    ContactError::Unavailable
}

fn support_unavailable(doing: &str, error: impl std::fmt::Display) -> SupportError {
    tracing::error!("support failed while {doing}: {error}");
    SupportError::Unavailable
}
