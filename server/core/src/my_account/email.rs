//! Changing the email address, and confirming an address: a new address
//! takes effect only when the link sent to it is followed, within
//! [`CONFIRMATION_VALID_MS`]; the address given at registration is
//! confirmed the same way (the account works meanwhile).

use super::owner::{owner, unavailable, Owner};
use super::password::verify_current_password;
use super::{
    describe_browser, ChangeEmailForm, ConfirmEmailError, ConfirmationSent, EmailConfirmed,
    MyAccountError,
};
use crate::auth::sessions::{new_token, token_hash};
use crate::clock::Millis;
use crate::events::record;
use crate::mail::address_mail::{AddressMail, AddressMailKind};
use crate::rules::Email;
use crate::store::{Confirmation, NewConfirmation, QueuedMail, QueuedMailOwned};
use crate::Services;

/// How long a confirmation link works: 24 hours.
pub const CONFIRMATION_VALID_MS: Millis = 24 * 60 * 60_000;

/// Asks to change the account's email to `form.new_email`: after the
/// current password, a link goes to the new address, and (when the
/// current address was itself confirmed) a notice with a cancel link to
/// the current one. Nothing changes until the link is followed.
///
/// An unconfirmed current address gets no notice: it may be a typo, that
/// is someone else's mailbox, and "Not right? Change it" exists for that.
pub async fn request_email_change(
    services: &Services,
    token: &str,
    form: &ChangeEmailForm,
) -> Result<ConfirmationSent, MyAccountError> {
    let owner = owner(services, token).await?;
    let email =
        Email::parse(form.new_email.trim()).map_err(|error| MyAccountError::InvalidEmail {
            message: error.to_string(),
        })?;
    if email.key()
        == Email::parse(&owner.user.email)
            .map(|e| e.key())
            .unwrap_or_default()
    {
        return Err(MyAccountError::SameEmail);
    }
    verify_current_password(services, &owner, &form.current_password).await?;
    take_confirmation_token(services, &owner).await?;
    let confirmed = owner.user.email_confirmed;
    let sent = open(services, &owner, email.as_str(), "change", confirmed).await?;
    record(
        services,
        "email_change_requested",
        Some(owner.user.account_id),
        &serde_json::json!({ "to": email.as_str(), "old_address_told": confirmed }),
    )
    .await;
    Ok(sent)
}

/// Sends the link that confirms the current address again (the first was
/// in the welcome email).
pub async fn send_confirmation_again(
    services: &Services,
    token: &str,
) -> Result<ConfirmationSent, MyAccountError> {
    let owner = owner(services, token).await?;
    if owner.user.email_confirmed {
        return Err(MyAccountError::AlreadyConfirmed);
    }
    take_confirmation_token(services, &owner).await?;
    let address = owner.user.email.clone();
    open(services, &owner, &address, "registration", false).await
}

/// Cancels the change waiting for confirmation, from My account.
pub async fn cancel_own_email_change(
    services: &Services,
    token: &str,
) -> Result<(), MyAccountError> {
    let owner = owner(services, token).await?;
    services
        .store
        .cancel_own_email_change(owner.user.account_id, services.clock.now())
        .await
        .map_err(|error| unavailable("cancelling a change", error))?;
    Ok(())
}

/// Follows a confirmation link (no login needed: the link proves the
/// address).
pub async fn confirm_email(
    services: &Services,
    link_token: &str,
) -> Result<EmailConfirmed, ConfirmEmailError> {
    let now = services.clock.now();
    let outcome = services
        .store
        .confirm_email(&token_hash(link_token.trim()), now, |account, open| {
            // The old address hears of the change only if it was confirmed
            // (an unconfirmed one may be a stranger's mailbox).
            account.email_confirmed_at.map(|_| {
                let mail = AddressMail {
                    first_name: account.first_name.clone(),
                    at: now,
                    address: AddressMail::masked(&open.email),
                    expires_at: None,
                    browser: None,
                    client_address: None,
                };
                QueuedMailOwned {
                    kind: AddressMailKind::Changed.as_str(),
                    recipient: account.email.clone(),
                    subject: AddressMailKind::Changed.subject(),
                    data: mail.to_json(),
                }
            })
        })
        .await
        .map_err(|error| {
            tracing::error!("confirming an email failed: {error}");
            ConfirmEmailError::Unavailable
        })?;
    match outcome {
        Confirmation::Confirmed { email, purpose } => {
            let changed = purpose == "change";
            services.outbox_wakeup.notify_one();
            Ok(EmailConfirmed {
                address: email,
                changed,
            })
        }
        Confirmation::NotOpen => Err(ConfirmEmailError::NotOpen),
        Confirmation::Taken(_) => Err(ConfirmEmailError::Taken),
    }
}

