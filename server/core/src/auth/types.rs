//! What login takes, gives and refuses: shared with the browser.

use serde::{Deserialize, Serialize};

use crate::refusal::{Refusal, RefusalKind};

use crate::rules::AccountType;

/// What the login dialog sends, exactly as typed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    /// A username or an email address.
    pub identifier: String,
    pub password: String,
}

/// The first half of a passkey ceremony, for the browser: the ceremony's
/// id, to send back with the answer, and the options (WebAuthn's JSON form)
/// to pass to `navigator.credentials`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyCeremony {
    pub ceremony: String,
    pub options: String,
}

/// What the browser sends to log in with a passkey: the ceremony's id and
/// the authenticator's answer (`PublicKeyCredential.toJSON()`, as text).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PasskeyLoginForm {
    pub ceremony: String,
    pub credential: String,
}

/// The logged-in person, as the header shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub account_id: i64,
    pub username: String,
    /// The current email, as typed.
    pub email: String,
    pub first_name: String,
    pub surname: String,
    pub account_type: AccountType,
    /// Must choose a new password before anything else (logged in with a
    /// reset password, or with a password found in the breached list).
    #[serde(default)]
    pub must_change_password: bool,
    /// Why, when [`CurrentUser::must_change_password`].
    #[serde(default)]
    pub must_change_reason: Option<MustChangeReason>,
    /// The current email has been confirmed (a link sent to it followed,
    /// or a reset password sent to it used); until then the pages ask.
    #[serde(default)]
    pub email_confirmed: bool,
    /// This session proved a second factor: it was started by a passkey,
    /// or a code was given after the password.
    #[serde(default)]
    pub second_factor: bool,
    /// The account has a second factor to prove: a passkey, or a
    /// confirmed authenticator app.
    #[serde(default)]
    pub has_second_factor: bool,
}

/// Where a session stands on the second factor the support console needs
/// (NIST SP 800-63B-4 AAL2). Anyone else needs none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SecondStep {
    NotNeeded,
    /// The session proved one.
    Done,
    /// The account has one; this session has not proved it yet.
    Needed,
    /// A support user without any: only enrolling (with the link they
    /// were given) is open to them.
    EnrolFirst,
}

/// Why a session must choose a new password before anything else.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MustChangeReason {
    /// It was started with a reset password (SPEC.md §4).
    Reset,
    /// The account's password is in the breached-password list (SPEC.md
    /// §3): evidence that attackers know it.
    Breached,
}

impl MustChangeReason {
    /// What the "Choose a new password" dialog says first.
    pub fn explanation(self) -> &'static str {
        match self {
            MustChangeReason::Reset => {
                "You logged in with a reset password. Choose a password of your own to finish; \
                 the one from the email will not work again."
            }
            MustChangeReason::Breached => {
                "Your password appears in a list of passwords exposed in data breaches, so \
                 attackers may try it on your account. Choose a new one to go on."
            }
        }
    }

    /// How the support console names it.
    pub fn support_text(self) -> &'static str {
        match self {
            MustChangeReason::Reset => "after a reset",
            MustChangeReason::Breached => "password found in the breach list",
        }
    }
}

impl CurrentUser {
    pub fn second_step(&self) -> SecondStep {
        if !self.is_support() {
            SecondStep::NotNeeded
        } else if self.second_factor {
            SecondStep::Done
        } else if self.has_second_factor {
            SecondStep::Needed
        } else {
            SecondStep::EnrolFirst
        }
    }

    pub fn is_support(&self) -> bool {
        self.account_type.is_support()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LoginField {
    Identifier,
    Password,
}

impl LoginField {
    /// What to say when the field was left empty.
    pub fn when_missing(self) -> &'static str {
        match self {
            LoginField::Identifier => "Enter your username or email address",
            LoginField::Password => "Enter your password",
        }
    }
}

/// Every empty field's message, one sentence each.
fn missing_text(fields: &[LoginField]) -> String {
    fields
        .iter()
        .map(|field| format!("{}.", field.when_missing()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why a login did not start a session. Unknown names, wrong passwords and
/// disabled accounts all give [`LoginError::Incorrect`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum LoginError {
    /// Each field left empty (both, when both were).
    #[error("{}", missing_text(fields))]
    Missing { fields: Vec<LoginField> },
    #[error("Your username/email or password is incorrect.")]
    Incorrect,
    /// Too many failures in a row for this name: wait.
    #[error("Too many failed attempts. Try again in {}.", wait_text(*retry_after_seconds))]
    Throttled { retry_after_seconds: u64 },
    /// 100 failures in a row: only a reset or support unlocks it.
    #[error("This login is locked after too many failed attempts. Use Forgotten password to get a new password, or contact support.")]
    Locked,
    /// Too many attempts from this network address.
    #[error("Too many login attempts from your network. Try again in {}.", wait_text(*retry_after_seconds))]
    RateLimited { retry_after_seconds: u64 },
    /// The hashing queue is full: answered at once, before any work.
    #[error("{}", crate::refusal::BUSY_WORDS)]
    Busy { retry_after_seconds: u64 },
    /// The passkey's answer came too late, or was sent twice.
    #[error("That took too long. Choose \"Log in with a passkey\" again.")]
    PasskeyExpired,
    /// The passkey is not (or no longer) one of an active account's, or
    /// its answer did not verify.
    #[error(
        "We could not log you in with that passkey. It may have been removed from your \
         account. Log in with your username or email and password instead."
    )]
    PasskeyNotAccepted,
    #[error("We could not log you in just now. Please try again in a minute.")]
    Unavailable,
}

impl Refusal for LoginError {
    type Field = LoginField;

    fn kind(&self) -> RefusalKind {
        match self {
            LoginError::Unavailable => RefusalKind::Unavailable,
            LoginError::RateLimited { .. } => RefusalKind::Limited,
            LoginError::Busy { .. } => RefusalKind::Busy,
            LoginError::Missing { .. }
            | LoginError::Incorrect
            | LoginError::Throttled { .. }
            | LoginError::Locked
            | LoginError::PasskeyExpired
            | LoginError::PasskeyNotAccepted => RefusalKind::Refused,
        }
    }

    fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            LoginError::RateLimited {
                retry_after_seconds,
            }
            | LoginError::Throttled {
                retry_after_seconds,
            }
            | LoginError::Busy {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            _ => None,
        }
    }

    fn fields(&self) -> Vec<LoginField> {
        match self {
            LoginError::Missing { fields } => fields.clone(),
            _ => Vec::new(),
        }
    }
}

/// "45 seconds", "1 minute", "15 minutes": rounded up, never "0 seconds".
pub fn wait_text(seconds: u64) -> String {
    match seconds.max(1) {
        1 => "1 second".to_owned(),
        s @ 2..=59 => format!("{s} seconds"),
        s => {
            let minutes = s.div_ceil(60);
            if minutes == 1 {
                "1 minute".to_owned()
            } else {
                format!("{minutes} minutes")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_are_rounded_up_to_whole_seconds_or_minutes() {
        assert_eq!(wait_text(0), "1 second");
        assert_eq!(wait_text(45), "45 seconds");
        assert_eq!(wait_text(60), "1 minute");
        assert_eq!(wait_text(61), "2 minutes");
        assert_eq!(
            LoginError::Throttled {
                retry_after_seconds: 900
            }
            .to_string(),
            "Too many failed attempts. Try again in 15 minutes."
        );
    }
}
