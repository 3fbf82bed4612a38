//! `/metrics` against the real binary: only the operator reads it, and it
//! counts what happened (requests by route and status, the event log's
//! entries by kind, password hashing's job time and queue wait) and shows
//! the outbox and database state. Shed hashing jobs are counted in
//! load_shedding.rs. On SQLite and, with `THRESHOLD_TEST_POSTGRES` set, on
//! PostgreSQL.

mod common;
#[path = "../core/tests/support/database.rs"]
mod database;

use common::{client, register, server_command, ServerProcess};
use reqwest::StatusCode;

const TOKEN: &str = "operator-scrape-token";

#[tokio::test]
async fn metrics_need_the_operators_token_and_count_what_happened() {
    let dir = tempfile::tempdir().unwrap();
    let (database_url, _database_dir) = database::fresh_database_url().await;
    let mut command = server_command(dir.path(), &database_url);
    command.env("METRICS_TOKEN", TOKEN);
    let server = ServerProcess::start(command);
    server.ready().await;
    let browser = client();

    let anonymous = browser.get(server.url("/metrics")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let wrong = browser
        .get(server.url("/metrics"))
        .bearer_auth("operator-scrape-toke")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    register(&server, &browser, "practitioner", "metrics.counted").await;
    let refused = browser
        .post(server.url("/api/login"))
        .form(&[
            ("form[identifier]", "metrics.counted"),
            ("form[password]", "not the password at all"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let scrape = browser
        .get(server.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(scrape.status(), StatusCode::OK);
    assert!(scrape.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = scrape.text().await.unwrap();
    for line in [
        r#"threshold_events_total{kind="registered"} 1"#,
        r#"threshold_events_total{kind="login_failed"} 1"#,
        r#"threshold_http_requests_total{route="/api/register",method="POST",status="200"} 1"#,
        r#"threshold_http_requests_total{route="/api/login",method="POST",status="422"} 1"#,
        r#"threshold_http_requests_total{route="/metrics",method="GET",status="401"} 2"#,
        "threshold_database_up 1",
        r#"threshold_build_info{version=""#,
    ] {
        assert!(text.contains(line), "{line} missing from:\n{text}");
    }
    assert!(text.contains(
        r#"threshold_http_request_duration_seconds_bucket{route="/api/login",le="0.005"}"#
    ));
    assert!(text.contains(r#"threshold_database_connections{state="idle"}"#));
    // Password hashing: the start-up job (the dummy hash unknown names are
    // verified against), the registration's hash and the login's verify,
    // each timed on its hashing thread and in the queue, in fine buckets.
    // The recorder is installed before the hasher starts, so the start-up
    // job is always counted (it used to race the recorder's installation).
    for line in [
        "threshold_hash_job_seconds_count 3",
        "threshold_hash_queue_wait_seconds_count 3",
        r#"threshold_hash_job_seconds_bucket{le="0.0025"}"#,
        r#"threshold_hash_queue_wait_seconds_bucket{le="0.0025"}"#,
    ] {
        assert!(text.contains(line), "{line} missing from:\n{text}");
    }
    // Nothing of anyone's account: no names, emails or addresses.
    assert!(!text.contains("metrics.counted"), "{text}");
}

#[tokio::test]
async fn without_a_token_this_machine_may_read_them() {
    let dir = tempfile::tempdir().unwrap();
    let (database_url, _database_dir) = database::fresh_database_url().await;
    let server = ServerProcess::start(server_command(dir.path(), &database_url));
    server.ready().await;
    let scrape = reqwest::get(server.url("/metrics")).await.unwrap();
    assert_eq!(scrape.status(), StatusCode::OK);
    assert!(scrape
        .text()
        .await
        .unwrap()
        .contains("threshold_database_up 1"));
}
