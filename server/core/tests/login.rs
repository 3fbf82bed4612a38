//! Login against a real database (SQLite or PostgreSQL): names in any case, identical
//! refusals, typo tolerance, throttling, rate limits and sessions.
#![cfg(feature = "server")]

mod support;

use std::time::Duration;

use support::TestDb;
use threshold_core::{
    auth::{login, rate_limit::RateLimit, sessions, LoginError, LoginField, LoginForm},
    hashing::{HashCost, Hasher},
    rules::TypoCorrection,
};

const PASSWORD: &str = "Violet kettle harbour";

/// A database with Ada Okafor (`Dr.Okafor`, `Ada.Okafor@Example.org`).
async fn test_db() -> TestDb {
    let db = support::test_db().await;
    db.create("Ada.Okafor@Example.org", "Dr.Okafor", PASSWORD)
        .await;
    db
}

async fn attempt(db: &TestDb, identifier: &str, password: &str) -> Result<String, LoginError> {
    let form = LoginForm {
        identifier: identifier.into(),
        password: password.into(),
    };
    login(&db.services, &form, "192.0.2.1")
        .await
        .map(|logged_in| logged_in.session_token)
}

#[tokio::test]
async fn the_username_or_the_email_logs_in_in_any_letter_case() {
    let db = test_db().await;
    for identifier in [
        "Dr.Okafor",
        "dr.okafor",
        "DR.OKAFOR",
        "ada.okafor@example.org",
        " ADA.OKAFOR@EXAMPLE.ORG ",
    ] {
        attempt(&db, identifier, PASSWORD)
            .await
            .unwrap_or_else(|error| panic!("{identifier}: {error:?}"));
    }
}

#[tokio::test]
async fn an_unknown_name_and_a_wrong_password_get_the_same_answer() {
    let db = test_db().await;
    let unknown = attempt(&db, "nobody@example.org", PASSWORD)
        .await
        .unwrap_err();
    let wrong = attempt(&db, "dr.okafor", "Violet kettle harbor")
        .await
        .unwrap_err();
    assert_eq!(unknown, LoginError::Incorrect);
    assert_eq!(unknown, wrong);
    assert_eq!(
        unknown.to_string(),
        "Your username/email or password is incorrect."
    );
}

#[tokio::test]
async fn a_disabled_account_gets_the_same_answer_even_with_the_right_password() {
    let db = test_db().await;
    sqlx::query("UPDATE accounts SET status = 'disabled'")
        .execute(&db.inspect)
        .await
        .unwrap();
    assert_eq!(
        attempt(&db, "dr.okafor", PASSWORD).await.unwrap_err(),
        LoginError::Incorrect
    );
}

#[tokio::test]
async fn caps_lock_and_a_flipped_first_letter_are_accepted_and_recorded() {
    let db = test_db().await;
    let cases = [
        ("vIOLET KETTLE HARBOUR", TypoCorrection::CapsLockInverted),
        (
            "violet kettle harbour",
            TypoCorrection::FirstLetterCaseFlipped,
        ),
    ];
    for (typed, expected) in cases {
        let form = LoginForm {
            identifier: "dr.okafor".into(),
            password: typed.into(),
        };
        let logged_in = login(&db.services, &form, "192.0.2.1").await.unwrap();
        assert_eq!(logged_in.correction, Some(expected), "{typed}");
    }
    let exact = login(
        &db.services,
        &LoginForm {
            identifier: "dr.okafor".into(),
            password: PASSWORD.into(),
        },
        "192.0.2.1",
    )
    .await
    .unwrap();
    assert_eq!(exact.correction, None);
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM events WHERE kind = 'login_corrected'")
            .await,
        2
    );
}

