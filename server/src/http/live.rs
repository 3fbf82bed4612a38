//! `/support/events`: the support console's live feed, as server-sent
//! events. Support users only (the same check as every support function).
//!
//! Each stream reads the events table from its cursor whenever this process
//! writes an event, and at least once a second (events written by other
//! instances sharing the database). The browser's EventSource reconnects
//! by itself and says where it was (`Last-Event-ID`); a page reconnecting
//! itself passes `after`.

use std::{collections::VecDeque, convert::Infallible, time::Duration};
use threshold_core::refusal::Refusal;

use axum::{
    extract::{Query, State},
    http::{header, HeaderMap},
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse, Response,
    },
};
use serde::Deserialize;
use threshold_core::{
    auth::sessions::token_from_cookies,
    support::{require_support, FeedEvent, SupportError},
    Services,
};
use tokio::{sync::watch, time::Instant};

/// How often a quiet stream looks for other instances' events.
const POLL: Duration = Duration::from_secs(1);
/// How often a stream checks that its session is still a support session.
const REAUTHORISE: Duration = Duration::from_secs(15);
/// Most past events sent when a stream opens.
const MAX_BACKLOG: u32 = 200;
/// Rows read at a time.
const BATCH: i64 = 200;

#[derive(Clone)]
pub struct LiveState {
    pub services: Services,
    /// Becomes true when the server shuts down: streams end so graceful
    /// shutdown is not held open by them.
    pub shutdown: watch::Receiver<bool>,
}

#[derive(Debug, Default, Deserialize)]
pub struct FeedQuery {
    /// Only this account's events.
    account: Option<i64>,
    /// Carry on after this event id.
    after: Option<i64>,
    /// Without `after`: send this many recent events first.
    backlog: Option<u32>,
}

pub async fn events(
    State(state): State<LiveState>,
    headers: HeaderMap,
    Query(query): Query<FeedQuery>,
) -> Response {
    let token = session_token(&headers);
    if let Err(error) = require_support(&state.services, token.as_deref()).await {
        return refusal(&error);
    }
    let resume_after = headers
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<i64>().ok())
        .or(query.after);
    let store = &state.services.store;
    let start = match resume_after {
        Some(after) => Ok((after, Vec::new())),
        None => match query.backlog.unwrap_or(0).min(MAX_BACKLOG) {
            0 => store.newest_event_id().await.map(|id| (id, Vec::new())),
            backlog => match store.recent_events(query.account, i64::from(backlog)).await {
                Ok(recent) => match recent.last() {
                    Some(last) => Ok((last.id, recent)),
                    None => store.newest_event_id().await.map(|id| (id, recent)),
                },
                Err(error) => Err(error),
            },
        },
    };
    let (cursor, backlog) = match start {
        Ok(start) => start,
        Err(error) => {
            tracing::error!("opening the live feed failed: {error}");
            return refusal(&SupportError::Unavailable);
        }
    };

    metrics::gauge!("threshold_live_feeds").increment(1.0);
    let feed = Feed {
        wake: state.services.events.subscribe(),
        services: state.services,
        shutdown: state.shutdown,
        token,
        account: query.account,
        cursor,
        pending: backlog.into(),
        ready_sent: false,
        authorised_at: Instant::now(),
    };
    let stream = futures::stream::unfold(feed, |mut feed| async move {
        feed.next()
            .await
            .map(|event| (Ok::<_, Infallible>(event), feed))
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

struct Feed {
    services: Services,
    wake: watch::Receiver<u64>,
    shutdown: watch::Receiver<bool>,
    token: Option<String>,
    account: Option<i64>,
    /// The last event id read.
    cursor: i64,
    pending: VecDeque<FeedEvent>,
    ready_sent: bool,
    authorised_at: Instant,
}

impl Drop for Feed {
    fn drop(&mut self) {
        metrics::gauge!("threshold_live_feeds").decrement(1.0);
    }
}

impl Feed {
    /// The next message, or `None` to end the stream.
    async fn next(&mut self) -> Option<Event> {
        loop {
            if !self.ready_sent {
                self.ready_sent = true;
                // A short retry: a console reconnects a second after a restart.
                return Some(Event::default().event("ready").data("ok").retry(POLL));
            }
            if let Some(event) = self.pending.pop_front() {
                return Some(message(&event));
            }
            if *self.shutdown.borrow() {
                return None;
            }
            if self.authorised_at.elapsed() >= REAUTHORISE {
                // Logged out, disabled or no longer support: the feed stops.
                require_support(&self.services, self.token.as_deref())
                    .await
                    .ok()?;
                self.authorised_at = Instant::now();
            }
            match self
                .services
                .store
                .events_after(self.cursor, self.account, BATCH)
                .await
            {
                Ok(events) if !events.is_empty() => {
                    self.cursor = events.last().map_or(self.cursor, |event| event.id);
                    self.pending.extend(events);
                    continue;
                }
                Ok(_) => {}
                Err(error) => tracing::warn!("reading the live feed failed: {error}"),
            }
            tokio::select! {
                _ = self.wake.changed() => {}
                () = tokio::time::sleep(POLL) => {}
                _ = self.shutdown.changed() => return None,
            }
        }
    }
}

fn message(event: &FeedEvent) -> Event {
    let event_message = Event::default()
        .event("account-event")
        .id(event.id.to_string());
    match event_message.json_data(event) {
        Ok(message) => message,
        // A FeedEvent always serialises; say something rather than nothing.
        Err(_) => Event::default().comment("unserialisable event"),
    }
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    token_from_cookies(
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok()),
    )
}

/// The stream is not a server function, but it refuses with the same
/// status and words as one would.
fn refusal(error: &SupportError) -> Response {
    (app::errors::status_of(error.kind()), error.to_string()).into_response()
}
