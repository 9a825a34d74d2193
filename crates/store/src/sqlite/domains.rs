//! User-pool domains in SQLite.

use async_trait::async_trait;
use latchkey_core::store::{DomainRecord, DomainStore, StoreError, StoreResult};

use super::SqliteStore;
use crate::common::{backend, domain_doc, domain_from_doc, insert_error};

#[async_trait]
impl DomainStore for SqliteStore {
    async fn insert_domain(&self, domain: &DomainRecord) -> StoreResult<()> {
        sqlx::query("INSERT INTO domains (domain, pool_id, doc) VALUES (?, ?, ?)")
            .bind(&domain.domain)
            .bind(&domain.pool_id)
            .bind(domain_doc(domain)?)
            .execute(&self.pool)
            .await
            .map_err(|e| insert_error(e, "domain", &format!("user pool {}", domain.pool_id)))?;
        Ok(())
    }

    async fn get_domain(&self, domain: &str) -> StoreResult<Option<DomainRecord>> {
        sqlx::query_scalar::<_, String>("SELECT doc FROM domains WHERE domain = ?")
            .bind(domain)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?
            .map(|doc| domain_from_doc(&doc))
            .transpose()
    }

    async fn update_domain(&self, domain: &DomainRecord) -> StoreResult<()> {
        // A domain stays with the pool it was created in: a record naming another pool finds no row.
        let done = sqlx::query("UPDATE domains SET doc = ? WHERE domain = ? AND pool_id = ?")
            .bind(domain_doc(domain)?)
            .bind(&domain.domain)
            .bind(&domain.pool_id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!(
                "domain {} of pool {} is gone",
                domain.domain, domain.pool_id
            )));
        }
        Ok(())
    }

    async fn delete_domain(&self, domain: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM domains WHERE domain = ?")
            .bind(domain)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected() > 0)
    }

    async fn domains_of_pool(&self, pool_id: &str) -> StoreResult<Vec<DomainRecord>> {
        sqlx::query_scalar::<_, String>("SELECT doc FROM domains WHERE pool_id = ? ORDER BY domain")
            .bind(pool_id)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?
            .iter()
            .map(|doc| domain_from_doc(doc))
            .collect()
    }
}
