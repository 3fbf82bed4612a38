//! SPEC.md §1 "deliverable email": what registration accepts, the mailer
//! accepts, and the reverse for the addresses people have. Generated
//! addresses, in both directions, against lettre's own `Address` parser
//! (the one the outbox sends with).
#![cfg(feature = "server")]

use proptest::prelude::*;
use threshold_core::rules::Email;

/// Whether the mailer takes `address` as a recipient, in the form the
/// outbox sends it (domain as punycode).
fn mailer_accepts(address: &str) -> bool {
    address.parse::<lettre::Address>().is_ok()
}

/// A local part: dot-separated runs of RFC 5322 `atext`.
fn local_part() -> impl Strategy<Value = String> {
    let atom = "[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]{1,12}";
    prop::collection::vec(atom, 1..4).prop_map(|atoms| atoms.join("."))
}

/// A domain: LDH labels, a top-level domain of letters, sometimes a label
/// in another script (an internationalised domain).
fn domain() -> impl Strategy<Value = String> {
    let label = prop_oneof![
        4 => "[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?",
        1 => "[a-zäöüéñ]{1,8}",
        1 => "[а-я]{2,8}",
        1 => "[一-龥]{1,4}",
    ];
    (prop::collection::vec(label, 1..4), "[a-z]{2,6}")
        .prop_map(|(labels, top)| format!("{}.{top}", labels.join(".")))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Every address registration accepts, the mailer accepts.
    #[test]
    fn what_registration_accepts_the_mailer_accepts(
        local in local_part(),
        domain in domain(),
    ) {
        let typed = format!("{local}@{domain}");
        if let Ok(email) = Email::parse(&typed) {
            prop_assert!(mailer_accepts(&email.for_delivery()), "{typed}");
        }
    }

    /// The same for arbitrary text, control characters and all.
    #[test]
    fn no_text_registration_accepts_is_refused_by_the_mailer(typed in "\\PC{0,40}@\\PC{0,40}") {
        if let Ok(email) = Email::parse(&typed) {
            prop_assert!(mailer_accepts(&email.for_delivery()), "{typed:?}");
        }
    }

    /// Every ordinary address the mailer takes (a dot-atom local part, a
    /// domain of letters, digits and hyphens, within the lengths of
    /// SPEC.md §1), registration takes.
    #[test]
    fn what_the_mailer_accepts_registration_accepts(
        local in local_part(),
        domain in domain(),
    ) {
        let typed = format!("{local}@{domain}");
        let ascii = match domain.is_ascii() {
            true => typed.clone(),
            false => match idna::domain_to_ascii(&domain) {
                Ok(ascii) => format!("{local}@{ascii}"),
                Err(_) => return Ok(()),
            },
        };
        let within_limits = local.len() <= 64 && ascii.len() <= 254;
        if within_limits && mailer_accepts(&ascii) {
            // Mixed-script labels are refused on purpose (look-alikes), and
            // generated labels can mix Latin with Cyrillic or Han.
            let refused_on_purpose = matches!(
                Email::parse(&typed),
                Err(threshold_core::rules::EmailError::DomainMixedScripts)
            );
            prop_assert!(
                Email::parse(&typed).is_ok() || refused_on_purpose,
                "{typed}: {:?}",
                Email::parse(&typed)
            );
        }
    }
}
