//! What the second step and enrolling send, get and are refused: shared
//! with the browser.

use serde::{Deserialize, Serialize};

use crate::auth::wait_text;
use crate::refusal::{Refusal, RefusalKind};

/// A code given as the second step: six digits from the authenticator
/// app, or one of the recovery codes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SecondStepForm {
    pub code: String,
}

/// An authenticator app to set up: the secret as text (in groups of four)
/// and as an `otpauth://` link drawn as a QR code (SVG).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpSetup {
    pub secret: String,
    pub uri: String,
    pub qr_svg: String,
}

/// The recovery codes, shown once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryCodes {
    pub codes: Vec<String>,
}

/// Why the second step or enrolling did not go through.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum SecondFactorError {
    #[error("Your session has ended. Log in again.")]
    NotLoggedIn,
    #[error("Only support accounts need this step.")]
    NotSupport,
    #[error("Choose your new password first: until then, your account can do nothing else.")]
    MustChooseFirst,
    #[error(
        "This enrolment link does not work: it was used already, replaced by a newer one, is \
         more than 24 hours old, or is for another support account. Ask another support user \
         for a new one, or run enrol-support-user on the server."
    )]
    LinkNotValid,
    /// Set up already: the second step is given with it at login.
    #[error("Your second step is set up already.")]
    AlreadyEnrolled,
    /// The account has nothing to prove yet.
    #[error("Set up your second step first, with the enrolment link you were given.")]
    NotEnrolled,
    #[error("Enter the 6-digit code from your authenticator app, or a recovery code.")]
    CodeMissing,
    #[error(
        "That code is not right, or was used already. Codes change every 30 seconds: enter the \
         one your app shows now. Each recovery code works once."
    )]
    WrongCode,
    #[error("Too many wrong codes. Try again in {}.", wait_text(*retry_after_seconds))]
    Throttled { retry_after_seconds: u64 },
    #[error(
        "This login is locked after too many failed attempts. Ask another support user to \
         unlock it."
    )]
    Locked,
    #[error("{message}")]
    Passkey { message: String },
    #[error("{}", crate::refusal::BUSY_WORDS)]
    Busy { retry_after_seconds: u64 },
    #[error("We could not do that just now. Please try again in a minute.")]
    Unavailable,
}

/// The code field, for the message next to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SecondFactorField {
    Code,
}

impl Refusal for SecondFactorError {
    type Field = SecondFactorField;

    fn kind(&self) -> RefusalKind {
        match self {
            SecondFactorError::NotLoggedIn => RefusalKind::NotLoggedIn,
            SecondFactorError::NotSupport => RefusalKind::Forbidden,
            SecondFactorError::Throttled { .. } => RefusalKind::Limited,
            SecondFactorError::Busy { .. } => RefusalKind::Busy,
            SecondFactorError::Unavailable => RefusalKind::Unavailable,
            SecondFactorError::MustChooseFirst
            | SecondFactorError::LinkNotValid
            | SecondFactorError::AlreadyEnrolled
            | SecondFactorError::NotEnrolled
            | SecondFactorError::CodeMissing
            | SecondFactorError::WrongCode
            | SecondFactorError::Locked
            | SecondFactorError::Passkey { .. } => RefusalKind::Refused,
        }
    }

    fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            SecondFactorError::Throttled {
                retry_after_seconds,
            }
            | SecondFactorError::Busy {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            _ => None,
        }
    }

    fn fields(&self) -> Vec<SecondFactorField> {
        match self {
            SecondFactorError::CodeMissing | SecondFactorError::WrongCode => {
                vec![SecondFactorField::Code]
            }
            _ => Vec::new(),
        }
    }
}
