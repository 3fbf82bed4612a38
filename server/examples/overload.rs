//! Overload benchmark: far more login clients than the hashing threads can
//! serve, against a running server, to see the hashing queue's bound hold.
//!
//! Run through `make bench-overload` (scripts/bench-overload.sh builds and
//! starts a release server with a throwaway database and the per-address
//! login limit lifted, then runs this). Each client has its own account and
//! logs in again as soon as it is answered; after a 503 it waits the
//! `Retry-After` it was given, as the dialog asks a person to (`at-once`:
//! it does not wait, as a script might not). Prints: successful logins per
//! second; the hashing bound, cores ÷ the median Argon2 job time the server
//! itself recorded during the run (its /metrics histogram), and their
//! ratio; latency of answered logins (200 or 422) and of busy ones (503);
//! the server's peak RSS and CPU; this driver's own CPU.
//!
//! Usage: overload <base-url> <server-pid> [clients] [seconds] [wait|at-once]

#[path = "support/hashing_metrics.rs"]
mod hashing_metrics;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use hashing_metrics::{scrape, JOB_TIME, QUEUE_WAIT};
use reqwest::{header::RETRY_AFTER, StatusCode};
use tokio::sync::Semaphore;

const PASSWORD: &str = "violet kettle harbour";

/// What one client saw: latencies in seconds by kind of answer.
#[derive(Default)]
struct Seen {
    ok: Vec<f64>,
    refused: Vec<f64>,
    busy: Vec<f64>,
    /// Any other status, or no answer (connection refused or reset).
    other: u64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: overload <base-url> <server-pid> [clients] [seconds] [wait|at-once]";
    let base = args.get(1).ok_or(usage)?.clone();
    let pid: u32 = args.get(2).ok_or(usage)?.parse()?;
    let clients: usize = args.get(3).map_or(Ok(1000), |s| s.parse())?;
    let seconds: u64 = args.get(4).map_or(Ok(30), |s| s.parse())?;
    let honour_retry_after = match args.get(5).map(String::as_str) {
        None | Some("wait") => true,
        Some("at-once") => false,
        Some(_) => return Err(usage.into()),
    };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);

    eprintln!("overload: registering {clients} accounts");
    let usernames = register_accounts(&base, clients).await?;

    let before = scrape(&base, &[JOB_TIME, QUEUE_WAIT]).await?;
    let (driver_cpu, server_cpu) = (cpu_seconds("self"), cpu_seconds(&pid.to_string()));
    let started = Instant::now();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    let tasks: Vec<_> = usernames
        .into_iter()
        .map(|username| {
            let url = format!("{base}/api/login");
            tokio::spawn(log_in_until(url, username, deadline, honour_retry_after))
        })
        .collect();
    let mut seen = Seen::default();
    for task in tasks {
        let one = task.await?;
        seen.ok.extend(one.ok);
        seen.refused.extend(one.refused);
        seen.busy.extend(one.busy);
        seen.other += one.other;
    }
    let wall = started.elapsed().as_secs_f64();
    let driver_cpu = cpu_seconds("self") - driver_cpu;
    let server_cpu = cpu_seconds(&pid.to_string()) - server_cpu;
    let after = scrape(&base, &[JOB_TIME, QUEUE_WAIT]).await?;
    let job = after[0].since(&before[0]);
    let wait = after[1].since(&before[1]);

    let per_second = seen.ok.len() as f64 / wall;
    let median_job = job.quantile(0.5).ok_or("the server recorded no hashing")?;
    let bound = cores as f64 / median_job;
    let mut answered: Vec<f64> = seen.ok.iter().chain(&seen.refused).copied().collect();
    let ms =
        |seconds: Option<f64>| seconds.map_or("-".to_owned(), |s| format!("{:.0} ms", s * 1000.0));
    println!(
        "clients                      {clients} (after a 503: {})",
        if honour_retry_after {
            "wait Retry-After"
        } else {
            "at once"
        }
    );
    println!("duration                     {wall:.1} s");
    println!(
        "successful logins            {} ({per_second:.1}/s)",
        seen.ok.len()
    );
    println!("refused logins (422)         {}", seen.refused.len());
    println!("busy answers (503)           {}", seen.busy.len());
    println!("other answers, no answer     {}", seen.other);
    println!(
        "argon2 jobs on the server    {} (median {:.1} ms, p95 {})",
        job.count(),
        median_job * 1000.0,
        ms(job.quantile(0.95))
    );
    println!(
        "queue wait on the server     median {}, p95 {}",
        ms(wait.quantile(0.5)),
        ms(wait.quantile(0.95))
    );
    println!("hashing bound ({cores} cores)      {bound:.1} logins/s (cores ÷ median job time)");
    println!(
        "ratio to bound               {:.2} (target ≥ 0.9)",
        per_second / bound
    );
    println!(
        "answered latency (200/422)   p50 {}, p95 {} (target p95 < 3 s)",
        ms(percentile(&mut answered, 0.5)),
        ms(percentile(&mut answered, 0.95))
    );
    println!(
        "busy latency (503)           p50 {}, p95 {}",
        ms(percentile(&mut seen.busy, 0.5)),
        ms(percentile(&mut seen.busy, 0.95))
    );
    println!(
        "server peak RSS              {} MiB (target < 150 MB)",
        status_kib(pid, "VmHWM:") / 1024
    );
    println!(
        "server CPU                   {:.2} of {cores} cores",
        server_cpu / wall
    );
    println!(
        "load driver CPU              {:.2} of {cores} cores ({:.0}% of the machine)",
        driver_cpu / wall,
        driver_cpu / wall / cores as f64 * 100.0
    );
    Ok(())
}

