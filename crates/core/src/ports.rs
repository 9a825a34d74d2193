//! Ports to the world outside the domain that are not storage: the clock and the random source.
//! Use cases take them as inputs so expiry, lockout and id generation are deterministic in tests.

use crate::time::Timestamp;

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// Cryptographically secure randomness. The binary wires the OS CSPRNG; tests may wire a seeded source.
pub trait Rng: Send + Sync {
    fn fill(&self, buf: &mut [u8]);
}

/// A clock that stands still unless moved: for deterministic tests.
#[derive(Debug, Default)]
pub struct FixedClock(std::sync::atomic::AtomicI64);

impl FixedClock {
    pub fn at(ms: i64) -> Self {
        Self(std::sync::atomic::AtomicI64::new(ms))
    }

    pub fn advance_seconds(&self, s: i64) {
        self.0.fetch_add(s * 1000, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(std::sync::atomic::Ordering::SeqCst))
    }
}
