//! The support console against a real database (SQLite or PostgreSQL) (and a real SMTP
//! server for the reset it sends): who may use it, search by every field,
//! and each action's change, audit record and event.
#![cfg(feature = "server")]

mod support;

use std::time::Duration;

use support::{smtp_sink::SmtpSink, test_db, TestDb};
use threshold_core::{
    accounts::{create_support_user, register, RegistrationForm},
    auth::{login, sessions, LoginError, LoginForm},
    reset::{request_reset, ResetForm, ResetRequester},
    support::{
        account_detail, perform, require_support, search, AccountStatus, SupportAction,
        SupportError, SupportUser,
    },
};

const PASSWORD: &str = "Violet kettle harbour";

struct Console {
    db: TestDb,
    staff: SupportUser,
    /// Ada Okafor, practitioner, GMC 1234567.
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
    let ada = register(
        &db.services,
        &RegistrationForm {
            registration_kind: "GMC".into(),
            registration_number: "1234567".into(),
            ..person("Ada", "Okafor", "ada.okafor@example.org", "dr.okafor")
        },
        "192.0.2.1",
    )
    .await
    .unwrap()
    .account_id;
    db.drop_welcome(ada).await;
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

async fn log_in(db: &TestDb, identifier: &str, password: &str) -> Result<String, LoginError> {
    let form = LoginForm {
        identifier: identifier.into(),
        password: password.into(),
    };
    login(&db.services, &form, "192.0.2.1")
        .await
        .map(|done| done.session_token)
}

async fn found(c: &Console, query: &str) -> Vec<String> {
    search(&c.db.services, &c.staff, query)
        .await
        .unwrap()
        .accounts
        .into_iter()
        .map(|account| account.username)
        .collect()
}

#[tokio::test]
async fn only_support_sessions_get_in() {
    let c = console().await;
    let services = &c.db.services;
    assert_eq!(
        require_support(services, None).await,
        Err(SupportError::NotLoggedIn)
    );
    assert_eq!(
        require_support(services, Some("not-a-session")).await,
        Err(SupportError::NotLoggedIn)
    );
    let practitioner = sessions::start(services, c.ada, false).await.unwrap();
    assert_eq!(
        require_support(services, Some(&practitioner)).await,
        Err(SupportError::Forbidden)
    );
    let admin = register(
        services,
        &RegistrationForm {
            account_type: "practice_admin".into(),
            practice_name: "Riverside Surgery".into(),
            ..person("Pat", "Admin", "pat@example.org", "pat.admin")
        },
        "192.0.2.1",
    )
    .await
    .unwrap()
    .account_id;
    let admin = sessions::start(services, admin, false).await.unwrap();
    assert_eq!(
        require_support(services, Some(&admin)).await,
        Err(SupportError::Forbidden)
    );
    // A support user who logged in with a reset password must choose a
    // new one before anything else.
    let restricted = sessions::start(services, c.staff.account_id, true)
        .await
        .unwrap();
    assert_eq!(
        require_support(services, Some(&restricted)).await,
        Err(SupportError::Forbidden)
    );
}

#[tokio::test]
async fn search_finds_accounts_by_every_field() {
    let c = console().await;
    let services = &c.db.services;
    register(
        services,
        &RegistrationForm {
            account_type: "practice_admin".into(),
            practice_name: "Riverside Surgery".into(),
            ..person("Anna", "Müller", "anna.m@example.org", "")
        },
        "192.0.2.1",
    )
    .await
    .unwrap();
    register(
        services,
        &person("Wei", "Li", "wei@example.org", "wei.li"),
        "192.0.2.1",
    )
    .await
    .unwrap();

    assert_eq!(found(&c, "OKAF").await, ["dr.okafor"], "username, partial");
    assert_eq!(
        found(&c, "ada.okafor@EXAMPLE").await,
        ["dr.okafor"],
        "email"
    );
    assert_eq!(found(&c, "ada").await, ["dr.okafor"], "first name");
    assert_eq!(found(&c, "okafor").await, ["dr.okafor"], "surname");
    assert_eq!(found(&c, "riverside").await.len(), 1, "practice name");
    assert_eq!(found(&c, "muller").await.len(), 1, "accents ignored");
    assert_eq!(found(&c, "Müller").await.len(), 1);
    assert_eq!(
        found(&c, "gmc 123 4567").await,
        ["dr.okafor"],
        "number with spaces"
    );
    assert_eq!(found(&c, "234 56").await, ["dr.okafor"], "part of a number");
    assert_eq!(
        found(&c, "Li").await,
        ["wei.li"],
        "short names as whole words"
    );
    assert!(found(&c, "nobody-like-this").await.is_empty());

    // A previous email, after support changed it.
    perform(
        services,
        &c.staff,
        c.ada,
        &SupportAction::ChangeEmail {
            email: "ada@newpractice.org".into(),
            look_alike_reason: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(found(&c, "ada.okafor@example.org").await, ["dr.okafor"]);
    assert_eq!(found(&c, "newpractice").await, ["dr.okafor"]);

    assert_eq!(
        search(services, &c.staff, "  ").await,
        Err(SupportError::EmptyQuery)
    );
}

#[tokio::test]
async fn results_come_in_name_order_and_a_long_list_stops_at_fifty() {
    let c = console().await;
    // Registered out of name order, capitals mixed; several share a surname
    // so the first name and then the id decide.
    let surnames = ["Walker", "adams", "Okafor", "brown", "Zhou", "evans"];
    let first_names = ["Tom", "amy", "Bea", "carl", "Dan"];
    let mut expected = vec![(
        "okafor".to_owned(),
        "ada".to_owned(),
        0,
        "dr.okafor".to_owned(),
    )];
    for i in 1..=60 {
        let surname = surnames[i % surnames.len()];
        let first_name = first_names[i % first_names.len()];
        let username = format!("person.{i:02}");
        let email = format!("{username}@example.org");
        register(
            &c.db.services,
            &person(first_name, surname, &email, &username),
            &format!("198.51.100.{i}"),
        )
        .await
        .unwrap();
        expected.push((
            surname.to_lowercase(),
            first_name.to_lowercase(),
            i,
            username,
        ));
    }
    expected.sort();
    let in_order: Vec<String> = expected
        .into_iter()
        .map(|(.., username)| username)
        .collect();

    let results = search(&c.db.services, &c.staff, "example.org")
        .await
        .unwrap();
    assert!(results.truncated, "61 matched, 50 listed");
    let listed: Vec<String> = results.accounts.into_iter().map(|a| a.username).collect();
    assert_eq!(listed, in_order[..50]);
}

#[tokio::test]
async fn send_reset_queues_the_email_audits_and_the_person_gets_in() {
    let c = console().await;
    let feed = c.db.services.events.subscribe();
    perform(&c.db.services, &c.staff, c.ada, &SupportAction::SendReset)
        .await
        .unwrap();
    assert!(feed.has_changed().unwrap(), "the live feed was woken");

    let detail = account_detail(&c.db.services, &c.staff, c.ada)
        .await
        .unwrap();
    assert_eq!(detail.audit.len(), 1);
    assert_eq!(detail.audit[0].action, "send_reset");
    assert_eq!(detail.audit[0].actor, "sam.support");
    assert!(detail.audit[0].after.contains("ada.okafor@example.org"));
    assert!(detail.security.reset_expires_at.is_some());
    assert_eq!(detail.deliveries.len(), 1);
    assert_eq!(detail.deliveries[0].status, "queued");
    assert_eq!(
        detail.events.last().map(|e| e.kind.as_str()),
        Some("support_action")
    );

    // Delivered over SMTP; the person logs in with it.
    let sink = SmtpSink::start();
    let worker = c.db.outbox_worker(&sink);
    worker.deliver_next().await.unwrap().unwrap();
    let email = sink.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(email[0].to, ["ada.okafor@example.org"]);
    log_in(&c.db, "dr.okafor", &email[0].field("New password:"))
        .await
        .unwrap();
    let detail = account_detail(&c.db.services, &c.staff, c.ada)
        .await
        .unwrap();
    assert_eq!(detail.deliveries[0].status, "sent");
    assert!(detail.deliveries[0]
        .last_reply
        .as_deref()
        .unwrap_or_default()
        .starts_with("250"));
}

#[tokio::test]
async fn change_email_keeps_the_old_one_in_history_and_keeps_names_unique() {
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
    // A reset already on its way to the old address is withdrawn.
    request_reset(
        services,
        &ResetForm {
            email: "ada.okafor@example.org".into(),
        },
        &ResetRequester::stranger("192.0.2.9"),
    )
    .await
    .unwrap();

    let change = |email: &str| SupportAction::ChangeEmail {
        email: email.into(),
        look_alike_reason: None,
    };
    assert_eq!(
        perform(services, &c.staff, c.ada, &change("BO@example.org")).await,
        Err(SupportError::EmailTaken)
    );
    assert!(matches!(
        perform(services, &c.staff, c.ada, &change("bo.other")).await,
        Err(SupportError::InvalidEmail { .. })
    ));
    assert_eq!(
        perform(services, &c.staff, c.ada, &change("ADA.OKAFOR@example.org")).await,
        Err(SupportError::SameEmail)
    );
    let untouched = account_detail(services, &c.staff, c.ada).await.unwrap();
    assert!(untouched.audit.is_empty() && untouched.email_history.is_empty());

    perform(services, &c.staff, c.ada, &change("ada@newpractice.org"))
        .await
        .unwrap();
    let detail = account_detail(services, &c.staff, c.ada).await.unwrap();
    assert_eq!(detail.summary.email, "ada@newpractice.org");
    assert_eq!(detail.email_history.len(), 1);
    assert_eq!(detail.email_history[0].email, "ada.okafor@example.org");
    assert_eq!(
        detail.email_history[0].changed_by.as_deref(),
        Some("sam.support")
    );
    assert_eq!(detail.audit[0].action, "change_email");
    assert!(detail.audit[0].before.contains("ada.okafor@example.org"));
    assert!(detail.audit[0].after.contains("ada@newpractice.org"));
    assert_eq!(
        detail.security.reset_expires_at, None,
        "the old reset is withdrawn"
    );

    // The old address no longer logs in; the new one does.
    assert_eq!(
        log_in(&c.db, "ada.okafor@example.org", PASSWORD).await,
        Err(LoginError::Incorrect)
    );
    log_in(&c.db, "ADA@newpractice.org", PASSWORD)
        .await
        .unwrap();
    // The old address is free for someone else.
    let ann = register(
        services,
        &person("Ann", "New", "ada.okafor@example.org", ""),
        "192.0.2.1",
    )
    .await
    .unwrap();
    c.db.drop_welcome(ann.account_id).await;
    // The reset queued for the old address is not sent: what goes out is
    // the change's two notices (tested in notices.rs), neither with a
    // password.
    let sink = SmtpSink::start();
    let worker = c.db.outbox_worker(&sink);
    while worker.deliver_next().await.unwrap().is_some() {}
    let mut sent: Vec<String> = sink
        .received()
        .iter()
        .inspect(|mail| assert!(!mail.text().contains("New password:")))
        .flat_map(|mail| mail.to.clone())
        .collect();
    sent.sort();
    assert_eq!(sent, ["ada.okafor@example.org", "ada@newpractice.org"]);
}

#[tokio::test]
async fn unlock_clears_the_lock_and_is_audited() {
    let c = console().await;
    for _ in 0..100 {
        let _ = log_in(&c.db, "dr.okafor", "wrong password here").await;
        c.db.clock.advance(Duration::from_secs(16 * 60));
    }
    assert!(matches!(
        log_in(&c.db, "dr.okafor", PASSWORD).await,
        Err(LoginError::Locked)
    ));
    let before = account_detail(&c.db.services, &c.staff, c.ada)
        .await
        .unwrap();
    assert_eq!(before.security.failed_logins, 100);
    assert!(before.security.locked_at.is_some());

    perform(&c.db.services, &c.staff, c.ada, &SupportAction::Unlock)
        .await
        .unwrap();
    let after = account_detail(&c.db.services, &c.staff, c.ada)
        .await
        .unwrap();
    assert_eq!(after.security.failed_logins, 0);
    assert_eq!(after.security.locked_at, None);
    assert_eq!(after.audit[0].action, "unlock");
    assert!(after.audit[0].before.contains("\"failed_logins\":100"));
    assert_eq!(
        after
            .events
            .last()
            .map(|e| (e.kind.as_str(), e.detail.contains("unlock"))),
        Some(("support_action", true))
    );
    log_in(&c.db, "dr.okafor", PASSWORD).await.unwrap();
}

#[tokio::test]
async fn no_action_happens_without_its_audit_record() {
    let c = console().await;
    let token = log_in(&c.db, "dr.okafor", PASSWORD).await.unwrap();
    // Delayed after failures, so that Unlock applies.
    delay_logins(&c.db, "dr.okafor").await;
    // The audit trail cannot be written (a full disk, a broken table)...
    c.db.fail_inserts_into("audit_log").await;
    for action in [
        SupportAction::Disable,
        SupportAction::Unlock,
        SupportAction::SendReset,
    ] {
        assert_eq!(
            perform(&c.db.services, &c.staff, c.ada, &action).await,
            Err(SupportError::Unavailable),
            "{action:?}"
        );
    }
    // ...so nothing was done: still active, still logged in, no reset.
    assert!(sessions::current_user(&c.db.services, &token)
        .await
        .unwrap()
        .is_some());
    assert_eq!(c.db.scalar("SELECT COUNT(*) FROM pending_resets").await, 0);
    assert_eq!(
        c.db.scalar("SELECT COUNT(*) FROM accounts WHERE status <> 'active'")
            .await,
        0
    );
    assert_eq!(
        c.db.scalar("SELECT COUNT(*) FROM events WHERE kind = 'support_action'")
            .await,
        0
    );
    c.db.stop_failing("audit_log").await;
    perform(&c.db.services, &c.staff, c.ada, &SupportAction::Disable)
        .await
        .unwrap();
    assert_eq!(c.db.scalar("SELECT COUNT(*) FROM audit_log").await, 1);
}

/// Fails logins until the next ones are delayed.
async fn delay_logins(db: &TestDb, identifier: &str) {
    for _ in 0..threshold_core::auth::throttle::FREE_FAILURES {
        let _ = log_in(db, identifier, "wrong password here").await;
    }
    assert!(matches!(
        log_in(db, identifier, "wrong password here").await,
        Err(LoginError::Throttled { .. })
    ));
}

#[tokio::test]
async fn actions_that_do_not_apply_are_refused_with_the_reason_and_change_nothing() {
    let c = console().await;
    let services = &c.db.services;
    assert_eq!(
        perform(services, &c.staff, c.ada, &SupportAction::Unlock).await,
        Err(SupportError::NotLocked)
    );
    assert_eq!(
        perform(services, &c.staff, c.ada, &SupportAction::Enable).await,
        Err(SupportError::AlreadyEnabled)
    );
    assert_eq!(c.db.scalar("SELECT COUNT(*) FROM audit_log").await, 0);

    perform(services, &c.staff, c.ada, &SupportAction::Disable)
        .await
        .unwrap();
    assert_eq!(
        perform(services, &c.staff, c.ada, &SupportAction::Disable).await,
        Err(SupportError::AlreadyDisabled)
    );
    assert_eq!(
        SupportError::AlreadyDisabled.to_string(),
        "The account is already disabled."
    );
    assert_eq!(c.db.scalar("SELECT COUNT(*) FROM audit_log").await, 1);

    // A delay that has run out leaves nothing to unlock.
    perform(services, &c.staff, c.ada, &SupportAction::Enable)
        .await
        .unwrap();
    delay_logins(&c.db, "dr.okafor").await;
    let detail = account_detail(services, &c.staff, c.ada).await.unwrap();
    assert!(detail.state().applies(&SupportAction::Unlock));
    c.db.clock.advance(Duration::from_secs(24 * 60 * 60));
    let detail = account_detail(services, &c.staff, c.ada).await.unwrap();
    assert!(!detail.state().applies(&SupportAction::Unlock));
    assert_eq!(
        perform(services, &c.staff, c.ada, &SupportAction::Unlock).await,
        Err(SupportError::NotLocked)
    );
}

#[tokio::test]
async fn search_results_flag_possible_duplicates_in_both_directions() {
    let c = console().await;
    let services = &c.db.services;
    // Same GMC number as Ada's: registered after the warning.
    let later = register(
        services,
        &RegistrationForm {
            registration_kind: "GMC".into(),
            registration_number: "1234567".into(),
            confirm_possible_duplicate: true,
            ..person("Ada", "Okafor", "ada.two@example.org", "ada.two")
        },
        "192.0.2.1",
    )
    .await
    .unwrap()
    .account_id;
    register(
        services,
        &person("Obi", "Okafor", "obi@example.org", "obi.okafor"),
        "192.0.2.1",
    )
    .await
    .unwrap();
    // Same name: in the order they registered.
    let results = search(services, &c.staff, "okafor").await.unwrap();
    let flags: Vec<(&str, bool)> = results
        .accounts
        .iter()
        .map(|a| (a.username.as_str(), a.possible_duplicate))
        .collect();
    assert_eq!(
        flags,
        [
            ("dr.okafor", true),
            ("ada.two", true),
            ("obi.okafor", false)
        ]
    );
    // The account page agrees.
    let detail = account_detail(services, &c.staff, later).await.unwrap();
    assert_eq!(detail.possible_duplicates.len(), 1);
    assert_eq!(detail.possible_duplicates[0].account_id, c.ada);
    // Only what was asked about is answered; nothing asked, nothing read.
    let flagged = services
        .store
        .possibly_duplicated([later, c.staff.account_id])
        .await
        .unwrap();
    assert_eq!(flagged, [later].into_iter().collect());
    assert!(services
        .store
        .possibly_duplicated(std::iter::empty())
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn disable_ends_sessions_and_refuses_logins_until_enabled() {
    let c = console().await;
    let token = log_in(&c.db, "dr.okafor", PASSWORD).await.unwrap();
    perform(&c.db.services, &c.staff, c.ada, &SupportAction::Disable)
        .await
        .unwrap();
    assert_eq!(
        sessions::current_user(&c.db.services, &token)
            .await
            .unwrap(),
        None,
        "logged out at once"
    );
    assert_eq!(
        log_in(&c.db, "dr.okafor", PASSWORD).await,
        Err(LoginError::Incorrect)
    );
    assert_eq!(
        perform(&c.db.services, &c.staff, c.ada, &SupportAction::SendReset).await,
        Err(SupportError::AccountDisabled)
    );
    let detail = account_detail(&c.db.services, &c.staff, c.ada)
        .await
        .unwrap();
    assert_eq!(detail.summary.status, AccountStatus::Disabled);
    assert_eq!(detail.audit[0].action, "disable");

    perform(&c.db.services, &c.staff, c.ada, &SupportAction::Enable)
        .await
        .unwrap();
    log_in(&c.db, "dr.okafor", PASSWORD).await.unwrap();
    let detail = account_detail(&c.db.services, &c.staff, c.ada)
        .await
        .unwrap();
    let actions: Vec<&str> = detail.audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["enable", "disable"]);
}

/// A colleague's email and passkeys are theirs, one's own account is not
/// acted on from the console, and an unknown account is not found: none
/// of these changes anything or writes an audit record.
#[tokio::test]
async fn own_accounts_colleagues_emails_and_unknown_accounts_are_not_touched() {
    let c = console().await;
    let other_staff = create_support_user(
        &c.db.services,
        &person("Kim", "Staff", "kim@threshold.test", "kim.support"),
    )
    .await
    .unwrap()
    .account_id;
    let change_email = SupportAction::ChangeEmail {
        email: "kim@elsewhere.example.org".into(),
        look_alike_reason: None,
    };
    assert_eq!(
        perform(&c.db.services, &c.staff, other_staff, &change_email).await,
        Err(SupportError::SupportAccount)
    );
    assert_eq!(
        perform(
            &c.db.services,
            &c.staff,
            c.staff.account_id,
            &SupportAction::Disable
        )
        .await,
        Err(SupportError::OwnAccount)
    );
    assert_eq!(
        perform(&c.db.services, &c.staff, 9_999, &SupportAction::Unlock).await,
        Err(SupportError::NotFound)
    );
    assert_eq!(
        account_detail(&c.db.services, &c.staff, 9_999).await,
        Err(SupportError::NotFound)
    );
    assert_eq!(c.db.scalar("SELECT COUNT(*) FROM audit_log").await, 0);
}

#[tokio::test]
async fn the_event_log_carries_what_happened_in_order() {
    let c = console().await;
    let start = c.db.services.store.newest_event_id().await.unwrap();
    let _ = log_in(&c.db, "dr.okafor", "wrong password here").await;
    log_in(&c.db, "Dr.Okafor", "vIOLET KETTLE HARBOUR")
        .await
        .unwrap();
    request_reset(
        &c.db.services,
        &ResetForm {
            email: "ada.okafor@example.org".into(),
        },
        &ResetRequester::stranger("192.0.2.9"),
    )
    .await
    .unwrap();
    let events =
        c.db.services
            .store
            .events_after(start, Some(c.ada), 100)
            .await
            .unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["login_failed", "login_corrected", "reset_requested"]
    );
    assert!(events
        .iter()
        .all(|e| e.username.as_deref() == Some("dr.okafor")));
}

/// A stream reads `id > cursor` and moves its cursor to the last id read,
/// so an event must never become visible after one with a higher id: on
/// PostgreSQL, concurrent transactions take ids in one order and may
/// commit in another.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reader_following_the_log_misses_no_event_written_concurrently() {
    const WRITERS: usize = 8;
    const EACH: usize = 60;
    let db = test_db().await;
    let start = db.services.store.newest_event_id().await.unwrap();
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let services = db.services.clone();
            tokio::spawn(async move {
                for n in 0..EACH {
                    threshold_core::events::record(
                        &services,
                        "login_failed",
                        None,
                        &serde_json::json!({ "writer": writer, "n": n }),
                    )
                    .await;
                }
            })
        })
        .collect();

