//! Issue 13's tokens: one RSA-2048 signing key made with aws-lc-rs, its JWKS, and distinct ID tokens shaped like
//! the ones Latchkey issues (`latchkey_core::tokens::claims::id_token`), signed through Latchkey's own JWT code.
//! The verifier scenario, the aws-jwt-verify script and the gateway all verify these same tokens.

use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use latchkey_core::tokens::jwt;
use serde_json::{json, Map, Value};

/// How long the tokens stay valid after `now`: Latchkey's default ID-token lifetime. A run uses them within
/// minutes of making them.
pub const LIFETIME_SECONDS: i64 = 3600;

/// The pool the tokens pretend to come from (the issuer's last path segment).
pub const POOL_ID: &str = "us-east-1_BenchVrfy13";
/// The app client the tokens are for (`aud`).
pub const CLIENT_ID: &str = "1bench13verify0client0id00";

/// A signing key's public half, the JWKS that publishes it, and tokens it signed.
#[derive(Clone)]
pub struct TokenSet {
    pub issuer: String,
    pub client_id: String,
    /// `{"keys": [...]}` as Latchkey serves it at `{issuer}/.well-known/jwks.json`.
    pub jwks: Value,
    pub tokens: Vec<String>,
    /// The key's modulus and exponent (big-endian), for the raw verification.
    pub n: Vec<u8>,
    pub e: Vec<u8>,
}

/// Cognito-style kid, as Latchkey makes it: base64 of a SHA-256 over the public key.
fn kid_for(n: &[u8], e: &[u8]) -> String {
    let mut material = n.to_vec();
    material.extend_from_slice(e);
    STANDARD.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &material))
}

/// A UUID-shaped id that differs for each `(what, i)`, so every token's subject and ids are distinct.
fn uuid_like(what: u16, i: u64) -> String {
    let x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(what);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        (x >> 32) as u32,
        (x >> 16) as u16,
        what & 0xfff,
        (i & 0xfff) as u16,
        i & 0xffff_ffff_ffff
    )
}

/// The claims of user `i`'s ID token, as `claims::id_token` writes them for a user with a verified email.
pub fn id_claims(issuer: &str, client_id: &str, i: u64, now: i64) -> Map<String, Value> {
    let username = format!("bench-user-{i}");
    let v = json!({
        "sub": uuid_like(1, i),
        "email_verified": true,
        "email": format!("{username}@bench.example"),
        "iss": issuer,
        "cognito:username": username,
        "origin_jti": uuid_like(2, i),
        "aud": client_id,
        "event_id": uuid_like(3, i),
        "token_use": "id",
        "auth_time": now,
        "exp": now + LIFETIME_SECONDS,
        "iat": now,
        "jti": uuid_like(4, i),
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

impl TokenSet {
    /// A fresh key and `count` ID tokens of distinct users, issued at `now` (Unix seconds) by `issuer` for
    /// `client_id`.
    pub fn generate(issuer: &str, client_id: &str, count: usize, now: i64) -> Result<TokenSet, String> {
        let key = KeyPair::generate(KeySize::Rsa2048).map_err(|_| "RSA key generation failed".to_string())?;
        let public = PublicKeyComponents::<Vec<u8>>::from(aws_lc_rs::signature::KeyPair::public_key(&key));
        let kid = kid_for(&public.n, &public.e);
        let tokens = (0..count as u64)
            .map(|i| jwt::encode(&kid, &id_claims(issuer, client_id, i, now), &key))
            .collect::<Result<Vec<_>, _>>()?;
        let jwks = json!({"keys": [{
            "alg": "RS256",
            "e": URL_SAFE_NO_PAD.encode(&public.e),
            "kid": kid,
            "kty": "RSA",
            "n": URL_SAFE_NO_PAD.encode(&public.n),
            "use": "sig",
        }]});
        Ok(TokenSet {
            issuer: issuer.into(),
            client_id: client_id.into(),
            jwks,
            tokens,
            n: public.n,
            e: public.e,
        })
    }

    /// Where the JWKS is published: `{issuer}/.well-known/jwks.json`, as Cognito and Latchkey do.
    pub fn jwks_uri(&self) -> String {
        format!("{}/.well-known/jwks.json", self.issuer)
    }

    /// The JWKS as text (what `cache_jwks` and the upstream's answer take).
    pub fn jwks_text(&self) -> String {
        self.jwks.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUER: &str = "http://127.0.0.1:9/us-east-1_BenchVrfy13";

    #[test]
    fn tokens_are_distinct_signed_id_tokens_for_the_issuer_and_client() {
        let set = TokenSet::generate(ISSUER, CLIENT_ID, 8, 1_800_000_000).unwrap();
        assert_eq!(set.tokens.len(), 8);
        let mut unique = set.tokens.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 8, "every token differs");
        let mut subs = Vec::new();
        for t in &set.tokens {
            let parsed = jwt::Unverified::parse(t).unwrap();
            assert_eq!(parsed.kid(), set.jwks["keys"][0]["kid"].as_str());
            assert!(parsed.verify(&set.n, &set.e), "signed with the set's key");
            assert_eq!(parsed.claim_str("iss"), Some(ISSUER));
            assert_eq!(parsed.claim_str("aud"), Some(CLIENT_ID));
            assert_eq!(parsed.claim_str("token_use"), Some("id"));
            assert_eq!(parsed.claim_i64("exp"), Some(1_800_000_000 + LIFETIME_SECONDS));
            subs.push(parsed.claim_str("sub").unwrap().to_string());
        }
        subs.sort();
        subs.dedup();
        assert_eq!(subs.len(), 8, "distinct users");
    }

    #[test]
    fn a_token_signed_by_another_key_does_not_verify_with_this_one() {
        let a = TokenSet::generate(ISSUER, CLIENT_ID, 1, 1_800_000_000).unwrap();
        let b = TokenSet::generate(ISSUER, CLIENT_ID, 1, 1_800_000_000).unwrap();
        let parsed = jwt::Unverified::parse(&b.tokens[0]).unwrap();
        assert!(!parsed.verify(&a.n, &a.e));
    }

    #[test]
    fn the_jwks_publishes_the_key_under_its_kid() {
        let set = TokenSet::generate(ISSUER, CLIENT_ID, 1, 1_800_000_000).unwrap();
        let key = &set.jwks["keys"][0];
        assert_eq!(key["kid"].as_str(), Some(kid_for(&set.n, &set.e).as_str()));
        assert_eq!(key["alg"], "RS256");
        assert_eq!(URL_SAFE_NO_PAD.decode(key["n"].as_str().unwrap()).unwrap(), set.n);
        assert_eq!(set.jwks_uri(), format!("{ISSUER}/.well-known/jwks.json"));
    }

    #[test]
    fn uuid_like_ids_have_the_uuid_shape() {
        let id = uuid_like(3, 12345);
        let parts: Vec<usize> = id.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 4, 4, 4, 12]);
        assert_ne!(uuid_like(3, 1), uuid_like(3, 2));
        assert_ne!(uuid_like(1, 1), uuid_like(2, 1));
    }
}
