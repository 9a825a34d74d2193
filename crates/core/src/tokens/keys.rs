//! Signing keys as material: each pool's RSA-2048 keys (one for ID tokens, one for access tokens) and the one
//! key ring of identity-pool OpenID tokens; their `kid`s, the JWKS, and the stored records (private keys sealed
//! with the master key). When pool keys are created, cached and rotated is `keyring`; identity keys,
//! `identity::keyring`.

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
        verifier_of(&self.public, kid)
    }

    /// The JWKS document: the active ID key first and the active access key second (as Cognito orders them), then
    /// retired keys still inside their grace period.
    pub fn jwks(&self, now: Timestamp) -> Value {
        jwks_of(&[&self.id.kid, &self.access.kid], &self.public, now)
    }
}

/// The key ring of the OpenID tokens identity pools issue (GetOpenIdToken): one active key, shared by every
/// identity pool as Cognito's `cognito-identity.amazonaws.com` issuer has one JWKS for all of them.
pub struct IdentityKeys {
    pub active: ActiveKey,
    pub public: Vec<PublicKey>,
}

impl IdentityKeys {
    pub fn verifier(&self, kid: &str) -> Option<(&[u8], &[u8])> {
        verifier_of(&self.public, kid)
    }

    /// The JWKS document: the active key first, then retired keys still inside their grace period.
    pub fn jwks(&self, now: Timestamp) -> Value {
        jwks_of(&[&self.active.kid], &self.public, now)
    }
}

fn verifier_of<'a>(public: &'a [PublicKey], kid: &str) -> Option<(&'a [u8], &'a [u8])> {
    public
        .iter()
        .find(|k| k.kid == kid)
        .map(|k| (k.n.as_slice(), k.e.as_slice()))
}

/// A JWKS: the `active` keys in that order, then retired keys still inside their grace period.
fn jwks_of(active: &[&str], public: &[PublicKey], now: Timestamp) -> Value {
    let mut ordered: Vec<&PublicKey> = Vec::new();
    for kid in active {
        ordered.extend(public.iter().filter(|k| k.kid == *kid));
    }
    ordered.extend(public.iter().filter(|k| {
        k.retired
            .is_some_and(|r| r.plus_seconds(RETIRED_KEY_GRACE_SECONDS) > now)
            && !active.contains(&k.kid.as_str())
    }));
    let keys: Vec<Value> = ordered
        .iter()
        .map(
            |k| json!({"alg": "RS256", "e": k.e_b64, "kid": k.kid, "kty": "RSA", "n": k.n_b64, "use": "sig"}),
        )
        .collect();
    json!({"keys": keys})
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

pub(crate) fn new_record(
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

/// A ring's records parsed: the newest active key of each token use, and every public key.
struct ParsedRing {
    id: Option<ActiveKey>,
    access: Option<ActiveKey>,
    public: Vec<PublicKey>,
}

fn parse_ring(master_key: &MasterKey, records: &[SigningKeyRecord]) -> Result<ParsedRing> {
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
    Ok(ParsedRing { id, access, public })
}

/// A pool's keys, or `None` when it lacks an active ID or access key (none were made yet).
pub(super) fn parse(master_key: &MasterKey, records: &[SigningKeyRecord]) -> Result<Option<PoolKeys>> {
    let ring = parse_ring(master_key, records)?;
    Ok(match (ring.id, ring.access) {
        (Some(id), Some(access)) => Some(PoolKeys {
            id,
            access,
            public: ring.public,
        }),
        _ => None,
    })
}

/// The identity-token keys (records with token use "id"), or `None` when there is no active key yet.
pub(crate) fn parse_identity(
    master_key: &MasterKey,
    records: &[SigningKeyRecord],
) -> Result<Option<IdentityKeys>> {
    let ring = parse_ring(master_key, records)?;
    Ok(ring.id.map(|active| IdentityKeys {
        active,
        public: ring.public,
    }))
}
