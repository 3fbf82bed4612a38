//! Configuration from the environment (and `.env`), as SPEC §6 names it.

use std::net::SocketAddr;

use leptos::config::LeptosOptions;

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
        if !database_url.starts_with("sqlite:") {
            return Err(ConfigError::Invalid {
                name: "DATABASE_URL",
                reason: "only sqlite: URLs are supported by this build".to_owned(),
            });
        }
        Ok(Self {
            leptos,
            database_url,
        })
    }

    pub fn site_addr(&self) -> SocketAddr {
        self.leptos.site_addr
    }
}
