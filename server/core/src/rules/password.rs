//! Passwords (SPEC.md §3): the normalised secret every hash and verify
//! sees, and the policy a new password must meet.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::text::{fold_key, identifier_key, normalise_secret, normalise_text};

/// At least 15 characters while the password is the account's only factor
/// (NIST SP 800-63B-4, 3.1.1.2). Passwords set before, from 12 characters,
/// keep working: this applies only to new ones.
pub const MIN_PASSWORD_CHARS: usize = 15;
pub const MAX_PASSWORD_CHARS: usize = 256;

/// A name shorter than this is not looked for inside a password: "Li" or
/// "ab" would forbid too many good passwords.
const MIN_CONTAINED_NAME_CHARS: usize = 3;

/// The site's name, which no password may contain.
pub const SITE_NAME: &str = "threshold";

/// The advice every password dialog gives: length from words that have
/// nothing to do with each other (a generic shape, never a phrase that
/// would then become common).
pub const PASSPHRASE_TIP: &str = "Tip: three or four unrelated words, with spaces between them, \
     make a password that is long, easy to remember and hard to guess. \
     Choose your own words rather than an example from anywhere.";

/// A password after [`normalise_secret`] (NFKC, straight quotes, not
/// trimmed). Creating one applies no policy, so login can verify any
/// password ever set; [`PasswordPolicy`] is the policy for new ones.
///
/// `Debug` does not show the secret, so it cannot leak into logs; there is
/// deliberately no `Display` or `Serialize`.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn new(raw: &str) -> Password {
        Password(normalise_secret(raw))
    }

    /// The normalised secret, for hashing and verifying only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Its length in characters (not bytes), after normalisation.
    pub fn char_count(&self) -> usize {
        self.0.chars().count()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Why a password cannot be a new password. The `Display` text is what a
/// person reads next to the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum PasswordProblem {
    #[error("Use at least {min} characters")]
    TooShort { min: usize },
    #[error("Use at most {max} characters")]
    TooLong { max: usize },
    #[error(
        "This password appears in a list of passwords exposed in data breaches, \
         so it is one of the first that attackers try. Choose another"
    )]
    Breached,
    #[error("{}", hint.sentence())]
    TooGuessable { hint: GuessHint },
    #[error("Your password must not contain your username")]
    ContainsUsername,
    #[error("Your password must not contain the part of your email address before the @")]
    ContainsEmailName,
    #[error("Your password must not contain your first name")]
    ContainsFirstName,
    #[error("Your password must not contain your surname")]
    ContainsSurname,
    #[error("Your password must not contain the word \u{201c}threshold\u{201d}")]
    ContainsSiteName,
}

impl PasswordProblem {
    /// The rule a problem breaks, for ticking rules off in a dialog.
    pub fn rule(&self) -> PasswordRule {
        match self {
            PasswordProblem::TooShort { .. } | PasswordProblem::TooLong { .. } => {
                PasswordRule::Length
            }
            PasswordProblem::Breached => PasswordRule::NotBreached,
            PasswordProblem::TooGuessable { .. } => PasswordRule::HardToGuess,
            PasswordProblem::ContainsUsername
            | PasswordProblem::ContainsEmailName
            | PasswordProblem::ContainsFirstName
            | PasswordProblem::ContainsSurname
            | PasswordProblem::ContainsSiteName => PasswordRule::NoPersonalWords,
        }
    }
}

/// The rules a new password keeps, as a dialog lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PasswordRule {
    Length,
    NotBreached,
    HardToGuess,
    NoPersonalWords,
}

impl PasswordRule {
    pub const ALL: [PasswordRule; 4] = [
        PasswordRule::Length,
        PasswordRule::NotBreached,
        PasswordRule::HardToGuess,
        PasswordRule::NoPersonalWords,
    ];

