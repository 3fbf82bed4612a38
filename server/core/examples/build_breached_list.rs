//! Builds `server/core/data/breached-passwords.bin` from plain password
//! lists (one password per line), keeping every entry of at least
//! `MIN_LISTED_CHARS` characters after Threshold's normalisation, and
//! prints what it counted. The sources and the exact steps are in
//! `server/core/data/breached-passwords.NOTICE`.
//!
//! ```sh
//! cargo run --release -p threshold-core --features server \
//!     --example build_breached_list -- OUT.bin LIST.txt [LIST.txt …]
//! ```

use std::io::{BufRead, BufReader};

use threshold_core::rules::breached::{BreachedPasswords, MIN_LISTED_CHARS};
use threshold_core::rules::Password;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let output = args
        .next()
        .ok_or("usage: build_breached_list OUT.bin LIST.txt…")?;
    let mut kept = Vec::new();
    for path in args {
        let (mut lines, mut not_utf8, mut long) = (0u64, 0u64, 0u64);
        let mut reader = BufReader::new(std::fs::File::open(&path)?);
        let mut raw = Vec::new();
        loop {
            raw.clear();
            if reader.read_until(b'\n', &mut raw)? == 0 {
                break;
            }
            lines += 1;
            let mut line: &[u8] = &raw;
            if let Some(rest) = line.strip_suffix(b"\n") {
                line = rest;
            }
            if let Some(rest) = line.strip_suffix(b"\r") {
                line = rest;
            }
            // A typed password is always UTF-8; a line in another encoding
            // is not one anybody can type here as it stands.
            let Ok(text) = std::str::from_utf8(line) else {
                not_utf8 += 1;
                continue;
            };
            let password = Password::new(text);
            if password.char_count() >= MIN_LISTED_CHARS {
                long += 1;
                kept.push(password);
            }
        }
        eprintln!(
            "{path}: {lines} lines, {not_utf8} not UTF-8, {long} of {MIN_LISTED_CHARS}+ characters"
        );
    }
    let list = BreachedPasswords::build(&kept);
    std::fs::write(&output, list.as_bytes())?;
    eprintln!(
        "{output}: {} entries kept, {} distinct after case folding, {} bytes, false-positive rate {:.2e}",
        kept.len(),
        list.len(),
        list.as_bytes().len(),
        list.false_positive_rate()
    );
    Ok(())
}
