//! The user-pool document as stored, shaped as Cognito's `UserPoolType` so DescribeUserPool can return it as is.
//!
//! Settings Latchkey enforces are typed; settings that are only stored and echoed (SMS configuration, add-ons,
//! newer members the API model knows) are kept as validated JSON so they round-trip exactly.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::mfa::MfaSettings;
use super::schema::SchemaAttribute;
use crate::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserPool {
    pub id: String,
    pub name: String,
    pub policies: Policies,
    pub deletion_protection: String,
    pub lambda_config: Value,
    pub last_modified_date: Timestamp,
    pub creation_date: Timestamp,
    pub schema_attributes: Vec<SchemaAttribute>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub auto_verified_attributes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias_attributes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username_attributes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_verification_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verification_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verification_subject: Option<String>,
    pub verification_message_template: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_authentication_message: Option<String>,
    pub user_attribute_update_settings: Value,
    pub mfa_configuration: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_configuration: Option<DeviceConfiguration>,
    pub email_configuration: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_configuration: Option<Value>,
    pub user_pool_tags: BTreeMap<String, String>,
    pub admin_create_user_config: AdminCreateUserConfig,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_pool_add_ons: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username_configuration: Option<UsernameConfiguration>,
    pub arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_recovery_setting: Option<Value>,
    pub user_pool_tier: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_domain: Option<String>,
    /// Newer `UserPoolType` members (DcrConfiguration, KeyConfiguration, ...) that the API model validated and
    /// Latchkey stores as given.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
    /// Not part of `UserPoolType`: what Get/SetUserPoolMfaConfig manage beyond `MfaConfiguration`.
    #[serde(rename = "LatchkeyMfaSettings", default)]
    pub mfa_settings: MfaSettings,
    /// Not part of `UserPoolType`: the pool's resource servers (CreateResourceServer and friends).
    #[serde(rename = "LatchkeyResourceServers", default)]
    pub resource_servers: Vec<crate::oauth::ResourceServer>,
    /// Not part of `UserPoolType`: hosted-UI customizations by client id ("ALL" for the pool's).
    #[serde(rename = "LatchkeyUiCustomizations", default)]
    pub ui_customizations: BTreeMap<String, crate::oauth::ui::UiCustomization>,
    /// Optimistic-concurrency counter, kept by the store in its own column.
    #[serde(skip)]
    pub version: i64,
}

/// Keys of the stored document that are Latchkey's own and never part of the wire shape.
pub const INTERNAL_KEYS: &[&str] = &[
    "LatchkeyMfaSettings",
    "LatchkeyResourceServers",
    "LatchkeyUiCustomizations",
];

impl UserPool {
    pub fn region(&self) -> &str {
        crate::ids::region_of_pool(&self.id).unwrap_or_default()
    }

    /// `UserPoolType` as DescribeUserPool answers it.
    pub fn to_wire(&self, estimated_users: u64) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut v {
            for k in INTERNAL_KEYS {
                map.remove(*k);
            }
            map.insert("EstimatedNumberOfUsers".into(), Value::from(estimated_users));
        }
        v
    }

    /// `UserPoolDescriptionType` as ListUserPools answers it.
    pub fn to_description(&self) -> Value {
        serde_json::json!({
            "Id": self.id,
            "Name": self.name,
            "LambdaConfig": self.lambda_config,
            "LastModifiedDate": self.last_modified_date,
            "CreationDate": self.creation_date,
        })
    }

    pub fn is_case_sensitive(&self) -> bool {
        self.username_configuration
            .as_ref()
            .is_none_or(|c| c.case_sensitive)
    }

    pub fn custom_attribute_count(&self) -> usize {
        self.schema_attributes
            .iter()
            .filter(|a| a.name.starts_with("custom:") || a.name.starts_with("dev:"))
            .count()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Policies {
    pub password_policy: PasswordPolicy,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_in_policy: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PasswordPolicy {
    pub minimum_length: u32,
    pub require_uppercase: bool,
    pub require_lowercase: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_history_size: Option<u32>,
    pub temporary_password_validity_days: u32,
}

impl Default for PasswordPolicy {
    /// Cognito's default: 8 characters and all four character classes, temporary passwords valid 7 days.
    fn default() -> Self {
        Self {
            minimum_length: 8,
            require_uppercase: true,
            require_lowercase: true,
            require_numbers: true,
            require_symbols: true,
            password_history_size: None,
            temporary_password_validity_days: 7,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct AdminCreateUserConfig {
    #[serde(default)]
    pub allow_admin_create_user_only: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unused_account_validity_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_message_template: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct DeviceConfiguration {
    #[serde(default)]
    pub challenge_required_on_new_device: bool,
    #[serde(default)]
    pub device_only_remembered_on_user_prompt: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UsernameConfiguration {
    pub case_sensitive: bool,
}

/// Input form of `UserPoolPolicyType`: every member optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PoliciesInput {
    pub password_policy: Option<PasswordPolicyInput>,
    pub sign_in_policy: Option<Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PasswordPolicyInput {
    pub minimum_length: Option<u32>,
    pub require_uppercase: Option<bool>,
    pub require_lowercase: Option<bool>,
    pub require_numbers: Option<bool>,
    pub require_symbols: Option<bool>,
    pub password_history_size: Option<u32>,
    pub temporary_password_validity_days: Option<u32>,
}

impl PoliciesInput {
    /// Cognito's reading of a policy: with no PasswordPolicy the defaults apply; a given PasswordPolicy is taken
    /// as written, absent booleans meaning `false` and an absent length meaning 8.
    pub fn resolve(self) -> Policies {
        let password_policy = match self.password_policy {
            None => PasswordPolicy::default(),
            Some(p) => PasswordPolicy {
                minimum_length: p.minimum_length.unwrap_or(8),
                require_uppercase: p.require_uppercase.unwrap_or(false),
                require_lowercase: p.require_lowercase.unwrap_or(false),
                require_numbers: p.require_numbers.unwrap_or(false),
                require_symbols: p.require_symbols.unwrap_or(false),
                password_history_size: p.password_history_size,
                temporary_password_validity_days: p.temporary_password_validity_days.unwrap_or(7),
            },
        };
        let sign_in_policy = Some(
            self.sign_in_policy
                .unwrap_or_else(|| serde_json::json!({"AllowedFirstAuthFactors": ["PASSWORD"]})),
        );
        Policies {
            password_policy,
            sign_in_policy,
        }
    }
}
