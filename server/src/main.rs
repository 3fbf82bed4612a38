//! The Threshold server.

mod cli;
mod config;
mod http;
mod logging;

use std::process::ExitCode;

use std::time::Duration;

use threshold_core::{
    auth::rate_limit::RateLimit,
    hashing::Hasher,
    mail::{DeliveryPolicy, MailTransport, OutboxWorker},
    retention,
    store::Store,
    Services,
};

use crate::config::Config;

/// Stack for each runtime thread. Rendering a page walks its view tree
/// recursively, and a debug build's tree (nothing inlined) for the support
/// account page overflowed tokio's default 2 MiB. Only the pages touched
/// are ever resident, so a bigger reservation costs address space, not
/// memory.
const THREAD_STACK_BYTES: usize = 8 * 1024 * 1024;

fn main() -> ExitCode {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(THREAD_STACK_BYTES)
        .build()
    {
        Ok(runtime) => runtime.block_on(serve_or_run_command()),
        Err(error) => {
            eprintln!("threshold: cannot start the async runtime: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve_or_run_command() -> ExitCode {
    // A missing .env is normal; a malformed one is worth saying.
    if let Err(error) = dotenvy::dotenv() {
        if !error.not_found() {
            eprintln!("threshold: ignoring .env: {error}");
        }
    }
    logging::init();

    let command = <cli::Cli as clap::Parser>::parse().command;
    let result = match command {
        None => run().await,
        Some(command) => cli::run(command).await,
    };
    match result {
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
    let metrics = http::install_metrics()?;
    let store = Store::connect(&config.database_url)
        .await
        .map_err(|error| format!("cannot open the database: {error}"))?;
    let hasher = Hasher::with_queue_bound(config.hash_cost, config.hash_queue)
        .map_err(|error| format!("cannot set up password hashing: {error}"))?;
    let mut services = Services::with_hasher(store, hasher);
    services.login_rate = RateLimit::per_minute(config.login_rate_per_minute);
    services.registration_policy.per_client =
        RateLimit::per_hour(config.registration_rate_per_hour);
    services.registration_policy.per_name =
        RateLimit::per_hour(config.registration_rate_per_name_per_hour);
    // Bound before anything uses the site's address (email links): with
    // port 0 the system picks the port.
    let (listener, config) = http::bind(config).await?;
    services.site_url = config.site_url.clone();
    services.retention = config.retention.policy();
    let feed = services.events.clone();
    services
        .store
        .spawn_event_listener(move || feed.published());

    let policy = DeliveryPolicy {
        lease_ms: i64::from(config.mail_lease_seconds) * 1000,
        ..DeliveryPolicy::default()
    };
    let transport = match &config.smtp {
        Some(smtp) => {
            services.dev_mailbox = false;
            // A delivery must end well inside its lease, or a slow one
            // could be claimed by a second worker and sent twice.
            let deadline =
                Duration::from_secs(u64::from(config.mail_lease_seconds / 2).clamp(1, 60));
            tracing::info!("email goes through SMTP");
            MailTransport::smtp(&smtp.url, &smtp.from, deadline)
                .map_err(|error| error.to_string())?
        }
        None => {
            tracing::warn!(
                "SMTP_URL is not set: email goes to the development mailbox at /dev/mailbox"
            );
            MailTransport::dev_mailbox(services.store.clone())
        }
    };
    let (stop_worker, worker_stopping) = tokio::sync::watch::channel(false);
    let sweeper = tokio::spawn(retention::run(services.clone(), worker_stopping.clone()));
    let worker =
        tokio::spawn(OutboxWorker::new(services.clone(), transport, policy).run(worker_stopping));

    let served = http::serve(listener, config, services, metrics).await;
    // Let a delivery in flight finish; one that does not is picked up again
    // after its lease, by this server's next start or another instance.
    let _ = stop_worker.send(true);
    if tokio::time::timeout(Duration::from_secs(10), worker)
        .await
        .is_err()
    {
        tracing::warn!("the outbox worker did not stop in time");
    }
    // The sweeper stops between statements; nothing is lost if it does not.
    if tokio::time::timeout(Duration::from_secs(5), sweeper)
        .await
        .is_err()
    {
        tracing::warn!("the sweeper did not stop in time");
    }
    served
}
