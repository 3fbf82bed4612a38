//! Support staff managing each other (SPEC.md §1: support users are
//! created "by the server's command line or by another support user").
//!
//! A support user made here gets two emails: a reset (their username and
//! a one-use password, which they replace at first login, as after
//! Forgotten password) and their enrolment link. Nobody, the creator
//! included, ever sees a password of theirs. The creation is audited on
//! the new account, as are the reset and the enrolment that follow it.

use super::{perform, SupportAction, SupportError, SupportUser};
use crate::accounts::{create_support_user, RegistrationError, RegistrationForm};
use crate::auth::sessions::new_token;
use crate::store::AuditRecord;
use crate::Services;

use super::{NewStaff, NewStaffForm};

pub async fn create_staff(
    services: &Services,
    by: &SupportUser,
    form: &NewStaffForm,
) -> Result<NewStaff, SupportError> {
    let registration = RegistrationForm {
        first_name: form.first_name.clone(),
        surname: form.surname.clone(),
        email: form.email.clone(),
        username: form.username.clone(),
        // Random and never shown: the reset that follows is how they log in.
        password: new_token(),
        ..RegistrationForm::default()
    };
    let created =
        create_support_user(services, &registration)
            .await
            .map_err(|error| match error {
                RegistrationError::Invalid(problems) => SupportError::InvalidStaff {
                    message: problems
                        .iter()
                        .map(|problem| problem.message.clone())
                        .collect::<Vec<_>>()
                        .join(" "),
                },
                RegistrationError::Busy {
                    retry_after_seconds,
                } => SupportError::Busy {
                    retry_after_seconds,
                },
                RegistrationError::Unavailable => SupportError::Unavailable,
                other => SupportError::InvalidStaff {
                    message: other.to_string(),
                },
            })?;
    let now = services.clock.now();
    let (change, _) = services
        .store
        .begin_staff_change(by.account_id, created.account_id, now)
        .await
        .map_err(unavailable)?
        .ok_or(SupportError::NotFound)?;
    let after = serde_json::json!({ "username": created.username, "email": form.email.trim() });
    change
        .commit(&AuditRecord {
            action: "create_support_user",
            before: "{}",
            after: &after.to_string(),
        })
        .await
        .map_err(unavailable)?;
    perform(services, by, created.account_id, &SupportAction::SendReset).await?;
    perform(
        services,
        by,
        created.account_id,
        &SupportAction::ResetSecondFactor,
    )
    .await?;
    tracing::info!(
        actor = by.account_id,
        account_id = created.account_id,
        "support user created"
    );
    Ok(NewStaff {
        account_id: created.account_id,
        username: created.username,
    })
}

fn unavailable(error: impl std::fmt::Display) -> SupportError {
    tracing::error!("creating a support user failed: {error}");
    SupportError::Unavailable
}
