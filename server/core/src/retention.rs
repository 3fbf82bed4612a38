//! Retention: what is kept, for how long, and the sweeper that deletes the
//! rest (SPEC.md §6: expired rows are swept).
//!
//! Every instance runs a sweeper; several at once are safe, because each
//! delete is one bounded statement that re-checks its condition on the row
//! as it stands (store/retention.rs). Each kind of row expires by the rule
//! of the module that owns it:
//!
//! - sessions: when the session policy says they have ended (idle or past
//!   their lifetime), the same test `auth::sessions` applies to a request;
//! - rate-limit buckets: when full again. A full bucket is what a missing
//!   row means, so this holds for every limit, present and future, with
//!   nothing to configure;
//! - counters of names that belong to no account: never while a delay runs
//!   or the name is locked (that state is what throttling answers with);
//!   otherwise after [`RetentionPolicy::unknown_name_ms`] without a failure.
//!   An account's counters stay until a success, a reset or support clear
//!   them, so forgetting an unknown name is the one place the two differ:
//!   someone who fails on a name, stays silent on it for that long and
//!   fails again could tell from the answer whether the count survived.
//!   That needs the whole period per name and tells no more than
//!   registration's "already has an account"; the period is long so the
//!   table stays small without making that cheap;
//! - reset requests: after the hour they count towards (SPEC.md §4);
//! - reset passwords: once expired (a used one is deleted when used);
//! - events and finished messages (with their delivery attempts): after
//!   the configured retention. The audit trail of staff actions is a table
//!   of its own (`audit_log`, written by `support::actions`) and is never
//!   swept; the feed's copy of a support action is an event like any other;
//! - the development mailbox: after a day, as long as the reset password it
//!   shows could work.

use std::time::Duration;

use tokio::sync::watch;

use crate::clock::Millis;
use crate::store::StoreError;
use crate::Services;

const DAY_MS: Millis = 24 * 3_600_000;

/// Reset requests count towards the address's hourly limit for this long
/// after they are made (SPEC.md §4; `Store::issue_reset` counts the same
/// hour).
const RESET_REQUEST_WINDOW_MS: Millis = 3_600_000;

/// How long what expires is kept, and how the sweeper works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// The event log (the console's feed and account histories).
    pub events_ms: Millis,
    /// Sent, abandoned and superseded messages and their delivery attempts
    /// (the account page's "Email" list), counted from when they finished.
    pub mail_ms: Millis,
    /// The development mailbox, which shows reset passwords in the clear.
    pub dev_mailbox_ms: Millis,
    /// Counters of names with no account, after their last failure.
    pub unknown_name_ms: Millis,
    /// How often the sweeper runs.
    pub interval: Duration,
    /// Rows one statement deletes at most, so no lock is held for long.
    pub batch: u32,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        Self {
            events_ms: 180 * DAY_MS,
            mail_ms: 30 * DAY_MS,
            dev_mailbox_ms: DAY_MS,
            unknown_name_ms: 30 * DAY_MS,
            interval: Duration::from_secs(300),
            batch: 500,
        }
    }
}

/// Rows one sweep deleted, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub sessions: u64,
    pub unknown_names: u64,
    pub buckets: u64,
    pub reset_requests: u64,
    pub reset_passwords: u64,
    pub events: u64,
    /// Messages; their delivery attempts go with them.
    pub messages: u64,
    pub dev_mail: u64,
    /// Known devices unused for longer than their cookie lives.
    pub devices: u64,
    /// Passkey ceremonies begun and never finished.
    pub ceremonies: u64,
}

impl SweepReport {
    pub fn total(&self) -> u64 {
        self.by_kind().iter().map(|(_, rows)| rows).sum()
    }

