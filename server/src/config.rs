//! Configuration from the environment (and `.env`), as SPEC §6 names it.

use std::net::SocketAddr;

use leptos::config::LeptosOptions;
use threshold_core::hashing::HashCost;
use threshold_core::retention::RetentionPolicy;

const DEFAULT_DATABASE_URL: &str = "sqlite://data/threshold.db";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the Leptos configuration: {0}")]
    Leptos(String),
    #[error("{name} is not valid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

#[derive(Clone, Debug)]
pub struct Config {
    /// Site root, package dir and `LEPTOS_SITE_ADDR`.
    pub leptos: LeptosOptions,
    pub database_url: String,
    /// Argon2id cost: `ARGON2_MEMORY_KIB`, `ARGON2_ITERATIONS`,
    /// `ARGON2_PARALLELISM`, never below OWASP's minimum.
    pub hash_cost: HashCost,
    /// `Secure` on cookies: `PUBLIC_URL` starts with `https://`.
    pub secure_cookies: bool,
    /// `LOGIN_RATE_PER_MINUTE`: login attempts per client address (burst
    /// and refill per minute).
    pub login_rate_per_minute: u32,
    /// `REGISTRATION_RATE_PER_HOUR`: registrations per client address
    /// (burst and refill per hour; every answer counts). Default 10.
    pub registration_rate_per_hour: u32,
    /// `REGISTRATION_RATE_PER_NAME_PER_HOUR`: registrations naming one email
    /// or username, from any address (burst and refill per hour). Default 5.
    pub registration_rate_per_name_per_hour: u32,
    /// `PUBLIC_URL`, or the listening address: where links in emails point.
    pub site_url: String,
    /// `PUBLIC_URL` as set: the only host name the site answers to, and
    /// the only origin its pages have. `None`: the listening address and
    /// `localhost` (a local run).
    pub public_url: Option<String>,
    /// `TRUSTED_PROXIES`: the reverse proxies whose `X-Forwarded-For`,
    /// `Forwarded`, `X-Forwarded-Proto` and `X-Request-Id` are believed
    /// (comma-separated addresses or CIDR blocks). Default: none.
    pub trusted_proxies: app::client::TrustedProxies,
    /// `IPV6_PREFIX_LENGTH`: IPv6 clients share rate limits per network of
    /// this length (default 64, one subscriber's allocation; 32 to 128).
    pub ipv6_prefix: u8,
    /// `SMTP_URL` and `MAIL_FROM`; `None`: the development mailbox.
    pub smtp: Option<SmtpConfig>,
    /// `MAIL_LEASE_SECONDS`: how long a worker owns a message it is sending.
    pub mail_lease_seconds: u32,
    /// `METRICS_TOKEN`: the bearer token `/metrics` asks for; `None`: only
    /// connections from this machine may read it.
    pub metrics_token: Option<String>,
    /// What the sweeper keeps and how often it runs.
    pub retention: RetentionConfig,
    /// `HASH_QUEUE_SECONDS` (default 2): how long the queued password
    /// hashing may take to drain before logins, registrations and resets
    /// are answered "busy" (503 with `Retry-After`) at once. 0: no waiting
    /// line, only one job per core.
    pub hash_queue: std::time::Duration,
}

/// Retention settings, in the units people set them in.
#[derive(Clone, Copy, Debug)]
pub struct RetentionConfig {
    /// `EVENT_RETENTION_DAYS` (default 180): the event log. The audit trail
    /// of staff actions is kept whatever this says.
    pub event_days: u32,
    /// `MAIL_RETENTION_DAYS` (default 30): sent, abandoned and superseded
    /// messages and their delivery attempts, from when they finished.
    pub mail_days: u32,
    /// `UNKNOWN_NAME_RETENTION_DAYS` (default 30): failed-login counters of
    /// names with no account, after their last failure (never while a
    /// delay runs or the name is locked).
    pub unknown_name_days: u32,
    /// `SWEEP_INTERVAL_SECONDS` (default 300): how often each instance
    /// sweeps.
    pub sweep_interval_seconds: u32,
}

