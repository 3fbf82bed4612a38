//! The registration form and its validation: what a person typed, turned
//! into a [`NewAccount`] of validated values or a list of field problems.

use serde::{Deserialize, Serialize};

use crate::auth::wait_text;
use crate::refusal::{Refusal, RefusalKind};

use crate::rules::text::identifier_key;
use crate::rules::{
    AccountType, Email, Password, PasswordPolicy, PersonName, PersonalWords, PracticeName,
    RegistrationNumber, Username,
};

/// What the registration dialog sends, exactly as typed. A missing field
/// (a hidden practice name, say) arrives as blank.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RegistrationForm {
    pub first_name: String,
    pub surname: String,
    pub email: String,
    /// Blank: generate one from the surname.
    pub username: String,
    /// "practitioner" or "practice_admin".
    pub account_type: String,
    /// Required for practice admins, ignored otherwise.
    pub practice_name: String,
    /// Both blank, or a kind ("GMC", …) and a number.
    pub registration_kind: String,
    pub registration_number: String,
    pub password: String,
    /// The person has seen the possible-duplicate warning and goes on.
    pub confirm_possible_duplicate: bool,
}

/// The form's fields, for attaching a message to the right one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RegistrationField {
    FirstName,
    Surname,
    Email,
    Username,
    AccountType,
    PracticeName,
    RegistrationNumber,
    Password,
}

impl RegistrationField {
    /// In the order the form shows them.
    pub const ALL: [RegistrationField; 8] = [
        RegistrationField::FirstName,
        RegistrationField::Surname,
        RegistrationField::Email,
        RegistrationField::Username,
        RegistrationField::AccountType,
        RegistrationField::PracticeName,
        RegistrationField::RegistrationNumber,
        RegistrationField::Password,
    ];
}

/// One field's problem, with the sentence shown next to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldProblem {
    pub field: RegistrationField,
    pub message: String,
}

impl FieldProblem {
    fn new(field: RegistrationField, message: impl ToString) -> Self {
        Self {
            field,
            message: message.to_string(),
        }
    }
}

/// Why a registration did not create an account.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum RegistrationError {
    #[error("Some details need correcting")]
    Invalid(Vec<FieldProblem>),
    /// The email (or a username equal to it) already belongs to an account.
    #[error("This email already has an account")]
    EmailTaken { email: String },
    /// Another account's email or username looks the same as this email
    /// (SPEC.md §1 look-alikes).
    #[error("This email looks the same as an existing account's name")]
    EmailLooksTaken { email: String },
    /// The chosen username (or an email equal to it) already belongs to an
    /// account. Carries the registrant's email for the "Forgotten password"
    /// offer.
    #[error("This username is already taken")]
    UsernameTaken { username: String, email: String },
    /// Another account's username or email looks the same as the chosen
    /// username.
    #[error("This username looks the same as an existing account's name")]
    UsernameLooksTaken { username: String, email: String },
    /// Another account has this registration number; the person must
    /// confirm before a second account is made.
    #[error("An account with this {} number already exists", number.kind)]
    PossibleDuplicate {
        number: RegistrationNumber,
        email: String,
    },
    /// Too many registrations from this network address (every answer
    /// counts, whatever it was).
    #[error(
        "Too many registrations from your network. Try again in {}.",
        wait_text(*retry_after_seconds)
    )]
    RateLimited { retry_after_seconds: u64 },
    /// Too many registrations naming this email or username, from anywhere
    /// (counted for every name, taken or free, so it reveals nothing).
    #[error(
        "Too many registrations with this email address or username. Try again in {}.",
        wait_text(*retry_after_seconds)
    )]
    TooManyForName { retry_after_seconds: u64 },
    /// The hashing queue is full: answered at once, before any work.
    #[error("{}", crate::refusal::BUSY_WORDS)]
    Busy { retry_after_seconds: u64 },
    /// The database or the hashing pool failed; the details are logged.
    #[error("We could not create your account just now. Please try again in a minute.")]
    Unavailable,
}

impl Refusal for RegistrationError {
    type Field = RegistrationField;

