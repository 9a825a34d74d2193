//! Abuse limits: token buckets per client address and per app client in front of every path that hashes or
//! verifies a password, computes SRP or sends a message, so one client cannot starve everyone's sign-ins of the
//! shared Argon2 pool; and, optionally, Cognito's own per-category request quotas. In memory, per node.
//!
//! What is limited, and by which key (the surfaces apply it in `aws/throttle.rs` and `oauth/throttle.rs`, before
//! any hashing or store work):
//! - unsigned AWS JSON operations that hash, compute SRP or send a message — InitiateAuth (every flow but
//!   refresh), RespondToAuthChallenge, SignUp, ResendConfirmationCode, ForgotPassword, ConfirmForgotPassword —
//!   by client address and by their `ClientId`; ChangePassword, UpdateUserAttributes and
//!   GetUserAttributeVerificationCode (which carry an access token, not a client id) by address;
//! - the hosted UI's form posts (`/login`, `/newPassword`, `/mfa`, `/signup`, `/confirm`, `/forgotPassword`,
//!   `/confirmForgotPassword`) by address and their `client_id`.
//!
//! Not limited: SigV4-signed operations — the caller holds the operator's key, the signature is checked before
//! any hashing, and one backend legitimately signs in many users from one address (AdminInitiateAuth); refresh
//! flows and `/oauth2/token`, which hash no password (an RSA signature costs a sixtieth of an Argon2 hash); reads.

mod keyed;
mod peer;
mod quotas;

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::http::HeaderMap;

pub use keyed::{retry_after_secs, Rate};
pub use peer::TrustedProxies;

use keyed::KeyedLimiter;
use quotas::CognitoQuotas;

/// Keys remembered per limiter: enough for every active client of a busy node, small enough (a few MB) that a
/// flood of spoofed keys cannot matter.
const ADDRESS_KEYS: usize = 65_536;
const CLIENT_KEYS: usize = 16_384;

#[derive(Debug, Clone, PartialEq)]
pub struct LimitSettings {
    /// Per client address (an IPv4 address or an IPv6 /64); `None` turns it off.
    pub per_address: Option<Rate>,
    /// Per app client id; `None` turns it off.
    pub per_client: Option<Rate>,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: TrustedProxies,
    /// Enforce Cognito's per-category quotas (per node).
    pub cognito_quotas: bool,
}

impl Default for LimitSettings {
    /// One address may start 20 password operations at once and 10 a second after that: a whole office behind
    /// one NAT signing in at nine, or a test suite's bursts, but a small share of one core's ~60 Argon2 hashes a
    /// second. One app client gets 100 a second (Cognito's own sign-in quota is 120 a second for a whole
    /// account).
    fn default() -> Self {
        Self {
            per_address: Some(Rate {
                per_second: 10.0,
                burst: 20,
            }),
            per_client: Some(Rate {
                per_second: 100.0,
                burst: 200,
            }),
            trusted_proxies: TrustedProxies::default(),
            cognito_quotas: false,
        }
    }
}

/// Which limit refused a request, and how long until it would pass.
#[derive(Debug, Clone, Copy)]
pub struct Throttled {
    pub limit: &'static str,
    pub retry_after: Duration,
}

pub struct Limits {
    trusted_proxies: TrustedProxies,
    by_address: Option<KeyedLimiter<IpAddr>>,
    by_client: Option<KeyedLimiter<u64>>,
    /// Client ids are kept as keyed hashes: fixed-size entries, and collisions cannot be aimed at.
    client_hasher: RandomState,
    quotas: Option<CognitoQuotas>,
}

fn limiter<K: std::hash::Hash + Eq + Clone>(
    rate: Option<Rate>,
    capacity: usize,
    what: &str,
) -> Result<Option<KeyedLimiter<K>>, String> {
    match rate {
        None => Ok(None),
        Some(r) => KeyedLimiter::new(r, capacity)
            .map(Some)
            .ok_or_else(|| format!("{what}: a rate must be a positive number and a burst at least 1")),
    }
}

static WARNED_NO_PEER: AtomicBool = AtomicBool::new(false);

impl Limits {
    pub fn new(settings: LimitSettings) -> Result<Self, String> {
        Ok(Self {
            by_address: limiter(settings.per_address, ADDRESS_KEYS, "per-address limit")?,
            by_client: limiter(settings.per_client, CLIENT_KEYS, "per-client limit")?,
            trusted_proxies: settings.trusted_proxies,
            client_hasher: RandomState::new(),
            quotas: if settings.cognito_quotas {
                Some(CognitoQuotas::new().ok_or("the Cognito quotas could not be built")?)
            } else {
                None
            },
        })
    }

