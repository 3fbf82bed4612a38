//! The per-name throttling policy (SPEC.md §2): growing delays after five
//! consecutive failures, a lock after a hundred.

#[cfg(feature = "server")]
use crate::{clock::Millis, store::ThrottleState};

/// Failures allowed in a row before the first delay.
pub const FREE_FAILURES: u32 = 5;
/// Failures in a row that lock the login until a reset or support.
pub const LOCK_AFTER: u32 = 100;
/// The first delay; each further failure doubles it, up to [`MAX_DELAY_MS`].
pub const FIRST_DELAY_MS: i64 = 30_000;
pub const MAX_DELAY_MS: i64 = 15 * 60_000;

/// What a name's consecutive failures lead to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again at once.
    Free,
    /// No attempt is heard for this long.
    Delay {
        ms: i64,
    },
    Locked,
}

/// The consequence of the `failures`-th consecutive failure.
pub fn after_failures(failures: u32) -> AfterFailure {
    if failures >= LOCK_AFTER {
        return AfterFailure::Locked;
    }
    if failures < FREE_FAILURES {
        return AfterFailure::Free;
    }
    let doublings = (failures - FREE_FAILURES).min(16);
    AfterFailure::Delay {
        ms: FIRST_DELAY_MS
            .saturating_mul(1 << doublings)
            .min(MAX_DELAY_MS),
    }
}

/// The counters a name has after its `failures`-th consecutive failure at
/// `now`: what the store writes when it charges an attempt.
#[cfg(feature = "server")]
pub fn state_after(failures: u32, now: Millis) -> ThrottleState {
    let (throttled_until, locked_at) = match after_failures(failures) {
        AfterFailure::Free => (None, None),
        AfterFailure::Delay { ms } => (Some(now + ms), None),
        AfterFailure::Locked => (None, Some(now)),
    };
    ThrottleState {
        failed_logins: failures,
        throttled_until,
        locked_at,
    }
}

/// The notice to an account's owner that its login locked: sent once per
/// lock, queued by the store in the transaction that sets it (see
/// `Store::reserve_login_attempt`). `client_address` is where the attempt
/// that locked it came from, when known.
///
/// A disabled account is not told: nobody logs in to it whatever its lock,
/// Forgotten password does nothing for it (so the notice's way out would
/// be wrong), and its owner was told when support disabled it.
#[cfg(feature = "server")]
pub(crate) fn lock_notice<'a>(
    owner: &'a crate::store::LockedOwner,
    account_id: i64,
    client_address: Option<&str>,
    at: Millis,
) -> Option<crate::store::QueuedNotice<'a>> {
    use crate::mail::notices::{NoticeData, NoticeKind};
    if !owner.active {
        return None;
    }
    let data = NoticeData {
        client_address: client_address.map(str::to_owned),
        failed_logins: Some(owner.failed_logins),
        ..NoticeData::new(&owner.first_name, at)
    };
    Some(data.queued(NoticeKind::Locked, account_id, &owner.email))
}

/// Why an attempt against an account's secret was not heard.
#[cfg(feature = "server")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Held {
    /// Delayed: try again in this many seconds.
    Throttled {
        retry_after_seconds: u64,
    },
    Locked,
}

/// Charges one attempt at the account's secret (its current password
/// typed on My account, a second-step code) to its login throttling
/// before it is checked, as a login is: `Err(held)` when a delay or the
/// lock runs and the attempt may not be heard. The caller clears the
/// charge (`Store::clear_login_failures`) when the attempt succeeds.
#[cfg(feature = "server")]
pub(crate) async fn charge_attempt(
    services: &crate::Services,
    account_id: i64,
    client_address: Option<&str>,
) -> Result<Result<(), Held>, crate::store::StoreError> {
    let now = services.clock.now();
    let reservation = services
        .store
        .reserve_login_attempt(
            account_id,
            now,
            |failures| state_after(failures, now),
            |locked| lock_notice(locked, account_id, client_address, now),
        )
        .await?;
    Ok(match reservation {
        Ok(state) => {
            if state.locked_at.is_some() {
                services.outbox_wakeup.notify_one();
            }
            Ok(())
        }
        Err(held) => Err(match held.throttled_until {
            Some(until) if held.locked_at.is_none() => Held::Throttled {
                retry_after_seconds: u64::try_from(until - now).unwrap_or(0).div_ceil(1000),
            },
            _ => Held::Locked,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_four_failures_cost_nothing() {
        for failures in 0..FREE_FAILURES {
            assert_eq!(after_failures(failures), AfterFailure::Free);
        }
    }

    #[test]
    fn delays_start_at_the_fifth_failure_and_double_up_to_fifteen_minutes() {
        assert_eq!(after_failures(5), AfterFailure::Delay { ms: 30_000 });
        assert_eq!(after_failures(6), AfterFailure::Delay { ms: 60_000 });
        assert_eq!(after_failures(7), AfterFailure::Delay { ms: 120_000 });
        assert_eq!(after_failures(10), AfterFailure::Delay { ms: MAX_DELAY_MS });
        assert_eq!(after_failures(99), AfterFailure::Delay { ms: MAX_DELAY_MS });
    }

    #[test]
    fn the_hundredth_failure_locks() {
        assert_eq!(after_failures(100), AfterFailure::Locked);
        assert_eq!(after_failures(250), AfterFailure::Locked);
    }

    #[cfg(feature = "server")]
    #[test]
    fn the_state_after_a_failure_says_until_when_and_since_when() {
        assert_eq!(state_after(4, 1_000).throttled_until, None);
        assert_eq!(state_after(5, 1_000).throttled_until, Some(31_000));
        let locked = state_after(100, 1_000);
        assert_eq!(
            (locked.throttled_until, locked.locked_at),
            (None, Some(1_000))
        );
    }
}
