//! The master key and what it protects: sealed (AES-256-GCM) blobs for auth sessions and private keys at rest,
//! and keyed hashes of one-time codes (a six-digit code's plain hash would be reversed by trying a million
//! values). The key never appears in Debug output.

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use aws_lc_rs::{digest, hmac};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::ports::Rng;

pub const MASTER_KEY_LEN: usize = 32;

#[derive(Clone)]
pub struct MasterKey([u8; MASTER_KEY_LEN]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

impl MasterKey {
    pub fn from_bytes(bytes: [u8; MASTER_KEY_LEN]) -> Self {
        Self(bytes)
    }

    /// Parses 64 hex characters.
    pub fn from_hex(text: &str) -> Option<Self> {
        let bytes = hex::decode(text.trim()).ok()?;
        Some(Self(bytes.try_into().ok()?))
    }

    pub fn generate(rng: &dyn Rng) -> Self {
        let mut b = [0u8; MASTER_KEY_LEN];
        rng.fill(&mut b);
        Self(b)
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// A sub-key for one purpose, so a blob sealed for one use cannot be opened as another.
    fn subkey(&self, purpose: &str) -> [u8; 32] {
        let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &self.0), purpose.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(&tag.as_ref()[..32]);
        out
    }

    /// Encrypts and authenticates `plaintext`; the result is URL-safe base64 (nonce || ciphertext || tag).
    pub fn seal(&self, rng: &dyn Rng, purpose: &str, plaintext: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(self.seal_bytes(rng, purpose, plaintext))
    }

    /// Opens what `seal` produced for the same purpose; `None` for anything forged, altered or foreign.
    pub fn open(&self, purpose: &str, sealed: &str) -> Option<Vec<u8>> {
        self.open_bytes(
            purpose,
            &URL_SAFE_NO_PAD.decode(sealed.trim_end_matches('=')).ok()?,
        )
    }

    /// `seal` without the text encoding: nonce || ciphertext || tag.
    pub fn seal_bytes(&self, rng: &dyn Rng, purpose: &str, plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill(&mut nonce);
        let mut buf = plaintext.to_vec();
        // AES-256 with a 32-byte key cannot be rejected, and sealing in place only fails on absurd lengths.
        let sealed = UnboundKey::new(&AES_256_GCM, &self.subkey(purpose))
            .map(LessSafeKey::new)
            .and_then(|key| {
                key.seal_in_place_append_tag(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::from(purpose.as_bytes()),
                    &mut buf,
                )
            });
        if sealed.is_err() {
            buf.clear();
        }
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        out
    }

    pub fn open_bytes(&self, purpose: &str, raw: &[u8]) -> Option<Vec<u8>> {
        if raw.len() < NONCE_LEN + AES_256_GCM.tag_len() {
            return None;
        }
        let (nonce, rest) = raw.split_at(NONCE_LEN);
        let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &self.subkey(purpose)).ok()?);
        let mut buf = rest.to_vec();
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let plain = key
            .open_in_place(nonce, Aad::from(purpose.as_bytes()), &mut buf)
            .ok()?;
        Some(plain.to_vec())
    }

    /// HMAC-SHA256 under a purpose sub-key, as hex: for values that must be compared but never stored plainly.
    pub fn keyed_hash(&self, purpose: &str, data: &str) -> String {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &self.subkey(purpose));
        hex::encode(hmac::sign(&key, data.as_bytes()))
    }

    /// Constant-time check of `data` against a `keyed_hash`.
    pub fn verify_keyed_hash(&self, purpose: &str, data: &str, expected_hex: &str) -> bool {
        let Ok(expected) = hex::decode(expected_hex) else {
            return false;
        };
        let key = hmac::Key::new(hmac::HMAC_SHA256, &self.subkey(purpose));
        hmac::verify(&key, data.as_bytes(), &expected).is_ok()
    }
}

/// SHA-256 as lowercase hex: for refresh-token handles, which are 256-bit random and need no key.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(digest::digest(&digest::SHA256, data))
}

/// Constant-time equality of two byte strings.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    // HMAC both under a throw-away key, then compare with hmac::verify, which is constant time; lengths may leak,
    // which is fine for the fixed-length secrets compared here.
    let key = hmac::Key::new(hmac::HMAC_SHA256, b"latchkey-constant-time-compare");
    let tag = hmac::sign(&key, a);
    hmac::verify(&key, b, tag.as_ref()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::tests::CountingRng;
    use std::sync::atomic::AtomicU8;

    #[test]
    fn seal_open_round_trip_and_tamper() {
        let rng = CountingRng(AtomicU8::new(3));
        let k = MasterKey::from_bytes([7; 32]);
        let s = k.seal(&rng, "session", b"hello");
        assert_eq!(k.open("session", &s).unwrap(), b"hello");
        assert!(k.open("other-purpose", &s).is_none());
        assert!(MasterKey::from_bytes([8; 32]).open("session", &s).is_none());
        let mut bytes = URL_SAFE_NO_PAD.decode(&s).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(k.open("session", &URL_SAFE_NO_PAD.encode(bytes)).is_none());
        assert!(k.open("session", "garbage").is_none());
    }

    #[test]
    fn keyed_hashes() {
        let k = MasterKey::from_bytes([1; 32]);
        let h = k.keyed_hash("code", "123456");
        assert!(k.verify_keyed_hash("code", "123456", &h));
        assert!(!k.verify_keyed_hash("code", "123457", &h));
        assert!(!k.verify_keyed_hash("other", "123456", &h));
        assert!(constant_time_eq(b"abc", b"abc") && !constant_time_eq(b"abc", b"abd"));
        assert_eq!(MasterKey::from_hex(&k.to_hex()).unwrap().0, k.0);
    }
}
