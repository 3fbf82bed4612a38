//! Hostile input to every entry point the server functions call: arbitrary
//! Unicode, control and bidi characters, quotes and query syntax, and
//! megabyte strings. Each must answer with its typed refusal (never a
//! panic, never "unavailable"), and a refusal must write nothing.
#![cfg(feature = "server")]

mod support;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use support::{test_db, TestDb};
use threshold_core::{
    access::{submit, ContactError, ContactForm},
    accounts::{register, RegistrationError, RegistrationForm},
    auth::{login, rate_limit::RateLimit, LoginError, LoginForm},
    passwords::{password_verdict, VerdictForm},
    reset::{request_reset, ResetError, ResetForm, ResetRequester},
    rules::{Email, Password},
    support::{search, SupportError, SupportUser},
};

/// Text people (and attackers) send: anything, with the awkward kinds
/// over-represented.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<String>(),
        2 => "[\\x00-\\x1f\\x7f\u{200e}\u{202e}\u{2066}\u{feff}a-z@. '\"]{0,40}",
        2 => "[\"*():^+\\-]{0,5}(NEAR|AND|OR|NOT)?[\"*():^a-z ]{0,10}",
        1 => Just("x".repeat(1 << 20)),
        1 => Just("é\u{301}\u{301}\u{301}".repeat(10_000)),
        1 => Just(String::new()),
    ]
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: 48,
        failure_persistence: None,
        ..Config::default()
    })
}

async fn rows(db: &TestDb, table: &str) -> i64 {
    db.scalar(&format!("SELECT COUNT(*) FROM {table}")).await
}

#[test]
fn registration_refuses_or_creates_and_never_half_writes() {
    let tokio = tokio::runtime::Runtime::new().unwrap();
    let mut db = tokio.block_on(test_db());
    // Names repeat among the generated cases: their limit is not under test.
    db.services.registration_policy.per_name = RateLimit::per_minute(1_000_000);
    let fields = (
        hostile_text(),
        hostile_text(),
        hostile_text(),
        hostile_text(),
        hostile_text(),
    );
    runner()
        .run(&fields, |(first, surname, email, username, password)| {
            tokio.block_on(async {
                let before = (rows(&db, "accounts").await, rows(&db, "login_names").await);
                let form = RegistrationForm {
                    first_name: first,
                    surname,
                    email,
                    username,
                    account_type: "practitioner".into(),
                    password,
                    ..RegistrationForm::default()
                };
                // Every attempt from its own address: the bucket is not under test.
                let client = format!("198.51.100.{}", rows(&db, "rate_limits").await);
                match register(&db.services, &form, &client).await {
                    Ok(_) => assert_eq!(rows(&db, "accounts").await, before.0 + 1),
                    Err(RegistrationError::Unavailable) => panic!("unavailable for {form:?}"),
                    Err(_) => {
                        let after = (rows(&db, "accounts").await, rows(&db, "login_names").await);
                        assert_eq!(after, before, "a refusal wrote something");
                    }
                }
            });
            Ok(())
        })
        .unwrap();
}

#[test]
fn login_answers_every_input_with_a_typed_refusal() {
    let tokio = tokio::runtime::Runtime::new().unwrap();
    let db = tokio.block_on(test_db());
    tokio.block_on(db.create("ada@example.org", "dr.okafor", "Violet kettle harbour"));
    runner()
        .run(
            &(hostile_text(), hostile_text()),
            |(identifier, password)| {
                tokio.block_on(async {
                    let form = LoginForm {
                        identifier,
                        password,
                    };
                    // Every attempt from its own address: the bucket is not under test.
                    let client = format!("198.51.100.{}", rows(&db, "events").await % 250);
                    match login(&db.services, &form, &client).await {
                        Err(LoginError::Unavailable) => panic!("unavailable for {form:?}"),
                        Ok(_) => panic!("logged in with {form:?}"),
                        Err(_) => {}
                    }
                });
                Ok(())
            },
        )
        .unwrap();
}

/// The addresses of the accounts the reset test seeds.
const SEEDED: [&str; 3] = [
    "ada@example.org",
    "grace.hopper@example.net",
    "o.brien@example.co.uk",
];

/// An address that has an account, disguised: case changed, spaces
/// around it, or hostile text on either side (which makes it another
/// address or no address at all).
fn disguised_seeded_address() -> impl Strategy<Value = String> {
    (
        prop::sample::select(SEEDED.to_vec()),
        prop_oneof![Just(String::new()), Just(" ".to_owned()), hostile_text()],
        prop_oneof![Just(String::new()), Just(" ".to_owned()), hostile_text()],
        any::<bool>(),
    )
        .prop_map(|(email, before, after, upper)| {
            let email = if upper {
                email.to_uppercase()
            } else {
                email.to_owned()
            };
            format!("{before}{email}{after}")
        })
}

