//! The account rules of SPEC.md §1–3 as pure functions and validated
//! types, shared by the server and the browser (this module compiles to
//! WASM: no I/O, no clock). Server-only: generating reset passwords (the
//! one random function), the breached-password list and the strength
//! estimator (megabytes the browser has no need of: it asks the server).
//!
//! Input is parsed once at the edge (`Username::parse`, `Email::parse`,
//! `Password::new`, …); the types then carry the normalised value, and each
//! error's `Display` text is the sentence shown next to the field.

pub mod account_type;
#[cfg(feature = "server")]
pub mod breached;
pub mod email;
pub mod email_domain;
#[cfg(feature = "server")]
pub mod login_name;
#[cfg(feature = "server")]
pub mod lookalike;
pub mod password;
pub mod person;
pub mod registration;
pub mod reset_password;
pub mod search;
#[cfg(feature = "server")]
pub mod strength;
pub mod text;
pub mod typo;
pub mod username;

pub use account_type::{AccountType, UnknownValue};
#[cfg(feature = "server")]
pub use breached::BreachedPasswords;
pub use email::{Email, EmailError};
pub use email_domain::{suggest_domain, COMMON_EMAIL_DOMAINS};
#[cfg(feature = "server")]
pub use password::NewPasswordRules;
pub use password::{
    GuessHint, Password, PasswordPolicy, PasswordProblem, PasswordRule, PersonalWords,
    MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS,
};
pub use person::{NameError, PersonName, PracticeName};
pub use registration::{RegistrationKind, RegistrationNumber, RegistrationNumberError};
pub use reset_password::canonical_reset_password;
#[cfg(feature = "server")]
pub use reset_password::generate_reset_password;
pub use search::{search_terms, QueryError, SearchQuery};
pub use typo::TypoCorrection;
pub use username::{Username, UsernameError};