/// Follows the cancel link the old address was sent.
pub async fn cancel_email_change(
    services: &Services,
    cancel_token: &str,
) -> Result<(), ConfirmEmailError> {
    let cancelled = services
        .store
        .cancel_email_change(&token_hash(cancel_token.trim()), services.clock.now())
        .await
        .map_err(|error| {
            tracing::error!("cancelling an email change failed: {error}");
            ConfirmEmailError::Unavailable
        })?;
    match cancelled {
        Some(account_id) => {
            record(
                services,
                "email_change_cancelled",
                Some(account_id),
                &serde_json::json!({}),
            )
            .await;
            Ok(())
        }
        None => Err(ConfirmEmailError::NotOpen),
    }
}

/// One confirmation email from the account's allowance.
async fn take_confirmation_token(services: &Services, owner: &Owner) -> Result<(), MyAccountError> {
    let key = format!("confirmation:{}", owner.user.account_id);
    match services
        .confirmation_rate
        .take(services, &key)
        .await
        .map_err(|error| unavailable("taking a rate-limit token", error))?
    {
        Some(retry_after_seconds) => Err(MyAccountError::TooManyEmails {
            retry_after_seconds,
        }),
        None => Ok(()),
    }
}

/// Opens the confirmation of `address` and queues its emails.
async fn open(
    services: &Services,
    owner: &Owner,
    address: &str,
    purpose: &'static str,
    tell_current_address: bool,
) -> Result<ConfirmationSent, MyAccountError> {
    let now = services.clock.now();
    let expires_at = now + CONFIRMATION_VALID_MS;
    let link_token = new_token();
    let link_hash = token_hash(&link_token);
    let cancel_token = tell_current_address.then(new_token);
    let cancel_hash = cancel_token.as_deref().map(token_hash);
    let details = |shown_address: String| AddressMail {
        first_name: owner.user.first_name.clone(),
        at: now,
        address: shown_address,
        expires_at: Some(expires_at),
        browser: owner.origin.user_agent.as_deref().map(describe_browser),
        client_address: owner.origin.client_address.clone(),
    };
    let kind = if purpose == "change" {
        AddressMailKind::ConfirmNew
    } else {
        AddressMailKind::ConfirmCurrent
    };
    let confirmation = QueuedMail {
        kind: kind.as_str(),
        recipient: address,
        subject: kind.subject(),
        data: details(address.to_owned()).to_json(),
        secret: Some(&link_token),
    };
    let notice = cancel_token.as_deref().map(|cancel| QueuedMail {
        kind: AddressMailKind::ChangeRequested.as_str(),
        recipient: &owner.user.email,
        subject: AddressMailKind::ChangeRequested.subject(),
        data: details(AddressMail::masked(address)).to_json(),
        secret: Some(cancel),
    });
    services
        .store
        .open_email_confirmation(&NewConfirmation {
            account_id: owner.user.account_id,
            email: address,
            purpose,
            token_hash: &link_hash,
            cancel_token_hash: cancel_hash.as_deref(),
            now,
            expires_at,
            confirmation,
            notice,
        })
        .await
        .map_err(|error| unavailable("opening a confirmation", error))?;
    services.outbox_wakeup.notify_one();
    Ok(ConfirmationSent {
        address: address.to_owned(),
    })
}
