//! The `latchkey gateway` command: its flags, the TOML file read into a `GatewayConfig`, and the wiring to `run`.
//! The file is named by the global `--config` and the address by the global `--listen`, which mean the
//! gateway's own file and address for this command.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use figment::providers::{Format, Toml};
use figment::Figment;

use super::config::GatewayConfig;
use super::{Listeners, Settings, DEFAULT_INTEGRATION_TIMEOUT};

/// Where the gateway listens when `--listen` is not given (the server's default port plus one).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9230";

#[derive(clap::Args, Debug)]
pub struct GatewayArgs {
    /// The Lambda Invoke API endpoint for Lambda proxy integrations (e.g. `sam local start-lambda`'s
    /// http://127.0.0.1:3001); overrides `lambda_endpoint` in the file.
    #[arg(long)]
    pub lambda_endpoint: Option<String>,
    /// Serve Prometheus metrics at GET /metrics on this address (the API's own paths are all the app's).
    #[arg(long)]
    pub metrics_listen: Option<String>,
    /// How long an integration may take before the client gets 504 (API Gateway's limit is 29 s).
    #[arg(long, value_parser = humantime::parse_duration, default_value = "29s")]
    pub integration_timeout: Duration,
}

/// Reads the gateway's TOML file (`GatewayConfig`, one to one).
pub fn load_config(path: &Path) -> Result<GatewayConfig, String> {
    if !path.exists() {
        return Err(format!("gateway config {} does not exist", path.display()));
    }
    Figment::from(Toml::file(path))
        .extract()
        .map_err(|e| format!("invalid gateway config {}: {e}", path.display()))
}

/// `latchkey gateway`: `config_file` and `listen` come from the global `--config` and `--listen`.
pub async fn command(
    args: GatewayArgs,
    config_file: Option<&Path>,
    listen: Option<&str>,
    account_id: &str,
) -> Result<(), String> {
    let path = config_file.ok_or("latchkey gateway needs --config FILE.toml (the routes to serve)")?;
    let mut config = load_config(path)?;
    if let Some(endpoint) = args.lambda_endpoint {
        config.lambda_endpoint = Some(endpoint);
    }
    if args.integration_timeout.is_zero() || args.integration_timeout > DEFAULT_INTEGRATION_TIMEOUT * 10 {
        return Err("--integration-timeout must be above zero and at most 290s".into());
    }
    let settings = Settings {
        integration_timeout: args.integration_timeout,
        account_id: account_id.to_string(),
        clock: Arc::new(crate::system::SystemClock),
        ..Settings::default()
    };
    let listeners = Listeners {
        api: listen.unwrap_or(DEFAULT_LISTEN).to_string(),
        metrics: args.metrics_listen,
    };
    super::run(config, settings, &listeners, crate::serve::shutdown_signal()).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::config::Integration;

    #[test]
    fn toml_file_reads_into_the_config() {
        let dir = std::env::temp_dir().join(format!("latchkey-gw-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("gw.toml");
        std::fs::write(
            &path,
            r#"
stage = "prod"
lambda_endpoint = "http://127.0.0.1:3001"

[authorizers.pool]
issuers = ["http://127.0.0.1:9229/us-east-1_abc"]

[[route]]
method = "GET"
path = "/items/{id}"
authorizer = "pool"
integration = { type = "lambda", function = "Items" }

[[route]]
method = "ANY"
path = "/{proxy+}"
integration = { type = "http", url = "http://127.0.0.1:8000/{proxy}", claim_headers = { "X-User" = "sub" } }
"#,
        )
        .unwrap();
        let config = load_config(&path).unwrap();
        assert_eq!(config.stage.as_deref(), Some("prod"));
        assert_eq!(config.authorizers["pool"].identity_header, "Authorization");
        assert_eq!(config.routes.len(), 2);
        assert!(
            matches!(&config.routes[0].integration, Integration::Lambda { function } if function == "Items")
        );
        std::fs::write(&path, "[[route]]\nmethod = \"GET\"\npath = \"/\"\nunknown = 1\n").unwrap();
        assert!(load_config(&path).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
