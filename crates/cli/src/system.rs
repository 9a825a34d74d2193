//! The real clock and randomness, wired in only by the binary: the rest of the code takes them as ports.

use latchkey_core::ports::{Clock, Rng};
use latchkey_core::time::Timestamp;

pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // The one place the wall clock is read.
    fn now(&self) -> Timestamp {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        Timestamp::from_millis(ms)
    }
}

/// The operating system's CSPRNG, through aws-lc.
pub struct SystemRng(aws_lc_rs::rand::SystemRandom);

impl SystemRng {
    pub fn new() -> Self {
        Self(aws_lc_rs::rand::SystemRandom::new())
    }
}

impl Rng for SystemRng {
    fn fill(&self, buf: &mut [u8]) {
        use aws_lc_rs::rand::SecureRandom;
        // The OS generator does not fail on Linux; a failure here means the process cannot run safely.
        if self.0.fill(buf).is_err() {
            tracing::error!("the operating system's random generator failed");
            std::process::abort();
        }
    }
}
