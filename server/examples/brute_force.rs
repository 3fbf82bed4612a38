//! A scripted password-guessing attack against a running server, for the
//! figures in SECURITY.md. Run through `make attack` (scripts/attack.sh
//! starts the servers it needs).
//!
//! 1. One account: `guesses` wrong passwords for one username, 20 at a time.
//! 2. Many accounts: `guesses` wrong passwords spread over 1,000 names
//!    (real and made up) from this one address.
//! 3. The owner: asks for a reset, reads it from the development mailbox,
//!    and logs in with it, whatever state the attack left.
//!
//! For each phase it prints how many guesses were evaluated (answered
//! "incorrect", so a password was actually checked), delayed, refused as
//! locked or refused by the per-address limit, and when the delay, the lock
//! and the limit first appeared.
//!
//! Usage: brute_force <base-url> [guesses] [label]

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use futures::{stream, StreamExt};

const PASSWORD: &str = "violet kettle harbour";
const CONCURRENCY: usize = 20;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let base = args
        .get(1)
        .ok_or("usage: brute_force <base-url> [guesses] [label]")?
        .clone();
    let guesses: usize = args.get(2).map_or(Ok(10_000), |s| s.parse())?;
    let label = args.get(3).cloned().unwrap_or_default();
    let client = reqwest::Client::new();

    let victim = "victim.okafor";
    let email = "victim.okafor@example.org";
    register(&client, &base, victim, email).await?;
    for n in 0..20 {
        register(
            &client,
            &base,
            &format!("colleague{n}"),
            &format!("colleague{n}@example.org"),
        )
        .await?;
    }

    println!("== {label}");
    let one = attack(&client, &base, guesses, |_| victim.to_owned()).await;
    one.print(&format!("one account, {guesses} guesses"));
    let many = attack(&client, &base, guesses, |n| {
        if n % 50 == 0 {
            format!("colleague{}", (n / 50) % 20)
        } else {
            format!("made.up.{}", n % 1_000)
        }
    })
    .await;
    many.print(&format!("1,000 names, {guesses} guesses"));

    let started = Instant::now();
    let got_in = owner_gets_in(&client, &base, victim, email).await?;
    println!(
        "owner: asked for a reset and logged in with it: {} ({:.1} s)",
        if got_in { "yes" } else { "NO" },
        started.elapsed().as_secs_f64()
    );
    if !got_in {
        return Err("the owner could not get in".into());
    }
    Ok(())
}

#[derive(Default)]
struct Tally {
    answers: BTreeMap<&'static str, usize>,
    /// When each kind of answer first appeared, and after how many guesses.
    first: BTreeMap<&'static str, (Duration, usize)>,
    elapsed: Duration,
}

impl Tally {
    fn print(&self, what: &str) {
        println!("{what} in {:.1} s:", self.elapsed.as_secs_f64());
        for (answer, count) in &self.answers {
            let (at, after) = self.first[answer];
            println!(
                "  {answer:<28} {count:>6}   first after {after} guesses, {:.1} s",
                at.as_secs_f64()
            );
        }
    }
}

async fn attack(
    client: &reqwest::Client,
    base: &str,
    guesses: usize,
    name: impl Fn(usize) -> String,
) -> Tally {
    let tally = Arc::new(Mutex::new(Tally::default()));
    let started = Instant::now();
    stream::iter(0..guesses)
        .for_each_concurrent(CONCURRENCY, |n| {
            let tally = Arc::clone(&tally);
            let identifier = name(n);
            async move {
                let answer = match client
                    .post(format!("{base}/api/login"))
                    .form(&[
                        ("form[identifier]", identifier.as_str()),
                        ("form[password]", &format!("guess number {n}")),
                    ])
                    .send()
                    .await
                {
                    Ok(response) => classify(&response.text().await.unwrap_or_default()),
                    Err(_) => "transport error",
                };
                let mut tally = tally.lock().unwrap();
                *tally.answers.entry(answer).or_default() += 1;
                tally
                    .first
                    .entry(answer)
                    .or_insert((started.elapsed(), n + 1));
            }
        })
        .await;
    let mut tally = Arc::try_unwrap(tally)
        .ok()
        .expect("every guess is done")
        .into_inner()
        .unwrap();
    tally.elapsed = started.elapsed();
    tally
}

fn classify(body: &str) -> &'static str {
    if body.contains("\"Incorrect\"") {
        "evaluated (incorrect)"
    } else if body.contains("\"Throttled\"") {
        "delayed (per name)"
    } else if body.contains("\"Locked\"") {
        "locked"
    } else if body.contains("\"RateLimited\"") {
        "refused (per address)"
    } else if body.contains("account_id") {
        "LOGGED IN"
    } else {
        "other"
    }
}

async fn register(
    client: &reqwest::Client,
    base: &str,
    username: &str,
    email: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let response = client
        .post(format!("{base}/api/register"))
        .form(&[
            ("form[first_name]", "Ada"),
            ("form[surname]", "Okafor"),
            ("form[email]", email),
            ("form[username]", username),
            ("form[account_type]", "practitioner"),
            ("form[password]", PASSWORD),
        ])
        .send()
        .await?;
    if !response.status().is_success() {
        return Err(format!("registering {username}: {}", response.text().await?).into());
    }
    Ok(())
}

/// Reset, read from the development mailbox, log in with it.
async fn owner_gets_in(
    client: &reqwest::Client,
    base: &str,
    username: &str,
    email: &str,
) -> Result<bool, Box<dyn std::error::Error>> {
    let asked = client
        .post(format!("{base}/api/request_reset"))
        .form(&[("form[email]", email)])
        .send()
        .await?;
    if !asked.status().is_success() {
        return Err(format!("reset request: {}", asked.text().await?).into());
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let password = loop {
        let mailbox: serde_json::Value = client
            .post(format!("{base}/api/dev_mailbox"))
            .send()
            .await?
            .json()
            .await?;
        let found = mailbox.as_array().and_then(|messages| {
            messages
                .iter()
                .filter(|m| m["recipient"] == email)
                .find_map(|m| {
                    // The password is the line after "New password:".
                    let mut lines = m["body_text"].as_str()?.lines().map(str::trim);
                    lines.by_ref().find(|line| *line == "New password:")?;
                    lines.find(|line| !line.is_empty()).map(str::to_owned)
                })
        });
        if let Some(password) = found {
            break password;
        }
        if Instant::now() > deadline {
            return Err("no reset email in the development mailbox".into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // The owner shares the attacker's address here, so the per-address
    // limit may ask them to wait: they do, as the message tells them to.
    for _ in 0..5 {
        let login = client
            .post(format!("{base}/api/login"))
            .form(&[
                ("form[identifier]", username),
                ("form[password]", &password),
            ])
            .send()
            .await?
            .text()
            .await?;
        match classify(&login) {
            "LOGGED IN" => return Ok(true),
            "refused (per address)" => {
                let wait = serde_json::from_str::<serde_json::Value>(&login)
                    .ok()
                    .and_then(|v| v["Domain"]["RateLimited"]["retry_after_seconds"].as_u64())
                    .unwrap_or(5);
                println!("owner: asked to wait {wait} s by the per-address limit");
                tokio::time::sleep(Duration::from_secs(wait)).await;
            }
            _ => return Ok(false),
        }
    }
    Ok(false)
}
