//! Compact JWS with RS256 over aws-lc-rs: encode with a cached key pair, and split/verify incoming tokens.
//! Written here rather than taken from a JWT crate so the signing key stays parsed between tokens (a token
//! response needs two signatures, and re-parsing an RSA private key per signature would cost as much again).

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, PublicKeyComponents};
use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Map, Value};

/// Signs `claims` with RS256; the header carries only `kid` and `alg`, as Cognito's do.
pub fn encode(kid: &str, claims: &Map<String, Value>, key: &KeyPair) -> Result<String, String> {
    let header = json!({"kid": kid, "alg": "RS256"});
    let mut token = String::with_capacity(1024);
    token.push_str(&URL_SAFE_NO_PAD.encode(header.to_string()));
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(Value::Object(claims.clone()).to_string()));
    let mut sig = vec![0u8; key.public_modulus_len()];
    // PKCS#1 v1.5 signing is deterministic; the RNG argument is unused by aws-lc for it.
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        token.as_bytes(),
        &mut sig,
    )
    .map_err(|_| "RSA signing failed".to_string())?;
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(sig));
    Ok(token)
}

/// A token split into its parts, not yet verified.
pub struct Unverified {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    signing_input_len: usize,
    signature: Vec<u8>,
    raw: String,
}

impl Unverified {
    pub fn parse(token: &str) -> Option<Self> {
        let mut parts = token.split('.');
        let (h, c, s) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let header: Map<String, Value> = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).ok()?).ok()?;
        let claims: Map<String, Value> = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(c).ok()?).ok()?;
        let signature = URL_SAFE_NO_PAD.decode(s).ok()?;
        Some(Self {
            header,
            claims,
            signing_input_len: h.len() + 1 + c.len(),
            signature,
            raw: token.to_string(),
        })
    }

    pub fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }

    /// Verifies an RS256 signature with the public key (n, e); any other `alg` is refused.
    pub fn verify(&self, n: &[u8], e: &[u8]) -> bool {
        if self.header.get("alg").and_then(Value::as_str) != Some("RS256") {
            return false;
        }
        let key = PublicKeyComponents { n, e };
        key.verify(
            &RSA_PKCS1_2048_8192_SHA256,
            &self.raw.as_bytes()[..self.signing_input_len],
            &self.signature,
        )
        .is_ok()
    }

    pub fn claim_str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    pub fn claim_i64(&self, name: &str) -> Option<i64> {
        self.claims.get(name).and_then(Value::as_i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::rsa::KeySize;

    #[test]
    fn sign_then_verify_and_refuse_tampering() {
        let key = KeyPair::generate(KeySize::Rsa2048).unwrap();
        let pubkey = PublicKeyComponents::<Vec<u8>>::from(aws_lc_rs::signature::KeyPair::public_key(&key));
        let mut claims = Map::new();
        claims.insert("sub".into(), json!("abc"));
        let t = encode("kid1", &claims, &key).unwrap();
        let u = Unverified::parse(&t).unwrap();
        assert_eq!(u.kid(), Some("kid1"));
        assert!(u.verify(&pubkey.n, &pubkey.e));
        let mut parts: Vec<&str> = t.split('.').collect();
        let forged_claims = URL_SAFE_NO_PAD.encode(r#"{"sub":"evil"}"#);
        parts[1] = &forged_claims;
        assert!(!Unverified::parse(&parts.join("."))
            .unwrap()
            .verify(&pubkey.n, &pubkey.e));
        let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","kid":"kid1"}"#);
        let unsigned = format!("{none_header}.{}.", t.split('.').nth(1).unwrap());
        assert!(!Unverified::parse(&unsigned).unwrap().verify(&pubkey.n, &pubkey.e));
        assert!(Unverified::parse("a.b").is_none());
    }
}
