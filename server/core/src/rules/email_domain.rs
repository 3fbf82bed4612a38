//! "Did you mean nhs.net?": a likely slip in the domain of an email address
//! being registered (`nhs.ner`, `gmail.con`, `hotmial.com`), caught against
//! a short list of the domains most people here use.
//!
//! A suggestion only: the person may ignore it and register the address as
//! typed, and nothing on the server refuses an address for it. So it errs
//! towards silence: a domain on the list, or one not close to any on it (a
//! practice's own, `nhs.scot`, another country's `yahoo.co.in`), gets none.

use strsim::damerau_levenshtein;

/// The domains a slip is looked for against.
///
/// Why each is here: `nhs.net` is NHSmail, which most NHS staff use, and
/// `nhs.uk` the domain under which trusts have theirs; then the providers
/// most people in the UK have a personal address with: Google (`gmail.com`,
/// and `googlemail.com`, which UK accounts were given until 2012),
/// Microsoft (`outlook.com`, `hotmail.com`, `hotmail.co.uk`, `live.com`),
/// Yahoo (`yahoo.com`, `yahoo.co.uk`, and `ymail.com`), Apple
/// (`icloud.com`), the broadband providers whose mail many older accounts
/// are with (`btinternet.com`, `sky.com`, `virginmedia.com`), `aol.com` and
/// `protonmail.com`. `ymail.com`, `mail.com` and `email.com` are real
/// providers one letter from `gmail.com`: listed so they are never taken
/// for a slip of it.
pub const COMMON_EMAIL_DOMAINS: &[&str] = &[
    "nhs.net",
    "nhs.uk",
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "hotmail.co.uk",
    "live.com",
    "yahoo.com",
    "yahoo.co.uk",
    "ymail.com",
    "icloud.com",
    "btinternet.com",
    "sky.com",
    "virginmedia.com",
    "aol.com",
    "protonmail.com",
    "mail.com",
    "email.com",
];

/// A name (the part of a domain before its first dot) this long or longer
/// may be two edits away; a shorter one one edit. Two edits from `nhs` or
/// `sky` is almost any three letters; from `hotmail` it is still hotmail.
const LONG_NAME_CHARS: usize = 6;

/// The address with its domain corrected to the one on the list it is a
/// likely slip of (the part before the `@` kept exactly as typed), or
/// `None`: the domain is on the list, is not close to one on it, is close
/// to two equally, or the text is not one address (no `@`, several, nothing
/// before it).
///
/// Close means, with Damerau–Levenshtein distance (a swap of two
/// neighbouring letters is one edit), compared ignoring letter case:
/// - the whole domain is one edit away (`gmail.con`, `hotmial.com`,
///   `nhs.ner`, `hotmail.co.k`, and a dropped dot, `gmailcom`); or
/// - its name (before the first dot) is one edit from the listed one's,
///   two for names of 6 letters or more (`hotmial`, `outlok`, `icluod`),
///   and the rest at most one (`.con`, `.cmo`, `.ner`, `.co.k`): so
///   `gmial.con` is gmail.com. A different ending two or more edits away
///   is another real domain, not a slip (`protonmail.ch`,
///   `hotmail.co.jp`, `yahoo.co.in`, `outlook.cl`), and gets none.
///
/// Internationalised domains get none: the list is all ASCII, and a
/// domain typed with letters beyond it (`bücher.de`) was typed on purpose.
pub fn suggest_domain(email: &str) -> Option<String> {
    let email = email.trim();
    let (local_part, domain) = email.split_once('@')?;
    if local_part.is_empty() || domain.contains('@') || !domain.is_ascii() {
        return None;
    }
    let typed = domain.to_ascii_lowercase();
    if COMMON_EMAIL_DOMAINS.contains(&typed.as_str()) {
        return None;
    }
    let mut nearest: Option<(usize, &str)> = None;
    let mut tied = false;
    for &known in COMMON_EMAIL_DOMAINS {
        let Some(distance) = slip_distance(&typed, known) else {
            continue;
        };
        match nearest {
            Some((best, _)) if distance > best => {}
            Some((best, _)) if distance == best => tied = true,
            _ => {
                nearest = Some((distance, known));
                tied = false;
            }
        }
    }
    match nearest {
        Some((_, known)) if !tied => Some(format!("{local_part}@{known}")),
        _ => None,
    }
}

