//! Settings of `latchkey serve` / `latchkey migrate`: built-in defaults, then a TOML file (`--config`), then
//! `LATCHKEY_*` environment variables, then command-line flags — each layer overriding the one before.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use clap::Args;
use figment::providers::{Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

use crate::functions_config::WebhookConfig;
use crate::limits_config::{self, LimitConfig, LimitOptions};

#[derive(Clone, Serialize, Deserialize)]
pub struct Config {
    pub listen: String,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub public_url: Option<String>,
    pub account_id: String,
    pub admin_access_key_id: Option<String>,
    pub admin_secret_access_key: Option<String>,
    pub log_format: String,
    pub smtp_url: Option<String>,
    pub smtp_from: String,
    pub master_key: Option<String>,
    pub issuer_style: String,
    // Secrets read from files (see `secret_files`), so they need not appear on a command line.
    pub master_key_file: Option<PathBuf>,
    pub admin_secret_access_key_file: Option<PathBuf>,
    pub smtp_url_file: Option<PathBuf>,
    pub database_url_file: Option<PathBuf>,
    // Connection handling (see `transport::Limits`): durations as humantime strings ("10s", "7d").
    pub header_read_timeout: String,
    pub idle_timeout: String,
    #[serde(deserialize_with = "crate::transport::optional_count")]
    pub max_connections: Option<u64>,
    // Background purge of expired rows (see `purge`).
    pub purge_interval: String,
    pub outbox_retention: String,
    // Where Lambda triggers run (see `functions_config`).
    pub lambda_endpoint: Option<String>,
    #[serde(default)]
    pub webhooks: BTreeMap<String, WebhookConfig>,
    #[serde(flatten)]
    pub limits: LimitConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:9229".into(),
            data_dir: PathBuf::from("./latchkey-data"),
            database_url: None,
            public_url: None,
            account_id: "123456789012".into(),
            admin_access_key_id: None,
            admin_secret_access_key: None,
            log_format: "human".into(),
            smtp_url: None,
            smtp_from: "no-reply@verificationemail.com".into(),
            master_key: None,
            issuer_style: "public-url".into(),
            master_key_file: None,
            admin_secret_access_key_file: None,
            smtp_url_file: None,
            database_url_file: None,
            header_read_timeout: "10s".into(),
            idle_timeout: "75s".into(),
            max_connections: None,
            purge_interval: "5m".into(),
            outbox_retention: "7d".into(),
            lambda_endpoint: None,
            webhooks: BTreeMap::new(),
            limits: LimitConfig::default(),
        }
    }
}

/// Secrets never reach logs through Debug.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database_url", &self.database_url.as_deref().map(redact_url))
            .field("public_url", &self.public_url)
            .field("account_id", &self.account_id)
            .field("admin_access_key_id", &self.admin_access_key_id)
            .field(
                "admin_secret_access_key",
                &self.admin_secret_access_key.as_ref().map(|_| "<redacted>"),
            )
            .field("log_format", &self.log_format)
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("smtp_from", &self.smtp_from)
            .field("master_key", &self.master_key.as_ref().map(|_| "<redacted>"))
            .field("issuer_style", &self.issuer_style)
            .field("master_key_file", &self.master_key_file)
            .field("admin_secret_access_key_file", &self.admin_secret_access_key_file)
            .field("smtp_url_file", &self.smtp_url_file)
            .field("database_url_file", &self.database_url_file)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("max_connections", &self.max_connections)
            .field("purge_interval", &self.purge_interval)
            .field("outbox_retention", &self.outbox_retention)
            .field("lambda_endpoint", &self.lambda_endpoint)
            .field("webhooks", &self.webhooks)
            .field("limits", &self.limits)
            .finish()
    }
}

/// Hides a password in a database URL (`postgres://u:secret@h/db` → `postgres://u:***@h/db`).
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The options every command accepts; each is also `LATCHKEY_<NAME>` in the environment and `<name>` in TOML.
#[derive(Debug, Clone, Default, Args, Serialize)]
pub struct Options {
    /// TOML file with any of the settings below (keys in snake_case).
    #[arg(long, global = true, env = "LATCHKEY_CONFIG")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:9229].
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    /// Directory for the SQLite database and generated secrets [default: ./latchkey-data].
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// sqlite://... or postgres://...; wins over the data dir's database.
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// Base URL of issuer and hosted-UI links [default: http://<listen address>].
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// AWS account id used in ARNs [default: 123456789012].
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// Access key id admin operations must be signed with (SigV4).
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_access_key_id: Option<String>,
    /// Secret access key for --admin-access-key-id.
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_secret_access_key: Option<String>,
    /// Log format on stderr: human or json [default: human].
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<String>,
    /// SMTP server for codes and invitations: smtp://[user:pass@]host[:port][?tls=required] or smtps://...;
    /// without one, messages go to the dev outbox (`latchkey outbox`).
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_url: Option<String>,
    /// From address of those messages [default: no-reply@verificationemail.com].
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_from: Option<String>,
    /// 64 hex characters sealing sessions and private keys; generated into the data dir when unset. Nodes sharing
    /// a database need the same one.
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub master_key: Option<String>,
    /// `public-url` (iss = <public url>/<pool id>) or `aws` (iss = https://cognito-idp.<region>.amazonaws.com/<pool id>).
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer_style: Option<String>,
    /// File holding --master-key (a trailing newline is ignored); keeps the key off the command line.
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub master_key_file: Option<PathBuf>,
    /// File holding --admin-secret-access-key.
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_secret_access_key_file: Option<PathBuf>,
    /// File holding --smtp-url (which may carry a password).
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_url_file: Option<PathBuf>,
    /// File holding --database-url (which may carry a password).
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url_file: Option<PathBuf>,
    /// How long a client may take to send a request's headers, from its first byte (from connecting, for the
    /// first request) [default: 10s].
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header_read_timeout: Option<String>,
    /// How long a kept-alive connection may wait for its next request [default: 75s].
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_timeout: Option<String>,
    /// Connections served at once; beyond it new ones wait to be accepted [default: from the open-file limit].
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<u64>,
    /// How often expired tokens, codes, counters and old outbox messages are deleted [default: 5m].
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purge_interval: Option<String>,
    /// How long dev-outbox messages are kept [default: 7d].
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outbox_retention: Option<String>,
    /// Lambda Invoke API endpoint that runs the pools' triggers (e.g. `sam local start-lambda`'s
    /// http://127.0.0.1:3001); webhooks are configured per function in the TOML file.
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lambda_endpoint: Option<String>,
    #[command(flatten)]
    #[serde(flatten)]
    pub limits: LimitOptions,
}

