//! "Download your data": everything held about the account, as JSON, for
//! its owner (UK GDPR right of access). No password hash, no reset
//! password, no session token or its hash, nothing about other people
//! (which support user acted is said as "support", not by name).

use serde::Serialize;

use super::owner::{owner, unavailable};
use super::sessions::open_session;
use super::{MyAccountError, OpenSession};
use crate::clock::{iso_utc, Millis};
use crate::rules::{AccountType, RegistrationNumber};
use crate::Services;

/// The export's shape: what a person downloads.
#[derive(Debug, Serialize)]
pub struct AccountExport {
    pub exported_at: String,
    pub profile: Profile,
    pub registration_numbers: Vec<RegistrationNumber>,
    pub email_history: Vec<PastEmail>,
    pub sessions: Vec<OpenSession>,
    pub passkeys: Vec<ExportedPasskey>,
    pub events: Vec<Event>,
    pub emails_sent: Vec<EmailSent>,
    pub support_actions: Vec<SupportAction>,
}

#[derive(Debug, Serialize)]
pub struct Profile {
    pub first_name: String,
    pub surname: String,
    pub username: String,
    pub email: String,
    pub account_type: AccountType,
    pub practice_name: Option<String>,
    pub created_at: String,
    pub last_login_at: Option<String>,
    pub failed_logins_since_last_login: i64,
}

#[derive(Debug, Serialize)]
pub struct PastEmail {
    pub email: String,
    pub changed_at: String,
    /// "you" or "support".
    pub changed_by: &'static str,
}

/// A passkey as its owner knows it (the public key itself means nothing
/// to a person and is left out).
#[derive(Debug, Serialize)]
pub struct ExportedPasskey {
    pub name: String,
    pub added_at: String,
    pub last_used_at: Option<String>,
    pub synced: bool,
}

#[derive(Debug, Serialize)]
pub struct Event {
    pub occurred_at: String,
    pub kind: String,
    /// The event's detail as recorded (JSON).
    pub detail: serde_json::Value,
}

#[derive(Debug, Serialize)]
pub struct EmailSent {
    pub subject: String,
    pub to: String,
    pub status: String,
    pub queued_at: String,
    pub finished_at: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct SupportAction {
    pub occurred_at: String,
    pub action: String,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
}

/// Every row a list may hold in an export: an account's whole history in
/// practice, and a bound on one request's work.
const ROWS: i64 = 100_000;

pub async fn export(services: &Services, token: &str) -> Result<AccountExport, MyAccountError> {
    let owner = owner(services, token).await?;
    let id = owner.user.account_id;
    let store = &services.store;
    let now = services.clock.now();
    let live = services.session_policy.live_since(now);
    let failed = |doing: &'static str| move |error| unavailable(doing, error);
    let record = store
        .account_record(id, live.seen, live.started)
        .await
        .map_err(failed("reading the account"))?
        .ok_or(MyAccountError::NotLoggedIn)?;
    let json = |text: &str| serde_json::from_str(text).unwrap_or(serde_json::Value::Null);
    let at = |millis: Millis| iso_utc(millis);
    let summary = record.summary;
    let own_username = summary.username.clone();
    Ok(AccountExport {
        exported_at: at(now),
        profile: Profile {
            first_name: summary.first_name,
            surname: summary.surname,
            username: summary.username,
            email: summary.email,
            account_type: summary.account_type,
            practice_name: record.practice_name,
            created_at: at(record.created_at),
            last_login_at: summary.last_login_at.map(at),
            failed_logins_since_last_login: record.failed_logins,
        },
        registration_numbers: store
            .registration_numbers_of(id)
            .await
            .map_err(failed("reading registration numbers"))?,
        email_history: store
            .email_history(id, ROWS)
            .await
            .map_err(failed("reading email history"))?
            .into_iter()
            .map(|past| PastEmail {
                email: past.email,
                changed_at: at(past.changed_at),
                // Changed by the person themselves (a confirmed change of
                // address), or by a support user, who is not named.
                changed_by: match past.changed_by {
                    Some(by) if by != own_username => "support",
                    _ => "you",
                },
            })
            .collect(),
        sessions: store
            .open_sessions(id, live.seen, live.started)
            .await
            .map_err(failed("listing sessions"))?
            .into_iter()
            .map(|session| open_session(session, &owner.token_hash))
            .collect(),
        passkeys: super::passkeys::passkeys_of(services, id)
            .await?
            .into_iter()
            .map(|passkey| ExportedPasskey {
                name: passkey.name,
                added_at: at(passkey.created_at),
                last_used_at: passkey.last_used_at.map(at),
                synced: passkey.synced,
            })
            .collect(),
        events: store
            .all_events_of(id)
            .await
            .map_err(failed("reading events"))?
            .into_iter()
            .map(|event| Event {
                occurred_at: at(event.occurred_at),
                detail: json(&event.detail),
                kind: event.kind,
            })
            .collect(),
        emails_sent: store
            .deliveries(id, ROWS)
            .await
            .map_err(failed("reading deliveries"))?
            .into_iter()
            .map(|delivery| EmailSent {
                subject: delivery.subject,
                to: delivery.recipient,
                status: delivery.status,
                queued_at: at(delivery.created_at),
                finished_at: delivery.finished_at.map(at),
            })
            .collect(),
        support_actions: store
            .audit_trail(id, ROWS)
            .await
            .map_err(failed("reading the audit trail"))?
            .into_iter()
            .map(|entry| SupportAction {
                occurred_at: at(entry.occurred_at),
                action: entry.action,
                before: json(&entry.before),
                after: json(&entry.after),
            })
            .collect(),
    })
}
