//! What support does to restore access: send a reset, change the email,
//! unlock, disable and enable. Each is one transaction (a
//! [`crate::store::StaffChange`]) holding the account's row from the first
//! read to the commit, with its audit record, its event and the email that
//! tells the person; a step on an access request that led to it is written
//! in the same transaction.
//!
//! Who hears of what: a changed email is told to the old address (the new
//! one masked) and to the new; disable, enable and unlock to the account's
//! address; a reset needs no notice, since its own email goes to the
//! account's address and says what to do if it was not asked for. Every
//! notice says "Threshold support" did it: which staff member is for the
//! audit trail, not for a mailbox that may not be the owner's.

use serde_json::json;

use super::{
    refusal_for, AccountState, AccountStatus, AddressResemblance, SupportAction, SupportError,
    SupportUser,
};
use crate::access::MAX_NOTE_CHARS;
use crate::auth::sessions::{new_token, token_hash};
use crate::clock::Millis;
use crate::mail::address_mail::{AddressMail, AddressMailKind};
use crate::mail::notices::{mask_address, NoticeData, NoticeKind};
use crate::reset::{new_reset_password, RESET_SUBJECT};
use crate::rules::lookalike::{resemblance, Resemblance};
use crate::rules::{AccountType, Email};
use crate::second_factor::ENROLMENT_VALID_MS;
use crate::store::{
    AuditRecord, EmailChange, NameClash, QueuedMail, QueuedReset, ResetRecipient, StaffChange,
    StaffTarget, StoreError,
};
use crate::Services;

/// A line for an access request's history, written with the action.
#[derive(Debug)]
pub(crate) struct RequestStepRecord<'a> {
    pub request_id: i64,
    pub action: &'a str,
    pub detail: &'a str,
}

pub async fn perform(
    services: &Services,
    by: &SupportUser,
    account_id: i64,
    action: &SupportAction,
) -> Result<(), SupportError> {
    perform_for_request(services, by, account_id, action, None).await
}

/// [`perform`], recording `step` on its access request in the same
/// transaction: the request's history never lacks an action that was
/// taken, nor claims one that was not.
pub(crate) async fn perform_for_request(
    services: &Services,
    by: &SupportUser,
    account_id: i64,
    action: &SupportAction,
    step: Option<RequestStepRecord<'_>>,
) -> Result<(), SupportError> {
    if account_id == by.account_id {
        return Err(SupportError::OwnAccount);
    }
    let prepared = prepare(services, action).await?;
    let now = services.clock.now();
    let (mut change, target) = services
        .store
        .begin_staff_change(by.account_id, account_id, now)
        .await
        .map_err(|error| unavailable(action, error))?
        .ok_or(SupportError::NotFound)?;
    let target_type = AccountType::parse(&target.account_type).ok_or_else(|| {
        unavailable(
            action,
            format!("unknown account type {:?}", target.account_type),
        )
    })?;
    match (target_type.is_support(), action) {
        // Staff restore each other's access, but a support account's
        // email and passkeys are its owner's: changing them from the
        // console would be a way to take a colleague's account over.
        (true, SupportAction::ChangeEmail { .. } | SupportAction::RemovePasskey { .. }) => {
            return Err(SupportError::SupportAccount)
        }
        (false, SupportAction::ResetSecondFactor) => return Err(SupportError::NotSupportAccount),
        (true, SupportAction::Disable) => {
            let others = change
                .other_enabled_support_accounts()
                .await
                .map_err(|error| unavailable(action, error))?;
            if others == 0 {
                return Err(SupportError::LastSupportUser);
            }
        }
        _ => {}
    }
    // Decided on the row this transaction holds: a colleague's action a
    // moment ago is seen, and nothing is done that does not apply.
    let status = AccountStatus::parse(&target.status).ok_or_else(|| {
        unavailable(
            action,
            format!("unknown account status {:?}", target.status),
        )
    })?;
    let state = AccountState::at(status, target.throttled_until, target.locked_at, now);
    if let Some(refused) = refusal_for(action, state) {
        return Err(refused);
    }
    let told = Told {
        account_id,
        at: now,
    };
    let audit = match prepared {
        Prepared::SendReset { password, hash } => {
            let reset = QueuedReset {
                now,
                password_hash: &hash,
                password: &password,
                expires_at: now + services.reset_policy.valid_ms,
                subject: RESET_SUBJECT,
            };
            send_reset(&mut change, &target, &reset).await
        }
        Prepared::ChangeEmail { email, reason } => {
            match change_email(&mut change, &target, &email, reason.as_deref(), &told).await {
                Ok(Ok(audit)) => Ok(audit),
                Ok(Err(refused)) => return Err(refused),
                Err(error) => Err(error),
            }
        }
        Prepared::Unlock => unlock(&mut change, &target, &told).await,
        Prepared::ResetSecondFactor => reset_second_factor(&mut change, &target, &told).await,
        Prepared::RemovePasskey(passkey) => {
            match remove_passkey(&mut change, &target, passkey, &told).await {
                Ok(Some(audit)) => Ok(audit),
                Ok(None) => return Err(SupportError::PasskeyGone),
                Err(error) => Err(error),
            }
        }
        Prepared::SetStatus(status) => set_status(&mut change, &target, status, &told).await,
    }
    .map_err(|error| unavailable(action, error))?;
    if let Some(step) = step {
        let recorded = change
            .record_request_step(step.request_id, step.action, step.detail)
            .await
            .map_err(|error| unavailable(action, error))?;
        if !recorded {
            // Dropping the change undoes it.
            return Err(SupportError::NotFound);
        }
    }
    change
        .commit(&AuditRecord {
            action: action.name(),
            before: &audit.before,
            after: &audit.after,
        })
        .await
        .map_err(|error| unavailable(action, error))?;

    tracing::info!(
        actor = by.account_id,
        account_id,
        action = action.name(),
        "support action"
    );
    // Every action queued an email: the reset, or a notice.
    services.outbox_wakeup.notify_one();
    services.events.published();
    metrics::counter!("threshold_support_actions_total", "action" => action.name()).increment(1);
    Ok(())
}

