//! Usernames (SPEC.md §1): what a person may choose, and the one made for
//! them when they leave the field blank.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::text::{is_combining_mark, normalise_identifier};

pub const USERNAME_MIN_CHARS: usize = 3;
pub const USERNAME_MAX_CHARS: usize = 254;

/// Base of a generated username when the surname gives no ASCII letters.
pub const FALLBACK_GENERATED_BASE: &str = "User";

/// Longest surname part of a generated username: long enough for any real
/// surname, short enough to type (ASCII folding can lengthen a name a lot).
pub const GENERATED_BASE_MAX_CHARS: usize = 40;

/// The punctuation a username may contain besides letters and digits.
const USERNAME_PUNCTUATION: &[char] = &['.', '_', '-', '@', '+', '\''];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum UsernameError {
    #[error("Usernames need at least {min} characters")]
    TooShort { min: usize },
    #[error("Usernames can be at most {max} characters")]
    TooLong { max: usize },
    #[error("Usernames can only contain letters, numbers and . _ - @ + '")]
    InvalidCharacters,
    #[error("This username holds characters you cannot see. Type it instead of pasting it")]
    Invisible,
    #[error(
        "Each part of a username must use one alphabet: this one mixes letters \
         from different alphabets (such as Latin and Cyrillic)"
    )]
    MixedScripts,
}

/// A valid username in its display form (trimmed, NFKC, straight
/// apostrophes). Uniqueness is decided by [`Username::key`], never by the
/// display form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Username, UsernameError> {
        let text = normalise_identifier(raw);
        let length = text.chars().count();
        if length < USERNAME_MIN_CHARS {
            return Err(UsernameError::TooShort {
                min: USERNAME_MIN_CHARS,
            });
        }
        if length > USERNAME_MAX_CHARS {
            return Err(UsernameError::TooLong {
                max: USERNAME_MAX_CHARS,
            });
        }
        #[cfg(feature = "server")]
        check_look_alike_rules(&text)?;
        if !has_only_username_characters(&text) {
            return Err(UsernameError::InvalidCharacters);
        }
        Ok(Username(text))
    }

    /// The username as the person wrote it (after normalisation).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-folded form that uniqueness and login compare.
    #[cfg(feature = "server")]
    pub fn key(&self) -> String {
        super::login_name::login_key(&self.0)
    }

    /// The forms uniqueness compares: the key and the look-alike skeleton.
    #[cfg(feature = "server")]
    pub fn login_name(&self) -> super::login_name::LoginName {
        super::login_name::LoginName::of(&self.0)
    }
}

/// The look-alike rules (SPEC.md §1), checked by the server: no invisible
/// character, and no label (the text between punctuation marks) mixing
/// scripts. A username with an `@` is the person's own email address, whose
/// parts the email rules check.
#[cfg(feature = "server")]
fn check_look_alike_rules(text: &str) -> Result<(), UsernameError> {
    use super::lookalike::{is_invisible, mixes_scripts};
    if text.chars().any(is_invisible) {
        return Err(UsernameError::Invisible);
    }
    if text.split(USERNAME_PUNCTUATION).any(mixes_scripts) {
        return Err(UsernameError::MixedScripts);
    }
    Ok(())
}

/// Letters, digits and the allowed punctuation; a combining mark only where
/// it can belong to the letter or digit before it.
fn has_only_username_characters(text: &str) -> bool {
    let mut previous_is_letter_or_mark = false;
    text.chars().all(|c| {
        let allowed = if is_combining_mark(c) {
            previous_is_letter_or_mark
        } else {
            c.is_alphabetic() || c.is_numeric() || USERNAME_PUNCTUATION.contains(&c)
        };
        previous_is_letter_or_mark =
            allowed && (c.is_alphabetic() || c.is_numeric() || is_combining_mark(c));
        allowed
    })
}

