//! The stored MFA state of a user (`UserMfa`, part of the user's record), the factors by their wire names, and
//! which factors a pool offers and a user can use.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::pools::UserPool;
use crate::users::User;

/// A second factor, named as Cognito names it in `UserMFASettingList` and challenge names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum MfaFactor {
    #[serde(rename = "SMS_MFA")]
    Sms,
    #[serde(rename = "SOFTWARE_TOKEN_MFA")]
    SoftwareToken,
    #[serde(rename = "EMAIL_OTP")]
    Email,
}

impl MfaFactor {
    pub const ALL: [MfaFactor; 3] = [MfaFactor::Sms, MfaFactor::SoftwareToken, MfaFactor::Email];

    /// The wire name: the challenge that asks for it and its entry in `UserMFASettingList`.
    pub fn name(self) -> &'static str {
        match self {
            MfaFactor::Sms => "SMS_MFA",
            MfaFactor::SoftwareToken => "SOFTWARE_TOKEN_MFA",
            MfaFactor::Email => "EMAIL_OTP",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The ChallengeResponses member that carries the code.
    pub fn code_member(self) -> &'static str {
        match self {
            MfaFactor::Sms => "SMS_MFA_CODE",
            MfaFactor::SoftwareToken => "SOFTWARE_TOKEN_MFA_CODE",
            MfaFactor::Email => "EMAIL_OTP_CODE",
        }
    }

    /// The purpose a sent code is stored under (see `crate::codes`); TOTP sends none.
    pub(crate) fn code_purpose(self) -> &'static str {
        match self {
            MfaFactor::Sms => crate::codes::PURPOSE_MFA_SMS,
            MfaFactor::SoftwareToken => "",
            MfaFactor::Email => crate::codes::PURPOSE_MFA_EMAIL,
        }
    }

    /// The user attribute a sent code goes to.
    pub(crate) fn attribute(self) -> Option<&'static str> {
        match self {
            MfaFactor::Sms => Some("phone_number"),
            MfaFactor::SoftwareToken => None,
            MfaFactor::Email => Some("email"),
        }
    }
}

/// A verified authenticator app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoftwareToken {
    /// The shared secret, sealed with the master key (purpose `totp-secret`).
    pub secret: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    /// The last time step a code was accepted for: that code, and any older one, is never accepted again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_step: Option<u64>,
}

/// A user's MFA state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserMfa {
    /// The verified authenticator app, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_token: Option<SoftwareToken>,
    /// A secret handed out by AssociateSoftwareToken and not yet verified (sealed like `SoftwareToken::secret`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_secret: Option<String>,
    /// The factors the user (or an administrator) enabled, in `MfaFactor` order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enabled: Vec<MfaFactor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred: Option<MfaFactor>,
}

impl UserMfa {
    pub fn is_empty(&self) -> bool {
        *self == UserMfa::default()
    }

    pub fn is_enabled(&self, factor: MfaFactor) -> bool {
        self.enabled.contains(&factor)
    }

    pub(crate) fn enable(&mut self, factor: MfaFactor) {
        if !self.is_enabled(factor) {
            self.enabled.push(factor);
            self.enabled.sort();
        }
    }

    pub(crate) fn disable(&mut self, factor: MfaFactor) {
        self.enabled.retain(|f| *f != factor);
        if self.preferred == Some(factor) {
            self.preferred = None;
        }
    }
}

impl UserPool {
    /// Whether the pool offers `factor` as a second factor (SetUserPoolMfaConfig).
    pub fn offers(&self, factor: MfaFactor) -> bool {
        let m = &self.mfa_settings;
        match factor {
            MfaFactor::SoftwareToken => m
                .software_token_mfa_configuration
                .as_ref()
                .and_then(|v| v.get("Enabled"))
                .and_then(Value::as_bool)
                .unwrap_or(false),
            MfaFactor::Email => m.email_mfa_configuration.is_some(),
            MfaFactor::Sms => self.sms_configuration.is_some(),
        }
    }

    /// MFA is `ON` (every sign-in needs a second factor) rather than `OPTIONAL` or `OFF`.
    pub fn requires_mfa(&self) -> bool {
        self.mfa_configuration == "ON"
    }

    pub fn mfa_off(&self) -> bool {
        self.mfa_configuration != "ON" && self.mfa_configuration != "OPTIONAL"
    }
}

/// Whether `user` holds what `factor` needs: a verified app, or the address a code goes to.
pub(crate) fn holds(user: &User, factor: MfaFactor) -> bool {
    match factor {
        MfaFactor::SoftwareToken => user.mfa.software_token.is_some(),
        other => other
            .attribute()
            .is_some_and(|a| user.attributes.get(a).is_some_and(|v| !v.is_empty())),
    }
}

/// The factors a sign-in may ask `user` for, in `MfaFactor` order: those enabled that the pool offers and the
/// user holds. When MFA is required, a verified authenticator app and (as Cognito does) a phone number in a pool
/// that sends SMS count without being enabled.
pub(crate) fn usable_factors(pool: &UserPool, user: &User) -> Vec<MfaFactor> {
    MfaFactor::ALL
        .into_iter()
        .filter(|f| pool.offers(*f) && holds(user, *f))
        .filter(|f| {
            user.mfa.is_enabled(*f)
                || (pool.requires_mfa() && matches!(f, MfaFactor::SoftwareToken | MfaFactor::Sms))
        })
        .collect()
}

/// GetUser's and AdminGetUser's MFA members: `UserMFASettingList` and `PreferredMfaSetting` when there is
/// something to say, and the legacy `MFAOptions` for SMS.
pub fn user_mfa_members(user: &User, out: &mut Value) {
    let mfa = &user.mfa;
    if !mfa.enabled.is_empty() {
        out["UserMFASettingList"] = json!(mfa.enabled.iter().map(|f| f.name()).collect::<Vec<_>>());
    }
    if let Some(p) = mfa.preferred {
        out["PreferredMfaSetting"] = json!(p.name());
    }
    if mfa.is_enabled(MfaFactor::Sms) {
        out["MFAOptions"] = json!([{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]);
    }
}
