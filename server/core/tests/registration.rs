//! Registration against a real database (SQLite, or PostgreSQL: see
//! support/mod.rs): uniqueness under
//! concurrency, the shared username/email namespace, generated usernames,
//! duplicate-person warnings and all-or-nothing writes.
#![cfg(feature = "server")]

mod support;

use std::collections::HashSet;

use support::{test_db, TestDb};
use threshold_core::accounts::{
    register, RegistrationError, RegistrationField, RegistrationForm, RegistrationPolicy,
};
use threshold_core::auth::rate_limit::RateLimit;

/// The network address the tests register from.
const CLIENT: &str = "192.0.2.1";

fn form(email: &str, username: &str) -> RegistrationForm {
    RegistrationForm {
        first_name: "Ada".into(),
        surname: "Okafor".into(),
        email: email.into(),
        username: username.into(),
        account_type: "practitioner".into(),
        password: "violet kettle harbour".into(),
        ..RegistrationForm::default()
    }
}

async fn count(db: &TestDb, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&db.inspect)
        .await
        .unwrap()
}

/// Runs `forms` as simultaneous registrations and returns their results.
async fn register_all(
    db: &TestDb,
    forms: Vec<RegistrationForm>,
) -> Vec<Result<threshold_core::accounts::Registered, RegistrationError>> {
    // Many people at once, each from their own address and allowed as many
    // tries as they like: what is under test is the database's uniqueness.
    let mut services = db.services.clone();
    services.registration_policy = RegistrationPolicy {
        per_client: RateLimit::per_minute(1000),
        per_name: RateLimit::per_minute(1000),
    };
    let tasks: Vec<_> = forms
        .into_iter()
        .enumerate()
        .map(|(i, form)| {
            let services = services.clone();
            let client = format!("198.51.100.{i}");
            tokio::spawn(async move { register(&services, &form, &client).await })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    results
}

/// "ada@example.org" in 50 different letter cases.
fn case_variants(text: &str, how_many: usize) -> Vec<String> {
    (0..how_many)
        .map(|seed| {
            text.chars()
                .enumerate()
                .map(|(i, c)| {
                    if (seed >> (i % 16)) & 1 == 1 {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    }
                })
                .collect()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_simultaneous_registrations_with_one_email_make_one_account() {
    let db = test_db().await;
    let forms = case_variants("ada.okafor@example.org", 50)
        .into_iter()
        .map(|email| form(&email, ""))
        .collect();
    let results = register_all(&db, forms).await;

    let created = results.iter().filter(|r| r.is_ok()).count();
    let email_taken = results
        .iter()
        .filter(|r| matches!(r, Err(RegistrationError::EmailTaken { .. })))
        .count();
    assert_eq!((created, email_taken), (1, 49), "{results:?}");
    assert_eq!(count(&db, "accounts").await, 1);
    assert_eq!(count(&db, "login_names").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_simultaneous_registrations_with_one_username_make_one_account() {
    let db = test_db().await;
    let forms = case_variants("dr.okafor", 50)
        .into_iter()
        .enumerate()
        .map(|(i, username)| form(&format!("person{i}@example.org"), &username))
        .collect();
    let results = register_all(&db, forms).await;

    let created = results.iter().filter(|r| r.is_ok()).count();
    let username_taken = results
        .iter()
        .filter(|r| matches!(r, Err(RegistrationError::UsernameTaken { .. })))
        .count();
    assert_eq!((created, username_taken), (1, 49), "{results:?}");
    assert_eq!(count(&db, "accounts").await, 1);
}

#[tokio::test]
async fn a_username_equal_to_another_accounts_email_is_taken() {
    let db = test_db().await;
    register(
        &db.services,
        &form("ada@example.org", "ada@example.org"),
        CLIENT,
    )
    .await
    .unwrap();
    // The second person's own email is ada@example.org too: refused as an
    // email first; and as a username it is no one else's to take.
    let error = register(&db.services, &form("ADA@example.org", ""), CLIENT)
        .await
        .unwrap_err();
    assert!(
        matches!(error, RegistrationError::EmailTaken { .. }),
        "{error:?}"
    );

    register(&db.services, &form("bea@example.org", "Bea.Smith"), CLIENT)
        .await
        .unwrap();
    let error = register(
        &db.services,
        &form("bea.smith@example.org", "BEA@EXAMPLE.ORG"),
        CLIENT,
    )
    .await
    .unwrap_err();
    // A username with an @ must be the registrant's own email.
    assert!(matches!(error, RegistrationError::Invalid(_)), "{error:?}");
    assert_eq!(count(&db, "accounts").await, 2);
}

#[tokio::test]
async fn an_email_equal_to_another_accounts_username_is_taken() {
    let db = test_db().await;
    // Someone's username is their email: that name is taken for everyone.
    register(
        &db.services,
        &form("cy@example.org", "cy@example.org"),
        CLIENT,
    )
    .await
    .unwrap();
    let error = register(&db.services, &form("Cy@Example.org", "cyril"), CLIENT)
        .await
        .unwrap_err();
    assert!(
        matches!(error, RegistrationError::EmailTaken { .. }),
        "{error:?}"
    );

    // And an email equal to someone's plain username, in another case.
    register(
        &db.services,
        &form("dee@example.org", "dee.jones@nhs.net"),
        CLIENT,
    )
    .await
    .unwrap_err();
    register(
        &db.services,
        &form("dee.jones@nhs.net", "dee.jones@nhs.net"),
        CLIENT,
    )
    .await
    .unwrap();
    let error = register(&db.services, &form("DEE.JONES@nhs.net", "someone"), CLIENT)
        .await
        .unwrap_err();
    assert!(
        matches!(error, RegistrationError::EmailTaken { .. }),
        "{error:?}"
    );
    assert_eq!(count(&db, "accounts").await, 2);
}

#[tokio::test]
async fn a_taken_username_is_reported_with_the_registrants_email() {
    let db = test_db().await;
    register(&db.services, &form("one@example.org", "okafor"), CLIENT)
        .await
        .unwrap();
    let error = register(&db.services, &form("two@example.org", "OKAFOR"), CLIENT)
        .await
        .unwrap_err();
    assert_eq!(
        error,
        RegistrationError::UsernameTaken {
            username: "OKAFOR".into(),
            email: "two@example.org".into()
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn generated_usernames_are_surname_and_four_digits_and_never_collide() {
    let db = test_db().await;
    let forms = (0..40)
        .map(|i| RegistrationForm {
            surname: "Ó Briain".into(),
            ..form(&format!("p{i}@example.org"), "")
        })
        .collect();
    let results = register_all(&db, forms).await;
    let usernames: HashSet<String> = results
        .into_iter()
        .map(|result| {
            let registered = result.unwrap();
            assert!(registered.username_was_generated);
            registered.username
        })
        .collect();
    assert_eq!(usernames.len(), 40);
    for username in usernames {
        let digits = username.strip_prefix("OBriain").unwrap();
        assert!(
            digits.len() == 4 && digits.chars().all(|c| c.is_ascii_digit()),
            "{username}"
        );
    }
}

#[tokio::test]
async fn a_registration_that_fails_half_way_leaves_nothing_behind() {
    let db = test_db().await;
    // Make the last write of the transaction fail, as a full disk would.
    db.fail_inserts_into("registration_numbers").await;
    let with_number = RegistrationForm {
        registration_kind: "GMC".into(),
        registration_number: "7123456".into(),
        ..form("ada@example.org", "")
    };
    let error = register(&db.services, &with_number, CLIENT)
        .await
        .unwrap_err();
    assert_eq!(error, RegistrationError::Unavailable);
    assert_eq!(count(&db, "accounts").await, 0);
    assert_eq!(count(&db, "login_names").await, 0);
    assert_eq!(count(&db, "registration_numbers").await, 0);

    // The email is still free once the fault is gone.
    db.stop_failing("registration_numbers").await;
    register(&db.services, &with_number, CLIENT).await.unwrap();
}

#[tokio::test]
async fn a_registration_number_of_the_wrong_shape_is_refused_and_changes_nothing() {
    let db = test_db().await;
    for (kind, number, message) in [
        ("GMC", "123", "A GMC number is 7 digits, like 7012345"),
        ("GMC", "70123456", "A GMC number is 7 digits, like 7012345"),
        (
            "NMC",
            "banana",
            "An NMC PIN is 2 digits, a letter, 4 digits and a letter, like 12A3456E",
        ),
    ] {
        let bad = RegistrationForm {
            registration_kind: kind.into(),
            registration_number: number.into(),
            ..form("ada@example.org", "")
        };
        let error = register(&db.services, &bad, CLIENT).await.unwrap_err();
        let RegistrationError::Invalid(problems) = error else {
            panic!("{kind} {number}: {error:?}");
        };
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].field, RegistrationField::RegistrationNumber);
        assert_eq!(problems[0].message, message);
    }
    assert_eq!(count(&db, "accounts").await, 0);
    assert_eq!(count(&db, "login_names").await, 0);
    assert_eq!(count(&db, "registration_numbers").await, 0);

    // The same person with a good number gets in, stored normalised.
    let good = RegistrationForm {
        registration_kind: "GMC".into(),
        registration_number: "gmc 701 2345".into(),
        ..form("ada@example.org", "")
    };
    register(&db.services, &good, CLIENT).await.unwrap();
    let stored: String = sqlx::query_scalar("SELECT number FROM registration_numbers")
        .fetch_one(&db.inspect)
        .await
        .unwrap();
    assert_eq!(stored, "7012345");
}

#[tokio::test]
async fn a_second_account_with_a_registration_number_needs_confirmation() {
    let db = test_db().await;
    let first = RegistrationForm {
        registration_kind: "GMC".into(),
        registration_number: "712 3456".into(),
        ..form("ada@example.org", "")
    };
    let first_id = register(&db.services, &first, CLIENT)
        .await
        .unwrap()
        .account_id;

    let second = RegistrationForm {
        registration_kind: "GMC".into(),
        registration_number: "7123456".into(),
        ..form("ada.home@example.org", "")
    };
    let error = register(&db.services, &second, CLIENT).await.unwrap_err();
    assert!(
        matches!(&error, RegistrationError::PossibleDuplicate { number, .. } if number.number == "7123456"),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "An account with this GMC number already exists"
    );
    assert_eq!(count(&db, "accounts").await, 1);

    let confirmed = RegistrationForm {
        confirm_possible_duplicate: true,
        ..second
    };
    let second_id = register(&db.services, &confirmed, CLIENT)
        .await
        .unwrap()
        .account_id;
    let marked: (i64, i64, String) =
        sqlx::query_as("SELECT account_id, earlier_account_id, reason FROM possible_duplicates")
            .fetch_one(&db.inspect)
            .await
            .unwrap();
    assert_eq!(marked, (second_id, first_id, "registration_number".into()));
}

#[tokio::test]
async fn the_same_name_and_number_under_another_kind_is_a_possible_duplicate() {
    let db = test_db().await;
    let first = RegistrationForm {
        registration_kind: "GMC".into(),
        registration_number: "7123456".into(),
        ..form("ada@example.org", "")
    };
    register(&db.services, &first, CLIENT).await.unwrap();
    let same_person = RegistrationForm {
        first_name: "ADA".into(),
        registration_kind: "Other".into(),
        registration_number: "7123456".into(),
        ..form("ada2@example.org", "")
    };
    let error = register(&db.services, &same_person, CLIENT)
        .await
        .unwrap_err();
    assert!(
        matches!(error, RegistrationError::PossibleDuplicate { .. }),
        "{error:?}"
    );

    // A different person who happens to have that number under another
    // kind is not warned.
    let someone_else = RegistrationForm {
        first_name: "Bea".into(),
        surname: "Smith".into(),
        ..same_person
    };
    register(&db.services, &someone_else, CLIENT).await.unwrap();
}

#[tokio::test]
async fn the_stored_account_keeps_what_was_typed_and_an_argon2id_hash() {
    let db = test_db().await;
    let admin = RegistrationForm {
        account_type: "practice_admin".into(),
        practice_name: "  Riverside Surgery ".into(),
        ..form("  Ada.Okafor@Example.ORG ", "Dr.Okafor")
    };
    register(&db.services, &admin, CLIENT).await.unwrap();
    let row: (String, String, String, Option<String>, String) = sqlx::query_as(
        "SELECT username, email, account_type, practice_name, password_hash FROM accounts",
    )
    .fetch_one(&db.inspect)
    .await
    .unwrap();
    assert_eq!(row.0, "Dr.Okafor");
    assert_eq!(row.1, "Ada.Okafor@Example.ORG");
    assert_eq!(row.2, "practice_admin");
    assert_eq!(row.3.as_deref(), Some("Riverside Surgery"));
    assert!(row.4.starts_with("$argon2id$"), "{}", row.4);
    let keys: Vec<(String, String)> =
        sqlx::query_as("SELECT name_key, kind FROM login_names ORDER BY name_key")
            .fetch_all(&db.inspect)
            .await
            .unwrap();
    assert_eq!(
        keys,
        [
            ("ada.okafor@example.org".into(), "email".into()),
            ("dr.okafor".into(), "username".into())
        ]
    );
}

fn with_number(email: &str, username: &str) -> RegistrationForm {
    RegistrationForm {
        registration_kind: "GMC".into(),
        registration_number: "7123456".into(),
        ..form(email, username)
    }
}

#[tokio::test]
async fn a_taken_email_answers_taken_whether_or_not_the_number_warning_is_confirmed() {
    let db = test_db().await;
    register(&db.services, &with_number("ada@example.org", "ada"), CLIENT)
        .await
        .unwrap();

    // The same number and the same email: "taken", never the duplicate
    // warning, so the warning is no second way to tell taken from free.
    for confirmed in [false, true] {
        let again = RegistrationForm {
            confirm_possible_duplicate: confirmed,
            ..with_number("ADA@example.org", "")
        };
        let error = register(&db.services, &again, CLIENT).await.unwrap_err();
        assert!(
            matches!(error, RegistrationError::EmailTaken { .. }),
            "confirmed {confirmed}: {error:?}"
        );
    }
    // A taken username with the same number is likewise "taken".
    let error = register(&db.services, &with_number("bea@example.org", "ADA"), CLIENT)
        .await
        .unwrap_err();
    assert!(
        matches!(error, RegistrationError::UsernameTaken { .. }),
        "{error:?}"
    );
    // Only a free email and username reach the warning.
    let error = register(&db.services, &with_number("cy@example.org", ""), CLIENT)
        .await
        .unwrap_err();
    assert!(
        matches!(error, RegistrationError::PossibleDuplicate { .. }),
        "{error:?}"
    );
    assert_eq!(count(&db, "accounts").await, 1);
}

#[tokio::test]
async fn every_answer_counts_against_the_clients_registration_limit() {
    let mut db = test_db().await;
    db.services.registration_policy.per_client = RateLimit::per_hour(4);
    register(&db.services, &with_number("ada@example.org", ""), CLIENT)
        .await
        .unwrap();
    // Taken, possible duplicate, invalid: each one costs a token too.
    let answers = [
        form("ada@example.org", ""),
        with_number("bea@example.org", ""),
        form("not an address", ""),
    ];
    for answer in &answers {
        let error = register(&db.services, answer, CLIENT).await.unwrap_err();
        assert!(
            !matches!(error, RegistrationError::RateLimited { .. }),
            "{error:?}"
        );
    }
    let error = register(&db.services, &form("cy@example.org", ""), CLIENT)
        .await
        .unwrap_err();
    // One token every 15 minutes at 4 an hour.
    assert_eq!(
        error,
        RegistrationError::RateLimited {
            retry_after_seconds: 900
        }
    );
    assert_eq!(
        error.to_string(),
        "Too many registrations from your network. Try again in 15 minutes."
    );
    assert_eq!(count(&db, "accounts").await, 1);

    // Another network is not held up; this one is, until its next token.
    register(&db.services, &form("cy@example.org", ""), "192.0.2.2")
        .await
        .unwrap();
    db.clock.advance(std::time::Duration::from_secs(900));
    register(&db.services, &form("dee@example.org", ""), CLIENT)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_name_typed_too_often_is_refused_from_anywhere_alike_taken_or_free() {
    let mut db = test_db().await;
    db.services.registration_policy.per_name = RateLimit::per_hour(2);
    register(&db.services, &form("ada@example.org", ""), "192.0.2.10")
        .await
        .unwrap();
    // A taken email and a free one, each typed from new addresses.
    for email in ["ada@example.org", "free@example.org"] {
        let mut answers = Vec::new();
        for n in 0..3 {
            let client = format!("198.51.100.{n}{}", email.len());
            answers.push(register(&db.services, &form(email, ""), &client).await);
        }
        let last = answers.pop().unwrap().unwrap_err();
        assert!(
            matches!(last, RegistrationError::TooManyForName { retry_after_seconds } if retry_after_seconds > 0),
            "{email}: {last:?}"
        );
        assert_eq!(
            last.to_string(),
            "Too many registrations with this email address or username. Try again in 30 minutes."
        );
    }
    // A username counts as its own name too.
    for n in 0..2 {
        let _ = register(
            &db.services,
            &form(&format!("u{n}@example.org"), "okafor.a"),
            &format!("203.0.113.{n}"),
        )
        .await;
    }
    let error = register(
        &db.services,
        &form("u9@example.org", "OKAFOR.A"),
        "203.0.113.9",
    )
    .await
    .unwrap_err();
    assert!(
        matches!(error, RegistrationError::TooManyForName { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_new_account_is_welcomed_by_email_with_its_username_over_smtp() {
    use std::time::Duration;
    use support::smtp_sink::SmtpSink;
    use threshold_core::mail::Delivered;

    let db = test_db().await;
    let registered = register(&db.services, &form("Ada.Okafor@Example.org", ""), CLIENT)
        .await
        .unwrap();
    assert!(registered.username_was_generated);

    let sink = SmtpSink::start();
    let worker = db.outbox_worker(&sink);
    let delivered = worker.deliver_next().await.unwrap();
    assert!(
        matches!(delivered, Some(Delivered::Sent { .. })),
        "{delivered:?}"
    );
    let mail = sink.wait_for(1, Duration::from_secs(5)).await[0].clone();
    assert_eq!(mail.to, vec!["Ada.Okafor@Example.org".to_owned()]);
    assert_eq!(mail.field("Your username:"), registered.username);
    assert!(mail
        .text()
        .contains("We made your username from your surname."));
    assert!(!mail.text().contains("violet kettle harbour"));
    assert_eq!(worker.deliver_next().await.unwrap(), None, "one email only");
}

#[tokio::test]
async fn a_welcome_email_that_cannot_be_queued_leaves_no_account() {
    let db = test_db().await;
    db.fail_inserts_into("outbox").await;
    let error = register(&db.services, &form("ada@example.org", "Okafor1"), CLIENT)
        .await
        .unwrap_err();
    assert_eq!(error, RegistrationError::Unavailable);
    assert_eq!(count(&db, "accounts").await, 0);
    assert_eq!(count(&db, "login_names").await, 0);
    db.stop_failing("outbox").await;
    register(&db.services, &form("ada@example.org", "Okafor1"), CLIENT)
        .await
        .unwrap();
    assert_eq!(count(&db, "outbox").await, 1);
}
