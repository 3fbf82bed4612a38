//! What the integration tests share: a throwaway database with a
//! hand-moved clock, and a real SMTP server.
//!
//! The database is SQLite (a temporary file) unless
//! `THRESHOLD_TEST_POSTGRES` holds the URL of a PostgreSQL role allowed to
//! create databases: then every test gets a database of its own there, so
//! the same tests are the contract both backends must meet
//! (`scripts/test.sh` runs them both ways).
#![allow(dead_code)] // each test binary uses its own part of it

pub mod authenticator;
pub mod database;
pub mod smtp_sink;

pub use database::fresh_database_url;

use std::sync::Arc;

use sqlx::{AnyPool, Executor};
use threshold_core::{
    accounts::{register, RegistrationForm},
    clock::ManualClock,
    hashing::HashCost,
    store::{Backend, Store},
    Services,
};

pub struct TestDb {
    pub services: Services,
    pub clock: ManualClock,
    /// A second pool for looking at rows directly.
    pub inspect: AnyPool,
    pub url: String,
    pub backend: Backend,
    _dir: Option<tempfile::TempDir>,
}

/// Tests prove behaviour, not cost: the cheapest Argon2id there is.
pub fn cheap_hash_cost() -> HashCost {
    HashCost {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    }
}

/// An empty, migrated database; the clock starts in November 2023.
pub async fn test_db() -> TestDb {
    test_db_with_cost(cheap_hash_cost()).await
}

/// The same, hashing at `cost` (the timing tests use the production cost).
pub async fn test_db_with_cost(cost: HashCost) -> TestDb {
    let (url, dir) = fresh_database_url().await;
    let store = Store::connect(&url).await.unwrap();
    let backend = store.backend();
    let clock = ManualClock::starting_at(1_700_000_000_000);
    let mut services = Services::new(store, cost).unwrap();
    services.clock = Arc::new(clock.clone());
    let inspect = AnyPool::connect(&url).await.unwrap();
    TestDb {
        services,
        clock,
        inspect,
        url,
        backend,
        _dir: dir,
    }
}

impl TestDb {
    /// Registers Ada Okafor, a practitioner, with this email, username and
    /// password; returns the account id. Each account is registered from an
    /// address of its own: setting up is not what the limits are tested on.
    pub async fn create(&self, email: &str, username: &str, password: &str) -> i64 {
        let form = RegistrationForm {
            first_name: "Ada".into(),
            surname: "Okafor".into(),
            email: email.into(),
            username: username.into(),
            account_type: "practitioner".into(),
            password: password.into(),
            ..RegistrationForm::default()
        };
        let client = format!("set-up:{email}");
        let account_id = register(&self.services, &form, &client)
            .await
            .unwrap()
            .account_id;
        self.drop_welcome(account_id).await;
        account_id
    }

    /// An outbox worker delivering this database's mail to `sink` over
    /// SMTP, with the default retry policy.
    pub fn outbox_worker(&self, sink: &smtp_sink::SmtpSink) -> threshold_core::mail::OutboxWorker {
        use threshold_core::mail::{DeliveryPolicy, MailTransport, OutboxWorker};
        let transport = MailTransport::smtp(
            &sink.url(),
            "Threshold <no-reply@threshold.test>",
            std::time::Duration::from_secs(5),
        )
        .unwrap();
        OutboxWorker::new(self.services.clone(), transport, DeliveryPolicy::default())
    }

    /// Takes the account's welcome email out of the outbox. It is tested in
    /// registration.rs; elsewhere it would only stand in the queue ahead of
    /// the mail a test is about.
    pub async fn drop_welcome(&self, account_id: i64) {
        sqlx::query("DELETE FROM outbox WHERE kind = 'welcome' AND account_id = $1")
            .bind(account_id)
            .execute(&self.inspect)
            .await
            .unwrap();
    }

    pub fn clock_now(&self) -> i64 {
        use threshold_core::clock::Clock;
        self.clock.now()
    }

    pub async fn scalar(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.inspect)
            .await
            .unwrap()
    }

    /// Makes every insert into `table` fail from now on, as a full disk
    /// would, until [`TestDb::stop_failing`].
    pub async fn fail_inserts_into(&self, table: &str) {
        let sql = match self.backend {
            Backend::Sqlite => format!(
                "CREATE TRIGGER fail_{table} BEFORE INSERT ON {table}
                 BEGIN SELECT RAISE(ABORT, 'disk full'); END"
            ),
            Backend::Postgres => format!(
                "CREATE FUNCTION fail_{table}() RETURNS trigger LANGUAGE plpgsql AS
                   $$ BEGIN RAISE EXCEPTION 'disk full'; END $$;
                 CREATE TRIGGER fail_{table} BEFORE INSERT ON {table}
                   FOR EACH ROW EXECUTE FUNCTION fail_{table}()"
            ),
        };
        self.inspect.execute(sql.as_str()).await.unwrap();
    }

    pub async fn stop_failing(&self, table: &str) {
        let sql = match self.backend {
            Backend::Sqlite => format!("DROP TRIGGER fail_{table}"),
            Backend::Postgres => format!("DROP TRIGGER fail_{table} ON {table}"),
        };
        self.inspect.execute(sql.as_str()).await.unwrap();
    }
}