    /// The rule as the dialog shows it before anything is typed.
    pub fn text(self) -> &'static str {
        match self {
            PasswordRule::Length => "At least 15 characters; spaces and any letters are fine",
            PasswordRule::NotBreached => "Not in a list of passwords exposed in data breaches",
            PasswordRule::HardToGuess => {
                "Hard to guess: not a pattern, a sequence, a date or a common word with small changes"
            }
            PasswordRule::NoPersonalWords => {
                "Does not contain your name, your username, the part of your email before the @, \
                 or \u{201c}threshold\u{201d}"
            }
        }
    }
}

/// What made a password easy to guess, in our words (the estimator's
/// findings, grouped the way a person can act on them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GuessHint {
    /// `aaaa`, `abcabc`, `passwordpassword`.
    Repeats,
    /// `abcd`, `6543`.
    Sequence,
    /// `qwerty`, `zxcvbn`, `1qaz2wsx`.
    KeyboardPattern,
    /// Years and dates.
    Dates,
    /// Common passwords and words, including with capitals, digits or
    /// symbols swapped in.
    CommonWords,
    /// Common first names and surnames.
    Names,
    /// Built from the person's own name, username or email.
    YourDetails,
    /// Too short or too simple for any one reason.
    Other,
}

impl GuessHint {
    pub fn sentence(self) -> String {
        let why = match self {
            GuessHint::Repeats => {
                "Too easy to guess: repeated characters or repeated chunks (like aaaa or abcabc) add almost nothing"
            }
            GuessHint::Sequence => {
                "Too easy to guess: runs of letters or numbers (like abcd or 6543) are among the first things tried"
            }
            GuessHint::KeyboardPattern => {
                "Too easy to guess: rows and patterns of keys (like qwerty) are among the first things tried"
            }
            GuessHint::Dates => {
                "Too easy to guess: years and dates are among the first things tried"
            }
            GuessHint::CommonWords => {
                "Too easy to guess: common passwords and words are tried first, \
                 even with capitals, digits or symbols swapped in"
            }
            GuessHint::Names => "Too easy to guess: common names are among the first things tried",
            GuessHint::YourDetails => {
                "Too easy to guess: it is built from your own name, username or email, \
                 which an attacker tries first"
            }
            GuessHint::Other => "Too easy to guess",
        };
        format!("{why}. Try three or four unrelated words, or make it longer")
    }
}

/// The person's own words, which a new password may not contain and which
/// the strength estimator counts as known to an attacker. Each as typed or
/// as stored; blank or absent ones are ignored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PersonalWords<'a> {
    pub username: Option<&'a str>,
    pub email: Option<&'a str>,
    pub first_name: Option<&'a str>,
    pub surname: Option<&'a str>,
}

impl<'a> PersonalWords<'a> {
    /// Every word given, not blank.
    pub fn all(&self) -> impl Iterator<Item = &'a str> {
        [self.username, self.email, self.first_name, self.surname]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|word| !word.is_empty())
    }

    /// The part of the email address before the last @.
    pub fn email_name(&self) -> Option<&'a str> {
        self.email
            .and_then(|email| email.trim().rsplit_once('@'))
            .map(|(local, _)| local)
    }
}

