//! How long the server takes to judge a new password (SPEC.md §3): the
//! breached-list lookup, the zxcvbn estimate and the name checks, i.e.
//! `NewPasswordRules::problems`, which the live verdict, registration and
//! "Choose a new password" all run. Worst cases included: 256 characters
//! of one repeated letter, of a keyboard walk, of digits, of words, of
//! random printable text, and of non-Latin letters.
//!
//! `make bench-password` or
//! `cargo bench -p threshold-core --features server --bench password_verdict [runs]`

use std::time::{Duration, Instant};

use rand::{rngs::StdRng, Rng, SeedableRng};
use threshold_core::rules::{
    BreachedPasswords, NewPasswordRules, Password, PasswordPolicy, PersonalWords,
};

fn main() {
    let runs: usize = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(200);
    let started = Instant::now();
    let rules = NewPasswordRules::shipped();
    let list = BreachedPasswords::shipped();
    println!(
        "breached list: {} entries, loaded and checked in {:.1} ms",
        list.len(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    let words = PersonalWords {
        username: Some("okafor4821"),
        email: Some("ada.okafor@nhs.net"),
        first_name: Some("Adaeze"),
        surname: Some("Okafor"),
    };
    // The estimator builds its dictionaries on first use, once per process.
    let first = Instant::now();
    std::hint::black_box(rules.problems(&Password::new("maple cobalt drift"), &words));
    println!(
        "first verdict of the process (builds zxcvbn's dictionaries): {:.1} ms",
        ms(first.elapsed())
    );
    let mut rng = StdRng::seed_from_u64(17);
    let random: String = (0..256)
        .map(|_| char::from(rng.gen_range(b'!'..=b'~')))
        .collect();
    let cases: Vec<(&str, String)> = vec![
        ("passphrase, 18 chars", "maple cobalt drift".to_owned()),
        ("breached, 14 chars", "password123456".to_owned()),
        ("256 x 'a'", "a".repeat(256)),
        (
            "256 keyboard walk",
            "qwertyuiop".repeat(26)[..256].to_owned(),
        ),
        ("256 digits", "0123456789".repeat(26)[..256].to_owned()),
        (
            "256 words",
            "harbour lantern quartz violet ".repeat(9)[..256].to_owned(),
        ),
        ("256 random printable", random),
        (
            "256 Cyrillic letters",
            "пароль".repeat(43).chars().take(256).collect(),
        ),
        ("257 (refused on length)", "a".repeat(257)),
    ];
    println!("{runs} runs each; milliseconds");
    println!(
        "| {:<26} | {:>6} | {:>6} | {:>6} |",
        "password", "p50", "p95", "max"
    );
    for (name, text) in &cases {
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let start = Instant::now();
            let password = Password::new(text);
            std::hint::black_box(rules.problems(&password, &words));
            times.push(start.elapsed());
        }
        times.sort();
        println!(
            "| {:<26} | {:>6.2} | {:>6.2} | {:>6.2} |",
            name,
            ms(times[runs / 2]),
            ms(times[runs * 95 / 100]),
            ms(times[runs - 1])
        );
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
