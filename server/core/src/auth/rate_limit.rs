//! Per-address rate limits, as token buckets kept in the database so every
//! server instance draws from the same bucket.

use crate::store::StoreError;
use crate::Services;

/// A burst of `burst` attempts, then one more every `refill_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub burst: u32,
    pub refill_ms: u64,
}

impl RateLimit {
    /// `count` at once, refilled at `count` a minute.
    pub const fn per_minute(count: u32) -> Self {
        Self {
            burst: count,
            refill_ms: 60_000 / if count == 0 { 1 } else { count as u64 },
        }
    }

    /// `count` at once, refilled at `count` an hour.
    pub const fn per_hour(count: u32) -> Self {
        Self {
            burst: count,
            refill_ms: 3_600_000 / if count == 0 { 1 } else { count as u64 },
        }
    }

    /// Takes one attempt from `bucket`; `Some(seconds)` when there is none
    /// left and the next comes in that many seconds.
    pub async fn take(&self, services: &Services, bucket: &str) -> Result<Option<u64>, StoreError> {
        let wait_ms = services
            .store
            .take_rate_token(
                bucket,
                f64::from(self.burst.max(1)),
                self.refill_ms.max(1) as f64,
                services.clock.now(),
            )
            .await?;
        Ok(wait_ms.map(|ms| u64::try_from(ms).unwrap_or(0).div_ceil(1000)))
    }
}
