//! Notices: the emails that tell a person something changed on their
//! account (ASVS 5.0 6.3.7; NIST SP 800-63B-4 on recovery). Each says what
//! happened, when (UTC), by whom — the person's own browser and address,
//! "Threshold support" for a staff action (never the staff member's name),
//! or Threshold itself for a lock — and what to do if it was not expected.
//! None carries a password or a link that logs anyone in.
//!
//! Which changes send one: the person's password changed (on My account or
//! after a reset); support changed the email (one to the old address, one
//! to the new); support disabled, enabled or unlocked the account; the
//! login locked after a hundred failures. Support's "Send reset email"
//! sends none: the reset email itself goes to the account's address and
//! says what to do if it was not asked for.

use serde::{Deserialize, Serialize};

use crate::clock::{utc_text, Millis};
use crate::store::QueuedNotice;

/// What a notice is about; its outbox `kind` is [`NoticeKind::as_str`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeKind {
    /// The person changed their password on My account, or chose one after
    /// logging in with a reset password.
    PasswordChanged,
    /// Support changed the account's email: told to the address it had,
    /// with the new one masked ([`mask_address`]).
    EmailChangedBySupport,
    /// Support changed the account's email: told to the new address.
    EmailNowThisAddress,
    /// Support disabled the account.
    DisabledBySupport,
    /// Support enabled the account again.
    EnabledBySupport,
    /// Support cleared the login's failures, delay and lock.
    UnlockedBySupport,
    /// The login locked after a hundred failures in a row.
    Locked,
    /// The person added a passkey on My account.
    PasskeyAdded,
    /// The person removed a passkey on My account.
    PasskeyRemoved,
    /// Support removed one of the account's passkeys.
    PasskeyRemovedBySupport,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 10] = [
        NoticeKind::PasswordChanged,
        NoticeKind::EmailChangedBySupport,
        NoticeKind::EmailNowThisAddress,
        NoticeKind::DisabledBySupport,
        NoticeKind::EnabledBySupport,
        NoticeKind::UnlockedBySupport,
        NoticeKind::Locked,
        NoticeKind::PasskeyAdded,
        NoticeKind::PasskeyRemoved,
        NoticeKind::PasskeyRemovedBySupport,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::PasswordChanged => "notice_password_changed",
            NoticeKind::EmailChangedBySupport => "notice_email_changed_by_support",
            NoticeKind::EmailNowThisAddress => "notice_email_now_this_address",
            NoticeKind::DisabledBySupport => "notice_disabled_by_support",
            NoticeKind::EnabledBySupport => "notice_enabled_by_support",
            NoticeKind::UnlockedBySupport => "notice_unlocked_by_support",
            NoticeKind::Locked => "notice_locked",
            NoticeKind::PasskeyAdded => "notice_passkey_added",
            NoticeKind::PasskeyRemoved => "notice_passkey_removed",
            NoticeKind::PasskeyRemovedBySupport => "notice_passkey_removed_by_support",
        }
    }

    pub fn parse(kind: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|notice| notice.as_str() == kind)
    }

    pub fn subject(self) -> &'static str {
        match self {
            NoticeKind::PasswordChanged => "Your Threshold password was changed",
            NoticeKind::EmailChangedBySupport => {
                "The email address of your Threshold account was changed"
            }
            NoticeKind::EmailNowThisAddress => {
                "This address is now the email for your Threshold account"
            }
            NoticeKind::DisabledBySupport => "Your Threshold account was disabled",
            NoticeKind::EnabledBySupport => "Your Threshold account was enabled again",
            NoticeKind::UnlockedBySupport => "Your Threshold account was unlocked",
            NoticeKind::Locked => "Your Threshold account is locked",
            NoticeKind::PasskeyAdded => "A passkey was added to your Threshold account",
            NoticeKind::PasskeyRemoved | NoticeKind::PasskeyRemovedBySupport => {
                "A passkey was removed from your Threshold account"
            }
        }
    }
}

