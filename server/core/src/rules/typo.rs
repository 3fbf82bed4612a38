//! Typo tolerance at login (SPEC.md §2): the corrections of a typed
//! password that the server also tries after an exact match fails.

use serde::{Deserialize, Serialize};

use super::password::Password;

/// How a typed password was corrected; recorded with a corrected login so
/// support can see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TypoCorrection {
    /// Caps Lock was on: every letter's case is flipped.
    CapsLockInverted,
    /// A phone capitalised (or failed to capitalise) the first character.
    FirstLetterCaseFlipped,
}

impl TypoCorrection {
    pub fn as_str(self) -> &'static str {
        match self {
            TypoCorrection::CapsLockInverted => "caps_lock_inverted",
            TypoCorrection::FirstLetterCaseFlipped => "first_letter_case_flipped",
        }
    }
}

impl Password {
    /// The corrected passwords to try, in order, each with its correction.
    ///
    /// A candidate equal to the typed password or to an earlier candidate is
    /// left out, so no hash is computed twice for the same text. Each costs
    /// one extra hash on a failed login, so the list stays this short.
    pub fn typo_corrections(&self) -> Vec<(TypoCorrection, Password)> {
        let typed = self.expose();
        let candidates = [
            (
                TypoCorrection::CapsLockInverted,
                Some(invert_every_letter(typed)),
            ),
            (
                TypoCorrection::FirstLetterCaseFlipped,
                flip_first_character(typed),
            ),
        ];
        let mut corrections: Vec<(TypoCorrection, Password)> = Vec::new();
        for (correction, text) in candidates {
            let Some(text) = text else { continue };
            let candidate = Password::new(&text);
            let is_new =
                candidate != *self && corrections.iter().all(|(_, earlier)| *earlier != candidate);
            if is_new {
                corrections.push((correction, candidate));
            }
        }
        corrections
    }
}

fn invert_every_letter(text: &str) -> String {
    text.chars().map(|c| flipped_case(c).unwrap_or(c)).collect()
}

/// `None` when the first character has no other case (a digit, a symbol).
fn flip_first_character(text: &str) -> Option<String> {
    let mut chars = text.chars();
    let first = flipped_case(chars.next()?)?;
    Some(first.to_string() + chars.as_str())
}

/// The other case of a letter, when it is a single character. Letters whose
/// other case is longer ("ß" upper-cases to "SS") are left alone, as Caps
/// Lock leaves them.
fn flipped_case(c: char) -> Option<char> {
    let other: String = if c.is_lowercase() {
        c.to_uppercase().collect()
    } else if c.is_uppercase() {
        c.to_lowercase().collect()
    } else {
        return None;
    };
    let mut chars = other.chars();
    match (chars.next(), chars.next()) {
        (Some(single), None) if single != c => Some(single),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corrections(typed: &str) -> Vec<(TypoCorrection, String)> {
        Password::new(typed)
            .typo_corrections()
            .into_iter()
            .map(|(correction, password)| (correction, password.expose().to_owned()))
            .collect()
    }

    #[test]
    fn caps_lock_inversion_comes_first() {
        assert_eq!(
            corrections("pASSWORD1234"),
            [
                (TypoCorrection::CapsLockInverted, "Password1234".to_owned()),
                (
                    TypoCorrection::FirstLetterCaseFlipped,
                    "PASSWORD1234".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn first_letter_flip_undoes_phone_capitalisation() {
        assert_eq!(
            corrections("Password1234"),
            [
                (TypoCorrection::CapsLockInverted, "pASSWORD1234".to_owned()),
                (
                    TypoCorrection::FirstLetterCaseFlipped,
                    "password1234".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn caps_lock_inversion_flips_letters_of_other_scripts() {
        assert_eq!(
            corrections("éCOLE 1")[0],
            (TypoCorrection::CapsLockInverted, "École 1".to_owned())
        );
    }

    #[test]
    fn caps_lock_inversion_leaves_letters_without_a_single_other_case() {
        assert_eq!(
            corrections("straße")[0],
            (TypoCorrection::CapsLockInverted, "STRAßE".to_owned())
        );
    }

    #[test]
    fn a_non_letter_first_character_gives_no_first_letter_candidate() {
        assert_eq!(
            corrections("1password"),
            [(TypoCorrection::CapsLockInverted, "1PASSWORD".to_owned())]
        );
    }

    #[test]
    fn a_password_without_letters_has_no_corrections() {
        assert_eq!(corrections("1234 5678 !?"), []);
    }

    #[test]
    fn a_duplicate_candidate_is_left_out() {
        // Both corrections of a one-letter-only password give the same text.
        assert_eq!(
            corrections("a1234567890"),
            [(TypoCorrection::CapsLockInverted, "A1234567890".to_owned())]
        );
    }

    #[test]
    fn candidates_are_normalised_like_typed_passwords() {
        assert_eq!(
            corrections("iT\u{2019}S MINE")[0],
            (TypoCorrection::CapsLockInverted, "It's mine".to_owned())
        );
    }

    #[test]
    fn as_str_gives_the_recorded_names() {
        assert_eq!(
            TypoCorrection::CapsLockInverted.as_str(),
            "caps_lock_inverted"
        );
        assert_eq!(
            TypoCorrection::FirstLetterCaseFlipped.as_str(),
            "first_letter_case_flipped"
        );
    }
}
