//! The storage port. Every backend (embedded SQLite, PostgreSQL) implements `Store`, and the conformance suite in
//! `latchkey-store` holds each to the same behaviour. Writes that belong together happen inside one call, so a
//! backend can make them one transaction.

use async_trait::async_trait;

use crate::clients::AppClient;
use crate::pools::UserPool;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// An optimistic-concurrency check or a uniqueness constraint failed; the text names what.
    Conflict(String),
    /// The backend failed (connection, I/O, corrupt row). The text is for logs only.
    Backend(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Conflict(w) => write!(f, "conflict: {w}"),
            StoreError::Backend(w) => write!(f, "store backend error: {w}"),
        }
    }
}

impl std::error::Error for StoreError {}

pub type StoreResult<T> = Result<T, StoreError>;

/// A page of results: items in a stable order, and the key to continue after, when there is more.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

#[async_trait]
pub trait Store: Send + Sync {
    /// Cheap round trip proving the backend answers (readiness).
    async fn ping(&self) -> StoreResult<()>;

    /// Insert a new pool. `Conflict` if the id exists.
    async fn insert_pool(&self, pool: &UserPool) -> StoreResult<()>;
    async fn get_pool(&self, pool_id: &str) -> StoreResult<Option<UserPool>>;
    /// Replace a pool if its stored `version` still equals `pool.version - 1`; `Conflict` otherwise, so
    /// read-modify-write updates from several nodes never lose each other's changes.
    async fn update_pool(&self, pool: &UserPool) -> StoreResult<()>;
    /// Delete a pool and everything in it, atomically. Returns whether it existed.
    async fn delete_pool(&self, pool_id: &str) -> StoreResult<bool>;
    /// Pools of one region ordered by id, starting after `after`.
    async fn list_pools(&self, region: &str, after: Option<&str>, limit: u32) -> StoreResult<Page<UserPool>>;

    /// Insert a client. `Conflict` if the id exists. Fails with `Conflict` when the pool is gone.
    async fn insert_client(&self, client: &AppClient) -> StoreResult<()>;
    /// Find a client by id alone: ids are unique across pools and regions, which is how unsigned operations find
    /// their pool.
    async fn get_client(&self, client_id: &str) -> StoreResult<Option<AppClient>>;
    /// Replace a client under the same optimistic-concurrency rule as `update_pool`.
    async fn update_client(&self, client: &AppClient) -> StoreResult<()>;
    async fn delete_client(&self, pool_id: &str, client_id: &str) -> StoreResult<bool>;
    /// Clients of one pool ordered by id, starting after `after`.
    async fn list_clients(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<AppClient>>;
    async fn count_clients(&self, pool_id: &str) -> StoreResult<u64>;
}
