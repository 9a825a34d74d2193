//! Pools and app clients.

use async_trait::async_trait;

use super::{Page, StoreResult};
use crate::clients::AppClient;
use crate::pools::UserPool;

#[async_trait]
pub trait PoolStore: Send + Sync {
    /// Cheap round trip proving the backend answers (readiness).
    async fn ping(&self) -> StoreResult<()>;

    /// Insert a new pool. `Duplicate { kind: "user_pool" }` if the id exists.
    async fn insert_pool(&self, pool: &UserPool) -> StoreResult<()>;
    async fn get_pool(&self, pool_id: &str) -> StoreResult<Option<UserPool>>;
    /// Replace a pool if its stored `version` still equals `pool.version - 1`; `Conflict` otherwise, so
    /// read-modify-write updates from several nodes never lose each other's changes.
    async fn update_pool(&self, pool: &UserPool) -> StoreResult<()>;
    /// Delete a pool and everything in it (clients, users, codes, tokens, keys, groups, devices, domains), atomically. Returns
    /// whether it existed.
    async fn delete_pool(&self, pool_id: &str) -> StoreResult<bool>;
    /// Pools of one region ordered by id, starting after `after`.
    async fn list_pools(&self, region: &str, after: Option<&str>, limit: u32) -> StoreResult<Page<UserPool>>;

    /// Insert a client. `Duplicate { kind: "client" }` if the id exists; `Conflict` when the pool is gone.
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
