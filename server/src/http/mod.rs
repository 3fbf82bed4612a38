//! The axum router: the Leptos app, its server functions, static files and
//! the operational endpoints.

mod edge;
mod export;
mod guard;
mod health;
mod live;
mod no_script;
pub mod request_id;
mod telemetry;

use axum::{routing::get, Router};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use threshold_core::Services;

use crate::config::Config;

/// Binds the listening address, and answers the configuration with the
/// address bound: with port 0 in `LEPTOS_SITE_ADDR` the system picks a free
/// port (tests start servers so, and read the port from the line [`serve`]
/// logs).
pub async fn bind(config: Config) -> Result<(tokio::net::TcpListener, Config), String> {
    let addr = config.site_addr();
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|error| format!("cannot listen on {addr}: {error}"))?;
    let bound = listener
        .local_addr()
        .map_err(|error| format!("cannot read the address bound for {addr}: {error}"))?;
    Ok((listener, config.listening_on(bound)))
}

/// Installs this process's metrics recorder. Called first thing at
/// start-up, before anything records: the hasher's start-up job records
/// its time after answering, so a recorder installed later could count it
/// or not, depending on which thread got there first.
pub fn install_metrics() -> Result<metrics_exporter_prometheus::PrometheusHandle, String> {
    telemetry::install()
}

pub async fn serve(
    listener: tokio::net::TcpListener,
    config: Config,
    services: Services,
    metrics: metrics_exporter_prometheus::PrometheusHandle,
) -> Result<(), String> {
    let (stopping, shutdown) = tokio::sync::watch::channel(false);
    // The bound address (port 0 asks the system for a free one) is the
    // site's own name when PUBLIC_URL does not give one.
    let hosts = edge::SiteHosts::new(config.public_url.as_deref(), config.site_addr())?;
    let router = router(&config, services, shutdown, metrics, hosts);
    // The TCP peer: the edge decides from it (and, for trusted proxies,
    // their headers) who the client is.
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    // Said last of the start-up lines: everything after it is serving
    // (tests read the port from it).
    tracing::info!("listening on http://{}", config.site_addr());
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
    hosts: edge::SiteHosts,
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

    let hosts = std::sync::Arc::new(hosts);
    let edge = std::sync::Arc::new(edge::Edge {
        hosts: (*hosts).clone(),
        trusted_proxies: config.trusted_proxies.clone(),
        ipv6_prefix: config.ipv6_prefix,
    });

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
        .route(
            "/account/export",
            get(export::export).with_state(services.clone()),
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
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            guard::answer_panic,
        ))
        // A form posted without JavaScript returns to its page with what
        // was typed (app::posted).
        .layer(axum::middleware::from_fn({
            let secure = config.secure_cookies;
            move |request, next| no_script::answer_form_posts(secure, request, next)
        }))
        .layer(axum::middleware::from_fn(guard::never_empty_errors))
        .layer(axum::middleware::from_fn(guard::cache_policy))
        .layer(axum::middleware::from_fn(telemetry::track_requests))
        .layer(axum::middleware::from_fn(move |request, next| {
            guard::same_origin_writes(hosts.clone(), request, next)
        }))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            guard::MAX_BODY_BYTES,
        ))
        // Nothing runs for a foreign Host, and everything behind knows who
        // the client is.
        .layer(axum::middleware::from_fn_with_state(
            edge.clone(),
            edge::identify,
        ));
    let router = guard::static_headers()
        .into_iter()
        .fold(router, |router, (name, value)| {
            router
                .layer(tower_http::set_header::SetResponseHeaderLayer::if_not_present(name, value))
        });
    // Outermost, so every other layer (a 421 included) logs inside the
    // request's span. A proxy's X-Request-Id is believed when the TCP peer
    // is a trusted proxy: the edge's rule, asked before the edge has run.
    let trusted = edge.trusted_proxies.clone();
    router.layer(request_id::layer(
        move |request: &axum::extract::Request| {
            request
                .extensions()
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .is_some_and(|axum::extract::ConnectInfo(peer)| trusted.trusts(peer.ip()))
        },
    ))
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
