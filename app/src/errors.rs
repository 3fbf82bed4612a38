//! The one place where what went wrong becomes what a person reads, and
//! the HTTP status it is answered with.
//!
//! Server functions return [`ServiceError`]: the domain's own typed error,
//! or a failure of the call itself (network, server down, a body the server
//! refused). A domain error becomes a `ServiceError` only through
//! [`refuse`] (which `?` calls, through `From`): it sets the response's
//! status from the error's kind. Components never format errors
//! themselves; they ask the `*_messages` functions here.

use std::fmt;

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};
use threshold_core::{
    access::{ContactError, ContactField},
    accounts::{RegistrationError, RegistrationField},
    auth::{LoginError, LoginField},
    my_account::{MyAccountError, MyAccountField},
    passwords::VerdictError,
    refusal::Refusal,
    reset::{ChoosePasswordError, ResetError},
};

/// What a server function can answer instead of its result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ServiceError<E> {
    /// The request was understood and refused: the domain says why.
    Domain(E),
    /// The call itself failed; the detail is for logs, not for people.
    Call(String),
}

impl<E: Refusal> From<E> for ServiceError<E> {
    /// What `?` on a domain error does in a server function.
    fn from(error: E) -> Self {
        refuse(error)
    }
}

/// Answers a request with a domain refusal: the response's status says
/// what kind of refusal it is (see [`status_of`]), the body carries the
/// typed error for the browser to put into words. On the browser side (a
/// refusal made up locally) there is no response to mark.
pub fn refuse<E: Refusal>(error: E) -> ServiceError<E> {
    mark_response(error.kind());
    if let Some(seconds) = error.retry_after_seconds() {
        mark_retry_after(seconds);
    }
    ServiceError::Domain(error)
}

/// Tells clients (and proxies, and scripts) when a refusal that is a wait
/// ends, beside the words that say it.
fn mark_retry_after(seconds: u64) {
    #[cfg(feature = "ssr")]
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from(seconds.max(1)),
        );
    }
    #[cfg(not(feature = "ssr"))]
    let _ = seconds;
}

/// Gives the response being made (a server function's answer, or a page
/// rendered on the server that shows a refusal) the status of `kind`.
/// Nothing to do in the browser.
pub fn mark_response(kind: threshold_core::refusal::RefusalKind) {
    #[cfg(feature = "ssr")]
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(status_of(kind));
    }
    #[cfg(not(feature = "ssr"))]
    let _ = kind;
}

/// The HTTP status of each kind of refusal. A refusal the person can act
/// on is 422 (the request was well-formed, its content refused), never the
/// 500 server functions answer by default: a monitor counting 5xx sees
/// only what the service itself failed at.
#[cfg(feature = "ssr")]
pub fn status_of(kind: threshold_core::refusal::RefusalKind) -> axum::http::StatusCode {
    use axum::http::StatusCode;
    use threshold_core::refusal::RefusalKind;
    match kind {
        RefusalKind::Refused => StatusCode::UNPROCESSABLE_ENTITY,
        RefusalKind::NotLoggedIn => StatusCode::UNAUTHORIZED,
        RefusalKind::Forbidden => StatusCode::FORBIDDEN,
        RefusalKind::NotFound => StatusCode::NOT_FOUND,
        RefusalKind::Unavailable | RefusalKind::Busy => StatusCode::SERVICE_UNAVAILABLE,
        RefusalKind::Limited => StatusCode::TOO_MANY_REQUESTS,
    }
}

impl<E: fmt::Display> fmt::Display for ServiceError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceError::Domain(error) => error.fmt(f),
            ServiceError::Call(_) => f.write_str(CALL_FAILED),
        }
    }
}

impl<E> FromServerFnError for ServiceError<E>
where
    E: fmt::Debug + Serialize + for<'de> Deserialize<'de> + 'static,
{
    type Encoder = JsonEncoding;

    /// The call itself failed. What went wrong is logged on the server and
    /// never sent: the wire carries only whether the request could not be
    /// read (answered 400) or something else failed.
    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        let unreadable = matches!(
            error,
            ServerFnErrorErr::Args(_)
                | ServerFnErrorErr::MissingArg(_)
                | ServerFnErrorErr::Deserialization(_)
        );
        #[cfg(feature = "ssr")]
        {
            tracing::warn!(
                "a server function call failed: {}",
                crate::call_failure::without_request_values(&error.to_string())
            );
            if unreadable {
                if let Some(response) =
                    leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
                {
                    response.set_status(axum::http::StatusCode::BAD_REQUEST);
                }
            }
        }
        ServiceError::Call(if unreadable { UNREADABLE } else { FAILED }.to_owned())
    }
}

/// The codes [`ServiceError::Call`] carries.
const UNREADABLE: &str = "unreadable request";
const FAILED: &str = "call failed";

const CALL_FAILED: &str = "We could not reach Threshold. Check your connection, then try again.";

/// A message shown next to a field, optionally offering the reset dialog
/// for an email address ("Forgotten your login?").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldMessage {
    pub text: String,
    pub offer_reset_for: Option<String>,
}

impl FieldMessage {
    fn plain(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            offer_reset_for: None,
        }
    }
}

/// A registration's refusal, laid out for the form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegistrationMessages {
    pub fields: Vec<(RegistrationField, FieldMessage)>,
    /// Above the button: the duplicate-person warning or a general failure.
    pub form: Option<FieldMessage>,
    /// The duplicate warning needs the person to confirm before retrying.
    pub needs_duplicate_confirmation: bool,
}

