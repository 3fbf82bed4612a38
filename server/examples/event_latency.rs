//! Cross-instance live-feed latency: how soon a login made on instance B
//! reaches a support console's live feed on instance A, the two sharing one
//! database. That they act as one site (sessions, throttling and the feed
//! crossing between instances) is proven by `server/tests/cross_instance.rs`;
//! this only measures.
//!
//! Run through `scripts/multi-instance.sh`, which starts PostgreSQL, two
//! release instances on a fresh database (per-address login limit lifted:
//! every login here comes from 127.0.0.1) and a support user, then runs
//! this. The support user opens A's feed, a practitioner is registered on
//! B, and then N logins on B run one after another, each from a new client
//! without cookies (a real login, not a session reused). For each it times
//! the event's arrival on A's feed from the moment B's response arrived,
//! and from the moment the request was sent, and prints p50/p95/max of
//! both. B records the event before it answers, so the first figure can be
//! negative: A's console saw the login before the person's browser did.
//!
//! It prints a PASS or FAIL line for each thing the figures rely on: A's
//! feed opens (`event: ready`), every login succeeds, and every login's
//! event reaches A's feed, in event id order. The exit status is non-zero
//! when one fails. The latency target (p95 under 250 ms after the response)
//! is reported, not enforced: a loaded machine should not turn a working
//! site into a failed run.
//!
//! Usage: event_latency <url-A> <url-B> <support-username> <support-password> [logins]

use std::{
    process::ExitCode,
    time::{Duration, Instant},
};

use eventsource_stream::{Event, Eventsource};
use futures::StreamExt;
use reqwest::{Client, StatusCode};
use threshold_core::support::FeedEvent;
use tokio::sync::mpsc;

const USAGE: &str =
    "usage: event_latency <url-A> <url-B> <support-username> <support-password> [logins]";
/// The practitioner's password: long and uncommon enough for the rules.
const PASSWORD: &str = "violet kettle harbour";
/// The feed's own fallback poll is one second, so an event that has not
/// arrived after this long is missing, not slow.
const EVENT_TIMEOUT: Duration = Duration::from_secs(5);
/// The target for "login answered on B" to "event read on A", at p95.
const TARGET_P95_MS: f64 = 250.0;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (a, b, support_name, support_password) = match args.as_slice() {
        [a, b, name, password] | [a, b, name, password, _] => (
            a.trim_end_matches('/'),
            b.trim_end_matches('/'),
            name,
            password,
        ),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let logins: usize = match args.get(4).map_or(Ok(200), |n| n.parse()) {
        Ok(n) if n > 0 => n,
        _ => {
            eprintln!("{USAGE}\n[logins] is a positive number");
            return ExitCode::from(2);
        }
    };

    let mut checks = Checks::default();
    // An error is a failure that leaves nothing to measure (a server that
    // does not answer, a support user or practitioner refused, a feed that
    // ends).
    if let Err(message) = run(&mut checks, a, b, support_name, support_password, logins).await {
        checks.record(false, &message);
    }
    if checks.failed == 0 {
        println!("all checks passed");
        ExitCode::SUCCESS
    } else {
        println!("{} check(s) failed", checks.failed);
        ExitCode::FAILURE
    }
}

/// PASS/FAIL lines, and how many failed.
#[derive(Default)]
struct Checks {
    failed: usize,
}

impl Checks {
    fn record(&mut self, passed: bool, what: &str) -> bool {
        if passed {
            println!("PASS {what}");
        } else {
            println!("FAIL {what}");
            self.failed += 1;
        }
        passed
    }
}

