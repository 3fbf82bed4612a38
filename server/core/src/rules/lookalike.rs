//! Names that look the same (SPEC.md §1 "look-alikes", Unicode UTS #39).
//!
//! Case folding and NFKC make `OKAFOR` and `Ｏｋａｆｏｒ` one name, but not
//! `оkafor` (Cyrillic о) or `okafor` followed by an invisible character:
//! on screen (in the support console, in an email) they are the same
//! name, and a person (or support) acting on what they see can be led to the
//! wrong account. Three rules close that:
//!
//! - every login name carries its UTS #39 confusable *skeleton*, unique
//!   across the namespace, so a name that looks like a held one is taken;
//! - invisible (default-ignorable) code points are refused, never kept;
//! - a username label may not mix scripts (`оkafor` is Cyrillic + Latin;
//!   `Ольга.smith` is two labels, each of one script, and is fine).
//!
//! Server-only: the confusable and script tables would weigh on the browser
//! bundle, and the server is the one that decides whether a name is free.

use unicode_normalization::UnicodeNormalization;

use super::login_name::{unicode_domain, LoginName};
use unicode_security::general_security_profile::IdentifierType;
use unicode_security::{GeneralSecurityProfile, MixedScript};

/// Whether `c` is invisible: a default-ignorable code point (zero-width
/// characters, the combining grapheme joiner, variation selectors, Hangul
/// fillers, bidi controls, tag characters, …), before or after NFKC (U+3164
/// HANGUL FILLER becomes the default-ignorable U+1160).
pub fn is_invisible(c: char) -> bool {
    let default_ignorable =
        |c: char| c.identifier_type() == Some(IdentifierType::Default_Ignorable);
    default_ignorable(c) || std::iter::once(c).nfkc().any(default_ignorable)
}

/// Whether a label (a run of text between punctuation) mixes letters of
/// different scripts. Digits and marks belong to every script; Han with
/// Hiragana or Katakana (Japanese) and Han with Hangul (Korean) count as
/// one script, as UTS #39 says.
pub fn mixes_scripts(label: &str) -> bool {
    !label.is_single_script()
}

/// The confusable skeleton of an already case-folded name: two names with
/// the same skeleton look the same. Applied to the folded form so letter
/// case never separates two names that case folding joins.
pub fn skeleton(folded: &str) -> String {
    unicode_security::skeleton(folded).collect()
}

/// How a new email address resembles one an account has had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resemblance {
    /// A different address that looks the same.
    Address,
    /// A different domain that looks the same (`ace.org` and Cyrillic `асе.org`):
    /// anyone can register such a domain and receive mail there.
    Domain,
}

/// Whether `new` looks like `known` without being it: the whole address,
/// or only its domain. `None` when they are the same address, or look
/// different.
pub fn resemblance(new: &str, known: &str) -> Option<Resemblance> {
    let (new_name, known_name) = (LoginName::of(new), LoginName::of(known));
    if new_name.key == known_name.key {
        return None;
    }
    if new_name.skeleton == known_name.skeleton {
        return Some(Resemblance::Address);
    }
    let domain = |name: &LoginName| {
        name.key
            .rsplit_once('@')
            .map(|(_, domain)| domain.to_owned())
    };
    match (domain(&new_name), domain(&known_name)) {
        (Some(new_domain), Some(known_domain))
            if new_domain != known_domain
                && skeleton(&unicode_domain(&new_domain))
                    == skeleton(&unicode_domain(&known_domain)) =>
        {
            Some(Resemblance::Domain)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_invisible_characters_people_paste_are_invisible() {
        for c in [
            '\u{034F}',  // combining grapheme joiner
            '\u{115F}',  // Hangul choseong filler
            '\u{1160}',  // Hangul jungseong filler
            '\u{3164}',  // Hangul filler (NFKC: U+1160)
            '\u{FFA0}',  // halfwidth Hangul filler
            '\u{FE0F}',  // variation selector 16
            '\u{200B}',  // zero-width space
            '\u{200D}',  // zero-width joiner
            '\u{00AD}',  // soft hyphen
            '\u{2060}',  // word joiner
            '\u{FEFF}',  // byte-order mark
            '\u{202E}',  // right-to-left override
            '\u{E0041}', // tag latin capital letter A
        ] {
            assert!(is_invisible(c), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn visible_letters_digits_and_marks_are_not_invisible() {
        for c in ['a', 'Z', '0', 'é', 'о', 'ß', '李', '\u{0301}', '.', '@'] {
            assert!(!is_invisible(c), "{c}");
        }
    }

    #[test]
    fn a_label_of_one_script_does_not_mix_scripts() {
        for label in [
            "okafor",
            "Ольга",
            "Σίσυφος",
            "李小龍",
            "محمد",
            "okafor4821",
            "東京タワー",
        ] {
            assert!(!mixes_scripts(label), "{label}");
        }
    }

    #[test]
    fn a_latin_name_with_a_cyrillic_or_greek_letter_mixes_scripts() {
        for label in ["\u{043E}kafor", "\u{03BF}kafor", "\u{0455}am", "nh\u{0455}"] {
            assert!(mixes_scripts(label), "{label}");
        }
    }

    #[test]
    fn look_alike_names_share_a_skeleton() {
        let okafor = skeleton("okafor");
        assert_eq!(skeleton("\u{043E}kafor"), okafor, "Cyrillic о");
        assert_eq!(skeleton("\u{03BF}kafor"), okafor, "Greek ο");
        assert_eq!(
            skeleton("okafor\u{034F}"),
            okafor,
            "combining grapheme joiner"
        );
        assert_eq!(skeleton("\u{0455}am.desk"), skeleton("sam.desk"));
        assert_eq!(
            skeleton("\u{0430}da.okafor@nhs.net"),
            skeleton("ada.okafor@nhs.net")
        );
        assert_eq!(
            skeleton("ada.okafor@nhs.n\u{0435}t"),
            skeleton("ada.okafor@nhs.net")
        );
    }

    #[test]
    fn different_names_have_different_skeletons() {
        assert_ne!(skeleton("okafor"), skeleton("okafur"));
        assert_ne!(skeleton("ada@nhs.net"), skeleton("ada@nhs.org"));
    }

    #[test]
    fn a_look_alike_of_a_known_address_is_an_address_resemblance() {
        // "асе.org" is all Cyrillic: one script, so only the skeleton tells.
        assert_eq!(
            resemblance(
                "bob.jones@\u{0430}\u{0441}\u{0435}.org",
                "bob.jones@ace.org"
            ),
            Some(Resemblance::Address)
        );
        assert_eq!(
            resemblance("bob.jones@nh\u{0455}.net", "Bob.Jones@NHS.net"),
            Some(Resemblance::Address)
        );
    }

    #[test]
    fn another_name_at_a_look_alike_domain_is_a_domain_resemblance() {
        assert_eq!(
            resemblance("bobby@\u{0430}\u{0441}\u{0435}.org", "bob.jones@ace.org"),
            Some(Resemblance::Domain)
        );
    }

    #[test]
    fn the_same_address_or_a_plainly_different_one_is_no_resemblance() {
        assert_eq!(resemblance("BOB.JONES@nhs.net", "bob.jones@nhs.net"), None);
        assert_eq!(resemblance("ada@bücher.de", "ada@xn--bcher-kva.de"), None);
        assert_eq!(resemblance("bob@gmail.com", "bob.jones@nhs.net"), None);
        assert_eq!(resemblance("bobby@nhs.net", "bob.jones@nhs.net"), None);
    }
}
