//! Forgotten password against a real database (SQLite or PostgreSQL) and a real SMTP
//! server on a TCP port: the email, its password, only the latest working,
//! once, for 24 hours; delivery that survives SMTP failures; limits.
#![cfg(feature = "server")]

mod support;

use std::time::Duration;

use support::{
    smtp_sink::{Mode, Received, SmtpSink},
    TestDb,
};
use threshold_core::{
    accounts::{create_support_user, RegistrationForm},
    auth::{devices, login, rate_limit::RateLimit, sessions, CurrentUser, LoginError, LoginForm},
    mail::{Delivered, DeliveryPolicy, MailTransport, OutboxWorker},
    reset::{
        choose_password, request_reset, ChoosePasswordError, ChoosePasswordForm, ResetError,
        ResetForm, ResetRequested, ResetRequester,
    },
    rules::{GuessHint, PasswordProblem},
    support::{perform, require_support, SupportAction},
};

const PASSWORD: &str = "Violet kettle harbour";
const EMAIL: &str = "Ada.Okafor@Example.org";
const FROM: &str = "Threshold <no-reply@threshold.test>";

async fn test_db() -> TestDb {
    let db = support::test_db().await;
    db.create(EMAIL, "Dr.Okafor", PASSWORD).await;
    db
}

fn worker(db: &TestDb, smtp_url: &str) -> OutboxWorker {
    let transport = MailTransport::smtp(smtp_url, FROM, Duration::from_secs(5)).unwrap();
    OutboxWorker::new(db.services.clone(), transport, DeliveryPolicy::default())
}

async fn ask(db: &TestDb, email: &str) -> Result<ResetRequested, ResetError> {
    let form = ResetForm {
        email: email.into(),
    };
    request_reset(&db.services, &form, &ResetRequester::stranger("192.0.2.1")).await
}

async fn log_in(
    db: &TestDb,
    identifier: &str,
    password: &str,
) -> Result<(String, CurrentUser), LoginError> {
    let form = LoginForm {
        identifier: identifier.into(),
        password: password.into(),
    };
    login(&db.services, &form, "192.0.2.1")
        .await
        .map(|logged_in| (logged_in.session_token, logged_in.user))
}

/// Requests a reset and delivers it; returns what arrived.
async fn reset_email(db: &TestDb, sink: &SmtpSink) -> Received {
    let before = sink.received().len();
    ask(db, EMAIL).await.unwrap();
    let delivered = worker(db, &sink.url()).deliver_next().await.unwrap();
    assert!(
        matches!(delivered, Some(Delivered::Sent { .. })),
        "{delivered:?}"
    );
    sink.wait_for(before + 1, Duration::from_secs(5)).await[before].clone()
}

#[tokio::test]
async fn the_email_arrives_over_smtp_and_its_username_and_password_log_in() {
    let db = test_db().await;
    let sink = SmtpSink::start();
    let email = reset_email(&db, &sink).await;

    assert_eq!(email.to, vec![EMAIL.to_owned()]);
    let username = email.field("Your username:");
    let password = email.field("New password:");
    assert_eq!(username, "Dr.Okafor");
    assert!(email.text().contains("your current password still"));
    assert!(email.html().contains(&password));

    let (token, user) = log_in(&db, &username, &password).await.unwrap();
    assert!(user.must_change_password);
    let chosen = choose_password(
        &db.services,
        &token,
        &ChoosePasswordForm {
            password: "Copper lantern meadow".into(),
        },
    )
    .await
    .unwrap();
    assert!(!chosen.user.must_change_password);
    // The restricted session is over; the new one is a full session.
    assert_eq!(
        sessions::current_user(&db.services, &token).await.unwrap(),
        None
    );
    let now = sessions::current_user(&db.services, &chosen.session_token)
        .await
        .unwrap()
        .unwrap();
    assert!(!now.must_change_password);
    log_in(&db, "dr.okafor", "Copper lantern meadow")
        .await
        .unwrap();
    assert_eq!(
        log_in(&db, "dr.okafor", PASSWORD).await.unwrap_err(),
        LoginError::Incorrect
    );

    // Delivered: the attempt and the server's reply are on record, and the
    // password is no longer stored anywhere.
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM outbox WHERE status = 'sent' AND secret IS NULL")
            .await,
        1
    );
    let reply: String =
        sqlx::query_scalar("SELECT reply FROM outbox_attempts WHERE outcome = 'sent'")
            .fetch_one(&db.inspect)
            .await
            .unwrap();
    assert!(reply.starts_with("250"), "{reply}");
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM events WHERE kind = 'email_sent'")
            .await,
        1
    );
}

