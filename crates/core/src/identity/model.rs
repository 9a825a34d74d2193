//! The stored model of identity pools and identities. Serialized with the `cognito-identity` wire names, so a
//! pool's document reads like its `DescribeIdentityPool` and `GetIdentityPoolRoles` answers together.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// An identity pool: who may get an identity (which user pools and app clients, a developer provider, anyone
/// when unauthenticated access is allowed) and which roles its identities assume.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IdentityPool {
    /// `<region>:<uuid>`.
    #[serde(rename = "IdentityPoolId")]
    pub id: String,
    #[serde(rename = "IdentityPoolName")]
    pub name: String,
    #[serde(rename = "AllowUnauthenticatedIdentities")]
    pub allow_unauthenticated: bool,
    #[serde(default)]
    pub allow_classic_flow: bool,
    /// Public providers (`accounts.google.com`, `graph.facebook.com`, ...) → their app id.
    #[serde(default)]
    pub supported_login_providers: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub developer_provider_name: Option<String>,
    #[serde(default, rename = "OpenIdConnectProviderARNs")]
    pub open_id_connect_provider_arns: Vec<String>,
    #[serde(default, rename = "SamlProviderARNs")]
    pub saml_provider_arns: Vec<String>,
    /// The user pools and app clients whose ID tokens are accepted.
    #[serde(default)]
    pub cognito_identity_providers: Vec<CognitoProvider>,
    #[serde(default, rename = "IdentityPoolTags")]
    pub tags: BTreeMap<String, String>,
    /// `authenticated` / `unauthenticated` → role ARN (SetIdentityPoolRoles).
    #[serde(default)]
    pub roles: BTreeMap<String, String>,
    /// `<provider>:<clientId>` (or a provider name) → how to choose a role from that provider's token.
    #[serde(default)]
    pub role_mappings: BTreeMap<String, RoleMapping>,
    /// Provider name → its principal-tag map (SetPrincipalTagAttributeMap).
    #[serde(default)]
    pub principal_tags: BTreeMap<String, PrincipalTagMap>,
    #[serde(rename = "CreationDate")]
    pub created: Timestamp,
    /// Optimistic-concurrency version, kept in its own column.
    #[serde(skip)]
    pub version: i64,
}

/// One user pool app client an identity pool trusts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CognitoProvider {
    /// `cognito-idp.<region>.amazonaws.com/<userPoolId>`.
    pub provider_name: String,
    pub client_id: String,
    /// When set, a token of a signed-out, disabled or deleted user is refused even though it has not expired.
    #[serde(default)]
    pub server_side_token_check: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoleMappingType {
    Token,
    Rules,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AmbiguousRoleResolution {
    AuthenticatedRole,
    Deny,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MatchType {
    Equals,
    Contains,
    StartsWith,
    NotEqual,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleMapping {
    #[serde(rename = "Type")]
    pub kind: RoleMappingType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ambiguous_role_resolution: Option<AmbiguousRoleResolution>,
    /// For `Rules`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules_configuration: Option<RulesConfiguration>,
}

/// Rules tried in order; the first match wins (at most 25).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RulesConfiguration {
    pub rules: Vec<MappingRule>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MappingRule {
    pub claim: String,
    pub match_type: MatchType,
    pub value: String,
    #[serde(rename = "RoleARN")]
    pub role_arn: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PrincipalTagMap {
    pub use_defaults: bool,
    #[serde(default, rename = "PrincipalTags")]
    pub tags: BTreeMap<String, String>,
}

/// A login linked to an identity: the provider's name (`cognito-idp.<region>.amazonaws.com/<poolId>`,
/// `accounts.google.com`, or the pool's developer provider name) and the subject it names there (the user's
/// `sub`, or the developer's user identifier). A login belongs to at most one identity of a pool.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Login {
    pub provider: String,
    pub subject: String,
}

/// An identity of a pool: unauthenticated when it has no logins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// `<region>:<uuid>`.
    pub id: String,
    pub pool_id: String,
    pub logins: Vec<Login>,
    pub created: Timestamp,
    pub last_modified: Timestamp,
}
