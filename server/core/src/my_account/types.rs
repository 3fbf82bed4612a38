//! What the "My account" page shows, sends and is refused: shared with the
//! browser.

use serde::{Deserialize, Serialize};

use crate::auth::wait_text;
use crate::clock::Millis;
use crate::refusal::{Refusal, RefusalKind};
use crate::rules::{AccountType, PasswordProblem, RegistrationNumber};

/// The logged-in person's own account, as the page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MyAccount {
    pub first_name: String,
    pub surname: String,
    pub username: String,
    pub email: String,
    pub account_type: AccountType,
    pub practice_name: Option<String>,
    pub registration_numbers: Vec<RegistrationNumber>,
    pub created_at: Millis,
    /// Every session still alive, newest first; the one asking is marked.
    pub sessions: Vec<OpenSession>,
    /// When the current address was confirmed; `None` until it is.
    pub email_confirmed_at: Option<Millis>,
    /// A new address waiting for its confirmation.
    pub pending_email: Option<PendingEmail>,
    /// The account's passkeys, oldest first.
    pub passkeys: Vec<PasskeySummary>,
}

/// One of the account's passkeys, as My account (and support) list it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeySummary {
    pub id: i64,
    pub name: String,
    pub created_at: Millis,
    pub last_used_at: Option<Millis>,
    /// Kept by a password manager that syncs it between devices (the
    /// authenticator's backup state), rather than by one device.
    pub synced: bool,
}

/// What finishing "Add a passkey" sends: the ceremony's id and the
/// authenticator's answer (`PublicKeyCredential.toJSON()`, as text). The
/// name was sent to begin it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AddPasskeyForm {
    pub ceremony: String,
    pub credential: String,
}

/// What "Remove" on a passkey sends: which one, and the current password.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RemovePasskeyForm {
    pub passkey: i64,
    pub current_password: String,
}

/// A change of address waiting for the link sent to the new address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingEmail {
    pub address: String,
    pub expires_at: Millis,
}

/// What the "Change email" form sends.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChangeEmailForm {
    pub new_email: String,
    pub current_password: String,
}

/// A confirmation link is on its way to `address`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmationSent {
    pub address: String,
}

/// A confirmation link was followed: `address` is the account's,
/// confirmed; `changed` when it replaced another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailConfirmed {
    pub address: String,
    pub changed: bool,
}

/// Why a confirmation or cancel link did nothing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum ConfirmEmailError {
    #[error(
        "This link no longer works: it was used already, replaced by a newer one, cancelled, \
         or it is more than 24 hours old. Log in and look at My account to see your email \
         address, or ask for a new link there."
    )]
    NotOpen,
    #[error(
        "Another account uses this email address now, so it cannot become yours. Your email \
         address has not changed. Contact support if you think this is wrong."
    )]
    Taken,
    #[error("We could not do that just now. Please try again in a minute.")]
    Unavailable,
}

impl Refusal for ConfirmEmailError {
    type Field = crate::refusal::NoField;

    fn kind(&self) -> RefusalKind {
        match self {
            ConfirmEmailError::NotOpen | ConfirmEmailError::Taken => RefusalKind::Refused,
            ConfirmEmailError::Unavailable => RefusalKind::Unavailable,
        }
    }
}

/// One session that can still be used, described for its owner.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenSession {
    /// Names the session to "End this session": the first 16 hex digits of
    /// the stored token hash. A hash of a random token reveals nothing of
    /// the token, and it is shown only to the session's owner.
    pub handle: String,
    pub started_at: Millis,
    pub last_seen_at: Millis,
    /// "Firefox 133 on Windows 10", from the User-Agent the browser sent;
    /// `None` when it sent none (or before sessions recorded it).
    pub browser: Option<String>,
    pub client_address: Option<String>,
    /// The session this page was asked for with.
    pub current: bool,
}

/// What the "Change password" form sends.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChangePasswordForm {
    pub current_password: String,
    pub new_password: String,
}

/// A changed password: the session that changed it goes on, the others
/// were ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordChanged {
    pub other_sessions_ended: u32,
}

