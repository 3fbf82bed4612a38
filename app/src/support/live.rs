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
    //! Written on `web_sys::EventSource` itself: its error event is what
    //! tells "reconnecting" from "live", and the browser's own retry (with
    //! `Last-Event-ID`) does the reconnecting. Only a source the browser
    //! gave up on (CLOSED) is replaced, carrying on after the last event.

    use std::{rc::Rc, time::Duration};

    use leptos::prelude::*;
    use threshold_core::support::FeedEvent;
    use wasm_bindgen::{closure::Closure, JsCast};
    use web_sys::{Event, EventSource, MessageEvent};

    use super::{LiveFeed, LiveMessage, LiveState};

    /// The SSE event names the server sends.
    const EVENT_NAME: &str = "account-event";
    const READY_NAME: &str = "ready";
    /// Wait before replacing a source the browser gave up on.
    const REPLACE_AFTER: Duration = Duration::from_secs(1);

    /// An open source and the handlers it calls (dropped with it).
    struct Connection {
        source: EventSource,
        _on_ready: Closure<dyn FnMut(MessageEvent)>,
        _on_event: Closure<dyn FnMut(MessageEvent)>,
        _on_error: Closure<dyn FnMut(Event)>,
    }

    #[derive(Clone)]
    struct Stream {
        feed: LiveFeed,
        on_message: Rc<dyn Fn(LiveMessage)>,
        set_state: WriteSignal<LiveState>,
        connection: StoredValue<Option<Connection>, LocalStorage>,
        last_seen: StoredValue<Option<i64>, LocalStorage>,
    }

    pub fn stream(
        feed: LiveFeed,
        on_message: impl Fn(LiveMessage) + 'static,
        set_state: WriteSignal<LiveState>,
    ) {
        let stream = Stream {
            feed,
            on_message: Rc::new(on_message),
            set_state,
            connection: StoredValue::new_local(None),
            last_seen: StoredValue::new_local(None),
        };
        let connection = stream.connection;
        on_cleanup(move || {
            connection.try_update_value(|open| {
                if let Some(open) = open.take() {
                    open.source.close();
                }
            });
        });
        stream.connect();
    }

    impl Stream {
        fn url(&self) -> String {
            let mut params = Vec::new();
            if let Some(account) = self.feed.account {
                params.push(format!("account={account}"));
            }
            match self.last_seen.get_value() {
                Some(last) => params.push(format!("after={last}")),
                None => params.push(format!("backlog={}", self.feed.backlog)),
            }
            format!("/support/events?{}", params.join("&"))
        }

        fn connect(self) {
            let Ok(source) = EventSource::new(&self.url()) else {
                self.replace_later();
                return;
            };
            let on_ready = {
                let stream = self.clone();
                Closure::<dyn FnMut(MessageEvent)>::new(move |_| {
                    stream.set_state.set(LiveState::Live);
                    (stream.on_message)(LiveMessage::Ready);
                })
            };
            let on_event = {
                let stream = self.clone();
                Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
                    let Some(text) = message.data().as_string() else {
                        return;
                    };
                    if let Ok(event) = serde_json::from_str::<FeedEvent>(&text) {
                        stream.last_seen.set_value(Some(event.id));
                        (stream.on_message)(LiveMessage::Event(event));
                    }
                })
            };
            let on_error = {
                let stream = self.clone();
                let source = source.clone();
                Closure::<dyn FnMut(Event)>::new(move |_| {
                    stream.set_state.set(LiveState::Reconnecting);
                    if source.ready_state() == EventSource::CLOSED {
                        stream.clone().replace_later();
                    }
                })
            };
            let _ = source
                .add_event_listener_with_callback(READY_NAME, on_ready.as_ref().unchecked_ref());
            let _ = source
                .add_event_listener_with_callback(EVENT_NAME, on_event.as_ref().unchecked_ref());
            source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            let replaced = self.connection.try_update_value(|open| {
                if let Some(old) = open.replace(Connection {
                    source: source.clone(),
                    _on_ready: on_ready,
                    _on_event: on_event,
                    _on_error: on_error,
                }) {
                    old.source.close();
                }
            });
            if replaced.is_none() {
                // The page is gone.
                source.close();
            }
        }

        fn replace_later(self) {
            set_timeout(
                move || {
                    // Still wanted (the page is open)?
                    if self.connection.try_with_value(|_| ()).is_some() {
                        self.connect();
                    }
                },
                REPLACE_AFTER,
            );
        }
    }
}
