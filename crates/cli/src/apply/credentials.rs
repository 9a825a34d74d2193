//! "The usual AWS credentials" for `latchkey apply`, found in the order the AWS CLI looks: an explicit
//! `--profile`; else `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`(/`AWS_SESSION_TOKEN`); else the profile named by
//! `AWS_PROFILE` (or `default`) in the shared credentials and config files; else — only when the endpoint is on
//! this machine — the local server's admin key (configured, or the one it generated in its data dir). Also the
//! region: `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`, then `us-east-1`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use ini::{Ini, ParseOption};

use crate::config::Config;
use crate::credentials::{AdminKey, CREDENTIALS_FILE};

pub const DEFAULT_REGION: &str = "us-east-1";

/// A key pair (and session token) to sign with; never printed.
#[derive(Clone)]
pub struct AwsCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    /// Where they came from, for messages: `environment`, `profile dev`, `the local server's admin key`.
    pub source: String,
}

impl fmt::Debug for AwsCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .field("source", &self.source)
            .finish()
    }
}

/// What the lookup may read: the environment (`AWS_*`, `HOME`), the flags, and the server's settings.
pub struct Lookup<'a> {
    pub env: &'a BTreeMap<String, String>,
    pub profile_flag: Option<&'a str>,
    pub region_flag: Option<&'a str>,
    /// True when the endpoint is on this machine, so the local server's admin key may be used.
    pub endpoint_is_local: bool,
    pub config: &'a Config,
}

impl Lookup<'_> {
    fn var(&self, name: &str) -> Option<&str> {
        self.env.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    fn profile_name(&self) -> &str {
        self.profile_flag
            .or_else(|| self.var("AWS_PROFILE"))
            .unwrap_or("default")
    }

    fn home_file(&self, var: &str, name: &str) -> Option<PathBuf> {
        if let Some(p) = self.var(var) {
            return Some(PathBuf::from(p));
        }
        self.var("HOME")
            .map(|home| Path::new(home).join(".aws").join(name))
    }

    /// The profile's settings: the credentials file's `[name]` over the config file's `[profile name]`
    /// (`[default]` for the default profile).
    fn profile(&self) -> Result<BTreeMap<String, String>, String> {
        let name = self.profile_name();
        let mut settings = BTreeMap::new();
        if let Some(path) = self.home_file("AWS_CONFIG_FILE", "config") {
            let section = if name == "default" {
                "default".to_string()
            } else {
                format!("profile {name}")
            };
            settings.extend(read_section(&path, &section)?);
        }
        if let Some(path) = self.home_file("AWS_SHARED_CREDENTIALS_FILE", "credentials") {
            settings.extend(read_section(&path, name)?);
        }
        Ok(settings)
    }
}

/// The region to sign for and address.
pub fn region(lookup: &Lookup<'_>) -> Result<String, String> {
    if let Some(r) = lookup
        .region_flag
        .or_else(|| lookup.var("AWS_REGION"))
        .or_else(|| lookup.var("AWS_DEFAULT_REGION"))
    {
        return Ok(r.to_string());
    }
    Ok(lookup
        .profile()?
        .remove("region")
        .unwrap_or_else(|| DEFAULT_REGION.to_string()))
}

pub fn credentials(lookup: &Lookup<'_>) -> Result<AwsCredentials, String> {
    if lookup.profile_flag.is_none() {
        if let (Some(id), Some(secret)) = (
            lookup.var("AWS_ACCESS_KEY_ID"),
            lookup.var("AWS_SECRET_ACCESS_KEY"),
        ) {
            return Ok(AwsCredentials {
                access_key_id: id.to_string(),
                secret_access_key: secret.to_string(),
                session_token: lookup.var("AWS_SESSION_TOKEN").map(str::to_string),
                source: "the environment".into(),
            });
        }
    }
    let name = lookup.profile_name();
    let profile = lookup.profile()?;
    if let (Some(id), Some(secret)) = (
        profile.get("aws_access_key_id"),
        profile.get("aws_secret_access_key"),
    ) {
        return Ok(AwsCredentials {
            access_key_id: id.clone(),
            secret_access_key: secret.clone(),
            session_token: profile.get("aws_session_token").cloned(),
            source: format!("profile {name}"),
        });
    }
    let unsupported: Vec<&str> = [
        "role_arn",
        "sso_session",
        "sso_start_url",
        "credential_process",
        "web_identity_token_file",
    ]
    .into_iter()
    .filter(|k| profile.contains_key(*k))
    .collect();
    if !unsupported.is_empty() {
        return Err(format!(
            "profile {name} gets its credentials through {}, which latchkey apply does not do; export \
             AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (e.g. from `aws configure export-credentials`) instead",
            unsupported.join(", ")
        ));
    }
    if lookup.profile_flag.is_some() || lookup.var("AWS_PROFILE").is_some() {
        return Err(format!(
            "profile {name} has no aws_access_key_id and aws_secret_access_key in the shared credentials or config file"
        ));
    }
    if lookup.endpoint_is_local {
        if let Some(key) = local_admin_key(lookup.config)? {
            return Ok(AwsCredentials {
                access_key_id: key.access_key_id,
                secret_access_key: key.secret_access_key,
                session_token: None,
                source: "the local server's admin key".into(),
            });
        }
    }
    Err("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile (--profile / AWS_PROFILE) \
         in ~/.aws/credentials; against a local server, its --data-dir holds the admin key it generated"
        .into())
}

