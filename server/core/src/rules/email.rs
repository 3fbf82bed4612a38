//! Email addresses (SPEC.md §1): a pragmatic check that catches typing
//! mistakes without refusing real addresses, and the key that makes them
//! unique regardless of case.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::text::{is_bidi_control, is_combining_mark, straighten_apostrophe};

pub const EMAIL_MAX_CHARS: usize = 254;
pub const EMAIL_LOCAL_PART_MAX_CHARS: usize = 64;
const DOMAIN_LABEL_MAX_CHARS: usize = 63;

/// The symbols a local part may hold besides ASCII letters, digits and
/// inner dots: RFC 5322's `atext`, which every mail server takes. Quoted
/// local parts (where `( ) , : ; < > [ ] \\ "` and spaces live) are refused:
/// real people do not have them, and refusing them catches pasted
/// "Name <a@b.org>" forms. Non-ASCII local parts need SMTPUTF8 from every
/// server on the way, which Threshold does not rely on: refused too.
const LOCAL_PART_SYMBOLS: &str = "!#$%&'*+-/=?^_`{|}~";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum EmailError {
    #[error("Enter your email address")]
    Empty,
    #[error("Email addresses must be {max} characters or fewer")]
    TooLong { max: usize },
    #[error("Remove the spaces from the email address. If you pasted it, type it instead, as it may hold characters you cannot see")]
    Whitespace,
    #[error("An email address needs an @, like name@example.com")]
    MissingAt,
    #[error("An email address can only contain one @")]
    MoreThanOneAt,
    #[error("Add the part before the @, like name@example.com")]
    MissingLocalPart,
    #[error("The part before the @ can be at most {max} characters")]
    LocalPartTooLong { max: usize },
    #[error(
        "The part before the @ can only contain unaccented letters (a to z), digits \
         and symbols such as . _ - + '"
    )]
    LocalPartInvalidCharacters,
    #[error("The part before the @ cannot start or end with a dot, or have two dots in a row")]
    LocalPartMisplacedDot,
    #[error("The part after the @ needs a dot, like example.com")]
    DomainMissingDot,
    #[error("The part after the @ can only contain letters, numbers, hyphens and dots, like example.com")]
    InvalidDomain,
    #[error(
        "The part after the @ mixes letters from different alphabets (such as Latin \
         and Cyrillic). Check it is typed correctly"
    )]
    DomainMixedScripts,
    #[error("We cannot send email to this address. Check it is typed correctly")]
    Undeliverable,
}

/// A valid email address as the person typed it (trimmed, curly apostrophes
/// straightened), for display and for sending mail. Uniqueness and login
/// compare [`Email::key`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, EmailError> {
        let text: String = raw.trim().chars().map(straighten_apostrophe).collect();
        if text.is_empty() {
            return Err(EmailError::Empty);
        }
        if text.chars().count() > EMAIL_MAX_CHARS {
            return Err(EmailError::TooLong {
                max: EMAIL_MAX_CHARS,
            });
        }
        if text.chars().any(is_space_or_invisible) {
            return Err(EmailError::Whitespace);
        }
        let (local_part, domain) = split_at_the_at_sign(&text)?;
        check_local_part(local_part)?;
        check_domain(domain)?;
        #[cfg(feature = "server")]
        deliverable::check(local_part, domain)?;
        Ok(Email(text))
    }

    /// The address as typed (after trimming).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-folded form that uniqueness and login compare, with the
    /// domain in its one ASCII form.
    #[cfg(feature = "server")]
    pub fn key(&self) -> String {
        super::login_name::login_key(&self.0)
    }

    /// The forms uniqueness compares: the key and the look-alike skeleton.
    #[cfg(feature = "server")]
    pub fn login_name(&self) -> super::login_name::LoginName {
        super::login_name::LoginName::of(&self.0)
    }

    /// The inbox the address reaches, for limits on mail sent to it: the
    /// key with any `+tag` taken off the local part (`ada+1@nhs.net` and
    /// `ada+2@nhs.net` are one person's inbox).
    #[cfg(feature = "server")]
    pub fn mailbox_key(&self) -> String {
        let key = self.key();
        match key.split_once('@') {
            Some((local, domain)) => {
                let untagged = local.split('+').next().unwrap_or(local);
                format!("{untagged}@{domain}")
            }
            None => key,
        }
    }

    /// The address mail is sent to: the local part as typed, the domain as
    /// punycode (no SMTPUTF8 needed anywhere on the way).
    #[cfg(feature = "server")]
    pub fn for_delivery(&self) -> String {
        super::login_name::ascii_address(&self.0)
    }

    /// The part before the `@`.
    pub fn local_part(&self) -> &str {
        self.split().0
    }

    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        self.split().1
    }

    fn split(&self) -> (&str, &str) {
        // A parsed address has exactly one '@'.
        self.0.split_once('@').unwrap_or((&self.0, ""))
    }
}