/// An action with what it needs made before the transaction: the email
/// parsed, the reset password hashed (tens of milliseconds, which the
/// account's locked row should not wait for).
enum Prepared {
    SendReset {
        password: String,
        hash: String,
    },
    ChangeEmail {
        email: Email,
        /// Why support is sure of an address that looks like a known one.
        reason: Option<String>,
    },
    Unlock,
    SetStatus(AccountStatus),
    RemovePasskey(i64),
    ResetSecondFactor,
}

async fn prepare(services: &Services, action: &SupportAction) -> Result<Prepared, SupportError> {
    Ok(match action {
        SupportAction::SendReset => {
            let hashed = async {
                let slot = services.hasher.admit()?;
                new_reset_password(services, slot).await
            };
            let (password, hash) = hashed.await.map_err(|error| match error.busy_seconds() {
                Some(retry_after_seconds) => SupportError::Busy {
                    retry_after_seconds,
                },
                None => unavailable(action, error),
            })?;
            Prepared::SendReset { password, hash }
        }
        SupportAction::ChangeEmail {
            email,
            look_alike_reason,
        } => {
            let email = Email::parse(email).map_err(|error| SupportError::InvalidEmail {
                message: error.to_string(),
            })?;
            let reason = look_alike_reason
                .as_deref()
                .map(str::trim)
                .filter(|reason| !reason.is_empty());
            if reason.is_some_and(|reason| reason.chars().count() > MAX_NOTE_CHARS) {
                return Err(SupportError::NoteTooLong {
                    max: MAX_NOTE_CHARS,
                });
            }
            Prepared::ChangeEmail {
                email,
                reason: reason.map(str::to_owned),
            }
        }
        SupportAction::Unlock => Prepared::Unlock,
        SupportAction::Disable => Prepared::SetStatus(AccountStatus::Disabled),
        SupportAction::Enable => Prepared::SetStatus(AccountStatus::Active),
        SupportAction::RemovePasskey { passkey, .. } => Prepared::RemovePasskey(*passkey),
        SupportAction::ResetSecondFactor => Prepared::ResetSecondFactor,
    })
}

