//! The support console (SPEC.md §5): who may use it, finding accounts,
//! what support sees of one, and the actions that restore access, each
//! audited in the same transaction as the change.

mod applies;
mod types;

pub use applies::{refusal_for, AccountState};

/// Re-exported: the console's search is where they are used.
pub use crate::rules::search::{search_terms, SearchQuery};
pub use types::{
    AccountDetail, AccountStatus, AccountSummary, AddressResemblance, AuditEntry, Delivery,
    FeedEvent, NewStaff, NewStaffForm, PastEmail, PossibleDuplicate, SearchResults, SecurityState,
    SupportAction, SupportError, SupportField,
};

#[cfg(feature = "server")]
mod access;
#[cfg(feature = "server")]
mod account;
#[cfg(feature = "server")]
mod actions;
#[cfg(feature = "server")]
mod search;
#[cfg(feature = "server")]
mod staff;

#[cfg(feature = "server")]
pub use access::{require_support, SupportUser};
#[cfg(feature = "server")]
pub use account::account_detail;
#[cfg(feature = "server")]
pub use actions::perform;
#[cfg(feature = "server")]
pub(crate) use actions::{perform_for_request, RequestStepRecord};
#[cfg(feature = "server")]
pub use search::search;
#[cfg(feature = "server")]
pub use staff::create_staff;
