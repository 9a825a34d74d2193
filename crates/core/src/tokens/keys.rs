//! Each pool's signing keys as material: one RSA-2048 key for ID tokens and one for access tokens, their `kid`s,
//! the JWKS, and the stored records (private keys sealed with the master key). When keys are created, cached and
//! rotated is `keyring`.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{json, Value};

use crate::cache::TtlCache;
use crate::error::{CognitoError, Result};
use crate::ports::Rng;
use crate::secrets::MasterKey;
use crate::store::SigningKeyRecord;
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

pub(super) fn new_record(
    master_key: &MasterKey,
    rng: &dyn Rng,
    pool_id: &str,
    token_use: &str,
    now: Timestamp,
) -> Result<SigningKeyRecord> {
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
        sealed_private_key: master_key.seal(rng, SEAL_PURPOSE, der.as_ref()),
        n: URL_SAFE_NO_PAD.encode(&public.n),
        e: URL_SAFE_NO_PAD.encode(&public.e),
        created: now,
        retired: None,
    })
}

pub(super) fn parse(master_key: &MasterKey, records: &[SigningKeyRecord]) -> Result<Option<PoolKeys>> {
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
            let der = master_key
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
