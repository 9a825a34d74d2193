//! CreateUserPool, DescribeUserPool, ListUserPools, DeleteUserPool and GetCSVHeader.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};

use super::model::*;
use super::schema::{schema_for_new_pool, SchemaAttributeInput};
use crate::error::{CognitoError, ErrorKind, Result};
use crate::service::pagination::page_of;
use crate::service::Latchkey;
use crate::store::Page;

/// Cognito allows at most 50 tags on a pool.
pub const MAX_TAGS: usize = 50;

/// The settings CreateUserPool and UpdateUserPool share. UpdateUserPool resets every one it omits to its
/// default, as Cognito documents, so both operations resolve them the same way.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PoolSettingsInput {
    pub policies: Option<PoliciesInput>,
    pub lambda_config: Option<Value>,
    pub auto_verified_attributes: Option<Vec<String>>,
    pub sms_verification_message: Option<String>,
    pub email_verification_message: Option<String>,
    pub email_verification_subject: Option<String>,
    pub verification_message_template: Option<Value>,
    pub sms_authentication_message: Option<String>,
    pub mfa_configuration: Option<String>,
    pub user_attribute_update_settings: Option<Value>,
    pub device_configuration: Option<DeviceConfiguration>,
    pub email_configuration: Option<Value>,
    pub sms_configuration: Option<Value>,
    pub admin_create_user_config: Option<AdminCreateUserConfig>,
    pub user_pool_add_ons: Option<Value>,
    pub account_recovery_setting: Option<Value>,
    pub dcr_configuration: Option<Value>,
    pub key_configuration: Option<Value>,
    pub issuer_configuration: Option<Value>,
    pub acr_configuration: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateUserPoolInput {
    pub pool_name: String,
    pub deletion_protection: Option<String>,
    pub alias_attributes: Option<Vec<String>>,
    pub username_attributes: Option<Vec<String>>,
    pub user_pool_tags: Option<BTreeMap<String, String>>,
    pub schema: Option<Vec<SchemaAttributeInput>>,
    pub username_configuration: Option<UsernameConfiguration>,
    pub user_pool_tier: Option<String>,
    #[serde(flatten)]
    pub settings: PoolSettingsInput,
}

/// The settings after Cognito's defaults and cross-member rules.
pub(super) struct ResolvedSettings {
    pub policies: Policies,
    pub lambda_config: Value,
    pub auto_verified_attributes: Vec<String>,
    pub sms_verification_message: Option<String>,
    pub email_verification_message: Option<String>,
    pub email_verification_subject: Option<String>,
    pub verification_message_template: Value,
    pub sms_authentication_message: Option<String>,
    pub mfa_configuration: String,
    pub user_attribute_update_settings: Value,
    pub device_configuration: Option<DeviceConfiguration>,
    pub email_configuration: Value,
    pub sms_configuration: Option<Value>,
    pub admin_create_user_config: AdminCreateUserConfig,
    pub user_pool_add_ons: Option<Value>,
    pub account_recovery_setting: Option<Value>,
    pub other: BTreeMap<String, Value>,
}

