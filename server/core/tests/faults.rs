//! Database faults against a real database (SQLite, or PostgreSQL: see
//! support/mod.rs): a write failing half-way through a reset (as a full disk
//! fails it), and a database that only allows reading. Each leaves nothing
//! half-written, answers with the domain's "unavailable" (never a panic or
//! the database's words), and works again once the fault is gone. Killing
//! the server mid-request is in server/tests/faults.rs.
#![cfg(feature = "server")]

mod support;

use sqlx::{Connection, Executor};
use support::{test_db, TestDb};
use threshold_core::{
    accounts::{register, RegistrationError, RegistrationForm},
    auth::{login, LoginError, LoginForm},
    reset::{request_reset, ResetError, ResetForm, ResetRequester},
    store::{Backend, Store},
    Services,
};

const PASSWORD: &str = "Violet kettle harbour";

async fn ask_reset(services: &Services) -> Result<(), ResetError> {
    let form = ResetForm {
        email: "ada@example.org".into(),
    };
    request_reset(services, &form, &ResetRequester::stranger("192.0.2.1"))
        .await
        .map(|_| ())
}

#[tokio::test]
async fn a_reset_whose_email_cannot_be_queued_stores_no_password() {
    let db = test_db().await;
    db.create("ada@example.org", "ada", PASSWORD).await;
    db.fail_inserts_into("outbox").await;
    assert_eq!(ask_reset(&db.services).await, Err(ResetError::Unavailable));
    assert_eq!(db.scalar("SELECT COUNT(*) FROM pending_resets").await, 0);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM reset_requests").await, 0);
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM accounts WHERE last_reset_at IS NOT NULL")
            .await,
        0
    );

    db.stop_failing("outbox").await;
    ask_reset(&db.services).await.unwrap();
    assert_eq!(db.scalar("SELECT COUNT(*) FROM pending_resets").await, 1);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM outbox").await, 1);
}

#[tokio::test]
async fn a_read_only_database_refuses_writes_and_changes_nothing() {
    let db = test_db().await;
    db.create("ada@example.org", "ada", PASSWORD).await;
    let before = snapshot(&db).await;

    set_read_only(&db, true).await;
    let read_only = match (db.backend, read_only_store(&db).await) {
        (Backend::Sqlite, Ok(store)) => store,
        // PostgreSQL: the start-up migration check needs a write, so the
        // server refuses to start, saying why.
        (Backend::Postgres, Err(error)) => {
            set_read_only(&db, false).await;
            assert!(error.to_string().contains("read-only"), "{error}");
            return;
        }
        (backend, outcome) => panic!("{backend:?}: {:?}", outcome.map(|_| "opened")),
    };
    let mut services = Services::new(read_only, support::cheap_hash_cost()).unwrap();
    services.clock = db.services.clock.clone();

    let form = RegistrationForm {
        first_name: "Bea".into(),
        surname: "Okafor".into(),
        email: "bea@example.org".into(),
        username: "bea".into(),
        account_type: "practitioner".into(),
        password: PASSWORD.into(),
        ..RegistrationForm::default()
    };
    assert_eq!(
        register(&services, &form, "192.0.2.1").await.unwrap_err(),
        RegistrationError::Unavailable
    );
    let attempt = LoginForm {
        identifier: "ada".into(),
        password: PASSWORD.into(),
    };
    assert_eq!(
        login(&services, &attempt, "192.0.2.1").await.unwrap_err(),
        LoginError::Unavailable
    );
    assert_eq!(ask_reset(&services).await, Err(ResetError::Unavailable));
    assert_eq!(snapshot(&db).await, before);
    set_read_only(&db, false).await;

    // The same database, writable: everything works again.
    register(&db.services, &form, "192.0.2.1").await.unwrap();
    login(&db.services, &attempt, "192.0.2.1").await.unwrap();
}

/// A second store on the test's database that may only read: SQLite
/// opened read-only; on PostgreSQL new connections made while
/// [`set_read_only`] is on.
async fn read_only_store(db: &TestDb) -> Result<Store, threshold_core::store::StoreError> {
    let url = match db.backend {
        Backend::Sqlite => format!("{}?mode=ro", db.url),
        Backend::Postgres => db.url.clone(),
    };
    Store::connect(&url).await
}

/// PostgreSQL: every transaction of a new connection is read-only (or no
/// longer). SQLite: nothing, the read-only store opens the file read-only.
async fn set_read_only(db: &TestDb, read_only: bool) {
    if db.backend == Backend::Postgres {
        let (_, name) = db.url.rsplit_once('/').unwrap();
        let mut admin = sqlx::AnyConnection::connect(&db.url).await.unwrap();
        // This session itself may already be read-only by default.
        admin
            .execute("SET default_transaction_read_only = off")
            .await
            .unwrap();
        let value = if read_only { "on" } else { "off" };
        admin
            .execute(
                format!("ALTER DATABASE {name} SET default_transaction_read_only = {value}")
                    .as_str(),
            )
            .await
            .unwrap();
    }
}

/// Row counts of every table a request could write.
async fn snapshot(db: &TestDb) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        "accounts",
        "login_names",
        "sessions",
        "pending_resets",
        "reset_requests",
        "outbox",
        "events",
        "rate_limits",
        "unknown_login_failures",
    ] {
        counts.push(db.scalar(&format!("SELECT COUNT(*) FROM {table}")).await);
    }
    counts.push(
        db.scalar("SELECT CAST(COALESCE(SUM(failed_logins), 0) AS BIGINT) FROM accounts")
            .await,
    );
    counts
}
