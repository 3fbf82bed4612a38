//! Time, injected so tests can move it instead of sleeping.

use std::sync::{
    atomic::{AtomicI64, Ordering},
    Arc,
};

/// Milliseconds since the Unix epoch, UTC: the unit of every stored time.
pub type Millis = i64;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Millis;
}

/// The real clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Millis {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
    }
}

/// A clock that moves only when told: for tests of expiry and throttling.
#[derive(Clone, Debug)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    pub fn starting_at(now: Millis) -> Self {
        Self(Arc::new(AtomicI64::new(now)))
    }

    pub fn advance(&self, by: std::time::Duration) {
        let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.0.fetch_add(by, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Millis {
        self.0.load(Ordering::SeqCst)
    }
}
