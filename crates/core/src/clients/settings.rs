//! The app-client settings CreateUserPoolClient and UpdateUserPoolClient share, with Cognito's defaults and the
//! rules that tie them together (token validity ranges, auth-flow names, OAuth flows, scopes, URLs, attribute
//! permissions).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::model::{unit_seconds, AppClient, TokenValidityUnits};
use crate::error::{CognitoError, ErrorKind, Result};
use crate::pools::UserPool;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ClientSettingsInput {
    pub refresh_token_validity: Option<u32>,
    pub access_token_validity: Option<u32>,
    pub id_token_validity: Option<u32>,
    pub token_validity_units: Option<TokenValidityUnits>,
    pub read_attributes: Option<Vec<String>>,
    pub write_attributes: Option<Vec<String>>,
    pub explicit_auth_flows: Option<Vec<String>>,
    pub supported_identity_providers: Option<Vec<String>>,
    #[serde(rename = "CallbackURLs")]
    pub callback_urls: Option<Vec<String>>,
    #[serde(rename = "LogoutURLs")]
    pub logout_urls: Option<Vec<String>>,
    #[serde(rename = "DefaultRedirectURI")]
    pub default_redirect_uri: Option<String>,
    #[serde(rename = "AllowedOAuthFlows")]
    pub allowed_oauth_flows: Option<Vec<String>>,
    #[serde(rename = "AllowedOAuthScopes")]
    pub allowed_oauth_scopes: Option<Vec<String>>,
    #[serde(rename = "AllowedOAuthFlowsUserPoolClient")]
    pub allowed_oauth_flows_user_pool_client: Option<bool>,
    pub analytics_configuration: Option<Value>,
    pub prevent_user_existence_errors: Option<String>,
    pub enable_token_revocation: Option<bool>,
    pub enable_propagate_additional_user_context_data: Option<bool>,
    pub auth_session_validity: Option<u32>,
    pub refresh_token_rotation: Option<Value>,
}

const LEGACY_FLOWS: &[&str] = &["ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH"];
const DEFAULT_FLOWS: &[&str] = &[
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_CUSTOM_AUTH",
];
const STANDARD_SCOPES: &[&str] = &[
    "openid",
    "email",
    "phone",
    "profile",
    "aws.cognito.signin.user.admin",
];

fn invalid(msg: impl Into<String>) -> CognitoError {
    CognitoError::invalid_parameter(msg)
}

fn oauth_flow_error(msg: &str) -> CognitoError {
    CognitoError::new(ErrorKind::InvalidOAuthFlowException, msg)
}

/// Checks one validity against Cognito's range, expressed in seconds whatever the unit.
fn check_validity(
    member: &str,
    value: Option<u32>,
    unit: &Option<String>,
    default_unit: &str,
    range: (u64, u64),
    range_text: &str,
) -> Result<()> {
    if let Some(v) = value {
        let secs = u64::from(v) * unit_seconds(unit.as_deref().unwrap_or(default_unit));
        if secs < range.0 || secs > range.1 {
            return Err(invalid(format!("{member} must be between {range_text}.")));
        }
    }
    Ok(())
}

/// Cognito accepts `https://` URLs, `http://localhost` (any port) for development, and app schemes such as
/// `myapp://callback`; never fragments, never plain `http` to other hosts.
fn check_redirect_url(member: &str, url: &str) -> Result<()> {
    let bad = |why: &str| {
        Err(invalid(format!(
            "{member} contains an invalid URL '{url}': {why}"
        )))
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        return bad("it must be an absolute URL");
    };
    if url.contains('#') {
        return bad("it must not contain a fragment");
    }
    if scheme.eq_ignore_ascii_case("http") {
        let host = rest.split(['/', '?']).next().unwrap_or("");
        let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
        if !matches!(host, "localhost" | "127.0.0.1" | "[::1]") {
            return bad("http is only allowed for localhost; use https");
        }
    }
    if rest.is_empty() && scheme.eq_ignore_ascii_case("https") {
        return bad("it has no host");
    }
    Ok(())
}

