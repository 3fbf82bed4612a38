//! Retention against a real database (SQLite or PostgreSQL): for each kind
//! of row the sweeper deletes, one just past its expiry goes and one just
//! before stays; live sessions, throttling, buckets and pending resets
//! survive; the audit trail survives; two sweepers at once both succeed.
#![cfg(feature = "server")]

mod support;

use std::time::Duration;

use support::{test_db, TestDb};
use threshold_core::{
    accounts::{create_support_user, RegistrationForm},
    auth::{
        devices::{self, DEVICE_UNUSED_EXPIRY_MS},
        login,
        rate_limit::RateLimit,
        sessions, LoginError, LoginForm,
    },
    events::record,
    mail::{Delivered, DeliveryPolicy, MailTransport, OutboxWorker},
    reset::{request_reset, ResetForm, ResetRequester},
    retention::{sweep, SweepReport},
    store::Store,
    support::{account_detail, perform, require_support, SupportAction},
    Services,
};

const PASSWORD: &str = "Violet kettle harbour";
const DAY: Duration = Duration::from_secs(24 * 3600);
const MS: Duration = Duration::from_millis(1);

fn person(first: &str, email: &str, username: &str) -> RegistrationForm {
    RegistrationForm {
        first_name: first.into(),
        surname: "Okafor".into(),
        email: email.into(),
        username: username.into(),
        account_type: "practitioner".into(),
        password: PASSWORD.into(),
        ..RegistrationForm::default()
    }
}

/// Ada number `n`, without the welcome email (which would stand in the
/// outbox beside the resets these tests count).
async fn account(db: &TestDb, n: u32) -> i64 {
    db.create(&format!("ada{n}@example.org"), &format!("ada{n}"), PASSWORD)
        .await
}

async fn sweep_now(db: &TestDb) -> SweepReport {
    sweep(&db.services).await.unwrap()
}

async fn count(db: &TestDb, table: &str) -> i64 {
    db.scalar(&format!("SELECT COUNT(*) FROM {table}")).await
}

async fn fail_login(services: &Services, name: &str) -> LoginError {
    let form = LoginForm {
        identifier: name.into(),
        password: "not the password at all".into(),
    };
    // A client address of its own per name, so the per-address limit never
    // decides the answer.
    login(services, &form, &format!("client-of-{name}"))
        .await
        .unwrap_err()
}

