//! The database, SQLite or PostgreSQL. Every SQL statement lives under this
//! module, so a rule the database enforces can be found in one place.
//!
//! The store runs statements and returns rows: what a row means (a policy,
//! a ranking, how it is shown) is decided by the domain module that asked.
//! It imports nothing from the domain modules but plain values (`rules`,
//! the clock's `Millis`, and the value types a row decodes into).
//!
//! Rows become structs by `#[derive(sqlx::FromRow)]`, read with
//! `sqlx::query_as`: a field is found by its column's name (an alias in the
//! SQL where the names differ) and must decode through the `Any` driver from
//! both databases. What cannot be derived directly, and what is done instead:
//! - a `bool` stored as INTEGER 0/1: `Any` decodes `bool` only from a real
//!   BOOLEAN, which SQLite does not have. `#[sqlx(try_from = "rows::Flag")]`.
//! - a `u32` count stored as INTEGER/BIGINT: `Any` has no unsigned types.
//!   `#[sqlx(try_from = "rows::Count")]`.
//! - an enum stored as TEXT: `#[sqlx(try_from = "String")]` with a
//!   `TryFrom<String>` for the enum.
//! - a field that is not a column (`ClaimedMessage::superseded`, found by a
//!   second query): `#[sqlx(skip)]`, then set.
//! - a value type defined by a domain module and compiled for the browser
//!   too (`support::FeedEvent`, `support::AccountSummary`): the derive under
//!   `#[cfg_attr(feature = "server", derive(sqlx::FromRow))]`, beside the type.
//! - a row that is not the answer's shape (an answer that is a tuple, or a
//!   struct assembled from several columns): a private row struct,
//!   converted into the answer.
//!
//! A single column is read with `sqlx::query_scalar`, without a struct.

use std::{path::Path, sync::Arc};

mod access;
mod account_page;
mod accounts;
mod auth;
mod email_confirmation;
mod events;
mod login_names;
mod my_account;
mod outbox;
mod passkeys;
mod resets;
mod retention;
pub(crate) mod rows;
mod search;
mod search_index;
mod second_factor;
mod staff;

pub use access::{HeldDetail, RequestProbe};
pub use account_page::AccountRecord;
pub use accounts::{
    AccountInsert, CreateAccountOutcome, NumberHolder, RegistrationConfirmation, Welcome,
};
pub use auth::{BucketLevel, LockedOwner, LoginAccount, PendingReset, SessionRow, ThrottleState};
pub use email_confirmation::{
    Confirmation, ConfirmingAccount, NewConfirmation, OpenConfirmation, PendingChange, QueuedMail,
    QueuedMailOwned,
};
pub use login_names::{CompletedNames, NameClash};
pub use my_account::SessionListing;
pub use outbox::{ClaimedMessage, DeliveryRecord, DevMailboxMessage, QueuedNotice};
pub use passkeys::{NewCeremony, PasskeyRow, TakenCeremony};
pub use resets::{QueuedReset, ResetIssue, ResetIssued, ResetRecipient};
pub use second_factor::{OpenEnrolment, RecoveryCodeRow, TotpRow};
pub use staff::{AuditRecord, EmailChange, StaffChange, StaffTarget};

use sqlx::any::{install_default_drivers, AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor, Transaction};

/// Which database a [`Store`] speaks to. The SQL is written once for both
/// (`$1` placeholders, standard upserts); what differs is kept behind the
/// few methods that match on this.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Embedded, one file: the default.
    Sqlite,
    /// For several server instances on one database.
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::BadUrl(
                "expected sqlite://… or postgres://…".to_owned(),
            ))
        }
    }
}

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
    pool: AnyPool,
    backend: Backend,
    /// Where to LISTEN for other instances' events (PostgreSQL only).
    postgres_url: Option<Arc<str>>,
}

impl Store {
    /// Opens and migrates the database at `url` (a SQLite file is created
    /// when missing, with its directory).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, 8).await
    }

    /// The same with at most `max_connections` open at once.
    pub async fn connect_with(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        install_default_drivers();
        let backend = Backend::of_url(url)?;
        let url = match backend {
            Backend::Sqlite => sqlite_url(url)?,
            Backend::Postgres => url.to_owned(),
        };
        let options: AnyConnectOptions = url
            .parse()
            .map_err(|error: sqlx::Error| StoreError::BadUrl(error.to_string()))?;
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            // A request waits this long for a connection, then is told the
            // service is unavailable, rather than hanging while the
            // database is down.
            .acquire_timeout(std::time::Duration::from_secs(5))
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers (the support console) run beside
                        // the writer; writers queue for the lock instead of
                        // failing at once.
                        connection
                            .execute(
                                "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000;
                                 PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                            )
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        match backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite").run(&pool).await?,
            Backend::Postgres => sqlx::migrate!("./migrations/postgres").run(&pool).await?,
        }
        let postgres_url = (backend == Backend::Postgres).then(|| Arc::from(url.as_str()));
        let store = Self {
            pool,
            backend,
            postgres_url,
        };
        let names = store.complete_login_names().await?;
        if names != login_names::CompletedNames::default() {
            tracing::info!(
                completed = names.completed,
                look_alikes = names.look_alikes,
                "login names given their look-alike skeleton"
            );
        }
        let indexed = store.index_unsearchable_accounts().await?;
        if indexed > 0 {
            tracing::info!(indexed, "accounts added to the support search index");
        }
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// This instance's connections to the database: (in use, idle).
    pub fn connections(&self) -> (u32, u32) {
        let idle = u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX);
        (self.pool.size().saturating_sub(idle), idle)
    }

    /// Answers whether the database can be queried right now.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// A transaction that will write. SQLite takes its one write lock at
    /// once (IMMEDIATE), so every read inside sees what the write will
    /// change; PostgreSQL runs READ COMMITTED and each transaction that
    /// decides on what it read takes [`serialize_on`] or a row lock.
    async fn begin_write(&self) -> Result<Transaction<'static, sqlx::Any>, StoreError> {
        let begin = match self.backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        Ok(self.pool.begin_with(begin).await?)
    }

    /// Appended to a `SELECT` whose rows the transaction will change: on
    /// PostgreSQL they stay as read until commit.
    fn for_update(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    /// What claims a row in a `SELECT … LIMIT 1` subquery for an `UPDATE`:
    /// on PostgreSQL, competing claimers skip rows another has locked.
    fn skip_locked(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }
}

/// Makes transactions that call this with the same `key` run one after the
/// other until commit (a transaction-scoped advisory lock on PostgreSQL;
/// SQLite's IMMEDIATE transactions already run one at a time).
async fn serialize_on(
    tx: &mut Transaction<'static, sqlx::Any>,
    backend: Backend,
    key: &str,
) -> Result<(), StoreError> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(key)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// The SQLite URL with `mode=rwc` (create when missing), its directory made.
fn sqlite_url(url: &str) -> Result<String, StoreError> {
    let path = url
        .trim_start_matches("sqlite:")
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Err(StoreError::BadUrl(
            "a SQLite URL names a file: sqlite://data/threshold.db".to_owned(),
        ));
    }
    if let Some(dir) = Path::new(path).parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.display().to_string(),
                source,
            })?;
        }
    }
    Ok(if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}
