//! The passwords a reset emails (SPEC.md §4): easy to type on any device,
//! at least 80 bits.
//!
//! Lower-case letters and digits only, without the look-alikes `0 o 1 l i`:
//! 31 symbols, 20 of them (99 bits), shown in five groups of four joined by
//! hyphens (`k7mp-4xqa-9vtd-hw3e-n2rc`). Nothing a keyboard layout or a
//! phone's smart punctuation changes. Because the shape is fixed, login can
//! recognise a typed reset password and forgive what people do to it:
//! capitals (Caps Lock, a phone's first letter), spaces instead of hyphens,
//! or no separators at all.

use super::password::Password;

/// The symbols of a reset password.
pub const RESET_ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
/// Symbols per reset password.
pub const RESET_SYMBOLS: usize = 20;
const GROUP: usize = 4;

/// The canonical form of `typed` if it has the shape of a reset password:
/// separators (spaces, any hyphen or dash) dropped, letters lower-cased,
/// regrouped. `None` for anything else, which is then not worth a hash.
pub fn canonical_reset_password(typed: &str) -> Option<Password> {
    let mut symbols = String::with_capacity(RESET_SYMBOLS);
    for c in typed.chars() {
        if c.is_whitespace() || is_dash(c) {
            continue;
        }
        let c = c.to_ascii_lowercase();
        if !c.is_ascii() || !RESET_ALPHABET.contains(&(c as u8)) {
            return None;
        }
        symbols.push(c);
        if symbols.len() > RESET_SYMBOLS {
            return None;
        }
    }
    (symbols.len() == RESET_SYMBOLS).then(|| Password::new(&grouped(&symbols)))
}

/// A new random reset password, grouped for reading.
#[cfg(feature = "server")]
pub fn generate_reset_password() -> String {
    use rand::Rng;
    let mut rng = rand::rngs::OsRng;
    let symbols: String = (0..RESET_SYMBOLS)
        .map(|_| char::from(RESET_ALPHABET[rng.gen_range(0..RESET_ALPHABET.len())]))
        .collect();
    grouped(&symbols)
}

fn grouped(symbols: &str) -> String {
    symbols
        .as_bytes()
        .chunks(GROUP)
        .map(|chunk| std::str::from_utf8(chunk).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("-")
}

fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE63}' | '\u{FF0D}' | '_'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_alphabet_has_no_look_alikes_or_quotes_and_gives_at_least_80_bits() {
        for c in b"0o1liIO'\"` " {
            assert!(!RESET_ALPHABET.contains(c), "{}", char::from(*c));
        }
        let bits = RESET_SYMBOLS as f64 * (RESET_ALPHABET.len() as f64).log2();
        assert!(bits >= 80.0, "{bits}");
    }

    #[test]
    fn what_people_do_to_a_reset_password_still_finds_its_canonical_form() {
        let canonical = Password::new("k7mp-4xqa-9vtd-hw3e-n2rc");
        for typed in [
            "k7mp-4xqa-9vtd-hw3e-n2rc",
            "K7mp-4xqa-9vtd-hw3e-n2rc",
            "K7MP-4XQA-9VTD-HW3E-N2RC",
            "k7mp 4xqa 9vtd hw3e n2rc",
            "k7mp4xqa9vtdhw3en2rc",
            " k7mp\u{2013}4xqa\u{2013}9vtd\u{2013}hw3e\u{2013}n2rc ",
        ] {
            assert_eq!(
                canonical_reset_password(typed),
                Some(canonical.clone()),
                "{typed}"
            );
        }
    }

    #[test]
    fn anything_else_is_not_a_reset_password() {
        for typed in [
            "",
            "k7mp-4xqa-9vtd-hw3e-n2r",
            "k7mp-4xqa-9vtd-hw3e-n2rcx",
            "k7mp-4xqa-9vtd-hw3e-n2r0",
            "Violet kettle harbour",
            "k7mp-4xqa-9vtd-hw3e-n2r\u{e9}",
        ] {
            assert_eq!(canonical_reset_password(typed), None, "{typed}");
        }
    }

    #[cfg(feature = "server")]
    #[test]
    fn generated_passwords_are_grouped_canonical_and_different() {
        let first = generate_reset_password();
        assert_eq!(first.len(), 24);
        assert_eq!(first.matches('-').count(), 4);
        assert_eq!(
            canonical_reset_password(&first).map(|p| p.expose().to_owned()),
            Some(first.clone())
        );
        assert_ne!(first, generate_reset_password());
    }
}
