//! Registration benchmark: throughput of concurrent registrations against a
//! running server, and the 50-way race for one email address.
//!
//! Run through `make bench-login` (scripts/bench-login.sh starts a release
//! server on SQLite or PostgreSQL with a throwaway database, then runs this
//! after the login benchmark).
//!
//! Usage: register_load <base-url> [clients] [seconds]
//!
//! Each registration hashes one password (Argon2id on the server's hashing
//! threads), so the bound is the same as for logins: cores / the median job
//! time the server recorded during the run (its /metrics histogram).

#[path = "support/hashing_metrics.rs"]
mod hashing_metrics;

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

const PASSWORD: &str = "violet kettle harbour";
const RACERS: usize = 50;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let base = args
        .get(1)
        .ok_or("usage: register_load <base-url> [clients] [seconds]")?
        .clone();
    let clients: usize = args.get(2).map_or(Ok(50), |s| s.parse())?;
    let seconds: u64 = args.get(3).map_or(Ok(15), |s| s.parse())?;
    let run = std::process::id();

    // Throughput: every registration a new person.
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let before = hashing_metrics::scrape(&base, &[hashing_metrics::JOB_TIME]).await?;
    let next = Arc::new(AtomicU64::new(0));
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (base, next, ok, failed) = (
            base.clone(),
            Arc::clone(&next),
            Arc::clone(&ok),
            Arc::clone(&failed),
        );
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            while Instant::now() < deadline {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let email = format!("load{run}x{n}@example.org");
                match register(&client, &base, &email).await {
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
    let elapsed = start.elapsed().as_secs_f64();
    let after = hashing_metrics::scrape(&base, &[hashing_metrics::JOB_TIME]).await?;
    let job = after[0].since(&before[0]);
    let ok = ok.load(Ordering::Relaxed);
    println!("registration clients         {clients}");
    println!("registrations                {ok} in {elapsed:.1} s");
    println!(
        "failed requests              {}",
        failed.load(Ordering::Relaxed)
    );
    let per_second = ok as f64 / elapsed;
    println!("registrations per second     {per_second:.1}");
    if let Some(job_seconds) = job.quantile(0.5) {
        let bound = cores as f64 / job_seconds;
        println!(
            "argon2 job on the server     median {:.1} ms over {} jobs",
            job_seconds * 1000.0,
            job.count()
        );
        println!(
            "hashing bound ({cores} cores)      {bound:.1} registrations/s (cores / median job)"
        );
        println!("ratio to bound               {:.2}", per_second / bound);
    }

    // The race: one address, typed in fifty different letter cases, sent at
    // once. Exactly one account may come of it.
    let email = format!("race{run}@example.org");
    let started = Instant::now();
    let racers = (0..RACERS).map(|i| {
        let (base, email) = (base.clone(), email.clone());
        tokio::spawn(async move {
            let typed: String = email
                .chars()
                .enumerate()
                .map(|(j, c)| {
                    if (i >> (j % 6)) & 1 == 1 {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    }
                })
                .collect();
            let response = register(&reqwest::Client::new(), &base, &typed).await?;
            let status = response.status();
            Ok::<_, reqwest::Error>((status, response.text().await?))
        })
    });
    let mut created = 0;
    let mut taken = 0;
    let mut other = 0;
    for racer in racers.collect::<Vec<_>>() {
        match racer.await? {
            Ok((status, _)) if status.is_success() => created += 1,
            Ok((_, body)) if body.contains("EmailTaken") => taken += 1,
            _ => other += 1,
        }
    }
    println!(
        "{RACERS}-way same-email race    {created} created, {taken} told the email is taken, {other} other, settled in {:.0} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    if created != 1 || other != 0 {
        return Err("the race must create exactly one account".into());
    }
    Ok(())
}

async fn register(
    client: &reqwest::Client,
    base: &str,
    email: &str,
) -> Result<reqwest::Response, reqwest::Error> {
    client
        .post(format!("{base}/api/register"))
        .form(&[
            ("form[first_name]", "Bench"),
            ("form[surname]", "Mark"),
            ("form[email]", email),
            ("form[username]", ""),
            ("form[account_type]", "practitioner"),
            ("form[password]", PASSWORD),
        ])
        .send()
        .await
}
