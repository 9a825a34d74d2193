//! Devices a user's sign-ins registered.

use async_trait::async_trait;

use super::{Page, StoreResult};
use crate::devices::Device;

#[async_trait]
pub trait DeviceStore: Send + Sync {
    /// `Duplicate { kind: "device" }` if the key exists in the pool; `Conflict` if the user is gone.
    async fn insert_device(&self, device: &Device) -> StoreResult<()>;
    async fn get_device(&self, pool_id: &str, device_key: &str) -> StoreResult<Option<Device>>;
    /// Replace a device if its stored `version` equals `device.version - 1` (as for pools); `Conflict` otherwise.
    async fn update_device(&self, device: &Device) -> StoreResult<()>;
    /// Returns whether the device existed.
    async fn delete_device(&self, pool_id: &str, device_key: &str) -> StoreResult<bool>;
    /// A user's devices ordered by device key, starting after `after`.
    async fn list_devices(
        &self,
        pool_id: &str,
        username: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<Device>>;
}