#[tokio::test]
async fn only_the_latest_reset_works_and_the_own_password_keeps_working_until_then() {
    let db = test_db().await;
    let sink = SmtpSink::start();
    let first = reset_email(&db, &sink).await.field("New password:");
    let second = reset_email(&db, &sink).await.field("New password:");
    assert_ne!(first, second);

    // A stranger's request locks nobody out.
    log_in(&db, "dr.okafor", PASSWORD).await.unwrap();
    assert_eq!(
        log_in(&db, "dr.okafor", &first).await.unwrap_err(),
        LoginError::Incorrect
    );
    let (_, user) = log_in(&db, "dr.okafor", &second).await.unwrap();
    assert!(user.must_change_password);
    // Once only.
    assert_eq!(
        log_in(&db, "dr.okafor", &second).await.unwrap_err(),
        LoginError::Incorrect
    );
    // Until a new password is chosen, the own one still works.
    log_in(&db, "dr.okafor", PASSWORD).await.unwrap();
}

#[tokio::test]
async fn a_reset_password_expires_after_24_hours() {
    let db = test_db().await;
    let sink = SmtpSink::start();
    let password = reset_email(&db, &sink).await.field("New password:");
    db.clock.advance(Duration::from_secs(24 * 3600 + 1));
    assert_eq!(
        log_in(&db, EMAIL, &password).await.unwrap_err(),
        LoginError::Incorrect
    );

    let password = reset_email(&db, &sink).await.field("New password:");
    db.clock.advance(Duration::from_secs(23 * 3600));
    log_in(&db, EMAIL, &password).await.unwrap();
}

#[tokio::test]
async fn a_reset_password_is_forgiven_capitals_and_spaces() {
    let db = test_db().await;
    let sink = SmtpSink::start();
    let password = reset_email(&db, &sink).await.field("New password:");
    let phone = {
        let mut chars = password.chars();
        let first = chars.next().unwrap().to_uppercase().to_string();
        first + chars.as_str()
    };
    let spaced = password.replace('-', " ").to_uppercase();
    log_in(&db, "dr.okafor", &phone).await.unwrap();
    let again = reset_email(&db, &sink).await.field("New password:");
    log_in(&db, "dr.okafor", &again.replace('-', " ").to_uppercase())
        .await
        .unwrap();
    assert_ne!(spaced, "");
}

#[tokio::test]
async fn a_reset_password_opens_a_locked_account_and_clears_its_counters() {
    let db = test_db().await;
    let sink = SmtpSink::start();
    sqlx::query("UPDATE accounts SET failed_logins = 100, locked_at = 1")
        .execute(&db.inspect)
        .await
        .unwrap();
    assert_eq!(
        log_in(&db, "dr.okafor", PASSWORD).await.unwrap_err(),
        LoginError::Locked
    );
    let password = reset_email(&db, &sink).await.field("New password:");
    // A wrong reset-shaped password on a locked account is still refused.
    assert_eq!(
        log_in(&db, "dr.okafor", "2345-6789-abcd-efgh-jkmn")
            .await
            .unwrap_err(),
        LoginError::Locked
    );
    log_in(&db, "dr.okafor", &password).await.unwrap();
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM accounts WHERE locked_at IS NULL AND failed_logins = 0")
            .await,
        1
    );
    log_in(&db, "dr.okafor", PASSWORD).await.unwrap();
}

