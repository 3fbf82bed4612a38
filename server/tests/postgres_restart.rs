//! PostgreSQL restarted under load: a server on a cluster of the test's own
//! (scripts/pg.sh with its own directory and port), logins and
//! registrations running, the cluster stopped and started again. While it
//! is down, requests are answered 503 (never a 500, never a hang) and
//! /healthz says so; once it is back the same server process serves again
//! without a restart, and no account is half-written.
//!
//! Ignored by plain `cargo test` because it needs PostgreSQL installed and
//! restarts a cluster: `scripts/test.sh` runs it in its PostgreSQL step.

mod common;
#[path = "../core/tests/support/database.rs"]
mod database;

use std::{
    collections::BTreeMap,
    path::PathBuf,
    process::Command,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use common::{ada_registration, client, register, server_command, ServerProcess, PASSWORD};
use reqwest::StatusCode;
use sqlx::AnyPool;

const PORT: &str = "54331";

fn pg(action: &str) -> String {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/pg.sh");
    let output = Command::new("bash")
        .arg(script)
        .arg(action)
        .env("THRESHOLD_PG_DIR", "/var/tmp/threshold-pg-restart-test")
        .env("THRESHOLD_PG_PORT", PORT)
        .output()
        .expect("bash runs");
    assert!(
        output.status.success(),
        "scripts/pg.sh {action}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "restarts a PostgreSQL cluster of its own: scripts/test.sh runs it"]
async fn the_server_rides_out_a_postgres_restart() {
    let admin = pg("start");
    let database_url = database::create_postgres_database(&admin).await;

    let dir = tempfile::tempdir().unwrap();
    let mut command = server_command(dir.path(), &database_url);
    // Every request comes from 127.0.0.1: the per-address limits are not
    // what this test is about (server/tests/public_limits.rs is).
    command
        .env("LOGIN_RATE_PER_MINUTE", "1000000")
        .env("REGISTRATION_RATE_PER_HOUR", "1000000")
        .env("REGISTRATION_RATE_PER_NAME_PER_HOUR", "1000000");
    let server = ServerProcess::start(command);
    server.ready().await;
    register(&server, &client(), "practitioner", "okafor").await;

    // Load: logins and registrations, every answer's status counted.
    let statuses: Arc<Mutex<BTreeMap<String, usize>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut load = Vec::new();
    for worker in 0..4 {
        let (statuses, stop) = (Arc::clone(&statuses), Arc::clone(&stop));
        let (login_url, register_url) = (server.url("/api/login"), server.url("/api/register"));
        load.push(tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap();
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                let response = if worker % 2 == 0 {
                    client
                        .post(&login_url)
                        .form(&[("form[identifier]", "okafor"), ("form[password]", PASSWORD)])
                        .send()
                        .await
                } else {
                    let email = format!("load{worker}x{n}@example.org");
                    client
                        .post(&register_url)
                        .form(&ada_registration(&email))
                        .send()
                        .await
                };
                let key = match response {
                    Ok(response) => response.status().as_u16().to_string(),
                    Err(error) if error.is_timeout() => "timeout".to_owned(),
                    Err(_) => "connection error".to_owned(),
                };
                *statuses.lock().unwrap().entry(key).or_default() += 1;
            }
        }));
    }

    let answered = |status: &'static str| {
        let statuses = Arc::clone(&statuses);
        move || statuses.lock().unwrap().get(status).copied().unwrap_or(0)
    };
    let (successes, outages) = (&answered("200"), &answered("503"));
    let site = &server;
    wait_for("the load to be served", || async move { successes() >= 4 }).await;
    pg("stop");

    // Down: the health check and requests say "unavailable".
    wait_for("/healthz to report the outage", || async move {
        let health = reqwest::get(site.url("/healthz")).await.unwrap();
        health.status() == StatusCode::SERVICE_UNAVAILABLE
    })
    .await;
    wait_for(
        "a request to be answered 503",
        || async move { outages() > 0 },
    )
    .await;
    pg("start");

    // Back: the same server process serves again.
    wait_for("the server to recover", || async move {
        let health = reqwest::get(site.url("/healthz")).await.unwrap();
        health.status() == StatusCode::OK
    })
    .await;
    let before = successes();
    wait_for("a request to succeed after the restart", || async move {
        successes() > before
    })
    .await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for task in load {
        task.await.unwrap();
    }
    let statuses = statuses.lock().unwrap().clone();
    eprintln!("answers during the restart test: {statuses:?}");
    for status in statuses.keys() {
        assert!(
            ["200", "503"].contains(&status.as_str()),
            "unexpected answer {status}: {statuses:?}"
        );
    }

    let inspect = AnyPool::connect(&database_url).await.unwrap();
    let half_written: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM accounts a WHERE NOT EXISTS
           (SELECT 1 FROM login_names n WHERE n.account_id = a.id)
           OR NOT EXISTS (SELECT 1 FROM account_search s WHERE s.account_id = a.id)",
    )
    .fetch_one(&inspect)
    .await
    .unwrap();
    assert_eq!(half_written, 0);
    inspect.close().await;
    drop(server);
    pg("stop");
}

/// Polls `condition` until it holds; fails after 30 seconds. The limit is
/// generous: it catches what never happens, not what is slow.
async fn wait_for<F, Fut>(what: &str, condition: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    while !condition().await {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
