//! What an SRP exchange (a user's password or a device's) carries between its two round trips and checks on the
//! second: the server's values as they are sealed into SECRET_BLOCK, fresh ephemeral exponents, the pool name the
//! verifier is bound to, and the TIMESTAMP's freshness.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use crypto_bigint::{U256, U3072};

use super::math;
use super::timestamp::parse_timestamp;
use crate::error::{CognitoError, ErrorKind, Result};
use crate::ports::Rng;
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