#[tokio::test]
async fn an_unknown_address_gets_the_same_answer_and_nothing_is_queued() {
    let db = test_db().await;
    let unknown = ask(&db, " nobody@example.org ").await;
    assert_eq!(
        unknown,
        Ok(ResetRequested {
            address: "nobody@example.org".into()
        })
    );
    assert_eq!(db.scalar("SELECT COUNT(*) FROM outbox").await, 0);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM pending_resets").await, 0);
    // The account's address, typed in another case: the same answer, and
    // this time an email is queued.
    assert_eq!(
        ask(&db, "ADA.OKAFOR@EXAMPLE.ORG").await,
        Ok(ResetRequested {
            address: "ADA.OKAFOR@EXAMPLE.ORG".into()
        })
    );
    assert_eq!(db.scalar("SELECT COUNT(*) FROM outbox").await, 1);
}

#[tokio::test]
async fn a_bad_address_is_refused_next_to_the_field_and_changes_nothing() {
    let db = test_db().await;
    for typed in [
        "",
        "   ",
        "ada.okafor",
        "ada@@example.org",
        &"a".repeat(100_000),
    ] {
        assert!(
            matches!(ask(&db, typed).await, Err(ResetError::InvalidEmail { .. })),
            "{typed:.20}"
        );
    }
    assert_eq!(db.scalar("SELECT COUNT(*) FROM reset_requests").await, 0);
}

#[tokio::test]
async fn three_requests_an_hour_per_address_whether_or_not_it_has_an_account() {
    let db = test_db().await;
    for address in [EMAIL, "nobody@example.org"] {
        for _ in 0..3 {
            ask(&db, address).await.unwrap();
        }
        assert_eq!(
            ask(&db, address).await,
            Err(ResetError::TooManyForAddress {
                retry_after_seconds: 3600
            }),
            "{address}"
        );
    }
    assert_eq!(db.scalar("SELECT COUNT(*) FROM outbox").await, 3);
    db.clock.advance(Duration::from_secs(3600));
    ask(&db, EMAIL).await.unwrap();
    assert_eq!(db.scalar("SELECT COUNT(*) FROM outbox").await, 4);
}

#[tokio::test]
async fn one_network_address_is_rate_limited_across_email_addresses() {
    let db = test_db().await;
    for n in 0..10 {
        ask(&db, &format!("person{n}@example.org")).await.unwrap();
    }
    assert_eq!(
        ask(&db, "person10@example.org").await,
        Err(ResetError::RateLimited {
            retry_after_seconds: 360
        })
    );
}

#[tokio::test]
async fn smtp_down_keeps_the_message_queued_and_it_is_delivered_when_smtp_returns() {
    let db = test_db().await;
    let port = SmtpSink::unused_port();
    let worker = worker(&db, &format!("smtp://127.0.0.1:{port}"));
    ask(&db, EMAIL).await.unwrap();

    let Some(Delivered::Retrying { at, .. }) = worker.deliver_next().await.unwrap() else {
        panic!("expected a retry");
    };
    assert_eq!(at - db.clock_now(), 30_000);
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM outbox WHERE status = 'queued' AND secret IS NOT NULL")
            .await,
        1
    );
    assert_eq!(worker.deliver_next().await.unwrap(), None, "not due yet");

    // Still down 30 s later: the wait doubles.
    db.clock.advance(Duration::from_secs(30));
    let Some(Delivered::Retrying { at, .. }) = worker.deliver_next().await.unwrap() else {
        panic!("expected a retry");
    };
    assert_eq!(at - db.clock_now(), 60_000);

    // The server comes back, but refuses for a while (451).
    let sink = SmtpSink::start_on_port(port);
    sink.set_mode(Mode::Refuse);
    db.clock.advance(Duration::from_secs(60));
    assert!(matches!(
        worker.deliver_next().await.unwrap(),
        Some(Delivered::Retrying { .. })
    ));

    sink.set_mode(Mode::Accept);
    db.clock.advance(Duration::from_secs(120));
    assert!(matches!(
        worker.deliver_next().await.unwrap(),
        Some(Delivered::Sent { .. })
    ));
    let email = sink.wait_for(1, Duration::from_secs(5)).await;
    log_in(&db, "dr.okafor", &email[0].field("New password:"))
        .await
        .unwrap();

    let attempts: Vec<(String, String)> =
        sqlx::query_as("SELECT outcome, reply FROM outbox_attempts ORDER BY id")
            .fetch_all(&db.inspect)
            .await
            .unwrap();
    let outcomes: Vec<&str> = attempts.iter().map(|(o, _)| o.as_str()).collect();
    assert_eq!(outcomes, ["failed", "failed", "failed", "sent"]);
    assert!(
        attempts[0].1.to_lowercase().contains("connect"),
        "{}",
        attempts[0].1
    );
    assert!(attempts[2].1.contains("451"), "{}", attempts[2].1);
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM events WHERE kind = 'email_failed'")
            .await,
        3
    );
}

