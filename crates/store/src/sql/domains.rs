//! User-pool domains (`DomainStore`), stamped out per backend (see `crate::sql`).

/// Implements `DomainStore` for `$store`.
macro_rules! domain_store {
    ($store:ident) => {
        /// User-pool domains.
        mod domains {
            use async_trait::async_trait;
            use latchkey_core::store::{DomainRecord, DomainStore, StoreError, StoreResult};

            use super::$store;
            use crate::common::{backend, domain_doc, domain_from_doc};

            #[async_trait]
            impl DomainStore for $store {
                async fn insert_domain(&self, domain: &DomainRecord) -> StoreResult<()> {
                    let insert =
                        sqlx::query("INSERT INTO domains (domain, pool_id, doc) VALUES ($1, $2, $3)")
                            .bind(&domain.domain)
                            .bind(&domain.pool_id)
                            .bind(domain_doc(domain)?);
                    self.insert(insert, "domain", || format!("user pool {}", domain.pool_id))
                        .await
                }

                async fn get_domain(&self, domain: &str) -> StoreResult<Option<DomainRecord>> {
                    let query = sqlx::query_as("SELECT doc FROM domains WHERE domain = $1").bind(domain);
                    self.optional(query, |(doc,): (String,)| domain_from_doc(&doc))
                        .await
                }

                async fn update_domain(&self, domain: &DomainRecord) -> StoreResult<()> {
                    // A domain stays with the pool it was created in: a record naming another pool finds no row.
                    let update =
                        sqlx::query("UPDATE domains SET doc = $1 WHERE domain = $2 AND pool_id = $3")
                            .bind(domain_doc(domain)?)
                            .bind(&domain.domain)
                            .bind(&domain.pool_id);
                    self.update(update, || {
                        StoreError::Conflict(format!(
                            "domain {} of pool {} is gone",
                            domain.domain, domain.pool_id
                        ))
                    })
                    .await
                }

                async fn delete_domain(&self, domain: &str) -> StoreResult<bool> {
                    let delete = sqlx::query("DELETE FROM domains WHERE domain = $1").bind(domain);
                    self.delete(delete).await
                }

                async fn domains_of_pool(&self, pool_id: &str) -> StoreResult<Vec<DomainRecord>> {
                    sqlx::query_scalar::<_, String>(
                        "SELECT doc FROM domains WHERE pool_id = $1 ORDER BY domain",
                    )
                    .bind(pool_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)?
                    .iter()
                    .map(|doc| domain_from_doc(doc))
                    .collect()
                }
            }
        }
    };
}
pub(crate) use domain_store;
