//! "Contact support" (SPEC.md §8): a person who cannot get in sends what
//! they remember; support sees the request arrive live, with the accounts
//! it points to, restores access from it and closes it. The request keeps
//! its history.

mod form;

pub use form::{
    reference, AccessRequestDetails, ContactError, ContactField, ContactForm, ContactProblem,
    ContactReceived, MAX_LIST_ITEMS, MAX_MESSAGE_CHARS, MAX_NOTE_CHARS,
};

use serde::{Deserialize, Serialize};

use crate::clock::Millis;
use crate::rules::RegistrationNumber;
use crate::support::AccountSummary;

/// A request as support sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(sqlx::FromRow))]
pub struct AccessRequestView {
    pub id: i64,
    /// Made from the id (see [`reference`]), not stored.
    #[cfg_attr(feature = "server", sqlx(skip))]
    pub reference: String,
    pub created_at: Millis,
    /// open or closed.
    pub status: String,
    pub first_name: String,
    pub surname: String,
    pub username: String,
    pub email: String,
    #[cfg_attr(feature = "server", sqlx(try_from = "crate::store::rows::Lines"))]
    pub previous_emails: Vec<String>,
    /// Shown with their `Display` form ("GMC 7012345").
    #[cfg_attr(feature = "server", sqlx(try_from = "crate::store::rows::Lines"))]
    pub registration_numbers: Vec<RegistrationNumber>,
    pub last_post: String,
    pub supervised_trainees: String,
    pub message: String,
    /// Read apart from the request's row.
    #[cfg_attr(feature = "server", sqlx(skip))]
    pub steps: Vec<RequestStep>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(sqlx::FromRow))]
pub struct RequestStep {
    pub occurred_at: Millis,
    /// submitted, changed_email, sent_reset, note, closed.
    pub action: String,
    pub detail: String,
    /// The support user; `None` for the person's own submission.
    pub actor: Option<String>,
}

/// An account a request may be about, and which of its details matched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuggestedAccount {
    pub account: AccountSummary,
    pub matched: Vec<String>,
}

/// A request with the accounts it points to, for the request page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRequestPage {
    pub request: AccessRequestView,
    pub suggestions: Vec<SuggestedAccount>,
}

/// What support does with a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum RequestAction {
    /// Give the account the address the request came from.
    UseRequestEmail {
        account_id: i64,
        /// Why support is sure, when the request's address looks like one
        /// the account has had (see [`crate::support::SupportAction`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        look_alike_reason: Option<String>,
    },
    /// Email the account a new password.
    SendReset {
        account_id: i64,
    },
    Close {
        note: String,
    },
}

#[cfg(feature = "server")]
mod matching;
#[cfg(feature = "server")]
mod server;
#[cfg(feature = "server")]
pub use server::{act_on_request, request_page, request_queue, submit, ContactPolicy, ACK_SUBJECT};