impl PoolSettingsInput {
    /// `factor_enabled`: whether the pool already has an MFA factor that needs no SMS configuration (an enabled
    /// TOTP or email factor from SetUserPoolMfaConfig). Terraform re-sends `MfaConfiguration = OPTIONAL` on
    /// every UpdateUserPool of a TOTP-only pool, which Cognito accepts.
    pub(super) fn resolve(self, factor_enabled: bool) -> Result<ResolvedSettings> {
        let explicit_temp_days = self
            .policies
            .as_ref()
            .and_then(|p| p.password_policy.as_ref())
            .and_then(|p| p.temporary_password_validity_days);
        let mut policies = self.policies.unwrap_or_default().resolve();

        // AdminCreateUserConfig.UnusedAccountValidityDays is the older name of TemporaryPasswordValidityDays;
        // Cognito keeps the two equal and refuses conflicting values.
        let mut admin = self.admin_create_user_config.unwrap_or_default();
        match (admin.unused_account_validity_days, explicit_temp_days) {
            (Some(a), Some(b)) if a != b => {
                return Err(CognitoError::invalid_parameter(
                    "Please use TemporaryPasswordValidityDays in PasswordPolicy instead of UnusedAccountValidityDays",
                ))
            }
            (Some(a), None) => policies.password_policy.temporary_password_validity_days = a,
            _ => {}
        }
        admin.unused_account_validity_days = Some(policies.password_policy.temporary_password_validity_days);

        let mfa_configuration = self.mfa_configuration.unwrap_or_else(|| "OFF".into());
        if mfa_configuration != "OFF" && self.sms_configuration.is_none() && !factor_enabled {
            return Err(CognitoError::invalid_parameter(
                "SMS configuration and Auto verification for phone_number are required when MFA is required/optional",
            ));
        }

        let email_configuration = resolve_email_configuration(self.email_configuration)?;

        // The legacy top-level messages and VerificationMessageTemplate describe the same thing; Cognito keeps
        // them in step, the template winning when both are given.
        let mut template = match self.verification_message_template {
            Some(Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        let mut mirror = |template_key: &str, legacy: Option<String>| -> Option<String> {
            match template.get(template_key).and_then(Value::as_str) {
                Some(t) => Some(t.to_string()),
                None => {
                    if let Some(l) = &legacy {
                        template.insert(template_key.into(), Value::String(l.clone()));
                    }
                    legacy
                }
            }
        };
        let email_verification_message = mirror("EmailMessage", self.email_verification_message);
        let email_verification_subject = mirror("EmailSubject", self.email_verification_subject);
        let sms_verification_message = mirror("SmsMessage", self.sms_verification_message);
        template
            .entry("DefaultEmailOption")
            .or_insert_with(|| json!("CONFIRM_WITH_CODE"));
        if template.get("DefaultEmailOption").and_then(Value::as_str) == Some("CONFIRM_WITH_LINK") {
            let msg = template
                .get("EmailMessageByLink")
                .and_then(Value::as_str)
                .unwrap_or("");
            if !msg.is_empty() && !msg.contains("{##") {
                return Err(CognitoError::invalid_parameter(
                    "EmailMessageByLink must contain a {##Verify Email##} placeholder.",
                ));
            }
        }

        let mut auto_verified = self.auto_verified_attributes.unwrap_or_default();
        auto_verified.dedup();

        let mut other = BTreeMap::new();
        for (k, v) in [
            ("DcrConfiguration", self.dcr_configuration),
            ("KeyConfiguration", self.key_configuration),
            ("IssuerConfiguration", self.issuer_configuration),
            ("AcrConfiguration", self.acr_configuration),
        ] {
            if let Some(v) = v {
                other.insert(k.to_string(), v);
            }
        }

        Ok(ResolvedSettings {
            policies,
            lambda_config: self.lambda_config.unwrap_or_else(|| json!({})),
            auto_verified_attributes: auto_verified,
            sms_verification_message,
            email_verification_message,
            email_verification_subject,
            verification_message_template: Value::Object(template),
            sms_authentication_message: self.sms_authentication_message,
            mfa_configuration,
            user_attribute_update_settings: self
                .user_attribute_update_settings
                .unwrap_or_else(|| json!({"AttributesRequireVerificationBeforeUpdate": []})),
            device_configuration: self.device_configuration,
            email_configuration,
            sms_configuration: self.sms_configuration,
            admin_create_user_config: admin,
            user_pool_add_ons: self.user_pool_add_ons,
            account_recovery_setting: self.account_recovery_setting,
            other,
        })
    }
}

fn resolve_email_configuration(given: Option<Value>) -> Result<Value> {
    let mut cfg = match given {
        Some(Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    let account = cfg
        .get("EmailSendingAccount")
        .and_then(Value::as_str)
        .unwrap_or("COGNITO_DEFAULT")
        .to_string();
    if account == "DEVELOPER" && !cfg.contains_key("SourceArn") {
        return Err(CognitoError::invalid_parameter(
            "SourceArn is required in EmailConfiguration when EmailSendingAccount is DEVELOPER.",
        ));
    }
    cfg.insert("EmailSendingAccount".into(), Value::String(account));
    Ok(Value::Object(cfg))
}

pub(super) fn check_tag_count(tags: &BTreeMap<String, String>) -> Result<()> {
    if tags.len() > MAX_TAGS {
        return Err(CognitoError::invalid_parameter(format!(
            "A user pool can have at most {MAX_TAGS} tags."
        )));
    }
    Ok(())
}

impl Latchkey {
    pub async fn create_user_pool(&self, region: &str, input: CreateUserPoolInput) -> Result<UserPool> {
        if input.alias_attributes.as_ref().is_some_and(|a| !a.is_empty())
            && input.username_attributes.as_ref().is_some_and(|a| !a.is_empty())
        {
            return Err(CognitoError::invalid_parameter(
                "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool.",
            ));
        }
        let tags = input.user_pool_tags.unwrap_or_default();
        check_tag_count(&tags)?;
        let schema_attributes = schema_for_new_pool(input.schema.unwrap_or_default())?;
        // A new pool has no MFA factor yet: turning MFA on at creation needs the SMS configuration.
        let s = input.settings.resolve(false)?;
        let now = self.clock.now();
        let id = crate::ids::new_pool_id(self.rng.as_ref(), region);
        let pool = UserPool {
            arn: format!(
                "arn:aws:cognito-idp:{region}:{}:userpool/{id}",
                self.settings.account_id
            ),
            id,
            name: input.pool_name,
            policies: s.policies,
            deletion_protection: input.deletion_protection.unwrap_or_else(|| "INACTIVE".into()),
            lambda_config: s.lambda_config,
            last_modified_date: now,
            creation_date: now,
            schema_attributes,
            auto_verified_attributes: s.auto_verified_attributes,
            alias_attributes: input.alias_attributes.filter(|a| !a.is_empty()),
            username_attributes: input.username_attributes.filter(|a| !a.is_empty()),
            sms_verification_message: s.sms_verification_message,
            email_verification_message: s.email_verification_message,
            email_verification_subject: s.email_verification_subject,
            verification_message_template: s.verification_message_template,
            sms_authentication_message: s.sms_authentication_message,
            user_attribute_update_settings: s.user_attribute_update_settings,
            mfa_configuration: s.mfa_configuration,
            device_configuration: s.device_configuration,
            email_configuration: s.email_configuration,
            sms_configuration: s.sms_configuration,
            user_pool_tags: tags,
            admin_create_user_config: s.admin_create_user_config,
            user_pool_add_ons: s.user_pool_add_ons,
            username_configuration: input.username_configuration,
            account_recovery_setting: s.account_recovery_setting,
            user_pool_tier: input.user_pool_tier.unwrap_or_else(|| "ESSENTIALS".into()),
            domain: None,
            custom_domain: None,
            other: s.other,
            mfa_settings: Default::default(),
            resource_servers: Vec::new(),
            ui_customizations: Default::default(),
            version: 1,
        };
        self.store.insert_pool(&pool).await?;
        Ok(pool)
    }

    /// DescribeUserPool: the pool and its user count (EstimatedNumberOfUsers). The count is one indexed COUNT per
    /// describe; nothing on a sign-in path pays for it.
    pub async fn describe_user_pool(&self, pool_id: &str) -> Result<(UserPool, u64)> {
        let pool = self.pool(pool_id).await?;
        let users = self.store.count_users(&pool.id).await?;
        Ok((pool, users))
    }

    pub async fn list_user_pools(
        &self,
        region: &str,
        max_results: u32,
        next_token: Option<&str>,
    ) -> Result<Page<UserPool>> {
        page_of("pool", next_token, |after| async move {
            self.store.list_pools(region, after.as_deref(), max_results).await
        })
        .await
    }

    pub async fn delete_user_pool(&self, pool_id: &str) -> Result<()> {
        let pool = self.pool(pool_id).await?;
        if pool.deletion_protection == "ACTIVE" {
            return Err(CognitoError::invalid_parameter(
                "The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.",
            ));
        }
        let existed = self.store.delete_pool(pool_id).await?;
        self.pool_cache.forget(pool_id);
        if !existed {
            return Err(CognitoError::pool_not_found(pool_id));
        }
        Ok(())
    }

    /// The column headers of Cognito's user-import CSV: standard attributes, `cognito:mfa_enabled`,
    /// `cognito:username`, then the pool's custom attributes.
    pub async fn csv_header(&self, pool_id: &str) -> Result<Vec<String>> {
        let pool = self.pool(pool_id).await?;
        let mut header: Vec<String> = pool
            .schema_attributes
            .iter()
            .filter(|a| a.name != "sub" && !a.name.contains(':'))
            .map(|a| a.name.clone())
            .collect();
        header.push("cognito:mfa_enabled".into());
        header.push("cognito:username".into());
        header.extend(
            pool.schema_attributes
                .iter()
                .filter(|a| a.name.starts_with("custom:"))
                .map(|a| a.name.clone()),
        );
        Ok(header)
    }

    /// Finds a pool from its ARN, as the tagging operations address it.
    pub(crate) async fn pool_by_arn(&self, arn: &str) -> Result<UserPool> {
        let pool_id = arn
            .strip_prefix("arn:aws:cognito-idp:")
            .and_then(|rest| rest.split_once(":userpool/"))
            .map(|(_, id)| id)
            .ok_or_else(|| CognitoError::invalid_parameter(format!("Invalid ARN: {arn}")))?;
        match self.store.get_pool(pool_id).await? {
            Some(pool) if pool.arn == arn => Ok(pool),
            _ => Err(CognitoError::new(
                ErrorKind::ResourceNotFoundException,
                format!("Resource {arn} does not exist."),
            )),
        }
    }
}