/// The username made for a person who left it blank: the surname folded to
/// ASCII letters, then `number` with at least four digits ("Okafor4821").
///
/// The caller picks `number` (randomly, retrying on collision); a number
/// above 9999 is written in full, which gives it room to grow if every
/// four-digit number of a common surname is taken.
pub fn generated(surname: &str, number: u16) -> Username {
    // Letters and digits only, 5 to 45 characters: always a valid username.
    Username(format!("{}{number:04}", generated_base(surname)))
}

/// The surname part of a generated username.
///
/// Accents are folded with `deunicode` ("Müller" → "Muller", "Nguyễn" →
/// "Nguyen"; other scripts are transliterated, "李" → "Li"), everything but
/// ASCII letters is dropped ("Ó Briain" → "OBriain", "O'Neil" → "ONeil"),
/// and the first letter is upper-cased. The letters' case is otherwise kept,
/// so "McDonald" stays "McDonald".
///
/// A one-letter surname is used as it is ("X" → "X4821"): with the number
/// the username has at least five characters, more than the minimum of
/// three. A surname with no ASCII letters after folding ("---", digits, a
/// script `deunicode` does not know) gives [`FALLBACK_GENERATED_BASE`].
pub fn generated_base(surname: &str) -> String {
    // Unknown characters become nothing rather than "[?]".
    let folded = deunicode::deunicode_with_tofu(surname, "");
    let letters: String = folded
        .chars()
        .filter(char::is_ascii_alphabetic)
        .take(GENERATED_BASE_MAX_CHARS)
        .collect();
    let mut chars = letters.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => FALLBACK_GENERATED_BASE.to_owned(),
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Username {
    type Error = UsernameError;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Username::parse(&raw)
    }
}