async fn run(
    checks: &mut Checks,
    a: &str,
    b: &str,
    support_name: &str,
    support_password: &str,
    logins: usize,
) -> Result<(), String> {
    // A support console on A, listening.
    let support = Client::builder()
        .cookie_store(true)
        .build()
        .map_err(|error| format!("cannot build an HTTP client: {error}"))?;
    let status = log_in(&support, a, support_name, support_password).await?;
    if status != StatusCode::OK {
        return Err(format!(
            "support user {support_name} logs in on A ({status})"
        ));
    }
    let mut feed = Feed::open(&support, a).await?;
    let ready = feed
        .next_matching(|message| message.event.event == "ready")
        .await;
    if !checks.record(ready.is_some(), "A's live feed opens (event: ready)") {
        return Ok(());
    }

    // The account the logins are made with. The process id keeps the name
    // unique across runs on one database.
    let username = format!("latency{}", std::process::id());
    register(b, &username).await?;

    // Logins on B, one after another, timed to their event on A.
    let mut after_response = Vec::with_capacity(logins);
    let mut after_request = Vec::with_capacity(logins);
    let mut failed_logins = 0;
    let mut missing_events = 0;
    // The registration's event is `registered`, so the first `login` of
    // this name is the first login's.
    let mut last_id = 0;
    for _ in 0..logins {
        // A new client: nothing carries over from the last login.
        let fresh = Client::new();
        let sent = Instant::now();
        let response = fresh
            .post(format!("{b}/api/login"))
            .form(&[
                ("form[identifier]", username.as_str()),
                ("form[password]", PASSWORD),
            ])
            .send()
            .await;
        let answered = Instant::now();
        match response {
            Ok(response) if response.status() == StatusCode::OK => {}
            Ok(response) => {
                failed_logins += 1;
                if failed_logins == 1 {
                    let status = response.status();
                    let body = response.text().await.unwrap_or_default();
                    println!("  first failed login on B: {status} {body}");
                }
                continue;
            }
            Err(error) => {
                failed_logins += 1;
                if failed_logins == 1 {
                    println!("  first failed login on B: {error}");
                }
                continue;
            }
        }
        // The next `login` of this name after the last one matched is this
        // login's: they are made one at a time.
        let event = feed
            .next_matching(|message| {
                message.feed_event().is_some_and(|event| {
                    event.kind == "login"
                        && event.username.as_deref() == Some(username.as_str())
                        && event.id > last_id
                })
            })
            .await;
        let Some(event) = event else {
            if feed.closed {
                return Err("A's feed ended in the middle of the run".to_owned());
            }
            missing_events += 1;
            continue;
        };
        last_id = event.feed_event().map_or(last_id, |event| event.id);
        after_response.push(signed_ms(event.at, answered));
        after_request.push(signed_ms(event.at, sent));
    }
    checks.record(
        failed_logins == 0,
        &format!("{} of {logins} logins on B succeed", logins - failed_logins),
    );
    checks.record(
        missing_events == 0,
        &format!(
            "{} of {} login events reach A's feed, in id order",
            logins - failed_logins - missing_events,
            logins - failed_logins
        ),
    );

    println!("logins measured: {}", after_response.len());
    if after_response.is_empty() {
        return Ok(());
    }
    let response_stats = Stats::of(&mut after_response);
    let request_stats = Stats::of(&mut after_request);
    println!("login response on B -> event on A: {response_stats}");
    println!("login request to B  -> event on A: {request_stats}");
    // Timing is reported, not counted as a failed check.
    println!(
        "{} target: p95 from the response on B to the event on A {:.1} ms < {TARGET_P95_MS} ms",
        if response_stats.p95 < TARGET_P95_MS {
            "PASS"
        } else {
            "FAIL"
        },
        response_stats.p95
    );
    Ok(())
}

async fn log_in(
    client: &Client,
    base: &str,
    identifier: &str,
    password: &str,
) -> Result<StatusCode, String> {
    client
        .post(format!("{base}/api/login"))
        .form(&[
            ("form[identifier]", identifier),
            ("form[password]", password),
        ])
        .send()
        .await
        .map(|response| response.status())
        .map_err(|error| format!("logging in on {base}: {error}"))
}

