//! What `latchkey gateway` serves — stage, authorizers, routes and their integrations — as read from a TOML file
//! or made from a CloudFormation/SAM template (`crate::template`). The TOML file is this structure, one to one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The whole gateway: one REST API stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayConfig {
    /// The stage name: every route is served both under `/<stage>/…` and without the prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// Where Lambda proxy integrations are invoked (`POST {lambda_endpoint}/2015-03-31/functions/{name}/invocations`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda_endpoint: Option<String>,
    /// CORS answered by the gateway itself (preflight and response headers); none when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cors: Option<Cors>,
    /// Cognito user pool authorizers by name.
    #[serde(default)]
    pub authorizers: BTreeMap<String, Authorizer>,
    /// The routes, in TOML as `[[route]]` tables.
    #[serde(default, rename = "route")]
    pub routes: Vec<Route>,
}

/// A `COGNITO_USER_POOLS` authorizer: tokens of any of these pools are accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Authorizer {
    /// Issuer URLs, one per user pool (`{public_url}/{poolId}` for Latchkey,
    /// `https://cognito-idp.{region}.amazonaws.com/{poolId}` for Cognito).
    pub issuers: Vec<String>,
    /// The header the token is read from (API Gateway's identity source).
    #[serde(default = "default_identity_header")]
    pub identity_header: String,
}

pub fn default_identity_header() -> String {
    "Authorization".to_string()
}

/// One method on one resource path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// `GET`, `POST`, … or `ANY`.
    pub method: String,
    /// The resource path as API Gateway writes it: `/foo`, `/items/{id}`, `/{proxy+}`.
    pub path: String,
    /// The authorizer's name in `authorizers`; none means the route is open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer: Option<String>,
    /// Authorization scopes: when non-empty an access token carrying one of them is required, otherwise an ID token.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    pub integration: Integration,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Integration {
    /// Lambda proxy integration: the function (a template's logical id unless configured otherwise) gets API
    /// Gateway's REST proxy event.
    Lambda { function: String },
    /// HTTP proxy integration: the request goes to `url` (a `{proxy}` or `{param}` in it is filled from the path),
    /// with verified claims passed in the headers named by `claim_headers` (header name → claim name).
    Http {
        url: String,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        claim_headers: BTreeMap<String, String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cors {
    /// `Access-Control-Allow-Origin`, e.g. `*` or `https://app.example.com`.
    pub allow_origin: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_methods: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_headers: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<u64>,
    #[serde(default)]
    pub allow_credentials: bool,
}