/// The audit record's state before and after, as JSON text.
struct Audit {
    before: String,
    after: String,
}

impl Audit {
    fn new(before: serde_json::Value, after: serde_json::Value) -> Self {
        Self {
            before: before.to_string(),
            after: after.to_string(),
        }
    }
}

async fn send_reset(
    change: &mut StaffChange,
    target: &StaffTarget,
    reset: &QueuedReset<'_>,
) -> Result<Audit, StoreError> {
    let recipient = ResetRecipient {
        first_name: target.first_name.clone(),
        username: target.username.clone(),
    };
    let message_id = change.queue_reset(&target.email, &recipient, reset).await?;
    Ok(Audit::new(
        json!({}),
        json!({ "sent_to": target.email, "message_id": message_id,
                "expires_at": reset.expires_at }),
    ))
}

/// The account and time a staff action's notices are about.
struct Told {
    account_id: i64,
    at: Millis,
}

impl Told {
    /// Queues the notice of `kind` to `recipient`, in the action's
    /// transaction: sent if and only if the action commits.
    async fn notice(
        &self,
        change: &mut StaffChange,
        kind: NoticeKind,
        data: NoticeData,
        recipient: &str,
    ) -> Result<(), StoreError> {
        change
            .queue_notice(&data.queued(kind, self.account_id, recipient))
            .await
    }

    /// The notice of `kind` to the account's current address.
    async fn owner(
        &self,
        change: &mut StaffChange,
        target: &StaffTarget,
        kind: NoticeKind,
    ) -> Result<(), StoreError> {
        let data = NoticeData::new(&target.first_name, self.at);
        self.notice(change, kind, data, &target.email).await
    }
}

async fn unlock(
    change: &mut StaffChange,
    target: &StaffTarget,
    told: &Told,
) -> Result<Audit, StoreError> {
    change.clear_failed_logins().await?;
    told.owner(change, target, NoticeKind::UnlockedBySupport)
        .await?;
    Ok(Audit::new(
        json!({
            "failed_logins": target.failed_logins,
            "throttled_until": target.throttled_until,
            "locked_at": target.locked_at,
        }),
        json!({ "failed_logins": 0, "throttled_until": null, "locked_at": null }),
    ))
}

/// A support user's device lost: every second factor is taken away, their
/// sessions end, and a new enrolment link goes to their address. Until
/// they use it, their password opens nothing in the console.
async fn reset_second_factor(
    change: &mut StaffChange,
    target: &StaffTarget,
    told: &Told,
) -> Result<Audit, StoreError> {
    let (passkeys, app) = change.remove_second_factors().await?;
    let link = new_token();
    let expires_at = told.at + ENROLMENT_VALID_MS;
    let mail = AddressMail {
        first_name: target.first_name.clone(),
        at: told.at,
        address: target.email.clone(),
        expires_at: Some(expires_at),
        browser: None,
        client_address: None,
    };
    let kind = AddressMailKind::SupportEnrolment;
    change
        .issue_enrolment(
            &token_hash(&link),
            expires_at,
            &QueuedMail {
                kind: kind.as_str(),
                recipient: &target.email,
                subject: kind.subject(),
                data: mail.to_json(),
                secret: Some(&link),
            },
        )
        .await?;
    Ok(Audit::new(
        json!({ "passkeys": passkeys, "authenticator_app": app }),
        json!({ "passkeys": 0, "authenticator_app": false, "enrolment_link_sent_to": target.email }),
    ))
}

