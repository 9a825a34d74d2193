//! `latchkey gateway`: a reverse proxy that behaves as API Gateway's REST API with Cognito user pool authorizers.
//! `router` builds it from a ready `GatewayConfig` (a TOML file or, later, a template); `run` serves it.

mod auth;
mod claims;
pub mod cli;
pub mod config;
mod cors;
mod event;
mod http_proxy;
mod lambda;
pub mod metrics;
mod responses;
mod routes;
mod service;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use latchkey_core::ports::Clock;

use config::{GatewayConfig, Integration};
use metrics::GatewayMetrics;
use service::Gateway;

/// API Gateway's integration timeout.
pub const DEFAULT_INTEGRATION_TIMEOUT: Duration = Duration::from_secs(29);
/// API Gateway's payload limit (10 MB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// How the gateway runs, beside what it serves.
pub struct Settings {
    pub integration_timeout: Duration,
    pub max_body_bytes: usize,
    /// `requestContext.accountId` in Lambda events.
    pub account_id: String,
    pub clock: Arc<dyn Clock>,
    pub metrics: Arc<GatewayMetrics>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            integration_timeout: DEFAULT_INTEGRATION_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            account_id: "123456789012".into(),
            clock: Arc::new(crate::system::SystemClock),
            metrics: Arc::new(GatewayMetrics::default()),
        }
    }
}

/// The gateway as an axum router (every path is its own: no health or metrics path is reserved). Refuses a
/// configuration it cannot serve: a bad route, an unknown authorizer, a Lambda route without an endpoint.
pub fn router(config: GatewayConfig, settings: Settings) -> Result<Router, String> {
    let table = routes::RouteTable::new(config.stage.as_deref(), &config.routes)?;
    let authorizers = auth::Authorizers::new(&config.authorizers)?;
    for route in &config.routes {
        if let Some(name) = &route.authorizer {
            if !authorizers.contains(name) {
                return Err(format!(
                    "route {} {}: no authorizer named {name}",
                    route.method, route.path
                ));
            }
        }
        match &route.integration {
            Integration::Lambda { .. } if config.lambda_endpoint.is_none() => {
                return Err(format!(
                    "route {} {} invokes a Lambda function, but no lambda_endpoint is configured",
                    route.method, route.path
                ))
            }
            Integration::Http { url, .. } if !url.starts_with("http://") && !url.starts_with("https://") => {
                return Err(format!(
                    "route {} {}: {url:?} is not an http(s) URL",
                    route.method, route.path
                ))
            }
            _ => {}
        }
    }
    if let Some(cors) = &config.cors {
        cors::check(cors)?;
    }
    let client = reqwest::Client::builder()
        // A proxy passes redirects on; it does not follow them.
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    let gateway = Arc::new(Gateway {
        config,
        table,
        authorizers,
        client,
        settings,
    });
    Ok(Router::new().fallback(move |request| service::handle(gateway.clone(), request)))
}

/// Where to listen: the API, and optionally Prometheus metrics at `GET /metrics` on a listener of their own.
pub struct Listeners {
    pub api: String,
    pub metrics: Option<String>,
}

/// Serves the gateway until `shutdown` completes, then lets requests in flight finish.
pub async fn run(
    config: GatewayConfig,
    settings: Settings,
    listeners: &Listeners,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    let metrics = settings.metrics.clone();
    let routes = config.routes.len();
    let stage = config.stage.clone();
    let app = router(config, settings)?;
    let api = tokio::net::TcpListener::bind(&listeners.api)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", listeners.api))?;
    let metrics_listener = match &listeners.metrics {
        Some(addr) => Some(
            tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| format!("cannot listen on {addr} for metrics: {e}"))?,
        ),
        None => None,
    };
    let (stop, stopping) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop.send(true);
    });
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        // An error means the sender is gone, which only happens once shutdown was sent.
        let _ = rx.wait_for(|stop| *stop).await;
    };
    tracing::info!(
        listen = %listeners.api,
        metrics_listen = listeners.metrics.as_deref().unwrap_or("none"),
        routes,
        stage = stage.as_deref().unwrap_or("none"),
        "latchkey gateway is ready"
    );
    let metrics_task = metrics_listener.map(|listener| {
        let app = Router::new().route(
            "/metrics",
            get(move || {
                let metrics = metrics.clone();
                async move {
                    (
                        [(
                            axum::http::header::CONTENT_TYPE,
                            "text/plain; version=0.0.4; charset=utf-8",
                        )],
                        metrics.render(),
                    )
                }
            }),
        );
        let until = stopped(stopping.clone());
        tokio::spawn(async move { axum::serve(listener, app).with_graceful_shutdown(until).await })
    });
    axum::serve(api, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(stopped(stopping))
        .await
        .map_err(|e| format!("gateway listener failed: {e}"))?;
    if let Some(task) = metrics_task {
        match task.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "metrics listener failed"),
            Err(e) => tracing::warn!(error = %e, "metrics listener task failed"),
        }
    }
    tracing::info!("gateway stopped");
    Ok(())
}
