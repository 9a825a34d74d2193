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
                    // No lock is taken. Two rotations that read the same active key both try to retire it by name;
                    // the second finds it retired (PostgreSQL waits for the first to commit, then rereads the row)
                    // and fails. Two first keys both insert; the index that admits one unretired key fails the
                    // second. Either way the loser's whole transaction goes with it.
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
                    // Each key retired by name, and only if still active: at READ COMMITTED a statement reads
                    // what committed before it started, so "every active key" could be a key another rotation
                    // just added. A key another rotation retired first matches nothing here, which is that
                    // rotation winning.
                    for kid in expected_active {
                        let retired = sqlx::query(
                            "UPDATE identity_signing_keys SET retired_ms = $1 \
                             WHERE kid = $2 AND retired_ms IS NULL",
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
