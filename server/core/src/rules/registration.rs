//! Professional registration numbers (SPEC.md §1), used to spot a person
//! registering twice.

use std::fmt;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

pub const REGISTRATION_NUMBER_MAX_CHARS: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RegistrationKind {
    #[serde(rename = "GMC")]
    Gmc,
    #[serde(rename = "NMC")]
    Nmc,
    #[serde(rename = "NTN")]
    Ntn,
    College,
    Other,
}

impl RegistrationKind {
    pub const ALL: [RegistrationKind; 5] = [
        RegistrationKind::Gmc,
        RegistrationKind::Nmc,
        RegistrationKind::Ntn,
        RegistrationKind::College,
        RegistrationKind::Other,
    ];

    /// The label people see and the stored form: "GMC", "NMC", "NTN",
    /// "College", "Other".
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationKind::Gmc => "GMC",
            RegistrationKind::Nmc => "NMC",
            RegistrationKind::Ntn => "NTN",
            RegistrationKind::College => "College",
            RegistrationKind::Other => "Other",
        }
    }

    /// The inverse of [`RegistrationKind::as_str`]: surrounding spaces are
    /// ignored, letter case is not (these are the values of a select).
    pub fn parse(text: &str) -> Option<RegistrationKind> {
        let text = text.trim();
        RegistrationKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}

impl fmt::Display for RegistrationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum RegistrationNumberError {
    #[error("Choose the type of number: GMC, NMC, NTN, College or Other")]
    UnknownKind,
    #[error("Enter the registration number")]
    Empty,
    #[error("Registration numbers can be at most {max} characters")]
    TooLong { max: usize },
    #[error("Registration numbers can only contain letters A–Z, numbers, - and /")]
    InvalidCharacters,
}

/// A (kind, number) pair with the number normalised: upper-case, without
/// spaces, so " gmc 123 4567 " and "GMC1234567" are the same registration.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "UncheckedRegistrationNumber")]
pub struct RegistrationNumber {
    pub kind: RegistrationKind,
    pub number: String,
}

impl RegistrationNumber {
    pub fn parse(kind: &str, number: &str) -> Result<RegistrationNumber, RegistrationNumberError> {
        let kind = RegistrationKind::parse(kind).ok_or(RegistrationNumberError::UnknownKind)?;
        let number = normalise_number(number);
        if number.is_empty() {
            return Err(RegistrationNumberError::Empty);
        }
        if number.chars().count() > REGISTRATION_NUMBER_MAX_CHARS {
            return Err(RegistrationNumberError::TooLong {
                max: REGISTRATION_NUMBER_MAX_CHARS,
            });
        }
        if !number
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '/')
        {
            return Err(RegistrationNumberError::InvalidCharacters);
        }
        Ok(RegistrationNumber { kind, number })
    }
}

/// NFKC (so fullwidth digits count as digits), upper-case, every space
/// removed: people copy numbers grouped as printed on certificates.
fn normalise_number(raw: &str) -> String {
    raw.nfkc()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

impl fmt::Display for RegistrationNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.number)
    }
}

/// The wire form before validation, so deserializing re-checks the rules.
#[derive(Deserialize)]
struct UncheckedRegistrationNumber {
    kind: RegistrationKind,
    number: String,
}

impl TryFrom<UncheckedRegistrationNumber> for RegistrationNumber {
    type Error = RegistrationNumberError;

    fn try_from(unchecked: UncheckedRegistrationNumber) -> Result<Self, Self::Error> {
        RegistrationNumber::parse(unchecked.kind.as_str(), &unchecked.number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_as_str_gives_the_labels() {
        let labels: Vec<&str> = RegistrationKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(labels, ["GMC", "NMC", "NTN", "College", "Other"]);
    }

    #[test]
    fn kind_parse_is_the_inverse_of_as_str() {
        for kind in RegistrationKind::ALL {
            assert_eq!(RegistrationKind::parse(kind.as_str()), Some(kind));
        }
    }

    #[test]
    fn kind_parse_rejects_other_labels() {
        for text in ["", "gmc", "HCPC", "college"] {
            assert_eq!(RegistrationKind::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn number_is_trimmed_upper_cased_and_loses_inner_spaces() {
        let registration = RegistrationNumber::parse("GMC", " gmc 123 4567 ").unwrap();
        assert_eq!(registration.kind, RegistrationKind::Gmc);
        assert_eq!(registration.number, "GMC1234567");
    }

    #[test]
    fn numbers_typed_differently_are_equal() {
        assert_eq!(
            RegistrationNumber::parse("NMC", "12a3456e"),
            RegistrationNumber::parse("NMC", " 12A 3456 E\t")
        );
    }

    #[test]
    fn number_accepts_hyphens_and_slashes() {
        assert_eq!(
            RegistrationNumber::parse("NTN", "lon/123/456-c")
                .unwrap()
                .number,
            "LON/123/456-C"
        );
    }

    #[test]
    fn number_accepts_fullwidth_digits() {
        assert_eq!(
            RegistrationNumber::parse("GMC", "１２３").unwrap().number,
            "123"
        );
    }

    #[test]
    fn number_rejects_unknown_kind() {
        assert_eq!(
            RegistrationNumber::parse("HCPC", "123"),
            Err(RegistrationNumberError::UnknownKind)
        );
    }

    #[test]
    fn number_rejects_blank() {
        assert_eq!(
            RegistrationNumber::parse("GMC", "  "),
            Err(RegistrationNumberError::Empty)
        );
    }

    #[test]
    fn number_accepts_32_characters() {
        assert!(RegistrationNumber::parse("Other", &"1".repeat(32)).is_ok());
    }

    #[test]
    fn number_rejects_33_characters() {
        assert_eq!(
            RegistrationNumber::parse("Other", &"1".repeat(33)),
            Err(RegistrationNumberError::TooLong { max: 32 })
        );
    }

    #[test]
    fn number_rejects_other_characters() {
        for number in ["123.456", "12#3", "ÉCOLE1", "１２３！", "12_3"] {
            assert_eq!(
                RegistrationNumber::parse("College", number),
                Err(RegistrationNumberError::InvalidCharacters),
                "{number}"
            );
        }
    }
}
