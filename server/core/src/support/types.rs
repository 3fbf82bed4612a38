//! What the support console shows and sends: shared with the browser.

use serde::{Deserialize, Serialize};

use crate::refusal::{Refusal, RefusalKind};

use crate::clock::Millis;
use crate::rules::AccountType;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    Active,
    Disabled,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Disabled => "disabled",
        }
    }

    pub fn parse(text: &str) -> Option<AccountStatus> {
        match text {
            "active" => Some(AccountStatus::Active),
            "disabled" => Some(AccountStatus::Disabled),
            _ => None,
        }
    }
}

/// Read from the database's text form.
impl TryFrom<String> for AccountStatus {
    type Error = crate::rules::UnknownValue;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        AccountStatus::parse(&text).ok_or(crate::rules::UnknownValue {
            of: "account status",
            value: text,
        })
    }
}

/// One row of the search results.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(sqlx::FromRow))]
pub struct AccountSummary {
    pub account_id: i64,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub surname: String,
    #[cfg_attr(feature = "server", sqlx(try_from = "String"))]
    pub account_type: AccountType,
    #[cfg_attr(feature = "server", sqlx(try_from = "String"))]
    pub status: AccountStatus,
    pub last_login_at: Option<Millis>,
    /// Another account may belong to the same person (the account page
    /// lists which). Filled in for search results only, in one query for
    /// the whole page; false elsewhere.
    #[cfg_attr(feature = "server", sqlx(default))]
    #[serde(default)]
    pub possible_duplicate: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    pub accounts: Vec<AccountSummary>,
    /// More accounts matched than are listed: the query should be narrower.
    pub truncated: bool,
}

/// Everything support may see of one account (SPEC.md §5). Never a
/// password, a hash or a session token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDetail {
    pub summary: AccountSummary,
    pub practice_name: Option<String>,
    pub created_at: Millis,
    /// When the current email was confirmed by its owner; `None`: not yet.
    #[serde(default)]
    pub email_confirmed_at: Option<Millis>,
    pub email_history: Vec<PastEmail>,
    /// As stored, including numbers that predate today's rules.
    pub registration_numbers: Vec<crate::rules::RegistrationNumber>,
    pub security: SecurityState,
    pub deliveries: Vec<Delivery>,
    pub possible_duplicates: Vec<PossibleDuplicate>,
    pub audit: Vec<AuditEntry>,
    pub events: Vec<FeedEvent>,
    /// The account's passkeys (name, added, last used), oldest first.
    #[serde(default)]
    pub passkeys: Vec<crate::my_account::PasskeySummary>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(sqlx::FromRow))]
pub struct PastEmail {
    pub email: String,
    pub changed_at: Millis,
    /// The support user who changed it; `None`: the person themself.
    pub changed_by: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityState {
    /// Consecutive failed logins since the last success.
    pub failed_logins: u32,
    pub throttled_until: Option<Millis>,
    pub locked_at: Option<Millis>,
    pub last_login_at: Option<Millis>,
    pub last_reset_at: Option<Millis>,
    /// The pending reset password's expiry, while one is unused.
    pub reset_expires_at: Option<Millis>,
    /// The account must choose a new password at its next login or in a
    /// session open now.
    pub must_change_password: bool,
    /// Why: a session started with a reset password has yet to choose one,
    /// or the password was found in the breached list (which wins: it
    /// holds at every login until the password is changed).
    #[serde(default)]
    pub must_change_reason: Option<crate::auth::MustChangeReason>,
    /// When a login found the password in the breached list.
    #[serde(default)]
    pub password_breached_at: Option<Millis>,
    pub active_sessions: u32,
}

/// One email to the account and what became of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(sqlx::FromRow))]
pub struct Delivery {
    pub message_id: i64,
    pub subject: String,
    pub recipient: String,
    /// queued, sending, sent, abandoned or superseded.
    pub status: String,
    #[cfg_attr(feature = "server", sqlx(try_from = "crate::store::rows::Count"))]
    pub attempts: u32,
    pub created_at: Millis,
    pub finished_at: Option<Millis>,
    /// The mail server's last reply (or why there was none).
    pub last_reply: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(sqlx::FromRow))]
