//! The notices of support's actions and of a lock, against a real database
//! (SQLite or PostgreSQL) and a real SMTP server: each goes to the right
//! address with what happened, when, by whom and what to do; each is
//! queued with its change, so a refused or failed change sends nothing;
//! a lock is told exactly once, also when two attempts lock it at once.
#![cfg(feature = "server")]

mod support;

use std::time::Duration;

use support::{smtp_sink::SmtpSink, test_db, TestDb};
use threshold_core::{
    accounts::{create_support_user, register, RegistrationForm},
    auth::{login, sessions, LoginError, LoginForm},
    clock::utc_text,
    mail::Delivered,
    my_account::{change_password, ChangePasswordForm, MyAccountError},
    support::{perform, require_support, SupportAction, SupportError, SupportUser},
};

const PASSWORD: &str = "Violet kettle harbour";
const ADA: &str = "ada.okafor@example.org";
const NEW_ADDRESS: &str = "nadia.okafor@newpractice.org";
/// What a guesser types.
const GUESS: &str = "Tulip granite 4471";

struct Console {
    db: TestDb,
    staff: SupportUser,
    /// Ada Okafor, practitioner, dr.okafor.
    ada: i64,
}

async fn console() -> Console {
    let db = test_db().await;
    let staff_id = create_support_user(
        &db.services,
        &person("Sam", "Staff", "sam@threshold.test", "sam.support"),
    )
    .await
    .unwrap()
    .account_id;
    let ada = db.create(ADA, "dr.okafor", PASSWORD).await;
    let token = sessions::start_with_second_factor(&db.services, staff_id)
        .await
        .unwrap();
    let staff = require_support(&db.services, Some(&token)).await.unwrap();
    Console { db, staff, ada }
}

fn person(first: &str, surname: &str, email: &str, username: &str) -> RegistrationForm {
    RegistrationForm {
        first_name: first.into(),
        surname: surname.into(),
        email: email.into(),
        username: username.into(),
        account_type: "practitioner".into(),
        password: PASSWORD.into(),
        ..RegistrationForm::default()
    }
}

async fn attempt(db: &TestDb, password: &str, client: &str) -> Result<String, LoginError> {
    let form = LoginForm {
        identifier: "dr.okafor".into(),
        password: password.into(),
    };
    login(&db.services, &form, client)
        .await
        .map(|done| done.session_token)
}

/// One delivered email: to whom, its subject, its text and HTML.
#[derive(Debug)]
struct Mail {
    to: Vec<String>,
    subject: String,
    text: String,
    html: String,
}

/// Delivers everything queued over SMTP; answers what arrived, in order.
async fn deliver_all(db: &TestDb, sink: &SmtpSink) -> Vec<Mail> {
    let before = sink.received().len();
    let worker = db.outbox_worker(sink);
    let mut sent = 0;
    while let Some(delivered) = worker.deliver_next().await.unwrap() {
        assert!(matches!(delivered, Delivered::Sent { .. }), "{delivered:?}");
        sent += 1;
    }
    sink.wait_for(before + sent, Duration::from_secs(5))
        .await
        .into_iter()
        .skip(before)
        .map(|received| {
            let subject = mail_parser::MessageParser::default()
                .parse(&received.raw)
                .and_then(|message| message.subject().map(str::to_owned))
                .unwrap_or_default();
            Mail {
                to: received.to.clone(),
                subject,
                text: received.text(),
                html: received.html(),
            }
        })
        .collect()
}

async fn queued(db: &TestDb, kind: &str) -> i64 {
    db.scalar(&format!(
        "SELECT COUNT(*) FROM outbox WHERE kind = '{kind}'"
    ))
    .await
}