/// How many edits `typed` is from `known` when it is close enough to be a
/// slip of it (see [`suggest_domain`]), or `None`.
fn slip_distance(typed: &str, known: &str) -> Option<usize> {
    let (typed_name, typed_rest) = split_name(typed);
    let (known_name, known_rest) = split_name(known);
    let name_tolerance = if known_name.len() >= LONG_NAME_CHARS {
        2
    } else {
        1
    };
    // No distance can be smaller than the difference in length: a pasted
    // page of text costs nothing.
    if typed.len().abs_diff(known.len()) > name_tolerance + 1 {
        return None;
    }
    let whole = damerau_levenshtein(typed, known);
    let close = whole == 1
        || (damerau_levenshtein(typed_name, known_name) <= name_tolerance
            && damerau_levenshtein(typed_rest, known_rest) <= 1);
    close.then_some(whole)
}

/// A domain's name and the rest after its first dot: `hotmail` and `co.uk`.
fn split_name(domain: &str) -> (&str, &str) {
    domain.split_once('.').unwrap_or((domain, ""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn suggested(email: &str) -> Option<String> {
        suggest_domain(email)
    }

    #[test]
    fn a_slip_in_the_ending_is_corrected() {
        assert_eq!(suggested("ada@nhs.ner").as_deref(), Some("ada@nhs.net"));
        assert_eq!(suggested("ada@gmail.con").as_deref(), Some("ada@gmail.com"));
        assert_eq!(suggested("ada@gmail.cmo").as_deref(), Some("ada@gmail.com"));
        assert_eq!(suggested("ada@gmail.co").as_deref(), Some("ada@gmail.com"));
        assert_eq!(
            suggested("ada@outlook.comm").as_deref(),
            Some("ada@outlook.com")
        );
        assert_eq!(
            suggested("ada@hotmail.co.k").as_deref(),
            Some("ada@hotmail.co.uk")
        );
        assert_eq!(
            suggested("ada@yahoo.couk").as_deref(),
            Some("ada@yahoo.co.uk")
        );
        assert_eq!(suggested("ada@nhs.u").as_deref(), Some("ada@nhs.uk"));
    }

    #[test]
    fn a_slip_in_the_name_is_corrected() {
        assert_eq!(
            suggested("ada@hotmial.com").as_deref(),
            Some("ada@hotmail.com")
        );
        assert_eq!(suggested("ada@gmial.com").as_deref(), Some("ada@gmail.com"));
        assert_eq!(suggested("ada@gmai.com").as_deref(), Some("ada@gmail.com"));
        assert_eq!(suggested("ada@nsh.net").as_deref(), Some("ada@nhs.net"));
        assert_eq!(suggested("ada@yaho.com").as_deref(), Some("ada@yahoo.com"));
        assert_eq!(
            suggested("ada@btinternt.com").as_deref(),
            Some("ada@btinternet.com")
        );
        assert_eq!(
            suggested("ada@googlmail.com").as_deref(),
            Some("ada@googlemail.com")
        );
    }

    #[test]
    fn a_long_name_may_be_two_edits_away_a_short_one_only_one() {
        assert_eq!(
            suggested("ada@outlok.com").as_deref(),
            Some("ada@outlook.com")
        );
        assert_eq!(
            suggested("ada@hotmal.con").as_deref(),
            Some("ada@hotmail.com")
        );
        assert_eq!(
            suggested("ada@virgnmeda.com").as_deref(),
            Some("ada@virginmedia.com")
        );
        // Two edits from "nhs" or "sky" is some other name.
        assert_eq!(suggested("ada@nxx.net"), None);
        assert_eq!(suggested("ada@sxz.com"), None);
    }

    #[test]
    fn a_slip_in_name_and_ending_at_once_is_corrected() {
        assert_eq!(suggested("ada@gmial.con").as_deref(), Some("ada@gmail.com"));
        assert_eq!(
            suggested("ada@hotmial.cmo").as_deref(),
            Some("ada@hotmail.com")
        );
    }

    #[test]
    fn a_dropped_or_doubled_dot_is_corrected() {
        assert_eq!(suggested("ada@gmailcom").as_deref(), Some("ada@gmail.com"));
        assert_eq!(suggested("ada@nhsnet").as_deref(), Some("ada@nhs.net"));
        assert_eq!(suggested("ada@nhs..net").as_deref(), Some("ada@nhs.net"));
        assert_eq!(
            suggested("ada@gmail.com.").as_deref(),
            Some("ada@gmail.com")
        );
    }

    #[test]
    fn the_part_before_the_at_is_kept_exactly_and_the_domain_case_ignored() {
        assert_eq!(
            suggested("Ada.O'Kafor+work@NHS.NER").as_deref(),
            Some("Ada.O'Kafor+work@nhs.net")
        );
        assert_eq!(
            suggested("someone.lx3k9@nhs.ner").as_deref(),
            Some("someone.lx3k9@nhs.net")
        );
        // Spaces around the address are not part of it.
        assert_eq!(
            suggested("  ada@gmail.con \n").as_deref(),
            Some("ada@gmail.com")
        );
    }

    #[test]
    fn every_listed_domain_is_left_alone_in_any_case() {
        for domain in COMMON_EMAIL_DOMAINS {
            assert_eq!(suggested(&format!("ada@{domain}")), None, "{domain}");
            let shouted = domain.to_ascii_uppercase();
            assert_eq!(suggested(&format!("ada@{shouted}")), None, "{shouted}");
        }
    }

    #[test]
    fn the_list_is_lower_case_without_repeats() {
        for domain in COMMON_EMAIL_DOMAINS {
            assert_eq!(*domain, domain.to_ascii_lowercase());
        }
        let mut sorted = COMMON_EMAIL_DOMAINS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), COMMON_EMAIL_DOMAINS.len(), "no duplicates");
    }

    #[test]
    fn a_domain_not_close_to_the_list_is_left_alone() {
        for email in [
            "someone@mypractice.co.uk",
            "someone@riverside-surgery.org",
            "someone@nhs.scot",
            "someone@hscni.net",
            "someone@wales.nhs.uk",
            "someone@nhft.nhs.uk",
            "someone@gmx.com",
            "someone@proton.me",
            "someone@me.com",
            "someone@virgin.net",
            "someone@example.org",
        ] {
            assert_eq!(suggested(email), None, "{email}");
        }
    }

    #[test]
    fn another_country_domain_of_a_listed_provider_is_not_a_slip() {
        for email in [
            "ada@yahoo.co.in",
            "ada@yahoo.co.jp",
            "ada@yahoo.ca",
            "ada@yahoo.ie",
            "ada@hotmail.co.jp",
            "ada@hotmail.fr",
            "ada@hotmail.ca",
            "ada@outlook.cl",
            "ada@protonmail.ch",
            "ada@live.co.uk",
            "ada@aol.co.uk",
            "ada@mail.ru",
        ] {
            assert_eq!(suggested(email), None, "{email}");
        }
    }

    #[test]
    fn a_slip_equally_close_to_two_listed_domains_gets_no_guess() {
        // One letter from gmail.com, ymail.com, email.com and mail.com.
        assert_eq!(suggested("ada@hmail.com"), None);
        // A real provider next to gmail.com is not corrected to it.
        assert_eq!(suggested("ada@ymail.com"), None);
        assert_eq!(suggested("ada@mail.com"), None);
        // Nearer one than the other: the nearer.
        assert_eq!(suggested("ada@ymail.con").as_deref(), Some("ada@ymail.com"));
    }

    #[test]
    fn internationalised_domains_get_no_suggestion() {
        for email in [
            "ada@bücher.de",
            "ada@xn--bcher-kva.de",
            // A Cyrillic "а" in gmail: the server refuses the mixed
            // scripts with its own message.
            "ada@gm\u{430}il.com",
            "ada@ｇｍａｉｌ．ｃｏｍ",
            "ada@nhs.nét",
            "ada@日本.jp",
        ] {
            assert_eq!(suggested(email), None, "{email}");
        }
        // Letters beyond ASCII before the @ are kept (the form says
        // whether they can be used).
        assert_eq!(suggested("Zoë@gmail.con").as_deref(), Some("Zoë@gmail.com"));
    }

    #[test]
    fn text_that_is_not_one_address_gets_no_suggestion() {
        for text in [
            "",
            "   ",
            "@",
            "@gmail.con",
            "ada",
            "gmail.con",
            "ada@",
            "ada@@gmail.con",
            "ada@gmail.con@gmail.con",
            "a@b@c",
            "ada@.",
            "ada@con",
        ] {
            assert_eq!(suggested(text), None, "{text:?}");
        }
    }

    #[test]
    fn long_or_strange_input_is_answered_without_panicking() {
        let long = format!("ada@{}.com", "x".repeat(100_000));
        assert_eq!(suggested(&long), None);
        let long_local = format!("{}@gmail.con", "a".repeat(10_000));
        assert_eq!(
            suggested(&long_local),
            Some(format!("{}@gmail.com", "a".repeat(10_000)))
        );
        for text in ["\u{0}@\u{0}", "ada@\u{200B}gmail.com", "🙂@🙂.🙂", "ada@\t"] {
            let _ = suggested(text);
        }
    }

    /// One edit of a listed domain: a letter, digit or dot replaced,
    /// inserted or deleted, or two neighbours swapped.
    fn one_slip_of_a_listed_domain() -> impl Strategy<Value = (&'static str, String)> {
        let characters: Vec<char> = "abcdefghijklmnopqrstuvwxyz0123456789.".chars().collect();
        (
            proptest::sample::select(COMMON_EMAIL_DOMAINS),
            0usize..4,
            any::<prop::sample::Index>(),
            proptest::sample::select(characters),
        )
            .prop_map(|(domain, edit, at, c)| {
                let mut chars: Vec<char> = domain.chars().collect();
                let last = chars.len() - 1;
                let i = at.index(chars.len());
                match edit {
                    0 => chars[i] = c,
                    1 => chars.insert(i, c),
                    2 => {
                        chars.remove(i);
                    }
                    _ => chars.swap(i, (i + 1).min(last)),
                }
                (domain, chars.into_iter().collect())
            })
    }

    proptest! {
        #[test]
        fn any_text_is_answered_and_a_suggestion_only_ever_replaces_the_domain(
            text in prop_oneof![
                "\\PC{0,60}",
                "\\PC{0,8}@[a-zA-Z.]{1,16}",
                " ?[a-z.+']{1,6}@(gmail|hotmail|nhs|yahoo|outlok)\\.[a-z.]{1,6} ?",
            ],
        ) {
            if let Some(address) = suggest_domain(&text) {
                let typed = text.trim();
                let (local_part, domain) = typed.split_once('@').unwrap();
                prop_assert!(!COMMON_EMAIL_DOMAINS.contains(&domain.to_ascii_lowercase().as_str()));
                let (kept, suggested) = address.split_once('@').unwrap();
                prop_assert_eq!(kept, local_part);
                prop_assert!(COMMON_EMAIL_DOMAINS.contains(&suggested));
            }
        }

        #[test]
        fn one_slip_of_a_listed_domain_is_corrected_to_it_or_left_alone(
            (domain, slipped) in one_slip_of_a_listed_domain(),
        ) {
            let suggestion = suggest_domain(&format!("ada@{slipped}"));
            let expected = format!("ada@{domain}");
            prop_assert!(
                suggestion.is_none() || suggestion.as_deref() == Some(expected.as_str()),
                "{} gave {:?}", slipped, suggestion
            );
        }
    }
}
