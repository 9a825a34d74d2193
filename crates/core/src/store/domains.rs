//! User-pool domains (CreateUserPoolDomain): the hosted UI's host names, unique across every pool.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::StoreResult;
use crate::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainRecord {
    /// A prefix (`myapp`, serving `myapp.auth.<region>.amazoncognito.com`) or a custom domain (`auth.example.com`).
    pub domain: String,
    pub pool_id: String,
    /// Present for custom domains.
    pub custom_domain_config: Option<Value>,
    pub managed_login_version: Option<i64>,
    pub created: Timestamp,
}

impl DomainRecord {
    pub fn is_custom(&self) -> bool {
        self.custom_domain_config.is_some()
    }
}

#[async_trait]
pub trait DomainStore: Send + Sync {
    /// `Duplicate { kind: "domain" }` when any pool has the domain; `Conflict` when the pool is gone.
    async fn insert_domain(&self, domain: &DomainRecord) -> StoreResult<()>;
    async fn get_domain(&self, domain: &str) -> StoreResult<Option<DomainRecord>>;
    /// Replaces the record with the same domain; `Conflict` when there is none.
    async fn update_domain(&self, domain: &DomainRecord) -> StoreResult<()>;
    /// Returns whether the domain existed.
    async fn delete_domain(&self, domain: &str) -> StoreResult<bool>;
    /// The pool's domains (at most one prefix and one custom domain), ordered by domain.
    async fn domains_of_pool(&self, pool_id: &str) -> StoreResult<Vec<DomainRecord>>;
}
