//! Where the pools' Lambda triggers run, as configured: `lambda_endpoint` (flag `--lambda-endpoint`, env
//! `LATCHKEY_LAMBDA_ENDPOINT`) for the Lambda Invoke API, and `[webhooks."<function ARN>"]` tables in the TOML
//! file, each with a `url` and a signing `secret` (or `secret_file`, readable by its owner only).

use std::collections::BTreeMap;
use std::path::PathBuf;

use latchkey_server::functions::{FunctionsConfig, WebhookTarget};
use serde::{Deserialize, Serialize};

/// One `[webhooks."arn:aws:lambda:...:function:name"]` table.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct WebhookConfig {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_file: Option<PathBuf>,
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("url", &self.url)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("secret_file", &self.secret_file)
            .finish()
    }
}

/// The transports' settings from the configuration; a webhook without a usable secret is refused at start-up.
pub fn functions_config(
    lambda_endpoint: Option<&str>,
    webhooks: &BTreeMap<String, WebhookConfig>,
) -> Result<FunctionsConfig, String> {
    let mut targets = BTreeMap::new();
    for (arn, hook) in webhooks {
        let secret = match (&hook.secret, &hook.secret_file) {
            (Some(s), None) => s.clone(),
            (None, Some(path)) => crate::secret_files::read("webhook secret", path)?,
            _ => {
                return Err(format!(
                    "webhook for {arn}: give exactly one of `secret` and `secret_file`"
                ))
            }
        };
        if secret.len() < 16 {
            return Err(format!(
                "webhook for {arn}: the secret must be at least 16 characters"
            ));
        }
        targets.insert(
            arn.clone(),
            WebhookTarget {
                url: hook.url.clone(),
                secret,
            },
        );
    }
    if let Some(endpoint) = lambda_endpoint {
        latchkey_server::functions::webhook::check_url(endpoint)
            .map_err(|e| format!("lambda_endpoint: {e}"))?;
    }
    Ok(FunctionsConfig {
        lambda_endpoint: lambda_endpoint.map(str::to_string),
        webhooks: targets,
        attempt_timeout: None,
    })
}
