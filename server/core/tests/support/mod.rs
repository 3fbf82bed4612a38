//! What the integration tests share: a throwaway SQLite database with a
//! hand-moved clock, and a real SMTP server.
#![allow(dead_code)] // each test binary uses its own part of it

pub mod smtp_sink;

use std::sync::Arc;

use sqlx::SqlitePool;
use threshold_core::{
    accounts::{register, RegistrationForm},
    clock::ManualClock,
    hashing::HashCost,
    store::Store,
    Services,
};

pub struct TestDb {
    pub services: Services,
    pub clock: ManualClock,
    /// A second connection for looking at rows directly.
    pub inspect: SqlitePool,
    pub url: String,
    _dir: tempfile::TempDir,
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
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let store = Store::connect(&url).await.unwrap();
    let clock = ManualClock::starting_at(1_700_000_000_000);
    let mut services = Services::new(store, cost).unwrap();
    services.clock = Arc::new(clock.clone());
    let inspect = SqlitePool::connect(&url).await.unwrap();
    TestDb {
        services,
        clock,
        inspect,
        url,
        _dir: dir,
    }
}

impl TestDb {
    /// Registers Ada Okafor, a practitioner, with this email, username and
    /// password; returns the account id.
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
        register(&self.services, &form).await.unwrap().account_id
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
}
