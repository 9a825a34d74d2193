//! Each pool's signing keys: one RSA-2048 key for ID tokens and one for access tokens, created on first use,
//! rotated on demand. Private keys are sealed with the master key before they are stored. Nodes cache a pool's
//! parsed keys briefly, and reload at once when they meet a `kid` they do not know (a key another node made).

use std::sync::Arc;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{json, Value};

use crate::cache::TtlCache;
use crate::error::{CognitoError, Result};
use crate::service::Latchkey;
use crate::store::{SigningKeyRecord, StoreError};
use crate::time::Timestamp;

const SEAL_PURPOSE: &str = "signing-key";
/// How long a node trusts its cached copy of a pool's keys before rereading them.
const CACHE_SECONDS: i64 = 30;
/// Retired keys stay published this long: longer than any ID or access token lives (at most one day).
const RETIRED_KEY_GRACE_SECONDS: i64 = 2 * 86_400;

pub struct ActiveKey {
    pub kid: String,
    pub pair: KeyPair,
}

pub struct PublicKey {
    pub kid: String,
    pub token_use: String,
    n: Vec<u8>,
    e: Vec<u8>,
    n_b64: String,
    e_b64: String,
    retired: Option<Timestamp>,
}

/// A pool's keys, parsed.
pub struct PoolKeys {
    pub id: ActiveKey,
    pub access: ActiveKey,
    pub public: Vec<PublicKey>,
}

impl PoolKeys {
    /// (n, e) of the key `kid`, for verification.
    pub fn verifier(&self, kid: &str) -> Option<(&[u8], &[u8])> {
        self.public
            .iter()
            .find(|k| k.kid == kid)
            .map(|k| (k.n.as_slice(), k.e.as_slice()))
    }

    /// The JWKS document: the active ID key first and the active access key second (as Cognito orders them), then
    /// retired keys still inside their grace period.
    pub fn jwks(&self, now: Timestamp) -> Value {
        let mut ordered: Vec<&PublicKey> = Vec::new();
        for kid in [&self.id.kid, &self.access.kid] {
            ordered.extend(self.public.iter().filter(|k| &k.kid == kid));
        }
        ordered.extend(self.public.iter().filter(|k| {
            k.retired
                .is_some_and(|r| r.plus_seconds(RETIRED_KEY_GRACE_SECONDS) > now)
                && k.kid != self.id.kid
                && k.kid != self.access.kid
        }));
        let keys: Vec<Value> = ordered
            .iter()
            .map(|k| json!({"alg": "RS256", "e": k.e_b64, "kid": k.kid, "kty": "RSA", "n": k.n_b64, "use": "sig"}))
            .collect();
        json!({"keys": keys})
    }
}

/// Each pool's parsed signing keys; see `TtlCache`. Rotation on this node forgets the entry at once.
pub type KeyCache = TtlCache<PoolKeys>;

/// How long a node trusts its copy of a pool's keys before reading them again.
pub const KEY_CACHE_MILLIS: i64 = CACHE_SECONDS * 1000;

/// Cognito-style kid: base64 of a SHA-256 over the public key (44 characters).
fn kid_for(n: &[u8], e: &[u8]) -> String {
    let mut material = n.to_vec();
    material.extend_from_slice(e);
    STANDARD.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &material))
}

fn new_record(lk: &Latchkey, pool_id: &str, token_use: &str, now: Timestamp) -> Result<SigningKeyRecord> {
    let pair = KeyPair::generate(KeySize::Rsa2048)
        .map_err(|_| CognitoError::internal("RSA key generation failed"))?;
    let der = pair
        .as_der()
        .map_err(|_| CognitoError::internal("RSA key export failed"))?;
    let public = PublicKeyComponents::<Vec<u8>>::from(aws_lc_rs::signature::KeyPair::public_key(&pair));
    Ok(SigningKeyRecord {
        pool_id: pool_id.into(),
        kid: kid_for(&public.n, &public.e),
        token_use: token_use.into(),
        sealed_private_key: lk
            .secrets
            .master_key
            .seal(lk.rng.as_ref(), SEAL_PURPOSE, der.as_ref()),
        n: URL_SAFE_NO_PAD.encode(&public.n),
        e: URL_SAFE_NO_PAD.encode(&public.e),
        created: now,
        retired: None,
    })
}

