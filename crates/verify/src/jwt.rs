//! Taking a compact JWS apart, once: size bound, three base64url parts, the header's `alg` (RS256 only, checked
//! before any key is looked at) and `kid`, the payload's JSON object, the signature bytes.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::VerifyError;

/// Tokens longer than this are refused unread. Cognito's largest ID tokens (many custom attributes and groups)
/// stay well under 16 KiB, and HTTP servers cap a header line near 8-16 KiB anyway.
pub const MAX_TOKEN_BYTES: usize = 32 * 1024;

/// The only signature algorithm Cognito uses, and so the only one accepted.
const RS256: &str = "RS256";

/// A token taken apart but not yet verified.
pub(crate) struct Decoded<'t> {
    pub kid: String,
    /// `base64url(header) "." base64url(payload)`: the bytes the signature covers.
    pub signing_input: &'t [u8],
    pub signature: Vec<u8>,
    pub payload: Map<String, Value>,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
    /// RFC 7515 §4.1.11: a recipient must refuse a token naming critical extensions it does not understand, and
    /// this verifier understands none.
    crit: Option<IgnoredAny>,
}

/// Splits and decodes `token`. Refuses, in order: oversized, not three parts, bad header, any `alg` but RS256,
/// critical extensions, no `kid`, bad payload, bad signature encoding.
pub(crate) fn decode(token: &str) -> Result<Decoded<'_>, VerifyError> {
    let (header_b64, payload_b64, signature_b64) = split(token)?;
    let header_json = b64(header_b64).ok_or(VerifyError::Malformed("header is not base64url"))?;
    let header: Header = serde_json::from_slice(&header_json)
        .map_err(|_| VerifyError::Malformed("header is not a JSON object with a string alg"))?;
    if header.alg != RS256 {
        return Err(VerifyError::UnsupportedAlgorithm(truncated(&header.alg)));
    }
    if header.crit.is_some() {
        return Err(VerifyError::Malformed("header names critical extensions"));
    }
    let kid = header.kid.ok_or(VerifyError::Malformed("header has no kid"))?;
    let payload_json = b64(payload_b64).ok_or(VerifyError::Malformed("payload is not base64url"))?;
    let payload: Map<String, Value> = serde_json::from_slice(&payload_json)
        .map_err(|_| VerifyError::Malformed("payload is not a JSON object"))?;
    let signature = b64(signature_b64).ok_or(VerifyError::Malformed("signature is not base64url"))?;
    Ok(Decoded {
        kid,
        signing_input: &token.as_bytes()[..header_b64.len() + 1 + payload_b64.len()],
        signature,
        payload,
    })
}

/// The `iss` claim of a token, unverified: for picking which of several verifiers (one per pool or issuer) to
/// hand the token to. Never trust it for anything else.
pub fn peek_issuer(token: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Issuer {
        iss: String,
    }
    let (_, payload_b64, _) = split(token).ok()?;
    let payload = b64(payload_b64)?;
    serde_json::from_slice::<Issuer>(&payload).ok().map(|p| p.iss)
}

fn split(token: &str) -> Result<(&str, &str, &str), VerifyError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(VerifyError::Malformed("token is larger than 32 KiB"));
    }
    let mut parts = token.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(h), Some(p), Some(s), None) if !h.is_empty() && !p.is_empty() => Ok((h, p, s)),
        _ => Err(VerifyError::Malformed(
            "not a JWS: expected header.payload.signature",
        )),
    }
}

/// Strict base64url: no padding, no stray characters, canonical trailing bits (so a signature has exactly one
/// encoding).
fn b64(part: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(part).ok()
}

/// An attacker-chosen `alg` goes into an error message; keep it short.
fn truncated(s: &str) -> String {
    s.chars().take(32).collect()
}
