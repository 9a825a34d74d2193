//! The stored device and its wire form (`DeviceType`).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    pub pool_id: String,
    pub username: String,
    /// `{region}_{uuid}`, unique across the pool.
    pub device_key: String,
    pub device_group_key: String,
    /// SRP salt and verifier (hex) the device registered with ConfirmDevice; `None` until then.
    pub salt: Option<String>,
    pub verifier: Option<String>,
    pub name: Option<String>,
    pub remembered: bool,
    pub last_ip: Option<String>,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub last_authenticated: Timestamp,
    #[serde(skip)]
    pub version: i64,
}

impl Device {
    pub fn confirmed(&self) -> bool {
        self.verifier.is_some()
    }

    /// Cognito's `DeviceType`.
    pub fn to_wire(&self) -> Value {
        let mut attrs = vec![
            json!({"Name": "device_status", "Value": "valid"}),
            json!({"Name": "dev:device_remembered_status", "Value": if self.remembered { "remembered" } else { "not_remembered" }}),
        ];
        if let Some(n) = &self.name {
            attrs.push(json!({"Name": "device_name", "Value": n}));
        }
        if let Some(ip) = &self.last_ip {
            attrs.push(json!({"Name": "last_ip_used", "Value": ip}));
        }
        json!({
            "DeviceKey": self.device_key,
            "DeviceAttributes": attrs,
            "DeviceCreateDate": self.created,
            "DeviceLastModifiedDate": self.modified,
            "DeviceLastAuthenticatedDate": self.last_authenticated,
        })
    }
}