/// A passkey reported lost or stolen: it stops logging in at once. The
/// account's sessions are left alone (the password and other passkeys
/// still work); the owner is told which passkey went. `None` when the
/// account has no such passkey (removed a moment ago).
async fn remove_passkey(
    change: &mut StaffChange,
    target: &StaffTarget,
    passkey: i64,
    told: &Told,
) -> Result<Option<Audit>, StoreError> {
    let Some((name, created_at)) = change.remove_passkey(passkey).await? else {
        return Ok(None);
    };
    let data = NoticeData {
        passkey_name: Some(name.clone()),
        ..NoticeData::new(&target.first_name, told.at)
    };
    told.notice(
        change,
        NoticeKind::PasskeyRemovedBySupport,
        data,
        &target.email,
    )
    .await?;
    Ok(Some(Audit::new(
        json!({ "passkey": passkey, "name": name, "created_at": created_at }),
        json!({ "passkey": null }),
    )))
}

/// The old address goes to the history; a reset still waiting for the old
/// address is withdrawn: it would carry a working password to an address
/// support has just said is wrong. Both addresses are told: the old one,
/// in case the change was not the owner's wish, sees only the first letter
/// of the new one (whoever has taken over an old mailbox should not learn
/// where the account went); the new one, that it is the account's now.
///
/// An address that looks like one the account has had, without being it,
/// is how an account is handed to someone else (a request "from" the
/// owner at a look-alike domain): it needs a second confirmation, with the
/// reason kept in the audit record.
async fn change_email(
    change: &mut StaffChange,
    target: &StaffTarget,
    email: &Email,
    reason: Option<&str>,
    told: &Told,
) -> Result<Result<Audit, SupportError>, StoreError> {
    let earlier = change.earlier_emails().await?;
    let resembled = std::iter::once(&target.email)
        .chain(&earlier)
        .find_map(|known| resemblance(email.as_str(), known).map(|how| (known.clone(), how)));
    if let (Some((known, how)), None) = (&resembled, reason) {
        return Ok(Err(SupportError::LooksLikeKnownAddress {
            new: email.as_str().to_owned(),
            known: known.clone(),
            resembles: match how {
                Resemblance::Address => AddressResemblance::Address,
                Resemblance::Domain => AddressResemblance::Domain,
            },
        }));
    }
    match change
        .change_email(&target.email, email.as_str(), &email.login_name())
        .await?
    {
        EmailChange::Changed => {}
        EmailChange::Taken(NameClash::Same) => return Ok(Err(SupportError::EmailTaken)),
        EmailChange::Taken(NameClash::LookAlike) => return Ok(Err(SupportError::EmailLooksTaken)),
        EmailChange::Same => return Ok(Err(SupportError::SameEmail)),
    }
    change.withdraw_pending_reset().await?;
    let to_old = NoticeData {
        new_email_masked: Some(mask_address(email.as_str())),
        ..NoticeData::new(&target.first_name, told.at)
    };
    told.notice(
        change,
        NoticeKind::EmailChangedBySupport,
        to_old,
        &target.email,
    )
    .await?;
    let to_new = NoticeData::new(&target.first_name, told.at);
    told.notice(
        change,
        NoticeKind::EmailNowThisAddress,
        to_new,
        email.as_str(),
    )
    .await?;
    let after = match resembled {
        Some((known, _)) => json!({
            "email": email.as_str(),
            "looks_like": known,
            "confirmed_because": reason,
        }),
        None => json!({ "email": email.as_str() }),
    };
    Ok(Ok(Audit::new(json!({ "email": target.email }), after)))
}

/// Disabling ends every session at once, and no pending reset lets the
/// person back in. Either way the account's address is told.
async fn set_status(
    change: &mut StaffChange,
    target: &StaffTarget,
    status: AccountStatus,
    told: &Told,
) -> Result<Audit, StoreError> {
    change.set_status(status.as_str()).await?;
    let notice = match status {
        AccountStatus::Disabled => {
            change.end_sessions().await?;
            change.withdraw_pending_reset().await?;
            NoticeKind::DisabledBySupport
        }
        AccountStatus::Active => NoticeKind::EnabledBySupport,
    };
    told.owner(change, target, notice).await?;
    Ok(Audit::new(
        json!({ "status": target.status }),
        json!({ "status": status.as_str() }),
    ))
}

fn unavailable(action: &SupportAction, error: impl std::fmt::Display) -> SupportError {
    tracing::error!("support action {} failed: {error}", action.name());
    SupportError::Unavailable
}
