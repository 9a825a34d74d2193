//! The verifier's key cache: a lock-light lookup by `kid` on the hot path, and on a miss one refetch of the JWKS
//! shared by every concurrent miss and allowed at most once per interval, so key rotation is picked up and a flood
//! of made-up `kid`s costs the JWKS endpoint at most one request per interval.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use aws_lc_rs::signature::ParsedPublicKey;

use crate::error::VerifyError;
use crate::jwks::{Fetcher, KeySet};

pub(crate) struct KeyStore {
    keys: RwLock<Arc<KeySet>>,
    /// `None`: offline, only keys given to `cache_jwks` are used.
    fetcher: Option<Fetcher>,
    /// Held for the whole of a fetch: a miss waits here for a fetch already under way instead of starting its own.
    refetch: tokio::sync::Mutex<FetchState>,
    min_interval: Duration,
    fetches: AtomicU64,
}

#[derive(Default)]
struct FetchState {
    last_attempt: Option<Instant>,
    /// Why the last attempt failed, repeated to callers refused by the rate limit so they see the real cause.
    last_error: Option<VerifyError>,
}

impl KeyStore {
    pub(crate) fn new(fetcher: Option<Fetcher>, min_interval: Duration) -> KeyStore {
        KeyStore {
            keys: RwLock::new(Arc::new(KeySet::new())),
            fetcher,
            refetch: tokio::sync::Mutex::new(FetchState::default()),
            min_interval,
            fetches: AtomicU64::new(0),
        }
    }

    /// Checks `signature` over `message` with the cached key named `kid`, under the read lock (no reference
    /// count touched on the hot path). `None` when no such key is cached.
    pub(crate) fn verify_cached(
        &self,
        kid: &str,
        message: &[u8],
        signature: &[u8],
    ) -> Option<Result<(), VerifyError>> {
        let keys = self.read();
        let key = keys.get(kid)?;
        Some(
            key.verify_sig(message, signature)
                .map_err(|_| VerifyError::BadSignature),
        )
    }

    /// The key named `kid`, fetching the JWKS when it is not cached and the rate limit allows.
    pub(crate) async fn key(&self, kid: &str) -> Result<Arc<ParsedPublicKey>, VerifyError> {
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let Some(fetcher) = &self.fetcher else {
            return Err(VerifyError::UnknownKey(kid.to_owned()));
        };
        let mut state = self.refetch.lock().await;
        // A fetch that finished while this task waited for the lock may have brought the key.
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        if let Some(last) = state.last_attempt {
            if last.elapsed() < self.min_interval {
                return Err(state
                    .last_error
                    .clone()
                    .unwrap_or_else(|| VerifyError::UnknownKey(kid.to_owned())));
            }
        }
        state.last_attempt = Some(Instant::now());
        self.fetches.fetch_add(1, Ordering::Relaxed);
        match fetcher.fetch().await {
            Ok(keys) => {
                state.last_error = None;
                self.replace(keys);
            }
            Err(e) => {
                state.last_error = Some(e.clone());
                return Err(e);
            }
        }
        self.cached(kid)
            .ok_or_else(|| VerifyError::UnknownKey(kid.to_owned()))
    }

    /// Fetches the JWKS now, whatever the rate limit (an application warming its cache at start-up). Returns the
    /// number of keys.
    pub(crate) async fn refresh(&self) -> Result<usize, VerifyError> {
        let Some(fetcher) = &self.fetcher else {
            return Err(VerifyError::Config(
                "the verifier is offline: it has no JWKS URI to fetch".into(),
            ));
        };
        let mut state = self.refetch.lock().await;
        state.last_attempt = Some(Instant::now());
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let result = fetcher.fetch().await;
        state.last_error = result.as_ref().err().cloned();
        let keys = result?;
        let count = keys.len();
        self.replace(keys);
        Ok(count)
    }

    /// Replaces the cached keys (the JWKS is the whole truth: keys it no longer lists are dropped).
    pub(crate) fn replace(&self, keys: KeySet) {
        let mut guard = self.keys.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        *guard = Arc::new(keys);
    }

    /// The `kid`s cached now.
    pub(crate) fn kids(&self) -> Vec<String> {
        self.read().keys().cloned().collect()
    }

    /// How many times the JWKS was fetched (or a fetch attempted).
    pub(crate) fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    fn cached(&self, kid: &str) -> Option<Arc<ParsedPublicKey>> {
        self.read().get(kid).cloned()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Arc<KeySet>> {
        // A poisoned lock only means a writer panicked between two whole-map swaps; the map itself is intact.
        self.keys.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
