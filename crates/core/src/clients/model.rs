//! The app-client document as stored, shaped as `UserPoolClientType` so DescribeUserPoolClient returns it as is.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AppClient {
    pub user_pool_id: String,
    pub client_name: String,
    pub client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    pub last_modified_date: Timestamp,
    pub creation_date: Timestamp,
    pub refresh_token_validity: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token_validity: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token_validity: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_validity_units: Option<TokenValidityUnits>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_attributes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_attributes: Option<Vec<String>>,
    pub explicit_auth_flows: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supported_identity_providers: Option<Vec<String>>,
    #[serde(rename = "CallbackURLs", default, skip_serializing_if = "Option::is_none")]
    pub callback_urls: Option<Vec<String>>,
    #[serde(rename = "LogoutURLs", default, skip_serializing_if = "Option::is_none")]
    pub logout_urls: Option<Vec<String>>,
    #[serde(
        rename = "DefaultRedirectURI",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub default_redirect_uri: Option<String>,
    #[serde(
        rename = "AllowedOAuthFlows",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub allowed_oauth_flows: Option<Vec<String>>,
    #[serde(
        rename = "AllowedOAuthScopes",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub allowed_oauth_scopes: Option<Vec<String>>,
    #[serde(rename = "AllowedOAuthFlowsUserPoolClient")]
    pub allowed_oauth_flows_user_pool_client: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analytics_configuration: Option<Value>,
    pub prevent_user_existence_errors: String,
    pub enable_token_revocation: bool,
    pub enable_propagate_additional_user_context_data: bool,
    pub auth_session_validity: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token_rotation: Option<Value>,
    /// Newer `UserPoolClientType` members the API model validated, stored as given.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
    #[serde(skip)]
    pub version: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TokenValidityUnits {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// Seconds in one of Cognito's `TimeUnitsType` values.
pub fn unit_seconds(unit: &str) -> u64 {
    match unit {
        "seconds" => 1,
        "minutes" => 60,
        "hours" => 3600,
        _ => 86_400,
    }
}

impl AppClient {
    /// PreventUserExistenceErrors = ENABLED: no answer may tell whether a user exists (see `crate::phantom`).
    pub fn hides_user_existence(&self) -> bool {
        self.prevent_user_existence_errors == "ENABLED"
    }

    fn units(&self) -> TokenValidityUnits {
        self.token_validity_units.clone().unwrap_or_default()
    }

    /// Access-token lifetime; 1 hour unless configured.
    pub fn access_token_seconds(&self) -> u64 {
        let unit = self.units().access_token.unwrap_or_else(|| "hours".into());
        self.access_token_validity
            .map_or(3600, |v| u64::from(v) * unit_seconds(&unit))
    }

    /// ID-token lifetime; 1 hour unless configured.
    pub fn id_token_seconds(&self) -> u64 {
        let unit = self.units().id_token.unwrap_or_else(|| "hours".into());
        self.id_token_validity
            .map_or(3600, |v| u64::from(v) * unit_seconds(&unit))
    }

    /// Refresh-token lifetime; 30 days unless configured.
    pub fn refresh_token_seconds(&self) -> u64 {
        let unit = self.units().refresh_token.unwrap_or_else(|| "days".into());
        u64::from(self.refresh_token_validity) * unit_seconds(&unit)
    }

    /// `UserPoolClientDescription` as ListUserPoolClients answers it.
    pub fn to_description(&self) -> Value {
        serde_json::json!({"ClientId": self.client_id, "UserPoolId": self.user_pool_id, "ClientName": self.client_name})
    }

    /// With RefreshTokenRotation enabled: how long a replaced refresh token keeps working
    /// (RetryGracePeriodSeconds, 0 to 60). `None` when the client does not rotate refresh tokens.
    pub fn refresh_rotation_grace_seconds(&self) -> Option<i64> {
        let rotation = self.refresh_token_rotation.as_ref()?;
        if rotation.get("Feature").and_then(Value::as_str) != Some("ENABLED") {
            return None;
        }
        Some(
            rotation
                .get("RetryGracePeriodSeconds")
                .and_then(Value::as_i64)
                .unwrap_or(0)
                .clamp(0, 60),
        )
    }

    /// When a challenge issued now stops being answerable: the client's AuthSessionValidity, in minutes.
    pub fn session_expiry(&self, now: Timestamp) -> Timestamp {
        now.plus_seconds(i64::from(self.auth_session_validity) * 60)
    }

    /// Whether the client allows an auth flow, reading the legacy flow names as their `ALLOW_` equivalents. A
    /// client configured with legacy names only always allowed refresh and USER_SRP_AUTH besides them, as
    /// Cognito's legacy flows did.
    pub fn allows_flow(&self, allow_name: &str) -> bool {
        self.explicit_auth_flows.iter().any(|f| {
            f == allow_name
                || matches!(
                    (f.as_str(), allow_name),
                    ("ADMIN_NO_SRP_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH")
                        | ("USER_PASSWORD_AUTH", "ALLOW_USER_PASSWORD_AUTH")
                        | ("CUSTOM_AUTH_FLOW_ONLY", "ALLOW_CUSTOM_AUTH")
                )
        }) || (matches!(allow_name, "ALLOW_REFRESH_TOKEN_AUTH" | "ALLOW_USER_SRP_AUTH")
            && self.explicit_auth_flows.iter().all(|f| !f.starts_with("ALLOW_")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(flows: &[&str]) -> AppClient {
        serde_json::from_value(serde_json::json!({
            "UserPoolId": "us-east-1_AbCdEfGhI", "ClientName": "c", "ClientId": "id",
            "LastModifiedDate": 0, "CreationDate": 0, "RefreshTokenValidity": 30,
            "ExplicitAuthFlows": flows, "AllowedOAuthFlowsUserPoolClient": false,
            "PreventUserExistenceErrors": "LEGACY", "EnableTokenRevocation": true,
            "EnablePropagateAdditionalUserContextData": false, "AuthSessionValidity": 3,
        }))
        .unwrap()
    }

    #[test]
    fn legacy_flows_keep_allowing_srp_and_refresh() {
        for legacy in ["USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY"] {
            let c = client(&[legacy]);
            assert!(c.allows_flow("ALLOW_USER_SRP_AUTH"), "{legacy}");
            assert!(c.allows_flow("ALLOW_REFRESH_TOKEN_AUTH"), "{legacy}");
        }
        let c = client(&["USER_PASSWORD_AUTH"]);
        assert!(c.allows_flow("ALLOW_USER_PASSWORD_AUTH"));
        assert!(!c.allows_flow("ALLOW_ADMIN_USER_PASSWORD_AUTH"));
        assert!(!c.allows_flow("ALLOW_CUSTOM_AUTH"));
    }

    #[test]
    fn allow_flows_are_exactly_what_they_list() {
        let c = client(&["ALLOW_USER_PASSWORD_AUTH"]);
        assert!(c.allows_flow("ALLOW_USER_PASSWORD_AUTH"));
        assert!(!c.allows_flow("ALLOW_USER_SRP_AUTH"));
        assert!(!c.allows_flow("ALLOW_REFRESH_TOKEN_AUTH"));
    }
}