#[tokio::test]
async fn a_session_past_its_idle_time_is_swept_and_one_just_within_it_is_kept() {
    let db = test_db().await;
    let ada = account(&db, 1).await;
    let idle = db.services.session_policy.idle_ms;
    let ending = sessions::start(&db.services, ada, false).await.unwrap();
    db.clock.advance(MS);
    let live = sessions::start(&db.services, ada, false).await.unwrap();
    // The first was last seen `idle` + 1 ms ago, the second exactly `idle`.
    db.clock
        .advance(Duration::from_millis(u64::try_from(idle).unwrap()));

    let report = sweep_now(&db).await;
    assert_eq!(report.sessions, 1, "{report:?}");
    assert_eq!(count(&db, "sessions").await, 1);
    assert!(sessions::current_user(&db.services, &live)
        .await
        .unwrap()
        .is_some());
    assert!(sessions::current_user(&db.services, &ending)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn a_session_past_its_lifetime_is_swept_however_active_and_a_younger_one_is_kept() {
    let db = test_db().await;
    let ada = account(&db, 1).await;
    let lifetime = db.services.session_policy.absolute_ms;
    let outlived = sessions::start(&db.services, ada, false).await.unwrap();
    db.clock.advance(MS);
    let younger = sessions::start(&db.services, ada, false).await.unwrap();
    // Both in use all along: a request every 20 minutes.
    let step = Duration::from_secs(20 * 60);
    let mut elapsed = 0;
    while elapsed + 20 * 60_000 < lifetime {
        db.clock.advance(step);
        elapsed += 20 * 60_000;
        for token in [&outlived, &younger] {
            assert!(sessions::current_user(&db.services, token)
                .await
                .unwrap()
                .is_some());
        }
    }
    // The first started `lifetime` + 1 ms ago, the second exactly `lifetime`.
    db.clock.advance(Duration::from_millis(
        u64::try_from(lifetime - elapsed).unwrap(),
    ));

    let report = sweep_now(&db).await;
    assert_eq!(report.sessions, 1, "{report:?}");
    assert!(sessions::current_user(&db.services, &younger)
        .await
        .unwrap()
        .is_some());
    assert_eq!(count(&db, "sessions").await, 1);
}

#[tokio::test]
async fn the_support_page_counts_only_sessions_that_still_let_someone_in() {
    let db = test_db().await;
    let staff_id = create_support_user(
        &db.services,
        &person("Sam", "sam@threshold.test", "sam.support"),
    )
    .await
    .unwrap()
    .account_id;
    let token = sessions::start_with_second_factor(&db.services, staff_id)
        .await
        .unwrap();
    let staff = require_support(&db.services, Some(&token)).await.unwrap();
    let ada = account(&db, 1).await;
    sessions::start(&db.services, ada, false).await.unwrap();
    sessions::start(&db.services, ada, true).await.unwrap();
    let open = |detail: threshold_core::support::AccountDetail| {
        (
            detail.security.active_sessions,
            detail.security.must_change_password,
        )
    };
    let detail = account_detail(&db.services, &staff, ada).await.unwrap();
    assert_eq!(open(detail), (2, true));

    // Past the idle time, before any sweep: the rows are there, and the
    // page no longer counts them.
    let idle = db.services.session_policy.idle_ms;
    db.clock
        .advance(Duration::from_millis(u64::try_from(idle + 1).unwrap()));
    assert_eq!(count(&db, "sessions").await, 3);
    let detail = account_detail(&db.services, &staff, ada).await.unwrap();
    assert_eq!(open(detail), (0, false));
}

#[tokio::test]
async fn an_unknown_names_counter_is_forgotten_only_when_quiet_for_its_period_and_holding_nothing()
{
    let db = test_db().await;
    let mut services = db.services.clone();
    services.retention.unknown_name_ms = 10 * 60_000;
    let period = services.retention.unknown_name_ms;

    fail_login(&services, "quiet.name").await;
    db.clock.advance(MS);
    fail_login(&services, "later.name").await;
    // Five failures: the fifth starts a 30 s delay.
    for _ in 0..5 {
        fail_login(&services, "delayed.name").await;
    }
    fail_login(&services, "locked.name").await;
    sqlx::query("UPDATE unknown_login_failures SET locked_at = $1 WHERE name_key = 'locked.name'")
        .bind(db.clock_now())
        .execute(&db.inspect)
        .await
        .unwrap();
    // "quiet.name" failed `period` + 1 ms ago, "later.name" exactly
    // `period`; "delayed.name"'s delay is long over.
    db.clock
        .advance(Duration::from_millis(u64::try_from(period).unwrap()));

    let report = sweep(&services).await.unwrap();
    assert_eq!(report.unknown_names, 1, "{report:?}");
    let left: Vec<String> =
        sqlx::query_scalar("SELECT name_key FROM unknown_login_failures ORDER BY name_key")
            .fetch_all(&db.inspect)
            .await
            .unwrap();
    assert_eq!(left, ["delayed.name", "later.name", "locked.name"]);

    // A running delay is never forgotten, however long ago the failure.
    sqlx::query(
        "UPDATE unknown_login_failures SET throttled_until = $1 WHERE name_key = 'delayed.name'",
    )
    .bind(db.clock_now() + 2 * 86_400_000)
    .execute(&db.inspect)
    .await
    .unwrap();
    db.clock.advance(DAY);
    let report = sweep(&services).await.unwrap();
    assert_eq!(report.unknown_names, 1, "only later.name: {report:?}");
    assert!(matches!(
        fail_login(&services, "locked.name").await,
        LoginError::Locked
    ));
    db.clock.advance(30 * DAY);
    sweep(&services).await.unwrap();
    let left: Vec<String> =
        sqlx::query_scalar("SELECT name_key FROM unknown_login_failures ORDER BY name_key")
            .fetch_all(&db.inspect)
            .await
            .unwrap();
    assert_eq!(left, ["locked.name"], "a lock is kept for good");
}

#[tokio::test]
async fn a_bucket_full_again_is_swept_and_one_still_refilling_is_kept() {
    let db = test_db().await;
    let limit = RateLimit {
        burst: 2,
        refill_ms: 1_000,
    };
    let services = &db.services;
    assert_eq!(
        limit.take(services, "contact:one-token").await.unwrap(),
        None
    );
    db.clock.advance(MS);
    assert_eq!(limit.take(services, "contact:later").await.unwrap(), None);
    assert_eq!(limit.take(services, "contact:empty").await.unwrap(), None);
    assert_eq!(limit.take(services, "contact:empty").await.unwrap(), None);
    assert_eq!(
        limit.take(services, "contact:empty").await.unwrap(),
        Some(1)
    );
    // "one-token" is full again exactly now; "later" in 1 ms; "empty" in
    // a second.
    db.clock.advance(Duration::from_millis(999));

    let report = sweep_now(&db).await;
    assert_eq!(report.buckets, 1, "{report:?}");
    let left: Vec<String> = sqlx::query_scalar("SELECT bucket FROM rate_limits ORDER BY bucket")
        .fetch_all(&db.inspect)
        .await
        .unwrap();
    assert_eq!(left, ["contact:empty", "contact:later"]);
    // The empty bucket still refuses: its state was kept.
    assert_eq!(
        limit.take(services, "contact:empty").await.unwrap(),
        Some(1)
    );
}

#[tokio::test]
async fn the_login_limits_bucket_is_swept_once_refilled() {
    let db = test_db().await;
    fail_login(&db.services, "someone").await;
    // 20 a minute: one token back in 3 s.
    db.clock.advance(Duration::from_millis(2_999));
    assert_eq!(sweep_now(&db).await.buckets, 0);
    db.clock.advance(MS);
    assert_eq!(sweep_now(&db).await.buckets, 1);
    assert_eq!(count(&db, "rate_limits").await, 0);
}

#[tokio::test]
async fn a_reset_request_past_its_hour_is_swept_and_one_within_it_is_kept() {
    let db = test_db().await;
    let ask = |email: &'static str| {
        let services = db.services.clone();
        async move {
            request_reset(
                &services,
                &ResetForm {
                    email: email.into(),
                },
                &ResetRequester::stranger("192.0.2.1"),
            )
            .await
            .unwrap();
        }
    };
    ask("nobody@example.org").await;
    db.clock.advance(MS);
    ask("nobody.else@example.org").await;
    db.clock.advance(Duration::from_millis(3_600_000 - 1));

    let report = sweep_now(&db).await;
    assert_eq!(report.reset_requests, 1, "{report:?}");
    let left: Vec<String> = sqlx::query_scalar("SELECT email_key FROM reset_requests")
        .fetch_all(&db.inspect)
        .await
        .unwrap();
    assert_eq!(left, ["nobody.else@example.org"]);
}

/// Asks for a reset for `email` and delivers it to the development mailbox.
async fn reset_delivered(db: &TestDb, email: &str) -> i64 {
    request_reset(
        &db.services,
        &ResetForm {
            email: email.into(),
        },
        &ResetRequester::stranger("192.0.2.1"),
    )
    .await
    .unwrap();
    let transport = MailTransport::dev_mailbox(db.services.store.clone());
    let worker = OutboxWorker::new(db.services.clone(), transport, DeliveryPolicy::default());
    match worker.deliver_next().await.unwrap() {
        Some(Delivered::Sent { message_id }) => message_id,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_expired_reset_password_is_swept_and_a_pending_one_is_kept() {
    let db = test_db().await;
    account(&db, 1).await;
    let second = account(&db, 2).await;
    reset_delivered(&db, "ada1@example.org").await;
    db.clock.advance(MS);
    reset_delivered(&db, "ada2@example.org").await;
    let valid = db.services.reset_policy.valid_ms;
    // The first expires exactly now; the second in 1 ms.
    db.clock
        .advance(Duration::from_millis(u64::try_from(valid - 1).unwrap()));

    let report = sweep_now(&db).await;
    assert_eq!(report.reset_passwords, 1, "{report:?}");
    assert_eq!(
        report.messages, 0,
        "both messages are far younger than 30 days"
    );
    let left: Vec<i64> = sqlx::query_scalar("SELECT account_id FROM pending_resets")
        .fetch_all(&db.inspect)
        .await
        .unwrap();
    assert_eq!(left, [second]);
}

#[tokio::test]
async fn finished_mail_past_its_retention_goes_with_its_attempts_and_the_rest_stays() {
    let db = test_db().await;
    for n in 1..=3 {
        account(&db, n).await;
    }
    let first = reset_delivered(&db, "ada1@example.org").await;
    db.clock.advance(MS);
    let second = reset_delivered(&db, "ada2@example.org").await;
    // Queued and never delivered: not finished, never swept by age (and,
    // as the newest message, kept whatever its state).
    request_reset(
        &db.services,
        &ResetForm {
            email: "ada3@example.org".into(),
        },
        &ResetRequester::stranger("192.0.2.1"),
    )
    .await
    .unwrap();
    let retention = db.services.retention.mail_ms;
    // The first finished `retention` + 1 ms ago, the second exactly
    // `retention` ago.
    db.clock
        .advance(Duration::from_millis(u64::try_from(retention).unwrap()));

    let report = sweep_now(&db).await;
    assert_eq!(report.messages, 1, "{report:?}");
    let left: Vec<(i64, String)> = sqlx::query_as("SELECT id, status FROM outbox ORDER BY id")
        .fetch_all(&db.inspect)
        .await
        .unwrap();
    assert_eq!(left.len(), 2, "{left:?}");
    assert_eq!(left[0], (second, "sent".to_owned()));
    assert_eq!(left[1].1, "queued");
    assert!(first < second);
    let attempts: Vec<i64> =
        sqlx::query_scalar("SELECT DISTINCT message_id FROM outbox_attempts ORDER BY message_id")
            .fetch_all(&db.inspect)
            .await
            .unwrap();
    assert_eq!(attempts, [second], "the first's attempt went with it");
}

#[tokio::test]
async fn a_message_a_pending_reset_still_names_is_kept_past_the_mail_retention() {
    let db = test_db().await;
    for n in 1..=2 {
        account(&db, n).await;
    }
    let mut services = db.services.clone();
    services.retention.mail_ms = 60_000;
    let named = reset_delivered(&db, "ada1@example.org").await;
    reset_delivered(&db, "ada2@example.org").await;
    db.clock.advance(Duration::from_secs(3600));

    let report = sweep(&services).await.unwrap();
    assert_eq!(report.messages, 0, "{report:?}");
    let named_left = format!("SELECT COUNT(*) FROM outbox WHERE id = {named}");
    assert_eq!(db.scalar(&named_left).await, 1);

    // Once the reset has expired, its message goes (the newest stays).
    db.clock.advance(DAY);
    let report = sweep(&services).await.unwrap();
    assert_eq!(
        (report.reset_passwords, report.messages),
        (2, 1),
        "{report:?}"
    );
    assert_eq!(db.scalar(&named_left).await, 0);
}

#[tokio::test]
async fn development_mail_is_swept_after_a_day() {
    let db = test_db().await;
    for n in 1..=2 {
        account(&db, n).await;
    }
    reset_delivered(&db, "ada1@example.org").await;
    db.clock.advance(MS);
    reset_delivered(&db, "ada2@example.org").await;
    db.clock.advance(DAY);

    let report = sweep_now(&db).await;
    assert_eq!(report.dev_mail, 1, "{report:?}");
    let left: Vec<String> = sqlx::query_scalar("SELECT recipient FROM dev_mailbox")
        .fetch_all(&db.inspect)
        .await
        .unwrap();
    assert_eq!(left, ["ada2@example.org"]);
}

#[tokio::test]
async fn a_device_unused_for_longer_than_its_cookie_lives_is_swept_and_a_used_one_is_kept() {
    let db = test_db().await;
    let ada = account(&db, 1).await;
    let old = devices::remember(&db.services, ada, None).await.unwrap();
    db.clock.advance(MS);
    let recent = devices::remember(&db.services, ada, None).await.unwrap();
    db.clock
        .advance(Duration::from_millis(DEVICE_UNUSED_EXPIRY_MS as u64) - MS);

    let report = sweep_now(&db).await;
    assert_eq!(report.devices, 1, "{report:?}");
    assert!(devices::accounts_of(&db.services, &old)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        devices::accounts_of(&db.services, &recent).await.unwrap(),
        [ada]
    );
}

#[tokio::test]
async fn events_past_their_retention_are_swept_and_the_audit_trail_is_kept() {
    let db = test_db().await;
    let staff_id = create_support_user(
        &db.services,
        &person("Sam", "sam@threshold.test", "sam.support"),
    )
    .await
    .unwrap()
    .account_id;
    let token = sessions::start_with_second_factor(&db.services, staff_id)
        .await
        .unwrap();
    let staff = require_support(&db.services, Some(&token)).await.unwrap();
    let ada = account(&db, 1).await;
    perform(&db.services, &staff, ada, &SupportAction::Disable)
        .await
        .unwrap();
    assert_eq!(count(&db, "audit_log").await, 1);
    let services = &db.services;
    let old_events = count(&db, "events").await;
    db.clock.advance(MS);
    record(services, "test_event", None, &serde_json::json!({"n": 1})).await;
    db.clock.advance(MS);
    record(services, "test_event", None, &serde_json::json!({"n": 2})).await;
    let retention = services.retention.events_ms;
    // Everything before the first test event is `retention` + 1 ms old or
    // more; the first test event exactly `retention`.
    db.clock
        .advance(Duration::from_millis(u64::try_from(retention - 1).unwrap()));

    let report = sweep_now(&db).await;
    assert_eq!(
        report.events,
        u64::try_from(old_events).unwrap(),
        "{report:?}"
    );
    assert_eq!(count(&db, "events").await, 2);
    assert_eq!(count(&db, "audit_log").await, 1, "the audit trail is kept");
    let detail = account_detail(services, &staff, ada).await.unwrap();
    assert_eq!(detail.audit.len(), 1);
    assert_eq!(detail.audit[0].action, "disable");

    // Long after: all but the newest event go (ids must not be reused).
    db.clock.advance(365 * DAY);
    sweep_now(&db).await;
    assert_eq!(count(&db, "events").await, 1);
    assert_eq!(count(&db, "audit_log").await, 1);
}

#[tokio::test]
async fn two_sweepers_at_once_both_succeed_and_delete_each_row_once() {
    let db = test_db().await;
    let now = db.clock_now();
    // More expired rows than a batch, in two tables, plus live ones.
    for n in 0..300 {
        sqlx::query(
            "INSERT INTO rate_limits (bucket, tokens, updated_at, full_at) VALUES ($1, 5, $2, $3)",
        )
        .bind(format!("login:198.51.100.{n}"))
        .bind(now - 60_000)
        .bind(if n % 10 == 0 { now + 60_000 } else { now - 1 })
        .execute(&db.inspect)
        .await
        .unwrap();
        sqlx::query("INSERT INTO reset_requests (email_key, requested_at) VALUES ($1, $2)")
            .bind(format!("someone{n}@example.org"))
            .bind(if n % 10 == 0 { now } else { now - 3_600_000 })
            .execute(&db.inspect)
            .await
            .unwrap();
    }
    let mut one = db.services.clone();
    one.retention.batch = 25;
    // A second instance: its own connections to the same database.
    let mut other = one.clone();
    other.store = Store::connect(&db.url).await.unwrap();

    let (a, b) = tokio::join!(sweep(&one), sweep(&other));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.buckets + b.buckets, 270, "{a:?} {b:?}");
    assert_eq!(a.reset_requests + b.reset_requests, 270, "{a:?} {b:?}");
    assert_eq!(count(&db, "rate_limits").await, 30);
    assert_eq!(count(&db, "reset_requests").await, 30);
}