/// What every notice of a staff action says and does not say.
fn from_support(mail: &Mail, when: &str) {
    for part in [&mail.text, &mail.html] {
        assert!(part.contains("Threshold support"), "{part}");
        assert!(part.contains(when), "{part}");
        assert!(part.contains("/contact-support"), "{part}");
        // Never the staff member, never a password.
        assert!(
            !part.contains("sam.support") && !part.contains("Sam"),
            "{part}"
        );
        assert!(!part.contains(PASSWORD) && !part.contains("New password:"));
    }
    assert!(mail.text.starts_with("Hello Ada,"), "{}", mail.text);
}

#[tokio::test]
async fn support_changing_the_email_tells_the_old_address_masked_and_the_new_one() {
    let c = console().await;
    let sink = SmtpSink::start();
    let when = utc_text(c.db.clock_now());
    perform(
        &c.db.services,
        &c.staff,
        c.ada,
        &SupportAction::ChangeEmail {
            email: NEW_ADDRESS.into(),
            look_alike_reason: None,
        },
    )
    .await
    .unwrap();

    let mail = deliver_all(&c.db, &sink).await;
    assert_eq!(mail.len(), 2, "{mail:?}");
    let old = mail
        .iter()
        .find(|m| m.to == [ADA])
        .expect("to the old address");
    from_support(old, &when);
    assert_eq!(
        old.subject,
        "The email address of your Threshold account was changed"
    );
    assert!(
        old.text.contains("changed by Threshold support"),
        "{}",
        old.text
    );
    assert!(old.text.contains("to n•••@newpractice.org"), "{}", old.text);
    for part in [&old.text, &old.html] {
        assert!(
            !part.contains("nadia"),
            "the old mailbox does not learn the new address"
        );
    }
    assert!(old.text.contains("contact support at once"));

    let new = mail
        .iter()
        .find(|m| m.to == [NEW_ADDRESS])
        .expect("to the new address");
    from_support(new, &when);
    assert_eq!(
        new.subject,
        "This address is now the email for your Threshold account"
    );
    assert!(new
        .text
        .contains("This address is now the email for your Threshold account"));
    assert!(new.text.contains("\"Forgotten password\""));

    // Both rows belong to the account (the console lists them).
    assert_eq!(
        c.db.scalar(&format!(
            "SELECT COUNT(*) FROM outbox WHERE account_id = {} AND kind LIKE 'notice_%'",
            c.ada
        ))
        .await,
        2
    );
}

#[tokio::test]
async fn a_refused_or_failed_support_action_queues_nothing() {
    let c = console().await;
    let services = &c.db.services;
    let bo = register(
        services,
        &person("Bo", "Other", "bo@example.org", "bo.other"),
        "192.0.2.1",
    )
    .await
    .unwrap();
    c.db.drop_welcome(bo.account_id).await;
    let change = |email: &str| SupportAction::ChangeEmail {
        email: email.into(),
        look_alike_reason: None,
    };
    assert_eq!(
        perform(services, &c.staff, c.ada, &change("BO@example.org")).await,
        Err(SupportError::EmailTaken)
    );
    assert_eq!(
        perform(services, &c.staff, c.ada, &change(ADA)).await,
        Err(SupportError::SameEmail)
    );
    assert_eq!(
        perform(services, &c.staff, c.ada, &SupportAction::Unlock).await,
        Err(SupportError::NotLocked)
    );
    assert_eq!(
        perform(services, &c.staff, c.ada, &SupportAction::Enable).await,
        Err(SupportError::AlreadyEnabled)
    );
    // The audit record cannot be written: the whole action is undone,
    // its notices with it.
    c.db.fail_inserts_into("audit_log").await;
    for action in [SupportAction::Disable, change(NEW_ADDRESS)] {
        assert_eq!(
            perform(services, &c.staff, c.ada, &action).await,
            Err(SupportError::Unavailable),
            "{action:?}"
        );
    }
    c.db.stop_failing("audit_log").await;
    assert_eq!(c.db.scalar("SELECT COUNT(*) FROM outbox").await, 0);
}

