//! Passwords (SPEC.md §3): the normalised secret every hash and verify
//! sees, and the policy a new password must meet.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::common_passwords::CommonPasswords;
use super::text::{fold_key, identifier_key, normalise_secret};

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 256;

/// A username or email name shorter than this is not looked for inside a
/// password: "ab" would forbid too many good passwords.
const MIN_CONTAINED_NAME_CHARS: usize = 3;

/// A password after [`normalise_secret`] (NFKC, straight quotes, not
/// trimmed). Creating one applies no policy, so login can verify any
/// password ever set; [`check_new`] is the policy for new ones.
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

    fn char_count(&self) -> usize {
        self.0.chars().count()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum PasswordProblem {
    #[error("Use at least {min} characters")]
    TooShort { min: usize },
    #[error("Use at most {max} characters")]
    TooLong { max: usize },
    #[error("This is one of the most common passwords; choose something less guessable")]
    Common,
    #[error("Your password must not contain your username")]
    ContainsUsername,
    #[error("Your password must not contain the part of your email address before the @")]
    ContainsEmailName,
}

/// Every reason `password` cannot be a new password; empty means it can.
///
/// `username` and `email` are the account's (as typed or as stored); the
/// comparison ignores letter case and the differences [`identifier_key`]
/// ignores. Names shorter than three characters are not looked for.
pub fn check_new(
    password: &Password,
    username: Option<&str>,
    email: Option<&str>,
    common: &CommonPasswords,
) -> Vec<PasswordProblem> {
    let mut problems = Vec::new();
    let length = password.char_count();
    if length < MIN_PASSWORD_CHARS {
        problems.push(PasswordProblem::TooShort {
            min: MIN_PASSWORD_CHARS,
        });
    }
    if length > MAX_PASSWORD_CHARS {
        problems.push(PasswordProblem::TooLong {
            max: MAX_PASSWORD_CHARS,
        });
    }
    if common.contains(password) {
        problems.push(PasswordProblem::Common);
    }
    let password_key = fold_key(password.expose());
    if username.is_some_and(|username| contains_name(&password_key, username)) {
        problems.push(PasswordProblem::ContainsUsername);
    }
    let email_name = email
        .and_then(|email| email.trim().rsplit_once('@'))
        .map(|(local, _)| local);
    if email_name.is_some_and(|name| contains_name(&password_key, name)) {
        problems.push(PasswordProblem::ContainsEmailName);
    }
    problems
}

fn contains_name(password_key: &str, name: &str) -> bool {
    let name_key = identifier_key(name);
    name_key.chars().count() >= MIN_CONTAINED_NAME_CHARS && password_key.contains(&name_key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn common() -> CommonPasswords {
        CommonPasswords::parse("password1\nletmeinletmein\n")
    }

    fn problems(
        password: &str,
        username: Option<&str>,
        email: Option<&str>,
    ) -> Vec<PasswordProblem> {
        check_new(&Password::new(password), username, email, &common())
    }

    #[test]
    fn new_normalises_quotes_and_nfkc_but_does_not_trim() {
        assert_eq!(Password::new(" it\u{2019}s ﬁne ").expose(), " it's fine ");
    }

    #[test]
    fn debug_does_not_show_the_secret() {
        let shown = format!("{:?}", Password::new("hunter2hunter2"));
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn accepts_a_long_uncommon_password() {
        assert_eq!(
            problems(
                "correct horse battery",
                Some("okafor4821"),
                Some("ada@nhs.net")
            ),
            []
        );
    }

    #[test]
    fn accepts_exactly_12_characters() {
        assert_eq!(problems("abcdefghijkl", None, None), []);
    }

    #[test]
    fn rejects_11_characters_as_too_short() {
        assert_eq!(
            problems("abcdefghijk", None, None),
            [PasswordProblem::TooShort { min: 12 }]
        );
    }

    #[test]
    fn counts_characters_not_bytes() {
        assert_eq!(
            problems("ééééééééééé", None, None),
            [PasswordProblem::TooShort { min: 12 }]
        );
        assert_eq!(problems("éééééééééééé", None, None), []);
    }

    #[test]
    fn counts_characters_after_normalisation() {
        // Six "ﬁ" ligatures are twelve characters once NFKC splits them.
        assert_eq!(problems("ﬁﬁﬁﬁﬁﬁ", None, None), []);
    }

    #[test]
    fn accepts_256_characters() {
        assert_eq!(problems(&"a".repeat(256), None, None), []);
    }

    #[test]
    fn rejects_257_characters_as_too_long() {
        assert_eq!(
            problems(&"a".repeat(257), None, None),
            [PasswordProblem::TooLong { max: 256 }]
        );
    }

    #[test]
    fn spaces_count_towards_the_length() {
        assert_eq!(problems("     abc     ", None, None), []);
    }

    #[test]
    fn rejects_a_common_password_in_any_letter_case() {
        assert_eq!(
            problems("LetMeInLetMeIn", None, None),
            [PasswordProblem::Common]
        );
    }

    #[test]
    fn reports_every_problem_at_once() {
        assert_eq!(
            problems("Password1", Some("password"), None),
            [
                PasswordProblem::TooShort { min: 12 },
                PasswordProblem::Common,
                PasswordProblem::ContainsUsername,
            ]
        );
    }

    #[test]
    fn rejects_a_password_equal_to_the_username() {
        assert_eq!(
            problems("Okafor4821abc", Some("okafor4821abc"), None),
            [PasswordProblem::ContainsUsername]
        );
    }

    #[test]
    fn rejects_a_password_containing_the_username_in_another_case() {
        assert_eq!(
            problems("my OKAFOR4821 secret", Some("Okafor4821"), None),
            [PasswordProblem::ContainsUsername]
        );
    }

    #[test]
    fn rejects_a_password_containing_the_username_with_other_apostrophes() {
        assert_eq!(
            problems("i am o'neil and proud", Some("O\u{2019}Neil"), None),
            [PasswordProblem::ContainsUsername]
        );
    }

    #[test]
    fn ignores_usernames_shorter_than_three_characters() {
        assert_eq!(problems("ab ab ab ab ab", Some("ab"), None), []);
    }

    #[test]
    fn rejects_a_password_containing_the_email_local_part() {
        assert_eq!(
            problems("Ada.Okafor is my name", None, Some("ada.okafor@nhs.net")),
            [PasswordProblem::ContainsEmailName]
        );
    }

    #[test]
    fn does_not_mind_the_email_domain() {
        assert_eq!(
            problems("i work for the nhs.net", None, Some("ada@nhs.net")),
            []
        );
    }

    #[test]
    fn ignores_email_local_parts_shorter_than_three_characters() {
        assert_eq!(
            problems("my name is ab okafor", None, Some("ab@nhs.net")),
            []
        );
    }

    #[test]
    fn problem_messages_are_the_words_a_person_reads() {
        assert_eq!(
            PasswordProblem::TooShort { min: 12 }.to_string(),
            "Use at least 12 characters"
        );
        assert_eq!(
            PasswordProblem::TooLong { max: 256 }.to_string(),
            "Use at most 256 characters"
        );
        assert_eq!(
            PasswordProblem::Common.to_string(),
            "This is one of the most common passwords; choose something less guessable"
        );
        assert_eq!(
            PasswordProblem::ContainsUsername.to_string(),
            "Your password must not contain your username"
        );
    }
}
