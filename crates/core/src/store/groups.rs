//! Groups and group membership.

use async_trait::async_trait;

use super::{Page, StoreResult};
use crate::groups::Group;
use crate::users::User;

#[async_trait]
pub trait GroupStore: Send + Sync {
    /// `Duplicate { kind: "group" }` if the name is taken in the pool; `Conflict` if the pool is gone.
    async fn insert_group(&self, group: &Group) -> StoreResult<()>;
    async fn get_group(&self, pool_id: &str, group_name: &str) -> StoreResult<Option<Group>>;
    /// Optimistic `version` rule as for pools.
    async fn update_group(&self, group: &Group) -> StoreResult<()>;
    /// Deletes the group and its memberships. Returns whether it existed.
    async fn delete_group(&self, pool_id: &str, group_name: &str) -> StoreResult<bool>;
    /// Groups ordered by name.
    async fn list_groups(&self, pool_id: &str, after: Option<&str>, limit: u32) -> StoreResult<Page<Group>>;
    /// Idempotent. `Conflict` if the user or the group is gone.
    async fn add_user_to_group(&self, pool_id: &str, group_name: &str, username: &str) -> StoreResult<()>;
    /// Returns whether the membership existed.
    async fn remove_user_from_group(
        &self,
        pool_id: &str,
        group_name: &str,
        username: &str,
    ) -> StoreResult<bool>;
    /// The user's groups ordered by name.
    async fn list_groups_for_user(
        &self,
        pool_id: &str,
        username: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<Group>>;
    /// The group's members ordered by username.
    async fn list_users_in_group(
        &self,
        pool_id: &str,
        group_name: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<User>>;
}
