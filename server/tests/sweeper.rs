//! The sweeper in the real server binary (SQLite, or PostgreSQL when
//! `THRESHOLD_TEST_POSTGRES` is set): started with the server, it deletes
//! expired rows on its own and leaves live ones; its settings are checked
//! at start-up. What expires when is proven in the core's
//! tests/retention.rs.

mod common;
#[path = "../core/tests/support/database.rs"]
mod database;

use std::time::{Duration, Instant};

use common::{client, register, server_command, ServerProcess};
use sqlx::AnyPool;

async fn count(pool: &AnyPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[tokio::test]
async fn the_running_server_sweeps_expired_rows_and_keeps_live_ones() {
    let dir = tempfile::tempdir().unwrap();
    let (database_url, _database_dir) = database::fresh_database_url().await;
    let mut command = server_command(dir.path(), &database_url);
    command.env("SWEEP_INTERVAL_SECONDS", "1");
    let server = ServerProcess::start(command);
    server.ready().await;
    register(&server, &client(), "practitioner", "swept.sessions").await;

    let pool = AnyPool::connect(&database_url).await.unwrap();
    let account_id = count(&pool, "SELECT MIN(id) FROM accounts").await;
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap();
    for (token_hash, seen_at) in [("ended", 0), ("live", now)] {
        sqlx::query(
            "INSERT INTO sessions (token_hash, account_id, created_at, last_seen_at)
             VALUES ($1, $2, $3, $3)",
        )
        .bind(token_hash)
        .bind(account_id)
        .bind(seen_at)
        .execute(&pool)
        .await
        .unwrap();
    }
    for (bucket, full_at) in [("login:192.0.2.1", 0), ("login:192.0.2.2", now + 3_600_000)] {
        sqlx::query(
            "INSERT INTO rate_limits (bucket, tokens, updated_at, full_at) VALUES ($1, 0, $2, $3)",
        )
        .bind(bucket)
        .bind(now)
        .bind(full_at)
        .execute(&pool)
        .await
        .unwrap();
    }

    // The next sweep comes within a second; allow a slow machine thirty.
    let deadline = Instant::now() + Duration::from_secs(30);
    let expired = "SELECT (SELECT COUNT(*) FROM sessions WHERE token_hash = 'ended')
                        + (SELECT COUNT(*) FROM rate_limits WHERE full_at = 0)";
    while count(&pool, expired).await > 0 {
        assert!(Instant::now() < deadline, "nothing was swept");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        count(
            &pool,
            "SELECT COUNT(*) FROM sessions WHERE token_hash = 'live'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &pool,
            "SELECT COUNT(*) FROM rate_limits WHERE bucket = 'login:192.0.2.2'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_retention_setting_that_is_not_a_number_of_days_stops_the_server_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}", dir.path().join("test.db").display());
    for (name, value) in [
        ("EVENT_RETENTION_DAYS", "0"),
        ("MAIL_RETENTION_DAYS", "thirty"),
        ("UNKNOWN_NAME_RETENTION_DAYS", "-1"),
        ("SWEEP_INTERVAL_SECONDS", "0"),
    ] {
        let output = server_command(dir.path(), &database_url)
            .env(name, value)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{name}={value} was accepted");
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(
            said.contains(&format!("{name} is not valid")),
            "{name}={value}: {said}"
        );
    }
}