/// One client: logs in again as soon as it is answered, until the deadline
/// (a login in flight then is dropped, as a person closing the tab).
async fn log_in_until(
    url: String,
    username: String,
    deadline: tokio::time::Instant,
    honour_retry_after: bool,
) -> Seen {
    let mut seen = Seen::default();
    let client = reqwest::Client::new();
    let form = [
        ("form[identifier]", username.as_str()),
        ("form[password]", PASSWORD),
    ];
    let _ = tokio::time::timeout_at(deadline, async {
        loop {
            let sent = Instant::now();
            let answer = client.post(&url).form(&form).send().await;
            let Ok(response) = answer else {
                seen.other += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            };
            let status = response.status();
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
            let _ = response.bytes().await;
            let took = sent.elapsed().as_secs_f64();
            match status {
                StatusCode::OK => seen.ok.push(took),
                StatusCode::UNPROCESSABLE_ENTITY => seen.refused.push(took),
                StatusCode::SERVICE_UNAVAILABLE => {
                    seen.busy.push(took);
                    if honour_retry_after {
                        let wait = retry_after.unwrap_or(1);
                        tokio::time::sleep(Duration::from_secs(wait)).await;
                    }
                }
                _ => seen.other += 1,
            }
        }
    })
    .await;
    seen
}

/// One account per client, registered a few at a time (each costs a hash;
/// a busy answer is retried after its Retry-After).
async fn register_accounts(
    base: &str,
    count: usize,
) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let run = std::process::id();
    let at_once = Arc::new(Semaphore::new(8));
    let tasks: Vec<_> = (0..count)
        .map(|i| {
            let (base, at_once) = (base.to_owned(), Arc::clone(&at_once));
            tokio::spawn(async move {
                let _turn = at_once.acquire().await;
                let client = reqwest::Client::new();
                let username = format!("over{run}x{i}");
                let email = format!("{username}@example.org");
                loop {
                    let response = client
                        .post(format!("{base}/api/register"))
                        .form(&[
                            ("form[first_name]", "Bench"),
                            ("form[surname]", "Mark"),
                            ("form[email]", email.as_str()),
                            ("form[username]", username.as_str()),
                            ("form[account_type]", "practitioner"),
                            ("form[password]", PASSWORD),
                        ])
                        .send()
                        .await
                        .map_err(|error| error.to_string())?;
                    match response.status() {
                        StatusCode::OK => return Ok(username),
                        StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS => {
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                        other => return Err(format!("registering {username}: {other}")),
                    }
                }
            })
        })
        .collect();
    let mut usernames = Vec::with_capacity(count);
    for task in tasks {
        usernames.push(task.await??);
    }
    Ok(usernames)
}

/// The `q` quantile of `values` (sorted here), `None` when there are none.
fn percentile(values: &mut [f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let index = ((values.len() as f64 * q).ceil() as usize).clamp(1, values.len()) - 1;
    Some(values[index])
}

/// CPU time (user + system) of a process so far, in seconds, from
/// /proc/<pid>/stat ("self": this driver), whose clock ticks are USER_HZ,
/// 100 a second on Linux.
fn cpu_seconds(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name, which is in parentheses and may hold
    // spaces: state is the 3rd field, utime the 14th, stime the 15th.
    let Some((_, after_name)) = stat.rsplit_once(')') else {
        return 0.0;
    };
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |index: usize| {
        fields
            .get(index)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// A memory figure of the server process from /proc (VmRSS: now, VmHWM:
/// peak), in KiB.
fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with(field))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}
