//! The second factor support users cannot skip (NIST SP 800-63B-4 AAL2;
//! ASVS 5.0 6.3.3): the support console answers only a session that has
//! proved one. A passkey login proves it by itself; after a password, the
//! support user gives a code from an authenticator app or a recovery code.
//!
//! A support user gets their first factor through a one-time enrolment
//! link ([`issue_enrolment_link`]): printed by `create-support-user`, or
//! emailed when another support user creates the account or resets its
//! factor. Until then their session can do nothing but enrol.

mod types;

#[cfg(feature = "server")]
pub mod codes;
#[cfg(feature = "server")]
mod enrol;
#[cfg(feature = "server")]
mod step;

#[cfg(feature = "server")]
pub use enrol::{
    check_enrolment_link, confirm_enrolling_app, finish_enrolling_passkey, issue_enrolment_link,
    start_enrolling_app, start_enrolling_passkey, ENROLMENT_VALID_MS,
};
#[cfg(feature = "server")]
pub use step::give_second_step;
pub use types::{RecoveryCodes, SecondFactorError, SecondFactorField, SecondStepForm, TotpSetup};
