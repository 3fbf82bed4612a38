//! "My account": the logged-in person's own view of their account and the
//! changes they can make to it themselves (ASVS 5.0 6.3.7, 7.4.3, 7.5.2).
//!
//! The wire types are pure (shared with the browser). Everything else runs
//! on the server and starts from the session token: a session that must
//! choose a new password can do nothing here until it has.

mod types;

#[cfg(feature = "server")]
mod browser;
#[cfg(feature = "server")]
mod email;
#[cfg(feature = "server")]
mod export;
#[cfg(feature = "server")]
mod owner;
#[cfg(feature = "server")]
mod passkeys;
#[cfg(feature = "server")]
mod password;
#[cfg(feature = "server")]
mod sessions;

#[cfg(feature = "server")]
pub use browser::describe_browser;
#[cfg(feature = "server")]
pub use email::{
    cancel_email_change, cancel_own_email_change, confirm_email, request_email_change,
    send_confirmation_again, CONFIRMATION_VALID_MS,
};
#[cfg(feature = "server")]
pub use export::{export, AccountExport};
#[cfg(feature = "server")]
pub(crate) use owner::{session_owner, Owner};
#[cfg(feature = "server")]
pub use passkeys::{add_passkey, remove_passkey, start_adding_passkey, summary as passkey_summary};
#[cfg(feature = "server")]
pub(crate) use passkeys::{begin_adding, finish_adding};
#[cfg(feature = "server")]
pub use password::change_password;
#[cfg(feature = "server")]
pub(crate) use password::notice_from_session;
#[cfg(feature = "server")]
pub use sessions::{end_other_sessions, end_session, my_account};
pub use types::{
    AddPasskeyForm, ChangeEmailForm, ChangePasswordForm, ConfirmEmailError, ConfirmationSent,
    EmailConfirmed, MyAccount, MyAccountError, MyAccountField, OpenSession, PasskeySummary,
    PasswordChanged, PendingEmail, RemovePasskeyForm, SessionsEnded,
};