#[tokio::test]
async fn any_other_difference_is_refused() {
    let db = test_db().await;
    for typed in [
        "Violet kettle harbouR",  // last letter's case
        "Violet Kettle harbour",  // an inner letter's case
        "VIOLET KETTLE HARBOUR",  // all upper: not the inversion of this password
        "Violet kettle harbour ", // a trailing space
        "Violet kettle harbou",   // a letter missing
    ] {
        assert_eq!(
            attempt(&db, "dr.okafor", typed).await.unwrap_err(),
            LoginError::Incorrect,
            "{typed}"
        );
    }
}

#[tokio::test]
async fn apostrophes_from_any_keyboard_match() {
    let db = test_db().await;
    db.create("curly@example.org", "curly", "it\u{2019}s my kettle now")
        .await;
    db.create("straight@example.org", "straight", "it's my kettle now")
        .await;
    attempt(&db, "curly", "it's my kettle now").await.unwrap();
    attempt(&db, "straight", "it\u{2019}s my kettle now")
        .await
        .unwrap();
    attempt(&db, "straight", "it\u{02BC}s my kettle now")
        .await
        .unwrap();
}

#[tokio::test]
async fn five_failures_in_a_row_delay_the_next_attempt_and_success_resets() {
    let db = test_db().await;
    for _ in 0..5 {
        assert_eq!(
            attempt(&db, "dr.okafor", "wrong password")
                .await
                .unwrap_err(),
            LoginError::Incorrect
        );
    }
    // Even the right password is not heard while the delay runs.
    assert_eq!(
        attempt(&db, "dr.okafor", PASSWORD).await.unwrap_err(),
        LoginError::Throttled {
            retry_after_seconds: 30
        }
    );
    db.clock.advance(Duration::from_secs(31));
    attempt(&db, "dr.okafor", PASSWORD).await.unwrap();
    assert_eq!(db.scalar("SELECT failed_logins FROM accounts").await, 0);
}

#[tokio::test]
async fn guesses_sent_at_once_are_heard_no_more_than_the_free_five() {
    let db = test_db().await;
    // Each guess from its own address, so only the per-name rule applies.
    let guesses = (0..20).map(|i| {
        let services = db.services.clone();
        tokio::spawn(async move {
            let form = LoginForm {
                identifier: "dr.okafor".into(),
                password: format!("wrong guess {i}"),
            };
            login(&services, &form, &format!("203.0.113.{i}")).await
        })
    });
    let mut heard = 0;
    let mut delayed = 0;
    for guess in guesses.collect::<Vec<_>>() {
        match guess.await.unwrap().unwrap_err() {
            LoginError::Incorrect => heard += 1,
            LoginError::Throttled { .. } => delayed += 1,
            other => panic!("unexpected answer {other:?}"),
        }
    }
    assert_eq!((heard, delayed), (5, 15));
    assert_eq!(db.scalar("SELECT failed_logins FROM accounts").await, 5);
}

#[tokio::test]
async fn the_delay_doubles_with_each_further_failure() {
    let db = test_db().await;
    for _ in 0..5 {
        attempt(&db, "dr.okafor", "wrong password")
            .await
            .unwrap_err();
    }
    db.clock.advance(Duration::from_secs(31));
    attempt(&db, "dr.okafor", "wrong again").await.unwrap_err();
    assert_eq!(
        attempt(&db, "dr.okafor", PASSWORD).await.unwrap_err(),
        LoginError::Throttled {
            retry_after_seconds: 60
        }
    );
}

#[tokio::test]
async fn the_hundredth_failure_locks_until_unlocked() {
    let db = test_db().await;
    sqlx::query("UPDATE accounts SET failed_logins = 99")
        .execute(&db.inspect)
        .await
        .unwrap();
    attempt(&db, "dr.okafor", "wrong password")
        .await
        .unwrap_err();
    db.clock.advance(Duration::from_secs(24 * 3600));
    assert_eq!(
        attempt(&db, "dr.okafor", PASSWORD).await.unwrap_err(),
        LoginError::Locked
    );
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM events WHERE kind = 'login_locked'")
            .await,
        1
    );
}

