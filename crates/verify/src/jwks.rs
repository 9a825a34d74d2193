//! The JWKS document: fetching it (http or https, bounded time and size) and turning its RSA signing keys into
//! parsed aws-lc-rs public keys, once per key, so verifying a token never parses a key.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::signature::{ParsedPublicKey, RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;

use crate::error::VerifyError;

/// The RS256 keys of one JWKS, by `kid`.
pub(crate) type KeySet = HashMap<String, Arc<ParsedPublicKey>>;

/// RS256 with a key under 2048 bits is refused (as aws-lc-rs's verification algorithm does), so such keys are
/// dropped when the JWKS is read rather than failing every token later.
const MIN_MODULUS_BYTES: usize = 256;

#[derive(Deserialize)]
struct Document {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kty: Option<String>,
    kid: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    key_use: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

/// Parses a JWKS document. Keys that cannot verify RS256 signatures (other key types, `use` other than `sig`,
/// `alg` other than RS256, no `kid`, a short or malformed modulus) are skipped, so one odd key does not disable
/// the rest; a document with no usable key at all is an error.
pub(crate) fn parse(json: &[u8]) -> Result<KeySet, VerifyError> {
    let doc: Document = serde_json::from_slice(json)
        .map_err(|e| VerifyError::Jwks(format!("not a JWKS document (a JSON object with \"keys\"): {e}")))?;
    let keys: KeySet = doc
        .keys
        .into_iter()
        .filter_map(|jwk| Some((jwk.kid.clone()?, Arc::new(rs256_key(&jwk)?))))
        .collect();
    if keys.is_empty() {
        return Err(VerifyError::Jwks(
            "the JWKS holds no RSA signing key with a kid".into(),
        ));
    }
    Ok(keys)
}

fn rs256_key(jwk: &Jwk) -> Option<ParsedPublicKey> {
    if jwk.kty.as_deref() != Some("RSA")
        || jwk.key_use.as_deref().is_some_and(|u| u != "sig")
        || jwk.alg.as_deref().is_some_and(|a| a != "RS256")
    {
        return None;
    }
    let n = unsigned_integer(jwk.n.as_deref()?)?;
    let e = unsigned_integer(jwk.e.as_deref()?)?;
    if n.len() < MIN_MODULUS_BYTES {
        return None;
    }
    RsaPublicKeyComponents { n, e }
        .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
        .ok()
}

/// A JWK big-endian integer. RFC 7518 forbids leading zero octets, but some encoders emit one; aws-lc-rs wants
/// none, so they are stripped.
fn unsigned_integer(b64: &str) -> Option<Vec<u8>> {
    let bytes = URL_SAFE_NO_PAD.decode(b64).ok()?;
    let first = bytes.iter().position(|&b| b != 0)?;
    Some(bytes[first..].to_vec())
}

/// Where and how the JWKS is fetched.
pub(crate) struct Fetcher {
    pub uri: String,
    pub http: reqwest::Client,
    pub timeout: Duration,
    pub max_bytes: usize,
}

impl Fetcher {
    /// GETs and parses the JWKS: a 2xx answer within the timeout, no larger than `max_bytes` (checked against
    /// Content-Length and again while reading, since a body may lack or lie about its length).
    pub(crate) async fn fetch(&self) -> Result<KeySet, VerifyError> {
        let err =
            |what: &str, e: &dyn std::fmt::Display| VerifyError::Jwks(format!("{what} {}: {e}", self.uri));
        let mut resp = self
            .http
            .get(&self.uri)
            .header(reqwest::header::ACCEPT, "application/json")
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|e| err("cannot fetch", &e))?;
        if !resp.status().is_success() {
            return Err(err("fetching", &format!("HTTP {}", resp.status())));
        }
        let too_large = || err("reading", &format!("larger than {} bytes", self.max_bytes));
        if resp
            .content_length()
            .is_some_and(|len| len > self.max_bytes as u64)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| err("reading", &e))? {
            if body.len() + chunk.len() > self.max_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        parse(&body)
    }
}