#[derive(Clone, Debug)]
pub struct SmtpConfig {
    /// lettre's URL form, e.g. `smtp://127.0.0.1:2525` or
    /// `smtps://user:password@smtp.example.org`.
    pub url: String,
    pub from: String,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        // `None`: no Cargo.toml at run time; cargo-leptos passes the settings
        // through the environment, and the defaults match the workspace's.
        let leptos = leptos::config::get_configuration(None)
            .map_err(|error| ConfigError::Leptos(error.to_string()))?
            .leptos_options;
        let database_url =
            std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned());
        if let Err(error) = threshold_core::store::Backend::of_url(&database_url) {
            return Err(ConfigError::Invalid {
                name: "DATABASE_URL",
                reason: error.to_string(),
            });
        }
        let public_url = non_empty_env("PUBLIC_URL");
        let secure_cookies = public_url
            .as_deref()
            .is_some_and(|url| url.to_ascii_lowercase().starts_with("https://"));
        let site_url = public_url
            .clone()
            .unwrap_or_else(|| address_url(leptos.site_addr));
        let smtp = match non_empty_env("SMTP_URL") {
            Some(url) => Some(SmtpConfig {
                url,
                from: non_empty_env("MAIL_FROM").ok_or(ConfigError::Invalid {
                    name: "MAIL_FROM",
                    reason:
                        "set it to the sender address (e.g. \"Threshold <no-reply@example.org>\") \
                             when SMTP_URL is set"
                            .to_owned(),
                })?,
            }),
            // The development mailbox shows live passwords: never on a
            // public HTTPS site.
            None if secure_cookies => {
                return Err(ConfigError::Invalid {
                    name: "SMTP_URL",
                    reason: "PUBLIC_URL is an https:// site, so email must go through SMTP; \
                             the development mailbox is for local runs only"
                        .to_owned(),
                })
            }
            None => None,
        };
        Ok(Self {
            leptos,
            database_url,
            hash_cost: hash_cost_from_env()?,
            secure_cookies,
            login_rate_per_minute: number_from_env("LOGIN_RATE_PER_MINUTE", 1, 20)?,
            registration_rate_per_hour: number_from_env(
                "REGISTRATION_RATE_PER_HOUR",
                1,
                threshold_core::accounts::DEFAULT_REGISTRATION_RATE.burst,
            )?,
            registration_rate_per_name_per_hour: number_from_env(
                "REGISTRATION_RATE_PER_NAME_PER_HOUR",
                1,
                threshold_core::accounts::DEFAULT_REGISTRATION_RATE_PER_NAME.burst,
            )?,
            site_url,
            public_url,
            trusted_proxies: non_empty_env("TRUSTED_PROXIES")
                .unwrap_or_default()
                .parse()
                .map_err(|error: app::client::NotANetwork| ConfigError::Invalid {
                    name: "TRUSTED_PROXIES",
                    reason: error.to_string(),
                })?,
            ipv6_prefix: ipv6_prefix_from_env()?,
            smtp,
            mail_lease_seconds: number_from_env("MAIL_LEASE_SECONDS", 2, 120)?,
            metrics_token: non_empty_env("METRICS_TOKEN"),
            retention: RetentionConfig {
                event_days: number_from_env("EVENT_RETENTION_DAYS", 1, 180)?,
                mail_days: number_from_env("MAIL_RETENTION_DAYS", 1, 30)?,
                unknown_name_days: number_from_env("UNKNOWN_NAME_RETENTION_DAYS", 1, 30)?,
                sweep_interval_seconds: number_from_env("SWEEP_INTERVAL_SECONDS", 1, 300)?,
            },
            hash_queue: std::time::Duration::from_secs(u64::from(number_from_env(
                "HASH_QUEUE_SECONDS",
                0,
                2,
            )?)),
        })
    }

    pub fn site_addr(&self) -> SocketAddr {
        self.leptos.site_addr
    }

    /// The configuration once the listener is bound to `bound`: with port 0
    /// in `LEPTOS_SITE_ADDR` the system chose the port, and the site's own
    /// address (unless `PUBLIC_URL` names another) is the one bound.
    pub fn listening_on(mut self, bound: SocketAddr) -> Self {
        if self.site_url == address_url(self.leptos.site_addr) {
            self.site_url = address_url(bound);
        }
        self.leptos.site_addr = bound;
        self
    }
}

/// The site's URL when `PUBLIC_URL` is not set: its listening address.
fn address_url(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

impl RetentionConfig {
    /// The sweeper's policy: these settings over its defaults.
    pub fn policy(&self) -> RetentionPolicy {
        const DAY_MS: i64 = 24 * 3_600_000;
        RetentionPolicy {
            events_ms: i64::from(self.event_days) * DAY_MS,
            mail_ms: i64::from(self.mail_days) * DAY_MS,
            unknown_name_ms: i64::from(self.unknown_name_days) * DAY_MS,
            interval: std::time::Duration::from_secs(u64::from(self.sweep_interval_seconds)),
            ..RetentionPolicy::default()
        }
    }
}

/// Reads the Argon2id cost. Values below the defaults (OWASP's minimum) are
/// refused: raising them later is safe (hashes carry their parameters and
/// are redone at the next login), lowering them silently is not.
fn hash_cost_from_env() -> Result<HashCost, ConfigError> {
    let minimum = HashCost::default();
    Ok(HashCost {
        memory_kib: number_from_env("ARGON2_MEMORY_KIB", minimum.memory_kib, minimum.memory_kib)?,
        iterations: number_from_env("ARGON2_ITERATIONS", minimum.iterations, minimum.iterations)?,
        parallelism: number_from_env(
            "ARGON2_PARALLELISM",
            minimum.parallelism,
            minimum.parallelism,
        )?,
    })
}

fn ipv6_prefix_from_env() -> Result<u8, ConfigError> {
    let length = number_from_env("IPV6_PREFIX_LENGTH", 32, 64)?;
    u8::try_from(length)
        .ok()
        .filter(|length| *length <= 128)
        .ok_or(ConfigError::Invalid {
            name: "IPV6_PREFIX_LENGTH",
            reason: format!("must be at most 128, got {length}"),
        })
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

fn number_from_env(name: &'static str, minimum: u32, default: u32) -> Result<u32, ConfigError> {
    let Ok(text) = std::env::var(name) else {
        return Ok(default);
    };
    let value: u32 = text.trim().parse().map_err(|_| ConfigError::Invalid {
        name,
        reason: format!("expected a whole number, got {text:?}"),
    })?;
    if value < minimum {
        return Err(ConfigError::Invalid {
            name,
            reason: format!("must be at least {minimum}"),
        });
    }
    Ok(value)
}
