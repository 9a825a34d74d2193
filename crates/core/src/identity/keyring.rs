//! The identity-token key ring as the use cases see it: created on first use, rotated on demand, cached briefly
//! by each node, and reread at once when a token names a `kid` the cached copy does not know (a key another node
//! made). The same life as a user pool's keys (`tokens::keyring`), with one ring for every identity pool.

use std::sync::Arc;

use crate::error::{CognitoError, Result};
use crate::service::Latchkey;
use crate::store::StoreError;
use crate::tokens::{new_record, parse_identity, IdentityKeys};

/// The name the ring's records carry in `SigningKeyRecord::pool_id`, and its cache key.
pub const IDENTITY_KEY_RING: &str = "cognito-identity";

impl Latchkey {
    /// The identity-token keys, creating the first on first use.
    pub async fn identity_keys(&self) -> Result<Arc<IdentityKeys>> {
        if let Some(k) = self.identity_key_cache.get(IDENTITY_KEY_RING, self.clock.now()) {
            return Ok(k);
        }
        self.load_identity_keys().await
    }

    /// The keys when a token names `kid`: rereads the store once if the cached copy does not know it.
    pub(crate) async fn identity_keys_with(&self, kid: &str) -> Result<Arc<IdentityKeys>> {
        let keys = self.identity_keys().await?;
        if keys.verifier(kid).is_some() {
            return Ok(keys);
        }
        self.load_identity_keys().await
    }

    async fn load_identity_keys(&self) -> Result<Arc<IdentityKeys>> {
        // Nodes starting together race to create the first key; the store lets one win and the others read it.
        for _ in 0..3 {
            let records = self.store.list_identity_keys().await?;
            if let Some(keys) = parse_identity(&self.secrets.master_key, &records)? {
                let keys = Arc::new(keys);
                self.identity_key_cache
                    .put(IDENTITY_KEY_RING, self.clock.now(), keys.clone());
                return Ok(keys);
            }
            match self.replace_identity_key(&active_kids(&records)).await {
                Ok(()) | Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(CognitoError::internal(
            "could not create the identity-token signing key",
        ))
    }

    async fn replace_identity_key(&self, expected_active: &[String]) -> Result<(), StoreError> {
        let now = self.clock.now();
        let key = new_record(
            &self.secrets.master_key,
            self.rng.as_ref(),
            IDENTITY_KEY_RING,
            "id",
            now,
        )
        .map_err(|e| StoreError::Backend(e.detail().into()))?;
        self.store.rotate_identity_keys(expected_active, &key, now).await
    }

    /// Replaces the active identity-token key. Tokens it signed keep verifying: the old key stays in the JWKS
    /// until every token it signed has expired.
    pub async fn rotate_identity_keys(&self) -> Result<()> {
        let records = self.store.list_identity_keys().await?;
        self.replace_identity_key(&active_kids(&records)).await?;
        self.identity_key_cache.forget(IDENTITY_KEY_RING);
        Ok(())
    }
}

fn active_kids(records: &[crate::store::SigningKeyRecord]) -> Vec<String> {
    records
        .iter()
        .filter(|r| r.retired.is_none())
        .map(|r| r.kid.clone())
        .collect()
}