/// The rules every new password must meet. Registration's validation is
/// pure and takes it as a parameter; the server's is
/// [`NewPasswordRules`](crate::rules::password::NewPasswordRules).
pub trait PasswordPolicy {
    /// Every reason `password` cannot be a new password; empty means it can.
    fn problems(&self, password: &Password, words: &PersonalWords<'_>) -> Vec<PasswordProblem>;
}

/// The length rule: characters, not bytes, after normalisation.
pub fn length_problems(password: &Password) -> Vec<PasswordProblem> {
    let length = password.char_count();
    if length < MIN_PASSWORD_CHARS {
        vec![PasswordProblem::TooShort {
            min: MIN_PASSWORD_CHARS,
        }]
    } else if length > MAX_PASSWORD_CHARS {
        vec![PasswordProblem::TooLong {
            max: MAX_PASSWORD_CHARS,
        }]
    } else {
        Vec::new()
    }
}

/// The words a password may not contain: the person's username, email
/// name, first name and surname, and the site's name.
///
/// The comparison ignores letter case and the differences
/// [`identifier_key`] ignores. Names shorter than three characters are not
/// looked for.
pub fn personal_problems(password: &Password, words: &PersonalWords<'_>) -> Vec<PasswordProblem> {
    let password_key = fold_key(password.expose());
    let checks = [
        (
            words.username.map(identifier_key),
            PasswordProblem::ContainsUsername,
        ),
        (
            words.email_name().map(identifier_key),
            PasswordProblem::ContainsEmailName,
        ),
        (
            words.first_name.map(name_key),
            PasswordProblem::ContainsFirstName,
        ),
        (
            words.surname.map(name_key),
            PasswordProblem::ContainsSurname,
        ),
        (
            Some(SITE_NAME.to_owned()),
            PasswordProblem::ContainsSiteName,
        ),
    ];
    checks
        .into_iter()
        .filter(|(key, _)| {
            key.as_ref().is_some_and(|key| {
                key.chars().count() >= MIN_CONTAINED_NAME_CHARS
                    && password_key.contains(key.as_str())
            })
        })
        .map(|(_, problem)| problem)
        .collect()
}

/// A first name or surname as it is looked for: trimmed, apostrophes made
/// straight, letter case folded.
fn name_key(name: &str) -> String {
    identifier_key(&normalise_text(name))
}

/// The server's policy: length, the breached-password list, the strength
/// estimator and the person's own words.
#[cfg(feature = "server")]
#[derive(Debug, Clone, Copy)]
pub struct NewPasswordRules {
    pub breached: &'static super::breached::BreachedPasswords,
}

#[cfg(feature = "server")]
impl NewPasswordRules {
    /// With the list shipped in the binary.
    pub fn shipped() -> NewPasswordRules {
        NewPasswordRules {
            breached: super::breached::BreachedPasswords::shipped(),
        }
    }
}

#[cfg(feature = "server")]
impl PasswordPolicy for NewPasswordRules {
    fn problems(&self, password: &Password, words: &PersonalWords<'_>) -> Vec<PasswordProblem> {
        let mut problems = length_problems(password);
        // Over-long input is refused on its length alone: it is not worth
        // a hash or an estimate.
        if password.char_count() > MAX_PASSWORD_CHARS {
            return problems;
        }
        let personal = personal_problems(password, words);
        if self.breached.contains(password) {
            // The plainest reason, and enough: whatever else is wrong, the
            // password is known to attackers.
            problems.push(PasswordProblem::Breached);
        } else if let Some(hint) = super::strength::weakness(password, words) {
            // "Built from your details" says again what the rule about
            // names says more precisely.
            if hint != GuessHint::YourDetails || personal.is_empty() {
                problems.push(PasswordProblem::TooGuessable { hint });
            }
        }
        problems.extend(personal);
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words<'a>(
        username: Option<&'a str>,
        email: Option<&'a str>,
        first_name: Option<&'a str>,
        surname: Option<&'a str>,
    ) -> PersonalWords<'a> {
        PersonalWords {
            username,
            email,
            first_name,
            surname,
        }
    }

    fn length(password: &str) -> Vec<PasswordProblem> {
        length_problems(&Password::new(password))
    }

    fn personal(password: &str, words: PersonalWords<'_>) -> Vec<PasswordProblem> {
        personal_problems(&Password::new(password), &words)
    }

    #[test]
    fn new_normalises_quotes_and_nfkc_but_does_not_trim() {
        assert_eq!(
            Password::new(" it\u{2019}s \u{fb01}ne ").expose(),
            " it's fine "
        );
    }