/// Sessions ended at their owner's request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionsEnded {
    pub ended: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum MyAccountError {
    #[error("Your session has ended. Log in again to see your account.")]
    NotLoggedIn,
    /// A session started with a reset (or breached) password may only
    /// choose a new one.
    #[error("Choose your new password first: until then, your account can do nothing else.")]
    MustChooseFirst,
    /// A support user's session that has not given its second step.
    #[error(
        "Support accounts need their second step first: open the support console to give it \
         (or to set one up with your enrolment link)."
    )]
    SecondStepFirst,
    #[error("Enter your current password.")]
    CurrentPasswordMissing,
    /// Counted like a failed login: repeated guesses from a borrowed
    /// session are delayed and, in the end, locked out like any others.
    #[error("That is not your current password. Passwords are case-sensitive: check Caps Lock.")]
    WrongPassword,
    #[error("{}", problems.iter().map(ToString::to_string).collect::<Vec<_>>().join(". "))]
    Invalid { problems: Vec<PasswordProblem> },
    #[error("The new password is the same as your current one. Choose a different password.")]
    SameAsCurrent,
    #[error("Too many wrong passwords. Try again in {}.", wait_text(*retry_after_seconds))]
    Throttled { retry_after_seconds: u64 },
    #[error(
        "Your account is locked after too many wrong passwords. Log out, then use \
         \"Forgotten password\" in the Log in box to get a new one by email."
    )]
    Locked,
    #[error("{message}")]
    InvalidEmail { message: String },
    #[error("That is already your email address.")]
    SameEmail,
    #[error("Your email address is already confirmed.")]
    AlreadyConfirmed,
    #[error(
        "We have sent several confirmation emails in the last hour. Check your spam or junk \
         folder; you can ask again in {}.",
        wait_text(*retry_after_seconds)
    )]
    TooManyEmails { retry_after_seconds: u64 },
    /// The session to end is not one of this account's open sessions (it
    /// ended meanwhile, or the handle was made up).
    #[error("That session has already ended.")]
    NoSuchSession,
    #[error("Give the passkey a name, such as the device it is on: \"Work laptop\".")]
    PasskeyNameMissing,
    #[error("A passkey's name can be at most 60 characters.")]
    PasskeyNameTooLong,
    /// The ceremony was answered already, is too old, or is another
    /// session's.
    #[error("That took too long. Choose \"Add a passkey\" again.")]
    PasskeyExpired,
    #[error(
        "Your device's answer could not be checked, so no passkey was added. Try again, or use \
         another device."
    )]
    PasskeyNotAccepted,
    #[error("This passkey is already added to an account here.")]
    PasskeyAlreadyAdded,
    #[error("That passkey has already been removed.")]
    NoSuchPasskey,
    #[error("{}", crate::refusal::BUSY_WORDS)]
    Busy { retry_after_seconds: u64 },
    #[error("We could not do that just now. Please try again in a minute.")]
    Unavailable,
}

/// The fields of the "Change password" form, for field-level messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MyAccountField {
    CurrentPassword,
    NewPassword,
    NewEmail,
    PasskeyName,
}

impl Refusal for MyAccountError {
    type Field = MyAccountField;

    fn kind(&self) -> RefusalKind {
        match self {
            MyAccountError::NotLoggedIn => RefusalKind::NotLoggedIn,
            MyAccountError::Throttled { .. } | MyAccountError::TooManyEmails { .. } => {
                RefusalKind::Limited
            }
            MyAccountError::Busy { .. } => RefusalKind::Busy,
            MyAccountError::Unavailable => RefusalKind::Unavailable,
            MyAccountError::MustChooseFirst
            | MyAccountError::SecondStepFirst
            | MyAccountError::CurrentPasswordMissing
            | MyAccountError::WrongPassword
            | MyAccountError::Invalid { .. }
            | MyAccountError::SameAsCurrent
            | MyAccountError::Locked
            | MyAccountError::InvalidEmail { .. }
            | MyAccountError::SameEmail
            | MyAccountError::AlreadyConfirmed
            | MyAccountError::NoSuchSession
            | MyAccountError::PasskeyNameMissing
            | MyAccountError::PasskeyNameTooLong
            | MyAccountError::PasskeyExpired
            | MyAccountError::PasskeyNotAccepted
            | MyAccountError::PasskeyAlreadyAdded
            | MyAccountError::NoSuchPasskey => RefusalKind::Refused,
        }
    }

    fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            MyAccountError::Throttled {
                retry_after_seconds,
            }
            | MyAccountError::TooManyEmails {
                retry_after_seconds,
            }
            | MyAccountError::Busy {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            _ => None,
        }
    }

    fn fields(&self) -> Vec<MyAccountField> {
        match self {
            MyAccountError::CurrentPasswordMissing | MyAccountError::WrongPassword => {
                vec![MyAccountField::CurrentPassword]
            }
            MyAccountError::Invalid { .. } | MyAccountError::SameAsCurrent => {
                vec![MyAccountField::NewPassword]
            }
            MyAccountError::InvalidEmail { .. } | MyAccountError::SameEmail => {
                vec![MyAccountField::NewEmail]
            }
            MyAccountError::PasskeyNameMissing | MyAccountError::PasskeyNameTooLong => {
                vec![MyAccountField::PasskeyName]
            }
            _ => Vec::new(),
        }
    }
}
