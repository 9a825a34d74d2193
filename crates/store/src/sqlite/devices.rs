//! Devices in SQLite.

use async_trait::async_trait;
use latchkey_core::devices::Device;
use latchkey_core::store::{DeviceStore, Page, StoreResult};

use super::SqliteStore;
use crate::common::{
    backend, changed_or_gone, device_doc, device_from_row, fetch_limit, insert_error, page_of,
    previous_version,
};

#[async_trait]
impl DeviceStore for SqliteStore {
    async fn insert_device(&self, device: &Device) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO devices (pool_id, device_key, username, version, doc) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&device.pool_id)
        .bind(&device.device_key)
        .bind(&device.username)
        .bind(device.version)
        .bind(device_doc(device)?)
        .execute(&self.pool)
        .await
        .map_err(|e| insert_error(e, "device", &format!("user {}", device.username)))?;
        Ok(())
    }

    async fn get_device(&self, pool_id: &str, device_key: &str) -> StoreResult<Option<Device>> {
        sqlx::query_as::<_, (String, i64)>(
            "SELECT doc, version FROM devices WHERE pool_id = ? AND device_key = ?",
        )
        .bind(pool_id)
        .bind(device_key)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?
        .map(device_from_row)
        .transpose()
    }

    async fn update_device(&self, device: &Device) -> StoreResult<()> {
        // The username column follows the document; a user that is gone fails the foreign key.
        let done = sqlx::query(
            "UPDATE devices SET username = ?, doc = ?, version = ? \
             WHERE pool_id = ? AND device_key = ? AND version = ?",
        )
        .bind(&device.username)
        .bind(device_doc(device)?)
        .bind(device.version)
        .bind(&device.pool_id)
        .bind(&device.device_key)
        .bind(previous_version(device.version))
        .execute(&self.pool)
        .await
        .map_err(|e| insert_error(e, "device", &format!("user {}", device.username)))?;
        if done.rows_affected() == 0 {
            return Err(changed_or_gone(&format!("device {}", device.device_key)));
        }
        Ok(())
    }

    async fn delete_device(&self, pool_id: &str, device_key: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM devices WHERE pool_id = ? AND device_key = ?")
            .bind(pool_id)
            .bind(device_key)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected() > 0)
    }

    async fn list_devices(
        &self,
        pool_id: &str,
        username: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<Device>> {
        let rows = sqlx::query_as::<_, (String, i64)>(
            "SELECT doc, version FROM devices \
             WHERE pool_id = ? AND username = ? AND device_key > ? ORDER BY device_key LIMIT ?",
        )
        .bind(pool_id)
        .bind(username)
        .bind(after.unwrap_or(""))
        .bind(fetch_limit(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        page_of(rows, device_from_row, limit, |d| &d.device_key)
    }
}
