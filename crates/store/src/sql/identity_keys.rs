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
                    // No lock is taken. Of two rotations that read the same active set, the second retires
                    // nothing: each expected key is retired by its own row update, which waits for the first
                    // rotation's commit and then finds the key already retired (PostgreSQL re-checks the row), so
                    // the second fails instead of retiring the first's new key. The first rotation of all expects
                    // no keys; there the index that admits one unretired key makes the second insert fail.
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
                    for kid in expected_active {
                        let retired = sqlx::query(
                            "UPDATE identity_signing_keys SET retired_ms = $1 WHERE kid = $2 AND retired_ms IS NULL",
                        )
                        .bind(retired_at.millis())
                        .bind(kid)
                        .execute(&mut *tx)
                        .await
                        .map_err(backend)?;
                        if retired.rows_affected() != 1 {
                            return Err(changed());
                        }
                    }
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
