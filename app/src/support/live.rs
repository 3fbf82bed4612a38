//! The live feed in the browser: an EventSource on `/support/events` that
//! hands each event to the page, and reconnects by itself (from the last
//! event it saw) when the server goes away and comes back.

use leptos::prelude::*;
use threshold_core::support::FeedEvent;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
// Built and read by the browser side only.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub enum LiveState {
    Connecting,
    Live,
    Reconnecting,
}

impl LiveState {
    pub fn text(self) -> &'static str {
        match self {
            LiveState::Connecting => "Connecting…",
            LiveState::Live => "Live",
            LiveState::Reconnecting => "Reconnecting…",
        }
    }
}

/// What the stream hands the page.
#[derive(Clone, Debug, PartialEq, Eq)]
// Built and read by the browser side only.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub enum LiveMessage {
    /// (Re)connected: anything shown may have missed events meanwhile.
    Ready,
    Event(FeedEvent),
}

/// Which events to stream, and how many past ones first.
#[derive(Clone, Copy, Debug)]
// Built and read by the browser side only.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub struct LiveFeed {
    /// One account's events, or every account's.
    pub account: Option<i64>,
    /// Recent events sent on the first connection (later connections carry
    /// on from the last event seen).
    pub backlog: u32,
}

/// Streams events to `on_message` while the calling component lives.
pub fn use_live_events(
    feed: LiveFeed,
    on_message: impl Fn(LiveMessage) + 'static,
) -> ReadSignal<LiveState> {
    let (state, set_state) = signal(LiveState::Connecting);
    #[cfg(feature = "hydrate")]
    browser::stream(feed, on_message, set_state);
    #[cfg(not(feature = "hydrate"))]
    let _ = (feed, on_message, set_state);
    state
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::{
        sync::{
            atomic::{AtomicBool, Ordering},
            Arc,
        },
        time::Duration,
    };

    use futures::StreamExt;
    use gloo_net::eventsource::futures::EventSource;
    use leptos::prelude::*;
    use threshold_core::support::FeedEvent;

    use super::{LiveFeed, LiveMessage, LiveState};

    /// The SSE event names the server sends.
    const EVENT_NAME: &str = "account-event";
    const READY_NAME: &str = "ready";
    /// Wait before reconnecting ourselves (the browser's own retry is used
    /// first; this covers a source it gave up on).
    const RECONNECT_DELAY: Duration = Duration::from_secs(1);

    pub fn stream(
        feed: LiveFeed,
        on_message: impl Fn(LiveMessage) + 'static,
        set_state: WriteSignal<LiveState>,
    ) {
        let alive = Arc::new(AtomicBool::new(true));
        {
            let alive = Arc::clone(&alive);
            on_cleanup(move || alive.store(false, Ordering::Relaxed));
        }
        leptos::task::spawn_local(async move {
            let mut last_seen: Option<i64> = None;
            while alive.load(Ordering::Relaxed) {
                let mut params = Vec::new();
                if let Some(account) = feed.account {
                    params.push(format!("account={account}"));
                }
                match last_seen {
                    Some(last) => params.push(format!("after={last}")),
                    None => params.push(format!("backlog={}", feed.backlog)),
                }
                let url = format!("/support/events?{}", params.join("&"));
                if let Ok(mut source) = EventSource::new(&url) {
                    if let (Ok(ready), Ok(events)) =
                        (source.subscribe(READY_NAME), source.subscribe(EVENT_NAME))
                    {
                        let mut messages = futures::stream::select(ready, events);
                        while let Some(item) = messages.next().await {
                            if !alive.load(Ordering::Relaxed) {
                                break;
                            }
                            let Ok((name, message)) = item else { break };
                            set_state.set(LiveState::Live);
                            if name == READY_NAME {
                                on_message(LiveMessage::Ready);
                                continue;
                            }
                            let Some(text) = message.data().as_string() else {
                                continue;
                            };
                            if let Ok(event) = serde_json::from_str::<FeedEvent>(&text) {
                                last_seen = Some(event.id);
                                on_message(LiveMessage::Event(event));
                            }
                        }
                    }
                    source.close();
                }
                if !alive.load(Ordering::Relaxed) {
                    break;
                }
                set_state.set(LiveState::Reconnecting);
                sleep(RECONNECT_DELAY).await;
            }
        });
    }

    async fn sleep(duration: Duration) {
        let (done, wait) = futures::channel::oneshot::channel::<()>();
        set_timeout(
            move || {
                let _ = done.send(());
            },
            duration,
        );
        let _ = wait.await;
    }
}
