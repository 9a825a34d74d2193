//! The identity-token key ring (`IdentityKeyStore`), stamped out per backend (see `crate::sql`).

/// Implements `IdentityKeyStore` for `$store`.
macro_rules! identity_key_store {
    ($store:ident) => {
        /// The identity-token key ring.
        mod identity_keys {
            use async_trait::async_trait;
            use latchkey_core::store::{IdentityKeyStore, SigningKeyRecord, StoreError, StoreResult};
            use latchkey_core::time::Timestamp;

            use super::$store;
            use crate::common::{backend, insert_error, key_doc, key_from_row, same_kids};

            fn changed() -> StoreError {
                StoreError::Conflict("the identity-token signing keys changed".into())
            }

            #[async_trait]
            impl IdentityKeyStore for $store {
                async fn list_identity_keys(&self) -> StoreResult<Vec<SigningKeyRecord>> {
                    let rows = sqlx::query_as::<_, (String, Option<i64>)>(
                        "SELECT doc, retired_ms FROM identity_signing_keys ORDER BY created_ms DESC, kid DESC",
                    )
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)?;
                    rows.into_iter().map(key_from_row).collect()
                }

                async fn rotate_identity_keys(
                    &self,
                    expected_active: &[String],
                    new: &SigningKeyRecord,
                    retired_at: Timestamp,
                ) -> StoreResult<()> {
                    // No lock is taken: the index that admits one unretired key orders two rotations. Of two that
                    // read the same active set, the second's insert meets the first's new key (PostgreSQL waits
                    // for the first to commit) and fails, and its whole transaction with it.
                    let mut tx = self.begin_write().await?;
                    let active: Vec<(String,)> =
                        sqlx::query_as("SELECT kid FROM identity_signing_keys WHERE retired_ms IS NULL")
                            .fetch_all(&mut *tx)
                            .await
                            .map_err(backend)?;
                    let active: Vec<String> = active.into_iter().map(|(kid,)| kid).collect();
                    if !same_kids(&active, expected_active) {
                        return Err(changed());
                    }
                    sqlx::query("UPDATE identity_signing_keys SET retired_ms = $1 WHERE retired_ms IS NULL")
                        .bind(retired_at.millis())
                        .execute(&mut *tx)
                        .await
                        .map_err(backend)?;
                    sqlx::query(
                        "INSERT INTO identity_signing_keys (kid, created_ms, retired_ms, doc) \
                         VALUES ($1, $2, NULL, $3)",
                    )
                    .bind(&new.kid)
                    .bind(new.created.millis())
                    .bind(key_doc(new)?)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| match insert_error(e, "kid", "identity key ring") {
                        StoreError::Duplicate { .. } => changed(),
                        other => other,
                    })?;
                    tx.commit().await.map_err(backend)
                }
            }
        }
    };
}
pub(crate) use identity_key_store;