#[tokio::test]
async fn unknown_names_are_throttled_like_real_ones() {
    let db = test_db().await;
    for _ in 0..5 {
        attempt(&db, "ghost@example.org", "wrong password")
            .await
            .unwrap_err();
    }
    assert_eq!(
        attempt(&db, "GHOST@example.org", "wrong password")
            .await
            .unwrap_err(),
        LoginError::Throttled {
            retry_after_seconds: 30
        }
    );
}

#[tokio::test]
async fn one_address_is_rate_limited_whatever_names_it_tries() {
    let mut db = test_db().await;
    db.services.login_rate = RateLimit {
        burst: 3,
        refill_ms: 10_000,
    };
    for name in ["a1", "a2", "a3"] {
        attempt(&db, name, "wrong password").await.unwrap_err();
    }
    assert_eq!(
        attempt(&db, "dr.okafor", PASSWORD).await.unwrap_err(),
        LoginError::RateLimited {
            retry_after_seconds: 10
        }
    );
    // Another address is not affected.
    let form = LoginForm {
        identifier: "dr.okafor".into(),
        password: PASSWORD.into(),
    };
    login(&db.services, &form, "198.51.100.7").await.unwrap();
    db.clock.advance(Duration::from_secs(10));
    attempt(&db, "dr.okafor", PASSWORD).await.unwrap();
}

#[tokio::test]
async fn each_login_gets_a_new_session_and_logout_ends_it_server_side() {
    let db = test_db().await;
    let first = attempt(&db, "dr.okafor", PASSWORD).await.unwrap();
    let second = attempt(&db, "dr.okafor", PASSWORD).await.unwrap();
    assert_ne!(first, second);
    assert!(first.len() >= 43, "256-bit token: {first}");

    let user = sessions::current_user(&db.services, &first)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.username, "Dr.Okafor");
    sessions::end(&db.services, &first).await.unwrap();
    assert!(sessions::current_user(&db.services, &first)
        .await
        .unwrap()
        .is_none());
    assert!(sessions::current_user(&db.services, &second)
        .await
        .unwrap()
        .is_some());
    // Only a hash of the token is stored.
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE token_hash = $1")
        .bind(&second)
        .fetch_one(&db.inspect)
        .await
        .unwrap();
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn sessions_end_after_idle_time_and_after_the_absolute_limit() {
    let db = test_db().await;
    let idle = attempt(&db, "dr.okafor", PASSWORD).await.unwrap();
    db.clock.advance(Duration::from_secs(31 * 60));
    assert!(sessions::current_user(&db.services, &idle)
        .await
        .unwrap()
        .is_none());

    let busy = attempt(&db, "dr.okafor", PASSWORD).await.unwrap();
    let mut minutes = 0;
    while sessions::current_user(&db.services, &busy)
        .await
        .unwrap()
        .is_some()
    {
        assert!(
            minutes <= 12 * 60,
            "a busy session outlived the 12-hour limit"
        );
        db.clock.advance(Duration::from_secs(29 * 60));
        minutes += 29;
    }
    // Kept busy every 29 minutes, it ended at the first check past 12 hours.
    assert!(
        (12 * 60..12 * 60 + 29).contains(&minutes),
        "ended after {minutes} min"
    );
}

#[tokio::test]
async fn a_weaker_stored_hash_is_replaced_at_login() {
    let mut db = test_db().await;
    let before: String = sqlx::query_scalar("SELECT password_hash FROM accounts")
        .fetch_one(&db.inspect)
        .await
        .unwrap();
    db.services.hasher = Hasher::new(HashCost {
        memory_kib: 128,
        iterations: 2,
        parallelism: 1,
    })
    .unwrap();
    attempt(&db, "dr.okafor", PASSWORD).await.unwrap();
    let after: String = sqlx::query_scalar("SELECT password_hash FROM accounts")
        .fetch_one(&db.inspect)
        .await
        .unwrap();
    assert!(before.contains("m=64,t=1"), "{before}");
    assert!(after.contains("m=128,t=2"), "{after}");
    attempt(&db, "dr.okafor", PASSWORD).await.unwrap();
}

