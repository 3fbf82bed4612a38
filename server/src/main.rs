//! The Threshold server.

mod config;
mod http;

use std::process::ExitCode;

use threshold_core::{auth::rate_limit::RateLimit, store::Store, Services};
use tracing_subscriber::EnvFilter;

use crate::config::Config;

#[tokio::main]
async fn main() -> ExitCode {
    // A missing .env is normal; a malformed one is worth saying.
    if let Err(error) = dotenvy::dotenv() {
        if !error.not_found() {
            eprintln!("threshold: ignoring .env: {error}");
        }
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .init();

    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            eprintln!("threshold: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let config = Config::from_env().map_err(|error| error.to_string())?;
    let store = Store::connect(&config.database_url)
        .await
        .map_err(|error| format!("cannot open the database: {error}"))?;
    let mut services = Services::new(store, config.hash_cost)
        .map_err(|error| format!("cannot set up password hashing: {error}"))?;
    services.login_rate = RateLimit {
        burst: config.login_rate_per_minute,
        per_minute: config.login_rate_per_minute,
    };
    http::serve(config, services).await
}
