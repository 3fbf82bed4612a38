//! How guessable a new password is (SPEC.md §3): the zxcvbn estimator,
//! which knows common passwords, words, names, keyboard patterns,
//! repeats, sequences and dates, and what attackers do to them (capitals,
//! digits for letters). Server-side only: its dictionaries would add
//! megabytes to the browser's bundle, and the browser asks the server for
//! its verdict anyway.

use zxcvbn::feedback::Warning;
use zxcvbn::matching::patterns::MatchPattern;

use super::password::{GuessHint, Password, PersonalWords};

/// zxcvbn's score a new password needs: 3 means it would take about 10^10
/// guesses, out of reach of an online attack and slow even offline against
/// Argon2id.
pub const MIN_SCORE: u8 = 3;

/// zxcvbn looks at no more than the first 100 characters (its own limit,
/// which bounds its work); the rest of a longer password only makes it
/// stronger.
pub const ESTIMATED_CHARS: usize = 100;

/// The site's own name, which people reach for and attackers try first.
pub const SITE_WORDS: &[&str] = &["threshold"];

/// `None` when `password` is strong enough; otherwise what makes it weak,
/// in the terms of [`GuessHint`]. The person's own words (names, username,
/// email) count as known to the attacker.
pub fn weakness(password: &Password, words: &PersonalWords<'_>) -> Option<GuessHint> {
    let (entropy, inputs) = estimate(password, words);
    if u8::from(entropy.score()) >= MIN_SCORE {
        return None;
    }
    let own_words = |m: &zxcvbn::matching::Match| {
        matches!(&m.pattern, MatchPattern::Dictionary(d)
            if inputs.iter().any(|input| input.to_lowercase() == d.matched_word))
    };
    if entropy.sequence().iter().any(own_words) {
        return Some(GuessHint::YourDetails);
    }
    Some(hint_of(
        entropy.feedback().and_then(|feedback| feedback.warning()),
        entropy.sequence(),
    ))
}

/// The estimator's score (0–4), for the tests and the benchmark.
pub fn score(password: &Password, words: &PersonalWords<'_>) -> u8 {
    u8::from(estimate(password, words).0.score())
}

/// The estimate, and the words it was told the attacker knows.
fn estimate<'a>(password: &Password, words: &PersonalWords<'a>) -> (zxcvbn::Entropy, Vec<&'a str>) {
    let estimated: String = password.expose().chars().take(ESTIMATED_CHARS).collect();
    let mut inputs: Vec<&str> = words.all().collect();
    if let Some(local) = words.email_name() {
        inputs.push(local);
    }
    inputs.extend_from_slice(SITE_WORDS);
    (zxcvbn::zxcvbn(&estimated, &inputs), inputs)
}

/// Our own words for what the estimator found. Its warning, when it gives
/// one, names the weakest part; otherwise the longest pattern it matched.
fn hint_of(warning: Option<Warning>, sequence: &[zxcvbn::matching::Match]) -> GuessHint {
    match warning {
        Some(Warning::StraightRowsOfKeysAreEasyToGuess)
        | Some(Warning::ShortKeyboardPatternsAreEasyToGuess) => return GuessHint::KeyboardPattern,
        Some(Warning::RepeatsLikeAaaAreEasyToGuess)
        | Some(Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess) => {
            return GuessHint::Repeats
        }
        Some(Warning::SequencesLikeAbcAreEasyToGuess) => return GuessHint::Sequence,
        Some(Warning::RecentYearsAreEasyToGuess) | Some(Warning::DatesAreOftenEasyToGuess) => {
            return GuessHint::Dates
        }
        Some(Warning::NamesAndSurnamesByThemselvesAreEasyToGuess)
        | Some(Warning::CommonNamesAndSurnamesAreEasyToGuess) => return GuessHint::Names,
        Some(Warning::ThisIsATop10Password)
        | Some(Warning::ThisIsATop100Password)
        | Some(Warning::ThisIsACommonPassword)
        | Some(Warning::ThisIsSimilarToACommonlyUsedPassword)
        | Some(Warning::AWordByItselfIsEasyToGuess) => return GuessHint::CommonWords,
        None => {}
    }
    let longest = sequence
        .iter()
        .filter(|m| !matches!(m.pattern, MatchPattern::BruteForce))
        .max_by_key(|m| m.j + 1 - m.i);
    match longest.map(|m| &m.pattern) {
        Some(MatchPattern::Repeat(_)) => GuessHint::Repeats,
        Some(MatchPattern::Sequence(_)) => GuessHint::Sequence,
        Some(MatchPattern::Spatial(_)) => GuessHint::KeyboardPattern,
        Some(MatchPattern::Date(_)) | Some(MatchPattern::Regex(_)) => GuessHint::Dates,
        Some(MatchPattern::Dictionary(_)) => GuessHint::CommonWords,
        _ => GuessHint::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weak(password: &str) -> Option<GuessHint> {
        weakness(&Password::new(password), &PersonalWords::default())
    }

    #[test]
    fn unrelated_words_pass_and_score_at_least_three() {
        // With every password the tests and examples register or choose.
        for passphrase in [
            "maple cobalt drift",
            "violet kettle harbour",
            "Violet kettle harbour",
            "harbour lantern orchard",
            "copper meadow lantern",
            "Copper lantern meadow",
            "orchard lantern pebble",
        ] {
            let password = Password::new(passphrase);
            assert_eq!(weak(passphrase), None, "{passphrase}");
            assert!(
                score(&password, &PersonalWords::default()) >= MIN_SCORE,
                "{passphrase}"
            );
        }
    }

    #[test]
    fn patterns_get_the_hint_that_names_them() {
        assert_eq!(weak("aaaaaaaaaaaaaaa"), Some(GuessHint::Repeats));
        assert_eq!(weak("abcabcabcabcabc"), Some(GuessHint::Repeats));
        assert_eq!(weak("19901990199019901990"), Some(GuessHint::Repeats));
        assert_eq!(weak("passwordpassword1"), Some(GuessHint::Repeats));
        assert_eq!(weak("abcdefghijklmnop"), Some(GuessHint::Sequence));
        assert_eq!(weak("Password1234!"), Some(GuessHint::CommonWords));
        assert_eq!(weak("letmein12345"), Some(GuessHint::CommonWords));
    }

    #[test]
    fn the_persons_own_words_count_as_known() {
        let words = PersonalWords {
            first_name: Some("Adaeze"),
            surname: Some("Okafor"),
            ..PersonalWords::default()
        };
        assert_eq!(
            weakness(&Password::new("adaezeokafor"), &words),
            Some(GuessHint::YourDetails)
        );
        // Not weak for the estimator, though the rule about names refuses it.
        assert_eq!(weakness(&Password::new("adaeze okafor 1990"), &words), None);
    }

    #[test]
    fn only_the_first_hundred_characters_are_estimated() {
        let strong_then_anything = format!("maple cobalt drift{}", "a".repeat(238));
        assert_eq!(strong_then_anything.chars().count(), 256);
        assert_eq!(weak(&strong_then_anything), None);
    }
}