#[tokio::test]
async fn a_permanent_refusal_abandons_at_once_and_erases_the_password() {
    let db = test_db().await;
    let sink = SmtpSink::start();
    sink.set_mode(Mode::Reject);
    let worker = worker(&db, &sink.url());
    ask(&db, EMAIL).await.unwrap();
    assert!(matches!(
        worker.deliver_next().await.unwrap(),
        Some(Delivered::Abandoned { .. })
    ));
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM outbox WHERE status = 'abandoned' AND secret IS NULL")
            .await,
        1
    );
    let reply: String = sqlx::query_scalar("SELECT reply FROM outbox_attempts")
        .fetch_one(&db.inspect)
        .await
        .unwrap();
    assert!(reply.contains("550"), "{reply}");
    assert!(sink.received().is_empty());
}

#[tokio::test]
async fn too_many_failures_abandon_and_erase_the_password() {
    let db = test_db().await;
    let port = SmtpSink::unused_port();
    let transport = MailTransport::smtp(
        &format!("smtp://127.0.0.1:{port}"),
        FROM,
        Duration::from_secs(5),
    )
    .unwrap();
    let policy = DeliveryPolicy {
        max_attempts: 2,
        ..DeliveryPolicy::default()
    };
    let worker = OutboxWorker::new(db.services.clone(), transport, policy);
    ask(&db, EMAIL).await.unwrap();
    assert!(matches!(
        worker.deliver_next().await.unwrap(),
        Some(Delivered::Retrying { .. })
    ));
    db.clock.advance(Duration::from_secs(30));
    assert!(matches!(
        worker.deliver_next().await.unwrap(),
        Some(Delivered::Abandoned { .. })
    ));
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM outbox WHERE status = 'abandoned' AND secret IS NULL")
            .await,
        1
    );
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM events WHERE kind = 'email_abandoned'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_mail_server_that_stops_answering_does_not_hold_the_worker() {
    let db = test_db().await;
    let sink = SmtpSink::start();
    sink.set_mode(Mode::Slow(Duration::from_secs(4)));
    let transport = MailTransport::smtp(&sink.url(), FROM, Duration::from_secs(1)).unwrap();
    let worker = OutboxWorker::new(db.services.clone(), transport, DeliveryPolicy::default());
    ask(&db, EMAIL).await.unwrap();

    let started = std::time::Instant::now();
    assert!(matches!(
        worker.deliver_next().await.unwrap(),
        Some(Delivered::Retrying { .. })
    ));
    // Generous bound: the point is that it ends, not how fast.
    assert!(started.elapsed() < Duration::from_secs(3));
    let reply: String = sqlx::query_scalar("SELECT reply FROM outbox_attempts")
        .fetch_one(&db.inspect)
        .await
        .unwrap();
    assert!(reply.contains("no answer"), "{reply}");
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM outbox WHERE status = 'queued' AND secret IS NOT NULL")
            .await,
        1
    );
}

