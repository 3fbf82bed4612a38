//! The verdict on a new password while it is typed (SPEC.md §3): the
//! registration and "Choose a new password" dialogs show the rules and ask
//! the server which of them the text breaks, rather than shipping the
//! breached-password list and the strength estimator to every browser.
//! The verdict is advice: registration and choosing a password check again
//! when the form is sent.
//!
//! The wire types are pure (shared with the browser); [`password_verdict()`]
//! is the server side.

use serde::{Deserialize, Serialize};

use crate::auth::wait_text;
use crate::refusal::{NoField, Refusal, RefusalKind};
use crate::rules::PasswordProblem;

#[cfg(feature = "server")]
mod verdict;

#[cfg(feature = "server")]
pub use verdict::{password_verdict, DEFAULT_VERDICT_RATE};

/// What the dialog sends: the password and the person's own words as typed
/// so far (any of them may be blank).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VerdictForm {
    pub password: String,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub surname: String,
}

/// Every rule the password breaks; empty when it would be accepted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordVerdict {
    pub problems: Vec<PasswordProblem>,
}

/// Why there is no verdict. Neither stops the person: the form is checked
/// when it is sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum VerdictError {
    /// Too many checks from this network address in a short time.
    #[error(
        "Too many password checks from your network. Your password will be checked when you \
         send the form, or live again in {}.",
        wait_text(*retry_after_seconds)
    )]
    RateLimited { retry_after_seconds: u64 },
    #[error(
        "Your password could not be checked just now; it will be checked when you send the form."
    )]
    Unavailable,
}

impl Refusal for VerdictError {
    type Field = NoField;

    fn kind(&self) -> RefusalKind {
        match self {
            VerdictError::RateLimited { .. } => RefusalKind::Limited,
            VerdictError::Unavailable => RefusalKind::Unavailable,
        }
    }

    fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            VerdictError::RateLimited {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            VerdictError::Unavailable => None,
        }
    }
}