impl RegistrationMessages {
    pub fn for_field(&self, field: RegistrationField) -> Vec<FieldMessage> {
        self.fields
            .iter()
            .filter(|(f, _)| *f == field)
            .map(|(_, message)| message.clone())
            .collect()
    }
}

pub fn registration_messages(error: &ServiceError<RegistrationError>) -> RegistrationMessages {
    let error = match error {
        ServiceError::Domain(error) => error,
        ServiceError::Call(_) => {
            return RegistrationMessages {
                form: Some(FieldMessage::plain(CALL_FAILED)),
                ..Default::default()
            }
        }
    };
    match error {
        RegistrationError::Invalid(problems) => RegistrationMessages {
            fields: problems
                .iter()
                .map(|problem| (problem.field, FieldMessage::plain(&problem.message)))
                .collect(),
            ..Default::default()
        },
        RegistrationError::EmailTaken { email } => RegistrationMessages {
            fields: vec![(
                RegistrationField::Email,
                FieldMessage {
                    text: "There is already an account with this email address".into(),
                    offer_reset_for: Some(email.clone()),
                },
            )],
            ..Default::default()
        },
        RegistrationError::EmailLooksTaken { email } => RegistrationMessages {
            fields: vec![(
                RegistrationField::Email,
                FieldMessage {
                    text: "This email address looks the same as one an account already uses. \
                           Letters from another alphabet can look identical. Check it is \
                           typed correctly"
                        .into(),
                    offer_reset_for: Some(email.clone()),
                },
            )],
            ..Default::default()
        },
        RegistrationError::UsernameLooksTaken { .. } => RegistrationMessages {
            fields: vec![(
                RegistrationField::Username,
                FieldMessage::plain(
                    "This username looks the same as one already in use. Letters from \
                     another alphabet can look identical. Choose another username, or leave \
                     it blank and we will make one for you",
                ),
            )],
            ..Default::default()
        },
        RegistrationError::UsernameTaken { email, .. } => RegistrationMessages {
            fields: vec![(
                RegistrationField::Username,
                FieldMessage {
                    text: "This username is taken. Choose another username, or leave it blank \
                           and we will make one for you"
                        .into(),
                    offer_reset_for: Some(email.clone()),
                },
            )],
            ..Default::default()
        },
        RegistrationError::PossibleDuplicate { number, email } => RegistrationMessages {
            form: Some(FieldMessage {
                text: format!(
                    "There is already an account with this {} number. If it is yours, get \
                     a new password instead of registering again. If it is not, tick the \
                     box to say so",
                    number.kind
                ),
                offer_reset_for: Some(email.clone()),
            }),
            needs_duplicate_confirmation: true,
            ..Default::default()
        },
        RegistrationError::RateLimited { .. }
        | RegistrationError::TooManyForName { .. }
        | RegistrationError::Busy { .. }
        | RegistrationError::Unavailable => RegistrationMessages {
            form: Some(FieldMessage::plain(error.to_string())),
            ..Default::default()
        },
    }
}

/// A login's refusal, laid out for the dialog.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoginMessages {
    pub identifier: Option<String>,
    pub password: Option<String>,
    /// About the form as a whole: wrong credentials, throttling, a failed
    /// call.
    pub form: Option<String>,
    /// Throttled or limited: how long to wait, for the live countdown
    /// ([`login_wait_message`]).
    pub wait: Option<LoginWait>,
    /// The name is waiting out its failures, or locked: a new password by
    /// email is the way in that needs no waiting, offered at once.
    pub offer_reset: bool,
}

/// A refusal that says how long to wait: counted down in the dialog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginWait {
    pub seconds: u64,
    /// Failures for this name (offer a new password), not this network.
    pub for_this_name: bool,
}

/// The waiting message with `left` seconds to go; once they are gone,
/// that the person can try again.
pub fn login_wait_message(wait: LoginWait, left: u64) -> String {
    if left == 0 {
        return "You can try again now.".to_owned();
    }
    let error = if wait.for_this_name {
        LoginError::Throttled {
            retry_after_seconds: left,
        }
    } else {
        LoginError::RateLimited {
            retry_after_seconds: left,
        }
    };
    error.to_string()
}

pub fn login_messages(error: &ServiceError<LoginError>) -> LoginMessages {
    match error {
        ServiceError::Domain(LoginError::Missing { fields }) => {
            let message = |field: LoginField| {
                fields
                    .contains(&field)
                    .then(|| field.when_missing().to_owned())
            };
            LoginMessages {
                identifier: message(LoginField::Identifier),
                password: message(LoginField::Password),
                ..Default::default()
            }
        }
        ServiceError::Domain(
            error @ (LoginError::Throttled {
                retry_after_seconds,
            }
            | LoginError::RateLimited {
                retry_after_seconds,
            }),
        ) => LoginMessages {
            form: Some(error.to_string()),
            wait: Some(LoginWait {
                seconds: *retry_after_seconds,
                for_this_name: matches!(error, LoginError::Throttled { .. }),
            }),
            offer_reset: matches!(error, LoginError::Throttled { .. }),
            ..Default::default()
        },
        ServiceError::Domain(LoginError::Locked) => LoginMessages {
            form: Some(LoginError::Locked.to_string()),
            offer_reset: true,
            ..Default::default()
        },
        other => LoginMessages {
            form: Some(other.to_string()),
            ..Default::default()
        },
    }
}

