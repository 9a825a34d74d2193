//! Each pool's key ring: keys created on first use, rotated on demand, and cached briefly by each node, which
//! reloads at once when it meets a `kid` it does not know (a key another node made).

use std::sync::Arc;

use super::keys::{new_record, parse, PoolKeys};
use crate::error::{CognitoError, Result};
use crate::service::Latchkey;
use crate::store::StoreError;

impl Latchkey {
    /// The pool's keys, creating them on first use.
    pub async fn pool_keys(&self, pool_id: &str) -> Result<Arc<PoolKeys>> {
        let now = self.clock.now();
        if let Some(k) = self.key_cache.get(pool_id, now) {
            return Ok(k);
        }
        self.load_keys(pool_id).await
    }

    /// The pool's keys when a token names `kid`: rereads the store once if the cached copy does not know it.
    pub(crate) async fn pool_keys_with(&self, pool_id: &str, kid: &str) -> Result<Arc<PoolKeys>> {
        let keys = self.pool_keys(pool_id).await?;
        if keys.verifier(kid).is_some() {
            return Ok(keys);
        }
        self.load_keys(pool_id).await
    }

    async fn load_keys(&self, pool_id: &str) -> Result<Arc<PoolKeys>> {
        for _ in 0..3 {
            let records = self.store.list_signing_keys(pool_id).await?;
            if let Some(keys) = parse(&self.secrets.master_key, &records)? {
                let keys = Arc::new(keys);
                self.key_cache.put(pool_id, self.clock.now(), keys.clone());
                return Ok(keys);
            }
            let active: Vec<String> = records
                .iter()
                .filter(|r| r.retired.is_none())
                .map(|r| r.kid.clone())
                .collect();
            match self.replace_keys(pool_id, &active).await {
                Ok(()) | Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(CognitoError::internal(format!(
            "could not create signing keys for {pool_id}"
        )))
    }

    async fn replace_keys(&self, pool_id: &str, expected_active: &[String]) -> Result<(), StoreError> {
        let now = self.clock.now();
        let id = new_record(&self.secrets.master_key, self.rng.as_ref(), pool_id, "id", now)
            .map_err(|e| StoreError::Backend(e.detail().into()))?;
        let access = new_record(
            &self.secrets.master_key,
            self.rng.as_ref(),
            pool_id,
            "access",
            now,
        )
        .map_err(|e| StoreError::Backend(e.detail().into()))?;
        self.store
            .rotate_signing_keys(pool_id, expected_active, &[id, access], now)
            .await
    }

    /// Replaces the pool's active keys with new ones. Tokens signed by the old keys keep verifying: the old keys
    /// stay in the JWKS until every token they signed has expired.
    pub async fn rotate_keys(&self, pool_id: &str) -> Result<()> {
        self.pool(pool_id).await?;
        let records = self.store.list_signing_keys(pool_id).await?;
        let active: Vec<String> = records
            .iter()
            .filter(|r| r.retired.is_none())
            .map(|r| r.kid.clone())
            .collect();
        self.replace_keys(pool_id, &active).await?;
        self.key_cache.forget(pool_id);
        Ok(())
    }
}
