//! Devices (`DeviceStore`), stamped out per backend (see `crate::sql`).

/// Implements `DeviceStore` for `$store`.
macro_rules! device_store {
    ($store:ident) => {
        /// Devices.
        mod devices {
            use async_trait::async_trait;
            use latchkey_core::devices::Device;
            use latchkey_core::store::{DeviceStore, Page, StoreResult};

            use super::$store;
            use crate::common::{changed_or_gone, device_doc, device_from_row, insert_error, previous_version};

            #[async_trait]
            impl DeviceStore for $store {
                async fn insert_device(&self, device: &Device) -> StoreResult<()> {
                    let insert = sqlx::query(
                        "INSERT INTO devices (pool_id, device_key, username, version, doc) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&device.pool_id)
                    .bind(&device.device_key)
                    .bind(&device.username)
                    .bind(device.version)
                    .bind(device_doc(device)?);
                    self.insert(insert, "device", || format!("user {}", device.username))
                        .await
                }

                async fn get_device(&self, pool_id: &str, device_key: &str) -> StoreResult<Option<Device>> {
                    let query = sqlx::query_as(
                        "SELECT doc, version FROM devices WHERE pool_id = $1 AND device_key = $2",
                    )
                    .bind(pool_id)
                    .bind(device_key);
                    self.optional(query, device_from_row).await
                }

                async fn update_device(&self, device: &Device) -> StoreResult<()> {
                    // The username column follows the document; a user that is gone fails the foreign key.
                    let update = sqlx::query(
                        "UPDATE devices SET username = $1, doc = $2, version = $3 \
                         WHERE pool_id = $4 AND device_key = $5 AND version = $6",
                    )
                    .bind(&device.username)
                    .bind(device_doc(device)?)
                    .bind(device.version)
                    .bind(&device.pool_id)
                    .bind(&device.device_key)
                    .bind(previous_version(device.version));
                    let changed = self
                        .changed(update)
                        .await
                        .map_err(|e| insert_error(e, "device", &format!("user {}", device.username)))?;
                    if changed == 0 {
                        return Err(changed_or_gone(&format!("device {}", device.device_key)));
                    }
                    Ok(())
                }

                async fn delete_device(&self, pool_id: &str, device_key: &str) -> StoreResult<bool> {
                    let delete = sqlx::query("DELETE FROM devices WHERE pool_id = $1 AND device_key = $2")
                        .bind(pool_id)
                        .bind(device_key);
                    self.delete(delete).await
                }

                async fn list_devices(
                    &self,
                    pool_id: &str,
                    username: &str,
                    after: Option<&str>,
                    limit: u32,
                ) -> StoreResult<Page<Device>> {
                    let query = sqlx::query_as(
                        "SELECT doc, version FROM devices \
                         WHERE pool_id = $1 AND username = $2 AND device_key > $3 ORDER BY device_key LIMIT $4",
                    )
                    .bind(pool_id)
                    .bind(username)
                    .bind(after.unwrap_or(""));
                    self.page(query, device_from_row, limit, |d| &d.device_key).await
                }
            }
        }
    };
}
pub(crate) use device_store;
