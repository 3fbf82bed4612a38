//! Accounts (SPEC.md §1): who can have one, and creating it.
//!
//! [`registration`] is pure (it compiles to WASM so the dialog checks what
//! the server checks); [`register()`] is the server side that hashes the
//! password and writes the account in one transaction.

pub mod registration;

#[cfg(feature = "server")]
mod register;

#[cfg(feature = "server")]
pub use register::{
    create_support_user, register, RegistrationPolicy, DEFAULT_REGISTRATION_RATE,
    DEFAULT_REGISTRATION_RATE_PER_NAME, WELCOME_SUBJECT,
};
pub use registration::{
    FieldProblem, NewAccount, Registered, RegistrationError, RegistrationField, RegistrationForm,
};