    let store = db.services.store.clone();
    let reader = tokio::spawn(async move {
        let mut cursor = start;
        let mut seen = Vec::new();
        loop {
            let batch = store.events_after(cursor, None, 200).await.unwrap();
            match batch.last() {
                Some(last) => cursor = last.id,
                None if seen.len() >= WRITERS * EACH => return seen,
                None => tokio::time::sleep(Duration::from_millis(1)).await,
            }
            seen.extend(batch.iter().map(|event| event.id));
        }
    });
    for writer in writers {
        writer.await.unwrap();
    }
    let seen = tokio::time::timeout(Duration::from_secs(5), reader).await;

    let written = db
        .scalar(&format!("SELECT COUNT(*) FROM events WHERE id > {start}"))
        .await;
    assert_eq!(written, (WRITERS * EACH) as i64);
    let seen = seen
        .expect("the reader missed events: it was still waiting for them")
        .unwrap();
    assert_eq!(seen.len(), WRITERS * EACH, "every event read exactly once");
}

/// ASVS 4.1.5, fail securely: when the role check itself fails (here the
/// sessions table is made unreadable, as a broken database would), a
/// support session is refused as "unavailable", never let in; once the
/// fault is gone it gets in again.
#[tokio::test]
async fn a_failing_role_check_refuses() {
    use sqlx::Executor;
    let c = console().await;
    let services = &c.db.services;
    let staff = sessions::start_with_second_factor(services, c.staff.account_id)
        .await
        .unwrap();
    assert!(require_support(services, Some(&staff)).await.is_ok());

    c.db.inspect
        .execute("ALTER TABLE sessions RENAME TO sessions_unreachable")
        .await
        .unwrap();
    assert_eq!(
        require_support(services, Some(&staff)).await,
        Err(SupportError::Unavailable)
    );
    c.db.inspect
        .execute("ALTER TABLE sessions_unreachable RENAME TO sessions")
        .await
        .unwrap();
    assert!(require_support(services, Some(&staff)).await.is_ok());
}