#[tokio::test]
async fn a_reset_replaced_before_it_was_sent_is_not_sent() {
    let db = test_db().await;
    let sink = SmtpSink::start();
    ask(&db, EMAIL).await.unwrap();
    ask(&db, EMAIL).await.unwrap();
    let worker = worker(&db, &sink.url());
    assert!(matches!(
        worker.deliver_next().await.unwrap(),
        Some(Delivered::Superseded { .. })
    ));
    assert!(matches!(
        worker.deliver_next().await.unwrap(),
        Some(Delivered::Sent { .. })
    ));
    let received = sink.wait_for(1, Duration::from_secs(5)).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(sink.received().len(), 1);
    log_in(&db, "dr.okafor", &received[0].field("New password:"))
        .await
        .unwrap();
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM outbox WHERE secret IS NOT NULL")
            .await,
        0
    );
}

#[tokio::test]
async fn two_workers_never_send_the_same_message() {
    let db = support::test_db().await;
    for n in 0..30 {
        let email = format!("person{n}@example.org");
        db.create(&email, &format!("person{n}"), PASSWORD).await;
        let form = ResetForm { email };
        // Different client addresses: this is about workers, not limits.
        request_reset(
            &db.services,
            &form,
            &ResetRequester::stranger(&format!("192.0.2.{n}")),
        )
        .await
        .unwrap();
    }
    let sink = SmtpSink::start();
    let run = |worker: OutboxWorker| async move {
        let mut sent = 0;
        while let Some(delivered) = worker.deliver_next().await.unwrap() {
            assert!(matches!(delivered, Delivered::Sent { .. }), "{delivered:?}");
            sent += 1;
        }
        sent
    };
    let (a, b) = tokio::join!(
        tokio::spawn(run(worker(&db, &sink.url()))),
        tokio::spawn(run(worker(&db, &sink.url())))
    );
    assert_eq!(a.unwrap() + b.unwrap(), 30);
    let received = sink.wait_for(30, Duration::from_secs(10)).await;
    let mut ids: Vec<String> = received.iter().map(Received::message_id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 30, "a message was sent twice");
}

#[tokio::test]
async fn a_message_whose_worker_died_is_claimed_again_after_its_lease() {
    let db = test_db().await;
    let sink = SmtpSink::start();
    ask(&db, EMAIL).await.unwrap();
    // A worker claims it and dies before finishing.
    let claimed = db
        .services
        .store
        .claim_message("dead-worker", db.clock_now(), 120_000)
        .await
        .unwrap();
    assert!(claimed.is_some());
    let worker = worker(&db, &sink.url());
    assert_eq!(
        worker.deliver_next().await.unwrap(),
        None,
        "the lease still holds"
    );
    db.clock.advance(Duration::from_secs(121));
    assert!(matches!(
        worker.deliver_next().await.unwrap(),
        Some(Delivered::Sent { .. })
    ));
    sink.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(db.scalar("SELECT attempts FROM outbox").await, 2);
}

