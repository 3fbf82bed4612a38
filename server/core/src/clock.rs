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

/// `2026-11-23 14:05 UTC`: how stored times are shown to people (support,
/// the development mailbox). UTC, because staff may sit in other zones.
pub fn utc_text(at: Millis) -> String {
    let seconds = at.div_euclid(1000);
    let (days, of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        of_day / 3600,
        (of_day % 3600) / 60
    )
}

/// The month names the console writes, as en-GB writes them short.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `3 Dec 2026, 14:05 UTC`: a stored time as the support console renders
/// it on the server, in the browser's en-GB form, so the browser's rewrite
/// to its own zone (`3 Dec 2026, 14:05 GMT`) keeps the same shape and width.
pub fn day_text_utc(at: Millis) -> String {
    let (year, month, day, hour, minute) = utc_parts(at);
    let month = MONTHS[(month - 1) as usize];
    format!("{day} {month} {year}, {hour:02}:{minute:02} UTC")
}

/// `2026-12-03T14:05:00Z`: the machine-readable form for `<time datetime>`.
pub fn iso_utc(at: Millis) -> String {
    let (year, month, day, hour, minute) = utc_parts(at);
    let second = at.div_euclid(1000).rem_euclid(60);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
}

/// Year, month, day, hour and minute of `at`, in UTC.
fn utc_parts(at: Millis) -> (i64, u32, u32, i64, i64) {
    let seconds = at.div_euclid(1000);
    let (days, of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    (year, month, day, of_day / 3600, (of_day % 3600) / 60)
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard
/// Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_as_utc_dates() {
        assert_eq!(utc_text(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_text(951_782_400_000), "2000-02-29 00:00 UTC");
        assert_eq!(utc_text(1_795_443_900_000), "2026-11-23 14:25 UTC");
        assert_eq!(utc_text(-1), "1969-12-31 23:59 UTC");
    }

    #[test]
    fn the_console_writes_days_as_en_gb_does_and_datetime_as_iso() {
        assert_eq!(day_text_utc(0), "1 Jan 1970, 00:00 UTC");
        assert_eq!(day_text_utc(1_795_443_900_000), "23 Nov 2026, 14:25 UTC");
        assert_eq!(day_text_utc(951_782_400_000), "29 Feb 2000, 00:00 UTC");
        assert_eq!(day_text_utc(-1), "31 Dec 1969, 23:59 UTC");
        assert_eq!(iso_utc(1_795_443_907_000), "2026-11-23T14:25:07Z");
        assert_eq!(iso_utc(-1), "1969-12-31T23:59:59Z");
    }
}
