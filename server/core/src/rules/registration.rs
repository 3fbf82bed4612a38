//! Professional registration numbers (SPEC.md §1), used to spot a person
//! registering twice and to lead support to an account.
//!
//! Each kind has its own shape, checked when a number is typed
//! ([`RegistrationNumber::parse`] in the registration form,
//! [`RegistrationNumber::recognise`] in Contact support):
//!
//! - **GMC**: exactly 7 digits (`7012345`), the General Medical Council's
//!   reference number.
//! - **NMC**: the Nursing and Midwifery Council PIN, 2 digits, a letter,
//!   4 digits and a letter (`12A3456E`).
//! - **NTN**: a National Training Number, 4 parts separated by `/`:
//!   1. the issuing deanery or local office, 3 letters (`LDN`, `KSS`, `WMD`);
//!   2. the specialty, one or more 3-character codes of letters and digits
//!      (`010`, `R1A`), joined by `-` for dual programmes and `.` for
//!      sub-specialties (`ACA-FND`, `ABC.XYZ.123`);
//!   3. the holder, 3 to 7 digits: a 3-digit running number in numbers
//!      issued before the Gold Guide's 7th edition, the holder's GMC (or GDC)
//!      number since;
//!   4. a suffix of 1 to 3 letters and digits starting with a letter: the
//!      type of number (`C` for CCT, `D`, `N`, `V`, `F`, …) or, as some
//!      programmes write it, the grade (`ST1`).
//!
//!   So `LDN/R1A/001/ST1`, `WMD/006/324/N` and `LDN/ABC.XYZ.123/7012345/D`
//!   are all accepted. Sources: the NHS Data Dictionary's "Employee
//!   National Training Number" (deanery, 3-digit specialty, 3-digit holder,
//!   a type letter) and the Gold Guide's national training numbers appendix
//!   as Health Education England's trainee system builds them (local
//!   office, specialty codes, GMC number, suffix). Neither the code lists
//!   nor the suffix letters are checked: they change, and a person's own
//!   number must never be refused for a code we have not heard of.
//! - **College**: a royal college membership number; colleges number
//!   differently, so any letters and digits (and `-`, `/`) with at least
//!   one digit.
//! - **Other**: anything made of letters, digits, `-` and `/`.
//!
//! Every kind is normalised the same way: NFKC (fullwidth digits are
//! digits), dashes and slashes of other typefaces folded to `-` and `/`,
//! spaces removed, upper case; a number typed with its own kind in front
//! ("GMC 701 2345" as the GMC number) loses it. Shown everywhere as the
//! kind, a space and the number: "GMC 7012345" ([`RegistrationNumber`]'s
//! `Display`).
//!
//! Numbers stored before these rules keep working: rows are read without
//! re-checking (`sqlx::FromRow`, [`RegistrationNumber::from_stored_line`])
//! and deserialising does not re-check either, so the support pages show
//! them as they were stored.

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

    /// What a good number of this kind looks like, for the hint next to
    /// the field and the message when one is not.
    pub fn example(self) -> &'static str {
        match self {
            RegistrationKind::Gmc => "7012345",
            RegistrationKind::Nmc => "12A3456E",
            RegistrationKind::Ntn => "LDN/R1A/001/ST1",
            RegistrationKind::College => "1234567",
            RegistrationKind::Other => "AB12345",
        }
    }

    /// Whether `number` (already normalised) has this kind's shape.
    fn check(self, number: &str) -> Result<(), RegistrationNumberError> {
        let too_long = number.chars().count() > REGISTRATION_NUMBER_MAX_CHARS;
        let fits = match self {
            // Fixed lengths: the shape's own message says more than "too long".
            RegistrationKind::Gmc => is_gmc(number),
            RegistrationKind::Nmc => is_nmc(number),
            _ if too_long => {
                return Err(RegistrationNumberError::TooLong {
                    max: REGISTRATION_NUMBER_MAX_CHARS,
                })
            }
            RegistrationKind::Ntn => is_ntn(number),
            RegistrationKind::College => {
                is_free_form(number) && number.bytes().any(|b| b.is_ascii_digit())
            }
            RegistrationKind::Other => is_free_form(number),
        };
        if fits {
            Ok(())
        } else if self == RegistrationKind::Other {
            Err(RegistrationNumberError::InvalidCharacters)
        } else {
            Err(RegistrationNumberError::WrongShape(self))
        }
    }
}

