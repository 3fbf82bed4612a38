//! Per-address rate limits, as token buckets kept in the database so every
//! server instance draws from the same bucket.

use crate::clock::Millis;
use crate::store::{BucketLevel, StoreError};
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
        let now = services.clock.now();
        let wait_ms = services
            .store
            .take_from_bucket(bucket, |level| self.draw(level, now))
            .await?;
        Ok(wait_ms.map(|ms| u64::try_from(ms).unwrap_or(0).div_ceil(1000)))
    }

    /// The token bucket: refilled for the time since it was last used (a
    /// new bucket is full), one token taken if there is one. Answers the
    /// bucket to store (with when it is full again, so the sweeper can tell
    /// a row that no longer holds anything back whatever its limit) and,
    /// when empty, the milliseconds until the next token.
    fn draw(&self, level: Option<BucketLevel>, now: Millis) -> (BucketLevel, Option<i64>) {
        let capacity = f64::from(self.burst.max(1));
        let refill_ms = self.refill_ms.max(1) as f64;
        let available = match level {
            Some(level) => {
                let elapsed = (now - level.updated_at).max(0) as f64;
                (level.tokens + elapsed / refill_ms).min(capacity)
            }
            None => capacity,
        };
        let (tokens, wait) = if available >= 1.0 {
            (available - 1.0, None)
        } else {
            (
                available,
                Some(((1.0 - available) * refill_ms).ceil() as i64),
            )
        };
        let full_in_ms = ((capacity - tokens) * refill_ms).ceil() as i64;
        (
            BucketLevel {
                tokens,
                updated_at: now,
                full_at: now.saturating_add(full_in_ms),
            },
            wait,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_gives_its_burst_then_one_token_per_refill() {
        let limit = RateLimit {
            burst: 2,
            refill_ms: 1_000,
        };
        let (level, wait) = limit.draw(None, 0);
        assert_eq!((level.tokens, wait), (1.0, None));
        let (level, wait) = limit.draw(Some(level), 0);
        assert_eq!((level.tokens, wait), (0.0, None));
        let (level, wait) = limit.draw(Some(level), 250);
        assert_eq!(
            wait,
            Some(750),
            "a quarter refilled, three quarters to wait"
        );
        let (_, wait) = limit.draw(Some(level), 1_000);
        assert_eq!(wait, None);
    }

    #[test]
    fn an_idle_bucket_refills_no_further_than_its_burst() {
        let limit = RateLimit::per_minute(3);
        let idle = BucketLevel {
            tokens: 0.0,
            updated_at: 0,
            full_at: 60_000,
        };
        let (level, wait) = limit.draw(Some(idle), 3_600_000);
        assert_eq!((level.tokens, wait), (2.0, None));
    }

    #[test]
    fn a_bucket_says_when_it_is_full_again() {
        let limit = RateLimit {
            burst: 3,
            refill_ms: 1_000,
        };
        let (level, _) = limit.draw(None, 10_000);
        assert_eq!(level.full_at, 11_000, "one token short: one refill");
        let (level, _) = limit.draw(Some(level), 10_000);
        let (level, _) = limit.draw(Some(level), 10_000);
        assert_eq!(level.full_at, 13_000, "empty: the whole burst to refill");
        let (level, _) = limit.draw(Some(level), 10_500);
        assert_eq!(
            (level.tokens, level.full_at),
            (0.5, 13_000),
            "a refused attempt takes nothing: full again when it would have been"
        );
    }
}