#[tokio::test]
async fn choosing_a_password_needs_a_reset_session_and_a_password_that_keeps_the_rules() {
    let db = test_db().await;
    let sink = SmtpSink::start();
    let (ordinary, _) = log_in(&db, "dr.okafor", PASSWORD).await.unwrap();
    let form = |password: &str| ChoosePasswordForm {
        password: password.into(),
    };
    assert_eq!(
        choose_password(&db.services, &ordinary, &form("Copper lantern meadow"))
            .await
            .unwrap_err(),
        ChoosePasswordError::NotRequired
    );
    assert_eq!(
        choose_password(
            &db.services,
            "no-such-token",
            &form("Copper lantern meadow")
        )
        .await
        .unwrap_err(),
        ChoosePasswordError::NotLoggedIn
    );
    let password = reset_email(&db, &sink).await.field("New password:");
    let (token, _) = log_in(&db, "dr.okafor", &password).await.unwrap();
    let refused = choose_password(&db.services, &token, &form("Zq8 vk tw mp4x"))
        .await
        .unwrap_err();
    assert_eq!(
        refused,
        ChoosePasswordError::Invalid {
            problems: vec![PasswordProblem::TooShort { min: 15 }]
        }
    );
    let refused = choose_password(&db.services, &token, &form("dr.okafor is ada.okafor"))
        .await
        .unwrap_err();
    let ChoosePasswordError::Invalid { problems } = refused else {
        panic!("{refused:?}");
    };
    for broken in [
        PasswordProblem::ContainsUsername,
        PasswordProblem::ContainsEmailName,
    ] {
        assert!(problems.contains(&broken), "{problems:?}");
    }
    // On the breached list, and on the estimator's: each its own reason.
    for (weak, reason) in [
        ("passwordpassword", PasswordProblem::Breached),
        (
            "abcabcabcabcabc",
            PasswordProblem::TooGuessable {
                hint: GuessHint::Repeats,
            },
        ),
    ] {
        assert_eq!(
            choose_password(&db.services, &token, &form(weak))
                .await
                .unwrap_err(),
            ChoosePasswordError::Invalid {
                problems: vec![reason]
            },
            "{weak}"
        );
    }
    // Nothing changed: the own password still works.
    log_in(&db, "dr.okafor", PASSWORD).await.unwrap();
}

/// A reset request from a browser with these cookies.
async fn ask_from(
    db: &TestDb,
    email: &str,
    client: &str,
    device_token: Option<&str>,
    session_token: Option<&str>,
) -> Result<ResetRequested, ResetError> {
    let form = ResetForm {
        email: email.into(),
    };
    let requester = ResetRequester {
        client_address: client,
        device_token,
        session_token,
    };
    request_reset(&db.services, &form, &requester).await
}

/// Logs in as Ada from a new browser and gives it the known-device token a
/// login gives (what the login server function does).
async fn owners_device(db: &TestDb) -> (String, String) {
    let (session, user) = log_in(db, "dr.okafor", PASSWORD).await.unwrap();
    let device = devices::remember(&db.services, user.account_id, None)
        .await
        .unwrap();
    (device, session)
}

/// Strangers, from three networks, use up the address's hour.
async fn strangers_use_up_the_hour(db: &TestDb) {
    for n in 0..3 {
        ask_from(db, EMAIL, &format!("203.0.113.{n}"), None, None)
            .await
            .unwrap();
    }
    assert!(matches!(
        ask_from(db, EMAIL, "203.0.113.9", None, None).await,
        Err(ResetError::TooManyForAddress { .. })
    ));
}

async fn queued_resets(db: &TestDb) -> i64 {
    db.scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'password_reset'")
        .await
}

