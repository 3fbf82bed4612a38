//! What the reset dialogs send, get and are refused: shared with the browser.

use serde::{Deserialize, Serialize};

use crate::refusal::{Refusal, RefusalKind};

use crate::auth::wait_text;
use crate::rules::PasswordProblem;

/// What the "Forgotten password" dialog sends, as typed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ResetForm {
    pub email: String,
}

/// The one answer to an accepted request, whether or not the address has
/// an account: the dialog shows the same words either way, with the address
/// as typed so a typo can be spotted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetRequested {
    pub address: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum ResetError {
    /// Blank or not an email address: said next to the field.
    #[error("{message}")]
    InvalidEmail { message: String },
    /// The address had three requests in the last hour (counted for every
    /// address, known or not, so this reveals nothing).
    #[error(
        "This address has had 3 reset requests in the last hour. If it belongs to an account, \
         the latest email is on its way: check your spam or junk folder. You can ask again in {}.",
        wait_text(*retry_after_seconds)
    )]
    TooManyForAddress { retry_after_seconds: u64 },
    /// Too many requests from this network address.
    #[error("Too many reset requests from your network. Try again in {}.", wait_text(*retry_after_seconds))]
    RateLimited { retry_after_seconds: u64 },
    /// The hashing queue is full: answered at once, before any work.
    #[error("{}", crate::refusal::BUSY_WORDS)]
    Busy { retry_after_seconds: u64 },
    #[error("We could not send a reset email just now. Please try again in a minute.")]
    Unavailable,
}

/// The "Forgotten password" dialog's one field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResetField {
    Email,
}

impl Refusal for ResetError {
    type Field = ResetField;

    fn kind(&self) -> RefusalKind {
        match self {
            ResetError::Unavailable => RefusalKind::Unavailable,
            ResetError::Busy { .. } => RefusalKind::Busy,
            ResetError::InvalidEmail { .. } => RefusalKind::Refused,
            ResetError::TooManyForAddress { .. } | ResetError::RateLimited { .. } => {
                RefusalKind::Limited
            }
        }
    }

    fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            ResetError::TooManyForAddress {
                retry_after_seconds,
            }
            | ResetError::RateLimited {
                retry_after_seconds,
            }
            | ResetError::Busy {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            _ => None,
        }
    }

    fn fields(&self) -> Vec<ResetField> {
        match self {
            ResetError::InvalidEmail { .. } => vec![ResetField::Email],
            _ => Vec::new(),
        }
    }
}

/// What the "Choose a new password" dialog sends.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChoosePasswordForm {
    pub password: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum ChoosePasswordError {
    /// The new password breaks these rules (SPEC.md §3).
    #[error("{}", problems.iter().map(ToString::to_string).collect::<Vec<_>>().join(". "))]
    Invalid { problems: Vec<PasswordProblem> },
    #[error("Your session has ended. Log in again, then choose your new password.")]
    NotLoggedIn,
    /// Only a session started with a reset password chooses one here.
    #[error("You are already logged in, so there is no new password to choose.")]
    NotRequired,
    /// Too many attempts for this account in a short time.
    #[error("Too many attempts at a new password. Try again in {}.", wait_text(*retry_after_seconds))]
    RateLimited { retry_after_seconds: u64 },
    /// The hashing queue is full: answered at once, before any work.
    #[error("{}", crate::refusal::BUSY_WORDS)]
    Busy { retry_after_seconds: u64 },
    #[error("We could not save your password just now. Please try again in a minute.")]
    Unavailable,
}

/// The "Choose a new password" dialog's one field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChoosePasswordField {
    Password,
}

impl Refusal for ChoosePasswordError {
    type Field = ChoosePasswordField;

    fn kind(&self) -> RefusalKind {
        match self {
            ChoosePasswordError::Invalid { .. } | ChoosePasswordError::NotRequired => {
                RefusalKind::Refused
            }
            ChoosePasswordError::NotLoggedIn => RefusalKind::NotLoggedIn,
            ChoosePasswordError::RateLimited { .. } => RefusalKind::Limited,
            ChoosePasswordError::Unavailable => RefusalKind::Unavailable,
            ChoosePasswordError::Busy { .. } => RefusalKind::Busy,
        }
    }

    fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            ChoosePasswordError::Busy {
                retry_after_seconds,
            }
            | ChoosePasswordError::RateLimited {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            _ => None,
        }
    }

    fn fields(&self) -> Vec<ChoosePasswordField> {
        match self {
            ChoosePasswordError::Invalid { .. } => vec![ChoosePasswordField::Password],
            _ => Vec::new(),
        }
    }
}
