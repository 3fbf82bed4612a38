//! The account page: what support sees of one account.

use super::{AccountDetail, SecurityState, SupportError, SupportUser};
use crate::auth::MustChangeReason;
use crate::store::{AccountRecord, StoreError};
use crate::Services;

/// How an account page's lists are cut: support needs the recent story,
/// not all of it.
const DETAIL_ROWS: i64 = 50;

pub async fn account_detail(
    services: &Services,
    _by: &SupportUser,
    account_id: i64,
) -> Result<AccountDetail, SupportError> {
    read_detail(services, account_id)
        .await
        .map_err(|error| {
            tracing::error!(account_id, "reading an account for support failed: {error}");
            SupportError::Unavailable
        })?
        .ok_or(SupportError::NotFound)
}

async fn read_detail(
    services: &Services,
    account_id: i64,
) -> Result<Option<AccountDetail>, StoreError> {
    let store = &services.store;
    let now = services.clock.now();
    // Only sessions that still let someone in are counted as open.
    let live = services.session_policy.live_since(now);
    let Some(record) = store
        .account_record(account_id, live.seen, live.started)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(AccountDetail {
        security: security_state(&record, now),
        practice_name: record.practice_name,
        created_at: record.created_at,
        email_confirmed_at: record.email_confirmed_at,
        summary: record.summary,
        email_history: store.email_history(account_id, DETAIL_ROWS).await?,
        registration_numbers: store.registration_numbers_of(account_id).await?,
        deliveries: store.deliveries(account_id, DETAIL_ROWS).await?,
        possible_duplicates: store.possible_duplicates(account_id).await?,
        audit: store.audit_trail(account_id, DETAIL_ROWS).await?,
        events: store.recent_events(Some(account_id), DETAIL_ROWS).await?,
        passkeys: store
            .passkeys_of(account_id)
            .await?
            .iter()
            .map(crate::my_account::passkey_summary)
            .collect::<Result<_, _>>()?,
    }))
}

/// The security state as it stands at `now`: a delay or a reset password
/// that has run out is no longer shown.
fn security_state(record: &AccountRecord, now: crate::clock::Millis) -> SecurityState {
    let must_change_reason = if record.password_breached_at.is_some() {
        Some(MustChangeReason::Breached)
    } else if record.must_change_sessions > 0 {
        Some(MustChangeReason::Reset)
    } else {
        None
    };
    SecurityState {
        failed_logins: u32::try_from(record.failed_logins).unwrap_or(0),
        throttled_until: record.throttled_until.filter(|until| *until > now),
        locked_at: record.locked_at,
        last_login_at: record.summary.last_login_at,
        last_reset_at: record.last_reset_at,
        reset_expires_at: record.reset_expires_at.filter(|expires| *expires > now),
        must_change_password: must_change_reason.is_some(),
        must_change_reason,
        password_breached_at: record.password_breached_at,
        active_sessions: u32::try_from(record.sessions).unwrap_or(0),
    }
}