    fn kind(&self) -> RefusalKind {
        match self {
            RegistrationError::Unavailable => RefusalKind::Unavailable,
            RegistrationError::RateLimited { .. } | RegistrationError::TooManyForName { .. } => {
                RefusalKind::Limited
            }
            RegistrationError::Busy { .. } => RefusalKind::Busy,
            RegistrationError::Invalid(_)
            | RegistrationError::EmailTaken { .. }
            | RegistrationError::EmailLooksTaken { .. }
            | RegistrationError::UsernameTaken { .. }
            | RegistrationError::UsernameLooksTaken { .. }
            | RegistrationError::PossibleDuplicate { .. } => RefusalKind::Refused,
        }
    }

    fn fields(&self) -> Vec<RegistrationField> {
        match self {
            RegistrationError::Invalid(problems) => {
                problems.iter().map(|problem| problem.field).collect()
            }
            RegistrationError::EmailTaken { .. } | RegistrationError::EmailLooksTaken { .. } => {
                vec![RegistrationField::Email]
            }
            RegistrationError::UsernameTaken { .. }
            | RegistrationError::UsernameLooksTaken { .. } => vec![RegistrationField::Username],
            // Not a field's fault: the warning goes above the button.
            RegistrationError::PossibleDuplicate { .. }
            | RegistrationError::RateLimited { .. }
            | RegistrationError::TooManyForName { .. }
            | RegistrationError::Busy { .. }
            | RegistrationError::Unavailable => Vec::new(),
        }
    }

    fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            RegistrationError::RateLimited {
                retry_after_seconds,
            }
            | RegistrationError::TooManyForName {
                retry_after_seconds,
            }
            | RegistrationError::Busy {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            _ => None,
        }
    }
}

/// A registration whose every field is valid.
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub first_name: PersonName,
    pub surname: PersonName,
    pub email: Email,
    /// `None`: generate one from the surname.
    pub username: Option<Username>,
    pub account_type: AccountType,
    pub practice_name: Option<PracticeName>,
    pub registration_number: Option<RegistrationNumber>,
    pub password: Password,
    pub confirm_possible_duplicate: bool,
}

/// The account that was created.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registered {
    pub account_id: i64,
    pub username: String,
    pub first_name: String,
    /// The username was made from the surname (the person should note it).
    pub username_was_generated: bool,
}

impl NewAccount {
    /// Checks every field and reports every problem at once, so the person
    /// fixes the form in one pass. The password is judged by `passwords`
    /// (the server's [`crate::rules::NewPasswordRules`]) against the names
    /// as typed, valid or not.
    pub fn parse(
        form: &RegistrationForm,
        passwords: &dyn PasswordPolicy,
    ) -> Result<NewAccount, Vec<FieldProblem>> {
        use RegistrationField as Field;
        let mut problems = Vec::new();
        let mut check = Checker(&mut problems);
        let first_name = check.field(
            Field::FirstName,
            PersonName::parse(&form.first_name).map_err(|e| e.message_for("first name")),
        );
        let surname = check.field(
            Field::Surname,
            PersonName::parse(&form.surname).map_err(|e| e.message_for("surname")),
        );
        let email = check.field(
            Field::Email,
            Email::parse(&form.email).map_err(|e| e.to_string()),
        );
        let username = if form.username.trim().is_empty() {
            Some(None)
        } else {
            check
                .field(
                    Field::Username,
                    parse_username(&form.username, email.as_ref()),
                )
                .map(Some)
        };
        let account_type = check.field(Field::AccountType, parse_account_type(&form.account_type));
        let practice_name = match account_type {
            Some(account_type) if account_type.requires_practice_name() => check
                .field(
                    Field::PracticeName,
                    PracticeName::parse(&form.practice_name)
                        .map_err(|e| e.message_for("practice name")),
                )
                .map(Some),
            _ => Some(None),
        };
        let registration_number = check.field(
            Field::RegistrationNumber,
            parse_registration_number(&form.registration_kind, &form.registration_number),
        );

        let password = Password::new(&form.password);
        let words = PersonalWords {
            username: username
                .as_ref()
                .and_then(|u| u.as_ref())
                .map(Username::as_str),
            email: email.as_ref().map(Email::as_str),
            first_name: Some(form.first_name.as_str()),
            surname: Some(form.surname.as_str()),
        };
        for problem in passwords.problems(&password, &words) {
            problems.push(FieldProblem::new(Field::Password, problem));
        }

        match (
            first_name,
            surname,
            email,
            username,
            account_type,
            practice_name,
            registration_number,
        ) {
            (
                Some(first_name),
                Some(surname),
                Some(email),
                Some(username),
                Some(account_type),
                Some(practice_name),
                Some(registration_number),
            ) if problems.is_empty() => Ok(NewAccount {
                first_name,
                surname,
                email,
                username,
                account_type,
                practice_name,
                registration_number,
                password,
                confirm_possible_duplicate: form.confirm_possible_duplicate,
            }),
            _ => Err(problems),
        }
    }
}

