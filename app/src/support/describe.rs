//! What the support console says about events and actions: the one place
//! their names become words.

use threshold_core::support::{FeedEvent, SupportAction};

/// "Failed login", "Logged in (Caps Lock was on)", "Support: unlocked", …
pub fn event_text(event: &FeedEvent) -> String {
    let detail: serde_json::Value = serde_json::from_str(&event.detail).unwrap_or_default();
    let field = |name: &str| {
        detail
            .get(name)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
    };
    let breached = detail.get("breached_password").and_then(|v| v.as_bool()) == Some(true);
    let logged_in = |text: &str| {
        if breached {
            format!("{text}; password found in the breach list, must choose a new one")
        } else {
            text.to_owned()
        }
    };
    match event.kind.as_str() {
        "registered" => "Registered".to_owned(),
        "login" => logged_in("Logged in"),
        "login_corrected" => logged_in(match field("correction") {
            "caps_lock_inverted" => "Logged in (password typed with Caps Lock on)",
            "first_letter_case_flipped" => {
                "Logged in (first letter's case corrected, as phones do)"
            }
            _ => "Logged in (typing corrected)",
        }),
        "login_failed" => match detail.get("failed_logins").and_then(|v| v.as_u64()) {
            Some(n) => format!("{} ({n} in a row)", failed_login(event)),
            None => failed_login(event).to_owned(),
        },
        "login_throttled" => format!("{}: further attempts delayed", failed_login(event)),
        "login_locked" => format!("{}: login locked", failed_login(event)),
        "reset_requested" => match detail.get("by_owner").and_then(|v| v.as_bool()) {
            Some(true) => {
                "Asked for a password reset from a device that logged in before".to_owned()
            }
            _ => "Asked for a password reset".to_owned(),
        },
        "login_with_reset" => "Logged in with a reset password".to_owned(),
        "login_passkey" => match field("passkey") {
            "" => "Logged in with a passkey".to_owned(),
            name => format!("Logged in with the passkey \u{201c}{name}\u{201d}"),
        },
        "login_passkey_failed" => match field("reason") {
            "counter_regressed" => {
                "Passkey refused: its counter went backwards (possibly copied)".to_owned()
            }
            _ => "Passkey login refused".to_owned(),
        },
        "second_step" => match field("method") {
            "recovery_code" => "Gave the second step with a recovery code".to_owned(),
            _ => "Gave the second step with the authenticator app".to_owned(),
        },
        "second_step_failed" => "Wrong second-step code".to_owned(),
        "second_factor_enrolled" => match field("method") {
            "passkey" => "Set up the second step with a passkey".to_owned(),
            _ => "Set up the second step with an authenticator app".to_owned(),
        },
        "passkey_added" => format!("Added the passkey \u{201c}{}\u{201d}", field("passkey")),
        "passkey_removed" => format!("Removed the passkey \u{201c}{}\u{201d}", field("passkey")),
        "password_changed" => match field("after") {
            "breached" => "Chose a new password (the old one was in the breach list)".to_owned(),
            _ => "Chose a new password".to_owned(),
        },
        "email_sent" => "Email delivered to the mail server".to_owned(),
        "email_failed" => match field("reply") {
            "" => "Email delivery failed; will retry".to_owned(),
            reply => format!("Email delivery failed; will retry ({reply})"),
        },
        "email_abandoned" => "Email could not be delivered; given up".to_owned(),
        "email_superseded" => "Email not sent: a newer reset replaced it".to_owned(),
        "support_action" => format!("Support: {}", action_done(field("action"))),
        "access_request" => match detail.get("request_id").and_then(|v| v.as_i64()) {
            Some(id) => format!(
                "New access request {}",
                threshold_core::access::reference(id)
            ),
            None => "New access request".to_owned(),
        },
        "access_request_updated" => match detail.get("request_id").and_then(|v| v.as_i64()) {
            Some(id) => format!(
                "Access request {} updated",
                threshold_core::access::reference(id)
            ),
            None => "Access request updated".to_owned(),
        },
        other => other.replace('_', " "),
    }
}

/// A failed login names no account when the typed name has none (the
/// typed name itself is never recorded).
fn failed_login(event: &FeedEvent) -> &'static str {
    match event.account_id {
        Some(_) => "Failed login",
        None => "Failed login with a name that has no account",
    }
}

/// The audit trail's action names, as done.
pub fn action_done(action: &str) -> &'static str {
    match action {
        "send_reset" => "sent a password reset",
        "change_email" => "changed the email address",
        "unlock" => "unlocked the login",
        "disable" => "disabled the account",
        "enable" => "enabled the account",
        "remove_passkey" => "removed a passkey",
        "reset_second_factor" => "reset the second step and sent an enrolment link",
        "create_support_user" => "created this support account",
        _ => "changed the account",
    }
}

