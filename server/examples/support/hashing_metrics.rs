//! The server's own hashing time, read from its /metrics: the histograms
//! of Argon2 job time and queue wait that the hashing threads record.
//! A benchmark scrapes before and after its run and reads the difference,
//! so the bound it reports (cores ÷ median job time) is the hashing the
//! server did during that run, on the machine as loaded as it was — not a
//! verify timed in the load driver's own process.
#![allow(dead_code)] // each example uses its own part of it

use std::error::Error;

pub const JOB_TIME: &str = "threshold_hash_job_seconds";
pub const QUEUE_WAIT: &str = "threshold_hash_queue_wait_seconds";

/// One histogram's cumulative bucket counts, by upper bound in seconds
/// (the last is +Inf).
#[derive(Clone, Debug, Default)]
pub struct Histogram {
    buckets: Vec<(f64, u64)>,
}

/// Every histogram named in `names`, from one scrape of `base`/metrics
/// (open to loopback without a token).
pub async fn scrape(base: &str, names: &[&str]) -> Result<Vec<Histogram>, Box<dyn Error>> {
    let text = reqwest::get(format!("{base}/metrics"))
        .await?
        .error_for_status()?
        .text()
        .await?;
    Ok(names.iter().map(|name| parse(&text, name)).collect())
}

fn parse(text: &str, name: &str) -> Histogram {
    let prefix = format!("{name}_bucket{{le=\"");
    let buckets = text
        .lines()
        .filter_map(|line| line.strip_prefix(&prefix))
        .filter_map(|rest| {
            let (bound, count) = rest.split_once("\"} ")?;
            let bound = if bound == "+Inf" {
                f64::INFINITY
            } else {
                bound.parse().ok()?
            };
            Some((bound, count.trim().parse().ok()?))
        })
        .collect();
    Histogram { buckets }
}

impl Histogram {
    /// What was recorded after `earlier` (a scrape of the same histogram).
    pub fn since(&self, earlier: &Histogram) -> Histogram {
        let buckets = self
            .buckets
            .iter()
            .map(|&(bound, count)| {
                let before = earlier
                    .buckets
                    .iter()
                    .find(|(b, _)| *b == bound)
                    .map_or(0, |(_, c)| *c);
                (bound, count.saturating_sub(before))
            })
            .collect();
        Histogram { buckets }
    }

    pub fn count(&self) -> u64 {
        self.buckets.last().map_or(0, |(_, count)| *count)
    }

    /// The `q` quantile in seconds, interpolated linearly inside its
    /// bucket (as Prometheus' histogram_quantile does); `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let total = self.count();
        if total == 0 {
            return None;
        }
        let rank = q * total as f64;
        let (mut lower, mut below) = (0.0, 0u64);
        for &(upper, count) in &self.buckets {
            if count as f64 >= rank && count > below {
                if upper.is_infinite() {
                    return Some(lower);
                }
                let share = (rank - below as f64) / (count - below) as f64;
                return Some(lower + (upper - lower) * share);
            }
            (lower, below) = (upper, count);
        }
        None
    }
}
