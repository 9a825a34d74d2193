//! A per-node cache of access tokens whose signature, issuer and type have been checked, keyed by the SHA-256 of
//! the whole token: the RS256 verification and the claim parsing of a token are done once per node, not once per
//! request. Only what a token says about itself is cached — a function of its bytes, the same on every node —
//! while everything that can change is still checked on every request: expiry and scope (`access`), that the pool
//! exists and still holds the signing key, and revocation, sign-out, disabling and deletion (read fresh from the
//! store), so revocations take effect at once on every node.

use std::sync::Arc;

use aws_lc_rs::digest::{digest, SHA256};
use quick_cache::sync::Cache;
use quick_cache::Weighter;

use super::jwt::Unverified;

/// What an access token with a good signature says, as the per-request checks need it.
#[derive(Debug)]
pub(crate) struct AccessClaims {
    pub pool_id: String,
    pub kid: String,
    pub username: String,
    pub sub: String,
    pub client_id: String,
    /// Empty for tokens that name no sign-in.
    pub origin_jti: String,
    pub scope: String,
    pub exp: Option<i64>,
    pub iat: i64,
}

impl AccessClaims {
    /// The claims of a parsed token that names `pool_id` in its issuer and `kid` in its header; `None` when a
    /// claim every access token carries is missing.
    pub(crate) fn of(t: &Unverified, pool_id: &str, kid: &str) -> Option<Self> {
        if t.claim_str("token_use") != Some("access") {
            return None;
        }
        let owned = |name| t.claim_str(name).map(str::to_string);
        Some(Self {
            pool_id: pool_id.to_string(),
            kid: kid.to_string(),
            username: owned("username")?,
            sub: owned("sub")?,
            client_id: owned("client_id").unwrap_or_default(),
            origin_jti: owned("origin_jti").unwrap_or_default(),
            scope: owned("scope").unwrap_or_default(),
            exp: t.claim_i64("exp"),
            iat: t.claim_i64("iat").unwrap_or(0),
        })
    }

    fn bytes(&self) -> usize {
        [
            &self.pool_id,
            &self.kid,
            &self.username,
            &self.sub,
            &self.client_id,
            &self.origin_jti,
            &self.scope,
        ]
        .iter()
        .map(|s| s.len())
        .sum()
    }
}

/// The memory the cache may hold, in bytes of claims plus a fixed overhead per entry: about 40,000 typical
/// tokens. Tokens beyond that are verified again when they come back (S3-FIFO keeps the ones seen often).
const CAPACITY_BYTES: u64 = 16 * 1024 * 1024;
/// An entry's cost beyond its strings: key, `Arc`, struct and the cache's own bookkeeping.
const ENTRY_OVERHEAD: u64 = 256;
const TYPICAL_ENTRY: u64 = 400;

#[derive(Clone)]
struct ByMemory;

impl Weighter<[u8; 32], Arc<AccessClaims>> for ByMemory {
    fn weight(&self, _key: &[u8; 32], claims: &Arc<AccessClaims>) -> u64 {
        ENTRY_OVERHEAD + claims.bytes() as u64
    }
}

pub struct VerifiedTokens {
    cache: Cache<[u8; 32], Arc<AccessClaims>, ByMemory>,
}

impl Default for VerifiedTokens {
    fn default() -> Self {
        Self {
            cache: Cache::with_weighter(
                (CAPACITY_BYTES / TYPICAL_ENTRY) as usize,
                CAPACITY_BYTES,
                ByMemory,
            ),
        }
    }
}

/// The cache key of a token: its SHA-256, so a token differing in any byte (a forged payload under a copied
/// signature) is a different entry.
pub(crate) fn key_of(token: &str) -> [u8; 32] {
    let mut key = [0u8; 32];
    key.copy_from_slice(digest(&SHA256, token.as_bytes()).as_ref());
    key
}

impl VerifiedTokens {
    pub(crate) fn get(&self, key: &[u8; 32]) -> Option<Arc<AccessClaims>> {
        self.cache.get(key)
    }

    /// Records a token whose signature has just been verified.
    pub(crate) fn insert(&self, key: [u8; 32], claims: Arc<AccessClaims>) {
        self.cache.insert(key, claims);
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.cache.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(n: usize) -> Arc<AccessClaims> {
        Arc::new(AccessClaims {
            pool_id: "us-east-1_Abc".into(),
            kid: "k".into(),
            username: format!("user{n}"),
            sub: "s".into(),
            client_id: "c".into(),
            origin_jti: String::new(),
            scope: "aws.cognito.signin.user.admin".into(),
            exp: Some(1),
            iat: 0,
        })
    }

    #[test]
    fn keys_differ_in_any_byte_and_memory_is_bounded() {
        assert_ne!(key_of("a.b.c"), key_of("a.b.d"));
        let cache = VerifiedTokens::default();
        let first = key_of("token-0");
        cache.insert(first, claims(0));
        assert_eq!(
            cache.get(&first).map(|c| c.username.clone()),
            Some("user0".into())
        );
        for n in 1..200_000 {
            cache.insert(key_of(&format!("token-{n}")), claims(n));
        }
        let most = (CAPACITY_BYTES / ENTRY_OVERHEAD) as usize;
        assert!(cache.len() <= most, "{} entries", cache.len());
        assert!(cache.len() > 10_000, "{} entries", cache.len());
    }
}
