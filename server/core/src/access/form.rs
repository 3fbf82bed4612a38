//! The "Contact support" form: what it takes and how it is checked. Pure,
//! so the page checks exactly what the server checks.

use serde::{Deserialize, Serialize};

use crate::refusal::{Refusal, RefusalKind};

use crate::rules::{text::normalise_text, Email, PersonName, RegistrationNumber};

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
    /// One per line (or separated by commas), e.g. "GMC 1234567": the
    /// type and the number, or a bare GMC, NMC or NTN number
    /// ([`RegistrationNumber::recognise`]).
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

impl ContactField {
    /// In the order the form shows them.
    pub const ALL: [ContactField; 9] = [
        ContactField::FirstName,
        ContactField::Surname,
        ContactField::Email,
        ContactField::Username,
        ContactField::PreviousEmails,
        ContactField::RegistrationNumbers,
        ContactField::LastPost,
        ContactField::SupervisedTrainees,
        ContactField::Message,
    ];
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
    /// Each checked for its kind and normalised.
    pub registration_numbers: Vec<RegistrationNumber>,
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
            .map_err(|error| problem(ContactField::FirstName, error.message_for("first name")))
            .ok();
        let surname = PersonName::parse(&self.surname)
            .map_err(|error| problem(ContactField::Surname, error.message_for("surname")))
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
                problem(ContactField::Email, error.to_string());
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
        let mut bad = Vec::new();
        for item in typed.iter().take(MAX_LIST_ITEMS) {
            match Email::parse(item) {
                Ok(email) => previous_emails.push(email),
                Err(error) => bad.push(format!("{}: {error}", quoted(item))),
            }
        }
        for message in summarised(bad, "of the earlier emails are not valid addresses") {
            problem(ContactField::PreviousEmails, message);
        }

        let mut registration_numbers = Vec::new();
        let typed = list(&self.registration_numbers);
        if typed.len() > MAX_LIST_ITEMS {
            problem(
                ContactField::RegistrationNumbers,
                format!("List at most {MAX_LIST_ITEMS} numbers"),
            );
        }
        let mut bad = Vec::new();
        for item in typed.iter().take(MAX_LIST_ITEMS) {
            // Counted without spaces, as before: "GMC 701 2345" is 10.
            let length = item.chars().filter(|c| !c.is_whitespace()).count();
            if length > MAX_NUMBER_CHARS {
                bad.push(format!(
                    "{} is too long to be a registration number. Write one number per line, like GMC 7012345",
                    quoted(item)
                ));
                continue;
            }
            match RegistrationNumber::recognise(item) {
                Ok(number) => registration_numbers.push(number),
                Err(error) => bad.push(format!(
                    "{} is not a registration number we recognise. {error}",
                    quoted(item)
                )),
            }
        }
        for message in summarised(
            bad,
            "of the numbers are not registration numbers we recognise. Write the type before each number, like GMC 7012345",
        ) {
            problem(ContactField::RegistrationNumbers, message);
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

/// What a person typed, quoted in a message about it: long items (a
/// pasted paragraph, or text that NFKC expands many times over) are cut,
/// so a refusal stays a few lines whatever was sent.
fn quoted(item: &str) -> String {
    const SHOWN_CHARS: usize = 40;
    let mut shown: String = item.chars().take(SHOWN_CHARS).collect();
    if item.chars().nth(SHOWN_CHARS).is_some() {
        shown.push('\u{2026}');
    }
    format!("\u{201c}{shown}\u{201d}")
}

/// One message per bad item when there are a few; beyond that one line
/// that counts them ("5 of the earlier emails are not valid addresses"),
/// starting with the first, so the person still sees an example.
fn summarised(bad: Vec<String>, counted: &str) -> Vec<String> {
    const LISTED: usize = 3;
    if bad.len() <= LISTED {
        return bad;
    }
    vec![format!("{} {counted}; the first: {}", bad.len(), bad[0])]
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
        let numbers: Vec<String> = details
            .registration_numbers
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(numbers, ["GMC 1234567"]);
        assert_eq!(details.username, None);
    }

    fn numbers_problem(typed: &str) -> Vec<String> {
        ContactForm {
            registration_numbers: typed.into(),
            ..form()
        }
        .validate()
        .unwrap_err()
        .into_iter()
        .filter(|problem| problem.field == ContactField::RegistrationNumbers)
        .map(|problem| problem.message)
        .collect()
    }

    #[test]
    fn numbers_of_each_kind_are_accepted_and_normalised() {
        let details = ContactForm {
            registration_numbers: "gmc 7012345, NMC 12a3456e\nLDN/R1A/001/ST1; college 12345"
                .into(),
            ..form()
        }
        .validate()
        .unwrap();
        let numbers: Vec<String> = details
            .registration_numbers
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            numbers,
            [
                "GMC 7012345",
                "NMC 12A3456E",
                "NTN LDN/R1A/001/ST1",
                "College 12345"
            ]
        );
    }

    #[test]
    fn a_word_is_not_a_registration_number() {
        assert_eq!(
            numbers_problem("banana"),
            [
                "\u{201c}banana\u{201d} is not a registration number we recognise. \
              Write the type before the number (GMC, NMC, NTN, College or Other), like GMC 7012345"
            ]
        );
    }

    #[test]
    fn a_number_written_with_its_type_must_fit_that_type() {
        assert_eq!(
            numbers_problem("GMC 123"),
            [
                "\u{201c}GMC 123\u{201d} is not a registration number we recognise. \
              A GMC number is 7 digits, like 7012345"
            ]
        );
    }

    #[test]
    fn the_list_limits_are_kept() {
        let eleven: String = (0..11).map(|n| format!("GMC 701234{}\n", n % 10)).collect();
        assert_eq!(numbers_problem(&eleven), ["List at most 10 numbers"]);
        let longest = ContactForm {
            registration_numbers: format!("Other {}", "A".repeat(32)),
            ..form()
        };
        assert!(longest.validate().is_ok());
        let too_long = numbers_problem(&format!("Other {}", "A".repeat(36)));
        assert_eq!(too_long.len(), 1);
        assert!(
            too_long[0].contains("is too long to be a registration number"),
            "{too_long:?}"
        );
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
    fn refusals_stay_short_whatever_the_lists_hold() {
        // 3,000 × U+FDFA: 9 KB typed, 54,000 characters after NFKC.
        let expanding = ContactForm {
            previous_emails: "\u{FDFA}".repeat(3_000),
            registration_numbers: "\u{FDFA}".repeat(3_000),
            ..form()
        };
        let problems = expanding.validate().unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        for problem in &problems {
            assert!(problem.message.chars().count() < 300, "{problem:?}");
            assert!(problem.message.contains('\u{2026}'), "{problem:?}");
        }

        let many_bad = ContactForm {
            previous_emails: (0..10).map(|n| format!("not-an-address-{n}\n")).collect(),
            ..form()
        };
        let problems = many_bad.validate().unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0]
                .message
                .starts_with("10 of the earlier emails are not valid addresses; the first: \u{201c}not-an-address-0\u{201d}"),
            "{problems:?}"
        );
        let few_bad = ContactForm {
            previous_emails: "one\ntwo\nada@example.org".into(),
            ..form()
        };
        assert_eq!(few_bad.validate().unwrap_err().len(), 2);
    }

    #[test]
    fn references_are_padded() {
        assert_eq!(reference(123), "R-000123");
    }
}