#[tokio::test]
async fn disable_enable_and_unlock_each_tell_the_account_address() {
    let c = console().await;
    let services = &c.db.services;
    let sink = SmtpSink::start();

    let when = utc_text(c.db.clock_now());
    perform(services, &c.staff, c.ada, &SupportAction::Disable)
        .await
        .unwrap();
    let mail = deliver_all(&c.db, &sink).await;
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert_eq!(mail[0].to, [ADA]);
    assert_eq!(mail[0].subject, "Your Threshold account was disabled");
    from_support(&mail[0], &when);
    assert!(mail[0].text.contains("was disabled by Threshold support"));

    c.db.clock.advance(Duration::from_secs(3600));
    let when = utc_text(c.db.clock_now());
    perform(services, &c.staff, c.ada, &SupportAction::Enable)
        .await
        .unwrap();
    let mail = deliver_all(&c.db, &sink).await;
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert_eq!(mail[0].to, [ADA]);
    assert_eq!(mail[0].subject, "Your Threshold account was enabled again");
    from_support(&mail[0], &when);
    assert!(mail[0].text.contains("Forgotten password"));

    // Locked (set directly: the lock's own notice is tested below).
    c.db.clock.advance(Duration::from_secs(3600));
    sqlx::query("UPDATE accounts SET failed_logins = 100, locked_at = $1 WHERE id = $2")
        .bind(c.db.clock_now())
        .bind(c.ada)
        .execute(&c.db.inspect)
        .await
        .unwrap();
    let when = utc_text(c.db.clock_now());
    perform(services, &c.staff, c.ada, &SupportAction::Unlock)
        .await
        .unwrap();
    let mail = deliver_all(&c.db, &sink).await;
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert_eq!(mail[0].to, [ADA]);
    assert_eq!(mail[0].subject, "Your Threshold account was unlocked");
    from_support(&mail[0], &when);
    assert!(mail[0].text.contains("unlocked by Threshold support"));
    assert!(mail[0].text.contains("Forgotten password"));
}

#[tokio::test]
async fn support_sending_a_reset_sends_the_reset_email_and_no_notice() {
    let c = console().await;
    perform(&c.db.services, &c.staff, c.ada, &SupportAction::SendReset)
        .await
        .unwrap();
    assert_eq!(c.db.scalar("SELECT COUNT(*) FROM outbox").await, 1);
    assert_eq!(queued(&c.db, "password_reset").await, 1);
}

/// Puts the account one failure short of the lock, with no delay running.
async fn at_99_failures(db: &TestDb, account_id: i64) {
    sqlx::query(
        "UPDATE accounts SET failed_logins = 99, throttled_until = NULL, locked_at = NULL
          WHERE id = $1",
    )
    .bind(account_id)
    .execute(&db.inspect)
    .await
    .unwrap();
}