/// Registers a practitioner `username` on `base` with [`PASSWORD`].
async fn register(base: &str, username: &str) -> Result<(), String> {
    let email = format!("{username}@example.org");
    let response = Client::new()
        .post(format!("{base}/api/register"))
        .form(&[
            ("form[first_name]", "Lena"),
            ("form[surname]", "Tency"),
            ("form[email]", email.as_str()),
            ("form[username]", username),
            ("form[account_type]", "practitioner"),
            ("form[password]", PASSWORD),
        ])
        .send()
        .await
        .map_err(|error| format!("registering on {base}: {error}"))?;
    let status = response.status();
    if status == StatusCode::OK {
        return Ok(());
    }
    let body = response.text().await.unwrap_or_default();
    Err(format!(
        "practitioner {username} registers on {base} ({status}): {body}"
    ))
}

/// `later - earlier` in milliseconds, negative when `later` came first.
fn signed_ms(later: Instant, earlier: Instant) -> f64 {
    match later.checked_duration_since(earlier) {
        Some(after) => after.as_secs_f64() * 1000.0,
        None => -(earlier.duration_since(later).as_secs_f64() * 1000.0),
    }
}

struct Stats {
    min: f64,
    p50: f64,
    p95: f64,
    max: f64,
}

impl Stats {
    /// Nearest-rank percentiles.
    fn of(samples: &mut [f64]) -> Self {
        samples.sort_by(f64::total_cmp);
        let rank = |p: f64| {
            let index = (p * samples.len() as f64).ceil() as usize;
            samples[index.clamp(1, samples.len()) - 1]
        };
        Self {
            min: samples[0],
            p50: rank(0.50),
            p95: rank(0.95),
            max: samples[samples.len() - 1],
        }
    }
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms (min {:.1} ms)",
            self.p50, self.p95, self.max, self.min
        )
    }
}

/// One server-sent event, stamped as soon as it was read off the socket.
struct Message {
    event: Event,
    at: Instant,
}

impl Message {
    /// The account event this message carries, if it is one.
    fn feed_event(&self) -> Option<FeedEvent> {
        if self.event.event != "account-event" {
            return None;
        }
        serde_json::from_str(&self.event.data).ok()
    }
}

/// A's live feed. A task of its own reads the stream the whole time and
/// stamps each message as it arrives, so an event that comes while this
/// side is still waiting for B's answer keeps its true arrival time.
struct Feed {
    messages: mpsc::UnboundedReceiver<Message>,
    closed: bool,
}

impl Feed {
    async fn open(client: &Client, base: &str) -> Result<Self, String> {
        let response = client
            .get(format!("{base}/support/events"))
            .send()
            .await
            .map_err(|error| format!("opening the feed on {base}: {error}"))?;
        if response.status() != StatusCode::OK {
            return Err(format!(
                "opening the feed on {base}: status {}",
                response.status()
            ));
        }
        let (sender, messages) = mpsc::unbounded_channel();
        tokio::spawn(read_stream(response, sender));
        Ok(Self {
            messages,
            closed: false,
        })
    }

    /// The next message `wanted` accepts, skipping others (other kinds,
    /// other accounts); `None` after [`EVENT_TIMEOUT`] or when the stream
    /// has ended.
    async fn next_matching(&mut self, mut wanted: impl FnMut(&Message) -> bool) -> Option<Message> {
        let deadline = tokio::time::Instant::now() + EVENT_TIMEOUT;
        loop {
            match tokio::time::timeout_at(deadline, self.messages.recv()).await {
                Ok(Some(message)) if wanted(&message) => return Some(message),
                Ok(Some(_)) => {}
                Ok(None) => {
                    self.closed = true;
                    return None;
                }
                Err(_) => return None,
            }
        }
    }
}

/// Passes the stream's events on until it ends or fails. The parser yields
/// an event as soon as the chunk that completes it is read, so its stamp is
/// the chunk's arrival.
async fn read_stream(response: reqwest::Response, sender: mpsc::UnboundedSender<Message>) {
    let mut events = response.bytes_stream().eventsource();
    while let Some(Ok(event)) = events.next().await {
        let message = Message {
            event,
            at: Instant::now(),
        };
        if sender.send(message).is_err() {
            return;
        }
    }
}
