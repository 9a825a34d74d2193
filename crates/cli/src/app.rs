//! Builds the application from the configuration: store, master key, mailer, settings — shared by `serve` and
//! the maintenance commands.

use std::sync::Arc;

use latchkey_core::mail::Mailer;
use latchkey_core::ports::{Clock, Rng};
use latchkey_core::store::Store;
use latchkey_core::{IssuerStyle, Latchkey, Ports, Secrets, Settings};
use latchkey_server::functions::FunctionRunner;
use latchkey_server::mail::{CountingMailer, OutboxMailer, SmtpMailer};
use latchkey_server::metrics::Metrics;

use crate::config::{redact_url, Config};
use crate::credentials;
use crate::functions_config::functions_config;
use crate::system::{SystemClock, SystemRng};

pub struct App {
    pub latchkey: Latchkey,
    pub metrics: Arc<Metrics>,
    /// The store the use cases run on, for the maintenance commands that read or fill it directly (the dev
    /// outbox, the benchmark seeder).
    pub store: Arc<dyn Store>,
}

pub async fn build(config: &Config) -> Result<App, String> {
    crate::data_dir::prepare(&config.data_dir)?;
    let url = config.database_url();
    let store = latchkey_store::connect(&url)
        .await
        .map_err(|e| format!("cannot open the database {}: {e}", redact_url(&url)))?;
    let rng = Arc::new(SystemRng::new());
    let clock = Arc::new(SystemClock);
    let (clock_port, rng_port): (Arc<dyn Clock>, Arc<dyn Rng>) = (clock.clone(), rng.clone());
    let master_key = credentials::master_key(config, rng.as_ref())?;
    let metrics = Arc::new(Metrics::default());
    let outbox = OutboxMailer {
        store: store.clone(),
        clock: clock.clone(),
        rng: rng.clone(),
    };
    let inner: Arc<dyn Mailer> = match &config.smtp_url {
        Some(smtp) => Arc::new(SmtpMailer::new(smtp, &config.smtp_from, outbox)?),
        None => Arc::new(outbox),
    };
    let mailer = Arc::new(CountingMailer {
        inner,
        metrics: metrics.clone(),
    });
    let settings = Settings {
        account_id: config.account_id.clone(),
        public_url: config.public_url(),
        issuer_style: if config.issuer_style == "aws" {
            IssuerStyle::Aws
        } else {
            IssuerStyle::PublicUrl
        },
        ..Settings::default()
    };
    let latchkey = Latchkey::new(
        Ports {
            store: store.clone(),
            clock,
            rng,
            mailer,
        },
        settings,
        Secrets { master_key },
    )
    .map_err(|e| format!("cannot start: {e}"))?;
    let functions = FunctionRunner::new(
        functions_config(config.lambda_endpoint.as_deref(), &config.webhooks)?,
        clock_port,
        rng_port,
        metrics.clone(),
    )?;
    let latchkey = latchkey.with_functions(Arc::new(functions));
    Ok(App {
        latchkey,
        metrics,
        store,
    })
}
