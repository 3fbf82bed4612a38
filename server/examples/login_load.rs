//! Login load benchmark: drives concurrent logins against a running server
//! and compares the throughput with the Argon2 bound.
//!
//! Run through `make bench-login` (scripts/bench-login.sh builds and starts
//! a release server with a throwaway database, then runs this). Prints:
//! successful logins per second, the median Argon2 job time the server
//! itself recorded during the measured run (its /metrics histogram), the
//! hashing bound (cores / that median), their ratio, and the server's idle
//! and peak RSS.
//!
//! Usage: login_load <base-url> <server-pid> [clients] [seconds]

#[path = "support/hashing_metrics.rs"]
mod hashing_metrics;

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use hashing_metrics::{scrape, JOB_TIME, QUEUE_WAIT};

const PASSWORD: &str = "violet kettle harbour";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let base = args
        .get(1)
        .ok_or("usage: login_load <base-url> <server-pid> [clients] [seconds]")?;
    let pid: u32 = args.get(2).ok_or("missing server pid")?.parse()?;
    let clients: usize = args.get(3).map_or(Ok(200), |s| s.parse())?;
    let seconds: u64 = args.get(4).map_or(Ok(20), |s| s.parse())?;
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    // Before any request: what the server holds doing nothing.
    let idle_rss = status_kib(pid, "VmRSS:");

    // One account per client, as when that many people log in at once.
    // Clients sharing an account would be refused by design: attempts on
    // one name are charged before the password is checked, so more than
    // five at once on one account are told to wait (SECURITY.md).
    let usernames = register_accounts(base, clients).await?;

    // Warm up (connections, caches), then measure.
    drive(base, &usernames, clients, Duration::from_secs(3)).await;
    let baseline_rss = status_kib(pid, "VmHWM:");
    let before = scrape(base, &[JOB_TIME, QUEUE_WAIT]).await?;
    let (ok, failed, elapsed) =
        drive(base, &usernames, clients, Duration::from_secs(seconds)).await;
    let after = scrape(base, &[JOB_TIME, QUEUE_WAIT]).await?;
    let job = after[0].since(&before[0]);
    let wait = after[1].since(&before[1]);

    let per_second = ok as f64 / elapsed.as_secs_f64();
    let job_ms = job.quantile(0.5).ok_or("the server recorded no hashing")? * 1000.0;
    let bound = cores as f64 * 1000.0 / job_ms;
    println!("clients                      {clients}");
    println!(
        "duration                     {:.1} s",
        elapsed.as_secs_f64()
    );
    println!("successful logins            {ok}");
    println!("failed requests              {failed}");
    println!("logins per second            {per_second:.1}");
    println!(
        "argon2 job on the server     median {job_ms:.1} ms over {} jobs (m=19 MiB, t=2, p=1)",
        job.count()
    );
    println!(
        "queue wait on the server     median {:.0} ms",
        wait.quantile(0.5).unwrap_or(0.0) * 1000.0
    );
    println!("hashing bound ({cores} cores)      {bound:.1} logins/s (cores / median job)");
    println!("ratio to bound               {:.2}", per_second / bound);
    println!("server idle RSS              {} MiB", idle_rss / 1024);
    println!(
        "server peak RSS              {} MiB (after warm-up: {} MiB)",
        status_kib(pid, "VmHWM:") / 1024,
        baseline_rss / 1024
    );
    Ok(())
}

async fn register_accounts(
    base: &str,
    count: usize,
) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let client = reqwest::Client::new();
    let run = std::process::id();
    let mut usernames = Vec::new();
    for i in 0..count {
        let username = format!("bench{run}x{i}");
        let response = client
            .post(format!("{base}/api/register"))
            .form(&[
                ("form[first_name]", "Bench"),
                ("form[surname]", "Mark"),
                ("form[email]", &format!("{username}@example.org")),
                ("form[username]", &username),
                ("form[account_type]", "practitioner"),
                ("form[password]", PASSWORD),
            ])
            .send()
            .await?;
        if !response.status().is_success() {
            return Err(format!("registering {username}: {}", response.status()).into());
        }
        usernames.push(username);
    }
    Ok(usernames)
}

/// `clients` loops, each logging in again as soon as its last login ends.
async fn drive(
    base: &str,
    usernames: &[String],
    clients: usize,
    duration: Duration,
) -> (u64, u64, Duration) {
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::new();
    for i in 0..clients {
        let url = format!("{base}/api/login");
        let username = usernames[i % usernames.len()].clone();
        let (ok, failed) = (Arc::clone(&ok), Arc::clone(&failed));
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            while Instant::now() < deadline {
                let response = client
                    .post(&url)
                    .form(&[
                        ("form[identifier]", username.as_str()),
                        ("form[password]", PASSWORD),
                    ])
                    .send()
                    .await;
                match response {
                    Ok(response) if response.status().is_success() => {
                        ok.fetch_add(1, Ordering::Relaxed)
                    }
                    _ => failed.fetch_add(1, Ordering::Relaxed),
                };
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    (
        ok.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed),
        start.elapsed(),
    )
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
