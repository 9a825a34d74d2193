//! The embedded SQLite backend: one database file, opened in WAL mode behind a small connection pool.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use latchkey_core::clients::AppClient;
use latchkey_core::pools::UserPool;
use latchkey_core::store::{Page, Store, StoreError, StoreResult};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::common::{
    backend, client_doc, client_from_row, count, fetch_limit, insert_error, migration, page, pool_doc,
    pool_from_row, previous_version,
};

/// WAL lets readers proceed while one connection writes; more connections would only queue to write.
const MAX_CONNECTIONS: u32 = 8;
/// How long a statement waits for another connection's write lock before failing with "database is locked".
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating when missing) the database a `sqlite://` URL names and applies pending migrations.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(backend)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // In WAL mode NORMAL cannot corrupt the database; a power loss may only drop the latest commits.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect_with(options)
            .await
            .map_err(backend)?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&pool)
            .await
            .map_err(migration)?;
        tracing::debug!("sqlite store ready");
        Ok(Self { pool })
    }

    /// Closes every connection, checkpointing the WAL. Further calls fail.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[async_trait]
impl Store for SqliteStore {
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
            .map_err(|e| insert_error(e, &format!("user pool {}", pool.id)))?;
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
            return Err(StoreError::Conflict(format!(
                "user pool {} changed or is gone",
                pool.id
            )));
        }
        Ok(())
    }

    async fn delete_pool(&self, pool_id: &str) -> StoreResult<bool> {
        // IMMEDIATE takes the write lock up front, so the busy timeout applies instead of a mid-transaction
        // SQLITE_BUSY when another connection writes between our statements.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(backend)?;
        // The foreign key cascades too; deleting explicitly keeps this correct should foreign_keys be off.
        sqlx::query("DELETE FROM user_pool_clients WHERE pool_id = ?")
            .bind(pool_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
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
        let pools = rows
            .into_iter()
            .map(pool_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(page(pools, limit, |p| &p.id))
    }

    async fn insert_client(&self, client: &AppClient) -> StoreResult<()> {
        sqlx::query("INSERT INTO user_pool_clients (client_id, pool_id, version, doc) VALUES (?, ?, ?, ?)")
            .bind(&client.client_id)
            .bind(&client.user_pool_id)
            .bind(client.version)
            .bind(client_doc(client)?)
            .execute(&self.pool)
            .await
            .map_err(|e| insert_error(e, &format!("app client {}", client.client_id)))?;
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
            return Err(StoreError::Conflict(format!(
                "app client {} changed or is gone",
                client.client_id
            )));
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
        let clients = rows
            .into_iter()
            .map(client_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(page(clients, limit, |c| &c.client_id))
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
