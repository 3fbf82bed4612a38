//! Per-address rate limits, as token buckets kept in the database so every
//! server instance draws from the same bucket.

use crate::store::StoreError;
use crate::Services;

/// `burst` attempts at once, refilled at `per_minute`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub burst: u32,
    pub per_minute: u32,
}

impl RateLimit {
    /// Takes one attempt from `bucket`; `Some(seconds)` when there is none
    /// left and the next comes in that many seconds.
    pub async fn take(&self, services: &Services, bucket: &str) -> Result<Option<u64>, StoreError> {
        let refill_ms = 60_000.0 / f64::from(self.per_minute.max(1));
        let wait_ms = services
            .store
            .take_rate_token(
                bucket,
                f64::from(self.burst.max(1)),
                refill_ms,
                services.clock.now(),
            )
            .await?;
        Ok(wait_ms.map(|ms| u64::try_from(ms).unwrap_or(0).div_ceil(1000)))
    }
}
