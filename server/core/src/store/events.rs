//! The event log's SQL: appending an event, and reading the log for the
//! support console's feed and account pages.
//!
//! Streams follow the log by id (`id > cursor`), which is only right if an
//! event never becomes visible after one with a higher id. SQLite commits
//! one writer at a time, so it holds there by itself. On PostgreSQL an id is
//! taken from the sequence when the row is inserted and concurrent
//! transactions can commit in another order: a stream that had read id 11
//! would never see id 10 committed after it. [`append_event`] therefore
//! holds one advisory lock from taking the id until commit, so events
//! commit in id order. The price is that event-writing transactions commit
//! one at a time from their event onwards; the event is always their last
//! statement, so that stretch is one insert and the commit. Should that
//! ever limit throughput, the way out is to stamp each event with its
//! transaction id and follow the log by (transaction, id) below
//! `pg_snapshot_xmin(pg_current_snapshot())`, which needs no lock.

use sqlx::postgres::PgListener;
use sqlx::Transaction;

use super::{serialize_on, Backend, Store, StoreError};
use crate::clock::Millis;
use crate::support::FeedEvent;

/// The channel the `events` table's trigger notifies (migrations/postgres).
const EVENTS_CHANNEL: &str = "threshold_events";

/// The lock that puts event commits in id order on PostgreSQL.
const EVENT_ORDER: &str = "events:commit-order";

/// An event to append to the log.
pub(super) struct NewEvent<'a> {
    pub kind: &'a str,
    pub account_id: Option<i64>,
    /// The staff member who acted, for staff actions.
    pub actor_id: Option<i64>,
    /// JSON.
    pub detail: &'a str,
    pub at: Millis,
}

/// Appends `event` in `tx`, which must commit straight after: the lock
/// taken here is held until then (see the module's comment).
pub(super) async fn append_event(
    tx: &mut Transaction<'static, sqlx::Any>,
    backend: Backend,
    event: &NewEvent<'_>,
) -> Result<(), StoreError> {
    serialize_on(tx, backend, EVENT_ORDER).await?;
    sqlx::query(
        "INSERT INTO events (occurred_at, kind, account_id, actor_id, detail)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(event.at)
    .bind(event.kind)
    .bind(event.account_id)
    .bind(event.actor_id)
    .bind(event.detail)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Appends an event on its own (a login, a registration, a reset).
    pub async fn record_event(
        &self,
        kind: &str,
        account_id: Option<i64>,
        detail_json: &str,
        now: Millis,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        append_event(
            &mut tx,
            self.backend,
            &NewEvent {
                kind,
                account_id,
                actor_id: None,
                detail: detail_json,
                at: now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The newest `limit` events (of one account, or of all), oldest first.
    /// One statement for each case, so each can use its index (a
    /// `$1 IS NULL OR account_id = $1` condition can use neither).
    pub async fn recent_events(
        &self,
        account_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<FeedEvent>, StoreError> {
        let of_account = if account_id.is_some() {
            "WHERE e.account_id = $2"
        } else {
            ""
        };
        let sql = format!(
            "SELECT * FROM (
                 SELECT {FEED_COLUMNS} FROM events e LEFT JOIN accounts a ON a.id = e.account_id
                  {of_account}
                  ORDER BY e.id DESC LIMIT $1) AS recent
              ORDER BY id"
        );
        let mut select = sqlx::query_as::<_, FeedEvent>(&sql).bind(limit);
        if let Some(account_id) = account_id {
            select = select.bind(account_id);
        }
        Ok(select.fetch_all(&self.pool).await?)
    }

    /// The id of the newest event (0 when there is none).
    pub async fn newest_event_id(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM events")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Events after `after_id` (of one account, or of all), oldest first.
    pub async fn events_after(
        &self,
        after_id: i64,
        account_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<FeedEvent>, StoreError> {
        let of_account = if account_id.is_some() {
            "AND e.account_id = $3"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {FEED_COLUMNS} FROM events e LEFT JOIN accounts a ON a.id = e.account_id
              WHERE e.id > $1 {of_account}
              ORDER BY e.id LIMIT $2"
        );
        let mut select = sqlx::query_as::<_, FeedEvent>(&sql)
            .bind(after_id)
            .bind(limit);
        if let Some(account_id) = account_id {
            select = select.bind(account_id);
        }
        Ok(select.fetch_all(&self.pool).await?)
    }

    /// On PostgreSQL, calls `on_event` whenever any instance commits an
    /// event (LISTEN on the channel the `events` trigger notifies), so live
    /// streams here see a login made on another instance at once. On SQLite
    /// there is nothing to listen to: streams look at the table every
    /// second. Runs for the life of the process, reconnecting when the
    /// connection is lost.
    pub fn spawn_event_listener(&self, on_event: impl Fn() + Send + 'static) {
        let Some(url) = self.postgres_url.clone() else {
            return;
        };
        // Outside any request: its own span, so its lines say whose they are.
        let span = tracing::error_span!("event_listener");
        let listen = async move {
            loop {
                match PgListener::connect(&url).await {
                    Ok(mut listener) => match listener.listen(EVENTS_CHANNEL).await {
                        Ok(()) => loop {
                            match listener.recv().await {
                                Ok(_) => on_event(),
                                Err(error) => {
                                    tracing::warn!("event notifications lost: {error}");
                                    break;
                                }
                            }
                        },
                        Err(error) => tracing::warn!("cannot LISTEN for events: {error}"),
                    },
                    Err(error) => tracing::warn!("cannot connect to LISTEN for events: {error}"),
                }
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        };
        tokio::spawn(tracing::Instrument::instrument(listen, span));
    }
}

const FEED_COLUMNS: &str = "e.id, e.occurred_at, e.kind, e.account_id, a.username, e.detail";