/// Collects each field's problem and passes on its value when it has none.
struct Checker<'a>(&'a mut Vec<FieldProblem>);

impl Checker<'_> {
    fn field<T>(&mut self, field: RegistrationField, result: Result<T, String>) -> Option<T> {
        result
            .map_err(|message| self.0.push(FieldProblem::new(field, message)))
            .ok()
    }
}

/// A username may be an email address only if it is the person's own:
/// otherwise one person could take another's address out of the shared
/// username/email namespace before that person registers.
fn parse_username(raw: &str, own_email: Option<&Email>) -> Result<Username, String> {
    let username = Username::parse(raw).map_err(|e| e.to_string())?;
    if username.as_str().contains('@') {
        let is_own_email = own_email.is_some_and(|email| {
            identifier_key(email.as_str()) == identifier_key(username.as_str())
        });
        if !is_own_email {
            return Err(
                "A username with an @ must be your own email address, as given above".to_owned(),
            );
        }
    }
    Ok(username)
}

fn parse_account_type(raw: &str) -> Result<AccountType, String> {
    AccountType::parse(raw.trim())
        .filter(|account_type| account_type.is_self_registrable())
        .ok_or_else(|| "Choose Practitioner or Practice admin".to_owned())
}

fn parse_registration_number(
    kind: &str,
    number: &str,
) -> Result<Option<RegistrationNumber>, String> {
    if kind.trim().is_empty() && number.trim().is_empty() {
        return Ok(None);
    }
    RegistrationNumber::parse(kind, number)
        .map(Some)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{password, PasswordProblem};

    /// The pure rules (length and the person's words), without the
    /// server's list and estimator.
    struct Rules;

    impl PasswordPolicy for Rules {
        fn problems(&self, password: &Password, words: &PersonalWords<'_>) -> Vec<PasswordProblem> {
            let mut problems = password::length_problems(password);
            problems.extend(password::personal_problems(password, words));
            problems
        }
    }

    /// A policy that refuses every password as breached.
    struct RefuseAll;

    impl PasswordPolicy for RefuseAll {
        fn problems(&self, _: &Password, _: &PersonalWords<'_>) -> Vec<PasswordProblem> {
            vec![PasswordProblem::Breached]
        }
    }

    fn valid_form() -> RegistrationForm {
        RegistrationForm {
            first_name: " Ada ".into(),
            surname: "Okafor".into(),
            email: "Ada.Okafor@Example.org".into(),
            username: String::new(),
            account_type: "practitioner".into(),
            practice_name: String::new(),
            registration_kind: String::new(),
            registration_number: String::new(),
            password: "violet kettle harbour".into(),
            confirm_possible_duplicate: false,
        }
    }

    fn fields(problems: &[FieldProblem]) -> Vec<RegistrationField> {
        problems.iter().map(|problem| problem.field).collect()
    }

    #[test]
    fn a_complete_form_parses_with_normalised_values() {
        let account = NewAccount::parse(&valid_form(), &Rules).unwrap();
        assert_eq!(account.first_name.as_str(), "Ada");
        assert_eq!(account.email.as_str(), "Ada.Okafor@Example.org");
        assert!(account.username.is_none());
        assert!(account.practice_name.is_none());
        assert!(account.registration_number.is_none());
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let form = RegistrationForm {
            first_name: "  ".into(),
            surname: String::new(),
            email: "not-an-email".into(),
            username: "ab".into(),
            account_type: "support".into(),
            password: "short".into(),
            registration_kind: "GMC".into(),
            ..valid_form()
        };
        let problems = NewAccount::parse(&form, &Rules).unwrap_err();
        assert_eq!(
            fields(&problems),
            [
                RegistrationField::FirstName,
                RegistrationField::Surname,
                RegistrationField::Email,
                RegistrationField::Username,
                RegistrationField::AccountType,
                RegistrationField::RegistrationNumber,
                RegistrationField::Password,
            ]
        );
    }

    #[test]
    fn practice_admins_must_name_their_practice() {
        let form = RegistrationForm {
            account_type: "practice_admin".into(),
            ..valid_form()
        };
        let problems = NewAccount::parse(&form, &Rules).unwrap_err();
        assert_eq!(fields(&problems), [RegistrationField::PracticeName]);

        let form = RegistrationForm {
            practice_name: "Riverside Surgery".into(),
            ..form
        };
        let account = NewAccount::parse(&form, &Rules).unwrap();
        assert_eq!(account.practice_name.unwrap().as_str(), "Riverside Surgery");
    }

    #[test]
    fn practitioners_practice_name_is_ignored() {
        let form = RegistrationForm {
            practice_name: "Leftover text".into(),
            ..valid_form()
        };
        let account = NewAccount::parse(&form, &Rules).unwrap();
        assert!(account.practice_name.is_none());
    }

    #[test]
    fn a_username_may_be_the_persons_own_email_in_any_case() {
        let form = RegistrationForm {
            username: "ada.okafor@example.org".into(),
            ..valid_form()
        };
        let account = NewAccount::parse(&form, &Rules).unwrap();
        assert_eq!(
            identifier_key(account.username.unwrap().as_str()),
            identifier_key(account.email.as_str())
        );
    }

    #[test]
    fn a_username_may_not_be_someone_elses_email() {
        let form = RegistrationForm {
            username: "someone.else@example.org".into(),
            ..valid_form()
        };
        let problems = NewAccount::parse(&form, &Rules).unwrap_err();
        assert_eq!(fields(&problems), [RegistrationField::Username]);
    }

    #[test]
    fn a_registration_number_needs_both_kind_and_number_and_is_normalised() {
        let form = RegistrationForm {
            registration_number: "123".into(),
            ..valid_form()
        };
        let problems = NewAccount::parse(&form, &Rules).unwrap_err();
        assert_eq!(fields(&problems), [RegistrationField::RegistrationNumber]);

        let form = RegistrationForm {
            registration_kind: "GMC".into(),
            registration_number: " 712 3456 ".into(),
            ..valid_form()
        };
        let account = NewAccount::parse(&form, &Rules).unwrap();
        assert_eq!(account.registration_number.unwrap().number, "7123456");
    }

    #[test]
    fn the_password_may_not_contain_the_chosen_username_or_email_name() {
        let form = RegistrationForm {
            username: "violet".into(),
            ..valid_form()
        };
        let problems = NewAccount::parse(&form, &Rules).unwrap_err();
        assert_eq!(fields(&problems), [RegistrationField::Password]);

        let form = RegistrationForm {
            password: "my ada.okafor secret".into(),
            ..valid_form()
        };
        let problems = NewAccount::parse(&form, &Rules).unwrap_err();
        let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                PasswordProblem::ContainsEmailName.to_string(),
                PasswordProblem::ContainsFirstName.to_string(),
                PasswordProblem::ContainsSurname.to_string(),
            ]
        );
        assert!(problems
            .iter()
            .all(|p| p.field == RegistrationField::Password));
    }

    #[test]
    fn the_password_may_not_contain_the_first_name_or_surname() {
        let form = RegistrationForm {
            password: "violet okafor kettle".into(),
            ..valid_form()
        };
        let problems = NewAccount::parse(&form, &Rules).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].message,
            "Your password must not contain your surname"
        );
    }

    #[test]
    fn the_policy_given_decides_the_password() {
        let problems = NewAccount::parse(&valid_form(), &RefuseAll).unwrap_err();
        assert_eq!(fields(&problems), [RegistrationField::Password]);
        assert_eq!(problems[0].message, PasswordProblem::Breached.to_string());
    }
}