/// Whitespace, control characters and the invisible characters that ride
/// along with copy and paste (zero-width spaces, soft hyphens, bidi marks).
fn is_space_or_invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || is_bidi_control(c)
        || matches!(
            c,
            '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}'
        )
}

fn split_at_the_at_sign(text: &str) -> Result<(&str, &str), EmailError> {
    match text.matches('@').count() {
        0 => Err(EmailError::MissingAt),
        1 => Ok(text.split_once('@').unwrap_or((text, ""))),
        _ => Err(EmailError::MoreThanOneAt),
    }
}

fn check_local_part(local_part: &str) -> Result<(), EmailError> {
    if local_part.is_empty() {
        return Err(EmailError::MissingLocalPart);
    }
    if local_part.chars().count() > EMAIL_LOCAL_PART_MAX_CHARS {
        return Err(EmailError::LocalPartTooLong {
            max: EMAIL_LOCAL_PART_MAX_CHARS,
        });
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '.' || LOCAL_PART_SYMBOLS.contains(c);
    if !local_part.chars().all(allowed) {
        return Err(EmailError::LocalPartInvalidCharacters);
    }
    if local_part.starts_with('.') || local_part.ends_with('.') || local_part.contains("..") {
        return Err(EmailError::LocalPartMisplacedDot);
    }
    Ok(())
}

fn check_domain(domain: &str) -> Result<(), EmailError> {
    if !domain.contains('.') {
        return Err(EmailError::DomainMissingDot);
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let top_level = labels.last().copied().unwrap_or("");
    // A top-level domain always has a letter; "1.2.3.4" is not a mail domain.
    if labels.iter().all(|label| is_valid_domain_label(label))
        && top_level.chars().any(char::is_alphabetic)
    {
        Ok(())
    } else {
        Err(EmailError::InvalidDomain)
    }
}

/// Letters (any script, for internationalised domains), digits and inner
/// hyphens, 1 to 63 characters.
fn is_valid_domain_label(label: &str) -> bool {
    let length = label.chars().count();
    (1..=DOMAIN_LABEL_MAX_CHARS).contains(&length)
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || is_combining_mark(c))
}

/// What the mailer decides (SPEC.md §1 "deliverable email"): an address is
/// accepted only if the mail transport can send to it, with its domain
/// normalised (UTS #46) and free of invisible and mixed-script labels.
#[cfg(feature = "server")]
mod deliverable {
    use super::super::lookalike::{is_invisible, mixes_scripts};
    use super::{EmailError, EMAIL_MAX_CHARS};

    pub(super) fn check(local_part: &str, domain: &str) -> Result<(), EmailError> {
        if domain.chars().any(is_invisible) {
            return Err(EmailError::Whitespace);
        }
        // STD3 rules and DNS lengths, as a mail server's resolver applies
        // them. Hyphens are allowed anywhere inside a label ("ab--cd" is
        // reserved by IDNA 2008 but mail servers deliver to it).
        let ascii = idna::uts46::Uts46::new()
            .to_ascii(
                domain.as_bytes(),
                idna::uts46::AsciiDenyList::STD3,
                idna::uts46::Hyphens::CheckFirstLast,
                idna::uts46::DnsLength::Verify,
            )
            .map_err(|_| EmailError::InvalidDomain)?;
        if super::super::login_name::unicode_domain(&ascii)
            .split('.')
            .any(mixes_scripts)
        {
            return Err(EmailError::DomainMixedScripts);
        }
        if local_part.len() + 1 + ascii.len() > EMAIL_MAX_CHARS {
            return Err(EmailError::TooLong {
                max: EMAIL_MAX_CHARS,
            });
        }
        lettre::Address::new(local_part, &ascii)
            .map(|_| ())
            .map_err(|_| EmailError::Undeliverable)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Email::parse(&raw)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> String {
        email.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_an_ordinary_address() {
        let email = Email::parse("ada.okafor@nhs.net").unwrap();
        assert_eq!(email.as_str(), "ada.okafor@nhs.net");
        assert_eq!(email.local_part(), "ada.okafor");
        assert_eq!(email.domain(), "nhs.net");
    }

    #[test]
    fn parse_trims_but_keeps_the_case_as_typed() {
        assert_eq!(
            Email::parse("  Ada.Okafor@NHS.net \n").unwrap().as_str(),
            "Ada.Okafor@NHS.net"
        );
    }

    #[cfg(feature = "server")]
    #[test]
    fn key_ignores_letter_case() {
        let typed = Email::parse("Ada.Okafor@NHS.net").unwrap();
        assert_eq!(typed.key(), "ada.okafor@nhs.net");
        assert_eq!(
            typed.key(),
            Email::parse("ADA.OKAFOR@nhs.NET").unwrap().key()
        );
    }

    #[cfg(feature = "server")]
    #[test]
    fn key_equals_the_identifier_key_of_the_raw_text() {
        let raw = " O\u{2019}Neil@Example.ORG ";
        assert_eq!(
            Email::parse(raw).unwrap().key(),
            crate::rules::text::identifier_key(raw)
        );
    }

    #[test]
    fn parse_straightens_a_curly_apostrophe_typed_by_a_phone() {
        assert_eq!(
            Email::parse("o\u{2019}neil@example.org").unwrap().as_str(),
            "o'neil@example.org"
        );
    }

    #[test]
    fn parse_accepts_plus_tags_subdomains_and_hyphens() {
        assert!(Email::parse("a+tag@mail.my-practice.co.uk").is_ok());
    }

    #[test]
    fn parse_accepts_letters_of_any_script_after_the_at() {
        assert!(Email::parse("ada@bücher.example").is_ok());
        assert!(Email::parse("ada@例子.广告").is_ok());
    }

    #[test]
    fn parse_refuses_letters_outside_ascii_before_the_at() {
        // No SMTPUTF8 path: the mailer could never deliver to these.
        for raw in ["müller@beispiel.de", "用户@例子.广告", "\u{1F600}@nhs.net"] {
            assert_eq!(
                Email::parse(raw),
                Err(EmailError::LocalPartInvalidCharacters),
                "{raw}"
            );
        }
    }

    #[test]
    fn parse_accepts_every_symbol_mail_servers_take_before_the_at() {
        assert!(Email::parse("a!#$%&'*+-/=?^_`{|}~z@nhs.net").is_ok());
    }

    #[cfg(feature = "server")]
    #[test]
    fn parse_refuses_invisible_characters_anywhere() {
        for raw in [
            "ada\u{034F}@nhs.net",
            "ada@nhs\u{FE0F}.net",
            "ada@nhs\u{3164}.net",
            "ada@nhs.ne\u{115F}t",
        ] {
            assert!(
                matches!(
                    Email::parse(raw),
                    Err(EmailError::Whitespace | EmailError::LocalPartInvalidCharacters)
                ),
                "{raw:?}"
            );
        }
    }

    #[cfg(feature = "server")]
    #[test]
    fn parse_refuses_a_domain_label_mixing_scripts() {
        for raw in ["bob.jones@nh\u{0455}.net", "ada.okafor@nhs.n\u{0435}t"] {
            assert_eq!(
                Email::parse(raw),
                Err(EmailError::DomainMixedScripts),
                "{raw}"
            );
        }
        // Typed as punycode, the same domain is caught too.
        let punycode = super::super::login_name::ascii_domain("nh\u{0455}.net");
        assert_eq!(
            Email::parse(&format!("bob.jones@{punycode}")),
            Err(EmailError::DomainMixedScripts)
        );
    }

    #[cfg(feature = "server")]
    #[test]
    fn the_mailbox_key_drops_the_plus_tag_and_normalises_the_domain() {
        let mailbox = |raw: &str| Email::parse(raw).unwrap().mailbox_key();
        assert_eq!(mailbox("Victim+1@NHS.net"), "victim@nhs.net");
        assert_eq!(mailbox("victim+2+x@nhs.net"), "victim@nhs.net");
        assert_eq!(
            mailbox("victim@B\u{00FC}cher.de"),
            "victim@xn--bcher-kva.de"
        );
        assert_ne!(mailbox("victim.two@nhs.net"), mailbox("victim@nhs.net"));
    }

    #[cfg(feature = "server")]
    #[test]
    fn an_idn_address_and_its_punycode_are_one_key_and_mail_goes_to_punycode() {
        let typed = Email::parse("Ada@Bücher.de").unwrap();
        let punycode = Email::parse("ada@xn--bcher-kva.de").unwrap();
        assert_eq!(typed.key(), punycode.key());
        assert_eq!(typed.as_str(), "Ada@Bücher.de", "shown as typed");
        assert_eq!(typed.for_delivery(), "Ada@xn--bcher-kva.de");
    }

    #[test]
    fn parse_rejects_blank() {
        assert_eq!(Email::parse("  "), Err(EmailError::Empty));
    }

    #[test]
    fn parse_rejects_a_missing_at() {
        assert_eq!(Email::parse("ada.nhs.net"), Err(EmailError::MissingAt));
    }

    #[test]
    fn parse_rejects_two_at_signs() {
        assert_eq!(
            Email::parse("ada@x@nhs.net"),
            Err(EmailError::MoreThanOneAt)
        );
    }

    #[test]
    fn parse_rejects_an_empty_local_part() {
        assert_eq!(Email::parse("@nhs.net"), Err(EmailError::MissingLocalPart));
    }

    #[test]
    fn parse_accepts_a_64_character_local_part() {
        assert!(Email::parse(&format!("{}@nhs.net", "a".repeat(64))).is_ok());
    }

    #[test]
    fn parse_rejects_a_65_character_local_part() {
        assert_eq!(
            Email::parse(&format!("{}@nhs.net", "a".repeat(65))),
            Err(EmailError::LocalPartTooLong { max: 64 })
        );
    }

    /// "ada@" and four 61-letter labels, then the top-level domain.
    fn address_ending_in(top_level: &str) -> String {
        let label = "a".repeat(61);
        format!("ada@{label}.{label}.{label}.{label}.{top_level}")
    }

    #[test]
    fn parse_accepts_254_characters() {
        let longest = address_ending_in("co");
        assert_eq!(longest.chars().count(), 254);
        assert!(Email::parse(&longest).is_ok());
    }

    #[test]
    fn parse_rejects_255_characters() {
        assert_eq!(
            Email::parse(&address_ending_in("com")),
            Err(EmailError::TooLong { max: 254 })
        );
    }

    #[test]
    fn parse_rejects_inner_spaces_and_control_characters() {
        for raw in [
            "ada okafor@nhs.net",
            "ada@nhs .net",
            "ada\u{0}@nhs.net",
            "ada\u{200B}@nhs.net",
            "ada\u{00AD}@nhs.net",
            "\u{202E}ada@nhs.net",
        ] {
            assert_eq!(Email::parse(raw), Err(EmailError::Whitespace), "{raw:?}");
        }
    }

    #[test]
    fn parse_rejects_a_pasted_display_name() {
        assert_eq!(
            Email::parse("Ada <ada@nhs.net>"),
            Err(EmailError::Whitespace)
        );
        assert_eq!(
            Email::parse("<ada@nhs.net>"),
            Err(EmailError::LocalPartInvalidCharacters)
        );
    }

    #[test]
    fn parse_rejects_misplaced_dots_in_the_local_part() {
        for raw in [".ada@nhs.net", "ada.@nhs.net", "ada..okafor@nhs.net"] {
            assert_eq!(
                Email::parse(raw),
                Err(EmailError::LocalPartMisplacedDot),
                "{raw}"
            );
        }
    }

    #[test]
    fn parse_rejects_a_domain_without_a_dot() {
        assert_eq!(
            Email::parse("ada@localhost"),
            Err(EmailError::DomainMissingDot)
        );
        assert_eq!(Email::parse("ada@"), Err(EmailError::DomainMissingDot));
    }

    #[test]
    fn parse_rejects_malformed_domains() {
        for raw in [
            "ada@nhs..net",
            "ada@.nhs.net",
            "ada@nhs.net.",
            "ada@-nhs.net",
            "ada@nhs-.net",
            "ada@nhs_net.uk",
            "ada@1.2.3.4",
            "ada@[127.0.0.1]",
        ] {
            assert_eq!(Email::parse(raw), Err(EmailError::InvalidDomain), "{raw}");
        }
    }

    #[test]
    fn converts_to_a_plain_string_and_validates_when_converted_back() {
        let email = Email::parse("ada@nhs.net").unwrap();
        assert_eq!(String::from(email), "ada@nhs.net");
        assert_eq!(
            Email::try_from("ada".to_owned()),
            Err(EmailError::MissingAt)
        );
    }
}
