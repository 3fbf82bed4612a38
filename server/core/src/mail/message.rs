//! The words of each email, in plain text and HTML.

use super::MailError;
use crate::store::{ResetRecipient, Welcome};

/// A message ready for a transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Renders a queued message from its kind, its data and its secret.
pub fn render(
    kind: &str,
    subject: &str,
    data: &str,
    secret: Option<&str>,
    site_url: &str,
) -> Result<RenderedEmail, MailError> {
    match kind {
        "password_reset" => {
            let recipient: ResetRecipient = serde_json::from_str(data)
                .map_err(|error| MailError::Render(format!("reset data: {error}")))?;
            let password = secret.ok_or_else(|| {
                MailError::Render("the reset password was already erased".to_owned())
            })?;
            Ok(password_reset(subject, &recipient, password, site_url))
        }
        "welcome" => {
            let welcome: Welcome = serde_json::from_str(data)
                .map_err(|error| MailError::Render(format!("welcome data: {error}")))?;
            Ok(welcome_email(subject, &welcome, secret, site_url))
        }
        "access_request_ack" => {
            let ack: RequestAcknowledgement = serde_json::from_str(data)
                .map_err(|error| MailError::Render(format!("acknowledgement data: {error}")))?;
            Ok(access_request_ack(subject, &ack, site_url))
        }
        other if super::address_mail::AddressMailKind::parse(other).is_some() => {
            let kind = super::address_mail::AddressMailKind::parse(other)
                .ok_or_else(|| MailError::Render(format!("unknown kind {other:?}")))?;
            let mail: super::address_mail::AddressMail = serde_json::from_str(data)
                .map_err(|error| MailError::Render(format!("address mail data: {error}")))?;
            if kind.has_link() && secret.is_none() {
                return Err(MailError::Render(
                    "the link's token was already erased".to_owned(),
                ));
            }
            let (text, body) =
                super::address_mail::words(kind, &mail, secret, site_url.trim_end_matches('/'));
            Ok(rendered(subject, text, &body))
        }
        other => match super::notices::NoticeKind::parse(other) {
            Some(notice) => {
                let data: super::notices::NoticeData = serde_json::from_str(data)
                    .map_err(|error| MailError::Render(format!("notice data: {error}")))?;
                let (text, body) =
                    super::notices::words(notice, &data, site_url.trim_end_matches('/'));
                Ok(rendered(subject, text, &body))
            }
            None => Err(MailError::Render(format!("unknown kind {other:?}"))),
        },
    }
}

/// What the acknowledgement of a "Contact support" request is made from:
/// the reference only. Anyone can send the form naming any address, so
/// the mail quotes nothing they typed (a "first name" can hold a phishing
/// link); older rows may carry a first name, which is ignored.
#[derive(Debug, serde::Deserialize)]
struct RequestAcknowledgement {
    reference: String,
}

fn access_request_ack(
    subject: &str,
    ack: &RequestAcknowledgement,
    site_url: &str,
) -> RenderedEmail {
    let site = site_url.trim_end_matches('/');
    let text = format!(
        "Hello,

We have your request for help with Threshold. Your reference is {reference}.

What happens next:
- Someone in support looks for your account using the details you gave.
- If we can match it, we may update the email address on your account and send you a reset email with your username and a new password.
- We reply to this address. We never ask for your password.

While you wait, the Help centre may get you in sooner: {site}/help

Threshold
",
        reference = ack.reference,
    );
    let body = format!(
        r#"<p>Hello,</p>
<p>We have your request for help with Threshold. Your reference is <strong>{reference}</strong>.</p>
<p>What happens next:</p>
<ul>
<li>Someone in support looks for your account using the details you gave.</li>
<li>If we can match it, we may update the email address on your account and send you a reset email with your username and a new password.</li>
<li>We reply to this address. We never ask for your password.</li>
</ul>
<p>While you wait, the <a href="{site}/help">Help centre</a> may get you in sooner.</p>
<p>Threshold</p>
"#,
        reference = escape(&ack.reference),
        site = escape(site),
    );
    rendered(subject, text, &body)
}

