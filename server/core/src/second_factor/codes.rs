//! The codes themselves: authenticator-app codes (RFC 6238: SHA-1, six
//! digits, 30-second steps, what every app speaks) and recovery codes.

use rand::{rngs::OsRng, Rng, RngCore};
use totp_rs::{Algorithm, Secret, TOTP};

use crate::clock::Millis;

/// Seconds per code.
const STEP_SECONDS: u64 = 30;
/// A code is accepted for the step before and after the current one too:
/// a phone's clock a little off, or a code typed as it changed.
const SKEW_STEPS: i64 = 1;
/// 160 random bits, the size RFC 4226 recommends.
const SECRET_BYTES: usize = 20;

/// How many recovery codes are issued at once.
pub const RECOVERY_CODES: usize = 10;
/// Unambiguous characters only (no 0/O, 1/I/L): 32 of them, 5 bits each.
const RECOVERY_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Four groups of four: 16 characters, 80 bits.
const RECOVERY_GROUPS: usize = 4;
const GROUP_CHARS: usize = 4;

/// A new secret for an authenticator app, base32 as apps take it.
pub fn new_totp_secret() -> String {
    let mut bytes = vec![0u8; SECRET_BYTES];
    OsRng.fill_bytes(&mut bytes);
    Secret::Raw(bytes).to_encoded().to_string()
}

fn totp(secret: &str, account: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().ok()?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        0,
        STEP_SECONDS,
        bytes,
        Some("Threshold".to_owned()),
        account.to_owned(),
    )
    .ok()
}

/// The `otpauth://` link an app reads from the QR code.
pub fn totp_uri(secret: &str, account: &str) -> Option<String> {
    Some(totp(secret, account)?.get_url())
}

/// The time step a six-digit `code` is right for at `now`, among the
/// current step and its neighbours; `None` when it is right for none.
pub fn totp_step(secret: &str, code: &str, now: Millis) -> Option<i64> {
    let totp = totp(secret, "")?;
    let current = now.div_euclid(1000) / STEP_SECONDS as i64;
    (current - SKEW_STEPS..=current + SKEW_STEPS)
        .find(|step| u64::try_from(*step).is_ok_and(|step| totp.check(code, step * STEP_SECONDS)))
}

/// The code an app shows at `now` (for tests, and for nothing else).
pub fn totp_code_at(secret: &str, now: Millis) -> Option<String> {
    let seconds = u64::try_from(now.div_euclid(1000)).ok()?;
    Some(totp(secret, "")?.generate(seconds))
}

/// A typed code as six digits, when it is one (spaces allowed, as apps
/// show "123 456").
pub fn as_app_code(typed: &str) -> Option<String> {
    let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
}

/// A new recovery code: `ABCD-EFGH-JKMN-PQRS`.
pub fn new_recovery_code() -> String {
    let mut rng = OsRng;
    (0..RECOVERY_GROUPS)
        .map(|_| {
            (0..GROUP_CHARS)
                .map(|_| RECOVERY_ALPHABET[rng.gen_range(0..RECOVERY_ALPHABET.len())] as char)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// A typed recovery code as issued (upper case, groups joined by hyphens),
/// with its first group, which picks the row to check; `None` when it
/// cannot be one.
pub fn as_recovery_code(typed: &str) -> Option<(String, String)> {
    let chars: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if chars.len() != RECOVERY_GROUPS * GROUP_CHARS
        || !chars.bytes().all(|b| RECOVERY_ALPHABET.contains(&b))
    {
        return None;
    }
    let groups: Vec<&str> = (0..RECOVERY_GROUPS)
        .map(|i| &chars[i * GROUP_CHARS..(i + 1) * GROUP_CHARS])
        .collect();
    Some((groups.join("-"), groups[0].to_owned()))
}

/// The secret shown as text: groups of four, easier to type.
pub fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `text` as a QR code, drawn as an SVG path (one square per dark module,
/// a four-module quiet zone). The image is labelled by the page.
pub fn qr_svg(text: &str) -> Option<String> {
    use qrcodegen::{QrCode, QrCodeEcc};
    let code = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let border = 4;
    let size = code.size() + border * 2;
    let mut path = String::new();
    for y in 0..code.size() {
        for x in 0..code.size() {
            if code.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + border, y + border));
            }
        }
    }
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" \
         shape-rendering=\"crispEdges\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\
         <path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Millis = 1_764_000_000_000;

    #[test]
    fn an_app_code_is_right_for_its_step_and_its_neighbours_only() {
        let secret = new_totp_secret();
        let step = NOW / 30_000;
        let code = totp_code_at(&secret, NOW).unwrap();
        assert_eq!(totp_step(&secret, &code, NOW), Some(step));
        assert_eq!(totp_step(&secret, &code, NOW + 30_000), Some(step));
        assert_eq!(totp_step(&secret, &code, NOW - 30_000), Some(step));
        assert_eq!(totp_step(&secret, &code, NOW + 61_000), None);
        assert_eq!(
            totp_step(&secret, "000000", NOW).is_some(),
            code == "000000"
        );
    }

    #[test]
    fn typed_codes_are_read_as_apps_and_people_write_them() {
        assert_eq!(as_app_code(" 123 456 "), Some("123456".into()));
        assert_eq!(as_app_code("12345"), None);
        assert_eq!(as_app_code("12345a"), None);
        let code = new_recovery_code();
        assert_eq!(code.len(), 19);
        let (normal, lookup) = as_recovery_code(&code.to_lowercase().replace('-', " ")).unwrap();
        assert_eq!(normal, code);
        assert_eq!(lookup, &code[..4]);
        assert_eq!(
            as_recovery_code("ABCD-EFGH-JKMN-PQR0"),
            None,
            "0 is never issued"
        );
        assert_eq!(as_recovery_code("ABCD"), None);
    }

    #[test]
    fn the_secret_reads_in_groups_and_draws_as_a_qr_code() {
        assert_eq!(grouped("ABCDEFGHIJ"), "ABCD EFGH IJ");
        let svg = qr_svg("otpauth://totp/Threshold:sam?secret=ABC").unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("<path d=\"M"));
    }
}