/// A number stored before each kind had its own shape ("GMC1234", typed
/// with its kind and too short for a GMC number today) still loads, and
/// the account page shows it in the one display form, through the wire
/// to the browser as well.
#[tokio::test]
async fn a_stored_number_that_no_longer_validates_still_shows() {
    let c = console().await;
    sqlx::query(
        "INSERT INTO registration_numbers (account_id, kind, number) VALUES ($1, 'GMC', 'GMC1234')",
    )
    .bind(c.ada)
    .execute(&c.db.inspect)
    .await
    .unwrap();
    let detail = account_detail(&c.db.services, &c.staff, c.ada)
        .await
        .unwrap();
    let shown = |detail: &threshold_core::support::AccountDetail| -> Vec<String> {
        detail
            .registration_numbers
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    assert_eq!(shown(&detail), ["GMC 1234567", "GMC GMC1234"]);
    let wire = serde_json::to_string(&detail).unwrap();
    let received: threshold_core::support::AccountDetail = serde_json::from_str(&wire).unwrap();
    assert_eq!(shown(&received), ["GMC 1234567", "GMC GMC1234"]);
}

#[tokio::test]
async fn support_sees_an_accounts_passkeys_and_removes_a_lost_one_audited() {
    use support::authenticator::SoftPasskey;
    use threshold_core::my_account::{add_passkey, start_adding_passkey, AddPasskeyForm};
    let Console { db, staff, ada } = console().await;
    let ada_session = sessions::start(&db.services, ada, false).await.unwrap();
    let ceremony = start_adding_passkey(&db.services, &ada_session, "Phone")
        .await
        .unwrap();
    let (_, answer) = SoftPasskey::register(&ceremony.options);
    add_passkey(
        &db.services,
        &ada_session,
        &AddPasskeyForm {
            ceremony: ceremony.ceremony,
            credential: answer,
        },
    )
    .await
    .unwrap();

    let detail = account_detail(&db.services, &staff, ada).await.unwrap();
    assert_eq!(detail.passkeys.len(), 1);
    assert_eq!(detail.passkeys[0].name, "Phone");
    let remove = SupportAction::RemovePasskey {
        passkey: detail.passkeys[0].id,
        name: "Phone".into(),
    };
    perform(&db.services, &staff, ada, &remove).await.unwrap();
    let detail = account_detail(&db.services, &staff, ada).await.unwrap();
    assert!(detail.passkeys.is_empty());
    assert_eq!(detail.audit[0].action, "remove_passkey");
    assert_eq!(detail.audit[0].actor, "sam.support");
    assert!(
        detail.audit[0].before.contains("Phone"),
        "{}",
        detail.audit[0].before
    );
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'notice_passkey_removed_by_support'")
            .await,
        1
    );
    // Her session was not ended: the password still works.
    assert_eq!(
        db.scalar(&format!(
            "SELECT COUNT(*) FROM sessions WHERE account_id = {ada}"
        ))
        .await,
        1
    );
    assert_eq!(
        perform(&db.services, &staff, ada, &remove)
            .await
            .unwrap_err(),
        SupportError::PasskeyGone
    );
}

