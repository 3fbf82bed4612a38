//! The server killed in the middle of registrations and resets: real
//! server processes, SIGKILL while requests are in flight, a restart on the
//! same database (SQLite, or PostgreSQL when `THRESHOLD_TEST_POSTGRES` is
//! set). Afterwards no account is half-written, every answered request is
//! kept, and every reset that was acknowledged has its email delivered.

mod common;
#[path = "../core/tests/support/database.rs"]
mod database;

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use common::{ada_registration, client, register, server_command, ServerProcess, PASSWORD};
use reqwest::StatusCode;
use sqlx::AnyPool;

const EARLIER_ACCOUNTS: usize = 8;
const REGISTRATIONS: usize = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_registration_and_mid_reset_leaves_nothing_half_done() {
    let dir = tempfile::tempdir().unwrap();
    let (database_url, _database_dir) = database::fresh_database_url().await;
    let mut command = server_command(dir.path(), &database_url);
    // Every registration comes from 127.0.0.1: its limit is not under test.
    command.env("REGISTRATION_RATE_PER_HOUR", "1000");
    // The kill may come between a worker's claim of a reset email and its
    // delivery: the restarted server takes the message over when the dead
    // worker's lease runs out, which must come before the deadline below.
    command.env("MAIL_LEASE_SECONDS", "2");
    let mut first = ServerProcess::start(command);
    first.ready().await;
    for n in 0..EARLIER_ACCOUNTS {
        register(&first, &client(), "practitioner", &format!("earlier{n}")).await;
    }

    // Registrations and reset requests in flight together; the server is
    // killed once a few registrations have been answered.
    let answered = Arc::new(AtomicUsize::new(0));
    let mut registrations = Vec::new();
    for n in 0..REGISTRATIONS {
        let url = first.url("/api/register");
        let answered = Arc::clone(&answered);
        registrations.push(tokio::spawn(async move {
            let email = format!("new{n}@example.org");
            let response = client()
                .post(url)
                .form(&ada_registration(&email))
                .send()
                .await;
            let ok = matches!(&response, Ok(r) if r.status() == StatusCode::OK);
            if ok {
                answered.fetch_add(1, Ordering::SeqCst);
            }
            (email, ok)
        }));
    }
    let mut resets = Vec::new();
    for n in 0..EARLIER_ACCOUNTS {
        let url = first.url("/api/request_reset");
        resets.push(tokio::spawn(async move {
            let email = format!("earlier{n}@example.org");
            let response = client()
                .post(url)
                .form(&[("form[email]", email.as_str())])
                .send()
                .await;
            let ok = matches!(&response, Ok(r) if r.status() == StatusCode::OK);
            (email, ok)
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while answered.load(Ordering::SeqCst) < 5 {
        assert!(Instant::now() < deadline, "no registration was answered");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    first.kill();

    let mut registered = Vec::new();
    let mut lost = 0;
    for task in registrations {
        match task.await.unwrap() {
            (email, true) => registered.push(email),
            _ => lost += 1,
        }
    }
    let mut reset_asked = Vec::new();
    for task in resets {
        if let (email, true) = task.await.unwrap() {
            reset_asked.push(email);
        }
    }
    assert!(lost > 0, "the kill came after every registration finished");

    let inspect = AnyPool::connect(&database_url).await.unwrap();
    let count = |sql: &'static str| {
        let inspect = inspect.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&inspect)
                .await
                .unwrap()
        }
    };
    // Every account is whole: its email and its username in the login
    // namespace, its search row; every answered registration is there.
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM accounts a WHERE NOT EXISTS
               (SELECT 1 FROM login_names n WHERE n.account_id = a.id AND n.kind IN ('email', 'both'))"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM accounts a WHERE NOT EXISTS
               (SELECT 1 FROM login_names n WHERE n.account_id = a.id AND n.kind IN ('username', 'both'))"
        )
        .await,
        0
    );
    let accounts = count("SELECT COUNT(*) FROM accounts").await;
    assert!(accounts as usize >= EARLIER_ACCOUNTS + registered.len());
    for email in &registered {
        let found: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_names WHERE name_key = $1")
            .bind(email)
            .fetch_one(&inspect)
            .await
            .unwrap();
        assert_eq!(found, 1, "{email} was answered but is not stored");
    }
    // A reset password is never stored without the email that carries it.
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM pending_resets r WHERE NOT EXISTS
               (SELECT 1 FROM outbox o WHERE o.id = r.message_id)"
        )
        .await,
        0
    );

    // Restarted on the same database: it serves, the registered log in,
    // and every acknowledged reset's email goes out.
    let second = ServerProcess::start(server_command(dir.path(), &database_url));
    second.ready().await;
    for email in registered.iter().take(3) {
        let response = client()
            .post(second.url("/api/login"))
            .form(&[
                ("form[identifier]", email.as_str()),
                ("form[password]", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{email} logs in");
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    for email in &reset_asked {
        loop {
            let delivered: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM dev_mailbox WHERE recipient = $1")
                    .bind(email)
                    .fetch_one(&inspect)
                    .await
                    .unwrap();
            if delivered > 0 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the reset email to {email} was lost"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
