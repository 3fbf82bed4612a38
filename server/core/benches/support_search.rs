//! Support search on 100,000 accounts (SPEC.md §5 "fast on 100,000").
//!
//! Seeds a throwaway database (SQLite; or, when `BENCH_POSTGRES` holds the
//! URL of a PostgreSQL role that may create databases, a new database
//! there) with generated accounts (names,
//! practices, registration numbers, some previous emails), builds the
//! search index with the store's own indexing, then times each kind of
//! query the console sees and prints p50 / p95 / max.
//!
//! `make bench-search` (both backends) or
//! `cargo bench -p threshold-core --features server --bench support_search [accounts]`

use std::time::{Duration, Instant};

use rand::{rngs::StdRng, Rng, SeedableRng};
use sqlx::{AnyPool, Connection, Executor};
use threshold_core::{store::Store, support::SearchQuery};

const FIRST_NAMES: &[&str] = &[
    "Ada", "Amara", "Chinedu", "Wei", "Anna", "Liam", "Olivia", "Mohammed", "Fatima", "Siobhán",
    "Zoë", "Priya", "Arjun", "Sofia", "Mateo", "Noor", "Kwame", "Ingrid", "Yusuf", "Hannah",
];
const SURNAMES: &[&str] = &[
    "Okafor", "Smith", "Jones", "Müller", "Li", "Nguyễn", "O'Neil", "Patel", "García", "Kowalski",
    "Brown", "Taylor", "Williams", "Davies", "Evans", "Thomas", "Roberts", "Khan", "Ahmed",
    "Wilson", "Walker", "Wright", "Robinson", "Thompson", "White", "Hughes", "Edwards", "Green",
    "Hall", "Wood",
];
const PRACTICES: &[&str] = &[
    "Riverside Surgery",
    "Hillview Medical Centre",
    "Oak Tree Practice",
    "Harbour Health",
    "Meadowbank Clinic",
];
const KINDS: &[&str] = &["GMC", "NMC", "NTN", "College", "Other"];

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let accounts: u32 = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(100_000);
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().unwrap();
    let admin = std::env::var("BENCH_POSTGRES")
        .ok()
        .filter(|url| !url.is_empty());
    let name = format!("threshold_bench_{}", std::process::id());
    let url = match &admin {
        None => format!("sqlite://{}", dir.path().join("bench.db").display()),
        Some(admin) => {
            let mut connection = sqlx::AnyConnection::connect(admin).await.unwrap();
            connection
                .execute(format!("CREATE DATABASE {name}").as_str())
                .await
                .unwrap();
            let (base, _) = admin.rsplit_once('/').unwrap();
            format!("{base}/{name}")
        }
    };
    let store = Store::connect(&url).await.unwrap();
    let pool = AnyPool::connect(&url).await.unwrap();
    println!("backend: {:?}", store.backend());

    let seeding = Instant::now();
    seed(&pool, accounts).await;
    let seeded = seeding.elapsed();
    let indexing = Instant::now();
    let indexed = store.index_unsearchable_accounts().await.unwrap();
    let indexed_in = indexing.elapsed();
    if admin.is_some() {
        // What PostgreSQL's autovacuum does on a live database soon after a
        // bulk load: the planner's statistics.
        sqlx::query("ANALYZE").execute(&pool).await.unwrap();
    }
    println!(
        "{accounts} accounts seeded in {:.1} s; {indexed} indexed in {:.1} s",
        seeded.as_secs_f64(),
        indexed_in.as_secs_f64(),
    );

    let queries: &[(&str, &str)] = &[
        ("surname, partial", "okaf"),
        ("username or number fragment", "1042"),
        ("email fragment", "person12345@"),
        ("previous email", "old.person777@"),
        ("registration number with spaces", "1000 042"),
        ("practice name", "riverside"),
        ("accent-free Müller", "muller"),
        ("short surname as a word", "li"),
        ("very common fragment", "son"),
        ("no match", "zzzqqq"),
    ];
    println!(
        "{:<34} {:>8} {:>9} {:>9} {:>9}",
        "query", "matches", "p50 ms", "p95 ms", "max ms"
    );
    for (name, text) in queries {
        let query = SearchQuery::parse(text).unwrap();
        let mut times = Vec::new();
        let mut matches = 0;
        for _ in 0..200 {
            let started = Instant::now();
            let (found, truncated) = store.search_accounts(&query, 50).await.unwrap();
            times.push(started.elapsed());
            matches = if truncated { 51 } else { found.len() };
        }
        times.sort();
        println!(
            "{:<34} {:>8} {:>9.2} {:>9.2} {:>9.2}",
            name,
            if matches > 50 {
                "50+".to_owned()
            } else {
                matches.to_string()
            },
            ms(times[times.len() / 2]),
            ms(times[times.len() * 95 / 100]),
            ms(times[times.len() - 1]),
        );
    }
    pool.close().await;
    drop(store);
    if let Some(admin) = admin {
        let mut connection = sqlx::AnyConnection::connect(&admin).await.unwrap();
        connection
            .execute(format!("DROP DATABASE {name} WITH (FORCE)").as_str())
            .await
            .unwrap();
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Accounts, registration numbers and previous emails, written directly
/// (the point is the search, not registration's Argon2 cost).
async fn seed(pool: &AnyPool, accounts: u32) {
    let mut rng = StdRng::seed_from_u64(42);
    let mut n = 0;
    while n < accounts {
        let mut tx = pool.begin().await.unwrap();
        for _ in 0..5_000.min(accounts - n) {
            n += 1;
            let first = FIRST_NAMES[rng.gen_range(0..FIRST_NAMES.len())];
            let surname = SURNAMES[rng.gen_range(0..SURNAMES.len())];
            let username = format!("{}{}", deunicode_ascii(surname).to_lowercase(), 1000 + n);
            let email = format!("person{n}@example.org");
            let admin = rng.gen_ratio(1, 10);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO accounts (username, email, first_name, surname, account_type,
                                       practice_name, password_hash, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, 'x', 0) RETURNING id",
            )
            .bind(&username)
            .bind(&email)
            .bind(first)
            .bind(surname)
            .bind(if admin {
                "practice_admin"
            } else {
                "practitioner"
            })
            .bind(admin.then(|| PRACTICES[rng.gen_range(0..PRACTICES.len())]))
            .fetch_one(&mut *tx)
            .await
            .unwrap();
            let kind = KINDS[rng.gen_range(0..KINDS.len())];
            sqlx::query(
                "INSERT INTO registration_numbers (account_id, kind, number) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(kind)
            .bind(format!("{}", 1_000_000 + n))
            .execute(&mut *tx)
            .await
            .unwrap();
            if n % 7 == 0 {
                sqlx::query(
                    "INSERT INTO email_history (account_id, email, email_key, changed_at)
                     VALUES ($1, $2, $3, 0)",
                )
                .bind(id)
                .bind(format!("old.person{n}@example.net"))
                .bind(format!("old.person{n}@example.net"))
                .execute(&mut *tx)
                .await
                .unwrap();
            }
        }
        tx.commit().await.unwrap();
    }
}

fn deunicode_ascii(text: &str) -> String {
    text.chars().filter(char::is_ascii_alphabetic).collect()
}