#[tokio::test]
async fn support_users_create_and_manage_each_other_but_never_themselves() {
    use threshold_core::support::{create_staff, NewStaffForm};
    let Console { db, staff, ada } = console().await;
    let services = &db.services;
    let form = NewStaffForm {
        first_name: "Kim".into(),
        surname: "Lee".into(),
        email: "kim@threshold.test".into(),
        username: "kim.support".into(),
    };
    let kim = create_staff(services, &staff, &form)
        .await
        .unwrap()
        .account_id;
    // Their username with a one-use password, and their enrolment link.
    for kind in ["password_reset", "support_enrolment"] {
        assert_eq!(
            db.scalar(&format!(
                "SELECT COUNT(*) FROM outbox WHERE account_id = {kim} AND kind = '{kind}'
                    AND recipient = 'kim@threshold.test'"
            ))
            .await,
            1,
            "{kind}"
        );
    }
    let detail = account_detail(services, &staff, kim).await.unwrap();
    let mut actions: Vec<&str> = detail.audit.iter().map(|a| a.action.as_str()).collect();
    actions.sort();
    assert_eq!(
        actions,
        ["create_support_user", "reset_second_factor", "send_reset"]
    );
    assert!(detail
        .audit
        .iter()
        .all(|entry| entry.actor == "sam.support"));
    assert!(matches!(
        create_staff(services, &staff, &form).await,
        Err(SupportError::InvalidStaff { .. })
    ));

    assert_eq!(
        perform(services, &staff, staff.account_id, &SupportAction::Disable).await,
        Err(SupportError::OwnAccount)
    );
    let change_email = SupportAction::ChangeEmail {
        email: "kim.elsewhere@example.org".into(),
        look_alike_reason: None,
    };
    assert_eq!(
        perform(services, &staff, kim, &change_email).await,
        Err(SupportError::SupportAccount)
    );
    assert_eq!(
        perform(services, &staff, ada, &SupportAction::ResetSecondFactor).await,
        Err(SupportError::NotSupportAccount)
    );
    perform(services, &staff, kim, &SupportAction::Disable)
        .await
        .unwrap();
    perform(services, &staff, kim, &SupportAction::Enable)
        .await
        .unwrap();
    let detail = account_detail(services, &staff, kim).await.unwrap();
    assert_eq!(detail.audit.len(), 5);
}