fn parse(lk: &Latchkey, records: &[SigningKeyRecord]) -> Result<Option<PoolKeys>> {
    let mut public = Vec::with_capacity(records.len());
    let mut id = None;
    let mut access = None;
    for r in records {
        let n = URL_SAFE_NO_PAD
            .decode(&r.n)
            .map_err(|_| CognitoError::internal("stored key modulus is corrupt"))?;
        let e = URL_SAFE_NO_PAD
            .decode(&r.e)
            .map_err(|_| CognitoError::internal("stored key exponent is corrupt"))?;
        if r.retired.is_none() {
            let der = lk
                .secrets
                .master_key
                .open(SEAL_PURPOSE, &r.sealed_private_key)
                .ok_or_else(|| {
                    CognitoError::internal(format!("cannot unseal signing key {} (wrong master key?)", r.kid))
                })?;
            let pair = KeyPair::from_pkcs8(&der)
                .map_err(|_| CognitoError::internal("stored signing key is corrupt"))?;
            let slot = if r.token_use == "id" { &mut id } else { &mut access };
            if slot.is_none() {
                *slot = Some(ActiveKey {
                    kid: r.kid.clone(),
                    pair,
                });
            }
        }
        public.push(PublicKey {
            kid: r.kid.clone(),
            token_use: r.token_use.clone(),
            n,
            e,
            n_b64: r.n.clone(),
            e_b64: r.e.clone(),
            retired: r.retired,
        });
    }
    Ok(match (id, access) {
        (Some(id), Some(access)) => Some(PoolKeys { id, access, public }),
        _ => None,
    })
}

impl Latchkey {
    /// The pool's keys, creating them on first use.
    pub async fn pool_keys(&self, pool_id: &str) -> Result<Arc<PoolKeys>> {
        let now = self.clock.now();
        if let Some(k) = self.key_cache.get(pool_id, now) {
            return Ok(k);
        }
        self.load_keys(pool_id).await
    }

    /// The pool's keys when a token names `kid`: rereads the store once if the cached copy does not know it.
    pub(crate) async fn pool_keys_with(&self, pool_id: &str, kid: &str) -> Result<Arc<PoolKeys>> {
        let keys = self.pool_keys(pool_id).await?;
        if keys.verifier(kid).is_some() {
            return Ok(keys);
        }
        self.load_keys(pool_id).await
    }

    async fn load_keys(&self, pool_id: &str) -> Result<Arc<PoolKeys>> {
        for _ in 0..3 {
            let records = self.store.list_signing_keys(pool_id).await?;
            if let Some(keys) = parse(self, &records)? {
                let keys = Arc::new(keys);
                self.key_cache.put(pool_id, self.clock.now(), keys.clone());
                return Ok(keys);
            }
            let active: Vec<String> = records
                .iter()
                .filter(|r| r.retired.is_none())
                .map(|r| r.kid.clone())
                .collect();
            match self.replace_keys(pool_id, &active).await {
                Ok(()) | Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(CognitoError::internal(format!(
            "could not create signing keys for {pool_id}"
        )))
    }

    async fn replace_keys(&self, pool_id: &str, expected_active: &[String]) -> Result<(), StoreError> {
        let now = self.clock.now();
        let id = new_record(self, pool_id, "id", now).map_err(|e| StoreError::Backend(e.detail().into()))?;
        let access =
            new_record(self, pool_id, "access", now).map_err(|e| StoreError::Backend(e.detail().into()))?;
        self.store
            .rotate_signing_keys(pool_id, expected_active, &[id, access], now)
            .await
    }

    /// Replaces the pool's active keys with new ones. Tokens signed by the old keys keep verifying: the old keys
    /// stay in the JWKS until every token they signed has expired.
    pub async fn rotate_keys(&self, pool_id: &str) -> Result<()> {
        self.pool(pool_id).await?;
        let records = self.store.list_signing_keys(pool_id).await?;
        let active: Vec<String> = records
            .iter()
            .filter(|r| r.retired.is_none())
            .map(|r| r.kid.clone())
            .collect();
        self.replace_keys(pool_id, &active).await?;
        self.key_cache.forget(pool_id);
        Ok(())
    }
}
