//! Argon2id password hashing on a bounded worker pool. Hashing is deliberately slow (~20 ms at OWASP
//! parameters), so the number of hashes running at once is capped at the core count, and the number waiting is
//! capped too: when both are full the caller gets TooManyRequestsException at once instead of an unbounded queue.

use std::sync::{Arc, Mutex};

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
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

/// Argon2's working memory, kept between hashes: one region per running hash, so at most `workers` of them.
/// Allocating 19 MiB per hash costs page faults and zeroing (about a tenth of a password sign-in's CPU), and
/// glibc keeps freed regions of that size in per-thread arenas, so the process grew by 19 MiB for every blocking
/// thread that had ever hashed (hundreds of MB under load) instead of staying at `workers` × 19 MiB.
#[derive(Default)]
struct MemoryStash {
    regions: Mutex<Vec<Vec<Block>>>,
}

impl MemoryStash {
    /// Runs `f` with at least `blocks` blocks of Argon2 memory. Regions larger than `keep_up_to` blocks (a hash
    /// stored with a bigger memory cost than the pool's) are used once and freed rather than kept.
    fn with<T>(&self, blocks: usize, keep_up_to: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
        if blocks > keep_up_to {
            return f(&mut vec![Block::default(); blocks]);
        }
        let taken = self.regions.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut region = taken.unwrap_or_default();
        if region.len() < blocks {
            region.resize(blocks, Block::default());
        }
        let out = f(&mut region[..blocks]);
        self.regions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(region);
        out
    }
}

pub struct PasswordHasher {
    params: Params,
    /// Hashes running at once.
    workers: Arc<Semaphore>,
    /// Hashes admitted (running or waiting); beyond this, requests are refused.
    admitted: Arc<Semaphore>,
    memory: Arc<MemoryStash>,
}

fn busy() -> CognitoError {
    CognitoError::new(
        ErrorKind::TooManyRequestsException,
        "Too many requests: password hashing is at capacity, retry shortly.",
    )
}

