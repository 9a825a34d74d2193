//! TOTP as authenticator apps compute it for Cognito (RFC 6238: HMAC-SHA-1, six digits, 30-second steps), with
//! one step of clock drift either way, time from our `Clock`, and the secret sealed at rest.

use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::ports::Rng;
use crate::secrets::MasterKey;
use crate::time::Timestamp;

/// Seal purpose of a TOTP secret at rest.
const SEAL_PURPOSE: &str = "totp-secret";
/// 32 random bytes: 52 base32 characters, as long as the SecretCode Cognito hands out.
const SECRET_BYTES: usize = 32;
const STEP_SECONDS: u64 = 30;
const DIGITS: u8 = 6;
/// Steps accepted either side of the current one.
const DRIFT_STEPS: u16 = 1;

/// A new secret: its base32 form (the SecretCode the user types or scans) and its sealed form (what is stored).
pub fn new_secret(rng: &dyn Rng, key: &MasterKey) -> (String, String) {
    let mut bytes = vec![0u8; SECRET_BYTES];
    rng.fill(&mut bytes);
    let code = Secret::from(bytes.clone()).to_base32();
    (code, key.seal(rng, SEAL_PURPOSE, &bytes))
}

fn totp(secret: Vec<u8>) -> Option<Totp> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS)
        .with_skew(DRIFT_STEPS)
        .with_step_duration(STEP_SECONDS)
        .with_secret(secret)
        .build()
        .ok()
}

/// The time step `code` is valid for at `now` under the sealed secret `sealed`, if it is valid at all. The caller
/// refuses a step at or before the last one accepted (RFC 6238 §5.2: a code is accepted once).
pub fn matching_step(key: &MasterKey, sealed: &str, code: &str, now: Timestamp) -> Option<u64> {
    let code = code.trim();
    if code.len() != usize::from(DIGITS) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secret = key.open(SEAL_PURPOSE, sealed)?;
    let seconds = u64::try_from(now.seconds()).ok()?;
    totp(secret)?.check(code, seconds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::tests::CountingRng;
    use std::sync::atomic::AtomicU8;

    /// RFC 6238 Appendix B's SHA-1 secret ("12345678901234567890"): the eight-digit vectors' last six digits are
    /// the six-digit codes.
    #[test]
    fn rfc_6238_vectors_with_drift_of_one_step() {
        let key = MasterKey::from_bytes([7; 32]);
        let rng = CountingRng(AtomicU8::new(1));
        let sealed = key.seal(&rng, SEAL_PURPOSE, b"12345678901234567890");
        let at = |s: i64| Timestamp(s * 1000);
        assert_eq!(matching_step(&key, &sealed, "287082", at(59)), Some(1));
        assert_eq!(
            matching_step(&key, &sealed, "081804", at(1_111_111_109)),
            Some(37_037_036)
        );
        assert_eq!(
            matching_step(&key, &sealed, "050471", at(1_111_111_111)),
            Some(37_037_037)
        );
        assert_eq!(
            matching_step(&key, &sealed, "005924", at(1_234_567_890)),
            Some(41_152_263)
        );
        // One step late or early still matches; two do not.
        assert_eq!(matching_step(&key, &sealed, "287082", at(89)), Some(1));
        assert_eq!(matching_step(&key, &sealed, "287082", at(5)), Some(1));
        assert_eq!(matching_step(&key, &sealed, "287082", at(120)), None);
        // Malformed codes and a secret sealed under another key never match.
        assert_eq!(matching_step(&key, &sealed, "28708", at(59)), None);
        assert_eq!(matching_step(&key, &sealed, "28708a", at(59)), None);
        let other = MasterKey::from_bytes([8; 32]);
        assert_eq!(matching_step(&other, &sealed, "287082", at(59)), None);
    }

    #[test]
    fn new_secrets_are_52_base32_characters_and_sealed() {
        let key = MasterKey::from_bytes([7; 32]);
        let rng = CountingRng(AtomicU8::new(1));
        let (code, sealed) = new_secret(&rng, &key);
        assert_eq!(code.len(), 52);
        assert!(code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)));
        assert!(!sealed.contains(&code));
        let bytes = Secret::try_from_base32(&code).map(|s| s.as_ref().to_vec());
        assert_eq!(key.open(SEAL_PURPOSE, &sealed), bytes.ok());
    }
}
