//! Which staff actions apply to an account as it stands. The console
//! offers only these, and [`super::perform`] refuses the others with the
//! same rule, so a page left open while a colleague acted still gets a
//! clear answer rather than a change that does nothing.

use super::{AccountDetail, AccountStatus, SecurityState, SupportAction, SupportError};
use crate::clock::Millis;

/// What decides whether an action applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountState {
    pub status: AccountStatus,
    /// Logins are refused for now: delayed after failures, or locked.
    pub login_blocked: bool,
}

impl AccountState {
    /// From the stored values: a delay that has run out blocks nothing.
    pub fn at(
        status: AccountStatus,
        throttled_until: Option<Millis>,
        locked_at: Option<Millis>,
        now: Millis,
    ) -> Self {
        Self {
            status,
            login_blocked: locked_at.is_some() || throttled_until.is_some_and(|until| until > now),
        }
    }

    /// Whether `action` can be done to the account.
    pub fn applies(self, action: &SupportAction) -> bool {
        refusal_for(action, self).is_none()
    }
}

impl SecurityState {
    /// Delayed or locked now (the server drops a delay that has run out
    /// before it sends the state).
    pub fn login_blocked(&self) -> bool {
        self.locked_at.is_some() || self.throttled_until.is_some()
    }
}

impl AccountDetail {
    /// The state the account page's actions are offered for.
    pub fn state(&self) -> AccountState {
        AccountState {
            status: self.summary.status,
            login_blocked: self.security.login_blocked(),
        }
    }
}

/// Why `action` cannot be done to an account in `state`; `None` when it
/// can. A change of email applies to every account: a disabled one may
/// need its address put right before it is enabled again.
pub fn refusal_for(action: &SupportAction, state: AccountState) -> Option<SupportError> {
    let disabled = state.status == AccountStatus::Disabled;
    match action {
        // A reset for a disabled account would be refused at login.
        SupportAction::SendReset if disabled => Some(SupportError::AccountDisabled),
        SupportAction::Unlock if !state.login_blocked => Some(SupportError::NotLocked),
        SupportAction::Disable if disabled => Some(SupportError::AlreadyDisabled),
        SupportAction::Enable if !disabled => Some(SupportError::AlreadyEnabled),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTIVE: AccountState = AccountState {
        status: AccountStatus::Active,
        login_blocked: false,
    };

    fn change_email() -> SupportAction {
        SupportAction::ChangeEmail {
            email: "new@example.org".into(),
            look_alike_reason: None,
        }
    }

    fn applying(state: AccountState) -> Vec<&'static str> {
        [
            SupportAction::SendReset,
            change_email(),
            SupportAction::Unlock,
            SupportAction::Disable,
            SupportAction::Enable,
        ]
        .iter()
        .filter(|action| state.applies(action))
        .map(SupportAction::name)
        .collect()
    }

    #[test]
    fn an_active_account_that_can_log_in_has_nothing_to_unlock_or_enable() {
        assert_eq!(applying(ACTIVE), ["send_reset", "change_email", "disable"]);
        assert_eq!(
            refusal_for(&SupportAction::Unlock, ACTIVE),
            Some(SupportError::NotLocked)
        );
        assert_eq!(
            refusal_for(&SupportAction::Enable, ACTIVE),
            Some(SupportError::AlreadyEnabled)
        );
    }

    #[test]
    fn a_blocked_login_can_be_unlocked() {
        let blocked = AccountState {
            login_blocked: true,
            ..ACTIVE
        };
        assert_eq!(
            applying(blocked),
            ["send_reset", "change_email", "unlock", "disable"]
        );
    }

    #[test]
    fn a_disabled_account_can_only_be_enabled_corrected_or_unlocked() {
        let disabled = AccountState {
            status: AccountStatus::Disabled,
            login_blocked: false,
        };
        assert_eq!(applying(disabled), ["change_email", "enable"]);
        assert_eq!(
            refusal_for(&SupportAction::SendReset, disabled),
            Some(SupportError::AccountDisabled)
        );
        assert_eq!(
            refusal_for(&SupportAction::Disable, disabled),
            Some(SupportError::AlreadyDisabled)
        );
        let disabled_and_locked = AccountState {
            login_blocked: true,
            ..disabled
        };
        assert_eq!(
            applying(disabled_and_locked),
            ["change_email", "unlock", "enable"]
        );
    }

    #[test]
    fn a_delay_that_has_run_out_blocks_nothing_and_a_lock_always_does() {
        let active = AccountStatus::Active;
        assert!(AccountState::at(active, Some(2_000), None, 1_000).login_blocked);
        assert!(!AccountState::at(active, Some(1_000), None, 1_000).login_blocked);
        assert!(!AccountState::at(active, None, None, 1_000).login_blocked);
        assert!(AccountState::at(active, Some(500), Some(400), 1_000).login_blocked);
    }
}
