//! The account page: what support sees of one account.

use super::{AccountDetail, SupportError, SupportUser};
use crate::Services;

pub async fn account_detail(
    services: &Services,
    _by: &SupportUser,
    account_id: i64,
) -> Result<AccountDetail, SupportError> {
    services
        .store
        .account_detail(account_id, services.clock.now())
        .await
        .map_err(|error| {
            tracing::error!(account_id, "reading an account for support failed: {error}");
            SupportError::Unavailable
        })?
        .ok_or(SupportError::NotFound)
}
