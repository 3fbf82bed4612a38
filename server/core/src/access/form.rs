//! The "Contact support" form: what it takes and how it is checked. Pure,
//! so the page checks exactly what the server checks.

use serde::{Deserialize, Serialize};

use crate::refusal::{Refusal, RefusalKind};

use crate::rules::{text::normalise_text, Email, PersonName};

/// Lists (previous emails, registration numbers) hold at most this many.
pub const MAX_LIST_ITEMS: usize = 10;
pub const MAX_MESSAGE_CHARS: usize = 2_000;
pub const MAX_NOTE_CHARS: usize = 500;
pub const MAX_USERNAME_CHARS: usize = 254;
pub const MAX_NUMBER_CHARS: usize = 40;

/// What the form sends, exactly as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContactForm {
    pub first_name: String,
    pub surname: String,
    /// If remembered.
    pub username: String,
    /// Where support can reach the person now.
    pub email: String,
    /// One per line (or separated by commas).
    pub previous_emails: String,
    /// One per line, e.g. "GMC 1234567".
    pub registration_numbers: String,
    /// Trainees: their last post.
    pub last_post: String,
    /// Supervisors: the trainees they supervised.
    pub supervised_trainees: String,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ContactField {
    FirstName,
    Surname,
    Username,
    Email,
    PreviousEmails,
    RegistrationNumbers,
    LastPost,
    SupervisedTrainees,
    Message,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactProblem {
    pub field: ContactField,
    pub message: String,
}

/// Why a request was not taken.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum ContactError {
    #[error("Some details need correcting")]
    Invalid { problems: Vec<ContactProblem> },
    #[error("We have had several requests from here recently. Please try again in {} minutes, or email support directly.", retry_after_seconds.div_ceil(60))]
    RateLimited { retry_after_seconds: u64 },
    #[error("We could not send your request just now. Please try again in a minute.")]
    Unavailable,
}

impl Refusal for ContactError {
    type Field = ContactField;

    fn kind(&self) -> RefusalKind {
        match self {
            ContactError::Unavailable => RefusalKind::Unavailable,
            ContactError::Invalid { .. } => RefusalKind::Refused,
            ContactError::RateLimited { .. } => RefusalKind::Limited,
        }
    }

    fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            ContactError::RateLimited {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            _ => None,
        }
    }

    fn fields(&self) -> Vec<ContactField> {
        match self {
            ContactError::Invalid { problems } => {
                problems.iter().map(|problem| problem.field).collect()
            }
            _ => Vec::new(),
        }
    }
}

/// The request was stored and its acknowledgement queued.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactReceived {
    /// "R-000123": what to quote when writing to support.
    pub reference: String,
    /// Where the acknowledgement goes.
    pub email: String,
}

/// A request whose every field is valid and normalised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessRequestDetails {
    pub first_name: String,
    pub surname: String,
    pub username: Option<String>,
    pub email: Email,
    pub previous_emails: Vec<Email>,
    /// Upper case, without spaces: "GMC1234567".
    pub registration_numbers: Vec<String>,
    pub last_post: String,
    pub supervised_trainees: String,
    pub message: String,
}

/// The reference people quote: the request's number, zero-padded.
pub fn reference(id: i64) -> String {
    format!("R-{id:06}")
}

impl ContactForm {
    /// Checks every field and reports every problem at once.
    pub fn validate(&self) -> Result<AccessRequestDetails, Vec<ContactProblem>> {
        let mut problems = Vec::new();
        let mut problem = |field, message: String| problems.push(ContactProblem { field, message });

        let first_name = PersonName::parse(&self.first_name)
            .map_err(|error| problem(ContactField::FirstName, error.to_string()))
            .ok();
        let surname = PersonName::parse(&self.surname)
            .map_err(|error| problem(ContactField::Surname, error.to_string()))
            .ok();
        let username = normalise_text(&self.username);
        if username.chars().count() > MAX_USERNAME_CHARS {
            problem(
                ContactField::Username,
                format!("A username has at most {MAX_USERNAME_CHARS} characters"),
            );
        }
        let email = match Email::parse(&self.email) {
            Ok(email) => Some(email),
            Err(error) => {
                problem(
                    ContactField::Email,
                    format!("{error}: we need it to reply to you"),
                );
                None
            }
        };

        let mut previous_emails = Vec::new();
        let typed = list(&self.previous_emails);
        if typed.len() > MAX_LIST_ITEMS {
            problem(
                ContactField::PreviousEmails,
                format!("List at most {MAX_LIST_ITEMS} earlier addresses"),
            );
        }
        for item in typed.iter().take(MAX_LIST_ITEMS) {
            match Email::parse(item) {
                Ok(email) => previous_emails.push(email),
                Err(error) => problem(
                    ContactField::PreviousEmails,
                    format!("\u{201c}{item}\u{201d}: {error}"),
                ),
            }
        }

        let mut registration_numbers = Vec::new();
        let typed = list(&self.registration_numbers);
        if typed.len() > MAX_LIST_ITEMS {
            problem(
                ContactField::RegistrationNumbers,
                format!("List at most {MAX_LIST_ITEMS} numbers"),
            );
        }
        for item in typed.iter().take(MAX_LIST_ITEMS) {
            let number: String = item
                .chars()
                .filter(|c| !c.is_whitespace())
                .flat_map(char::to_uppercase)
                .collect();
            if number.chars().count() > MAX_NUMBER_CHARS
                || !number
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '/')
            {
                problem(
                    ContactField::RegistrationNumbers,
                    format!("\u{201c}{item}\u{201d} does not look like a registration number (letters and digits, like GMC 1234567)"),
                );
            } else {
                registration_numbers.push(number);
            }
        }