/// The data a notice is rendered from, kept in the outbox row. Fields added
/// after the first notice shipped are `#[serde(default)]`, so rows queued
/// before them still render.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeData {
    pub first_name: String,
    pub at: Millis,
    /// The browser of the session that made the change, as its owner sees
    /// it on My account ("Firefox 133 on Windows 10").
    #[serde(default)]
    pub browser: Option<String>,
    /// The address the change (or, for a lock, the last failed attempt)
    /// came from.
    #[serde(default)]
    pub client_address: Option<String>,
    /// [`NoticeKind::EmailChangedBySupport`]: the new address, masked. Only
    /// the masked form is stored, so the outbox row for the old address
    /// never holds the new one.
    #[serde(default)]
    pub new_email_masked: Option<String>,
    /// [`NoticeKind::Locked`]: the failures in a row that locked it.
    #[serde(default)]
    pub failed_logins: Option<u32>,
    /// The passkey notices: the name its owner gave the passkey.
    #[serde(default)]
    pub passkey_name: Option<String>,
}

impl NoticeData {
    /// A notice to `first_name` about a change at `at`; the other fields
    /// are filled in by the kinds that use them.
    pub fn new(first_name: &str, at: Millis) -> Self {
        Self {
            first_name: first_name.to_owned(),
            at,
            ..Self::default()
        }
    }

    /// The outbox row of this notice of `kind` to `recipient`, for the
    /// store to insert in the transaction of the change it reports.
    pub fn queued<'a>(
        &self,
        kind: NoticeKind,
        account_id: i64,
        recipient: &'a str,
    ) -> QueuedNotice<'a> {
        QueuedNotice {
            kind: kind.as_str(),
            account_id,
            recipient,
            subject: kind.subject(),
            // A struct of strings and numbers always serialises.
            data: serde_json::to_string(self).unwrap_or_default(),
            at: self.at,
        }
    }
}

/// How the notice to an account's old address shows its new one: the
/// first character of the part before the @, then "•••" whatever the
/// length, then the domain in full (`n•••@example.org`). Whoever reads the
/// old mailbox — the owner, or someone who took it over — learns that the
/// address changed and can recognise it, but not enough of it to send it
/// mail, guess a login name or phish it.
pub fn mask_address(address: &str) -> String {
    match address.rsplit_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => "•••".to_owned(),
    }
}

/// The notice's text and HTML paragraphs: (plain text, HTML body).
pub(super) fn words(kind: NoticeKind, data: &NoticeData, site: &str) -> (String, String) {
    let paragraphs = paragraphs(kind, data, site);
    let text = format!(
        "Hello {first_name},\n\n{body}\n\nThis email contains no password, and we will never ask you for yours.\n\nThreshold\n",
        first_name = data.first_name,
        body = paragraphs.join("\n\n"),
    );
    let body: String = paragraphs
        .iter()
        .map(|paragraph| format!("<p>{}</p>\n", super::message::escape(paragraph)))
        .collect();
    let html = format!(
        "<p>Hello {first_name},</p>\n{body}<p>This email contains no password, and we will never ask you for yours.</p>\n<p>Threshold</p>\n",
        first_name = super::message::escape(&data.first_name),
    );
    (text, html)
}