    /// Each kind's count under a name for logs and metrics.
    pub fn by_kind(&self) -> [(&'static str, u64); 10] {
        [
            ("sessions", self.sessions),
            ("unknown_names", self.unknown_names),
            ("buckets", self.buckets),
            ("reset_requests", self.reset_requests),
            ("reset_passwords", self.reset_passwords),
            ("events", self.events),
            ("messages", self.messages),
            ("dev_mail", self.dev_mail),
            ("devices", self.devices),
            ("ceremonies", self.ceremonies),
        ]
    }
}

/// Deletes everything expired at the clock's `now`, in batches of the
/// policy's size until none is left.
pub async fn sweep(services: &Services) -> Result<SweepReport, StoreError> {
    let store = &services.store;
    let policy = services.retention;
    let now = services.clock.now();
    let batch = policy.batch.max(1);
    let live = services.session_policy.live_since(now);
    // Fields are evaluated in the order written: reset passwords go before
    // messages, since a message a pending reset names is kept.
    Ok(SweepReport {
        sessions: in_batches(batch, |n| store.delete_idle_sessions(live.seen, n)).await?
            + in_batches(batch, |n| store.delete_outlived_sessions(live.started, n)).await?,
        unknown_names: in_batches(batch, |n| {
            store.delete_quiet_unknown_names(now - policy.unknown_name_ms, now, n)
        })
        .await?,
        buckets: in_batches(batch, |n| store.delete_full_buckets(now, n)).await?,
        reset_requests: in_batches(batch, |n| {
            store.delete_old_reset_requests(now - RESET_REQUEST_WINDOW_MS, n)
        })
        .await?,
        reset_passwords: in_batches(batch, |n| store.delete_expired_reset_passwords(now, n))
            .await?,
        events: in_batches(batch, |n| {
            store.delete_events_before(now - policy.events_ms, n)
        })
        .await?,
        messages: in_batches(batch, |n| {
            store.delete_finished_messages_before(now - policy.mail_ms, n)
        })
        .await?,
        dev_mail: in_batches(batch, |n| {
            store.delete_dev_mail_before(now - policy.dev_mailbox_ms, n)
        })
        .await?,
        devices: in_batches(batch, |n| {
            store.delete_unused_devices(now - crate::auth::devices::DEVICE_UNUSED_EXPIRY_MS, n)
        })
        .await?,
        ceremonies: in_batches(batch, |n| store.delete_expired_ceremonies(now, n)).await?,
    })
}

/// Runs `delete` (at most `batch` rows a call) until a call deletes fewer:
/// then nothing is left, or another sweeper holds the rest.
async fn in_batches<F, Fut>(batch: u32, mut delete: F) -> Result<u64, StoreError>
where
    F: FnMut(u32) -> Fut,
    Fut: std::future::Future<Output = Result<u64, StoreError>>,
{
    let mut total = 0;
    loop {
        let deleted = delete(batch).await?;
        total += deleted;
        if deleted < u64::from(batch) {
            return Ok(total);
        }
        // Between batches, let requests that wait for the database go first.
        tokio::task::yield_now().await;
    }
}

/// Sweeps at once and then every `interval` until `shutdown` turns true.
/// A sweep cut short by shutdown loses nothing: each batch is its own
/// statement, and the next sweep (here or on another instance) goes on.
pub async fn run(services: Services, shutdown: watch::Receiver<bool>) {
    use tracing::Instrument;
    // Its own span, at ERROR level as a request's is, so its lines are
    // never outside one whatever the log filter.
    let span = tracing::error_span!(
        "sweeper",
        every_seconds = services.retention.interval.as_secs()
    );
    sweep_until(services, shutdown).instrument(span).await;
}

async fn sweep_until(services: Services, mut shutdown: watch::Receiver<bool>) {
    let interval = services.retention.interval;
    tracing::info!("sweeper started");
    loop {
        if *shutdown.borrow() {
            break;
        }
        tokio::select! {
            swept = sweep(&services) => log_sweep(swept),
            _ = shutdown.changed() => break,
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => {}
        }
    }
    tracing::info!("sweeper stopped");
}

fn log_sweep(swept: Result<SweepReport, StoreError>) {
    match swept {
        Ok(report) => {
            for (kind, rows) in report.by_kind() {
                metrics::counter!("threshold_swept_rows_total", "kind" => kind).increment(rows);
            }
            if report.total() > 0 {
                tracing::info!(
                    sessions = report.sessions,
                    unknown_names = report.unknown_names,
                    buckets = report.buckets,
                    reset_requests = report.reset_requests,
                    reset_passwords = report.reset_passwords,
                    events = report.events,
                    messages = report.messages,
                    dev_mail = report.dev_mail,
                    devices = report.devices,
                    ceremonies = report.ceremonies,
                    "swept expired rows"
                );
            }
        }
        Err(error) => tracing::error!("sweeping expired rows failed: {error}"),
    }
}