        let last_post = long_text(
            &self.last_post,
            ContactField::LastPost,
            MAX_NOTE_CHARS,
            &mut problem,
        );
        let supervised_trainees = long_text(
            &self.supervised_trainees,
            ContactField::SupervisedTrainees,
            MAX_NOTE_CHARS,
            &mut problem,
        );
        let message = long_text(
            &self.message,
            ContactField::Message,
            MAX_MESSAGE_CHARS,
            &mut problem,
        );
        if message.is_empty() {
            problem(
                ContactField::Message,
                "Tell us what happened, in a sentence or two".to_owned(),
            );
        }

        match (first_name, surname, email) {
            (Some(first_name), Some(surname), Some(email)) if problems.is_empty() => {
                Ok(AccessRequestDetails {
                    first_name: first_name.as_str().to_owned(),
                    surname: surname.as_str().to_owned(),
                    username: (!username.is_empty()).then_some(username),
                    email,
                    previous_emails,
                    registration_numbers,
                    last_post,
                    supervised_trainees,
                    message,
                })
            }
            _ => Err(problems),
        }
    }
}

/// Items separated by new lines, commas or semicolons, trimmed, blanks gone.
fn list(text: &str) -> Vec<String> {
    text.split(['\n', ',', ';'])
        .map(normalise_text)
        .filter(|item| !item.is_empty())
        .collect()
}

/// Free text: normalised, control characters other than new lines removed,
/// at most `max` characters.
fn long_text(
    text: &str,
    field: ContactField,
    max: usize,
    problem: &mut impl FnMut(ContactField, String),
) -> String {
    let cleaned: String = normalise_text(text)
        .chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .collect();
    if cleaned.chars().count() > max {
        problem(field, format!("Keep this to {max} characters"));
    }
    cleaned
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> ContactForm {
        ContactForm {
            first_name: "Ada".into(),
            surname: "Okafor".into(),
            email: "ada@newpractice.org".into(),
            previous_emails: "ada.okafor@oldtrust.nhs.uk,\n  a.okafor@example.org ".into(),
            registration_numbers: "gmc 123 4567".into(),
            message: "My old email is gone.".into(),
            ..ContactForm::default()
        }
    }

    #[test]
    fn a_good_request_is_normalised() {
        let details = form().validate().unwrap();
        assert_eq!(details.previous_emails.len(), 2);
        assert_eq!(details.registration_numbers, ["GMC1234567"]);
        assert_eq!(details.username, None);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let bad = ContactForm {
            first_name: String::new(),
            email: "not an address".into(),
            previous_emails: "fine@example.org, broken@".into(),
            registration_numbers: "GMC <1234>".into(),
            message: "   ".into(),
            ..form()
        };
        let fields: Vec<ContactField> = bad
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|problem| problem.field)
            .collect();
        assert_eq!(
            fields,
            [
                ContactField::FirstName,
                ContactField::Email,
                ContactField::PreviousEmails,
                ContactField::RegistrationNumbers,
                ContactField::Message
            ]
        );
    }

    #[test]
    fn huge_and_control_character_input_is_refused_or_cleaned() {
        let huge = ContactForm {
            message: "x".repeat(1_000_000),
            ..form()
        };
        assert_eq!(huge.validate().unwrap_err()[0].field, ContactField::Message);
        let control = ContactForm {
            message: "line one\nline\u{0007} two".into(),
            ..form()
        };
        assert_eq!(control.validate().unwrap().message, "line one\nline two");
        let many = ContactForm {
            previous_emails: (0..11).map(|n| format!("a{n}@example.org\n")).collect(),
            ..form()
        };
        assert_eq!(
            many.validate().unwrap_err()[0].field,
            ContactField::PreviousEmails
        );
    }

    #[test]
    fn references_are_padded() {
        assert_eq!(reference(123), "R-000123");
    }
}
