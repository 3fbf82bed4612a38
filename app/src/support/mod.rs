//! The support console (SPEC.md §5): the server functions behind it, its
//! pages and the live feed. Who may use it is decided in one place,
//! [`threshold_core::support::require_support`]; every function here and
//! the live stream go through it.

mod account_page;
mod add_staff;
mod describe;
mod gate;
mod live;
mod names;
mod requests;
mod search_page;
mod second_step;
pub(crate) mod time;

pub use account_page::SupportAccountPage;
pub use requests::SupportRequestPage;
pub use search_page::SupportPage;
pub use second_step::EnrolPage;

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use threshold_core::support::{AccountDetail, SearchResults, SupportAction, SupportError};

use crate::errors::ServiceError;

/// Accounts matching `query` (SPEC.md §5 search).
#[server(endpoint = "support_search")]
pub async fn support_search(query: String) -> Result<SearchResults, ServiceError<SupportError>> {
    let (services, by) = server::support_user().await?;
    Ok(threshold_core::support::search(&services, &by, &query).await?)
}

/// One account as support sees it.
#[server(endpoint = "support_account")]
pub async fn support_account(account_id: i64) -> Result<AccountDetail, ServiceError<SupportError>> {
    let (services, by) = server::support_user().await?;
    Ok(threshold_core::support::account_detail(&services, &by, account_id).await?)
}

/// Performs a staff action on an account (audited).
#[server(endpoint = "support_act", input = Json)]
pub async fn support_act(
    account_id: i64,
    action: SupportAction,
) -> Result<(), ServiceError<SupportError>> {
    let (services, by) = server::support_user().await?;
    Ok(threshold_core::support::perform(&services, &by, account_id, &action).await?)
}

/// Creates a support user: they are emailed a reset password and their
/// enrolment link (audited).
#[server(endpoint = "support_create_staff")]
pub async fn support_create_staff(
    form: threshold_core::support::NewStaffForm,
) -> Result<threshold_core::support::NewStaff, ServiceError<SupportError>> {
    let (services, by) = server::support_user().await?;
    Ok(threshold_core::support::create_staff(&services, &by, &form).await?)
}

#[cfg(feature = "ssr")]
pub mod server {
    use threshold_core::{
        support::{require_support, SupportError, SupportUser},
        Services,
    };

    use crate::errors::ServiceError;

    /// The support user making this request, or a refusal (401 not logged
    /// in, 403 not support).
    pub async fn support_user() -> Result<(Services, SupportUser), ServiceError<SupportError>> {
        let services = crate::auth::server::services()?;
        let token = crate::auth::server::session_token().await;
        let user = require_support(&services, token.as_deref()).await?;
        Ok((services, user))
    }
}
