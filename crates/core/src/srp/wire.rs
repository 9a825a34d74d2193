//! What an SRP exchange (a user's password or a device's) carries between its two round trips and checks on the
//! second: the server's values as they are sealed into SECRET_BLOCK, fresh ephemeral exponents, the pool name the
//! verifier is bound to, and the TIMESTAMP's freshness.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use crypto_bigint::{U256, U3072};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::math;
use super::timestamp::parse_timestamp;
use crate::error::{CognitoError, ErrorKind, Result};
use crate::ports::Rng;
use crate::secrets::MasterKey;
use crate::time::Timestamp;

/// How far a TIMESTAMP may be from the server's clock.
pub const MAX_TIMESTAMP_SKEW_SECONDS: i64 = 5 * 60;

/// The SRP "pool name": the part of the pool id after the region (`us-east-1_AbC123` → `AbC123`).
pub fn pool_name(pool_id: &str) -> &str {
    pool_id.split_once('_').map_or(pool_id, |(_, name)| name)
}

/// A fresh 256-bit secret exponent (the server's b, or a verifier nobody knows).
pub fn random_exponent(rng: &dyn Rng) -> U256 {
    let mut b = [0u8; 32];
    rng.fill(&mut b);
    U256::from_be_slice(&b)
}

/// An exponent as it is sealed: lowercase hex of its 32 bytes.
pub fn exponent_to_hex(b: &U256) -> String {
    hex::encode(b.to_be_bytes().as_ref())
}

pub fn exponent_from_hex(h: &str) -> Option<U256> {
    let bytes: [u8; 32] = hex::decode(h).ok()?.try_into().ok()?;
    Some(U256::from_be_slice(&bytes))
}

/// A group element as it is sealed: base64 of its big-endian bytes.
pub fn element_to_b64(v: &U3072) -> String {
    STANDARD.encode(v.to_be_bytes().as_ref())
}

pub fn element_from_b64(s: &str) -> Option<U3072> {
    let bytes = STANDARD.decode(s).ok()?;
    (bytes.len() <= math::ELEMENT_BYTES).then(|| math::u3072_from_be(&bytes))
}

/// The server's values of an exchange (its secret b, the client's A and its own B), as they travel sealed in
/// SECRET_BLOCK from the first round trip to the second. Flattened into each exchange's state, so the sealed
/// JSON keeps the members `b`, `a_pub` and `b_pub`.
#[derive(Serialize, Deserialize)]
pub struct ServerValues {
    b: String,
    a_pub: String,
    b_pub: String,
}

impl ServerValues {
    pub fn new(b: &U256, a_pub: &U3072, b_pub: &U3072) -> Self {
        Self {
            b: exponent_to_hex(b),
            a_pub: element_to_b64(a_pub),
            b_pub: element_to_b64(b_pub),
        }
    }

    /// (b, A, B) again.
    fn open(&self) -> Option<(U256, U3072, U3072)> {
        Some((
            exponent_from_hex(&self.b)?,
            element_from_b64(&self.a_pub)?,
            element_from_b64(&self.b_pub)?,
        ))
    }

    /// Checks the client's claim (its signature over the SECRET_BLOCK `block` and `timestamp`) that it knows the
    /// password of `user_id` in `pool_name`, whose verifier is `verifier` (hex): `false` without a verifier,
    /// `None` when the exchange is one SRP forbids (see `math::check_claim`).
    pub fn check_claim(
        &self,
        verifier: Option<&str>,
        pool_name: &str,
        user_id: &str,
        block: &[u8],
        timestamp: &str,
        signature: &str,
    ) -> Option<bool> {
        match (verifier.and_then(math::from_hex), self.open()) {
            (Some(v), Some((b, a_pub, b_pub))) => math::check_claim(
                &v, &a_pub, &b_pub, &b, pool_name, user_id, block, timestamp, signature,
            ),
            _ => Some(false),
        }
    }
}

/// A SECRET_BLOCK: `state` sealed with the master key for `purpose`, in base64.
pub fn seal_block<T: Serialize>(key: &MasterKey, rng: &dyn Rng, purpose: &str, state: &T) -> Result<String> {
    let plain = serde_json::to_vec(state).map_err(|e| CognitoError::internal(e.to_string()))?;
    Ok(STANDARD.encode(key.seal_bytes(rng, purpose, &plain)))
}

/// A SECRET_BLOCK's bytes (which the client's claim signs) and the state sealed in it; `None` for a block that is
/// not base64, not sealed by us for `purpose`, or not such a state.
pub fn open_block<T: DeserializeOwned>(key: &MasterKey, purpose: &str, text: &str) -> Option<(Vec<u8>, T)> {
    let block = STANDARD.decode(text.trim()).ok()?;
    let state = serde_json::from_slice(&key.open_bytes(purpose, &block)?).ok()?;
    Some((block, state))
}

/// Checks that a PASSWORD_VERIFIER response's TIMESTAMP is well formed and within five minutes of `now`.
pub fn check_timestamp(timestamp: &str, now: Timestamp) -> Result<()> {
    let signed_at = parse_timestamp(timestamp).ok_or_else(|| {
        CognitoError::invalid_parameter(format!("TIMESTAMP '{timestamp}' is not in the expected format."))
    })?;
    if (signed_at.seconds() - now.seconds()).abs() > MAX_TIMESTAMP_SKEW_SECONDS {
        return Err(CognitoError::new(
            ErrorKind::NotAuthorizedException,
            "TIMESTAMP differs from the server's clock by more than 5 minutes.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_name_is_the_part_after_the_region() {
        assert_eq!(pool_name("us-east-1_AbC123"), "AbC123");
        assert_eq!(pool_name("plain"), "plain");
    }

    #[test]
    fn sealed_values_round_trip() {
        let b = U256::from_u64(0x1234_5678);
        assert_eq!(exponent_from_hex(&exponent_to_hex(&b)), Some(b));
        let v = math::u3072_from_be(&[7, 8, 9]);
        assert_eq!(element_from_b64(&element_to_b64(&v)), Some(v));
        assert_eq!(exponent_from_hex("zz"), None);
    }
}