impl From<Username> for String {
    fn from(username: Username) -> String {
        username.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_three_characters() {
        assert_eq!(Username::parse("abc").unwrap().as_str(), "abc");
    }

    #[test]
    fn parse_rejects_two_characters() {
        assert_eq!(
            Username::parse("ab"),
            Err(UsernameError::TooShort { min: 3 })
        );
    }

    #[test]
    fn parse_rejects_blank_as_too_short() {
        assert_eq!(
            Username::parse("   "),
            Err(UsernameError::TooShort { min: 3 })
        );
    }

    #[test]
    fn parse_accepts_254_characters() {
        let longest = "a".repeat(254);
        assert_eq!(Username::parse(&longest).unwrap().as_str(), longest);
    }

    #[test]
    fn parse_rejects_255_characters() {
        assert_eq!(
            Username::parse(&"a".repeat(255)),
            Err(UsernameError::TooLong { max: 254 })
        );
    }

    #[test]
    fn parse_counts_characters_not_bytes() {
        assert!(Username::parse(&"é".repeat(254)).is_ok());
    }

    #[test]
    fn parse_trims_and_applies_nfkc() {
        assert_eq!(
            Username::parse("  Ｏｋａｆｏｒ4821 ").unwrap().as_str(),
            "Okafor4821"
        );
    }

    #[test]
    fn parse_keeps_letter_case_for_display() {
        assert_eq!(
            Username::parse("Okafor4821").unwrap().as_str(),
            "Okafor4821"
        );
    }

    #[test]
    fn parse_straightens_curly_apostrophes() {
        for apostrophe in ['\u{2018}', '\u{2019}', '\u{02BC}'] {
            let username = Username::parse(&format!("O{apostrophe}Neil")).unwrap();
            assert_eq!(username.as_str(), "O'Neil");
        }
    }

    #[test]
    fn parse_accepts_every_allowed_punctuation_mark() {
        assert!(Username::parse("a.b_c-d@e+f'g").is_ok());
    }

    #[cfg(feature = "server")]
    #[test]
    fn parse_accepts_an_email_address() {
        let username = Username::parse("Ada.Okafor+nhs@Example.org").unwrap();
        assert_eq!(username.as_str(), "Ada.Okafor+nhs@Example.org");
        assert_eq!(username.key(), "ada.okafor+nhs@example.org");
    }

    #[test]
    fn parse_accepts_letters_of_any_script() {
        for name in ["Müller", "Nguyễn", "李小龍", "Ольга", "محمد", "हिन्दी"]
        {
            assert!(Username::parse(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn parse_rejects_inner_spaces() {
        assert_eq!(
            Username::parse("ada okafor"),
            Err(UsernameError::InvalidCharacters)
        );
    }

    #[test]
    fn parse_rejects_forbidden_punctuation() {
        for name in [
            "ada!", "ada#1", "a/b/c", "ada\"s", "<ada>", "ada,b", "ada:b",
        ] {
            assert_eq!(
                Username::parse(name),
                Err(UsernameError::InvalidCharacters),
                "{name}"
            );
        }
    }

    #[test]
    fn parse_rejects_control_and_invisible_characters() {
        for name in ["ada\u{0}x", "ada\u{200B}x", "ada\u{7}x"] {
            assert!(
                matches!(
                    Username::parse(name),
                    Err(UsernameError::InvalidCharacters | UsernameError::Invisible)
                ),
                "{name:?}"
            );
        }
    }

    #[cfg(feature = "server")]
    #[test]
    fn parse_refuses_invisible_characters_that_ride_on_a_letter() {
        for name in [
            "okafor\u{034F}",
            "okafor\u{115F}",
            "okafor\u{3164}",
            "okafor\u{FE0F}",
            "oka\u{1160}for",
        ] {
            assert_eq!(
                Username::parse(name),
                Err(UsernameError::Invisible),
                "{name:?}"
            );
        }
    }

    #[cfg(feature = "server")]
    #[test]
    fn parse_refuses_a_label_mixing_scripts() {
        for name in ["\u{043E}kafor", "\u{03BF}kafor", "\u{0455}am.desk"] {
            assert_eq!(
                Username::parse(name),
                Err(UsernameError::MixedScripts),
                "{name}"
            );
        }
    }

    #[cfg(feature = "server")]
    #[test]
    fn parse_accepts_labels_of_different_scripts() {
        assert!(Username::parse("\u{041E}\u{043B}\u{044C}\u{0433}\u{0430}.smith").is_ok());
        assert!(Username::parse("\u{6771}\u{4EAC}\u{30BF}\u{30EF}\u{30FC}").is_ok());
    }

    #[cfg(feature = "server")]
    #[test]
    fn look_alike_usernames_share_a_skeleton() {
        // A whole-script look-alike passes the mixed-script rule; the
        // skeleton is what makes it taken.
        let latin = Username::parse("sep").unwrap();
        let cyrillic = Username::parse("\u{0455}\u{0435}\u{0440}").unwrap();
        assert_ne!(cyrillic.key(), latin.key());
        assert_eq!(cyrillic.login_name().skeleton, latin.login_name().skeleton);
        assert_eq!(
            Username::parse("OKAFOR").unwrap().login_name().skeleton,
            Username::parse("okafor").unwrap().login_name().skeleton
        );
    }

    #[test]
    fn parse_rejects_emoji() {
        assert_eq!(
            Username::parse("ada😀"),
            Err(UsernameError::InvalidCharacters)
        );
    }

    #[test]
    fn parse_rejects_a_combining_mark_with_no_letter_before_it() {
        assert_eq!(
            Username::parse("\u{0301}ada"),
            Err(UsernameError::InvalidCharacters)
        );
        assert_eq!(
            Username::parse("ab.\u{0301}c"),
            Err(UsernameError::InvalidCharacters)
        );
    }

    #[cfg(feature = "server")]
    #[test]
    fn key_ignores_letter_case() {
        let upper = Username::parse("OKAFOR4821").unwrap();
        let mixed = Username::parse("Okafor4821").unwrap();
        assert_eq!(upper.key(), mixed.key());
    }

    #[cfg(feature = "server")]
    #[test]
    fn key_equals_the_identifier_key_of_the_raw_text() {
        let raw = "  O\u{2019}NEIL.x ";
        assert_eq!(
            Username::parse(raw).unwrap().key(),
            crate::rules::text::identifier_key(raw)
        );
    }

    #[test]
    fn converts_to_a_plain_string_and_validates_when_converted_back() {
        // `serde(try_from = "String", into = "String")` uses exactly these.
        let username = Username::parse("Okafor4821").unwrap();
        assert_eq!(String::from(username), "Okafor4821");
        assert_eq!(
            Username::try_from("x".to_owned()),
            Err(UsernameError::TooShort { min: 3 })
        );
    }

    #[test]
    fn error_messages_are_the_words_a_person_reads() {
        assert_eq!(
            UsernameError::InvalidCharacters.to_string(),
            "Usernames can only contain letters, numbers and . _ - @ + '"
        );
        assert_eq!(
            UsernameError::TooShort { min: 3 }.to_string(),
            "Usernames need at least 3 characters"
        );
    }

    #[test]
    fn generated_uses_surname_and_four_digit_number() {
        assert_eq!(generated("Okafor", 4821).as_str(), "Okafor4821");
    }

    #[test]
    fn generated_pads_the_number_to_four_digits() {
        assert_eq!(generated("Okafor", 7).as_str(), "Okafor0007");
    }

    #[test]
    fn generated_writes_numbers_above_9999_in_full() {
        assert_eq!(generated("Okafor", 12345).as_str(), "Okafor12345");
    }

    #[test]
    fn generated_drops_accents_spaces_and_keeps_case() {
        assert_eq!(generated("Ó Briain", 4821).as_str(), "OBriain4821");
    }

    #[test]
    fn generated_folds_umlauts() {
        assert_eq!(generated("Müller", 4821).as_str(), "Muller4821");
    }

    #[test]
    fn generated_folds_vietnamese_diacritics() {
        assert_eq!(generated("Nguyễn", 4821).as_str(), "Nguyen4821");
    }

    #[test]
    fn generated_drops_apostrophes() {
        assert_eq!(generated("O'Neil", 4821).as_str(), "ONeil4821");
        assert_eq!(generated("O\u{2019}Neil", 4821).as_str(), "ONeil4821");
    }

    #[test]
    fn generated_upper_cases_the_first_letter_only() {
        assert_eq!(generated("van der Berg", 1).as_str(), "VanderBerg0001");
        assert_eq!(generated("McDonald", 1).as_str(), "McDonald0001");
    }

    #[test]
    fn generated_keeps_a_one_letter_surname() {
        assert_eq!(generated("X", 4821).as_str(), "X4821");
    }

    #[test]
    fn generated_transliterates_other_scripts() {
        assert_eq!(generated("李", 4821).as_str(), "Li4821");
        assert_eq!(generated("Ольга", 4821).as_str(), "Olga4821");
    }

    #[test]
    fn generated_falls_back_to_user_when_no_letters_remain() {
        assert_eq!(generated("---", 4821).as_str(), "User4821");
        assert_eq!(generated("", 4821).as_str(), "User4821");
        assert_eq!(generated("123", 4821).as_str(), "User4821");
    }

    #[test]
    fn generated_base_is_capped_for_very_long_surnames() {
        let base = generated_base(&"a".repeat(100));
        assert_eq!(base.len(), GENERATED_BASE_MAX_CHARS);
        assert!(base.starts_with('A'));
    }

    #[test]
    fn generated_usernames_are_valid_usernames() {
        for surname in ["Okafor", "Ó Briain", "X", "---", "李", &"ß".repeat(100)] {
            let username = generated(surname, 9999);
            assert_eq!(Username::parse(username.as_str()), Ok(username.clone()));
        }
    }
}