/// Sent when an account is created: the username in writing, so a
/// generated one is not lost with the screen that showed it. No password:
/// the person chose it, and mail is not where it belongs.
fn welcome_email(
    subject: &str,
    welcome: &Welcome,
    confirm_token: Option<&str>,
    site_url: &str,
) -> RenderedEmail {
    let site = site_url.trim_end_matches('/');
    // The link that confirms the address (welcome emails queued before
    // confirmation existed, or whose secret is gone, have none).
    let confirm = confirm_token.map(|token| format!("{site}/account/confirm-email?token={token}"));
    let confirm_text = confirm
        .as_ref()
        .map(|url| format!("Please confirm that this is your email address: it is where your username and any new password are sent. The link works for 24 hours:\n{url}\n\n"))
        .unwrap_or_default();
    let confirm_html = confirm
        .as_ref()
        .map(|url| format!("<p>Please confirm that this is your email address: it is where your username and any new password are sent. <a href=\"{url}\">Confirm this address</a> (the link works for 24 hours).</p>\n", url = escape(url)))
        .unwrap_or_default();
    let help = format!("{site}/help/forgotten-password");
    let made = if welcome.username_was_generated {
        "We made your username from your surname. "
    } else {
        ""
    };
    let text = format!(
        "Hello {first_name},

Your Threshold account is ready. {made}Keep this email: it is your record of your username.

Your username:
{username}

{confirm_text}To log in, go to {site} and choose Log in. Enter your username or this email address, and the password you chose when you registered.

Forgotten your password? Choose Forgotten password in the Log in box and we will email you a new one: {help}

If you did not create this account, contact support: {site}/contact-support

Threshold
",
        first_name = welcome.first_name,
        username = welcome.username,
    );
    let body = format!(
        r#"<p>Hello {first_name},</p>
<p>Your Threshold account is ready. {made}Keep this email: it is your record of your username.</p>
<p style="margin-bottom: 0;"><strong>Your username</strong></p>
<p id="welcome-username" style="{value}">{username}</p>
{confirm_html}<p>To log in, go to <a href="{site}">{site}</a> and choose <strong>Log in</strong>. Enter your username or this email address, and the password you chose when you registered.</p>
<p>Forgotten your password? Choose <strong>Forgotten password</strong> in the Log in box and we will email you a new one. <a href="{help}">How it works</a></p>
<p>If you did not create this account, <a href="{site}/contact-support">contact support</a>.</p>
<p>Threshold</p>
"#,
        first_name = escape(&welcome.first_name),
        made = escape(made),
        username = escape(&welcome.username),
        value = MONOSPACE_VALUE,
        site = escape(site),
        help = escape(&help),
    );
    rendered(subject, text, &body)
}

/// A value someone must type exactly (a username, a password): in a
/// monospace block that never wraps, since one broken at a hyphen is one
/// typed wrongly.
const MONOSPACE_VALUE: &str = "font-family: ui-monospace, Menlo, Consolas, monospace; \
     font-size: 1.15rem; white-space: nowrap; margin: 0.25rem 0 1rem;";

fn password_reset(
    subject: &str,
    recipient: &ResetRecipient,
    password: &str,
    site_url: &str,
) -> RenderedEmail {
    let site = site_url.trim_end_matches('/');
    let help = format!("{site}/help/unable-to-log-in");
    // Plain text for phones: every paragraph on one line (the mail program
    // wraps it to the screen; hard breaks at 72 columns make ragged lines
    // there), and the username and password each alone on a line, so
    // neither is ever broken in two.
    let text = format!(
        "Hello {first_name},

We received a request for a new password for the Threshold account that uses this email address.

Your username:
{username}

New password:
{password}

To log in:
1. Go to {site} and choose Log in.
2. Enter your username (or this email address) and the new password. Capital letters and the hyphens in it do not matter.
3. Choose a new password of your own when asked.

The new password works once, within 24 hours, and only from the latest reset email. If you asked more than once, use the newest one.

If you added a passkey to your account, you can use it instead: choose Log in, then \"Log in with a passkey\". A reset never removes your passkeys.

If you did not ask for a new password, you can ignore this email: your current password still works, and nobody can use the new one without reading this email.

Still stuck? {help}

Threshold
",
        first_name = recipient.first_name,
        username = recipient.username,
    );
    let value = MONOSPACE_VALUE;
    let body = format!(
        r#"<p>Hello {first_name},</p>
<p>We received a request for a new password for the Threshold account that uses this email address.</p>
<p style="margin-bottom: 0;"><strong>Your username</strong></p>
<p id="reset-username" style="{value}">{username}</p>
<p style="margin-bottom: 0;"><strong>New password</strong></p>
<p id="reset-password" style="{value} letter-spacing: 0.05em;">{password}</p>
<p>To log in:</p>
<ol>
<li>Go to <a href="{site}">{site}</a> and choose <strong>Log in</strong>.</li>
<li>Enter your username (or this email address) and the new password. Capital letters and the hyphens in it do not matter.</li>
<li>Choose a new password of your own when asked.</li>
</ol>
<p>The new password works once, within 24 hours, and only from the latest reset email. If you asked more than once, use the newest one.</p>
<p>If you added a passkey to your account, you can use it instead: choose <strong>Log in</strong>, then <strong>Log in with a passkey</strong>. A reset never removes your passkeys.</p>
<p>If you did not ask for a new password, you can ignore this email: your current password still works, and nobody can use the new one without reading this email.</p>
<p>Still stuck? <a href="{help}">Help with logging in</a></p>
<p>Threshold</p>
"#,
        first_name = escape(&recipient.first_name),
        username = escape(&recipient.username),
        password = escape(password),
        site = escape(site),
        help = escape(&help),
    );
    rendered(subject, text, &body)
}