/// What happened, then what to do if it was expected and if it was not.
/// Every paragraph is one line: the mail program wraps it to the screen.
fn paragraphs(kind: NoticeKind, data: &NoticeData, site: &str) -> Vec<String> {
    let when = utc_text(data.at);
    let support = format!("{site}/contact-support");
    let forgotten = format!("choose \"Forgotten password\" in the Log in box at {site}");
    let from = match (&data.browser, &data.client_address) {
        (Some(browser), Some(address)) => format!("{browser}, from the address {address}"),
        (Some(browser), None) => browser.clone(),
        (None, Some(address)) => format!("a browser at the address {address}"),
        (None, None) => "a browser we could not identify".to_owned(),
    };
    let passkey = data.passkey_name.as_deref().unwrap_or("unnamed");
    match kind {
        NoticeKind::PasskeyAdded => vec![
            format!("A passkey named \"{passkey}\" was added to your Threshold account on {when}, using {from}. It can now log in to your account without a password."),
            "If this was you, there is nothing to do.".to_owned(),
            format!("If this was not you, someone else is logged in to your account. Log in, open My account and remove the passkey, then {forgotten} to get a new password by email, which also logs out everyone using your account. Then tell support: {support}"),
        ],
        NoticeKind::PasskeyRemoved => vec![
            format!("The passkey named \"{passkey}\" was removed from your Threshold account on {when}, using {from}. It no longer logs in to your account."),
            "If this was you, there is nothing to do.".to_owned(),
            format!("If this was not you, someone else may be logged in to your account. {forgotten_capital} to get a new password by email, which also logs out everyone using your account. Then tell support: {support}", forgotten_capital = capitalise(&forgotten)),
        ],
        NoticeKind::PasskeyRemovedBySupport => vec![
            format!("Threshold support removed the passkey named \"{passkey}\" from your Threshold account on {when}. It no longer logs in to your account; your password and any other passkeys still do."),
            "If you asked support for this, there is nothing to do.".to_owned(),
            format!("If you did not expect it, contact support: {support}"),
        ],
        NoticeKind::PasswordChanged => {
            vec![
                format!("The password of your Threshold account was changed on {when}, using {from}."),
                "If this was you, there is nothing to do.".to_owned(),
                format!("If this was not you, someone else may have your password. Choose \"Forgotten password\" in the Log in box at {site} to get a new password by email at once: that also logs out everyone using your account. Then tell support: {support}"),
            ]
        }
        NoticeKind::EmailChangedBySupport => {
            let new = data
                .new_email_masked
                .as_deref()
                .unwrap_or("another address");
            vec![
                format!("The email address of your Threshold account was changed by Threshold support on {when}, from this address to {new}. Only its first letter and its domain are shown, in case someone other than you reads this mailbox."),
                "This address no longer logs in, and emails about your account, Forgotten password included, now go to the new address.".to_owned(),
                "If you asked support for this, there is nothing to do.".to_owned(),
                format!("If you did not, contact support at once: {support} — Forgotten password cannot help here, since it would send a new password to the new address."),
            ]
        }
        NoticeKind::EmailNowThisAddress => vec![
            format!("This address is now the email for your Threshold account: Threshold support made the change on {when}. You can log in with this address (or your username), and emails about your account, Forgotten password included, come here."),
            format!("If you asked support for this, there is nothing to do. If you do not know your password, {forgotten} and enter this address: we email you a new one."),
            format!("If you did not ask for this, or do not know of a Threshold account, contact support: {support}"),
        ],
        NoticeKind::DisabledBySupport => vec![
            format!("Your Threshold account was disabled by Threshold support on {when}. Nobody can log in to it until support enables it again, and anyone who was logged in has been logged out."),
            "If you asked support for this, there is nothing to do.".to_owned(),
            format!("If you did not expect it, contact support: {support}"),
        ],
        NoticeKind::EnabledBySupport => vec![
            format!("Your Threshold account was enabled again by Threshold support on {when}. You can log in with your username or this email address and your password."),
            format!("If you do not know your password, {forgotten}: we email you a new one."),
            format!("If you did not expect this, contact support: {support}"),
        ],
        NoticeKind::UnlockedBySupport => vec![
            format!("The login of your Threshold account was unlocked by Threshold support on {when}: its count of failed attempts was cleared, so you can log in with your password again at once."),
            format!("If you asked support for this, there is nothing to do. If you do not know your password, {forgotten}: we email you a new one."),
            format!("If you did not ask for this, someone may have been trying to guess your password. To be safe, {forgotten} to get a new one, and tell support: {support}"),
        ],
        NoticeKind::Locked => {
            let failures = match data.failed_logins {
                Some(failures) => format!("{failures} attempts in a row"),
                None => "too many attempts in a row".to_owned(),
            };
            let from = match &data.client_address {
                Some(address) => format!(" The last of them came from the address {address}."),
                None => String::new(),
            };
            vec![
                format!("Threshold locked the login of your Threshold account on {when}, after {failures} to log in with a wrong password.{from} None of them got in."),
                format!("To unlock it, {forgotten} and enter this address: we email you a new password, and logging in with it unlocks your account. Until then your own password is not accepted."),
                format!("If these attempts were not yours, someone may be trying to guess your password. Once you are in, choose a new one that you use nowhere else, and tell support: {support}"),
            ]
        }
    }
}

