//! Logging in and staying logged in (SPEC.md §2).
//!
//! [`throttle`] and the wire types are pure; [`login()`] and [`sessions`]
//! run on the server against the store and the hashing pool.

pub mod throttle;
mod types;

#[cfg(feature = "server")]
pub mod devices;
#[cfg(feature = "server")]
mod login;
#[cfg(feature = "server")]
mod passkey_login;
#[cfg(feature = "server")]
pub mod rate_limit;
#[cfg(feature = "server")]
pub mod sessions;

#[cfg(feature = "server")]
pub use login::{login, LoggedIn};
#[cfg(feature = "server")]
pub use passkey_login::{passkey_login, start_passkey_login};
pub use types::{
    wait_text, CurrentUser, LoginError, LoginField, LoginForm, MustChangeReason, PasskeyCeremony,
    PasskeyLoginForm, SecondStep,
};