#[tokio::test]
async fn blank_fields_are_named() {
    let db = test_db().await;
    let error = attempt(&db, "  ", PASSWORD).await.unwrap_err();
    assert_eq!(error.to_string(), "Enter your username or email address.");
    let error = attempt(&db, "dr.okafor", "").await.unwrap_err();
    assert_eq!(error.to_string(), "Enter your password.");
    // Both empty: both are named, not only the first.
    let error = attempt(&db, "", "").await.unwrap_err();
    assert_eq!(
        error,
        LoginError::Missing {
            fields: vec![LoginField::Identifier, LoginField::Password]
        }
    );
}

#[tokio::test]
async fn the_per_name_throttle_is_the_per_target_limit_from_any_address_by_any_name() {
    let db = test_db().await;
    // A real account's username and email, in any case, from five networks:
    // one count.
    let names = [
        "dr.okafor",
        "ADA.OKAFOR@example.org",
        "Dr.Okafor",
        "ada.okafor@example.org",
        "DR.OKAFOR",
    ];
    for (n, name) in names.iter().enumerate() {
        let form = LoginForm {
            identifier: (*name).into(),
            password: "wrong password".into(),
        };
        assert_eq!(
            login(&db.services, &form, &format!("203.0.113.{n}"))
                .await
                .unwrap_err(),
            LoginError::Incorrect
        );
    }
    let form = LoginForm {
        identifier: "ada.okafor@example.org".into(),
        password: PASSWORD.into(),
    };
    assert_eq!(
        login(&db.services, &form, "198.51.100.99")
            .await
            .unwrap_err(),
        LoginError::Throttled {
            retry_after_seconds: 30
        }
    );
    // An unknown name the same, so the answer tells nothing.
    for n in 0..5 {
        let form = LoginForm {
            identifier: "ghost@example.org".into(),
            password: "wrong password".into(),
        };
        login(&db.services, &form, &format!("192.0.2.{n}"))
            .await
            .unwrap_err();
    }
    let form = LoginForm {
        identifier: "Ghost@Example.org".into(),
        password: "wrong password".into(),
    };
    assert_eq!(
        login(&db.services, &form, "198.51.100.98")
            .await
            .unwrap_err(),
        LoginError::Throttled {
            retry_after_seconds: 30
        }
    );
}

/// ASVS 2.1.2/2.1.3: a long password is accepted and hashed whole, not
/// cut at some length: passwords of 64, 72 (where bcrypt would stop) and
/// 256 characters (the longest registration accepts) log in, and the same
/// password with only its last character changed does not.
#[tokio::test]
async fn a_long_password_is_hashed_whole() {
    let db = support::test_db().await;
    let longest = threshold_core::rules::password::MAX_PASSWORD_CHARS;
    for (n, length) in [64, 72, longest].into_iter().enumerate() {
        // Words and spaces, so no rule but length is in play; the last
        // character is where truncation would lose the difference.
        let stem: String = "copper lantern meadow harbour "
            .chars()
            .cycle()
            .take(length - 1)
            .collect();
        let password = format!("{stem}x");
        let username = format!("long{n}");
        db.create(&format!("{username}@example.org"), &username, &password)
            .await;
        attempt(&db, &username, &password)
            .await
            .unwrap_or_else(|error| panic!("{length} characters: {error:?}"));
        for changed in [format!("{stem}y"), format!("{stem}xz"), stem.clone()] {
            assert_eq!(
                attempt(&db, &username, &changed).await.unwrap_err(),
                LoginError::Incorrect,
                "{length} characters: a different password was accepted"
            );
        }
    }
}
