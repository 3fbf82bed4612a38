//! The emails of confirming an address and changing it: the link to the
//! new (or registered) address, the notice with a cancel link to the
//! current one, and the notice that the change was made.
//!
//! The old address is told only a masked form of the new one
//! (`n•••@example.org`): whoever reads a stolen old mailbox should not
//! learn where the account's mail goes now.

use serde::{Deserialize, Serialize};

use super::message::escape;
use crate::clock::{utc_text, Millis};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressMailKind {
    /// To a new address: the link that makes it the account's.
    ConfirmNew,
    /// To the current address ("Send again"): the link that confirms it.
    ConfirmCurrent,
    /// To the current address: a change was asked for, with a cancel link.
    ChangeRequested,
    /// To the old address: the change was made.
    Changed,
    /// To a support user: the one-time link that sets up their second
    /// step (a new support account, or their factor reset by a colleague).
    SupportEnrolment,
}

impl AddressMailKind {
    pub const ALL: [AddressMailKind; 5] = [
        AddressMailKind::ConfirmNew,
        AddressMailKind::ConfirmCurrent,
        AddressMailKind::ChangeRequested,
        AddressMailKind::Changed,
        AddressMailKind::SupportEnrolment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AddressMailKind::ConfirmNew => "email_confirm_new",
            AddressMailKind::ConfirmCurrent => "email_confirm_current",
            AddressMailKind::ChangeRequested => "email_change_requested",
            AddressMailKind::Changed => "email_changed",
            AddressMailKind::SupportEnrolment => "support_enrolment",
        }
    }

    pub fn parse(kind: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|mail| mail.as_str() == kind)
    }

    pub fn subject(self) -> &'static str {
        match self {
            AddressMailKind::ConfirmNew => "Confirm your new email address for Threshold",
            AddressMailKind::ConfirmCurrent => "Confirm your email address for Threshold",
            AddressMailKind::ChangeRequested => {
                "Someone asked to change your Threshold email address"
            }
            AddressMailKind::Changed => "Your Threshold email address was changed",
            AddressMailKind::SupportEnrolment => {
                "Set up your second step for the Threshold support console"
            }
        }
    }

    /// Whether the message carries a link whose token is the outbox row's
    /// secret.
    pub fn has_link(self) -> bool {
        !matches!(self, AddressMailKind::Changed)
    }
}

/// What these emails are made from (the outbox row's data).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressMail {
    pub first_name: String,
    pub at: Millis,
    /// The address concerned (masked in mail to the old address).
    pub address: String,
    pub expires_at: Option<Millis>,
    pub browser: Option<String>,
    pub client_address: Option<String>,
}

