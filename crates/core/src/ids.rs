//! Identifiers as Cognito shapes them: pool ids `{region}_{9 alphanumerics}`, 26-character lowercase client ids,
//! client secrets, and request ids.

use crate::ports::Rng;

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// Uniform choice from `alphabet` by rejection sampling (no modulo bias).
pub fn random_string(rng: &dyn Rng, alphabet: &[u8], len: usize) -> String {
    let limit = 256 - (256 % alphabet.len());
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        rng.fill(&mut buf);
        for &b in &buf {
            if (b as usize) < limit && out.len() < len {
                out.push(alphabet[b as usize % alphabet.len()] as char);
            }
        }
    }
    out
}

pub fn new_pool_id(rng: &dyn Rng, region: &str) -> String {
    format!("{region}_{}", random_string(rng, ALNUM, 9))
}

pub fn new_client_id(rng: &dyn Rng) -> String {
    random_string(rng, LOWER_ALNUM, 26)
}

/// Cognito's generated secrets are 51 lowercase alphanumerics (the model allows `[\w+]{24,64}`).
pub fn new_client_secret(rng: &dyn Rng) -> String {
    random_string(rng, LOWER_ALNUM, 51)
}

/// A random RFC 4122 version-4 UUID in its hyphenated lowercase form.
pub fn new_uuid(rng: &dyn Rng) -> String {
    let mut b = [0u8; 16];
    rng.fill(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The region part of a pool id (`eu-west-1_AbC` → `eu-west-1`).
pub fn region_of_pool(pool_id: &str) -> Option<&str> {
    pool_id.rsplit_once('_').map(|(region, _)| region)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU8, Ordering};

    /// A deterministic byte counter: good enough to test shapes.
    pub struct CountingRng(pub AtomicU8);
    impl Rng for CountingRng {
        fn fill(&self, buf: &mut [u8]) {
            for b in buf {
                *b = self.0.fetch_add(37, Ordering::Relaxed);
            }
        }
    }

    #[test]
    fn shapes() {
        let rng = CountingRng(AtomicU8::new(0));
        let pool = new_pool_id(&rng, "eu-west-1");
        assert!(
            regex::Regex::new(r"^eu-west-1_[0-9A-Za-z]{9}$")
                .unwrap()
                .is_match(&pool),
            "{pool}"
        );
        assert_eq!(region_of_pool(&pool), Some("eu-west-1"));
        let client = new_client_id(&rng);
        assert!(regex::Regex::new(r"^[a-z0-9]{26}$").unwrap().is_match(&client));
        assert_eq!(new_client_secret(&rng).len(), 51);
        let u = new_uuid(&rng);
        assert!(
            regex::Regex::new(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
                .unwrap()
                .is_match(&u)
        );
    }
}
