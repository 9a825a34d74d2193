//! Pools and app clients (`PoolStore`), stamped out per backend (see `crate::sql`).

/// Everything a pool owns, children before parents (see `delete_owned`).
pub(crate) const POOL_TABLES: [&str; 11] = [
    "domains",
    "devices",
    "group_members",
    "user_groups",
    "codes",
    "refresh_tokens",
    "user_search",
    "user_lookups",
    "users",
    "signing_keys",
    "user_pool_clients",
];

/// Implements `PoolStore` for `$store`.
macro_rules! pool_store {
    ($store:ident) => {
        /// Pools and app clients.
        mod pools {
            use async_trait::async_trait;
            use latchkey_core::clients::AppClient;
            use latchkey_core::pools::UserPool;
            use latchkey_core::store::{Page, PoolStore, StoreResult};

            use super::run::versioned_update;
            use super::$store;
            use crate::common::{
                backend, changed_or_gone, client_doc, client_from_row, count, pool_doc, pool_from_row,
            };
            use crate::sql::pools::POOL_TABLES;

            #[async_trait]
            impl PoolStore for $store {
                async fn ping(&self) -> StoreResult<()> {
                    self.changed(sqlx::query("SELECT 1")).await.map_err(backend)?;
                    Ok(())
                }

                async fn insert_pool(&self, pool: &UserPool) -> StoreResult<()> {
                    let insert = sqlx::query(
                        "INSERT INTO user_pools (id, region, version, doc) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(&pool.id)
                    .bind(pool.region())
                    .bind(pool.version)
                    .bind(pool_doc(pool)?);
                    self.insert(insert, "user_pool", || "user pool".into()).await
                }

                async fn get_pool(&self, pool_id: &str) -> StoreResult<Option<UserPool>> {
                    let query = sqlx::query_as("SELECT doc, version FROM user_pools WHERE id = $1").bind(pool_id);
                    self.optional(query, pool_from_row).await
                }

                async fn update_pool(&self, pool: &UserPool) -> StoreResult<()> {
                    let update = versioned_update(
                        "UPDATE user_pools SET doc = $1, version = $2 WHERE id = $3 AND version = $4",
                        pool_doc(pool)?,
                        pool.version,
                        &[&pool.id],
                    );
                    self.update(update, || changed_or_gone(&format!("user pool {}", pool.id)))
                        .await
                }

                async fn delete_pool(&self, pool_id: &str) -> StoreResult<bool> {
                    let record = "DELETE FROM user_pools WHERE id = $1";
                    self.delete_owned(&POOL_TABLES, "pool_id = $1", record, &[pool_id])
                        .await
                }

                async fn list_pools(
                    &self,
                    region: &str,
                    after: Option<&str>,
                    limit: u32,
                ) -> StoreResult<Page<UserPool>> {
                    let query = sqlx::query_as(
                        "SELECT doc, version FROM user_pools WHERE region = $1 AND id > $2 ORDER BY id LIMIT $3",
                    )
                    .bind(region)
                    .bind(after.unwrap_or(""));
                    self.page(query, pool_from_row, limit, |p| &p.id).await
                }

                async fn insert_client(&self, client: &AppClient) -> StoreResult<()> {
                    let insert = sqlx::query(
                        "INSERT INTO user_pool_clients (client_id, pool_id, version, doc) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(&client.client_id)
                    .bind(&client.user_pool_id)
                    .bind(client.version)
                    .bind(client_doc(client)?);
                    self.insert(insert, "client", || format!("user pool {}", client.user_pool_id))
                        .await
                }

                async fn get_client(&self, client_id: &str) -> StoreResult<Option<AppClient>> {
                    let query = sqlx::query_as("SELECT doc, version FROM user_pool_clients WHERE client_id = $1")
                        .bind(client_id);
                    self.optional(query, client_from_row).await
                }

                async fn update_client(&self, client: &AppClient) -> StoreResult<()> {
                    let update = versioned_update(
                        "UPDATE user_pool_clients SET doc = $1, version = $2 \
                         WHERE client_id = $3 AND pool_id = $4 AND version = $5",
                        client_doc(client)?,
                        client.version,
                        &[&client.client_id, &client.user_pool_id],
                    );
                    self.update(update, || changed_or_gone(&format!("app client {}", client.client_id)))
                        .await
                }

                async fn delete_client(&self, pool_id: &str, client_id: &str) -> StoreResult<bool> {
                    let delete = sqlx::query("DELETE FROM user_pool_clients WHERE pool_id = $1 AND client_id = $2")
                        .bind(pool_id)
                        .bind(client_id);
                    self.delete(delete).await
                }

                async fn list_clients(
                    &self,
                    pool_id: &str,
                    after: Option<&str>,
                    limit: u32,
                ) -> StoreResult<Page<AppClient>> {
                    let query = sqlx::query_as(
                        "SELECT doc, version FROM user_pool_clients \
                         WHERE pool_id = $1 AND client_id > $2 ORDER BY client_id LIMIT $3",
                    )
                    .bind(pool_id)
                    .bind(after.unwrap_or(""));
                    self.page(query, client_from_row, limit, |c| &c.client_id).await
                }

                async fn count_clients(&self, pool_id: &str) -> StoreResult<u64> {
                    let (n,): (i64,) =
                        sqlx::query_as("SELECT COUNT(*) FROM user_pool_clients WHERE pool_id = $1")
                            .bind(pool_id)
                            .fetch_one(&self.pool)
                            .await
                            .map_err(backend)?;
                    count(n)
                }
            }
        }
    };
}
pub(crate) use pool_store;