impl ClientSettingsInput {
    /// Applies defaults and rules, writing the result into `client` (which keeps its id, name and secret).
    pub(super) fn apply(self, pool: &UserPool, client: &mut AppClient) -> Result<()> {
        let units = self.token_validity_units.clone().unwrap_or_default();
        check_validity(
            "AccessTokenValidity",
            self.access_token_validity,
            &units.access_token,
            "hours",
            (300, 86_400),
            "5 minutes and 1 day",
        )?;
        check_validity(
            "IdTokenValidity",
            self.id_token_validity,
            &units.id_token,
            "hours",
            (300, 86_400),
            "5 minutes and 1 day",
        )?;
        let refresh = match self.refresh_token_validity {
            None | Some(0) => None,
            v => v,
        };
        check_validity(
            "RefreshTokenValidity",
            refresh,
            &units.refresh_token,
            "days",
            (3_600, 3_650 * 86_400),
            "60 minutes and 10 years",
        )?;

        let flows = match self.explicit_auth_flows {
            Some(f) if !f.is_empty() => f,
            _ => DEFAULT_FLOWS.iter().map(|s| s.to_string()).collect(),
        };
        let legacy = flows.iter().any(|f| LEGACY_FLOWS.contains(&f.as_str()));
        let modern = flows.iter().any(|f| f.starts_with("ALLOW_"));
        if legacy && modern {
            return Err(invalid(
                "ExplicitAuthFlows cannot combine legacy values with ALLOW_ values.",
            ));
        }
        let mut explicit_auth_flows: Vec<String> = Vec::with_capacity(flows.len());
        for f in flows {
            if !explicit_auth_flows.contains(&f) {
                explicit_auth_flows.push(f);
            }
        }

        let oauth_client = self.allowed_oauth_flows_user_pool_client.unwrap_or(false);
        let oauth_flows = self.allowed_oauth_flows.filter(|v| !v.is_empty());
        let scopes = self.allowed_oauth_scopes.filter(|v| !v.is_empty());
        let callbacks = self.callback_urls.filter(|v| !v.is_empty());
        let logouts = self.logout_urls.filter(|v| !v.is_empty());
        if let Some(f) = &oauth_flows {
            let cc = f.iter().any(|x| x == "client_credentials");
            if cc && f.iter().any(|x| x == "code" || x == "implicit") {
                return Err(oauth_flow_error(
                    "client_credentials flow can not be selected along with code flow or implicit flow.",
                ));
            }
            if cc && client.client_secret.is_none() {
                return Err(oauth_flow_error(
                    "client_credentials flow can not be selected if client does not have a client secret.",
                ));
            }
            if cc
                && scopes
                    .as_ref()
                    .is_some_and(|s| s.iter().any(|x| STANDARD_SCOPES.contains(&x.as_str())))
            {
                return Err(oauth_flow_error(
                    "client_credentials flow can only be used with custom scopes.",
                ));
            }
        }
        if oauth_client {
            if oauth_flows.is_none() {
                return Err(invalid(
                    "AllowedOAuthFlows is required when AllowedOAuthFlowsUserPoolClient is true.",
                ));
            }
            if scopes.is_none() {
                return Err(invalid(
                    "AllowedOAuthScopes is required when AllowedOAuthFlowsUserPoolClient is true.",
                ));
            }
            let browser_flow = oauth_flows
                .iter()
                .flatten()
                .any(|x| x == "code" || x == "implicit");
            if browser_flow && callbacks.is_none() {
                return Err(invalid(
                    "CallbackURLs are required when the code or implicit flow is allowed.",
                ));
            }
        }
        if let Some(scopes) = &scopes {
            for s in scopes {
                if !STANDARD_SCOPES.contains(&s.as_str())
                    && !crate::oauth::scopes::custom_scope_exists(pool, s)
                {
                    // Custom scopes must name a scope of one of the pool's resource servers.
                    return Err(CognitoError::new(
                        ErrorKind::ScopeDoesNotExistException,
                        format!("Invalid scope requested: {s}"),
                    ));
                }
            }
        }
        for url in callbacks.iter().flatten() {
            check_redirect_url("CallbackURLs", url)?;
        }
        for url in logouts.iter().flatten() {
            check_redirect_url("LogoutURLs", url)?;
        }
        if let Some(d) = &self.default_redirect_uri {
            check_redirect_url("DefaultRedirectURI", d)?;
            if !callbacks.iter().flatten().any(|c| c == d) {
                return Err(invalid("DefaultRedirectURI must be one of the CallbackURLs."));
            }
        }
        if let Some(idps) = &self.supported_identity_providers {
            for idp in idps {
                if idp != "COGNITO" {
                    return Err(invalid(format!(
                        "The provider {idp} does not exist for User Pool {}",
                        pool.id
                    )));
                }
            }
        }
        // An empty list means "not set", as Cognito reads it: Terraform sends `[]` for every list it has no value
        // for, and a client that read or wrote no attribute at all would silently break its tokens and profile.
        let read_attributes = self.read_attributes.filter(|v| !v.is_empty());
        let write_attributes = self.write_attributes.filter(|v| !v.is_empty());
        let supported_identity_providers = self.supported_identity_providers.filter(|v| !v.is_empty());
        let known = |name: &String| pool.schema_attributes.iter().any(|a| &a.name == name);
        if let Some(read) = &read_attributes {
            if read.iter().any(|a| !known(a)) {
                return Err(invalid(
                    "Invalid read attributes specified while creating a client",
                ));
            }
        }
        if let Some(write) = &write_attributes {
            let required_missing = pool
                .schema_attributes
                .iter()
                .any(|a| a.required && a.name != "sub" && !write.contains(&a.name));
            if write.iter().any(|a| !known(a) || a == "sub") || required_missing {
                return Err(invalid(
                    "Invalid write attributes specified while creating a client",
                ));
            }
        }

        client.refresh_token_validity = refresh.unwrap_or(30);
        client.access_token_validity = self.access_token_validity;
        client.id_token_validity = self.id_token_validity;
        client.token_validity_units = self.token_validity_units;
        client.read_attributes = read_attributes;
        client.write_attributes = write_attributes;
        client.explicit_auth_flows = explicit_auth_flows;
        client.supported_identity_providers = supported_identity_providers;
        client.callback_urls = callbacks;
        client.logout_urls = logouts;
        client.default_redirect_uri = self.default_redirect_uri;
        client.allowed_oauth_flows = oauth_flows;
        client.allowed_oauth_scopes = scopes;
        client.allowed_oauth_flows_user_pool_client = oauth_client;
        client.analytics_configuration = self.analytics_configuration;
        client.prevent_user_existence_errors = self
            .prevent_user_existence_errors
            .unwrap_or_else(|| "LEGACY".into());
        client.enable_token_revocation = self.enable_token_revocation.unwrap_or(true);
        client.enable_propagate_additional_user_context_data = self
            .enable_propagate_additional_user_context_data
            .unwrap_or(false);
        client.auth_session_validity = self.auth_session_validity.unwrap_or(3);
        client.refresh_token_rotation = self.refresh_token_rotation;
        client.other = BTreeMap::new();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_urls() {
        assert!(check_redirect_url("CallbackURLs", "https://app.example.com/cb").is_ok());
        assert!(check_redirect_url("CallbackURLs", "http://localhost:3000/cb").is_ok());
        assert!(check_redirect_url("CallbackURLs", "myapp://callback").is_ok());
        assert!(check_redirect_url("CallbackURLs", "http://example.com/cb").is_err());
        assert!(check_redirect_url("CallbackURLs", "https://example.com/cb#frag").is_err());
        assert!(check_redirect_url("CallbackURLs", "/relative").is_err());
    }
}