/// A reset request's refusal: a bad address next to the field, limits and
/// failures above the button.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResetMessages {
    pub email: Option<String>,
    pub form: Option<String>,
}

pub fn reset_messages(error: &ServiceError<ResetError>) -> ResetMessages {
    match error {
        ServiceError::Domain(ResetError::InvalidEmail { message }) => ResetMessages {
            email: Some(message.clone()),
            form: None,
        },
        other => ResetMessages {
            email: None,
            form: Some(other.to_string()),
        },
    }
}

/// A new password's refusal: each broken rule next to the field; an ended
/// session or a failure above the button.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChoosePasswordMessages {
    pub password: Vec<String>,
    pub form: Option<String>,
}

pub fn choose_password_messages(
    error: &ServiceError<ChoosePasswordError>,
) -> ChoosePasswordMessages {
    match error {
        ServiceError::Domain(ChoosePasswordError::Invalid { problems }) => ChoosePasswordMessages {
            password: problems.iter().map(ToString::to_string).collect(),
            form: None,
        },
        other => ChoosePasswordMessages {
            password: Vec::new(),
            form: Some(other.to_string()),
        },
    }
}

/// A "My account" refusal: the current password's problem next to it, the
/// new password's broken rules next to it, anything else above the button.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MyAccountMessages {
    pub current_password: Option<String>,
    pub new_password: Vec<String>,
    pub form: Option<String>,
}

pub fn my_account_messages(error: &ServiceError<MyAccountError>) -> MyAccountMessages {
    match error {
        ServiceError::Domain(MyAccountError::Invalid { problems }) => MyAccountMessages {
            new_password: problems.iter().map(ToString::to_string).collect(),
            ..MyAccountMessages::default()
        },
        ServiceError::Domain(error) if error.fields() == [MyAccountField::CurrentPassword] => {
            MyAccountMessages {
                current_password: Some(error.to_string()),
                ..MyAccountMessages::default()
            }
        }
        ServiceError::Domain(error) if error.fields() == [MyAccountField::NewPassword] => {
            MyAccountMessages {
                new_password: vec![error.to_string()],
                ..MyAccountMessages::default()
            }
        }
        other => MyAccountMessages {
            form: Some(other.to_string()),
            ..MyAccountMessages::default()
        },
    }
}

/// A "Change email address" refusal: the address's problem next to it,
/// the password's next to it, anything else above the button.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EmailMessages {
    pub new_email: Option<String>,
    pub current_password: Option<String>,
    pub form: Option<String>,
}

pub fn email_messages(error: &ServiceError<MyAccountError>) -> EmailMessages {
    match error {
        ServiceError::Domain(error) if error.fields() == [MyAccountField::NewEmail] => {
            EmailMessages {
                new_email: Some(error.to_string()),
                ..EmailMessages::default()
            }
        }
        ServiceError::Domain(error) if error.fields() == [MyAccountField::CurrentPassword] => {
            EmailMessages {
                current_password: Some(error.to_string()),
                ..EmailMessages::default()
            }
        }
        other => EmailMessages {
            form: Some(other.to_string()),
            ..EmailMessages::default()
        },
    }
}

/// Why a password dialog has no live verdict: one line under its rules.
/// Never an obstacle: the form is checked when it is sent.
pub fn verdict_message(error: &ServiceError<VerdictError>) -> String {
    match error {
        ServiceError::Domain(error) => error.to_string(),
        ServiceError::Call(_) => VerdictError::Unavailable.to_string(),
    }
}

/// A "Contact support" refusal: each problem next to its field, anything
/// else above the button.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContactMessages {
    pub fields: Vec<(ContactField, String)>,
    pub form: Option<String>,
}

impl ContactMessages {
    pub fn for_field(&self, field: ContactField) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(f, _)| *f == field)
            .map(|(_, text)| text.clone())
            .collect()
    }
}

