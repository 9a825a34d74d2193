//! Pools and app clients in SQLite.

use async_trait::async_trait;
use latchkey_core::clients::AppClient;
use latchkey_core::pools::UserPool;
use latchkey_core::store::{Page, PoolStore, StoreResult};

use super::SqliteStore;
use crate::common::{
    backend, changed_or_gone, client_doc, client_from_row, count, fetch_limit, insert_error, page_of,
    pool_doc, pool_from_row, previous_version,
};

/// Everything a pool owns, children before parents. The foreign keys cascade too; deleting explicitly keeps
/// `delete_pool` complete should a connection run with foreign_keys off.
const POOL_TABLES: [&str; 11] = [
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

#[async_trait]
impl PoolStore for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn insert_pool(&self, pool: &UserPool) -> StoreResult<()> {
        sqlx::query("INSERT INTO user_pools (id, region, version, doc) VALUES (?, ?, ?, ?)")
            .bind(&pool.id)
            .bind(pool.region())
            .bind(pool.version)
            .bind(pool_doc(pool)?)
            .execute(&self.pool)
            .await
            .map_err(|e| insert_error(e, "user_pool", "user pool"))?;
        Ok(())
    }

    async fn get_pool(&self, pool_id: &str) -> StoreResult<Option<UserPool>> {
        sqlx::query_as::<_, (String, i64)>("SELECT doc, version FROM user_pools WHERE id = ?")
            .bind(pool_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?
            .map(pool_from_row)
            .transpose()
    }

    async fn update_pool(&self, pool: &UserPool) -> StoreResult<()> {
        let done = sqlx::query("UPDATE user_pools SET doc = ?, version = ? WHERE id = ? AND version = ?")
            .bind(pool_doc(pool)?)
            .bind(pool.version)
            .bind(&pool.id)
            .bind(previous_version(pool.version))
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        if done.rows_affected() == 0 {
            return Err(changed_or_gone(&format!("user pool {}", pool.id)));
        }
        Ok(())
    }

    async fn delete_pool(&self, pool_id: &str) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        for table in POOL_TABLES {
            sqlx::query(&format!("DELETE FROM {table} WHERE pool_id = ?"))
                .bind(pool_id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
        let done = sqlx::query("DELETE FROM user_pools WHERE id = ?")
            .bind(pool_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(done.rows_affected() > 0)
    }

    async fn list_pools(&self, region: &str, after: Option<&str>, limit: u32) -> StoreResult<Page<UserPool>> {
        let rows = sqlx::query_as::<_, (String, i64)>(
            "SELECT doc, version FROM user_pools WHERE region = ? AND id > ? ORDER BY id LIMIT ?",
        )
        .bind(region)
        .bind(after.unwrap_or(""))
        .bind(fetch_limit(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        page_of(rows, pool_from_row, limit, |p| &p.id)
    }

    async fn insert_client(&self, client: &AppClient) -> StoreResult<()> {
        sqlx::query("INSERT INTO user_pool_clients (client_id, pool_id, version, doc) VALUES (?, ?, ?, ?)")
            .bind(&client.client_id)
            .bind(&client.user_pool_id)
            .bind(client.version)
            .bind(client_doc(client)?)
            .execute(&self.pool)
            .await
            .map_err(|e| insert_error(e, "client", &format!("user pool {}", client.user_pool_id)))?;
        Ok(())
    }

    async fn get_client(&self, client_id: &str) -> StoreResult<Option<AppClient>> {
        sqlx::query_as::<_, (String, i64)>("SELECT doc, version FROM user_pool_clients WHERE client_id = ?")
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?
            .map(client_from_row)
            .transpose()
    }

    async fn update_client(&self, client: &AppClient) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE user_pool_clients SET doc = ?, version = ? \
             WHERE client_id = ? AND pool_id = ? AND version = ?",
        )
        .bind(client_doc(client)?)
        .bind(client.version)
        .bind(&client.client_id)
        .bind(&client.user_pool_id)
        .bind(previous_version(client.version))
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        if done.rows_affected() == 0 {
            return Err(changed_or_gone(&format!("app client {}", client.client_id)));
        }
        Ok(())
    }

    async fn delete_client(&self, pool_id: &str, client_id: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM user_pool_clients WHERE pool_id = ? AND client_id = ?")
            .bind(pool_id)
            .bind(client_id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected() > 0)
    }

    async fn list_clients(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<AppClient>> {
        let rows = sqlx::query_as::<_, (String, i64)>(
            "SELECT doc, version FROM user_pool_clients \
             WHERE pool_id = ? AND client_id > ? ORDER BY client_id LIMIT ?",
        )
        .bind(pool_id)
        .bind(after.unwrap_or(""))
        .bind(fetch_limit(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        page_of(rows, client_from_row, limit, |c| &c.client_id)
    }

    async fn count_clients(&self, pool_id: &str) -> StoreResult<u64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM user_pool_clients WHERE pool_id = ?")
            .bind(pool_id)
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;
        count(n)
    }
}
