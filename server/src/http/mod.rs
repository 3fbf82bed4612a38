//! The axum router: the Leptos app, its server functions, static files and
//! the operational endpoints.

mod guard;
mod health;
mod live;
pub mod request_id;
mod telemetry;

use axum::{routing::get, Router};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use threshold_core::Services;

use crate::config::Config;

pub async fn serve(config: Config, services: Services) -> Result<(), String> {
    let (stopping, shutdown) = tokio::sync::watch::channel(false);
    let metrics = telemetry::install()?;
    let router = router(&config, services, shutdown, metrics);
    let addr = config.site_addr();
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|error| format!("cannot listen on {addr}: {error}"))?;
    tracing::info!("listening on http://{addr}");
    // The peer address is the key of the per-address login rate limit.
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            // Live feeds end, or they would hold the shutdown open.
            let _ = stopping.send(true);
        })
        .await
        .map_err(|error| format!("server error: {error}"))
}

fn router(
    config: &Config,
    services: Services,
    shutdown: tokio::sync::watch::Receiver<bool>,
    metrics: metrics_exporter_prometheus::PrometheusHandle,
) -> Router {
    let leptos_options = config.leptos.clone();
    let routes = generate_route_list(app::App);
    let cookie_policy = app::auth::CookiePolicy {
        secure: config.secure_cookies,
    };
    // What every rendered page and server function finds in its context,
    // the not-found page included.
    let request_context = {
        let services = services.clone();
        move || {
            provide_context(services.clone());
            provide_context(cookie_policy);
        }
    };

    // The public address's `host[:port]`, which a proxied request's Origin
    // carries instead of the Host the server sees.
    let public_authority = config
        .site_url
        .split_once("://")
        .and_then(|(_, rest)| rest.split('/').next())
        .filter(|authority| !authority.is_empty())
        .map(str::to_owned);

    let router = Router::new()
        .route(
            "/support/events",
            get(live::events).with_state(live::LiveState {
                services: services.clone(),
                shutdown,
            }),
        )
        .route(
            "/metrics",
            get(telemetry::metrics).with_state(telemetry::MetricsState {
                handle: metrics,
                services: services.clone(),
                token: config.metrics_token.as_deref().map(Into::into),
            }),
        )
        .route("/healthz", get(health::healthz).with_state(services))
        // The bundle (WASM, JS, CSS): precompressed forms when the build
        // made them (`--precompress`), and answers to If-Modified-Since,
        // which the catch-all file handler below does not give.
        .nest_service(
            &format!("/{}", leptos_options.site_pkg_dir),
            tower_http::services::ServeDir::new(format!(
                "{}/{}",
                leptos_options.site_root, leptos_options.site_pkg_dir
            ))
            .precompressed_br()
            .precompressed_gzip(),
        )
        .leptos_routes_with_context(&leptos_options, routes, request_context.clone(), {
            let options = leptos_options.clone();
            move || app::shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context(
            request_context,
            app::shell,
        ))
        .with_state(leptos_options)
        .layer(axum::middleware::from_fn(guard::cache_policy))
        .layer(axum::middleware::from_fn(telemetry::track_requests))
        .layer(axum::middleware::from_fn(move |request, next| {
            guard::same_origin_writes(public_authority.clone(), request, next)
        }))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            guard::MAX_BODY_BYTES,
        ));
    let router = guard::static_headers()
        .into_iter()
        .fold(router, |router, (name, value)| {
            router
                .layer(tower_http::set_header::SetResponseHeaderLayer::if_not_present(name, value))
        });
    // Outermost, so every other layer logs inside the request's span. No
    // proxy's X-Request-Id is trusted until the trusted client address is.
    router.layer(request_id::layer(|_| false))
}

/// Resolves on Ctrl-C or SIGTERM, letting in-flight requests finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
