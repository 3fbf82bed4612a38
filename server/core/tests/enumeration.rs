//! Whether an account exists cannot be read from how long the answer takes:
//! login and reset are timed for known and unknown names at the production
//! Argon2 cost, and the two distributions must overlap. The medians are
//! printed (run with `--nocapture`); the only assertion on time is a
//! generous statistical one, because shared machines are noisy.
#![cfg(feature = "server")]

mod support;

use std::time::{Duration, Instant};

use support::TestDb;
use threshold_core::{
    auth::{login, LoginError, LoginForm},
    hashing::HashCost,
    reset::{request_reset, ResetForm, ResetRequester},
};

const RUNS: usize = 25;

struct Spread {
    median: Duration,
    low: Duration,
    high: Duration,
}

fn spread(mut times: Vec<Duration>) -> Spread {
    times.sort();
    Spread {
        median: times[times.len() / 2],
        low: times[times.len() / 10],
        high: times[times.len() * 9 / 10],
    }
}

/// The two 10th–90th percentile ranges overlap, and neither median is more
/// than half as long again as the other.
fn assert_indistinguishable(what: &str, known: Spread, unknown: Spread) {
    println!(
        "{what}: known median {:.1} ms (p10–p90 {:.1}–{:.1}), unknown median {:.1} ms (p10–p90 {:.1}–{:.1})",
        ms(known.median),
        ms(known.low),
        ms(known.high),
        ms(unknown.median),
        ms(unknown.low),
        ms(unknown.high)
    );
    assert!(
        known.low <= unknown.high && unknown.low <= known.high,
        "{what}: the distributions do not overlap"
    );
    let ratio = ms(known.median) / ms(unknown.median);
    assert!(
        (1.0 / 1.5..=1.5).contains(&ratio),
        "{what}: medians differ by a factor of {ratio:.2}"
    );
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

async fn production_cost_db() -> TestDb {
    let db = support::test_db_with_cost(HashCost::default()).await;
    db.create("ada@example.org", "dr.okafor", "Violet kettle harbour")
        .await;
    db
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_and_an_unknown_name_take_as_long() {
    let db = production_cost_db().await;
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for run in 0..RUNS {
        // Interleaved, so drift in the machine's load hits both alike; the
        // clock moves past any delay so every attempt is really evaluated.
        for (name, times) in [
            ("dr.okafor".to_owned(), &mut known),
            (format!("nobody{run}"), &mut unknown),
        ] {
            let form = LoginForm {
                identifier: name,
                password: "wrong password, typed".into(),
            };
            let started = Instant::now();
            let answer = login(&db.services, &form, &format!("192.0.2.{run}")).await;
            times.push(started.elapsed());
            assert_eq!(answer.err(), Some(LoginError::Incorrect));
        }
        db.clock.advance(Duration::from_secs(16 * 60));
    }
    assert_indistinguishable("login", spread(known), spread(unknown));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_for_a_known_and_an_unknown_address_take_as_long() {
    let db = production_cost_db().await;
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for run in 0..RUNS {
        for (email, times) in [
            ("ada@example.org".to_owned(), &mut known),
            (format!("nobody{run}@example.org"), &mut unknown),
        ] {
            let started = Instant::now();
            let answer = request_reset(
                &db.services,
                &ResetForm { email },
                &ResetRequester::stranger(&format!("198.51.100.{run}")),
            )
            .await;
            times.push(started.elapsed());
            assert!(answer.is_ok());
        }
        // Past the hourly limit per address.
        db.clock.advance(Duration::from_secs(61 * 60));
    }
    assert_indistinguishable("reset", spread(known), spread(unknown));
}