impl AddressMail {
    pub fn to_json(&self) -> String {
        // Strings and numbers: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// `n•••@example.org`: the first character of the local part, then
    /// dots; the domain whole (people recognise their own provider).
    pub fn masked(address: &str) -> String {
        match address.rsplit_once('@') {
            Some((local, domain)) => {
                let first: String = local.chars().take(1).collect();
                format!("{first}\u{2022}\u{2022}\u{2022}@{domain}")
            }
            None => "\u{2022}\u{2022}\u{2022}".to_owned(),
        }
    }
}

/// The words of `kind`: (text, HTML body). `link_token` is the secret the
/// link carries.
pub(super) fn words(
    kind: AddressMailKind,
    mail: &AddressMail,
    link_token: Option<&str>,
    site: &str,
) -> (String, String) {
    let token = link_token.unwrap_or_default();
    let when = utc_text(mail.at);
    let until = mail.expires_at.map(utc_text).unwrap_or_default();
    let from = match (&mail.browser, &mail.client_address) {
        (Some(browser), Some(address)) => format!(" using {browser}, from the address {address}"),
        (Some(browser), None) => format!(" using {browser}"),
        _ => String::new(),
    };
    let contact = format!("{site}/contact-support");
    let (paragraphs, link): (Vec<String>, Option<(String, String)>) = match kind {
        AddressMailKind::ConfirmNew => (
            vec![
                format!("You asked on {when}{from} to use this address for your Threshold account."),
                format!("Your email address changes only when you confirm it, by {until}. Until then, your account keeps its current address."),
                "Did not ask for this? Ignore this email: nothing changes.".to_owned(),
            ],
            Some(("Confirm this address".to_owned(), format!("{site}/account/confirm-email?token={token}"))),
        ),
        AddressMailKind::ConfirmCurrent => (
            vec![
                "Please confirm that this is the right address for your Threshold account: it is where your username and any new password are sent.".to_owned(),
                format!("The link works until {until}."),
                "Did not create a Threshold account? Ignore this email.".to_owned(),
            ],
            Some(("Confirm this address".to_owned(), format!("{site}/account/confirm-email?token={token}"))),
        ),
        AddressMailKind::ChangeRequested => (
            vec![
                format!("On {when}{from}, someone logged in to your Threshold account asked to change its email address to {}.", mail.address),
                format!("Nothing changes unless the new address is confirmed, by {until}."),
                format!("If this was not you, cancel the change with the link below, then choose \"Forgotten password\" in the Log in box at {site} to get a new password, and tell support: {contact}"),
            ],
            Some(("Cancel this change".to_owned(), format!("{site}/account/cancel-email-change?token={token}"))),
        ),
        AddressMailKind::SupportEnrolment => (
            vec![
                format!("Another member of Threshold support set up a support account for you, or reset its second step, on {when}."),
                format!("The support console asks for a second step after your password: a passkey, or a code from an authenticator app. Log in at {site}, then open the link below to set it up. It works once, until {until}."),
                format!("Did not expect this? Do not open the link; tell support: {contact}"),
            ],
            Some(("Set up your second step".to_owned(), format!("{site}/support/enrol?link={token}"))),
        ),
        AddressMailKind::Changed => (
            vec![
                format!("On {when}, the email address of your Threshold account was changed to {}. Emails about your account now go there, not here.", mail.address),
                format!("If this was not you, contact support at once: {contact}"),
            ],
            None,
        ),
    };
    let mut text = format!("Hello {},\n\n", mail.first_name);
    let mut html = format!("<p>Hello {},</p>\n", escape(&mail.first_name));
    for (index, paragraph) in paragraphs.iter().enumerate() {
        text.push_str(paragraph);
        text.push_str("\n\n");
        html.push_str(&format!("<p>{}</p>\n", escape(paragraph)));
        if index == 0 {
            if let Some((label, url)) = &link {
                text.push_str(&format!("{label}:\n{url}\n\n"));
                html.push_str(&format!(
                    "<p><a href=\"{url}\">{label}</a></p>\n",
                    url = escape(url),
                    label = escape(label)
                ));
            }
        }
    }
    text.push_str("This email contains no password.\n\nThreshold\n");
    html.push_str("<p>This email contains no password.</p>\n<p>Threshold</p>\n");
    (text, html)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail() -> AddressMail {
        AddressMail {
            first_name: "Ada".into(),
            at: 1_764_000_000_000,
            address: "new@example.org".into(),
            expires_at: Some(1_764_086_400_000),
            browser: Some("Firefox 133 on Windows 10".into()),
            client_address: Some("203.0.113.9".into()),
        }
    }

    #[test]
    fn the_new_address_gets_its_link_and_its_deadline() {
        let (text, html) = words(
            AddressMailKind::ConfirmNew,
            &mail(),
            Some("tok123"),
            "https://t.example",
        );
        assert!(text.contains("https://t.example/account/confirm-email?token=tok123"));
        assert!(text.contains(&utc_text(1_764_086_400_000)));
        assert!(html.contains("href=\"https://t.example/account/confirm-email?token=tok123\""));
    }

    #[test]
    fn the_old_address_gets_a_cancel_link_and_only_a_masked_new_address() {
        let data = AddressMail {
            address: AddressMail::masked("nadia.new@example.org"),
            ..mail()
        };
        let (text, _) = words(
            AddressMailKind::ChangeRequested,
            &data,
            Some("c456"),
            "https://t.example",
        );
        assert!(text.contains("n\u{2022}\u{2022}\u{2022}@example.org"));
        assert!(!text.contains("nadia.new"));
        assert!(text.contains("/account/cancel-email-change?token=c456"));
        assert!(text.contains("Firefox 133 on Windows 10, from the address 203.0.113.9"));
    }

    #[test]
    fn every_kind_is_found_by_its_outbox_name() {
        for kind in AddressMailKind::ALL {
            assert_eq!(AddressMailKind::parse(kind.as_str()), Some(kind));
        }
    }

    #[test]
    fn masking_keeps_one_letter_and_the_domain() {
        assert_eq!(
            AddressMail::masked("ada@nhs.net"),
            "a\u{2022}\u{2022}\u{2022}@nhs.net"
        );
        assert_eq!(AddressMail::masked("odd"), "\u{2022}\u{2022}\u{2022}");
    }
}
