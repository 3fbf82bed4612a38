//! A flood of logins against the real binary with a tiny hashing queue
//! (`HASH_QUEUE_SECONDS=0`: one job per core, no waiting line). What the
//! server cannot hash now is answered at once with 503, `Retry-After` and
//! the busy words, never a 500; the flood is counted in /metrics; and once
//! it has passed, a person logs in. SQLite, or PostgreSQL when
//! `THRESHOLD_TEST_POSTGRES` is set.

mod common;
#[path = "../core/tests/support/database.rs"]
mod database;

use app::errors::{login_messages, ServiceError};
use common::{client, register, server_command, ServerProcess, PASSWORD};
use reqwest::{header::RETRY_AFTER, StatusCode};
use threshold_core::{auth::LoginError, refusal::BUSY_WORDS};

const FLOOD: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_flood_beyond_the_queue_bound_is_answered_busy_at_once_and_then_passes() {
    let dir = tempfile::tempdir().unwrap();
    let (database_url, _database_dir) = database::fresh_database_url().await;
    let mut command = server_command(dir.path(), &database_url);
    // Every request here comes from 127.0.0.1: the per-address limit is
    // lifted so that what is measured is the hashing queue, not it.
    command
        .env("HASH_QUEUE_SECONDS", "0")
        .env("LOGIN_RATE_PER_MINUTE", "1000000");
    let server = ServerProcess::start(command);
    server.ready().await;
    register(&server, &client(), "practitioner", "okafor").await;

    // Names nobody has, each its own, so no name's failure count delays an
    // answer: each login that is let in costs one Argon2 verify.
    let flood: Vec<_> = (0..FLOOD)
        .map(|n| {
            let url = server.url("/api/login");
            tokio::spawn(async move {
                let response = reqwest::Client::new()
                    .post(url)
                    .form(&[
                        ("form[identifier]", format!("nobody{n}").as_str()),
                        ("form[password]", "a guess at a password"),
                    ])
                    .send()
                    .await
                    .unwrap();
                let status = response.status();
                let retry_after = response
                    .headers()
                    .get(RETRY_AFTER)
                    .map(|value| value.to_str().unwrap().to_owned());
                (status, retry_after, response.text().await.unwrap())
            })
        })
        .collect();
    let mut busy = 0;
    let mut refused = 0;
    for request in flood {
        let (status, retry_after, body) = request.await.unwrap();
        match status {
            StatusCode::SERVICE_UNAVAILABLE => {
                busy += 1;
                let seconds: u64 = retry_after
                    .expect("a busy answer says when to come back")
                    .parse()
                    .unwrap();
                assert!((1..=5).contains(&seconds), "Retry-After: {seconds}");
                let error: ServiceError<LoginError> = serde_json::from_str(&body).unwrap();
                assert!(
                    matches!(error, ServiceError::Domain(LoginError::Busy { .. })),
                    "{body}"
                );
                assert_eq!(login_messages(&error).form.as_deref(), Some(BUSY_WORDS));
            }
            StatusCode::UNPROCESSABLE_ENTITY => refused += 1,
            other => panic!("a flooded login answered {other}: {body}"),
        }
    }
    assert!(busy > 0, "no login was shed: {refused} refused");
    assert!(refused > 0, "every login was shed");

    let scrape = reqwest::get(server.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let shed_line = r#"threshold_hash_jobs_shed_total{reason="busy"} "#;
    let shed: usize = scrape
        .lines()
        .find_map(|line| line.strip_prefix(shed_line))
        .unwrap_or_else(|| panic!("{shed_line} missing from:\n{scrape}"))
        .parse()
        .unwrap();
    assert_eq!(shed, busy);

    // The flood has passed: the queue is empty and a person gets in.
    let person = client();
    let login = person
        .post(server.url("/api/login"))
        .form(&[("form[identifier]", "okafor"), ("form[password]", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
}
