//! The outbox survives the server dying mid-delivery: real server
//! processes, a real database (SQLite, or PostgreSQL when
//! `THRESHOLD_TEST_POSTGRES` is set), a real SMTP server on a TCP port,
//! SIGKILL. The two servers at the end are two instances competing for one
//! outbox.
//!
//! Delivery is at least once: the message on the wire when the process dies
//! may arrive twice (same Message-ID), every other message exactly once, and
//! none is lost.

mod common;
#[path = "../core/tests/support/database.rs"]
mod database;
#[path = "../core/tests/support/smtp_sink.rs"]
mod smtp_sink;

use std::{
    collections::{HashMap, HashSet},
    path::Path,
    time::{Duration, Instant},
};

use common::{server_command, ServerProcess};

use smtp_sink::{Mode, SmtpSink};
use sqlx::AnyPool;
use threshold_core::{
    accounts::{register, RegistrationForm},
    hashing::HashCost,
    reset::{request_reset, ResetForm, ResetRequester},
    store::Store,
    Services,
};

const MESSAGES: usize = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_servers_lose_no_email_and_concurrent_servers_send_none_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (database_url, _database_dir) = database::fresh_database_url().await;
    let recipients = queue_resets(&database_url).await;
    let inspect = AnyPool::connect(&database_url).await.unwrap();

    // Each message takes the sink 250 ms, so deliveries are in flight
    // whenever the server is killed.
    let sink = SmtpSink::start();
    sink.set_mode(Mode::Slow(Duration::from_millis(250)));

    // Killed twice while sending.
    for kills in 1..=2 {
        let mut server = start_server(dir.path(), &database_url, &sink);
        sink.wait_for(kills * 4, Duration::from_secs(60)).await;
        server.kill();
        let sending: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status = 'sending'")
                .fetch_one(&inspect)
                .await
                .unwrap();
        // Each dead worker left at most the one message it was sending,
        // until its lease runs out.
        assert!(sending <= kills as i64, "{sending} messages held");
    }
    let unsent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'")
        .fetch_one(&inspect)
        .await
        .unwrap();
    assert!(unsent > 0, "the kills came before the work was done");

    // Two servers at once on the same database finish the rest.
    let mut first = start_server(dir.path(), &database_url, &sink);
    let mut second = start_server(dir.path(), &database_url, &sink);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let unsent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'")
            .fetch_one(&inspect)
            .await
            .unwrap();
        if unsent == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{unsent} messages still unsent");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    first.kill();
    second.kill();

    // Every recipient has both their emails (the welcome, the reset); only
    // a message cut off by a kill may have come twice, and then with the
    // same Message-ID.
    let mut by_recipient: HashMap<String, Vec<String>> = HashMap::new();
    for message in sink.received() {
        assert_eq!(message.to.len(), 1);
        by_recipient
            .entry(message.to[0].to_lowercase())
            .or_default()
            .push(message.message_id());
    }
    let mut repeats = 0;
    for recipient in &recipients {
        let ids = by_recipient
            .get(&recipient.to_lowercase())
            .unwrap_or_else(|| panic!("{recipient} got nothing"));
        let distinct: HashSet<&String> = ids.iter().collect();
        assert_eq!(distinct.len(), 2, "a welcome and a reset: {ids:?}");
        repeats += ids.len() - distinct.len();
    }
    assert!(repeats <= 2, "{repeats} repeats from 2 kills");
    assert_eq!(by_recipient.len(), MESSAGES);

    let kept_secrets: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE secret IS NOT NULL")
            .fetch_one(&inspect)
            .await
            .unwrap();
    assert_eq!(kept_secrets, 0, "sent messages keep no password");
}

/// Registers `MESSAGES` accounts (each queues its welcome) and asks a reset for each, through the
/// core as the server would; returns their addresses.
async fn queue_resets(database_url: &str) -> Vec<String> {
    let store = Store::connect(database_url).await.unwrap();
    let cheap = HashCost {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
    let services = Services::new(store, cheap).unwrap();
    let mut recipients = Vec::new();
    for n in 0..MESSAGES {
        let email = format!("person{n}@example.org");
        let form = RegistrationForm {
            first_name: "Ada".into(),
            surname: "Okafor".into(),
            email: email.clone(),
            username: format!("person{n}"),
            account_type: "practitioner".into(),
            password: "Violet kettle harbour".into(),
            ..RegistrationForm::default()
        };
        register(&services, &form, &format!("192.0.2.{n}"))
            .await
            .unwrap();
        let ask = ResetForm {
            email: email.clone(),
        };
        // One address per request: the per-client limit is not under test.
        request_reset(
            &services,
            &ask,
            &ResetRequester::stranger(&format!("192.0.2.{n}")),
        )
        .await
        .unwrap();
        recipients.push(email);
    }
    recipients
}

/// A server delivering through `sink` with a 2-second lease.
fn start_server(dir: &Path, database_url: &str, sink: &SmtpSink) -> ServerProcess {
    let mut command = server_command(dir, database_url);
    command
        .env("SMTP_URL", sink.url())
        .env("MAIL_FROM", "Threshold <no-reply@threshold.test>")
        .env("MAIL_LEASE_SECONDS", "2");
    ServerProcess::start(command)
}