/// The question asked before an action.
pub fn confirm_text(action: &SupportAction, email: &str) -> String {
    match action {
        SupportAction::SendReset => format!(
            "Email a new password to {email}? Any earlier reset stops working; \
             their current password keeps working until they use the new one."
        ),
        SupportAction::ChangeEmail { email: new, .. } => format!(
            "Change the email address from {email} to {new}? The old address \
             stays in the history and no longer works for logging in."
        ),
        SupportAction::Unlock => "Clear the failed-login count, the delay and the lock?".to_owned(),
        SupportAction::Disable => {
            "Disable this account? They are logged out at once and cannot log in \
             until it is enabled again."
                .to_owned()
        }
        SupportAction::Enable => "Enable this account again?".to_owned(),
        SupportAction::ResetSecondFactor => "Reset this support user's second step? Their \
            passkeys, authenticator app and recovery codes stop working and they are logged out \
            at once. A new enrolment link is emailed to them; until they use it, their password \
            opens nothing in the console."
            .to_owned(),
        SupportAction::RemovePasskey { name, .. } => format!(
            "Remove the passkey \u{201c}{name}\u{201d}? It stops logging in to this account at \
             once; their password and any other passkeys still work. They are emailed to say so."
        ),
    }
}

/// The confirming button, naming what it does.
pub fn confirm_button_text(action: &SupportAction) -> &'static str {
    match action {
        SupportAction::SendReset => "Yes, send the reset email",
        SupportAction::ChangeEmail { .. } => "Yes, change the email",
        SupportAction::Unlock => "Yes, unlock the login",
        SupportAction::Disable => "Yes, disable account",
        SupportAction::Enable => "Yes, enable account",
        SupportAction::RemovePasskey { .. } => "Yes, remove the passkey",
        SupportAction::ResetSecondFactor => "Yes, reset the second step",
    }
}

/// Confirmed with a red button: the action takes something away that
/// cannot simply be given back from this page. Disabling ends every
/// session at once and withdraws a pending reset; changing the email
/// stops the old address working for logins and withdraws a reset sent to
/// it. Sending a reset leaves the current password working; unlocking and
/// enabling only give access back.
pub fn is_destructive(action: &SupportAction) -> bool {
    matches!(
        action,
        SupportAction::Disable
            | SupportAction::ChangeEmail { .. }
            | SupportAction::RemovePasskey { .. }
            | SupportAction::ResetSecondFactor
    )
}

/// What is said once an action is done.
pub fn done_text(action: &SupportAction) -> String {
    match action {
        SupportAction::SendReset => "Reset email queued. Its delivery shows below.".to_owned(),
        SupportAction::ChangeEmail { email, .. } => format!("Email address changed to {email}."),
        SupportAction::Unlock => "Login unlocked.".to_owned(),
        SupportAction::Disable => "Account disabled; its sessions have ended.".to_owned(),
        SupportAction::Enable => "Account enabled.".to_owned(),
        SupportAction::RemovePasskey { name, .. } => {
            format!("Passkey \u{201c}{name}\u{201d} removed; the owner has been emailed.")
        }
        SupportAction::ResetSecondFactor => {
            "Second step reset; an enrolment link has been emailed to them.".to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, detail: &str) -> FeedEvent {
        FeedEvent {
            id: 1,
            occurred_at: 0,
            kind: kind.into(),
            account_id: Some(1),
            username: Some("okafor".into()),
            detail: detail.into(),
        }
    }

    #[test]
    fn only_disabling_and_changing_the_email_are_confirmed_in_red() {
        let change = SupportAction::ChangeEmail {
            email: "a@example.org".into(),
            look_alike_reason: None,
        };
        let destructive: Vec<&str> = [
            SupportAction::SendReset,
            change,
            SupportAction::Unlock,
            SupportAction::Disable,
            SupportAction::Enable,
        ]
        .iter()
        .filter(|action| is_destructive(action))
        .map(confirm_button_text)
        .collect();
        assert_eq!(
            destructive,
            ["Yes, change the email", "Yes, disable account"]
        );
    }

    #[test]
    fn events_read_as_sentences() {
        assert_eq!(
            event_text(&event(
                "login_corrected",
                r#"{"correction":"caps_lock_inverted"}"#
            )),
            "Logged in (password typed with Caps Lock on)"
        );
        assert_eq!(
            event_text(&event("login", r#"{"breached_password":true}"#)),
            "Logged in; password found in the breach list, must choose a new one"
        );
        assert_eq!(
            event_text(&event("login", r#"{"breached_password":false}"#)),
            "Logged in"
        );
        assert_eq!(
            event_text(&event("password_changed", r#"{"after":"breached"}"#)),
            "Chose a new password (the old one was in the breach list)"
        );
        assert_eq!(
            event_text(&event("login_failed", r#"{"failed_logins":3}"#)),
            "Failed login (3 in a row)"
        );
        let unknown_name = FeedEvent {
            account_id: None,
            username: None,
            ..event("login_throttled", r#"{"failed_logins":5}"#)
        };
        assert_eq!(
            event_text(&unknown_name),
            "Failed login with a name that has no account: further attempts delayed"
        );
        assert_eq!(
            event_text(&event("reset_requested", r#"{"by_owner":true}"#)),
            "Asked for a password reset from a device that logged in before"
        );
        assert_eq!(
            event_text(&event("reset_requested", r#"{"by_owner":false}"#)),
            "Asked for a password reset"
        );
        assert_eq!(
            event_text(&event("support_action", r#"{"action":"unlock"}"#)),
            "Support: unlocked the login"
        );
        assert_eq!(
            event_text(&event("something_new", "not json")),
            "something new"
        );
    }
}