/// The sentence-initial form of a phrase.
fn capitalise(phrase: &str) -> String {
    let mut chars = phrase.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SITE: &str = "https://threshold.example";
    const AT: Millis = 1_764_000_000_000;

    fn data() -> NoticeData {
        NoticeData {
            browser: Some("Firefox 133 on Windows 10".into()),
            client_address: Some("203.0.113.9".into()),
            ..NoticeData::new("Siobhán", AT)
        }
    }

    /// The data each kind is queued with.
    fn data_for(kind: NoticeKind) -> NoticeData {
        match kind {
            NoticeKind::PasswordChanged | NoticeKind::PasskeyAdded | NoticeKind::PasskeyRemoved => {
                NoticeData {
                    passkey_name: Some("Work laptop".into()),
                    ..data()
                }
            }
            NoticeKind::EmailChangedBySupport => NoticeData {
                new_email_masked: Some(mask_address("new.address@example.org")),
                ..NoticeData::new("Siobhán", AT)
            },
            NoticeKind::Locked => NoticeData {
                failed_logins: Some(100),
                client_address: Some("198.51.100.7".into()),
                ..NoticeData::new("Siobhán", AT)
            },
            _ => NoticeData::new("Siobhán", AT),
        }
    }

    #[test]
    fn every_kind_is_found_by_its_outbox_name() {
        for kind in NoticeKind::ALL {
            assert!(kind.as_str().starts_with("notice_"));
            assert_eq!(NoticeKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(NoticeKind::parse("password_reset"), None);
    }

    #[test]
    fn every_notice_says_when_greets_by_name_points_to_support_and_holds_no_password() {
        for kind in NoticeKind::ALL {
            let (text, html) = words(kind, &data_for(kind), SITE);
            for part in [&text, &html] {
                assert!(part.contains("Hello Siobhán,"), "{kind:?}: {part}");
                assert!(part.contains(&utc_text(AT)), "{kind:?}: {part}");
                assert!(
                    part.contains("https://threshold.example/contact-support"),
                    "{kind:?}: {part}"
                );
                assert!(part.contains("This email contains no password"));
                let lower = part.to_lowercase();
                assert!(!lower.contains("password:"), "{kind:?}: {part}");
                assert!(!lower.contains("/login") && !lower.contains("token"));
            }
            // Every paragraph on one line: a long line that does not end
            // a sentence was broken by hand.
            for line in text.lines().filter(|line| line.chars().count() > 40) {
                assert!(
                    line.ends_with('.') || line.contains("http"),
                    "{kind:?}: hard-wrapped line {line:?}"
                );
            }
        }
    }

    #[test]
    fn staff_notices_name_threshold_support_as_the_one_who_acted() {
        for kind in [
            NoticeKind::EmailChangedBySupport,
            NoticeKind::EmailNowThisAddress,
            NoticeKind::DisabledBySupport,
            NoticeKind::EnabledBySupport,
            NoticeKind::UnlockedBySupport,
        ] {
            let (text, _) = words(kind, &data_for(kind), SITE);
            assert!(text.contains("Threshold support"), "{kind:?}: {text}");
            assert!(text.contains("If you did not"), "{kind:?}: {text}");
        }
    }

    #[test]
    fn a_password_notice_says_when_from_where_and_what_to_do() {
        let (text, html) = words(NoticeKind::PasswordChanged, &data(), SITE);
        assert!(text.contains("password of your Threshold account was changed"));
        assert!(text.contains("Firefox 133 on Windows 10, from the address 203.0.113.9"));
        assert!(html.contains("Forgotten password"));
    }

    #[test]
    fn a_notice_without_an_origin_says_so() {
        let data = NoticeData::new("Siobhán", AT);
        let (text, _) = words(NoticeKind::PasswordChanged, &data, "https://x");
        assert!(text.contains("a browser we could not identify"));
    }

    #[test]
    fn the_old_address_learns_only_the_first_letter_of_the_new_one() {
        let kind = NoticeKind::EmailChangedBySupport;
        let (text, html) = words(kind, &data_for(kind), SITE);
        assert!(text.contains("changed by Threshold support"), "{text}");
        assert!(text.contains("from this address to n•••@example.org"));
        assert!(html.contains("n•••@example.org"));
        assert!(!text.contains("new.address") && !html.contains("new.address"));
        // What to do: support, since a reset would go to the new address.
        assert!(text.contains("contact support at once"));
        assert!(text.contains("Forgotten password cannot help here"));
    }

    #[test]
    fn the_new_address_is_told_it_is_the_account_email_now() {
        let kind = NoticeKind::EmailNowThisAddress;
        let (text, _) = words(kind, &data_for(kind), SITE);
        assert!(text.contains("This address is now the email for your Threshold account"));
        assert!(text.contains("\"Forgotten password\""));
    }

    #[test]
    fn disable_enable_and_unlock_say_what_support_did() {
        let said = |kind| words(kind, &data_for(kind), SITE).0;
        assert!(said(NoticeKind::DisabledBySupport).contains("was disabled by Threshold support"));
        assert!(said(NoticeKind::DisabledBySupport).contains("has been logged out"));
        assert!(said(NoticeKind::EnabledBySupport).contains("enabled again by Threshold support"));
        assert!(said(NoticeKind::EnabledBySupport).contains("Forgotten password"));
        let unlocked = said(NoticeKind::UnlockedBySupport);
        assert!(unlocked.contains("unlocked by Threshold support"));
        assert!(unlocked.contains("Forgotten password"));
    }

    #[test]
    fn the_lock_notice_explains_the_lock_and_that_a_reset_unlocks_it() {
        let kind = NoticeKind::Locked;
        let (text, _) = words(kind, &data_for(kind), SITE);
        assert!(text.contains("Threshold locked the login"), "{text}");
        assert!(text.contains("after 100 attempts in a row"), "{text}");
        assert!(text.contains("The last of them came from the address 198.51.100.7."));
        assert!(
            text.contains("\"Forgotten password\" in the Log in box at https://threshold.example")
        );
        assert!(text.contains("logging in with it unlocks your account"));
        // Without the count or the address (an older row), still sensible.
        let (text, _) = words(kind, &NoticeData::new("Siobhán", AT), SITE);
        assert!(text.contains("after too many attempts in a row"));
        assert!(!text.contains("The last of them"));
    }

    #[test]
    fn addresses_are_masked_but_for_the_first_character_of_the_local_part() {
        assert_eq!(mask_address("nadia@example.org"), "n•••@example.org");
        assert_eq!(mask_address("n@example.org"), "n•••@example.org");
        assert_eq!(mask_address("Ólafur@bücher.de"), "Ó•••@bücher.de");
        assert_eq!(mask_address("\"a@b\"@example.org"), "\"•••@example.org");
        assert_eq!(mask_address("nonsense"), "•••");
    }

    #[test]
    fn names_and_addresses_are_escaped_in_html() {
        for kind in NoticeKind::ALL {
            let data = NoticeData {
                first_name: "<b>Eve</b>".into(),
                client_address: Some("<i>x</i>".into()),
                new_email_masked: Some("<s>•••@example.org".into()),
                ..data_for(kind)
            };
            let (_, html) = words(kind, &data, "https://x");
            assert!(html.contains("&lt;b&gt;Eve&lt;/b&gt;"), "{kind:?}");
            assert!(!html.contains("<b>") && !html.contains("<i>") && !html.contains("<s>"));
        }
    }

    #[test]
    fn rows_queued_before_the_new_fields_still_render() {
        let old = r#"{"first_name":"Ada","at":1764000000000,"browser":null,"client_address":null}"#;
        let data: NoticeData = serde_json::from_str(old).unwrap();
        assert_eq!(data.new_email_masked, None);
        assert_eq!(data.failed_logins, None);
        let rendered = super::super::render(
            NoticeKind::PasswordChanged.as_str(),
            NoticeKind::PasswordChanged.subject(),
            old,
            None,
            SITE,
        )
        .unwrap();
        assert!(rendered.text.contains("Hello Ada,"));
    }

    #[test]
    fn a_queued_notice_carries_its_kind_subject_and_data() {
        let data = data_for(NoticeKind::Locked);
        let queued = data.queued(NoticeKind::Locked, 7, "ada@example.org");
        assert_eq!(queued.kind, "notice_locked");
        assert_eq!(queued.subject, "Your Threshold account is locked");
        assert_eq!(queued.recipient, "ada@example.org");
        assert_eq!(queued.at, AT);
        assert_eq!(
            serde_json::from_str::<NoticeData>(&queued.data).unwrap(),
            data
        );
    }
}