#[test]
fn reset_requests_queue_an_email_only_for_an_address_with_an_account() {
    let tokio = tokio::runtime::Runtime::new().unwrap();
    let db = tokio.block_on(test_db());
    tokio.block_on(async {
        for (n, email) in SEEDED.iter().enumerate() {
            db.create(email, &format!("seeded{n}"), "Violet kettle harbour")
                .await;
        }
    });
    let seeded_keys: Vec<String> = SEEDED
        .iter()
        .map(|email| Email::parse(email).unwrap().key())
        .collect();
    let input = prop_oneof![hostile_text(), disguised_seeded_address()];
    runner()
        .run(&input, |email| {
            tokio.block_on(async {
                // Past the hourly limit per address: every case is heard.
                db.clock.advance(std::time::Duration::from_secs(61 * 60));
                let before = rows(&db, "outbox").await;
                let has_account = Email::parse(email.trim())
                    .is_ok_and(|parsed| seeded_keys.contains(&parsed.key()));
                let form = ResetForm { email };
                let client = format!("203.0.113.{}", rows(&db, "reset_requests").await % 250);
                let answer =
                    request_reset(&db.services, &form, &ResetRequester::stranger(&client)).await;
                if let Err(ResetError::Unavailable) = answer {
                    panic!("unavailable for {form:?}");
                }
                let queued = rows(&db, "outbox").await - before;
                if has_account {
                    assert!(answer.is_ok(), "{answer:?} for {form:?}");
                    assert_eq!(queued, 1, "the account's email was not queued: {form:?}");
                } else {
                    assert_eq!(queued, 0, "an email queued for no account: {form:?}");
                }
            });
            Ok(())
        })
        .unwrap();
    // The seeded addresses were asked for, and their emails queued: the
    // "nothing queued" above was a check that could fail.
    assert!(tokio.block_on(rows(&db, "outbox")) > 0);
}

#[test]
fn contact_requests_are_refused_whole_or_stored_whole() {
    let tokio = tokio::runtime::Runtime::new().unwrap();
    let db = tokio.block_on(test_db());
    let fields = (
        hostile_text(),
        hostile_text(),
        hostile_text(),
        hostile_text(),
        hostile_text(),
        hostile_text(),
    );
    runner()
        .run(
            &fields,
            |(first, surname, email, previous, numbers, message)| {
                tokio.block_on(async {
                    let before = (
                        rows(&db, "access_requests").await,
                        rows(&db, "outbox").await,
                    );
                    let form = ContactForm {
                        first_name: first,
                        surname,
                        email,
                        previous_emails: previous,
                        registration_numbers: numbers,
                        message,
                        ..ContactForm::default()
                    };
                    let client = format!("192.0.2.{}", before.0 % 250);
                    match submit(&db.services, &form, &client).await {
                        Ok(_) => assert_eq!(rows(&db, "access_requests").await, before.0 + 1),
                        Err(ContactError::Unavailable) => panic!("unavailable for {form:?}"),
                        Err(_) => {
                            let after = (
                                rows(&db, "access_requests").await,
                                rows(&db, "outbox").await,
                            );
                            assert_eq!(after, before, "a refusal wrote something");
                        }
                    }
                });
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn support_search_never_lets_input_become_query_syntax() {
    let tokio = tokio::runtime::Runtime::new().unwrap();
    let db = tokio.block_on(test_db());
    tokio.block_on(db.create("ada@example.org", "dr.okafor", "Violet kettle harbour"));
    let staff = SupportUser {
        account_id: 1,
        username: "dr.okafor".into(),
    };
    runner()
        .run(&hostile_text(), |query| {
            tokio.block_on(async {
                match search(&db.services, &staff, &query).await {
                    Err(SupportError::Unavailable) => panic!("the index choked on {query:?}"),
                    Ok(_) | Err(SupportError::EmptyQuery | SupportError::InvalidQuery { .. }) => {}
                    Err(other) => panic!("unexpected {other:?} for {query:?}"),
                }
            });
            Ok(())
        })
        .unwrap();
}

#[test]
fn the_password_verdict_answers_any_text_with_its_rules() {
    let tokio = tokio::runtime::Runtime::new().unwrap();
    let db = tokio.block_on(test_db());
    let fields = (
        hostile_text(),
        hostile_text(),
        hostile_text(),
        hostile_text(),
        hostile_text(),
    );
    let case = std::sync::atomic::AtomicU32::new(0);
    runner()
        .run(
            &fields,
            |(password, username, email, first_name, surname)| {
                let case = case.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tokio.block_on(async {
                    let form = VerdictForm {
                        password,
                        username,
                        email,
                        first_name,
                        surname,
                    };
                    // Each case from its own address: the bucket is not under test.
                    let client = format!("203.0.113.{case}");
                    match password_verdict(&db.services, &form, &client).await {
                        // Whatever else it says, nothing shorter than 15 passes.
                        Ok(verdict) => assert!(
                            !verdict.problems.is_empty()
                                || Password::new(&form.password).char_count() >= 15
                        ),
                        Err(error) => panic!("{error:?} for {form:?}"),
                    }
                });
                Ok(())
            },
        )
        .unwrap();
}
