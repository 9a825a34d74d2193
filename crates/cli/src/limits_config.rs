//! The abuse-limit settings of `latchkey serve` (what they limit: `latchkey_server::limits`): flags,
//! `LATCHKEY_*` variables and TOML keys like every setting, kept here so `config.rs` only flattens them in.

use std::fmt;

use clap::Args;
use latchkey_server::limits::{LimitSettings, Rate, TrustedProxies};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

/// The TOML keys (and `LATCHKEY_<KEY>` variables) these settings answer to.
pub const KEYS: &[&str] = &[
    "limit_per_address",
    "limit_per_address_burst",
    "limit_per_client",
    "limit_per_client_burst",
    "trusted_proxies",
    "cognito_quotas",
];

#[derive(Debug, Clone, Default, Args, Serialize)]
pub struct LimitOptions {
    /// Password, SRP and code-sending requests per second from one client address (IPv4 address or IPv6 /64);
    /// 0 turns the limit off [default: 10].
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_per_address: Option<f64>,
    /// How many of those one address may send at once before the rate applies [default: 20].
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_per_address_burst: Option<u32>,
    /// The same requests per second for one app client id; 0 turns the limit off [default: 100].
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_per_client: Option<f64>,
    /// How many of those one app client may send at once [default: 200].
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_per_client_burst: Option<u32>,
    /// Reverse proxies whose X-Forwarded-For is believed: addresses or CIDRs, comma-separated [default: none].
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted_proxies: Option<String>,
    /// Also enforce Cognito's per-category request quotas (per node), to test throttling handling.
    #[arg(long, global = true, num_args = 0..=1, default_missing_value = "true")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cognito_quotas: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LimitConfig {
    #[serde(deserialize_with = "number")]
    pub limit_per_address: f64,
    #[serde(deserialize_with = "number")]
    pub limit_per_address_burst: f64,
    #[serde(deserialize_with = "number")]
    pub limit_per_client: f64,
    #[serde(deserialize_with = "number")]
    pub limit_per_client_burst: f64,
    #[serde(deserialize_with = "list")]
    pub trusted_proxies: String,
    #[serde(deserialize_with = "boolean")]
    pub cognito_quotas: bool,
}

impl Default for LimitConfig {
    fn default() -> Self {
        let d = LimitSettings::default();
        let (a, c) = (d.per_address.unwrap_or(OFF), d.per_client.unwrap_or(OFF));
        Self {
            limit_per_address: a.per_second,
            limit_per_address_burst: f64::from(a.burst),
            limit_per_client: c.per_second,
            limit_per_client_burst: f64::from(c.burst),
            trusted_proxies: String::new(),
            cognito_quotas: d.cognito_quotas,
        }
    }
}

const OFF: Rate = Rate {
    per_second: 0.0,
    burst: 1,
};

fn rate(name: &str, per_second: f64, burst: f64) -> Result<Option<Rate>, String> {
    if per_second == 0.0 {
        return Ok(None);
    }
    if !(per_second.is_finite() && (1e-6..=1e9).contains(&per_second)) {
        return Err(format!(
            "{name} must be 0 (off) or a number of requests per second between 0.000001 and 1e9, not {per_second}"
        ));
    }
    if !(burst.fract() == 0.0 && (1.0..=1e9).contains(&burst)) {
        return Err(format!(
            "{name}_burst must be a whole number of requests of at least 1, not {burst}"
        ));
    }
    Ok(Some(Rate {
        per_second,
        burst: burst as u32,
    }))
}

impl LimitConfig {
    pub fn settings(&self) -> Result<LimitSettings, String> {
        Ok(LimitSettings {
            per_address: rate(
                "limit_per_address",
                self.limit_per_address,
                self.limit_per_address_burst,
            )?,
            per_client: rate(
                "limit_per_client",
                self.limit_per_client,
                self.limit_per_client_burst,
            )?,
            trusted_proxies: TrustedProxies::parse(&self.trusted_proxies)?,
            cognito_quotas: self.cognito_quotas,
        })
    }
}

// Environment variables arrive as strings ("10", "true") and TOML as numbers, booleans and arrays: each setting
// takes either.

struct Lenient;

impl<'de> Visitor<'de> for Lenient {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number, a boolean, a string or a list of strings")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.trim().to_string())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<String, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<String>()? {
            items.push(item);
        }
        Ok(items.join(","))
    }
}

fn number<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let s = d.deserialize_any(Lenient)?;
    s.parse::<f64>()
        .map_err(|_| de::Error::custom(format!("'{s}' is not a number")))
}

fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let s = d.deserialize_any(Lenient)?;
    match s.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" | "" => Ok(false),
        _ => Err(de::Error::custom(format!("'{s}' is not true or false"))),
    }
}

fn list<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_any(Lenient)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{load, Options};

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_the_servers() {
        let (c, _) = load(&Options::default(), Vec::new()).unwrap();
        assert_eq!(c.limits.settings().unwrap(), LimitSettings::default());
    }

    #[test]
    fn limits_come_from_the_file_the_environment_and_flags() {
        let dir = std::env::temp_dir().join(format!("lk-limits-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.toml");
        std::fs::write(
            &file,
            "limit_per_address = 5\nlimit_per_client = 50\ntrusted_proxies = [\"10.0.0.0/8\", \"192.0.2.1\"]\ncognito_quotas = true\n",
        )
        .unwrap();
        let flags = Options {
            config: Some(file),
            limits: LimitOptions {
                limit_per_client_burst: Some(3),
                ..Default::default()
            },
            ..Default::default()
        };
        let vars = env(&[
            ("LATCHKEY_LIMIT_PER_CLIENT", "7.5"),
            ("LATCHKEY_LIMIT_PER_ADDRESS_BURST", "9"),
        ]);
        let (c, unknown) = load(&flags, vars).unwrap();
        assert!(unknown.is_empty(), "{unknown:?}");
        let s = c.limits.settings().unwrap();
        assert_eq!(
            s.per_address,
            Some(Rate {
                per_second: 5.0,
                burst: 9
            }),
            "file rate, env burst"
        );
        assert_eq!(
            s.per_client,
            Some(Rate {
                per_second: 7.5,
                burst: 3
            }),
            "env beats file, flag burst"
        );
        assert_eq!(
            s.trusted_proxies,
            TrustedProxies::parse("10.0.0.0/8,192.0.2.1").unwrap()
        );
        assert!(s.cognito_quotas);
    }

    #[test]
    fn zero_turns_a_limit_off_and_nonsense_is_refused() {
        let (c, _) = load(&Options::default(), env(&[("LATCHKEY_LIMIT_PER_ADDRESS", "0")])).unwrap();
        assert_eq!(c.limits.settings().unwrap().per_address, None);
        for (name, value) in [
            ("LATCHKEY_LIMIT_PER_ADDRESS", "-1"),
            ("LATCHKEY_LIMIT_PER_ADDRESS", "ten"),
            ("LATCHKEY_LIMIT_PER_CLIENT_BURST", "2.5"),
            ("LATCHKEY_LIMIT_PER_CLIENT_BURST", "0"),
            ("LATCHKEY_TRUSTED_PROXIES", "proxy.internal"),
            ("LATCHKEY_COGNITO_QUOTAS", "maybe"),
        ] {
            assert!(
                load(&Options::default(), env(&[(name, value)])).is_err(),
                "{name}={value}"
            );
        }
    }
}
