//! GetUserPoolMfaConfig / SetUserPoolMfaConfig. The settings are stored now; sign-in enforces them once MFA
//! lands.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::{CognitoError, Result};
use crate::service::Latchkey;

/// The MFA factors a pool offers, beyond `MfaConfiguration` (which lives on the pool itself).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MfaSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_mfa_configuration: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_token_mfa_configuration: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_mfa_configuration: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_authn_configuration: Option<Value>,
}

impl MfaSettings {
    /// Whether a factor that needs no SMS configuration is on: TOTP enabled, or email MFA configured.
    pub fn non_sms_factor_enabled(&self) -> bool {
        enabled(&self.software_token_mfa_configuration) || self.email_mfa_configuration.is_some()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SetMfaConfigInput {
    pub user_pool_id: String,
    pub sms_mfa_configuration: Option<Value>,
    pub software_token_mfa_configuration: Option<Value>,
    pub email_mfa_configuration: Option<Value>,
    pub web_authn_configuration: Option<Value>,
    pub mfa_configuration: Option<String>,
}

fn enabled(v: &Option<Value>) -> bool {
    v.as_ref()
        .and_then(|v| v.get("Enabled"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// The response shape both operations share. A factor never configured is absent, as in Cognito: Terraform
/// reads a present `SoftwareTokenMfaConfiguration` as a block the configuration must declare.
fn mfa_response(mfa: &MfaSettings, mfa_configuration: &str) -> Value {
    let mut out = json!({"MfaConfiguration": mfa_configuration});
    for (k, v) in [
        (
            "SoftwareTokenMfaConfiguration",
            &mfa.software_token_mfa_configuration,
        ),
        ("SmsMfaConfiguration", &mfa.sms_mfa_configuration),
        ("EmailMfaConfiguration", &mfa.email_mfa_configuration),
        ("WebAuthnConfiguration", &mfa.web_authn_configuration),
    ] {
        if let Some(v) = v {
            out[k] = v.clone();
        }
    }
    out
}

impl Latchkey {
    pub async fn get_user_pool_mfa_config(&self, pool_id: &str) -> Result<Value> {
        let pool = self.pool(pool_id).await?;
        Ok(mfa_response(&pool.mfa_settings, &pool.mfa_configuration))
    }

    /// Members that are omitted keep their current value, so one factor can be switched without restating the
    /// others.
    pub async fn set_user_pool_mfa_config(&self, input: SetMfaConfigInput) -> Result<Value> {
        let (pool, ()) = self
            .mutate_pool(&input.user_pool_id, |pool| {
                let mut m = pool.mfa_settings.clone();
                if let Some(v) = &input.sms_mfa_configuration {
                    m.sms_mfa_configuration = Some(v.clone());
                }
                if let Some(v) = &input.software_token_mfa_configuration {
                    m.software_token_mfa_configuration = Some(v.clone());
                }
                if let Some(v) = &input.email_mfa_configuration {
                    m.email_mfa_configuration = Some(v.clone());
                }
                if let Some(v) = &input.web_authn_configuration {
                    m.web_authn_configuration = Some(v.clone());
                }
                let mode = input
                    .mfa_configuration
                    .clone()
                    .unwrap_or_else(|| pool.mfa_configuration.clone());
                let sms = m
                    .sms_mfa_configuration
                    .as_ref()
                    .is_some_and(|v| v.get("SmsConfiguration").is_some());
                let any_factor = sms
                    || enabled(&m.software_token_mfa_configuration)
                    || m.email_mfa_configuration.is_some();
                if mode != "OFF" && !any_factor {
                    return Err(CognitoError::invalid_parameter(
                        "Invalid MFA configuration given, can't turn on MFA without any enabled MFA factor.",
                    ));
                }
                if let Some(msg) = m
                    .sms_mfa_configuration
                    .as_ref()
                    .and_then(|v| v.get("SmsAuthenticationMessage"))
                    .and_then(Value::as_str)
                {
                    pool.sms_authentication_message = Some(msg.to_string());
                }
                if let Some(cfg) = m
                    .sms_mfa_configuration
                    .as_ref()
                    .and_then(|v| v.get("SmsConfiguration"))
                {
                    pool.sms_configuration = Some(cfg.clone());
                }
                pool.mfa_configuration = mode;
                pool.mfa_settings = m;
                Ok(())
            })
            .await?;
        Ok(mfa_response(&pool.mfa_settings, &pool.mfa_configuration))
    }
}
