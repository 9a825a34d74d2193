//! `Latchkey`: the use cases' entry point. It holds the ports (store, clock, randomness) and the deployment
//! settings, and offers the helpers every operation shares (finding a pool, read-modify-write with retry).

use std::sync::Arc;

use crate::error::{CognitoError, Result};
use crate::pools::UserPool;
use crate::ports::{Clock, Rng};
use crate::store::{Store, StoreError};

/// Deployment settings the domain needs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Used in ARNs; defaults to the AWS documentation account 123456789012.
    pub account_id: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            account_id: "123456789012".into(),
        }
    }
}

#[derive(Clone)]
pub struct Latchkey {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub rng: Arc<dyn Rng>,
    pub settings: Settings,
}

/// How often a read-modify-write is retried when another node changed the same record in between.
const MAX_CONFLICT_RETRIES: usize = 8;

impl Latchkey {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, rng: Arc<dyn Rng>, settings: Settings) -> Self {
        Self {
            store,
            clock,
            rng,
            settings,
        }
    }

    pub async fn pool(&self, pool_id: &str) -> Result<UserPool> {
        self.store
            .get_pool(pool_id)
            .await?
            .ok_or_else(|| CognitoError::pool_not_found(pool_id))
    }

    /// Loads a pool, applies `change`, and stores it if nobody else changed it meanwhile; otherwise starts over
    /// from the fresh copy. `change` must therefore be a pure function of the pool it is given.
    pub async fn mutate_pool<T>(
        &self,
        pool_id: &str,
        mut change: impl FnMut(&mut UserPool) -> Result<T>,
    ) -> Result<(UserPool, T)> {
        for _ in 0..MAX_CONFLICT_RETRIES {
            let mut pool = self.pool(pool_id).await?;
            let out = change(&mut pool)?;
            pool.last_modified_date = self.clock.now();
            pool.version += 1;
            match self.store.update_pool(&pool).await {
                Ok(()) => return Ok((pool, out)),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict(format!("User pool {pool_id}")).into())
    }
}

/// Opaque pagination tokens: the position to continue after, so a token from one listing cannot be confused
/// with another's. They are base64url of `{kind}:{key}`.
pub mod pagination {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    use crate::error::{CognitoError, Result};

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