pub struct PossibleDuplicate {
    pub account_id: i64,
    pub username: String,
    pub name: String,
    /// registration_number, name_and_number, or look_alike_name (a login
    /// name of one looks like one of the other's, found at start-up).
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(sqlx::FromRow))]
pub struct AuditEntry {
    pub occurred_at: Millis,
    /// The support user's username.
    pub actor: String,
    pub action: String,
    /// JSON of the state before and after.
    pub before: String,
    pub after: String,
}

/// One entry of the live feed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(sqlx::FromRow))]
pub struct FeedEvent {
    pub id: i64,
    pub occurred_at: Millis,
    /// registered, login, login_corrected, login_failed, login_throttled,
    /// login_locked, reset_requested, login_with_reset, password_changed,
    /// email_sent, email_failed, email_abandoned, email_superseded,
    /// support_action.
    pub kind: String,
    pub account_id: Option<i64>,
    pub username: Option<String>,
    /// JSON with the particulars (which correction, which action, ...).
    pub detail: String,
}

/// What support can do to an account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum SupportAction {
    /// Email the account a new password, as Forgotten password does.
    SendReset,
    /// Replace the current email; the old one goes to the history.
    ChangeEmail {
        email: String,
        /// Why support is sure, when the new address looks like one the
        /// account has had (typed after the first refusal; audited).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        look_alike_reason: Option<String>,
    },
    /// Clear the failed-login count, the delay and the lock.
    Unlock,
    /// Refuse logins and end every session.
    Disable,
    Enable,
    /// A support account's second factors taken away (a lost device): its
    /// sessions end, and a new enrolment link is emailed to it.
    ResetSecondFactor,
    /// Remove one of the account's passkeys (lost or stolen device).
    RemovePasskey {
        passkey: i64,
        /// Its name, for the question asked before; the audit records the
        /// name stored.
        #[serde(default)]
        name: String,
    },
}

impl SupportAction {
    /// The name in the audit trail and the live feed.
    pub fn name(&self) -> &'static str {
        match self {
            SupportAction::SendReset => "send_reset",
            SupportAction::ChangeEmail { .. } => "change_email",
            SupportAction::Unlock => "unlock",
            SupportAction::Disable => "disable",
            SupportAction::Enable => "enable",
            SupportAction::RemovePasskey { .. } => "remove_passkey",
            SupportAction::ResetSecondFactor => "reset_second_factor",
        }
    }
}

/// What "Add a support user" sends. No password: the new support user
/// gets their own by email.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewStaffForm {
    pub first_name: String,
    pub surname: String,
    pub email: String,
    pub username: String,
}

/// A support user made from the console.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewStaff {
    pub account_id: i64,
    pub username: String,
}

/// How a new email address resembles one the account has had.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AddressResemblance {
    /// A different address that looks the same.
    Address,
    /// Another address at a domain that looks the same as the known one's.
    Domain,
}

fn resemblance_words(new: &str, known: &str, resembles: AddressResemblance) -> String {
    let what = match resembles {
        AddressResemblance::Address => format!(
            "{new} looks the same as {known}, an address this account has had, but it is a \
             different address"
        ),
        AddressResemblance::Domain => format!(
            "The part after the @ in {new} looks the same as in {known}, an address this \
             account has had, but it is a different domain, which anyone can register"
        ),
    };
    format!(
        "{what} (letters from another alphabet look identical). Mail to it may reach someone \
         else. If you are sure it is right, say why and confirm again: your reason is kept \
         in the audit trail."
    )
}

