//! Unicode normalisation shared by every rule.
//!
//! Text reaches us from phones, desktops and password managers that encode
//! the same visible characters differently (fullwidth letters, ligatures,
//! precomposed or combining accents, curly or straight apostrophes). These
//! functions are the one place that decides which differences do not count.

use unicode_normalization::UnicodeNormalization;

/// Names and other display text: trimmed and NFKC-normalised.
///
/// NFKC runs before the trim because it can turn characters into spaces
/// (U+3000 ideographic space, for one) that the trim must then remove.
pub fn normalise_text(raw: &str) -> String {
    let normalised: String = raw.nfkc().collect();
    normalised.trim().to_owned()
}

/// Passwords: NFKC-normalised, curly quotes and apostrophes made straight.
///
/// Not trimmed: spaces are part of a password. Every hash and every verify
/// goes through this, so a password set on one keyboard works on another.
pub fn normalise_secret(raw: &str) -> String {
    raw.nfkc().map(straighten_quote).collect()
}

/// The key that decides whether two names are "the same" for uniqueness:
/// NFKC plus full Unicode case folding ("STRASSE" and "straße" match).
///
/// Case folding can leave text that is no longer NFKC (a few folds produce
/// combining sequences), so the result is normalised once more; the key is
/// therefore stable: `fold_key(fold_key(x)) == fold_key(x)`.
pub fn fold_key(raw: &str) -> String {
    let normalised: String = raw.nfkc().collect();
    caseless::default_case_fold_str(&normalised)
        .nfkc()
        // No name a person can register holds a NUL, and PostgreSQL text
        // cannot: a typed one becomes U+FFFD, so the key stays storable and
        // simply belongs to no account.
        .map(|c| {
            if c == '\0' {
                char::REPLACEMENT_CHARACTER
            } else {
                c
            }
        })
        .collect()
}

/// The key a login identifier (username or email, as typed) is looked up by.
///
/// It equals [`crate::rules::Username::key`] and [`crate::rules::Email::key`]
/// of the same text, so one lookup finds either.
pub fn identifier_key(raw: &str) -> String {
    fold_key(&normalise_identifier(raw))
}

/// Usernames and login identifiers: NFKC, curly apostrophes made straight,
/// trimmed. Phones type `’` where desktops type `'` (O’Neil vs O'Neil).
pub(crate) fn normalise_identifier(raw: &str) -> String {
    let normalised: String = raw.nfkc().map(straighten_apostrophe).collect();
    normalised.trim().to_owned()
}

/// Maps the apostrophes keyboards substitute for `'` to `'`.
pub(crate) fn straighten_apostrophe(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{02BC}' => '\'',
        other => other,
    }
}

/// Maps curly apostrophes to `'` and curly double quotes to `"`.
fn straighten_quote(c: char) -> char {
    match c {
        '\u{201C}' | '\u{201D}' => '"',
        other => straighten_apostrophe(other),
    }
}

/// Bidirectional formatting controls (marks, embeddings, overrides,
/// isolates): invisible, yet they reorder the text around them, so a name
/// containing one can display misleadingly in the support console.
pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// Whether `c` is a combining mark (an accent written after its letter).
///
/// Most accented letters compose into one character under NFKC, but some
/// (Lithuanian, Yoruba, many Indic vowel signs) stay as letter + mark.
pub(crate) fn is_combining_mark(c: char) -> bool {
    unicode_normalization::char::is_combining_mark(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nul_in_a_key_becomes_a_replacement_character() {
        assert_eq!(identifier_key("A\0b"), "a\u{fffd}b");
    }

    #[test]
    fn normalise_text_trims_surrounding_whitespace_including_unicode_spaces() {
        assert_eq!(normalise_text("  Ada \t\n"), "Ada");
        assert_eq!(normalise_text("\u{3000}Ada\u{00A0}"), "Ada");
    }

    #[test]
    fn normalise_text_keeps_inner_spaces_and_case() {
        assert_eq!(normalise_text(" Mary Jane "), "Mary Jane");
        assert_eq!(normalise_text("ÓBRIAIN"), "ÓBRIAIN");
    }

    #[test]
    fn normalise_text_folds_fullwidth_letters_and_ligatures() {
        assert_eq!(normalise_text("Ａｄａ"), "Ada");
        assert_eq!(normalise_text("ﬁnn"), "finn");
    }

    #[test]
    fn normalise_text_composes_combining_accents() {
        assert_eq!(normalise_text("Mu\u{0308}ller"), "Müller");
    }

    #[test]
    fn normalise_secret_keeps_surrounding_spaces() {
        assert_eq!(normalise_secret("  correct horse  "), "  correct horse  ");
    }

    #[test]
    fn normalise_secret_keeps_case() {
        assert_eq!(normalise_secret("PassWord"), "PassWord");
    }

    #[test]
    fn normalise_secret_straightens_left_single_quote() {
        assert_eq!(normalise_secret("it\u{2018}s"), "it's");
    }

    #[test]
    fn normalise_secret_straightens_right_single_quote() {
        assert_eq!(normalise_secret("it\u{2019}s"), "it's");
    }

    #[test]
    fn normalise_secret_straightens_modifier_letter_apostrophe() {
        assert_eq!(normalise_secret("it\u{02BC}s"), "it's");
    }

    #[test]
    fn normalise_secret_straightens_left_double_quote() {
        assert_eq!(normalise_secret("\u{201C}hi"), "\"hi");
    }

    #[test]
    fn normalise_secret_straightens_right_double_quote() {
        assert_eq!(normalise_secret("hi\u{201D}"), "hi\"");
    }

    #[test]
    fn normalise_secret_applies_nfkc_to_fullwidth_letters_and_ligatures() {
        assert_eq!(normalise_secret("Ｐａｓｓ ﬁsh"), "Pass fish");
    }

    #[test]
    fn normalise_secret_makes_composed_and_combining_accents_equal() {
        assert_eq!(normalise_secret("cafe\u{0301}"), normalise_secret("café"));
    }

    #[test]
    fn fold_key_ignores_letter_case() {
        assert_eq!(fold_key("Okafor4821"), fold_key("OKAFOR4821"));
        assert_eq!(fold_key("Okafor4821"), "okafor4821");
    }

    #[test]
    fn fold_key_uses_full_case_folding() {
        assert_eq!(fold_key("Straße"), fold_key("STRASSE"));
        assert_eq!(fold_key("ΣΊΣΥΦΟΣ"), fold_key("σίσυφος"));
    }

    #[test]
    fn fold_key_applies_nfkc() {
        assert_eq!(fold_key("Ｏｋａｆｏｒ"), "okafor");
        assert_eq!(fold_key("ﬁnn"), "finn");
    }

    #[test]
    fn fold_key_is_stable_when_applied_twice() {
        for text in ["Straße", "ΐ", "İstanbul", "ǰ", "Ｏｋａｆｏｒ"] {
            assert_eq!(fold_key(&fold_key(text)), fold_key(text), "{text}");
        }
    }

    #[test]
    fn identifier_key_straightens_apostrophes_and_trims() {
        assert_eq!(identifier_key("  O\u{2019}Neil "), identifier_key("o'neil"));
    }
}
