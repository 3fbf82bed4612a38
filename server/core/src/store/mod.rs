//! The database. Every SQL statement of the SQLite backend lives under this
//! module, so a rule the database enforces can be found in one place.

use std::{path::Path, str::FromStr, time::Duration};

mod access;
mod accounts;
mod auth;
mod outbox;
mod resets;
mod support;

pub use accounts::{AccountInsert, CreateAccountOutcome, NumberHolder};
pub use auth::{LoginAccount, PendingReset, SessionRow, ThrottleState};
pub use outbox::{ClaimedMessage, DeliveryRecord, DevMailboxMessage};
pub use resets::{QueuedReset, ResetIssue, ResetIssued, ResetRecipient};
pub use support::{StaffChange, StaffChangeOutcome};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database URL is not usable: {0}")]
    BadUrl(String),
    #[error("could not create the database directory {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("could not encode stored data: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("the database holds a value this version cannot read: {0}")]
    Corrupt(String),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if missing) and migrates the database at `url`.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|error| StoreError::BadUrl(error.to_string()))?
            .create_if_missing(true)
            // WAL lets readers (the support console) run beside the writer.
            .journal_mode(SqliteJournalMode::Wal)
            // Writers queue for the lock instead of failing at once.
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        if let Some(dir) = Path::new(options.get_filename()).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                    path: dir.display().to_string(),
                    source,
                })?;
            }
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        let store = Self { pool };
        let indexed = store.index_unsearchable_accounts().await?;
        if indexed > 0 {
            tracing::info!(indexed, "accounts added to the support search index");
        }
        Ok(store)
    }

    /// Answers whether the database can be queried right now.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}