impl fmt::Display for RegistrationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `TryFrom<String>` for reading the `kind` column.
impl TryFrom<String> for RegistrationKind {
    type Error = super::UnknownValue;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        RegistrationKind::parse(&text).ok_or(super::UnknownValue {
            of: "registration number kind",
            value: text,
        })
    }
}

/// The shape each kind's numbers have, said the way the person can act on.
fn shape(kind: &RegistrationKind) -> &'static str {
    match kind {
        RegistrationKind::Gmc => "A GMC number is 7 digits, like 7012345",
        RegistrationKind::Nmc => {
            "An NMC PIN is 2 digits, a letter, 4 digits and a letter, like 12A3456E"
        }
        RegistrationKind::Ntn => {
            "A National Training Number has 4 parts separated by /, like LDN/R1A/001/ST1"
        }
        RegistrationKind::College => {
            "A college membership number has at least one digit, like 1234567"
        }
        RegistrationKind::Other => {
            "Registration numbers can only contain letters A–Z, numbers, - and /"
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum RegistrationNumberError {
    #[error("Choose the type of number (GMC, NMC, NTN, College or Other)")]
    UnknownKind,
    #[error("Enter the registration number")]
    Empty,
    #[error("Registration numbers can be at most {max} characters")]
    TooLong { max: usize },
    #[error("Registration numbers can only contain letters A–Z, numbers, - and /")]
    InvalidCharacters,
    /// The number does not have its kind's shape.
    #[error("{}", shape(.0))]
    WrongShape(RegistrationKind),
    /// Contact support: a number without its kind that has none of the
    /// GMC, NMC or NTN shapes.
    #[error(
        "Write the type before the number (GMC, NMC, NTN, College or Other), like GMC 7012345"
    )]
    KindNeeded,
}

/// A (kind, number) pair with the number normalised: upper-case, without
/// spaces, so " 701 2345 " and "7012345" are the same GMC registration.
///
/// Made from typed text only by [`RegistrationNumber::parse`] and
/// [`RegistrationNumber::recognise`], which check the kind's shape. Rows
/// and the wire are not re-checked (see the module's notes).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(sqlx::FromRow))]
pub struct RegistrationNumber {
    #[cfg_attr(feature = "server", sqlx(try_from = "String"))]
    pub kind: RegistrationKind,
    pub number: String,
}

impl RegistrationNumber {
    /// A number typed for a chosen kind (the registration form).
    pub fn parse(kind: &str, number: &str) -> Result<RegistrationNumber, RegistrationNumberError> {
        let kind = RegistrationKind::parse(kind).ok_or(RegistrationNumberError::UnknownKind)?;
        RegistrationNumber::of_kind(kind, number)
    }

    /// A number typed for `kind`. A number written with its own kind in
    /// front ("GMC 7012345", "GMC: 7012345") is taken without it, but only
    /// when it does not already fit as written: a valid number is never
    /// changed, so parsing a parsed number gives it back.
    pub fn of_kind(
        kind: RegistrationKind,
        typed: &str,
    ) -> Result<RegistrationNumber, RegistrationNumberError> {
        let number = normalise_number(typed);
        if number.is_empty() {
            return Err(RegistrationNumberError::Empty);
        }
        let number = match kind.check(&number) {
            Ok(()) => number,
            Err(error) => {
                let rest = without_label(kind, &number)
                    .unwrap_or(&number)
                    .trim_start_matches([':', '#', '-']);
                if rest.is_empty() || rest == number || kind.check(rest).is_err() {
                    return Err(error);
                }
                rest.to_owned()
            }
        };
        Ok(RegistrationNumber { kind, number })
    }