/// Why a support request was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum SupportError {
    #[error("Log in with a support account to use the support console.")]
    NotLoggedIn,
    #[error("The support console is for support staff only.")]
    Forbidden,
    /// Logged in with the password only: a code or a passkey is needed.
    #[error("Give your second step (a code from your authenticator app, a recovery code, or your passkey) to open the support console.")]
    SecondStepNeeded,
    /// A support user with no second factor yet.
    #[error("Set up your second step with the enrolment link you were given before using the support console.")]
    EnrolFirst,
    #[error("There is no such account.")]
    NotFound,
    #[error("{message}")]
    InvalidEmail { message: String },
    #[error("Another account already uses that email address or has it as its username.")]
    EmailTaken,
    #[error(
        "Another account has an email address or username that looks the same as this \
         one (letters from another alphabet look identical)."
    )]
    EmailLooksTaken,
    #[error("That is already the account's email address.")]
    SameEmail,
    /// The new address looks like one the account has had but is not it:
    /// the change needs a second confirmation with a reason.
    #[error("{}", resemblance_words(new, known, *resembles))]
    LooksLikeKnownAddress {
        new: String,
        known: String,
        resembles: AddressResemblance,
    },
    /// An action the console does not do to support accounts: their email
    /// and passkeys are their owner's (a colleague resets the second step).
    #[error(
        "A support account's email and passkeys are its owner's to change. For a support user \
         you can send a reset email, unlock, disable or enable the account, or reset its second \
         step."
    )]
    SupportAccount,
    /// Only support accounts have a second step to reset.
    #[error("Only support accounts have a second step to reset.")]
    NotSupportAccount,
    /// Staff do not act on their own account from the console.
    #[error("You cannot do this to your own account. Ask another support user.")]
    OwnAccount,
    /// The new support user's details break a registration rule, or the
    /// name or address is taken.
    #[error("{message}")]
    InvalidStaff { message: String },
    /// Disabling would leave no enabled support account.
    #[error("This is the last enabled support account: enable or create another one first.")]
    LastSupportUser,
    #[error("The account is disabled. Enable it first.")]
    AccountDisabled,
    #[error("The login is not locked or delayed, so there is nothing to unlock.")]
    NotLocked,
    #[error("The account is already disabled.")]
    AlreadyDisabled,
    #[error("The account is already enabled.")]
    AlreadyEnabled,
    #[error("That passkey has already been removed.")]
    PasskeyGone,
    #[error("Type at least one letter or digit to search.")]
    EmptyQuery,
    #[error("Searches are limited to {max} characters.")]
    InvalidQuery { max: usize },
    #[error("Keep the note to {max} characters.")]
    NoteTooLong { max: usize },
    /// The hashing queue is full: answered at once, before any work.
    #[error("{}", crate::refusal::BUSY_WORDS)]
    Busy { retry_after_seconds: u64 },
    #[error("The support console is unavailable just now. Please try again in a minute.")]
    Unavailable,
}

impl From<crate::rules::QueryError> for SupportError {
    fn from(error: crate::rules::QueryError) -> Self {
        match error {
            crate::rules::QueryError::Empty => SupportError::EmptyQuery,
            crate::rules::QueryError::TooLong { max } => SupportError::InvalidQuery { max },
        }
    }
}

/// The support console's fields: the search box, the new email of
/// "Change email", the note that closes a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SupportField {
    Query,
    Email,
    Note,
}

impl Refusal for SupportError {
    type Field = SupportField;

    fn kind(&self) -> RefusalKind {
        match self {
            SupportError::NotLoggedIn => RefusalKind::NotLoggedIn,
            SupportError::Forbidden | SupportError::SecondStepNeeded | SupportError::EnrolFirst => {
                RefusalKind::Forbidden
            }
            SupportError::NotFound => RefusalKind::NotFound,
            SupportError::Unavailable => RefusalKind::Unavailable,
            SupportError::Busy { .. } => RefusalKind::Busy,
            SupportError::InvalidEmail { .. }
            | SupportError::EmailTaken
            | SupportError::EmailLooksTaken
            | SupportError::SameEmail
            | SupportError::LooksLikeKnownAddress { .. }
            | SupportError::SupportAccount
            | SupportError::NotSupportAccount
            | SupportError::OwnAccount
            | SupportError::LastSupportUser
            | SupportError::InvalidStaff { .. }
            | SupportError::PasskeyGone
            | SupportError::AccountDisabled
            | SupportError::NotLocked
            | SupportError::AlreadyDisabled
            | SupportError::AlreadyEnabled
            | SupportError::EmptyQuery
            | SupportError::InvalidQuery { .. }
            | SupportError::NoteTooLong { .. } => RefusalKind::Refused,
        }
    }

    fn fields(&self) -> Vec<SupportField> {
        match self {
            SupportError::InvalidEmail { .. }
            | SupportError::EmailTaken
            | SupportError::EmailLooksTaken
            | SupportError::SameEmail
            | SupportError::LooksLikeKnownAddress { .. } => {
                vec![SupportField::Email]
            }
            SupportError::EmptyQuery | SupportError::InvalidQuery { .. } => {
                vec![SupportField::Query]
            }
            SupportError::NoteTooLong { .. } => vec![SupportField::Note],
            _ => Vec::new(),
        }
    }

    fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            SupportError::Busy {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            _ => None,
        }
    }
}
