//! SetUserMFAPreference / AdminSetUserMFAPreference (which factors a user has enabled, and the preferred one) and
//! the legacy SetUserSettings / AdminSetUserSettings (SMS MFA through `MFAOptions`).

use serde::Deserialize;
use serde_json::Value;

use super::model::MfaFactor;
use crate::error::{CognitoError, ErrorKind, Result};
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::users::{User, UserRef};

/// One factor's `{Enabled, PreferredMfa}`.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FactorSetting {
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub preferred_mfa: Option<bool>,
}

/// The members of SetUserMFAPreference and AdminSetUserMFAPreference.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MfaPreferenceInput {
    #[serde(rename = "SMSMfaSettings", default)]
    pub sms_mfa_settings: Option<FactorSetting>,
    #[serde(default)]
    pub software_token_mfa_settings: Option<FactorSetting>,
    #[serde(default)]
    pub email_mfa_settings: Option<FactorSetting>,
    #[serde(default)]
    pub web_authn_mfa_settings: Option<Value>,
}

fn no_delivery(factor: MfaFactor) -> CognitoError {
    CognitoError::invalid_parameter(format!(
        "User does not have delivery config set to turn on {}",
        factor.name()
    ))
}

/// Applies `input` to `user`: each factor named is enabled or disabled, at most one becomes preferred, and a
/// factor can only be enabled when the pool offers it and the user holds what it needs.
fn apply(pool: &UserPool, user: &mut User, input: &MfaPreferenceInput) -> Result<()> {
    let settings = [
        (MfaFactor::Sms, input.sms_mfa_settings),
        (MfaFactor::SoftwareToken, input.software_token_mfa_settings),
        (MfaFactor::Email, input.email_mfa_settings),
    ];
    let preferred: Vec<MfaFactor> = settings
        .iter()
        .filter(|(_, s)| s.is_some_and(|s| s.preferred_mfa == Some(true)))
        .map(|(f, _)| *f)
        .collect();
    if preferred.len() > 1 {
        return Err(CognitoError::invalid_parameter(
            "Only one MFA method can be preferred.",
        ));
    }
    for (factor, setting) in settings {
        let Some(setting) = setting else { continue };
        let prefer = setting.preferred_mfa == Some(true);
        if setting.enabled == Some(true) || prefer {
            if factor == MfaFactor::SoftwareToken && user.mfa.software_token.is_none() {
                return Err(CognitoError::invalid_parameter(
                    "User has not verified software token mfa",
                ));
            }
            if factor == MfaFactor::SoftwareToken && !pool.offers(factor) {
                return Err(CognitoError::new(
                    ErrorKind::SoftwareTokenMFANotFoundException,
                    "Software Token MFA has not been enabled by the userPool.",
                ));
            }
            if !pool.offers(factor) || !super::model::holds(user, factor) {
                return Err(no_delivery(factor));
            }
            user.mfa.enable(factor);
            if prefer {
                user.mfa.preferred = Some(factor);
            } else if setting.preferred_mfa == Some(false) && user.mfa.preferred == Some(factor) {
                user.mfa.preferred = None;
            }
        } else if setting.enabled == Some(false) {
            user.mfa.disable(factor);
        } else if setting.preferred_mfa == Some(false) && user.mfa.preferred == Some(factor) {
            user.mfa.preferred = None;
        }
    }
    Ok(())
}

impl Latchkey {
    /// SetUserMFAPreference (by access token) and AdminSetUserMFAPreference (by name).
    pub async fn set_user_mfa_preference(&self, who: UserRef<'_>, input: &MfaPreferenceInput) -> Result<()> {
        if input
            .web_authn_mfa_settings
            .as_ref()
            .and_then(|w| w.get("Enabled"))
            .and_then(Value::as_bool)
            == Some(true)
        {
            return Err(CognitoError::new(
                ErrorKind::UnsupportedOperationException,
                "Latchkey does not implement passkeys as an MFA factor yet.",
            ));
        }
        let (pool, user) = self.resolve_user(who).await?;
        self.mutate_user(&pool, &user.username, |u| apply(&pool, u, input))
            .await?;
        Ok(())
    }

    /// SetUserSettings and AdminSetUserSettings: `MFAOptions` naming SMS to the phone number turns SMS MFA on; an
    /// empty list turns it off.
    pub async fn set_user_settings(&self, who: UserRef<'_>, options: &[Value]) -> Result<()> {
        let mut sms = false;
        for option in options {
            let medium = option.get("DeliveryMedium").and_then(Value::as_str);
            let attribute = option.get("AttributeName").and_then(Value::as_str);
            match (medium, attribute) {
                (Some("SMS"), Some("phone_number") | None) => sms = true,
                _ => {
                    return Err(CognitoError::invalid_parameter(
                        "Only SMS to phone_number can be set through MFAOptions.",
                    ))
                }
            }
        }
        let input = MfaPreferenceInput {
            sms_mfa_settings: Some(FactorSetting {
                enabled: Some(sms),
                preferred_mfa: None,
            }),
            ..Default::default()
        };
        self.set_user_mfa_preference(who, &input).await
    }
}
