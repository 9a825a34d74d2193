//! Start-up wiring: logging, the store, the admin keys, the router, and a graceful shutdown on SIGTERM/SIGINT
//! that lets in-flight requests finish.

use std::sync::Arc;

use latchkey_server::{AccessKeys, AppState};

use crate::config::{redact_url, Config};
use crate::credentials;

pub fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    use std::io::IsTerminal;
    // Colours only for a person at a terminal, never in files or log collectors.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    if config.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

pub async fn migrate(config: Config) -> Result<(), String> {
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| format!("cannot create data dir {}: {e}", config.data_dir.display()))?;
    let url = config.database_url();
    latchkey_store::migrate(&url)
        .await
        .map_err(|e| format!("migration failed on {}: {e}", redact_url(&url)))?;
    tracing::info!(database = %redact_url(&url), "migrations applied");
    Ok(())
}

pub async fn serve(config: Config) -> Result<(), String> {
    let app = crate::app::build(&config).await?;
    let (key, generated) = credentials::admin_key(&config, app.latchkey.rng.as_ref())?;
    if generated {
        credentials::announce(&key, &config);
    }
    let keys = AccessKeys::new([(key.access_key_id.clone(), key.secret_access_key)]);
    let limits = latchkey_server::limits::Limits::new(config.limits.settings()?)?;
    let state = AppState::new(app.latchkey, keys, app.metrics).with_limits(limits);
    let router = latchkey_server::router(Arc::new(state));

    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    tracing::info!(
        listen = %config.listen,
        public_url = %config.public_url(),
        database = %redact_url(&config.database_url()),
        smtp = %config.smtp_url.as_deref().map(redact_url).unwrap_or_else(|| "none (dev outbox)".into()),
        admin_access_key_id = %key.access_key_id,
        "latchkey is ready"
    );
    // Rate limits need each request's TCP peer (ConnectInfo<SocketAddr>).
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| format!("server error: {e}"))?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
