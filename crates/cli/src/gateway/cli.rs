//! The `latchkey gateway` command: its flags, the TOML file read into a `GatewayConfig`, and the wiring to `run`.
//! The file is named by the global `--config` and the address by the global `--listen`, which mean the
//! gateway's own file and address for this command.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use figment::providers::{Format, Toml};
use figment::Figment;

use super::config::GatewayConfig;
use super::from_template::{self, TemplateSource};
use super::{Listeners, Settings, DEFAULT_INTEGRATION_TIMEOUT};
use crate::config::Config;

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
    /// Serve the API a CloudFormation/SAM template declares instead of a TOML file; its authorizers trust the user
    /// pools `latchkey apply` made for the stack.
    #[arg(long)]
    pub template: Option<PathBuf>,
    /// The stack `latchkey apply` made from the template [default: the file name, sanitised].
    #[arg(long, requires = "template")]
    pub stack: Option<String>,
    /// A template parameter's value, as given to `latchkey apply`; repeat for several.
    #[arg(long = "param", value_name = "KEY=VALUE", requires = "template")]
    pub params: Vec<String>,
    /// Which API of the template (its logical id) when it declares several.
    #[arg(long, requires = "template")]
    pub api: Option<String>,
    /// The Cognito endpoint holding the stack [default: the local server].
    #[arg(long, requires = "template")]
    pub endpoint_url: Option<String>,
    /// The region [default: AWS_REGION, AWS_DEFAULT_REGION, the profile's, us-east-1].
    #[arg(long, requires = "template")]
    pub region: Option<String>,
    /// A profile of the shared AWS config and credentials files.
    #[arg(long, requires = "template")]
    pub profile: Option<String>,
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

/// `latchkey gateway`: `config_file` and `listen` come from the global `--config` and `--listen`; with
/// `--template` the routes come from the template and the stack instead of a TOML file.
pub async fn command(
    args: GatewayArgs,
    config_file: Option<&Path>,
    listen: Option<&str>,
    server: &Config,
) -> Result<(), String> {
    let mut config = match (&args.template, config_file) {
        (Some(_), Some(_)) => {
            return Err("latchkey gateway takes --config FILE.toml or --template FILE, not both".into())
        }
        (Some(file), None) => {
            let source = TemplateSource {
                file,
                stack: args.stack.as_deref(),
                params: &args.params,
                api: args.api.as_deref(),
                endpoint_url: args.endpoint_url.as_deref(),
                region: args.region.as_deref(),
                profile: args.profile.as_deref(),
            };
            from_template::load(server, &source).await?
        }
        (None, Some(path)) => load_config(path)?,
        (None, None) => {
            return Err(
                "latchkey gateway needs --config FILE.toml or --template FILE (the routes to serve)".into(),
            )
        }
    };
    if let Some(endpoint) = args.lambda_endpoint {
        config.lambda_endpoint = Some(endpoint);
    }
    if args.integration_timeout.is_zero() || args.integration_timeout > DEFAULT_INTEGRATION_TIMEOUT * 10 {
        return Err("--integration-timeout must be above zero and at most 290s".into());
    }
    let settings = Settings {
        integration_timeout: args.integration_timeout,
        account_id: server.account_id.clone(),
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