/// The admin key the local server was configured with, or the one it generated in its data dir; never generates.
fn local_admin_key(config: &Config) -> Result<Option<AdminKey>, String> {
    if let (Some(id), Some(secret)) = (&config.admin_access_key_id, &config.admin_secret_access_key) {
        return Ok(Some(AdminKey {
            access_key_id: id.clone(),
            secret_access_key: secret.clone(),
        }));
    }
    let path = config.data_dir.join(CREDENTIALS_FILE);
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| format!("{} is not valid: {e}", path.display()))
}

/// One section of an AWS INI file; a missing file is an empty section (as for the AWS CLI).
fn read_section(path: &Path, section: &str) -> Result<BTreeMap<String, String>, String> {
    if !path.exists() {
        return Ok(BTreeMap::new());
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let options = ParseOption {
        enabled_escape: false,
        ..ParseOption::default()
    };
    let ini = Ini::load_from_str_opt(&text, options).map_err(|e| {
        format!(
            "{} is not a valid AWS config file: line {}: {}",
            path.display(),
            e.line,
            e.msg
        )
    })?;
    Ok(ini
        .section(Some(section))
        .map(|props| {
            props
                .iter()
                .map(|(k, v)| (k.to_string(), v.trim().to_string()))
                .collect()
        })
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn lookup<'a>(
        env: &'a BTreeMap<String, String>,
        config: &'a Config,
        profile: Option<&'a str>,
    ) -> Lookup<'a> {
        Lookup {
            env,
            profile_flag: profile,
            region_flag: None,
            endpoint_is_local: true,
            config,
        }
    }

    #[test]
    fn environment_then_profile_then_local_key() {
        let dir = std::env::temp_dir().join(format!("lk-apply-creds-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let creds = dir.join("credentials");
        std::fs::write(&creds, "[default]\naws_access_key_id = AKDEF\naws_secret_access_key = s/def+\n\n[dev]\naws_access_key_id=AKDEV\naws_secret_access_key=sdev\naws_session_token=tok\n").unwrap();
        let conf = dir.join("config");
        std::fs::write(
            &conf,
            "[profile dev]\nregion = eu-west-1\n[profile sso]\nsso_session = corp\n",
        )
        .unwrap();
        let files = [
            ("AWS_SHARED_CREDENTIALS_FILE", creds.to_str().unwrap()),
            ("AWS_CONFIG_FILE", conf.to_str().unwrap()),
        ];
        let config = Config {
            data_dir: dir.clone(),
            ..Config::default()
        };

        let e = env(&[
            files[0],
            files[1],
            ("AWS_ACCESS_KEY_ID", "AKENV"),
            ("AWS_SECRET_ACCESS_KEY", "senv"),
        ]);
        let c = credentials(&lookup(&e, &config, None)).unwrap();
        assert_eq!(
            (c.access_key_id.as_str(), c.source.as_str()),
            ("AKENV", "the environment")
        );
        // An explicit --profile beats the environment's keys, as in the AWS CLI.
        let c = credentials(&lookup(&e, &config, Some("dev"))).unwrap();
        assert_eq!(c.access_key_id, "AKDEV");
        assert_eq!(c.session_token.as_deref(), Some("tok"));
        assert_eq!(region(&lookup(&e, &config, Some("dev"))).unwrap(), "eu-west-1");

        let e = env(&[files[0], files[1]]);
        let c = credentials(&lookup(&e, &config, None)).unwrap();
        assert_eq!(
            (c.access_key_id.as_str(), c.secret_access_key.as_str()),
            ("AKDEF", "s/def+")
        );
        assert_eq!(region(&lookup(&e, &config, None)).unwrap(), DEFAULT_REGION);
        let err = credentials(&lookup(&e, &config, Some("sso"))).unwrap_err();
        assert!(err.contains("sso_session"), "{err}");
        let err = credentials(&lookup(&e, &config, Some("missing"))).unwrap_err();
        assert!(err.contains("profile missing"), "{err}");

        // No keys anywhere: the local server's generated key, read from its data dir.
        let e = env(&[
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/c"),
            ("AWS_CONFIG_FILE", "/nonexistent/f"),
        ]);
        assert!(credentials(&lookup(&e, &config, None)).is_err());
        std::fs::write(
            dir.join(CREDENTIALS_FILE),
            r#"{"access_key_id":"LKIALOCAL","secret_access_key":"local"}"#,
        )
        .unwrap();
        let c = credentials(&lookup(&e, &config, None)).unwrap();
        assert_eq!(c.access_key_id, "LKIALOCAL");
        let remote = Lookup {
            endpoint_is_local: false,
            ..lookup(&e, &config, None)
        };
        assert!(credentials(&remote).is_err());
        assert!(!format!("{c:?}").contains("\"local\""));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
