//! Identity pools, their identities, and the logins linked to those identities.

use async_trait::async_trait;

use super::{Page, StoreResult};
use crate::identity::{Identity, IdentityPool, Login};
use crate::time::Timestamp;

#[async_trait]
pub trait IdentityStore: Send + Sync {
    /// `Duplicate { kind: "identity_pool" }` if the id is taken.
    async fn insert_identity_pool(&self, pool: &IdentityPool) -> StoreResult<()>;
    async fn get_identity_pool(&self, id: &str) -> StoreResult<Option<IdentityPool>>;
    /// Optimistic `version` rule as for user pools: the stored version must be `pool.version - 1`, else
    /// `Conflict`.
    async fn update_identity_pool(&self, pool: &IdentityPool) -> StoreResult<()>;
    /// Deletes the pool with its identities and their logins. Returns whether it existed.
    async fn delete_identity_pool(&self, id: &str) -> StoreResult<bool>;
    /// Pools whose id starts with `id_prefix` (a region and its colon), ordered by id.
    async fn list_identity_pools(
        &self,
        id_prefix: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<IdentityPool>>;

    /// Creates an identity with its logins, in one transaction. `Duplicate { kind: "login" }` when one of the
    /// logins already belongs to an identity of the pool (a concurrent GetId won: read that one);
    /// `Conflict` when the pool is gone.
    async fn insert_identity(&self, identity: &Identity) -> StoreResult<()>;
    async fn get_identity(&self, identity_id: &str) -> StoreResult<Option<Identity>>;
    /// The identity of the pool that `login` is linked to.
    async fn identity_for_login(&self, pool_id: &str, login: &Login) -> StoreResult<Option<Identity>>;
    /// Links `logins` to the identity (those already linked to it are left alone) and sets its last-modified
    /// time. `Duplicate { kind: "login" }` when one belongs to another identity; `Conflict` when the identity is
    /// gone. Nothing is linked unless all are.
    async fn link_logins(&self, identity_id: &str, logins: &[Login], now: Timestamp) -> StoreResult<()>;
    /// Unlinks `logins` from the identity; returns how many were linked to it.
    async fn unlink_logins(&self, identity_id: &str, logins: &[Login], now: Timestamp) -> StoreResult<u64>;
    /// Moves every login of `provider` from `source` to `destination` and deletes `source` when it has no
    /// logins left. `Conflict` when either identity is gone.
    async fn merge_identities(
        &self,
        source: &str,
        destination: &str,
        provider: &str,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// Deletes the identities with their logins; returns the ids that did not exist.
    async fn delete_identities(&self, identity_ids: &[String]) -> StoreResult<Vec<String>>;
    /// The pool's identities ordered by id.
    async fn list_identities(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<Identity>>;
}
