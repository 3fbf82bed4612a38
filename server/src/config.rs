//! Configuration from the environment (and `.env`), as SPEC §6 names it.

use std::net::SocketAddr;

use leptos::config::LeptosOptions;
use threshold_core::hashing::HashCost;

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
    /// `PUBLIC_URL`, or the listening address: where links in emails point.
    pub site_url: String,
    /// `SMTP_URL` and `MAIL_FROM`; `None`: the development mailbox.
    pub smtp: Option<SmtpConfig>,
    /// `MAIL_LEASE_SECONDS`: how long a worker owns a message it is sending.
    pub mail_lease_seconds: u32,
    /// `METRICS_TOKEN`: the bearer token `/metrics` asks for; `None`: only
    /// connections from this machine may read it.
    pub metrics_token: Option<String>,
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
            site_url,
            smtp,
            mail_lease_seconds: number_from_env("MAIL_LEASE_SECONDS", 2, 120)?,
            metrics_token: non_empty_env("METRICS_TOKEN"),
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
