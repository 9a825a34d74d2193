//! Groups and group membership (`GroupStore`), stamped out per backend (see `crate::sql`).

/// The refresh path's group read: one page of a user's groups (`$1` pool, `$2` username) after the group name
/// `$3`, at most `$4` rows.
pub(crate) const GROUPS_FOR_USER: &str = "SELECT g.doc, g.version FROM group_members m \
     JOIN user_groups g ON g.pool_id = m.pool_id AND g.group_name = m.group_name \
     WHERE m.pool_id = $1 AND m.username = $2 AND m.group_name > $3 \
     ORDER BY m.group_name LIMIT $4";

/// Implements `GroupStore` for `$store`.
macro_rules! group_store {
    ($store:ident) => {
        /// Groups and group membership.
        mod groups {
            use async_trait::async_trait;
            use latchkey_core::groups::Group;
            use latchkey_core::store::{GroupStore, Page, StoreResult};
            use latchkey_core::users::User;

            use super::run::versioned_update;
            use super::$store;
            use crate::common::{changed_or_gone, group_doc, group_from_row, user_from_row};

            #[async_trait]
            impl GroupStore for $store {
                async fn insert_group(&self, group: &Group) -> StoreResult<()> {
                    let insert = sqlx::query(
                        "INSERT INTO user_groups (pool_id, group_name, version, doc) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(&group.user_pool_id)
                    .bind(&group.group_name)
                    .bind(group.version)
                    .bind(group_doc(group)?);
                    self.insert(insert, "group", || {
                        format!("user pool {}", group.user_pool_id)
                    })
                    .await
                }

                async fn get_group(&self, pool_id: &str, group_name: &str) -> StoreResult<Option<Group>> {
                    let query = sqlx::query_as(
                        "SELECT doc, version FROM user_groups WHERE pool_id = $1 AND group_name = $2",
                    )
                    .bind(pool_id)
                    .bind(group_name);
                    self.optional(query, group_from_row).await
                }

                async fn update_group(&self, group: &Group) -> StoreResult<()> {
                    let update = versioned_update(
                        "UPDATE user_groups SET doc = $1, version = $2 \
                         WHERE pool_id = $3 AND group_name = $4 AND version = $5",
                        group_doc(group)?,
                        group.version,
                        &[&group.user_pool_id, &group.group_name],
                    );
                    self.update(update, || {
                        changed_or_gone(&format!("group {}", group.group_name))
                    })
                    .await
                }

                async fn delete_group(&self, pool_id: &str, group_name: &str) -> StoreResult<bool> {
                    let owner = "pool_id = $1 AND group_name = $2";
                    let record = "DELETE FROM user_groups WHERE pool_id = $1 AND group_name = $2";
                    self.delete_owned(&["group_members"], owner, record, &[pool_id, group_name])
                        .await
                }

                async fn list_groups(
                    &self,
                    pool_id: &str,
                    after: Option<&str>,
                    limit: u32,
                ) -> StoreResult<Page<Group>> {
                    let query = sqlx::query_as(
                        "SELECT doc, version FROM user_groups \
                         WHERE pool_id = $1 AND group_name > $2 ORDER BY group_name LIMIT $3",
                    )
                    .bind(pool_id)
                    .bind(after.unwrap_or(""));
                    self.page(query, group_from_row, limit, |g| &g.group_name)
                        .await
                }

                async fn add_user_to_group(
                    &self,
                    pool_id: &str,
                    group_name: &str,
                    username: &str,
                ) -> StoreResult<()> {
                    // DO NOTHING covers only the membership's own key: a missing user or group still fails its
                    // foreign key.
                    let insert = sqlx::query(
                        "INSERT INTO group_members (pool_id, group_name, username) VALUES ($1, $2, $3) \
                         ON CONFLICT (pool_id, group_name, username) DO NOTHING",
                    )
                    .bind(pool_id)
                    .bind(group_name)
                    .bind(username);
                    self.insert(insert, "membership", || {
                        format!("user {username} or group {group_name}")
                    })
                    .await
                }

                async fn remove_user_from_group(
                    &self,
                    pool_id: &str,
                    group_name: &str,
                    username: &str,
                ) -> StoreResult<bool> {
                    let delete = sqlx::query(
                        "DELETE FROM group_members WHERE pool_id = $1 AND group_name = $2 AND username = $3",
                    )
                    .bind(pool_id)
                    .bind(group_name)
                    .bind(username);
                    self.delete(delete).await
                }

                async fn list_groups_for_user(
                    &self,
                    pool_id: &str,
                    username: &str,
                    after: Option<&str>,
                    limit: u32,
                ) -> StoreResult<Page<Group>> {
                    let keys = [pool_id, username, after.unwrap_or("")];
                    let sql = crate::sql::groups::GROUPS_FOR_USER;
                    self.find_page(sql, &keys, group_from_row, limit, |g| &g.group_name)
                        .await
                }

                async fn list_users_in_group(
                    &self,
                    pool_id: &str,
                    group_name: &str,
                    after: Option<&str>,
                    limit: u32,
                ) -> StoreResult<Page<User>> {
                    let query = sqlx::query_as(
                        "SELECT u.doc, u.version FROM group_members m \
                         JOIN users u ON u.pool_id = m.pool_id AND u.username = m.username \
                         WHERE m.pool_id = $1 AND m.group_name = $2 AND m.username > $3 \
                         ORDER BY m.username LIMIT $4",
                    )
                    .bind(pool_id)
                    .bind(group_name)
                    .bind(after.unwrap_or(""));
                    self.page(query, user_from_row, limit, |u| &u.username)
                        .await
                }
            }
        }
    };
}
pub(crate) use group_store;