    /// One number as written in Contact support's list: "KIND NUMBER"
    /// ("gmc 701 2345", "College 12345", "Other AB123"), or a bare number
    /// with the shape of exactly one kind. GMC, NMC and NTN shapes cannot
    /// overlap (7 digits; 8 characters mixing letters and digits; parts
    /// separated by `/`), so a bare number fits at most one of them. Any
    /// other bare number (a college number, "banana") could be of any
    /// kind: it is refused with [`RegistrationNumberError::KindNeeded`]
    /// rather than guessed, since support looks a number up in the
    /// register of its kind.
    pub fn recognise(typed: &str) -> Result<RegistrationNumber, RegistrationNumberError> {
        let written = normalise_number(typed);
        if written.is_empty() {
            return Err(RegistrationNumberError::Empty);
        }
        for kind in RegistrationKind::ALL {
            if let Some(rest) = without_label(kind, &written) {
                return RegistrationNumber::of_kind(kind, rest);
            }
        }
        [
            RegistrationKind::Gmc,
            RegistrationKind::Nmc,
            RegistrationKind::Ntn,
        ]
        .into_iter()
        .find(|kind| kind.check(&written).is_ok())
        .map(|kind| RegistrationNumber {
            kind,
            number: written,
        })
        .ok_or(RegistrationNumberError::KindNeeded)
    }

    /// A number as read back from where it was stored, never refused:
    /// the display form ("GMC 7012345"), or a line stored before kinds
    /// were kept with Contact support's numbers ("GMC7012345",
    /// "7012345"), recognised when it can be and otherwise kept whole
    /// as Other (every such line met Other's rule).
    pub fn from_stored_line(line: &str) -> RegistrationNumber {
        if let Some((label, number)) = line.split_once(' ') {
            if let Some(kind) = RegistrationKind::parse(label) {
                return RegistrationNumber {
                    kind,
                    number: number.to_owned(),
                };
            }
        }
        RegistrationNumber::recognise(line).unwrap_or_else(|_| RegistrationNumber {
            kind: RegistrationKind::Other,
            number: line.to_owned(),
        })
    }
}

/// The display form, the one way a registration number is shown:
/// "GMC 7012345", "NTN LDN/R1A/001/ST1", "College 1234567".
impl fmt::Display for RegistrationNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.number)
    }
}

/// NFKC (so fullwidth digits count as digits), dashes and slashes of other
/// typefaces folded, upper-case, every space removed: people copy numbers
/// grouped as printed on certificates, from documents that typeset them.
fn normalise_number(raw: &str) -> String {
    raw.nfkc()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            // Hyphen, non-breaking hyphen, figure dash, en and em dashes,
            // horizontal bar, minus sign.
            '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            // Fraction slash, division slash.
            '\u{2044}' | '\u{2215}' => '/',
            c => c,
        })
        .flat_map(char::to_uppercase)
        .collect()
}

/// `number` without `kind`'s label in front ("GMC7012345" → "7012345"),
/// if it starts with it and something follows.
fn without_label(kind: RegistrationKind, number: &str) -> Option<&str> {
    let label = kind.as_str().to_ascii_uppercase();
    let rest = number.strip_prefix(label.as_str())?;
    (!rest.is_empty()).then_some(rest)
}

fn is_gmc(number: &str) -> bool {
    number.len() == 7 && number.bytes().all(|b| b.is_ascii_digit())
}

/// 2 digits, a letter, 4 digits, a letter.
fn is_nmc(number: &str) -> bool {
    let bytes = number.as_bytes();
    bytes.len() == 8
        && bytes.iter().enumerate().all(|(i, b)| match i {
            2 | 7 => b.is_ascii_uppercase(),
            _ => b.is_ascii_digit(),
        })
}

/// The National Training Number's 4 parts (see the module's notes).
fn is_ntn(number: &str) -> bool {
    let parts: Vec<&str> = number.split('/').collect();
    let [deanery, specialty, holder, suffix] = parts.as_slice() else {
        return false;
    };
    let alphanumeric = |part: &str| {
        part.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    };
    deanery.len() == 3
        && deanery.bytes().all(|b| b.is_ascii_uppercase())
        && specialty
            .split(['-', '.'])
            .all(|code| code.len() == 3 && alphanumeric(code))
        && (3..=7).contains(&holder.len())
        && holder.bytes().all(|b| b.is_ascii_digit())
        && (1..=3).contains(&suffix.len())
        && suffix.as_bytes()[0].is_ascii_uppercase()
        && alphanumeric(suffix)
}