/// Argon2id of `password` with `salt` at `params` into a PHC string, using `memory` as working memory.
fn hash_phc(params: &Params, memory: &mut [Block], password: &[u8], salt: &[u8]) -> Result<String> {
    let internal = |what: &str, e: &dyn std::fmt::Display| CognitoError::internal(format!("{what}: {e}"));
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon2
        .hash_password_into_with_memory(password, salt, &mut out, memory)
        .map_err(|e| internal("hashing failed", &e))?;
    let salt = SaltString::encode_b64(salt).map_err(|e| internal("salt", &e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(|e| internal("parameters", &e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| internal("output", &e))?),
    };
    Ok(phc.to_string())
}

/// What a stored PHC string asks for: the Argon2 instance (its own algorithm, version and costs, which may
/// differ from today's defaults), the raw salt and the expected output. `None` when it is not an Argon2 hash.
struct StoredHash {
    argon2: Argon2<'static>,
    blocks: usize,
    salt: Vec<u8>,
    expected: Output,
}

impl StoredHash {
    fn parse(phc: &str) -> Option<Self> {
        let parsed = PasswordHash::new(phc).ok()?;
        let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
        let version = match parsed.version {
            Some(v) => Version::try_from(v).ok()?,
            None => Version::default(),
        };
        let params = Params::try_from(&parsed).ok()?;
        let mut salt = [0u8; 64];
        let salt = parsed.salt?.decode_b64(&mut salt).ok()?.to_vec();
        Some(Self {
            blocks: params.block_count(),
            argon2: Argon2::new(algorithm, version, params),
            salt,
            expected: parsed.hash?,
        })
    }

    /// Whether `password` produces the stored output; the comparison is constant time (`Output`'s `==`).
    fn matches(&self, memory: &mut [Block], password: &[u8]) -> bool {
        let mut out = vec![0u8; self.expected.len()];
        self.argon2
            .hash_password_into_with_memory(password, &self.salt, &mut out, memory)
            .is_ok()
            && Output::new(&out).is_ok_and(|computed| computed == self.expected)
    }
}

impl PasswordHasher {
    /// `workers` hashes run in parallel; up to `queue` more may wait.
    pub fn new(params: HashingParams, workers: usize, queue: usize) -> Result<Self> {
        let params = Params::new(params.memory_kib, params.iterations, params.parallelism, None)
            .map_err(|e| CognitoError::internal(format!("invalid Argon2 parameters: {e}")))?;
        Ok(Self {
            params,
            workers: Arc::new(Semaphore::new(workers.max(1))),
            admitted: Arc::new(Semaphore::new(workers.max(1) + queue)),
            memory: Arc::new(MemoryStash::default()),
        })
    }

    /// Runs `job` on a blocking thread with `blocks` blocks of Argon2 working memory from the stash, once a
    /// worker is free; refused at once when the queue is full.
    async fn run<T: Send + 'static>(
        &self,
        blocks: usize,
        job: impl FnOnce(&mut [Block]) -> T + Send + 'static,
    ) -> Result<T> {
        let _admitted = self.admitted.clone().try_acquire_owned().map_err(|_| busy())?;
        let _worker = self.workers.clone().acquire_owned().await.map_err(|_| busy())?;
        let memory = self.memory.clone();
        let keep_up_to = self.params.block_count();
        tokio::task::spawn_blocking(move || memory.with(blocks, keep_up_to, job))
            .await
            .map_err(|e| CognitoError::internal(format!("password hashing task failed: {e}")))
    }

    /// A PHC string (`$argon2id$v=19$m=...`) for `password`.
    pub async fn hash(&self, rng: &dyn Rng, password: &str) -> Result<String> {
        let mut salt = [0u8; 16];
        rng.fill(&mut salt);
        let password = password.to_string();
        let params = self.params.clone();
        self.run(params.block_count(), move |blocks| {
            hash_phc(&params, blocks, password.as_bytes(), &salt)
        })
        .await?
    }

    /// Whether `password` matches the PHC string (constant-time comparison). A string that is not an Argon2
    /// hash matches nothing.
    pub async fn verify(&self, password: &str, phc: &str) -> Result<bool> {
        let Some(stored) = StoredHash::parse(phc) else {
            return Ok(false);
        };
        let password = password.to_string();
        self.run(stored.blocks, move |blocks| {
            stored.matches(blocks, password.as_bytes())
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
    async fn interoperates_with_the_argon2_crates_own_phc_strings() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let h = PasswordHasher::new(cheap(), 1, 0).unwrap();
        // Hashes written before the memory stash existed (argon2's own hash_password), including other costs.
        for (m, t) in [(64, 1), (128, 3), (256, 2)] {
            let reference = Argon2::new(
                Algorithm::Argon2id,
                Version::V0x13,
                Params::new(m, t, 1, None).unwrap(),
            );
            let salt = SaltString::encode_b64(b"sixteen byte slt").unwrap();
            let phc = reference.hash_password(b"Passw0rd!", &salt).unwrap().to_string();
            assert!(h.verify("Passw0rd!", &phc).await.unwrap(), "{phc}");
            assert!(!h.verify("Passw0rd?", &phc).await.unwrap(), "{phc}");
        }
        // And ours verify with the crate's own verifier.
        let rng = CountingRng(AtomicU8::new(7));
        let ours = h.hash(&rng, "Passw0rd!").await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default().verify_password(b"Passw0rd!", &parsed).is_ok());
        // Argon2i/Argon2d strings are honoured as written; a corrupt output matches nothing.
        let argon2i = Argon2::new(
            Algorithm::Argon2i,
            Version::V0x13,
            Params::new(64, 1, 1, None).unwrap(),
        );
        let salt = SaltString::encode_b64(b"sixteen byte slt").unwrap();
        let phc = argon2i.hash_password(b"pw", &salt).unwrap().to_string();
        assert!(h.verify("pw", &phc).await.unwrap());
        let at = phc.rfind('$').unwrap() + 1;
        let flipped = if &phc[at..at + 1] == "A" { "B" } else { "A" };
        let corrupt = format!("{}{flipped}{}", &phc[..at], &phc[at + 1..]);
        assert!(!h.verify("pw", &corrupt).await.unwrap());
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
            .verify(
                "pw",
                "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
            )
            .await;
        assert_eq!(second.unwrap_err().kind(), ErrorKind::TooManyRequestsException);
        first.await.unwrap().unwrap();
    }
}