/// An email from its plain text and its HTML body, which gets the document
/// every email shares: readable on a phone (viewport, 16 px text, no fixed
/// widths).
fn rendered(subject: &str, text: String, body: &str) -> RenderedEmail {
    let html = format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{subject}</title></head>
<body style="font-family: system-ui, sans-serif; font-size: 16px; line-height: 1.5; color: #1b2430; max-width: 36rem;">
{body}</body></html>
"#,
        subject = escape(subject),
    );
    RenderedEmail {
        subject: subject.to_owned(),
        text,
        html,
    }
}

/// HTML-escapes text for element content and quoted attributes. Five
/// replacements: not worth a dependency.
pub(super) fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reset(first_name: &str) -> RenderedEmail {
        let data = serde_json::to_string(&ResetRecipient {
            first_name: first_name.into(),
            username: "O'Brien4821".into(),
        })
        .unwrap();
        render(
            "password_reset",
            "Subject",
            &data,
            Some("k7mp-4xqa-9vtd-hw3e-n2rc"),
            "https://threshold.example/",
        )
        .unwrap()
    }

    fn welcome(generated: bool) -> RenderedEmail {
        let data = serde_json::to_string(&Welcome {
            first_name: "Siobhán".into(),
            username: "O'Brien4821".into(),
            username_was_generated: generated,
        })
        .unwrap();
        render(
            "welcome",
            "Subject",
            &data,
            None,
            "https://threshold.example/",
        )
        .unwrap()
    }

    #[test]
    fn a_welcome_email_gives_the_username_alone_on_its_line_and_no_password() {
        let email = welcome(true);
        assert!(email.text.contains("Hello Siobhán,"));
        assert!(email.text.contains("Your username:\nO'Brien4821\n"));
        assert!(email
            .text
            .contains("We made your username from your surname."));
        assert!(email.html.contains(r#"id="welcome-username""#));
        assert!(email.html.contains("O&#39;Brien4821"));
        for part in [&email.text, &email.html] {
            assert!(!part.to_lowercase().contains("password:"), "{part}");
            assert!(part.contains("https://threshold.example/contact-support"));
        }
        assert!(!welcome(false).text.contains("We made your username"));
    }

    #[test]
    fn a_reset_email_gives_username_password_how_to_log_in_and_reassurance_in_both_parts() {
        let email = reset("Ada");
        for part in [&email.text, &email.html] {
            assert!(part.contains("k7mp-4xqa-9vtd-hw3e-n2rc"));
            assert!(part.contains("https://threshold.example"));
            assert!(part.contains("your current password still"));
            assert!(part.contains("only from the latest reset"));
        }
        assert!(email.text.contains("Your username:\nO'Brien4821\n"));
        assert!(email.html.contains("O&#39;Brien4821"));
    }

    #[test]
    fn the_password_stands_alone_on_its_line_and_no_paragraph_is_hard_wrapped() {
        let email = reset("Ada");
        let lines: Vec<&str> = email.text.lines().collect();
        let at = lines
            .iter()
            .position(|line| *line == "New password:")
            .unwrap();
        assert_eq!(lines[at + 1], "k7mp-4xqa-9vtd-hw3e-n2rc");
        // Every sentence ends its line: a line that does not end a
        // sentence, a list item or a label was broken by hand.
        for line in lines.iter().filter(|line| line.len() > 40) {
            assert!(
                line.ends_with('.') || line.ends_with(':') || line.contains("http"),
                "hard-wrapped line: {line:?}"
            );
        }
        assert!(email.html.contains("white-space: nowrap"));
        assert!(
            !email.text.contains("top right"),
            "true only on wide screens"
        );
    }

    #[test]
    fn names_cannot_inject_html() {
        let email = reset("<script>alert(1)</script>");
        assert!(!email.html.contains("<script>"));
        assert!(email.html.contains("&lt;script&gt;"));
    }

    #[test]
    fn a_reset_without_its_password_or_an_unknown_kind_is_refused() {
        let data = r#"{"first_name":"Ada","username":"Okafor4821"}"#;
        assert!(render("password_reset", "s", data, None, "http://x").is_err());
        assert!(render("newsletter", "s", data, Some("x"), "http://x").is_err());
    }
}
