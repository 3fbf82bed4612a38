//! People's and practices' names (SPEC.md §1): any script, as written.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::text::{is_bidi_control, normalise_text};

pub const PERSON_NAME_MAX_CHARS: usize = 100;
pub const PRACTICE_NAME_MAX_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum NameError {
    #[error("Enter a name")]
    Empty,
    #[error("Use at most {max} characters")]
    TooLong { max: usize },
    #[error("Names cannot contain line breaks, tabs or other control characters")]
    ControlCharacters,
}

impl NameError {
    /// The message for the field named `what` ("first name", "practice
    /// name"): GOV.UK's "Enter your first name" rather than a message that
    /// could be about any field.
    pub fn message_for(&self, what: &str) -> String {
        match self {
            NameError::Empty => format!("Enter your {what}"),
            NameError::TooLong { max } => {
                let mut what = what.to_owned();
                if let Some(first) = what.get_mut(..1) {
                    first.make_ascii_uppercase();
                }
                format!("{what} must be {max} characters or fewer")
            }
            NameError::ControlCharacters => {
                format!("Your {what} must not contain line breaks or tabs")
            }
        }
    }
}

/// A first name or surname: trimmed, NFKC, 1–100 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonName(String);

/// A practice's name: trimmed, NFKC, 1–200 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PracticeName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<PersonName, NameError> {
        parse_name(raw, PERSON_NAME_MAX_CHARS).map(PersonName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl PracticeName {
    pub fn parse(raw: &str) -> Result<PracticeName, NameError> {
        parse_name(raw, PRACTICE_NAME_MAX_CHARS).map(PracticeName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn parse_name(raw: &str, max: usize) -> Result<String, NameError> {
    let text = normalise_text(raw);
    if text.is_empty() {
        return Err(NameError::Empty);
    }
    if text.chars().count() > max {
        return Err(NameError::TooLong { max });
    }
    // Line and paragraph separators break a name across lines like "\n".
    if text
        .chars()
        .any(|c| c.is_control() || is_bidi_control(c) || matches!(c, '\u{2028}' | '\u{2029}'))
    {
        return Err(NameError::ControlCharacters);
    }
    Ok(text)
}

macro_rules! string_conversions {
    ($name:ident) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = NameError;

            fn try_from(raw: String) -> Result<Self, Self::Error> {
                $name::parse(&raw)
            }
        }

        impl From<$name> for String {
            fn from(name: $name) -> String {
                name.0
            }
        }
    };
}

string_conversions!(PersonName);
string_conversions!(PracticeName);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn person_name_is_trimmed_and_normalised() {
        assert_eq!(PersonName::parse("  Ａｄａ ").unwrap().as_str(), "Ada");
        assert_eq!(
            PersonName::parse("Mu\u{0308}ller").unwrap().as_str(),
            "Müller"
        );
    }

    #[test]
    fn person_name_accepts_any_script_and_punctuation() {
        for name in [
            "Ó Briain",
            "O'Neil",
            "Nguyễn",
            "李",
            "Ольга",
            "محمد",
            "Smith-Jones",
            "X",
        ] {
            assert_eq!(PersonName::parse(name).unwrap().as_str(), name);
        }
    }

    #[test]
    fn person_name_rejects_blank() {
        assert_eq!(PersonName::parse(" \t "), Err(NameError::Empty));
    }

    #[test]
    fn person_name_accepts_100_characters() {
        assert!(PersonName::parse(&"é".repeat(100)).is_ok());
    }

    #[test]
    fn person_name_rejects_101_characters() {
        assert_eq!(
            PersonName::parse(&"a".repeat(101)),
            Err(NameError::TooLong { max: 100 })
        );
    }

    #[test]
    fn person_name_rejects_control_characters_inside() {
        for name in [
            "Ada\nOkafor",
            "Ada\tOkafor",
            "Ada\u{0}",
            "Ada\u{2028}Okafor",
        ] {
            assert_eq!(
                PersonName::parse(name),
                Err(NameError::ControlCharacters),
                "{name:?}"
            );
        }
    }

    #[test]
    fn person_name_rejects_bidi_overrides_that_reorder_the_display() {
        assert_eq!(
            PersonName::parse("Ada\u{202E}rofakO"),
            Err(NameError::ControlCharacters)
        );
    }

    #[test]
    fn person_name_keeps_the_zero_width_non_joiner_some_scripts_need() {
        let name = "Mi\u{200C}na";
        assert_eq!(PersonName::parse(name).unwrap().as_str(), name);
    }

    #[test]
    fn practice_name_accepts_200_characters() {
        assert!(PracticeName::parse(&"a".repeat(200)).is_ok());
    }

    #[test]
    fn practice_name_rejects_201_characters() {
        assert_eq!(
            PracticeName::parse(&"a".repeat(201)),
            Err(NameError::TooLong { max: 200 })
        );
    }

    #[test]
    fn practice_name_rejects_blank() {
        assert_eq!(PracticeName::parse(""), Err(NameError::Empty));
    }

    #[test]
    fn converts_to_a_plain_string_and_validates_when_converted_back() {
        assert_eq!(String::from(PersonName::parse(" Ada ").unwrap()), "Ada");
        assert_eq!(PracticeName::try_from(String::new()), Err(NameError::Empty));
    }
}
