//! A throwaway database for one test: a SQLite file, or a new PostgreSQL
//! database when `THRESHOLD_TEST_POSTGRES` names a role that may create
//! them. Shared by the core's and the server's integration tests.
#![allow(dead_code)] // each test binary uses its own part of it

use sqlx::{Connection, Executor};

/// The PostgreSQL role URL the tests run against, if any.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("THRESHOLD_TEST_POSTGRES")
        .ok()
        .filter(|url| !url.is_empty())
}

/// A URL for an empty database: a file in a temporary directory, or a
/// newly created PostgreSQL database.
pub async fn fresh_database_url() -> (String, Option<tempfile::TempDir>) {
    sqlx::any::install_default_drivers();
    match postgres_admin_url() {
        None => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("test.db").display());
            (url, Some(dir))
        }
        Some(admin) => (create_postgres_database(&admin).await, None),
    }
}

/// Creates an empty database with the role at `admin` and answers its URL.
/// Named so scripts/test.sh can drop what earlier runs left.
pub async fn create_postgres_database(admin: &str) -> String {
    sqlx::any::install_default_drivers();
    let name = format!("threshold_test_{}_{}", std::process::id(), rand_suffix());
    let mut connection = sqlx::AnyConnection::connect(admin)
        .await
        .unwrap_or_else(|error| panic!("{admin}: {error}"));
    connection
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .unwrap();
    let (base, _) = admin.rsplit_once('/').expect("a URL ending in /database");
    format!("{base}/{name}")
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{nanos}_{}", NEXT.fetch_add(1, Ordering::Relaxed))
}