#[tokio::test]
async fn a_stranger_using_up_the_hour_does_not_stop_the_owners_own_request() {
    let db = test_db().await;
    let (device, session) = owners_device(&db).await;
    strangers_use_up_the_hour(&db).await;
    assert_eq!(queued_resets(&db).await, 3);

    // From the owner's known device (logged out: no session), the same
    // words as anyone's answer, and the reset is issued.
    let answer = ask_from(&db, EMAIL, "198.51.100.7", Some(&device), None).await;
    assert_eq!(
        answer,
        Ok(ResetRequested {
            address: EMAIL.into()
        })
    );
    assert_eq!(queued_resets(&db).await, 4);
    // Logged in, without the device cookie: the session shows the owner.
    ask_from(&db, EMAIL, "198.51.100.8", None, Some(&session))
        .await
        .unwrap();
    assert_eq!(queued_resets(&db).await, 5);
    // Support sees which requests came from the owner's own browser.
    assert_eq!(
        db.scalar(
            "SELECT COUNT(*) FROM events
              WHERE kind = 'reset_requested' AND detail LIKE '%\"by_owner\":true%'"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn the_owners_own_allowance_is_three_an_hour_too() {
    let db = test_db().await;
    let (device, _) = owners_device(&db).await;
    for _ in 0..3 {
        ask_from(&db, EMAIL, "198.51.100.7", Some(&device), None)
            .await
            .unwrap();
    }
    let refused = ask_from(&db, EMAIL, "198.51.100.7", Some(&device), None)
        .await
        .unwrap_err();
    assert_eq!(
        refused,
        ResetError::TooManyForAddress {
            retry_after_seconds: 3600
        }
    );
    assert_eq!(queued_resets(&db).await, 3);
    // Strangers' allowance is their own: the owner did not use it up.
    ask_from(&db, EMAIL, "203.0.113.1", None, None)
        .await
        .unwrap();
    assert_eq!(queued_resets(&db).await, 4);
    db.clock.advance(Duration::from_secs(3600));
    ask_from(&db, EMAIL, "198.51.100.7", Some(&device), None)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_unknown_or_another_accounts_device_counts_as_a_stranger() {
    let db = test_db().await;
    let other = db.create("bea@example.org", "bea.smith", PASSWORD).await;
    let beas_device = devices::remember(&db.services, other, None).await.unwrap();
    let (beas_session, _) = log_in(&db, "bea.smith", PASSWORD).await.unwrap();
    strangers_use_up_the_hour(&db).await;

    for (device, session) in [
        (Some("made-up-token"), None),
        (Some(beas_device.as_str()), None),
        (None, Some(beas_session.as_str())),
        (None, Some("no-such-session")),
    ] {
        assert!(
            matches!(
                ask_from(&db, EMAIL, "198.51.100.7", device, session).await,
                Err(ResetError::TooManyForAddress { .. })
            ),
            "{device:?} {session:?}"
        );
    }
    assert_eq!(queued_resets(&db).await, 3);

    // A token the server never issued is not adopted at login: the browser
    // gets a fresh one, so nobody can choose a device's token for it.
    let ada = log_in(&db, "dr.okafor", PASSWORD)
        .await
        .unwrap()
        .1
        .account_id;
    let given = devices::remember(&db.services, ada, Some("made-up-token"))
        .await
        .unwrap();
    assert_ne!(given, "made-up-token");
    // One browser used for two accounts keeps one token, known to both.
    let shared = devices::remember(&db.services, ada, Some(&beas_device))
        .await
        .unwrap();
    assert_eq!(shared, beas_device);
    ask_from(&db, EMAIL, "198.51.100.7", Some(&shared), None)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_device_unused_for_a_year_is_a_stranger_again() {
    let db = test_db().await;
    let (device, _) = owners_device(&db).await;
    db.clock
        .advance(Duration::from_secs(devices::DEVICE_MAX_AGE_SECONDS + 60));
    strangers_use_up_the_hour(&db).await;
    assert!(matches!(
        ask_from(&db, EMAIL, "198.51.100.7", Some(&device), None).await,
        Err(ResetError::TooManyForAddress { .. })
    ));
}

#[tokio::test]
async fn a_busy_network_does_not_stop_the_owners_own_request() {
    let db = test_db().await;
    let (device, _) = owners_device(&db).await;
    for n in 0..10 {
        ask_from(&db, &format!("p{n}@example.org"), "192.0.2.50", None, None)
            .await
            .unwrap();
    }
    assert!(matches!(
        ask_from(&db, EMAIL, "192.0.2.50", None, None).await,
        Err(ResetError::RateLimited { .. })
    ));
    ask_from(&db, EMAIL, "192.0.2.50", Some(&device), None)
        .await
        .unwrap();
}

#[tokio::test]
async fn support_sends_a_reset_when_strangers_have_used_up_the_hour() {
    let db = test_db().await;
    let staff = create_support_user(
        &db.services,
        &RegistrationForm {
            first_name: "Sam".into(),
            surname: "Staff".into(),
            email: "sam@threshold.test".into(),
            username: "sam.support".into(),
            password: PASSWORD.into(),
            ..RegistrationForm::default()
        },
    )
    .await
    .unwrap()
    .account_id;
    let token = sessions::start_with_second_factor(&db.services, staff)
        .await
        .unwrap();
    let staff = require_support(&db.services, Some(&token)).await.unwrap();
    let ada = log_in(&db, "dr.okafor", PASSWORD)
        .await
        .unwrap()
        .1
        .account_id;
    strangers_use_up_the_hour(&db).await;
    perform(&db.services, &staff, ada, &SupportAction::SendReset)
        .await
        .unwrap();
    assert_eq!(queued_resets(&db).await, 4);
}

#[tokio::test]
async fn choosing_a_password_is_limited_per_account_whatever_the_session() {
    let mut db = test_db().await;
    db.services.reset_policy.choose_per_account = RateLimit {
        burst: 2,
        refill_ms: 60_000,
    };
    let ada = log_in(&db, "dr.okafor", PASSWORD)
        .await
        .unwrap()
        .1
        .account_id;
    let weak = ChoosePasswordForm {
        password: "short".into(),
    };
    let first = sessions::start(&db.services, ada, true).await.unwrap();
    for _ in 0..2 {
        assert!(matches!(
            choose_password(&db.services, &first, &weak).await,
            Err(ChoosePasswordError::Invalid { .. })
        ));
    }
    let limited = ChoosePasswordError::RateLimited {
        retry_after_seconds: 60,
    };
    assert_eq!(
        choose_password(&db.services, &first, &weak)
            .await
            .unwrap_err(),
        limited
    );
    assert_eq!(
        limited.to_string(),
        "Too many attempts at a new password. Try again in 1 minute."
    );
    // A second reset session of the account shares the allowance.
    let second = sessions::start(&db.services, ada, true).await.unwrap();
    assert_eq!(
        choose_password(&db.services, &second, &weak)
            .await
            .unwrap_err(),
        limited
    );
    db.clock.advance(Duration::from_secs(60));
    let chosen = ChoosePasswordForm {
        password: "Copper lantern meadow".into(),
    };
    choose_password(&db.services, &second, &chosen)
        .await
        .unwrap();
}

/// ASVS 3.3.3: choosing a new password ends every other session of the
/// account, not only the reset-password session it was chosen in.
#[tokio::test]
async fn choosing_a_password_ends_the_accounts_other_sessions() {
    let db = test_db().await;
    let sink = SmtpSink::start();
    let (on_laptop, _) = log_in(&db, "dr.okafor", PASSWORD).await.unwrap();
    let (on_phone, _) = log_in(&db, EMAIL, PASSWORD).await.unwrap();
    for token in [&on_laptop, &on_phone] {
        assert!(sessions::current_user(&db.services, token)
            .await
            .unwrap()
            .is_some());
    }
    // Someone else's session, which must outlive the change.
    db.create("grace@example.org", "g.hopper", PASSWORD).await;
    let (someone_else, _) = log_in(&db, "g.hopper", PASSWORD).await.unwrap();

    let password = reset_email(&db, &sink).await.field("New password:");
    let (reset_session, _) = log_in(&db, "dr.okafor", &password).await.unwrap();
    let chosen = choose_password(
        &db.services,
        &reset_session,
        &ChoosePasswordForm {
            password: "Copper lantern meadow".into(),
        },
    )
    .await
    .unwrap();

    for token in [&on_laptop, &on_phone, &reset_session] {
        assert_eq!(
            sessions::current_user(&db.services, token).await.unwrap(),
            None,
            "a session from before the change is still open"
        );
    }
    assert!(sessions::current_user(&db.services, &chosen.session_token)
        .await
        .unwrap()
        .is_some());
    assert!(sessions::current_user(&db.services, &someone_else)
        .await
        .unwrap()
        .is_some());
    let open = db
        .scalar(&format!(
            "SELECT COUNT(*) FROM sessions WHERE account_id = {}",
            chosen.user.account_id
        ))
        .await;
    assert_eq!(open, 1, "only the session the password was chosen in");
}
