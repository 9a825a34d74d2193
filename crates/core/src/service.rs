//! `Latchkey`: the use cases' entry point. It holds the ports (store, clock, randomness, mailer) and the deployment
//! settings, and offers the helpers every operation shares (finding a pool, read-modify-write with retry).
//!
//! Its public methods are the use cases (one per Cognito operation or hosted-UI step, in the module of their
//! family); everything they share is `pub(crate)`. The modules this one builds on — ports, models, `mail`,
//! `passwords`, `cache`, `secrets`, the token key cache — never name `Latchkey`: only use-case modules add
//! `impl Latchkey` blocks, so the module graph has no cycles.

use std::sync::Arc;

use crate::cache::TtlCache;
use crate::clients::AppClient;
use crate::error::{CognitoError, Result};
use crate::mail::Mailer;
use crate::passwords::{HashingParams, PasswordHasher};
use crate::pools::UserPool;
use crate::ports::{Clock, Rng};
use crate::secrets::MasterKey;
use crate::store::{Store, StoreError, StoreResult};
use crate::tokens::{IdentityKeys, KeyCache, VerifiedTokens, KEY_CACHE_MILLIS};
use crate::triggers::{Functions, NoFunctions};

/// Which `iss` tokens carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IssuerStyle {
    /// `{public_url}/{poolId}`: what discovery-based clients (openid-client, pycognito) need.
    #[default]
    PublicUrl,
    /// `https://cognito-idp.{region}.amazonaws.com/{poolId}`: for clients that hard-code AWS's issuer.
    Aws,
}

/// Deployment settings the domain needs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Used in ARNs; defaults to the AWS documentation account 123456789012.
    pub account_id: String,
    /// Base URL of issuers and hosted-UI links, without a trailing slash.
    pub public_url: String,
    pub issuer_style: IssuerStyle,
    pub hashing: HashingParams,
    /// Password hashes running at once (defaults to the core count) and allowed to wait beyond those.
    pub hash_workers: usize,
    pub hash_queue: usize,
}

impl Default for Settings {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            account_id: "123456789012".into(),
            public_url: "http://127.0.0.1:9229".into(),
            issuer_style: IssuerStyle::PublicUrl,
            hashing: HashingParams::default(),
            hash_workers: cores,
            hash_queue: cores * 16,
        }
    }
}

impl Settings {
    pub fn issuer(&self, pool_id: &str) -> String {
        match self.issuer_style {
            IssuerStyle::PublicUrl => format!("{}/{pool_id}", self.public_url),
            IssuerStyle::Aws => {
                let region = crate::ids::region_of_pool(pool_id).unwrap_or("us-east-1");
                format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}")
            }
        }
    }
}

/// Secrets the domain holds.
#[derive(Debug, Clone)]
pub struct Secrets {
    pub master_key: MasterKey,
}

/// The ports the binary wires in.
#[derive(Clone)]
pub struct Ports {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub rng: Arc<dyn Rng>,
    pub mailer: Arc<dyn Mailer>,
}

/// The use cases, over the ports the binary wired in.
///
/// Its ports and secrets are private to core: everything outside core goes through the use cases and the
/// read-only accessors below (`clock()`, `rng()`, `settings()`).
#[derive(Clone)]
pub struct Latchkey {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) rng: Arc<dyn Rng>,
    pub(crate) mailer: Arc<dyn Mailer>,
    pub(crate) settings: Settings,
    pub(crate) secrets: Secrets,
    pub(crate) hasher: Arc<PasswordHasher>,
    pub(crate) key_cache: Arc<KeyCache>,
    /// The identity-token key ring (one entry), cached on the same terms as `key_cache`.
    pub(crate) identity_key_cache: Arc<TtlCache<IdentityKeys>>,
    /// Pools as token checks see them (GetUser and the other access-token operations): a pool document parsed
    /// once a second rather than on every request. Writes through `mutate_pool`/`delete_pool` forget it here;
    /// other nodes see pool changes within `POOL_CACHE_MILLIS`, as Cognito's own settings propagate.
    pub(crate) pool_cache: Arc<TtlCache<UserPool>>,
    /// App clients as `client_and_pool` sees them, on the same terms as `pool_cache`.
    pub(crate) client_cache: Arc<TtlCache<AppClient>>,
    /// Access tokens whose signature this node has checked (see `tokens::verified`).
    pub(crate) verified_tokens: Arc<VerifiedTokens>,
    /// Where the pools' Lambda triggers run (`with_functions`); none by default.
    pub(crate) functions: Arc<dyn Functions>,
}

/// How long a node may use a pool or app client it read earlier (token checks, client-addressed operations).
pub const POOL_CACHE_MILLIS: i64 = 1_000;

/// How often a read-modify-write is retried when another node changed the same record in between.
pub(crate) const MAX_CONFLICT_RETRIES: usize = 8;

