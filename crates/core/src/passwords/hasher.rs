//! Argon2id password hashing on a bounded worker pool. Hashing is deliberately slow (~20 ms at OWASP
//! parameters), so the number of hashes running at once is capped at the core count, and the number waiting is
//! capped too: when both are full the caller gets TooManyRequestsException at once instead of an unbounded queue.

use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::error::{CognitoError, ErrorKind, Result};
use crate::ports::Rng;

/// Argon2id cost. The default is OWASP's recommendation (19 MiB, 2 passes, 1 lane).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashingParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for HashingParams {
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

pub struct PasswordHasher {
    argon2: Argon2<'static>,
    /// Hashes running at once.
    workers: Arc<Semaphore>,
    /// Hashes admitted (running or waiting); beyond this, requests are refused.
    admitted: Arc<Semaphore>,
}

fn busy() -> CognitoError {
    CognitoError::new(
        ErrorKind::TooManyRequestsException,
        "Too many requests: password hashing is at capacity, retry shortly.",
    )
}

impl PasswordHasher {
    /// `workers` hashes run in parallel; up to `queue` more may wait.
    pub fn new(params: HashingParams, workers: usize, queue: usize) -> Result<Self> {
        let p = Params::new(params.memory_kib, params.iterations, params.parallelism, None)
            .map_err(|e| CognitoError::internal(format!("invalid Argon2 parameters: {e}")))?;
        Ok(Self {
            argon2: Argon2::new(Algorithm::Argon2id, Version::V0x13, p),
            workers: Arc::new(Semaphore::new(workers.max(1))),
            admitted: Arc::new(Semaphore::new(workers.max(1) + queue)),
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(Argon2<'static>) -> T + Send + 'static,
    ) -> Result<T> {
        let _admitted = self.admitted.clone().try_acquire_owned().map_err(|_| busy())?;
        let _worker = self.workers.clone().acquire_owned().await.map_err(|_| busy())?;
        let argon2 = self.argon2.clone();
        tokio::task::spawn_blocking(move || job(argon2))
            .await
            .map_err(|e| CognitoError::internal(format!("password hashing task failed: {e}")))
    }

    /// A PHC string (`$argon2id$v=19$m=...`) for `password`.
    pub async fn hash(&self, rng: &dyn Rng, password: &str) -> Result<String> {
        let mut salt = [0u8; 16];
        rng.fill(&mut salt);
        let password = password.to_string();
        self.run(move |argon2| {
            let salt =
                SaltString::encode_b64(&salt).map_err(|e| CognitoError::internal(format!("salt: {e}")))?;
            argon2
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| CognitoError::internal(format!("hashing failed: {e}")))
        })
        .await?
    }

    /// Whether `password` matches the PHC string (constant time inside argon2).
    pub async fn verify(&self, password: &str, phc: &str) -> Result<bool> {
        let password = password.to_string();
        let phc = phc.to_string();
        self.run(move |argon2| match PasswordHash::new(&phc) {
            Ok(parsed) => argon2.verify_password(password.as_bytes(), &parsed).is_ok(),
            Err(_) => false,
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::tests::CountingRng;
    use std::sync::atomic::AtomicU8;

    fn cheap() -> HashingParams {
        HashingParams {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        }
    }

    #[tokio::test]
    async fn hash_and_verify() {
        let h = PasswordHasher::new(cheap(), 2, 2).unwrap();
        let rng = CountingRng(AtomicU8::new(0));
        let phc = h.hash(&rng, "Passw0rd!").await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{phc}");
        assert!(h.verify("Passw0rd!", &phc).await.unwrap());
        assert!(!h.verify("passw0rd!", &phc).await.unwrap());
        assert!(!h.verify("x", "not a phc string").await.unwrap());
    }

    #[tokio::test]
    async fn saturation_is_refused_at_once() {
        // One worker, no queue: while a slow hash runs, the next is refused rather than queued.
        let h = Arc::new(
            PasswordHasher::new(
                HashingParams {
                    memory_kib: 32 * 1024,
                    iterations: 3,
                    parallelism: 1,
                },
                1,
                0,
            )
            .unwrap(),
        );
        let h2 = h.clone();
        let first = tokio::spawn(async move {
            h2.verify(
                "pw",
                "$argon2id$v=19$m=32768,t=3,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
            )
            .await
        });
        // On the test's single-threaded runtime, yielding lets the first job take its permits and park in
        // spawn_blocking before the second call, with no timing involved.
        tokio::task::yield_now().await;
        let second = h
            .verify("pw", "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaA")
            .await;
        assert_eq!(second.unwrap_err().kind(), ErrorKind::TooManyRequestsException);
        first.await.unwrap().unwrap();
    }
}