#[tokio::test]
async fn the_hundredth_failure_tells_the_owner_once_and_the_hundred_and_first_does_not() {
    let c = console().await;
    let sink = SmtpSink::start();
    at_99_failures(&c.db, c.ada).await;
    assert_eq!(
        attempt(&c.db, GUESS, "198.51.100.7").await,
        Err(LoginError::Incorrect)
    );
    assert_eq!(queued(&c.db, "notice_locked").await, 1);
    let when = utc_text(c.db.clock_now());

    // Later attempts are refused and tell no one again, the right password
    // included.
    c.db.clock.advance(Duration::from_secs(24 * 3600));
    for password in [GUESS, PASSWORD] {
        assert_eq!(
            attempt(&c.db, password, "198.51.100.8").await,
            Err(LoginError::Locked)
        );
    }
    assert_eq!(queued(&c.db, "notice_locked").await, 1);

    let mail = deliver_all(&c.db, &sink).await;
    assert_eq!(mail.len(), 1, "{mail:?}");
    let notice = &mail[0];
    assert_eq!(notice.to, [ADA]);
    assert_eq!(notice.subject, "Your Threshold account is locked");
    for part in [&notice.text, &notice.html] {
        assert!(part.contains(&when), "{part}");
        assert!(part.contains("after 100 attempts in a row"), "{part}");
        assert!(part.contains("the address 198.51.100.7"), "{part}");
        assert!(part.contains("Forgotten password"), "{part}");
        assert!(part.contains("unlocks your account"), "{part}");
        assert!(part.contains("/contact-support"), "{part}");
        assert!(!part.contains(PASSWORD) && !part.contains(GUESS));
    }

    // Unlocked, and locked again: a new lock, a new notice.
    perform(&c.db.services, &c.staff, c.ada, &SupportAction::Unlock)
        .await
        .unwrap();
    at_99_failures(&c.db, c.ada).await;
    attempt(&c.db, "wrong password", "198.51.100.9")
        .await
        .unwrap_err();
    assert_eq!(queued(&c.db, "notice_locked").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundredth_failures_at_once_tell_the_owner_once() {
    let db = test_db().await;
    let ada = db.create(ADA, "dr.okafor", PASSWORD).await;
    at_99_failures(&db, ada).await;
    let (first, second) = tokio::join!(
        attempt(&db, "wrong password one", "198.51.100.1"),
        attempt(&db, "wrong password two", "198.51.100.2"),
    );
    let mut answers = [first.unwrap_err(), second.unwrap_err()];
    answers.sort_by_key(|answer| format!("{answer:?}"));
    // One was charged (and locked it), the other found it locked.
    assert_eq!(answers, [LoginError::Incorrect, LoginError::Locked]);
    assert_eq!(queued(&db, "notice_locked").await, 1);
    assert_eq!(
        db.scalar("SELECT failed_logins FROM accounts WHERE locked_at IS NOT NULL")
            .await,
        100
    );
}

#[tokio::test]
async fn a_lock_by_wrong_current_passwords_on_my_account_is_told_too() {
    let db = test_db().await;
    let ada = db.create(ADA, "dr.okafor", PASSWORD).await;
    let token = attempt(&db, PASSWORD, "203.0.113.9").await.unwrap();
    at_99_failures(&db, ada).await;
    let form = ChangePasswordForm {
        current_password: "not my password".into(),
        new_password: "Copper lantern meadow".into(),
    };
    assert_eq!(
        change_password(&db.services, &token, &form).await,
        Err(MyAccountError::WrongPassword)
    );
    assert_eq!(
        change_password(&db.services, &token, &form).await,
        Err(MyAccountError::Locked)
    );
    assert_eq!(queued(&db, "notice_locked").await, 1);
    let recipient: String =
        sqlx::query_scalar("SELECT recipient FROM outbox WHERE kind = 'notice_locked'")
            .fetch_one(&db.inspect)
            .await
            .unwrap();
    assert_eq!(recipient, ADA);
}

#[tokio::test]
async fn a_disabled_account_that_locks_is_not_told() {
    let c = console().await;
    perform(&c.db.services, &c.staff, c.ada, &SupportAction::Disable)
        .await
        .unwrap();
    at_99_failures(&c.db, c.ada).await;
    assert_eq!(
        attempt(&c.db, "wrong password", "198.51.100.7").await,
        Err(LoginError::Incorrect)
    );
    assert_eq!(
        c.db.scalar("SELECT COUNT(*) FROM accounts WHERE locked_at IS NOT NULL")
            .await,
        1,
        "locked all the same"
    );
    assert_eq!(queued(&c.db, "notice_locked").await, 0);
}

#[tokio::test]
async fn an_unknown_name_locking_queues_nothing() {
    let db = test_db().await;
    for _ in 0..100 {
        let _ = login(
            &db.services,
            &LoginForm {
                identifier: "ghost@example.org".into(),
                password: "wrong password".into(),
            },
            "198.51.100.3",
        )
        .await;
        db.clock.advance(Duration::from_secs(16 * 60));
    }
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM unknown_login_failures WHERE locked_at IS NOT NULL")
            .await,
        1
    );
    assert_eq!(db.scalar("SELECT COUNT(*) FROM outbox").await, 0);
}