    /// No limits at all.
    pub fn off() -> Self {
        Self {
            trusted_proxies: TrustedProxies::default(),
            by_address: None,
            by_client: None,
            client_hasher: RandomState::new(),
            quotas: None,
        }
    }

    /// Whether any per-source limit is on (the surfaces skip their work when none is).
    pub fn limits_sources(&self) -> bool {
        self.by_address.is_some() || self.by_client.is_some()
    }

    pub fn enforces_quotas(&self) -> bool {
        self.quotas.is_some()
    }

    /// The address a request is limited by (see `peer.rs`); `peer` is what the listener saw.
    pub fn client_addr(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        if peer.is_none() && self.by_address.is_some() && !WARNED_NO_PEER.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                "a request arrived without the client's address (the listener must provide ConnectInfo): \
                 per-address rate limits cannot apply to it"
            );
        }
        self.trusted_proxies.client_addr(peer, headers)
    }

    /// Spends one token from the address's bucket, then one from the client's (a request refused by its address
    /// costs its client nothing). A client id longer than Cognito allows (128) is not a client: validation
    /// refuses the request before any work, so it spends no client tokens.
    pub fn admit(&self, addr: Option<IpAddr>, client_id: Option<&str>) -> Result<(), Throttled> {
        if let (Some(limiter), Some(addr)) = (&self.by_address, addr) {
            limiter
                .check(&peer::bucket_key(addr))
                .map_err(|retry_after| Throttled {
                    limit: "address",
                    retry_after,
                })?;
        }
        if let (Some(limiter), Some(id)) = (&self.by_client, client_id.filter(|id| id.len() <= 128)) {
            limiter
                .check(&self.client_hasher.hash_one(id))
                .map_err(|retry_after| Throttled {
                    limit: "client",
                    retry_after,
                })?;
        }
        Ok(())
    }

    /// Cognito's quota for the operation's category, when enforced.
    pub fn admit_quota(&self, op: &str) -> Result<(), Throttled> {
        match &self.quotas {
            Some(q) => q.check(op).map_err(|retry_after| Throttled {
                limit: "cognito-quota",
                retry_after,
            }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn address_and_client_buckets_are_separate_and_an_address_refusal_spends_no_client_token() {
        let limits = Limits::new(LimitSettings {
            per_address: Some(Rate {
                per_second: 0.001,
                burst: 2,
            }),
            per_client: Some(Rate {
                per_second: 0.001,
                burst: 3,
            }),
            ..LimitSettings::default()
        })
        .unwrap();
        assert!(limits.admit(ip("192.0.2.1"), Some("c1")).is_ok());
        assert!(limits.admit(ip("192.0.2.1"), Some("c1")).is_ok());
        let refused = limits.admit(ip("192.0.2.1"), Some("c1")).unwrap_err();
        assert_eq!(refused.limit, "address");
        assert!(refused.retry_after > Duration::from_secs(900));
        // c1 has spent 2 of 3: one more from another address, then the client is out.
        assert!(limits.admit(ip("192.0.2.2"), Some("c1")).is_ok());
        assert_eq!(
            limits.admit(ip("192.0.2.3"), Some("c1")).unwrap_err().limit,
            "client"
        );
        assert!(limits.admit(ip("192.0.2.3"), Some("c2")).is_ok());
        // No address known (in-process callers): only the client limit applies.
        assert!(limits.admit(None, Some("c2")).is_ok());
        // A too-long client id is no key at all.
        let long = "x".repeat(129);
        assert!(limits.admit(ip("192.0.2.4"), Some(&long)).is_ok());
        assert!(limits.admit(ip("192.0.2.4"), Some(&long)).is_ok());
    }

    #[test]
    fn defaults_are_on_and_bad_rates_are_refused() {
        let limits = Limits::new(LimitSettings::default()).unwrap();
        assert!(limits.limits_sources() && !limits.enforces_quotas());
        let bad = LimitSettings {
            per_address: Some(Rate {
                per_second: -1.0,
                burst: 5,
            }),
            ..LimitSettings::default()
        };
        assert!(Limits::new(bad).is_err());
        assert!(!Limits::off().limits_sources());
    }
}