/// Letters A–Z, digits, `-` and `/`: what every kind accepted before each
/// had its own shape.
fn is_free_form(number: &str) -> bool {
    number
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '/')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parsed(kind: &str, number: &str) -> Result<String, RegistrationNumberError> {
        RegistrationNumber::parse(kind, number).map(|registration| registration.number)
    }

    fn wrong(kind: RegistrationKind) -> Result<String, RegistrationNumberError> {
        Err(RegistrationNumberError::WrongShape(kind))
    }

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
    fn every_kinds_example_is_valid_for_it() {
        for kind in RegistrationKind::ALL {
            assert!(
                RegistrationNumber::parse(kind.as_str(), kind.example()).is_ok(),
                "{kind}"
            );
        }
    }

    #[test]
    fn gmc_numbers_are_7_digits() {
        assert_eq!(parsed("GMC", "7012345"), Ok("7012345".into()));
        assert_eq!(parsed("GMC", " 701 2345 "), Ok("7012345".into()));
        assert_eq!(parsed("GMC", "１２３４５６７"), Ok("1234567".into()));
        for bad in ["123", "701234", "70123456", "701234A", "701-2345", "banana"] {
            assert_eq!(parsed("GMC", bad), wrong(RegistrationKind::Gmc), "{bad}");
        }
    }

    #[test]
    fn the_gmc_message_says_what_a_good_one_looks_like() {
        assert_eq!(
            RegistrationNumber::parse("GMC", "123")
                .unwrap_err()
                .to_string(),
            "A GMC number is 7 digits, like 7012345"
        );
    }

    #[test]
    fn a_number_typed_with_its_kind_in_front_loses_it() {
        assert_eq!(parsed("GMC", "gmc 701 2345"), Ok("7012345".into()));
        assert_eq!(parsed("GMC", "GMC: 7012345"), Ok("7012345".into()));
        assert_eq!(parsed("NMC", "NMC 12a3456e"), Ok("12A3456E".into()));
        assert_eq!(
            parsed("NTN", "NTN LDN/R1A/001/ST1"),
            Ok("LDN/R1A/001/ST1".into())
        );
        // Only a number that does not fit as written loses it.
        assert_eq!(parsed("Other", "OTHER1"), Ok("OTHER1".into()));
        // A kind alone is not a number of that kind.
        assert_eq!(parsed("GMC", "GMC"), wrong(RegistrationKind::Gmc));
    }

    #[test]
    fn nmc_pins_are_2_digits_a_letter_4_digits_a_letter() {
        assert_eq!(parsed("NMC", "12A3456E"), Ok("12A3456E".into()));
        assert_eq!(parsed("NMC", "12a3456e"), Ok("12A3456E".into()));
        assert_eq!(parsed("NMC", " 12A 3456 E\t"), Ok("12A3456E".into()));
        for bad in [
            "12A3456",
            "123456E7",
            "1AA3456E",
            "12A34567",
            "12A3456EE",
            "banana",
        ] {
            assert_eq!(parsed("NMC", bad), wrong(RegistrationKind::Nmc), "{bad}");
        }
        assert_eq!(
            RegistrationNumber::parse("NMC", "banana")
                .unwrap_err()
                .to_string(),
            "An NMC PIN is 2 digits, a letter, 4 digits and a letter, like 12A3456E"
        );
    }

    #[test]
    fn ntns_old_and_current_formats_are_accepted() {
        for (typed, stored) in [
            ("LDN/R1A/001/ST1", "LDN/R1A/001/ST1"),
            ("wmd/006/324/n", "WMD/006/324/N"),
            ("LDN / 010 / 7012345 / C", "LDN/010/7012345/C"),
            ("LDN/ABC.XYZ.123/1234567/D", "LDN/ABC.XYZ.123/1234567/D"),
            ("NWE/ACA-FND/1234567/C", "NWE/ACA-FND/1234567/C"),
            // Slashes and dashes from a typeset document.
            ("KSS\u{2215}010\u{2215}001\u{2215}C", "KSS/010/001/C"),
            ("NWE/ACA\u{2013}FND/1234567/C", "NWE/ACA-FND/1234567/C"),
        ] {
            assert_eq!(parsed("NTN", typed), Ok(stored.into()), "{typed}");
        }
    }

    #[test]
    fn ntns_need_their_four_parts() {
        for bad in [
            "banana",
            "LDN-R1A-001-ST1",
            "LDN/R1A/001",
            "LDN/R1A/001/ST1/X",
            "LD/R1A/001/C",
            "L1N/R1A/001/C",
            "LDN/R1/001/C",
            "LDN/R1A./001/C",
            "LDN/R1A/01/C",
            "LDN/R1A/12345678/C",
            "LDN/R1A/00A/C",
            "LDN/R1A/001/1",
            "LDN/R1A/001/ST12",
            "LDN/R1A/001/",
        ] {
            assert_eq!(parsed("NTN", bad), wrong(RegistrationKind::Ntn), "{bad}");
        }
    }

    #[test]
    fn college_numbers_need_a_digit() {
        assert_eq!(parsed("College", "1234567"), Ok("1234567".into()));
        assert_eq!(parsed("College", "mrcp 12345"), Ok("MRCP12345".into()));
        assert_eq!(
            parsed("College", "banana"),
            wrong(RegistrationKind::College)
        );
        assert_eq!(parsed("College", "12#3"), wrong(RegistrationKind::College));
    }

    #[test]
    fn other_numbers_are_as_free_as_before() {
        assert_eq!(parsed("Other", "banana"), Ok("BANANA".into()));
        assert_eq!(parsed("Other", "pa05-4321/x"), Ok("PA05-4321/X".into()));
        for number in ["123.456", "12#3", "ÉCOLE1", "１２３！", "12_3"] {
            assert_eq!(
                parsed("Other", number),
                Err(RegistrationNumberError::InvalidCharacters),
                "{number}"
            );
        }
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
        for kind in RegistrationKind::ALL {
            assert_eq!(
                RegistrationNumber::parse(kind.as_str(), "  "),
                Err(RegistrationNumberError::Empty)
            );
        }
    }

    #[test]
    fn free_numbers_can_be_32_characters_and_no_more() {
        assert!(RegistrationNumber::parse("Other", &"1".repeat(32)).is_ok());
        assert!(RegistrationNumber::parse("College", &"1".repeat(32)).is_ok());
        for kind in ["Other", "College", "NTN"] {
            assert_eq!(
                RegistrationNumber::parse(kind, &"1".repeat(33)),
                Err(RegistrationNumberError::TooLong { max: 32 }),
                "{kind}"
            );
        }
        // A fixed-length kind says what it should be.
        assert_eq!(parsed("GMC", &"1".repeat(33)), wrong(RegistrationKind::Gmc));
    }

    #[test]
    fn the_display_form_is_the_kind_a_space_and_the_number() {
        let shown = |kind, number| RegistrationNumber::parse(kind, number).unwrap().to_string();
        assert_eq!(shown("GMC", "gmc 701 2345"), "GMC 7012345");
        assert_eq!(shown("NMC", "12a3456e"), "NMC 12A3456E");
        assert_eq!(shown("NTN", "ldn/r1a/001/st1"), "NTN LDN/R1A/001/ST1");
        assert_eq!(shown("College", "12345"), "College 12345");
        assert_eq!(shown("Other", "ab 123"), "Other AB123");
    }

    #[test]
    fn bare_numbers_are_recognised_by_their_shape() {
        let recognised = |typed| RegistrationNumber::recognise(typed).map(|r| r.to_string());
        assert_eq!(recognised("701 2345"), Ok("GMC 7012345".into()));
        assert_eq!(recognised("12a3456e"), Ok("NMC 12A3456E".into()));
        assert_eq!(
            recognised("LDN/R1A/001/ST1"),
            Ok("NTN LDN/R1A/001/ST1".into())
        );
        for ambiguous in ["banana", "123456", "12345678", "PA054321"] {
            assert_eq!(
                RegistrationNumber::recognise(ambiguous),
                Err(RegistrationNumberError::KindNeeded),
                "{ambiguous}"
            );
        }
    }

    #[test]
    fn numbers_written_with_their_kind_are_checked_for_that_kind() {
        let recognised = |typed| RegistrationNumber::recognise(typed).map(|r| r.to_string());
        assert_eq!(recognised("gmc 701 2345"), Ok("GMC 7012345".into()));
        assert_eq!(recognised("GMC7012345"), Ok("GMC 7012345".into()));
        assert_eq!(recognised("GMC: 7012345"), Ok("GMC 7012345".into()));
        assert!(recognised("GMC no. 7012345").is_err());
        // A number that starts with a separator keeps it when it fits.
        assert_eq!(recognised("Other -5"), Ok("Other -5".into()));
        assert_eq!(recognised("NMC 12a3456e"), Ok("NMC 12A3456E".into()));
        assert_eq!(recognised("college 12345"), Ok("College 12345".into()));
        assert_eq!(recognised("Other banana"), Ok("Other BANANA".into()));
        assert_eq!(
            RegistrationNumber::recognise("GMC 123"),
            Err(RegistrationNumberError::WrongShape(RegistrationKind::Gmc))
        );
        assert_eq!(
            RegistrationNumber::recognise("College banana"),
            Err(RegistrationNumberError::WrongShape(
                RegistrationKind::College
            ))
        );
    }

    #[test]
    fn stored_lines_are_read_back_whatever_their_age() {
        let read = |line| RegistrationNumber::from_stored_line(line).to_string();
        assert_eq!(read("GMC 7012345"), "GMC 7012345");
        // Stored before kinds were kept: glued, bare, or unrecognisable.
        assert_eq!(read("GMC1234567"), "GMC 1234567");
        assert_eq!(read("1234567"), "GMC 1234567");
        assert_eq!(read("COLLEGE42"), "College 42");
        assert_eq!(read("HCPC123"), "Other HCPC123");
        assert_eq!(read("GMC"), "Other GMC");
        // A stored number that breaks today's rules is still shown.
        assert_eq!(read("GMC 123"), "GMC 123");
    }

    #[cfg(feature = "server")]
    #[test]
    fn a_stored_number_that_no_longer_validates_still_deserialises() {
        let legacy = RegistrationNumber {
            kind: RegistrationKind::Gmc,
            number: "GMC123".into(),
        };
        let wire = serde_json::to_string(&legacy).unwrap();
        assert_eq!(
            serde_json::from_str::<RegistrationNumber>(&wire).unwrap(),
            legacy
        );
    }

    /// A valid number of each kind, with the parts people vary.
    fn valid_number() -> impl Strategy<Value = (RegistrationKind, String)> {
        prop_oneof![
            "[0-9]{7}".prop_map(|n| (RegistrationKind::Gmc, n)),
            "[0-9]{2}[A-Za-z][0-9]{4}[A-Za-z]".prop_map(|n| (RegistrationKind::Nmc, n)),
            "[A-Z]{3}/[A-Z0-9]{3}([-.][A-Z0-9]{3})?/[0-9]{3,7}/[A-Z][A-Z0-9]{0,2}"
                .prop_map(|n| (RegistrationKind::Ntn, n)),
            "[A-Z0-9]{0,10}[0-9][A-Z0-9/-]{0,10}".prop_map(|n| (RegistrationKind::College, n)),
            "[A-Za-z0-9/-]{1,32}".prop_map(|n| (RegistrationKind::Other, n)),
        ]
    }

    proptest! {
        #[test]
        fn spaces_and_case_never_change_a_number(
            (kind, number) in valid_number(),
            cut in 0usize..8,
        ) {
            let registration = RegistrationNumber::of_kind(kind, &number).unwrap();
            let mut spaced = number.to_lowercase();
            spaced.insert(cut.min(spaced.len()), ' ');
            let spaced = format!("  {spaced}\t");
            prop_assert_eq!(RegistrationNumber::of_kind(kind, &spaced), Ok(registration));
        }

        #[test]
        fn a_normalised_number_parses_to_itself(
            (kind, number) in valid_number(),
        ) {
            let registration = RegistrationNumber::of_kind(kind, &number).unwrap();
            let again = RegistrationNumber::of_kind(kind, &registration.number);
            prop_assert_eq!(again, Ok(registration));
        }

        #[test]
        fn the_display_form_reads_back_as_the_same_number(
            (kind, number) in valid_number(),
        ) {
            let registration = RegistrationNumber::of_kind(kind, &number).unwrap();
            let shown = registration.to_string();
            prop_assert_eq!(RegistrationNumber::recognise(&shown), Ok(registration.clone()));
            prop_assert_eq!(RegistrationNumber::from_stored_line(&shown), registration);
        }
    }
}