#[tokio::test]
async fn resetting_a_colleagues_second_step_takes_every_factor_and_session_away() {
    use threshold_core::second_factor::{
        codes::totp_code_at, confirm_enrolling_app, issue_enrolment_link, start_enrolling_app,
    };
    let Console { db, staff, .. } = console().await;
    let services = &db.services;
    let kim = create_support_user(
        services,
        &person("Kim", "Lee", "kim@threshold.test", "kim.support"),
    )
    .await
    .unwrap()
    .account_id;
    let link = issue_enrolment_link(services, kim, None).await.unwrap();
    let link = link.split_once("link=").unwrap().1;
    let session = login(
        services,
        &LoginForm {
            identifier: "kim.support".into(),
            password: PASSWORD.into(),
        },
        "192.0.2.9",
    )
    .await
    .unwrap()
    .session_token;
    let secret = start_enrolling_app(services, &session, link)
        .await
        .unwrap()
        .secret
        .replace(' ', "");
    let code = totp_code_at(&secret, db.clock_now()).unwrap();
    confirm_enrolling_app(services, &session, link, &code)
        .await
        .unwrap();
    assert!(require_support(services, Some(&session)).await.is_ok());

    perform(services, &staff, kim, &SupportAction::ResetSecondFactor)
        .await
        .unwrap();
    assert_eq!(
        require_support(services, Some(&session)).await,
        Err(SupportError::NotLoggedIn),
        "their sessions ended"
    );
    for table in ["totp_factors", "recovery_codes", "passkeys"] {
        assert_eq!(
            db.scalar(&format!(
                "SELECT COUNT(*) FROM {table} WHERE account_id = {kim}"
            ))
            .await,
            0,
            "{table}"
        );
    }
    assert_eq!(
        db.scalar(&format!(
            "SELECT COUNT(*) FROM outbox WHERE account_id = {kim} AND kind = 'support_enrolment'
                AND secret IS NOT NULL"
        ))
        .await,
        1
    );
    let again = login(
        services,
        &LoginForm {
            identifier: "kim.support".into(),
            password: PASSWORD.into(),
        },
        "192.0.2.9",
    )
    .await
    .unwrap()
    .session_token;
    assert_eq!(
        require_support(services, Some(&again)).await,
        Err(SupportError::EnrolFirst)
    );
}

#[tokio::test]
async fn the_last_enabled_support_user_is_never_disabled() {
    let Console { db, staff, .. } = console().await;
    let kim = create_support_user(
        &db.services,
        &person("Kim", "Lee", "kim@threshold.test", "kim.support"),
    )
    .await
    .unwrap()
    .account_id;
    // Sam was disabled a moment ago (by Kim, say), while this request of
    // Sam's was already past its check.
    sqlx::query("UPDATE accounts SET status = 'disabled' WHERE id = $1")
        .bind(staff.account_id)
        .execute(&db.inspect)
        .await
        .unwrap();
    assert_eq!(
        perform(&db.services, &staff, kim, &SupportAction::Disable).await,
        Err(SupportError::LastSupportUser)
    );
    assert_eq!(
        db.scalar(&format!(
            "SELECT COUNT(*) FROM accounts WHERE id = {kim} AND status = 'active'"
        ))
        .await,
        1
    );
}
