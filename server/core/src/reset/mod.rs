//! Forgotten password (SPEC.md §4): asking for a reset, and choosing a new
//! password after logging in with one.
//!
//! The wire types are pure (shared with the browser). [`request_reset()`]
//! issues a reset password and queues its email in one transaction; the
//! outbox worker in [`crate::mail`] delivers it. Logging in with it is part
//! of [`crate::auth::login()`]; [`choose_password()`] ends the detour.

mod types;

#[cfg(feature = "server")]
mod choose;
#[cfg(feature = "server")]
mod request;

#[cfg(feature = "server")]
pub use choose::{choose_password, PasswordChosen};
#[cfg(feature = "server")]
pub(crate) use request::new_reset_password;
#[cfg(feature = "server")]
pub use request::{
    request_reset, ResetPolicy, ResetRequester, DEFAULT_CHOOSE_PASSWORD_RATE, DEFAULT_RESET_RATE,
    RESET_SUBJECT,
};
pub use types::{
    ChoosePasswordError, ChoosePasswordField, ChoosePasswordForm, ResetError, ResetField,
    ResetForm, ResetRequested,
};
