//! The forms a login name (a username or an email address) is compared in:
//! its key, which decides "the same name" for uniqueness and login, and its
//! skeleton, which decides "looks the same" (SPEC.md §1).
//!
//! The key is [`identifier_key`] (NFKC, case folding, straight apostrophes)
//! with the domain of an address mapped to its one ASCII form (UTS #46 and
//! punycode), so `ada@bücher.de` and `ada@xn--bcher-kva.de` are one mailbox.
//! The skeleton is taken from the same text with the domain in its Unicode
//! form, so a look-alike typed in punycode is caught too.
//!
//! Server-only, like [`super::lookalike`]: the IDNA tables stay out of the
//! browser bundle.

use super::lookalike::skeleton;
use super::text::identifier_key;

/// A username or email address in the forms it is compared in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginName {
    /// Unique across the namespace; what login looks names up by.
    pub key: String,
    /// Unique across the namespace too: a name that looks like a held one
    /// is taken.
    pub skeleton: String,
}

impl LoginName {
    /// The compared forms of a name as displayed (typed, or stored).
    pub fn of(text: &str) -> LoginName {
        let folded = identifier_key(text);
        let shown = match folded.rsplit_once('@') {
            Some((local, domain)) => format!("{local}@{}", unicode_domain(domain)),
            None => folded.clone(),
        };
        LoginName {
            key: key_of_folded(folded),
            skeleton: skeleton(&shown),
        }
    }
}

/// The key a login identifier, typed into the login or reset form, is
/// looked up by: the [`LoginName::key`] of the same text (without the
/// skeleton, which a lookup does not need).
pub fn login_key(typed: &str) -> String {
    key_of_folded(identifier_key(typed))
}

fn key_of_folded(folded: String) -> String {
    match folded.rsplit_once('@') {
        Some((local, domain)) if !domain.is_ascii() => {
            format!("{local}@{}", ascii_domain(domain))
        }
        _ => folded,
    }
}

/// A domain's one ASCII form (UTS #46 mapping, punycode), or the domain as
/// it is when it has none (such a name cannot be registered; a login typed
/// with it simply finds nobody).
pub fn ascii_domain(domain: &str) -> String {
    idna::domain_to_ascii(domain).unwrap_or_else(|_| domain.to_owned())
}

/// `local@domain` with the domain as punycode: the form mail is sent to, so
/// no server on the way needs SMTPUTF8.
/// An ASCII domain is left as typed (case included).
pub fn ascii_address(address: &str) -> String {
    match address.rsplit_once('@') {
        Some((local, domain)) if !domain.is_ascii() => {
            format!("{local}@{}", ascii_domain(domain))
        }
        _ => address.to_owned(),
    }
}

/// A domain's Unicode form (punycode labels decoded, UTS #46 mapping).
pub fn unicode_domain(domain: &str) -> String {
    match idna::domain_to_unicode(domain) {
        (unicode, Ok(())) => unicode,
        (_, Err(_)) => domain.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_idn_domain_and_its_punycode_are_one_key() {
        let typed = LoginName::of("Ada@Bücher.de");
        let punycode = LoginName::of("ada@xn--bcher-kva.de");
        assert_eq!(typed.key, "ada@xn--bcher-kva.de");
        assert_eq!(typed, punycode);
    }

    #[test]
    fn an_ascii_address_keeps_its_folded_key() {
        assert_eq!(
            LoginName::of(" Ada.Okafor@NHS.net ").key,
            "ada.okafor@nhs.net"
        );
    }

    #[test]
    fn a_username_without_an_at_is_its_identifier_key() {
        assert_eq!(LoginName::of("O\u{2019}Neil").key, identifier_key("o'neil"));
    }

    #[test]
    fn a_look_alike_domain_shares_the_skeleton_but_not_the_key() {
        let real = LoginName::of("bob.jones@nhs.net");
        let fake = LoginName::of("bob.jones@nh\u{0455}.net");
        assert_ne!(real.key, fake.key);
        assert_eq!(real.skeleton, fake.skeleton);
        // Typed in punycode, the look-alike is still caught.
        let fake_ascii = LoginName::of(&format!("bob.jones@{}", ascii_domain("nh\u{0455}.net")));
        assert_eq!(fake_ascii.skeleton, real.skeleton);
    }

    #[test]
    fn login_key_is_the_key_of_the_typed_text() {
        assert_eq!(login_key("ADA@BÜCHER.DE"), "ada@xn--bcher-kva.de");
        assert_eq!(login_key("Okafor4821"), "okafor4821");
        for typed in [
            "ADA@BÜCHER.DE",
            "ada@XN--BCHER-KVA.de",
            " O\u{2019}Neil@Example.ORG ",
            "x@y@例子.广告",
            "bad@domain_with_underscore.org",
            "@",
            "",
        ] {
            assert_eq!(login_key(typed), LoginName::of(typed).key, "{typed:?}");
        }
    }
}
