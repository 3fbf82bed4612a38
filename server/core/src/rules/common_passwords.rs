//! The common passwords a new password must not be (SPEC.md §3).
//!
//! The list is `public/common-passwords.txt` (see its NOTICE): the server
//! embeds it, the browser fetches `/common-passwords.txt` and parses it with
//! the same code, so both refuse exactly the same passwords.

use std::collections::HashSet;
use std::fmt;

use super::password::Password;
use super::text::{fold_key, normalise_secret};

/// The shipped list, one password per line.
#[cfg(feature = "server")]
pub const COMMON_PASSWORDS_TXT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../public/common-passwords.txt"
));

/// A set of passwords compared ignoring letter case, after the same
/// normalisation as every password ([`normalise_secret`]).
#[derive(Clone, Default)]
pub struct CommonPasswords {
    keys: HashSet<String>,
}

impl CommonPasswords {
    /// One password per line; blank lines are ignored. Lines are not
    /// trimmed otherwise: a space can be part of a password.
    pub fn parse(text: &str) -> CommonPasswords {
        let keys = text
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(comparison_key)
            .collect();
        CommonPasswords { keys }
    }

    /// The list shipped with the server, parsed on first use.
    #[cfg(feature = "server")]
    pub fn shipped() -> &'static CommonPasswords {
        static SHIPPED: std::sync::OnceLock<CommonPasswords> = std::sync::OnceLock::new();
        SHIPPED.get_or_init(|| CommonPasswords::parse(COMMON_PASSWORDS_TXT))
    }

    pub fn contains(&self, password: &Password) -> bool {
        self.keys.contains(&comparison_key(password.expose()))
    }

    /// How many different passwords the list holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

fn comparison_key(password: &str) -> String {
    fold_key(&normalise_secret(password))
}

/// Shows the size, not tens of thousands of entries.
impl fmt::Debug for CommonPasswords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommonPasswords")
            .field("len", &self.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The file itself, so the list is tested without the `server` feature.
    const SHIPPED_TEXT: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../public/common-passwords.txt"
    ));

    #[test]
    fn contains_ignores_letter_case() {
        let common = CommonPasswords::parse("Password1\n");
        assert!(common.contains(&Password::new("password1")));
        assert!(common.contains(&Password::new("PASSWORD1")));
        assert!(!common.contains(&Password::new("password2")));
    }

    #[test]
    fn contains_compares_after_quote_and_nfkc_normalisation() {
        let common = CommonPasswords::parse("don't panic\n");
        assert!(common.contains(&Password::new("Don\u{2019}t Panic")));
        assert!(common.contains(&Password::new("ｄｏｎ'ｔ ｐａｎｉｃ")));
    }

    #[test]
    fn parse_ignores_blank_lines_and_windows_line_endings() {
        let common = CommonPasswords::parse("abc\r\n\r\n  \ndef\n");
        assert_eq!(common.len(), 2);
        assert!(common.contains(&Password::new("abc")));
    }

    #[test]
    fn parse_keeps_spaces_inside_a_line() {
        let common = CommonPasswords::parse(" abc\n");
        assert!(common.contains(&Password::new(" abc")));
        assert!(!common.contains(&Password::new("abc")));
    }

    #[test]
    fn parse_counts_case_variants_once() {
        assert_eq!(CommonPasswords::parse("abc\nABC\nAbc\n").len(), 1);
    }

    #[test]
    fn debug_shows_the_size_only() {
        assert_eq!(
            format!("{:?}", CommonPasswords::parse("abc\ndef\n")),
            "CommonPasswords { len: 2 }"
        );
    }

    #[test]
    fn shipped_file_contains_password1_in_any_case() {
        let common = CommonPasswords::parse(SHIPPED_TEXT);
        assert!(common.contains(&Password::new("password1")));
        assert!(common.contains(&Password::new("PassWord1")));
    }

    #[test]
    fn shipped_file_has_at_least_10000_distinct_entries_one_per_line() {
        let common = CommonPasswords::parse(SHIPPED_TEXT);
        assert!(common.len() >= 10_000, "{}", common.len());
        assert_eq!(common.len(), SHIPPED_TEXT.lines().count());
    }

    #[cfg(feature = "server")]
    #[test]
    fn shipped_list_has_at_least_10000_entries() {
        assert!(CommonPasswords::shipped().len() >= 10_000);
    }

    #[cfg(feature = "server")]
    #[test]
    fn shipped_list_contains_password1_in_any_case() {
        assert!(CommonPasswords::shipped().contains(&Password::new("PASSWORD1")));
    }
}
