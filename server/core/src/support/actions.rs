//! What support does to restore access: send a reset, change the email,
//! unlock, disable and enable. Each is one transaction with its audit
//! record and its event (see [`crate::store::Store::apply_staff_change`]).

use super::{SupportAction, SupportError, SupportUser};
use crate::reset::{new_reset_password, RESET_SUBJECT};
use crate::rules::Email;
use crate::store::{QueuedReset, StaffChange, StaffChangeOutcome};
use crate::Services;

pub async fn perform(
    services: &Services,
    by: &SupportUser,
    account_id: i64,
    action: &SupportAction,
) -> Result<(), SupportError> {
    if account_id == by.account_id {
        return Err(SupportError::SupportAccount);
    }
    let now = services.clock.now();
    let reset;
    let email;
    let email_key;
    let change = match action {
        SupportAction::SendReset => {
            reset = new_reset_password(services)
                .await
                .map_err(|error| unavailable(action, error))?;
            StaffChange::SendReset(QueuedReset {
                now,
                password_hash: &reset.1,
                password: &reset.0,
                expires_at: now + services.reset_policy.valid_ms,
                subject: RESET_SUBJECT,
            })
        }
        SupportAction::ChangeEmail { email: typed } => {
            email = Email::parse(typed).map_err(|error| SupportError::InvalidEmail {
                message: error.to_string(),
            })?;
            email_key = email.key();
            StaffChange::ChangeEmail {
                email: email.as_str(),
                email_key: &email_key,
            }
        }
        SupportAction::Unlock => StaffChange::Unlock,
        SupportAction::Disable => StaffChange::Disable,
        SupportAction::Enable => StaffChange::Enable,
    };
    let outcome = services
        .store
        .apply_staff_change(by.account_id, account_id, &change, now)
        .await
        .map_err(|error| unavailable(action, error))?;
    match outcome {
        StaffChangeOutcome::Done => {
            tracing::info!(
                actor = by.account_id,
                account_id,
                action = action.name(),
                "support action"
            );
            if matches!(action, SupportAction::SendReset) {
                services.outbox_wakeup.notify_one();
            }
            services.events.published();
            metrics::counter!("threshold_support_actions_total", "action" => action.name())
                .increment(1);
            Ok(())
        }
        StaffChangeOutcome::NotFound => Err(SupportError::NotFound),
        StaffChangeOutcome::SupportAccount => Err(SupportError::SupportAccount),
        StaffChangeOutcome::EmailTaken => Err(SupportError::EmailTaken),
        StaffChangeOutcome::SameEmail => Err(SupportError::SameEmail),
        StaffChangeOutcome::AccountDisabled => Err(SupportError::AccountDisabled),
    }
}

fn unavailable(action: &SupportAction, error: impl std::fmt::Display) -> SupportError {
    tracing::error!("support action {} failed: {error}", action.name());
    SupportError::Unavailable
}