/// Whether a versioned write landed: `false` when another writer changed the record since it was read (the
/// caller reads it again and retries); an error for any other failure.
pub(crate) fn landed(write: StoreResult<()>) -> Result<bool> {
    match write {
        Ok(()) => Ok(true),
        Err(StoreError::Conflict(_)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

impl Latchkey {
    pub fn new(ports: Ports, settings: Settings, secrets: Secrets) -> Result<Self> {
        let hasher = PasswordHasher::new(settings.hashing, settings.hash_workers, settings.hash_queue)?;
        Ok(Self {
            store: ports.store,
            clock: ports.clock,
            rng: ports.rng,
            mailer: ports.mailer,
            settings,
            secrets,
            hasher: Arc::new(hasher),
            key_cache: Arc::new(KeyCache::new(KEY_CACHE_MILLIS)),
            identity_key_cache: Arc::new(TtlCache::new(KEY_CACHE_MILLIS)),
            pool_cache: Arc::new(TtlCache::new(POOL_CACHE_MILLIS)),
            client_cache: Arc::new(TtlCache::new(POOL_CACHE_MILLIS)),
            verified_tokens: Arc::new(VerifiedTokens::default()),
            functions: Arc::new(NoFunctions),
        })
    }

    /// Runs the pools' Lambda triggers through `functions` (the Lambda Invoke API, signed webhooks).
    pub fn with_functions(mut self, functions: Arc<dyn Functions>) -> Self {
        self.functions = functions;
        self
    }

    /// The clock the use cases read (SigV4 and rate limits outside core read the same one).
    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// The random source the use cases draw from (request ids outside core draw from the same one).
    pub fn rng(&self) -> &dyn Rng {
        self.rng.as_ref()
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Readiness: whether the store answers.
    pub async fn ping_store(&self) -> StoreResult<()> {
        self.store.ping().await
    }

    /// The pool `pool_id`; ResourceNotFoundException when it does not exist.
    pub async fn pool(&self, pool_id: &str) -> Result<UserPool> {
        self.store
            .get_pool(pool_id)
            .await?
            .ok_or_else(|| CognitoError::pool_not_found(pool_id))
    }

    /// A pool for a token check or a client-addressed operation: the cached copy when it is fresh (see
    /// `pool_cache`), `None` when it does not exist.
    pub(crate) async fn cached_pool(&self, pool_id: &str) -> Result<Option<Arc<UserPool>>> {
        let load = self.store.get_pool(pool_id);
        self.cached(&self.pool_cache, pool_id, load).await
    }

    /// An app client, on the same terms as `cached_pool` (see `client_cache`).
    pub(crate) async fn cached_client(&self, client_id: &str) -> Result<Option<Arc<AppClient>>> {
        let load = self.store.get_client(client_id);
        self.cached(&self.client_cache, client_id, load).await
    }

    async fn cached<V>(
        &self,
        cache: &TtlCache<V>,
        key: &str,
        load: impl std::future::Future<Output = StoreResult<Option<V>>>,
    ) -> Result<Option<Arc<V>>> {
        Ok(cache.get_or_load(key, self.clock.now(), load).await?)
    }

    /// Loads a pool, applies `change`, and stores it if nobody else changed it meanwhile; otherwise starts over
    /// from the fresh copy. `change` must therefore be a pure function of the pool it is given.
    pub(crate) async fn mutate_pool<T>(
        &self,
        pool_id: &str,
        mut change: impl FnMut(&mut UserPool) -> Result<T>,
    ) -> Result<(UserPool, T)> {
        for _ in 0..MAX_CONFLICT_RETRIES {
            let mut pool = self.pool(pool_id).await?;
            let out = change(&mut pool)?;
            pool.last_modified_date = self.clock.now();
            pool.version += 1;
            if landed(self.store.update_pool(&pool).await)? {
                self.pool_cache.forget(pool_id);
                return Ok((pool, out));
            }
        }
        Err(StoreError::Conflict(format!("User pool {pool_id}")).into())
    }
}

/// Opaque pagination tokens: the position to continue after, so a token from one listing cannot be confused
/// with another's. They are base64url of `{kind}:{key}`.
pub mod pagination {
    use std::future::Future;

    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    use crate::error::{CognitoError, Result};
    use crate::store::{Page, StoreResult};

    /// How many items a page of a listing holds: `limit` within Cognito's 1 to 60, and 60 when none is given.
    pub fn page_size(limit: Option<u32>) -> u32 {
        limit.unwrap_or(60).clamp(1, 60)
    }

    /// One page of a `kind` listing: `list` reads on after the position `token` encodes (from the start without
    /// one), and the position after its page goes back out encoded.
    pub(crate) async fn page_of<T, F, Fut>(kind: &str, token: Option<&str>, list: F) -> Result<Page<T>>
    where
        F: FnOnce(Option<String>) -> Fut,
        Fut: Future<Output = StoreResult<Page<T>>>,
    {
        let after = token.map(|t| decode(kind, t)).transpose()?;
        let mut page = list(after).await?;
        page.next = page.next.map(|k| encode(kind, &k));
        Ok(page)
    }

    pub fn encode(kind: &str, key: &str) -> String {
        URL_SAFE_NO_PAD.encode(format!("{kind}:{key}"))
    }

    pub fn decode(kind: &str, token: &str) -> Result<String> {
        let invalid = || CognitoError::invalid_parameter("Invalid pagination token.");
        let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        text.strip_prefix(kind)
            .and_then(|r| r.strip_prefix(':'))
            .map(str::to_string)
            .ok_or_else(invalid)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn round_trip_and_kind_check() {
            for key in ["", "a", "ab", "abc", "us-east-1_AbCdEfGhI"] {
                let t = encode("pool", key);
                assert_eq!(decode("pool", &t).unwrap(), key);
                assert!(decode("client", &t).is_err());
            }
            assert!(decode("pool", "!!").is_err());
        }
    }
}
