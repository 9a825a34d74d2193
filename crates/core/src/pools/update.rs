//! UpdateUserPool: every setting it carries is replaced, and the ones it omits return to Cognito's defaults.
//! Members it cannot change (schema, username/alias attributes, case sensitivity) are kept. Deletion protection,
//! tier, name and tags are kept when omitted: resetting them silently would be dangerous and surprising.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::create::{check_tag_count, PoolSettingsInput};
use super::model::UserPool;
use crate::error::Result;
use crate::service::Latchkey;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateUserPoolInput {
    pub user_pool_id: String,
    pub pool_name: Option<String>,
    pub deletion_protection: Option<String>,
    pub user_pool_tags: Option<BTreeMap<String, String>>,
    pub user_pool_tier: Option<String>,
    #[serde(flatten)]
    pub settings: PoolSettingsInput,
}

impl Latchkey {
    pub async fn update_user_pool(&self, input: UpdateUserPoolInput) -> Result<UserPool> {
        if let Some(tags) = &input.user_pool_tags {
            check_tag_count(tags)?;
        }
        let (pool, ()) = self
            .mutate_pool(&input.user_pool_id, |pool| {
                let s = input
                    .settings
                    .clone()
                    .resolve(pool.mfa_settings.non_sms_factor_enabled())?;
                if let Some(name) = &input.pool_name {
                    pool.name = name.clone();
                }
                if let Some(dp) = &input.deletion_protection {
                    pool.deletion_protection = dp.clone();
                }
                if let Some(tags) = &input.user_pool_tags {
                    pool.user_pool_tags = tags.clone();
                }
                if let Some(tier) = &input.user_pool_tier {
                    pool.user_pool_tier = tier.clone();
                }
                pool.policies = s.policies;
                pool.lambda_config = s.lambda_config;
                pool.auto_verified_attributes = s.auto_verified_attributes;
                pool.sms_verification_message = s.sms_verification_message;
                pool.email_verification_message = s.email_verification_message;
                pool.email_verification_subject = s.email_verification_subject;
                pool.verification_message_template = s.verification_message_template;
                pool.sms_authentication_message = s.sms_authentication_message;
                pool.mfa_configuration = s.mfa_configuration;
                pool.user_attribute_update_settings = s.user_attribute_update_settings;
                pool.device_configuration = s.device_configuration;
                pool.email_configuration = s.email_configuration;
                pool.sms_configuration = s.sms_configuration;
                pool.admin_create_user_config = s.admin_create_user_config;
                pool.user_pool_add_ons = s.user_pool_add_ons;
                pool.account_recovery_setting = s.account_recovery_setting;
                pool.other = s.other;
                Ok(())
            })
            .await?;
        Ok(pool)
    }
}