    #[test]
    fn debug_does_not_show_the_secret() {
        let shown = format!("{:?}", Password::new("hunter2hunter2"));
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn fifteen_characters_are_enough_and_fourteen_are_not() {
        assert_eq!(length("abcdefghijklmno"), []);
        assert_eq!(
            length("abcdefghijklmn"),
            [PasswordProblem::TooShort { min: 15 }]
        );
    }

    #[test]
    fn counts_characters_not_bytes_after_normalisation() {
        assert_eq!(
            length(&"\u{e9}".repeat(14)),
            [PasswordProblem::TooShort { min: 15 }]
        );
        assert_eq!(length(&"\u{e9}".repeat(15)), []);
        // Eight "fi" ligatures are sixteen characters once NFKC splits them.
        assert_eq!(length(&"\u{fb01}".repeat(8)), []);
    }

    #[test]
    fn accepts_256_characters_and_refuses_257() {
        assert_eq!(length(&"a".repeat(256)), []);
        assert_eq!(
            length(&"a".repeat(257)),
            [PasswordProblem::TooLong { max: 256 }]
        );
    }

    #[test]
    fn refuses_a_password_containing_the_username_in_any_case_or_apostrophe() {
        let okafor = words(Some("Okafor4821"), None, None, None);
        assert_eq!(
            personal("my OKAFOR4821 secret", okafor),
            [PasswordProblem::ContainsUsername]
        );
        assert_eq!(
            personal(
                "i am o'neil and proud",
                words(Some("O\u{2019}Neil"), None, None, None)
            ),
            [PasswordProblem::ContainsUsername]
        );
    }

    #[test]
    fn refuses_a_password_containing_the_email_name_but_not_the_domain() {
        let email = words(None, Some("ada.okafor@nhs.net"), None, None);
        assert_eq!(
            personal("Ada.Okafor is my name", email),
            [PasswordProblem::ContainsEmailName]
        );
        assert_eq!(
            personal(
                "i work for the nhs.net",
                words(None, Some("ada@nhs.net"), None, None)
            ),
            []
        );
    }

    #[test]
    fn refuses_a_password_containing_the_first_name_or_surname() {
        let names = words(None, None, Some(" Adaeze "), Some("O\u{2019}Brien"));
        assert_eq!(
            personal("sunny adaeze morning walk", names),
            [PasswordProblem::ContainsFirstName]
        );
        assert_eq!(
            personal("my name is O'BRIEN and so on", names),
            [PasswordProblem::ContainsSurname]
        );
    }

    #[test]
    fn refuses_a_password_containing_threshold_in_any_case() {
        assert_eq!(
            personal("my THRESHOLD account key", PersonalWords::default()),
            [PasswordProblem::ContainsSiteName]
        );
    }

    #[test]
    fn names_shorter_than_three_characters_are_not_looked_for() {
        assert_eq!(
            personal(
                "li ab li ab li ab li",
                words(Some("ab"), Some("ab@nhs.net"), Some("Li"), Some("Ab"))
            ),
            []
        );
    }

    #[test]
    fn each_problem_belongs_to_one_listed_rule_and_reads_as_a_sentence() {
        let all = [
            PasswordProblem::TooShort { min: 15 },
            PasswordProblem::TooLong { max: 256 },
            PasswordProblem::Breached,
            PasswordProblem::TooGuessable {
                hint: GuessHint::Repeats,
            },
            PasswordProblem::ContainsUsername,
            PasswordProblem::ContainsEmailName,
            PasswordProblem::ContainsFirstName,
            PasswordProblem::ContainsSurname,
            PasswordProblem::ContainsSiteName,
        ];
        for problem in &all {
            assert!(PasswordRule::ALL.contains(&problem.rule()));
            let text = problem.to_string();
            assert!(
                text.chars().next().is_some_and(char::is_uppercase),
                "{text}"
            );
        }
        assert_eq!(
            PasswordProblem::TooShort { min: 15 }.to_string(),
            "Use at least 15 characters"
        );
        assert!(PasswordProblem::Breached
            .to_string()
            .starts_with("This password appears in a list of passwords exposed in data breaches"));
        assert!(GuessHint::Other
            .sentence()
            .ends_with("Try three or four unrelated words, or make it longer"));
    }

    /// The server's whole policy, with the shipped list and the estimator.
    #[cfg(feature = "server")]
    mod policy {
        use super::*;
        use crate::rules::strength;

        fn problems(password: &str, words: PersonalWords<'_>) -> Vec<PasswordProblem> {
            NewPasswordRules::shipped().problems(&Password::new(password), &words)
        }

        #[test]
        fn weak_passwords_of_twelve_to_fourteen_characters_are_refused_for_each_reason() {
            let none = PersonalWords::default();
            let short = PasswordProblem::TooShort { min: 15 };
            let breached = PasswordProblem::Breached;
            let common_words = PasswordProblem::TooGuessable {
                hint: GuessHint::CommonWords,
            };
            for on_the_list in [
                "aaaaaaaaaaaa",
                "111111111111",
                "            ",
                "password123456",
            ] {
                assert_eq!(
                    problems(on_the_list, none),
                    [short.clone(), breached.clone()],
                    "{on_the_list:?}"
                );
            }
            assert_eq!(
                problems("passwordpassword", none),
                [PasswordProblem::Breached]
            );
            for guessable in ["Password1234!", "letmein12345"] {
                assert_eq!(
                    problems(guessable, none),
                    [short.clone(), common_words.clone()],
                    "{guessable}"
                );
            }
        }

        #[test]
        fn weak_passwords_of_fifteen_characters_or_more_are_refused_too() {
            let none = PersonalWords::default();
            for on_the_list in ["aaaaaaaaaaaaaaa", "passwordpassword1", "abcdefghijklmnop"] {
                assert_eq!(
                    problems(on_the_list, none),
                    [PasswordProblem::Breached],
                    "{on_the_list}"
                );
            }
            for repeated in ["abcabcabcabcabc", "19901990199019901990"] {
                assert_eq!(
                    problems(repeated, none),
                    [PasswordProblem::TooGuessable {
                        hint: GuessHint::Repeats
                    }],
                    "{repeated}"
                );
            }
        }

        #[test]
        fn a_passphrase_of_unrelated_words_is_accepted_and_scores_at_least_three() {
            let person = words(
                Some("okafor4821"),
                Some("ada.okafor@nhs.net"),
                Some("Adaeze"),
                Some("Okafor"),
            );
            let passphrase = "maple cobalt drift";
            assert!(passphrase.chars().count() >= 15);
            assert_eq!(problems(passphrase, person), []);
            assert!(strength::score(&Password::new(passphrase), &person) >= strength::MIN_SCORE);
        }

        #[test]
        fn a_strong_password_with_the_persons_words_names_each_word() {
            let person = words(
                Some("okafor4821"),
                Some("ada.okafor@nhs.net"),
                Some("Adaeze"),
                Some("Okafor"),
            );
            assert_eq!(
                problems("maple cobalt okafor4821 drift", person),
                [
                    PasswordProblem::ContainsUsername,
                    PasswordProblem::ContainsSurname
                ]
            );
            assert_eq!(
                problems("maple cobalt ada.okafor drift", person),
                [
                    PasswordProblem::ContainsEmailName,
                    PasswordProblem::ContainsSurname
                ]
            );
            assert_eq!(
                problems("maple adaeze cobalt drift", person),
                [PasswordProblem::ContainsFirstName]
            );
            assert_eq!(
                problems("maple threshold cobalt drift", person),
                [PasswordProblem::ContainsSiteName]
            );
        }

        #[test]
        fn an_over_long_password_is_refused_on_its_length_alone() {
            assert_eq!(
                problems(&"a".repeat(300), PersonalWords::default()),
                [PasswordProblem::TooLong { max: 256 }]
            );
        }

        #[test]
        fn the_longest_allowed_password_is_judged_whole() {
            let strong = format!("maple cobalt drift {}", "harbour lantern ".repeat(14));
            let strong: String = strong.chars().take(256).collect();
            assert_eq!(problems(&strong, PersonalWords::default()), []);
        }
    }
}
