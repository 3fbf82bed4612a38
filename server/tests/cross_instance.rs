//! Two server instances on one database, as behind a load balancer: a
//! session made on one is valid on the other, throttling counts attempts
//! made on both, and a login on one reaches a support console's live feed
//! on the other. Runs on SQLite and, with `THRESHOLD_TEST_POSTGRES` set, on
//! PostgreSQL (where the feed is woken by LISTEN/NOTIFY). Two instances
//! competing for one outbox are in outbox_crash.rs.

mod common;
#[path = "../core/tests/support/database.rs"]
mod database;

use std::time::Duration;

use common::{
    client, create_support_user, enrol_app, log_in, register, server_command, ServerProcess,
    PASSWORD,
};
use reqwest::{Client, StatusCode};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_sessions_throttling_and_the_live_feed() {
    let dir = tempfile::tempdir().unwrap();
    let (database_url, _database_dir) = database::fresh_database_url().await;
    let created = create_support_user(dir.path(), &database_url, PASSWORD);
    assert!(created.status.success(), "{created:?}");
    let a = ServerProcess::start(server_command(dir.path(), &database_url));
    let b = ServerProcess::start(server_command(dir.path(), &database_url));
    a.ready().await;
    b.ready().await;

    // A support console on instance A, listening.
    let support = client();
    assert_eq!(
        log_in(&a, &support, "sam.support", PASSWORD).await,
        StatusCode::OK
    );
    enrol_app(&a, &support, &String::from_utf8_lossy(&created.stdout)).await;
    let mut feed = support.get(a.url("/support/events")).send().await.unwrap();
    assert_eq!(feed.status(), StatusCode::OK);
    let mut seen = String::new();
    read_until(&mut feed, &mut seen, "event: ready").await;

    // Registered (and so logged in) on B: the session works on A.
    let person = client();
    register(&b, &person, "practitioner", "okafor").await;
    let on_a = current_user(&a, &person).await;
    assert!(on_a.contains("okafor@example.org"), "{on_a}");

    // A login on B reaches the console on A.
    let fresh = client();
    assert_eq!(log_in(&b, &fresh, "okafor", PASSWORD).await, StatusCode::OK);
    read_until(&mut feed, &mut seen, "\"kind\":\"login\"").await;
    assert!(seen.contains("okafor"), "{seen}");

    // Failures on both instances count against one name: the fifth, on
    // either, starts the delay, and the right password is then refused on
    // both.
    for server in [&a, &b, &a, &b, &a] {
        assert_eq!(
            log_in(server, &client(), "okafor", "wrong password").await,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    for server in [&a, &b] {
        let response = client()
            .post(server.url("/api/login"))
            .form(&[("form[identifier]", "okafor"), ("form[password]", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = response.text().await.unwrap();
        assert!(body.contains("\"Throttled\""), "{body}");
    }
}

async fn current_user(server: &ServerProcess, client: &Client) -> String {
    let response = client
        .post(server.url("/api/current_user"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

/// Reads the event stream into `seen` until it holds `wanted`. The limit is
/// generous: it catches a feed that never arrives, not a slow one (the
/// latency is measured by scripts/multi-instance.sh).
async fn read_until(feed: &mut reqwest::Response, seen: &mut String, wanted: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !seen.contains(wanted) {
        let chunk = tokio::time::timeout_at(deadline, feed.chunk())
            .await
            .unwrap_or_else(|_| panic!("no {wanted} in the feed: {seen}"))
            .unwrap()
            .expect("the feed stays open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
}
