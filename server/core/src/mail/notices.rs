//! Notices: the emails that tell a person something changed on their
//! account (ASVS 5.0 6.3.7; NIST SP 800-63B-4 on recovery). Each says what
//! happened, when, from which browser and address, and what to do if it
//! was not them. None carries a password or a link that logs anyone in.

use serde::{Deserialize, Serialize};

use crate::clock::{utc_text, Millis};

/// What a notice is about; its outbox `kind` is [`NoticeKind::as_str`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeKind {
    /// The person changed their password on My account, or chose one after
    /// logging in with a reset password.
    PasswordChanged,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 1] = [NoticeKind::PasswordChanged];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::PasswordChanged => "notice_password_changed",
        }
    }

    pub fn parse(kind: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|notice| notice.as_str() == kind)
    }

    pub fn subject(self) -> &'static str {
        match self {
            NoticeKind::PasswordChanged => "Your Threshold password was changed",
        }
    }
}

/// The data a notice is rendered from, kept in the outbox row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeData {
    pub first_name: String,
    pub at: Millis,
    /// The browser of the session that made the change, as its owner sees
    /// it on My account ("Firefox 133 on Windows 10").
    pub browser: Option<String>,
    pub client_address: Option<String>,
}

/// The notice's text and HTML paragraphs: (plain text, HTML body).
pub(super) fn words(kind: NoticeKind, data: &NoticeData, site: &str) -> (String, String) {
    let when = utc_text(data.at);
    let from = match (&data.browser, &data.client_address) {
        (Some(browser), Some(address)) => format!("{browser}, from the address {address}"),
        (Some(browser), None) => browser.clone(),
        (None, Some(address)) => format!("a browser at the address {address}"),
        (None, None) => "a browser we could not identify".to_owned(),
    };
    let (what, if_not_you) = match kind {
        NoticeKind::PasswordChanged => (
            format!("The password of your Threshold account was changed on {when}, using {from}."),
            format!(
                "If this was not you, someone else may have your password. Choose \"Forgotten password\" in the Log in box at {site} to get a new password by email at once: that also logs out everyone using your account. Then tell support: {site}/contact-support"
            ),
        ),
    };
    let text = format!(
        "Hello {first_name},

{what}

If this was you, there is nothing to do.

{if_not_you}

This email contains no password, and we will never ask you for yours.

Threshold
",
        first_name = data.first_name,
    );
    let html = format!(
        "<p>Hello {first_name},</p>\n<p>{what}</p>\n<p>If this was you, there is nothing to do.</p>\n<p>{if_not_you}</p>\n<p>This email contains no password, and we will never ask you for yours.</p>\n<p>Threshold</p>\n",
        first_name = super::message::escape(&data.first_name),
        what = super::message::escape(&what),
        if_not_you = super::message::escape(&if_not_you),
    );
    (text, html)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> NoticeData {
        NoticeData {
            first_name: "Siobhán".into(),
            at: 1_764_000_000_000,
            browser: Some("Firefox 133 on Windows 10".into()),
            client_address: Some("203.0.113.9".into()),
        }
    }

    #[test]
    fn every_kind_is_found_by_its_outbox_name() {
        for kind in NoticeKind::ALL {
            assert_eq!(NoticeKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(NoticeKind::parse("password_reset"), None);
    }

    #[test]
    fn a_password_notice_says_when_from_where_and_what_to_do() {
        let (text, html) = words(
            NoticeKind::PasswordChanged,
            &data(),
            "https://threshold.example",
        );
        assert!(text.contains("Hello Siobhán"));
        assert!(text.contains(&utc_text(1_764_000_000_000)));
        assert!(text.contains("Firefox 133 on Windows 10, from the address 203.0.113.9"));
        assert!(text.contains("https://threshold.example/contact-support"));
        assert!(html.contains("Forgotten password"));
        assert!(
            !text.to_lowercase().contains("password:"),
            "no password in the notice"
        );
    }

    #[test]
    fn a_notice_without_an_origin_says_so() {
        let data = NoticeData {
            browser: None,
            client_address: None,
            ..data()
        };
        let (text, _) = words(NoticeKind::PasswordChanged, &data, "https://x");
        assert!(text.contains("a browser we could not identify"));
    }

    #[test]
    fn names_are_escaped_in_html() {
        let data = NoticeData {
            first_name: "<b>Eve</b>".into(),
            ..data()
        };
        let (_, html) = words(NoticeKind::PasswordChanged, &data, "https://x");
        assert!(html.contains("&lt;b&gt;Eve&lt;/b&gt;"));
    }
}
