//! Start-up wiring: logging, the store, the admin keys, the router, and a graceful shutdown on SIGTERM/SIGINT
//! that lets in-flight requests finish.

use std::sync::Arc;

use latchkey_server::{AccessKeys, AppState};

use crate::config::{redact_url, Config};
use crate::transport::{self, Limits};
use crate::{credentials, purge};

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
    crate::data_dir::prepare(&config.data_dir)?;
    let url = config.database_url();
    latchkey_store::migrate(&url)
        .await
        .map_err(|e| format!("migration failed on {}: {e}", redact_url(&url)))?;
    tracing::info!(database = %redact_url(&url), "migrations applied");
    Ok(())
}

pub async fn serve(config: Config) -> Result<(), String> {
    // Before anything opens files: every connection is one.
    let soft_file_limit = open_file_limit();
    let limits = Limits::from_config(&config)?;
    let schedule = purge::Schedule::from_config(&config)?;
    let app = crate::app::build(&config).await?;
    let (key, generated) = credentials::admin_key(&config, app.latchkey.rng())?;
    if generated {
        credentials::announce(&key, &config);
    }
    let keys = AccessKeys::new([(key.access_key_id.clone(), key.secret_access_key)]);
    tokio::spawn(purge::run(app.latchkey.clone(), app.metrics.clone(), schedule));
    let rate_limits = latchkey_server::limits::Limits::new(config.limits.settings()?)?;
    let state = AppState::new(app.latchkey, keys, app.metrics).with_limits(rate_limits);
    let router = latchkey_server::router(Arc::new(state));

    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let cap = transport::connection_cap(limits.max_connections, soft_file_limit);
    if cap as u64 > soft_file_limit {
        tracing::warn!(
            max_connections = cap,
            open_file_limit = soft_file_limit,
            "max_connections exceeds the open-file limit: accepting may run out of files (it waits and retries)"
        );
    }
    tracing::info!(
        listen = %config.listen,
        public_url = %config.public_url(),
        database = %redact_url(&config.database_url()),
        smtp = %config.smtp_url.as_deref().map(redact_url).unwrap_or_else(|| "none (dev outbox)".into()),
        admin_access_key_id = %key.access_key_id,
        max_connections = cap,
        header_read_timeout = %config.header_read_timeout,
        idle_timeout = %config.idle_timeout,
        "latchkey is ready"
    );
    transport::serve(listener, router, limits, cap, shutdown_signal()).await;
    tracing::info!("stopped");
    Ok(())
}

/// Raises the soft open-file limit to the hard limit and returns it (1,024, a common default, when the
/// platform will not say).
fn open_file_limit() -> u64 {
    match transport::raise_open_file_limit() {
        Ok(l) if l.soft > l.soft_before => {
            tracing::info!(
                soft_before = l.soft_before,
                soft = l.soft,
                hard = l.hard,
                "raised the open-file soft limit to the hard limit"
            );
            l.soft
        }
        Ok(l) => {
            tracing::info!(soft = l.soft, hard = l.hard, "open-file limit");
            l.soft
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot read or raise the open-file limit; assuming 1024");
            1_024
        }
    }
}

pub async fn shutdown_signal() {
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
