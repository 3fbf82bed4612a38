//! Threshold's domain core.
//!
//! The rules of SPEC.md live here, with no knowledge of HTTP: the server
//! functions in `app` parse their input, call one function of this crate and
//! map its typed result to words. Without the `server` feature only the pure
//! rules are compiled (for the WASM bundle).

pub mod access;
pub mod accounts;
pub mod auth;
pub mod clock;
pub mod help;
pub mod my_account;
pub mod passwords;
pub mod refusal;
pub mod reset;
pub mod rules;
pub mod second_factor;
pub mod support;

#[cfg(feature = "server")]
pub mod events;
#[cfg(feature = "server")]
pub mod hashing;
#[cfg(feature = "server")]
pub mod mail;
#[cfg(feature = "server")]
pub mod passkeys;
#[cfg(feature = "server")]
pub mod retention;
#[cfg(feature = "server")]
pub mod store;

#[cfg(feature = "server")]
pub use services::Services;

#[cfg(feature = "server")]
mod services;