pub fn contact_messages(error: &ServiceError<ContactError>) -> ContactMessages {
    match error {
        ServiceError::Domain(ContactError::Invalid { problems }) => ContactMessages {
            fields: problems
                .iter()
                .map(|problem| (problem.field, problem.message.clone()))
                .collect(),
            // The error summary lists them; nothing to add about the form.
            form: None,
        },
        other => ContactMessages {
            fields: Vec::new(),
            form: Some(other.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use threshold_core::rules::RegistrationNumber;

    #[test]
    fn a_taken_email_offers_the_reset_for_that_email_next_to_the_email_field() {
        let messages =
            registration_messages(&ServiceError::Domain(RegistrationError::EmailTaken {
                email: "Ada@Example.org".into(),
            }));
        let email = messages.for_field(RegistrationField::Email);
        assert_eq!(email.len(), 1);
        assert!(email[0]
            .text
            .starts_with("There is already an account with this email address"));
        assert_eq!(email[0].offer_reset_for.as_deref(), Some("Ada@Example.org"));
        assert!(messages.form.is_none());
    }

    #[test]
    fn the_duplicate_warning_names_the_kind_and_asks_for_confirmation() {
        let number = RegistrationNumber::parse("GMC", "7123456").unwrap();
        let messages = registration_messages(&ServiceError::Domain(
            RegistrationError::PossibleDuplicate {
                number,
                email: "ada@example.org".into(),
            },
        ));
        assert!(messages.needs_duplicate_confirmation);
        let form = messages.form.unwrap();
        assert!(form
            .text
            .starts_with("There is already an account with this GMC number"));
        assert_eq!(form.offer_reset_for.as_deref(), Some("ada@example.org"));
    }

    #[test]
    fn login_refusals_go_above_the_button_and_blanks_next_to_their_field() {
        let incorrect = login_messages(&ServiceError::Domain(LoginError::Incorrect));
        assert_eq!(
            incorrect.form.as_deref(),
            Some("Your username/email or password is incorrect.")
        );
        let blank = login_messages(&ServiceError::Domain(LoginError::Missing {
            fields: vec![LoginField::Password],
        }));
        assert_eq!(blank.password.as_deref(), Some("Enter your password"));
        assert!(blank.identifier.is_none() && blank.form.is_none());
        let both = login_messages(&ServiceError::Domain(LoginError::Missing {
            fields: vec![LoginField::Identifier, LoginField::Password],
        }));
        assert_eq!(
            both.identifier.as_deref(),
            Some("Enter your username or email address")
        );
        assert_eq!(both.password.as_deref(), Some("Enter your password"));
    }

    #[test]
    fn a_throttled_or_locked_name_is_offered_a_new_password_and_a_busy_network_is_not() {
        let offered = |error| login_messages(&ServiceError::Domain(error)).offer_reset;
        assert!(offered(LoginError::Throttled {
            retry_after_seconds: 30
        }));
        assert!(offered(LoginError::Locked));
        assert!(!offered(LoginError::RateLimited {
            retry_after_seconds: 30
        }));
        assert!(!offered(LoginError::Incorrect));
    }

    #[test]
    fn a_bad_reset_address_goes_next_to_the_field_and_limits_above_the_button() {
        let bad = reset_messages(&ServiceError::Domain(ResetError::InvalidEmail {
            message: "An email address needs an @, like name@example.com".into(),
        }));
        assert!(bad.email.is_some() && bad.form.is_none());
        let limited = reset_messages(&ServiceError::Domain(ResetError::TooManyForAddress {
            retry_after_seconds: 1200,
        }));
        assert!(limited
            .form
            .unwrap()
            .ends_with("You can ask again in 20 minutes."));
    }

    #[test]
    fn each_broken_password_rule_is_its_own_message() {
        let messages =
            choose_password_messages(&ServiceError::Domain(ChoosePasswordError::Invalid {
                problems: vec![
                    threshold_core::rules::PasswordProblem::TooShort { min: 15 },
                    threshold_core::rules::PasswordProblem::Breached,
                ],
            }));
        assert_eq!(messages.password.len(), 2);
        assert_eq!(messages.password[0], "Use at least 15 characters");
        assert!(messages.password[1].contains("exposed in data breaches"));
    }

    #[test]
    fn a_failed_call_shows_no_internal_detail() {
        let messages = registration_messages(&ServiceError::Call(
            "error sending request: connection refused (os error 111)".into(),
        ));
        let text = messages.form.unwrap().text;
        assert!(!text.contains("os error"), "{text}");
        assert_eq!(text, CALL_FAILED);
    }
}

/// Every refusal a server function can answer with, variant by variant:
/// its status, and words for a person wherever the refusal says it belongs.
#[cfg(all(test, feature = "ssr"))]
mod every_refusal {
    use axum::http::StatusCode;
    use threshold_core::{
        access::ContactProblem,
        accounts::FieldProblem,
        reset::{ChoosePasswordField, ResetField},
        rules::{PasswordProblem, RegistrationNumber},
        support::SupportError,
    };

    use super::*;
    use crate::dev_mailbox::MailboxError;
    use crate::help::HelpMissing;
    use threshold_core::refusal::BUSY_WORDS;

    /// Fails to compile when a variant is added and not listed below.
    macro_rules! listed {
        ($error:ty: $($variant:pat),+ $(,)?) => {{
            fn listed(error: &$error) {
                match error {
                    $($variant => {})+
                }
            }
            listed
        }};
    }

    fn status<E: Refusal>(error: &E) -> StatusCode {
        status_of(error.kind())
    }

    /// Words a person can read: a sentence, no code, no internals.
    fn assert_words(text: &str) {
        assert!(
            text.chars().count() >= 10,
            "too short for a person: {text:?}"
        );
        for internal in [
            "Domain",
            "Unavailable",
            "Error",
            "sqlx",
            "panicked",
            "{",
            "::",
        ] {
            assert!(!text.contains(internal), "{internal:?} in {text:?}");
        }
    }

    /// A public form's refusal: to correct (422), to wait out (429, with
    /// the wait for `Retry-After`), or the service's (503).
    fn unprocessable_or_unavailable<E: Refusal>(error: &E) -> StatusCode {
        let status = status(error);
        assert!(
            [
                StatusCode::UNPROCESSABLE_ENTITY,
                StatusCode::TOO_MANY_REQUESTS,
                StatusCode::SERVICE_UNAVAILABLE
            ]
            .contains(&status),
            "{error:?}: {status}"
        );
        if status == StatusCode::TOO_MANY_REQUESTS {
            assert!(error.retry_after_seconds().is_some(), "{error:?}: no wait");
        }
        status
    }

    /// A shed request: 503 with the wait for `Retry-After`, and the same
    /// words in every dialog, above the button.
    fn assert_busy<E: Refusal>(error: &E, form_level: Option<&str>) {
        assert_eq!(status(error), StatusCode::SERVICE_UNAVAILABLE, "{error:?}");
        assert_eq!(error.retry_after_seconds(), Some(3), "{error:?}");
        assert!(error.fields().is_empty(), "{error:?}");
        assert_eq!(form_level, Some(BUSY_WORDS), "{error:?}");
    }

    #[test]
    fn every_login_refusal_has_its_status_and_words_where_it_belongs() {
        let check = listed!(LoginError: LoginError::Missing { .. }, LoginError::Incorrect,
            LoginError::Throttled { .. }, LoginError::Locked, LoginError::RateLimited { .. },
            LoginError::Busy { .. }, LoginError::Unavailable, LoginError::PasskeyExpired,
            LoginError::PasskeyNotAccepted);
        let all = [
            LoginError::PasskeyExpired,
            LoginError::PasskeyNotAccepted,
            LoginError::Missing {
                fields: vec![LoginField::Identifier],
            },
            LoginError::Missing {
                fields: vec![LoginField::Password],
            },
            LoginError::Missing {
                fields: vec![LoginField::Identifier, LoginField::Password],
            },
            LoginError::Incorrect,
            LoginError::Throttled {
                retry_after_seconds: 30,
            },
            LoginError::Locked,
            LoginError::RateLimited {
                retry_after_seconds: 90,
            },
            LoginError::Busy {
                retry_after_seconds: 3,
            },
            LoginError::Unavailable,
        ];
        for error in &all {
            check(error);
            let status = unprocessable_or_unavailable(error);
            assert_eq!(
                status == StatusCode::SERVICE_UNAVAILABLE,
                matches!(error, LoginError::Unavailable | LoginError::Busy { .. })
            );
            assert_eq!(
                status == StatusCode::TOO_MANY_REQUESTS,
                matches!(error, LoginError::RateLimited { .. })
            );
            let messages = login_messages(&ServiceError::Domain(error.clone()));
            if matches!(error, LoginError::Busy { .. }) {
                assert_busy(error, messages.form.as_deref());
            }
            let placed = |field| match field {
                LoginField::Identifier => messages.identifier.clone(),
                LoginField::Password => messages.password.clone(),
            };
            let fields = error.fields();
            for field in &fields {
                assert_words(
                    &placed(*field).unwrap_or_else(|| panic!("{error:?}: nothing at {field:?}")),
                );
            }
            if fields.is_empty() {
                assert_words(messages.form.as_deref().expect("a form-level message"));
            }
        }
    }

    #[test]
    fn every_registration_refusal_has_its_status_and_words_where_it_belongs() {
        let check = listed!(RegistrationError: RegistrationError::Invalid(_),
            RegistrationError::EmailTaken { .. }, RegistrationError::UsernameTaken { .. },
            RegistrationError::EmailLooksTaken { .. }, RegistrationError::UsernameLooksTaken { .. },
            RegistrationError::PossibleDuplicate { .. }, RegistrationError::RateLimited { .. },
            RegistrationError::TooManyForName { .. }, RegistrationError::Busy { .. },
            RegistrationError::Unavailable);
        let all = [
            RegistrationError::Invalid(vec![
                FieldProblem {
                    field: RegistrationField::FirstName,
                    message: "Enter your first name".into(),
                },
                FieldProblem {
                    field: RegistrationField::Password,
                    message: "Use at least 15 characters".into(),
                },
            ]),
            RegistrationError::EmailTaken {
                email: "ada@example.org".into(),
            },
            RegistrationError::UsernameTaken {
                username: "okafor".into(),
                email: "ada@example.org".into(),
            },
            RegistrationError::EmailLooksTaken {
                email: "\u{0430}da@example.org".into(),
            },
            RegistrationError::UsernameLooksTaken {
                username: "\u{043E}kafor".into(),
                email: "ada@example.org".into(),
            },
            RegistrationError::PossibleDuplicate {
                number: RegistrationNumber::parse("GMC", "7123456").unwrap(),
                email: "ada@example.org".into(),
            },
            RegistrationError::RateLimited {
                retry_after_seconds: 360,
            },
            RegistrationError::TooManyForName {
                retry_after_seconds: 720,
            },
            RegistrationError::Busy {
                retry_after_seconds: 3,
            },
            RegistrationError::Unavailable,
        ];
        for error in &all {
            check(error);
            let status = unprocessable_or_unavailable(error);
            assert_eq!(
                status == StatusCode::SERVICE_UNAVAILABLE,
                matches!(
                    error,
                    RegistrationError::Unavailable | RegistrationError::Busy { .. }
                )
            );
            assert_eq!(
                status == StatusCode::TOO_MANY_REQUESTS,
                matches!(
                    error,
                    RegistrationError::RateLimited { .. }
                        | RegistrationError::TooManyForName { .. }
                )
            );
            let messages = registration_messages(&ServiceError::Domain(error.clone()));
            if matches!(error, RegistrationError::Busy { .. }) {
                assert_busy(error, messages.form.as_ref().map(|form| form.text.as_str()));
            }
            let fields = error.fields();
            for field in &fields {
                let placed = messages.for_field(*field);
                assert!(!placed.is_empty(), "{error:?}: nothing at {field:?}");
                placed
                    .iter()
                    .for_each(|message| assert_words(&message.text));
            }
            if fields.is_empty() {
                assert_words(&messages.form.expect("a form-level message").text);
            }
        }
    }

    #[test]
    fn every_reset_refusal_has_its_status_and_words_where_it_belongs() {
        let check = listed!(ResetError: ResetError::InvalidEmail { .. },
            ResetError::TooManyForAddress { .. }, ResetError::RateLimited { .. },
            ResetError::Busy { .. }, ResetError::Unavailable);
        let all = [
            ResetError::InvalidEmail {
                message: "Enter your email address".into(),
            },
            ResetError::TooManyForAddress {
                retry_after_seconds: 1200,
            },
            ResetError::RateLimited {
                retry_after_seconds: 60,
            },
            ResetError::Busy {
                retry_after_seconds: 3,
            },
            ResetError::Unavailable,
        ];
        for error in &all {
            check(error);
            let status = unprocessable_or_unavailable(error);
            assert_eq!(
                status == StatusCode::SERVICE_UNAVAILABLE,
                matches!(error, ResetError::Unavailable | ResetError::Busy { .. })
            );
            assert_eq!(
                status == StatusCode::TOO_MANY_REQUESTS,
                matches!(
                    error,
                    ResetError::TooManyForAddress { .. } | ResetError::RateLimited { .. }
                )
            );
            let messages = reset_messages(&ServiceError::Domain(error.clone()));
            if matches!(error, ResetError::Busy { .. }) {
                assert_busy(error, messages.form.as_deref());
            }
            match error.fields().as_slice() {
                [ResetField::Email] => {
                    assert_words(messages.email.as_deref().expect("next to the email"))
                }
                [] => assert_words(messages.form.as_deref().expect("a form-level message")),
                other => panic!("{error:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn every_choose_password_refusal_has_its_status_and_words_where_it_belongs() {
        let check = listed!(ChoosePasswordError: ChoosePasswordError::Invalid { .. },
            ChoosePasswordError::NotLoggedIn, ChoosePasswordError::NotRequired,
            ChoosePasswordError::RateLimited { .. }, ChoosePasswordError::Busy { .. },
            ChoosePasswordError::Unavailable);
        let all = [
            (
                ChoosePasswordError::Invalid {
                    problems: vec![PasswordProblem::TooShort { min: 15 }],
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (ChoosePasswordError::NotLoggedIn, StatusCode::UNAUTHORIZED),
            (
                ChoosePasswordError::NotRequired,
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                ChoosePasswordError::RateLimited {
                    retry_after_seconds: 60,
                },
                StatusCode::TOO_MANY_REQUESTS,
            ),
            (
                ChoosePasswordError::Busy {
                    retry_after_seconds: 3,
                },
                StatusCode::SERVICE_UNAVAILABLE,
            ),
            (
                ChoosePasswordError::Unavailable,
                StatusCode::SERVICE_UNAVAILABLE,
            ),
        ];
        for (error, expected) in &all {
            check(error);
            assert_eq!(status(error), *expected, "{error:?}");
            assert_eq!(
                error.retry_after_seconds().is_some(),
                *expected == StatusCode::TOO_MANY_REQUESTS
                    || matches!(error, ChoosePasswordError::Busy { .. })
            );
            let messages = choose_password_messages(&ServiceError::Domain(error.clone()));
            if matches!(error, ChoosePasswordError::Busy { .. }) {
                assert_busy(error, messages.form.as_deref());
            }
            match error.fields().as_slice() {
                [ChoosePasswordField::Password] => {
                    assert!(!messages.password.is_empty());
                    messages.password.iter().for_each(|text| assert_words(text));
                }
                [] => assert_words(messages.form.as_deref().expect("a form-level message")),
                other => panic!("{error:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn every_my_account_refusal_has_its_status_and_words_where_it_belongs() {
        use threshold_core::my_account::{MyAccountError as E, MyAccountField as F};
        let check = listed!(E: E::NotLoggedIn, E::MustChooseFirst, E::CurrentPasswordMissing,
            E::WrongPassword, E::Invalid { .. }, E::SameAsCurrent, E::Throttled { .. },
            E::Locked, E::NoSuchSession, E::Busy { .. }, E::Unavailable,
            E::InvalidEmail { .. }, E::SameEmail, E::AlreadyConfirmed, E::TooManyEmails { .. },
            E::PasskeyNameMissing, E::PasskeyNameTooLong, E::PasskeyExpired,
            E::PasskeyNotAccepted, E::PasskeyAlreadyAdded, E::NoSuchPasskey, E::SecondStepFirst);
        let all = [
            (E::SecondStepFirst, StatusCode::UNPROCESSABLE_ENTITY),
            (E::PasskeyNameMissing, StatusCode::UNPROCESSABLE_ENTITY),
            (E::PasskeyNameTooLong, StatusCode::UNPROCESSABLE_ENTITY),
            (E::PasskeyExpired, StatusCode::UNPROCESSABLE_ENTITY),
            (E::PasskeyNotAccepted, StatusCode::UNPROCESSABLE_ENTITY),
            (E::PasskeyAlreadyAdded, StatusCode::UNPROCESSABLE_ENTITY),
            (E::NoSuchPasskey, StatusCode::UNPROCESSABLE_ENTITY),
            (E::NotLoggedIn, StatusCode::UNAUTHORIZED),
            (E::MustChooseFirst, StatusCode::UNPROCESSABLE_ENTITY),
            (E::CurrentPasswordMissing, StatusCode::UNPROCESSABLE_ENTITY),
            (E::WrongPassword, StatusCode::UNPROCESSABLE_ENTITY),
            (
                E::Invalid {
                    problems: vec![PasswordProblem::TooShort { min: 15 }],
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (E::SameAsCurrent, StatusCode::UNPROCESSABLE_ENTITY),
            (
                E::Throttled {
                    retry_after_seconds: 60,
                },
                StatusCode::TOO_MANY_REQUESTS,
            ),
            (E::Locked, StatusCode::UNPROCESSABLE_ENTITY),
            (E::NoSuchSession, StatusCode::UNPROCESSABLE_ENTITY),
            (
                E::Busy {
                    retry_after_seconds: 3,
                },
                StatusCode::SERVICE_UNAVAILABLE,
            ),
            (E::Unavailable, StatusCode::SERVICE_UNAVAILABLE),
            (
                E::InvalidEmail {
                    message: "Enter an email address, like name@example.org.".into(),
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (E::SameEmail, StatusCode::UNPROCESSABLE_ENTITY),
            (E::AlreadyConfirmed, StatusCode::UNPROCESSABLE_ENTITY),
            (
                E::TooManyEmails {
                    retry_after_seconds: 600,
                },
                StatusCode::TOO_MANY_REQUESTS,
            ),
        ];
        for (error, expected) in &all {
            check(error);
            assert_eq!(status(error), *expected, "{error:?}");
            let messages = my_account_messages(&ServiceError::Domain(error.clone()));
            if matches!(error, E::Busy { .. }) {
                assert_busy(error, messages.form.as_deref());
            }
            match error.fields().as_slice() {
                [F::CurrentPassword] => assert_words(
                    messages
                        .current_password
                        .as_deref()
                        .expect("next to the current password"),
                ),
                [F::NewPassword] => {
                    assert!(!messages.new_password.is_empty(), "{error:?}");
                    messages
                        .new_password
                        .iter()
                        .for_each(|text| assert_words(text));
                }
                [F::NewEmail] => assert_words(
                    email_messages(&ServiceError::Domain(error.clone()))
                        .new_email
                        .as_deref()
                        .expect("next to the new email"),
                ),
                // Shown at the name field by the Passkeys section itself.
                [F::PasskeyName] => assert_words(&error.to_string()),
                [] => assert_words(messages.form.as_deref().expect("a form-level message")),
                other => panic!("{error:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn every_second_step_refusal_has_its_status_and_words() {
        use threshold_core::second_factor::SecondFactorError as E;
        let check = listed!(E: E::NotLoggedIn, E::NotSupport, E::MustChooseFirst,
            E::LinkNotValid, E::AlreadyEnrolled, E::NotEnrolled, E::CodeMissing, E::WrongCode,
            E::Throttled { .. }, E::Locked, E::Passkey { .. }, E::Busy { .. }, E::Unavailable);
        let refused = StatusCode::UNPROCESSABLE_ENTITY;
        for (error, expected) in [
            (E::NotLoggedIn, StatusCode::UNAUTHORIZED),
            (E::NotSupport, StatusCode::FORBIDDEN),
            (E::MustChooseFirst, refused),
            (E::LinkNotValid, refused),
            (E::AlreadyEnrolled, refused),
            (E::NotEnrolled, refused),
            (E::CodeMissing, refused),
            (E::WrongCode, refused),
            (
                E::Throttled {
                    retry_after_seconds: 60,
                },
                StatusCode::TOO_MANY_REQUESTS,
            ),
            (E::Locked, refused),
            (
                E::Passkey {
                    message: "Give the passkey a name, such as the device it is on.".into(),
                },
                refused,
            ),
            (
                E::Busy {
                    retry_after_seconds: 3,
                },
                StatusCode::SERVICE_UNAVAILABLE,
            ),
            (E::Unavailable, StatusCode::SERVICE_UNAVAILABLE),
        ] {
            check(&error);
            assert_eq!(status(&error), expected, "{error:?}");
            assert_words(&error.to_string());
        }
    }

    #[test]
    fn every_confirmation_link_refusal_has_its_status_and_words() {
        use threshold_core::my_account::ConfirmEmailError as E;
        let check = listed!(E: E::NotOpen, E::Taken, E::Unavailable);
        for (error, expected) in [
            (E::NotOpen, StatusCode::UNPROCESSABLE_ENTITY),
            (E::Taken, StatusCode::UNPROCESSABLE_ENTITY),
            (E::Unavailable, StatusCode::SERVICE_UNAVAILABLE),
        ] {
            check(&error);
            assert_eq!(status(&error), expected, "{error:?}");
            assert_words(&ServiceError::Domain(error).to_string());
        }
    }

    #[test]
    fn every_verdict_refusal_has_its_status_and_words() {
        let check = listed!(VerdictError: VerdictError::RateLimited { .. },
            VerdictError::Unavailable);
        for (error, expected) in [
            (
                VerdictError::RateLimited {
                    retry_after_seconds: 30,
                },
                StatusCode::TOO_MANY_REQUESTS,
            ),
            (VerdictError::Unavailable, StatusCode::SERVICE_UNAVAILABLE),
        ] {
            check(&error);
            assert_eq!(status(&error), expected, "{error:?}");
            assert!(error.fields().is_empty());
            assert_words(&verdict_message(&ServiceError::Domain(error.clone())));
        }
        assert_words(&verdict_message(&ServiceError::Call(FAILED.into())));
    }

    #[test]
    fn every_contact_refusal_has_its_status_and_words_where_it_belongs() {
        let check = listed!(ContactError: ContactError::Invalid { .. },
            ContactError::RateLimited { .. }, ContactError::Unavailable);
        let all = [
            ContactError::Invalid {
                problems: vec![ContactProblem {
                    field: ContactField::Email,
                    message: "Enter your email address".into(),
                }],
            },
            ContactError::RateLimited {
                retry_after_seconds: 600,
            },
            ContactError::Unavailable,
        ];
        for error in &all {
            check(error);
            let status = unprocessable_or_unavailable(error);
            assert_eq!(
                status == StatusCode::SERVICE_UNAVAILABLE,
                *error == ContactError::Unavailable
            );
            assert_eq!(
                status == StatusCode::TOO_MANY_REQUESTS,
                matches!(error, ContactError::RateLimited { .. })
            );
            let messages = contact_messages(&ServiceError::Domain(error.clone()));
            for field in error.fields() {
                let placed = messages.for_field(field);
                assert!(!placed.is_empty(), "{error:?}: nothing at {field:?}");
                placed.iter().for_each(|text| assert_words(text));
            }
            if error.fields().is_empty() {
                assert_words(messages.form.as_deref().expect("a form-level message"));
            }
        }
    }

    #[test]
    fn every_support_refusal_has_its_status_and_words() {
        let check = listed!(SupportError: SupportError::NotLoggedIn, SupportError::Forbidden,
            SupportError::NotFound, SupportError::InvalidEmail { .. }, SupportError::EmailTaken,
            SupportError::EmailLooksTaken, SupportError::SameEmail,
            SupportError::LooksLikeKnownAddress { .. }, SupportError::SupportAccount, SupportError::AccountDisabled,
            SupportError::NotLocked, SupportError::AlreadyDisabled, SupportError::AlreadyEnabled,
            SupportError::PasskeyGone, SupportError::SecondStepNeeded, SupportError::EnrolFirst,
            SupportError::NotSupportAccount, SupportError::OwnAccount,
            SupportError::LastSupportUser, SupportError::InvalidStaff { .. },
            SupportError::EmptyQuery, SupportError::InvalidQuery { .. },
            SupportError::NoteTooLong { .. }, SupportError::Busy { .. },
            SupportError::Unavailable);
        let refused = StatusCode::UNPROCESSABLE_ENTITY;
        let all = [
            (SupportError::NotLoggedIn, StatusCode::UNAUTHORIZED),
            (SupportError::Forbidden, StatusCode::FORBIDDEN),
            (SupportError::NotFound, StatusCode::NOT_FOUND),
            (
                SupportError::InvalidEmail {
                    message: "An email address needs an @, like name@example.com".into(),
                },
                refused,
            ),
            (SupportError::EmailTaken, refused),
            (SupportError::EmailLooksTaken, refused),
            (
                SupportError::LooksLikeKnownAddress {
                    new: "bob.jones@\u{0430}\u{0441}\u{0435}.org".into(),
                    known: "bob.jones@ace.org".into(),
                    resembles: threshold_core::support::AddressResemblance::Address,
                },
                refused,
            ),
            (SupportError::SameEmail, refused),
            (SupportError::SupportAccount, refused),
            (SupportError::AccountDisabled, refused),
            (SupportError::NotLocked, refused),
            (SupportError::AlreadyDisabled, refused),
            (SupportError::AlreadyEnabled, refused),
            (SupportError::PasskeyGone, refused),
            (SupportError::SecondStepNeeded, StatusCode::FORBIDDEN),
            (SupportError::EnrolFirst, StatusCode::FORBIDDEN),
            (SupportError::NotSupportAccount, refused),
            (SupportError::OwnAccount, refused),
            (SupportError::LastSupportUser, refused),
            (
                SupportError::InvalidStaff {
                    message: "Enter an email address, like name@example.org.".into(),
                },
                refused,
            ),
            (SupportError::EmptyQuery, refused),
            (SupportError::InvalidQuery { max: 200 }, refused),
            (SupportError::NoteTooLong { max: 2000 }, refused),
            (
                SupportError::Busy {
                    retry_after_seconds: 3,
                },
                StatusCode::SERVICE_UNAVAILABLE,
            ),
            (SupportError::Unavailable, StatusCode::SERVICE_UNAVAILABLE),
        ];
        for (error, expected) in &all {
            check(error);
            assert_eq!(status(error), *expected, "{error:?}");
            let words = ServiceError::Domain(error.clone()).to_string();
            assert_words(&words);
            if matches!(error, SupportError::Busy { .. }) {
                assert_busy(error, Some(&words));
            }
        }
    }

    #[test]
    fn the_help_and_mailbox_refusals_have_their_status_and_words() {
        assert_eq!(status(&HelpMissing), StatusCode::NOT_FOUND);
        assert_words(&HelpMissing.to_string());
        let check = listed!(MailboxError: MailboxError::Off, MailboxError::NotLocal,
            MailboxError::NotFound, MailboxError::Unavailable);
        for (error, expected) in [
            (MailboxError::Off, StatusCode::NOT_FOUND),
            (MailboxError::NotLocal, StatusCode::FORBIDDEN),
            (MailboxError::NotFound, StatusCode::NOT_FOUND),
            (MailboxError::Unavailable, StatusCode::SERVICE_UNAVAILABLE),
        ] {
            check(&error);
            assert_eq!(status(&error), expected, "{error:?}");
            assert_words(&error.to_string());
        }
    }

    #[test]
    fn a_failed_call_has_words_without_detail() {
        let error: ServiceError<LoginError> = ServiceError::Call(FAILED.into());
        assert_words(&error.to_string());
    }
}
