//! Finding accounts by any detail a person or a colleague remembers.

use super::{SearchQuery, SearchResults, SupportError, SupportUser};
use crate::Services;

/// At most this many rows come back; more means "narrow the search".
pub const RESULT_LIMIT: u32 = 50;

/// Accounts whose username, current or previous email, names, practice or
/// registration number contain `query` (case-, accent- and, for numbers,
/// space-insensitive).
pub async fn search(
    services: &Services,
    _by: &SupportUser,
    query: &str,
) -> Result<SearchResults, SupportError> {
    let query = SearchQuery::parse(query)?;
    let (accounts, truncated) = services
        .store
        .search_accounts(&query, RESULT_LIMIT)
        .await
        .map_err(|error| {
            tracing::error!("support search failed: {error}");
            SupportError::Unavailable
        })?;
    Ok(SearchResults {
        accounts,
        truncated,
    })
}