const KEYS: &[&str] = &[
    "listen",
    "data_dir",
    "database_url",
    "public_url",
    "account_id",
    "admin_access_key_id",
    "admin_secret_access_key",
    "log_format",
    "smtp_url",
    "smtp_from",
    "master_key",
    "issuer_style",
    "master_key_file",
    "admin_secret_access_key_file",
    "smtp_url_file",
    "database_url_file",
    "header_read_timeout",
    "idle_timeout",
    "max_connections",
    "purge_interval",
    "outbox_retention",
    "lambda_endpoint",
];

/// `LATCHKEY_*` variables that are not settings, so they are not warned about.
const OTHER_ENV: &[&str] = &["config"];

/// The resolved configuration, and the names of `LATCHKEY_*` variables that match no setting (to warn about once
/// logging is up).
pub fn load(
    flags: &Options,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<(Config, Vec<String>), String> {
    let mut from_env = BTreeMap::new();
    let mut unknown = Vec::new();
    for (name, value) in env {
        let Some(key) = name.strip_prefix("LATCHKEY_") else {
            continue;
        };
        let key = key.to_ascii_lowercase();
        if KEYS.contains(&key.as_str()) || limits_config::KEYS.contains(&key.as_str()) {
            // Values stay strings: an all-digit account id must not become a number.
            from_env.insert(key, value);
        } else if !OTHER_ENV.contains(&key.as_str()) {
            unknown.push(name);
        }
    }
    let mut figment = Figment::from(Serialized::defaults(Config::default()));
    if let Some(path) = &flags.config {
        if !path.exists() {
            return Err(format!("config file {} does not exist", path.display()));
        }
        figment = figment.merge(Toml::file(path));
    }
    let mut config: Config = figment
        .merge(Serialized::defaults(from_env))
        .merge(Serialized::defaults(flags))
        .extract()
        .map_err(|e| format!("invalid configuration: {e}"))?;
    if config.log_format != "human" && config.log_format != "json" {
        return Err(format!(
            "log_format must be 'human' or 'json', not '{}'",
            config.log_format
        ));
    }
    if config.issuer_style != "public-url" && config.issuer_style != "aws" {
        return Err(format!(
            "issuer_style must be 'public-url' or 'aws', not '{}'",
            config.issuer_style
        ));
    }
    crate::secret_files::resolve(&mut config)?;
    crate::transport::Limits::from_config(&config)?;
    crate::purge::Schedule::from_config(&config)?;
    config.limits.settings()?;
    crate::functions_config::functions_config(config.lambda_endpoint.as_deref(), &config.webhooks)?;
    if config.admin_access_key_id.is_some() != config.admin_secret_access_key.is_some() {
        return Err("admin_access_key_id and admin_secret_access_key must be given together".into());
    }
    Ok((config, unknown))
}

impl Config {
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("latchkey.db").display()),
        }
    }

    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
            .trim_end_matches('/')
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_defaults_file_env_flags() {
        let dir = std::env::temp_dir().join(format!("lk-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:1000\"\naccount_id = \"111111111111\"\npublic_url = \"https://file\"\n",
        )
        .unwrap();
        let flags = Options {
            config: Some(file),
            listen: Some("127.0.0.1:3000".into()),
            ..Default::default()
        };
        let env = vec![
            ("LATCHKEY_LISTEN".to_string(), "127.0.0.1:2000".to_string()),
            ("LATCHKEY_ACCOUNT_ID".to_string(), "222222222222".to_string()),
            ("LATCHKEY_BOGUS".to_string(), "x".to_string()),
            ("PATH".to_string(), "/bin".to_string()),
        ];
        let (c, unknown) = load(&flags, env).unwrap();
        assert_eq!(c.listen, "127.0.0.1:3000", "flag beats env and file");
        assert_eq!(c.account_id, "222222222222", "env beats file, stays a string");
        assert_eq!(c.public_url(), "https://file", "file beats default");
        assert_eq!(c.data_dir, PathBuf::from("./latchkey-data"), "default");
        assert_eq!(unknown, vec!["LATCHKEY_BOGUS".to_string()]);
    }

    #[test]
    fn half_a_key_pair_is_refused_and_secrets_are_redacted() {
        let flags = Options {
            admin_access_key_id: Some("AKID".into()),
            ..Default::default()
        };
        assert!(load(&flags, Vec::new()).is_err());
        let flags = Options {
            admin_access_key_id: Some("AKID".into()),
            admin_secret_access_key: Some("hunter2".into()),
            database_url: Some("postgres://u:pw@h/db".into()),
            ..Default::default()
        };
        let (c, _) = load(&flags, Vec::new()).unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2") && !shown.contains(":pw@"), "{shown}");
    }
}
