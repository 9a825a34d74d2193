//! The Cognito resource types `latchkey apply` manages: for each, the API request a template's properties make
//! (CloudFormation's property names are mostly the API's; each module notes where not), how the resource is found
//! again, created, updated and deleted, what `Ref`/`Fn::GetAtt` give, and which property changes CloudFormation
//! answers with a replacement (or which Cognito cannot change at all).
//!
//! Children of a user pool are found inside their pool by their natural key (client name, group name, domain,
//! resource server identifier, username, provider name, client id of a UI customization); user and identity
//! pools by the stack's tags (see `stack`). A child the template gives no name gets `{stack}-{logical id}`, cut to
//! the type's length limit: CloudFormation appends a random suffix, which would make a second apply create a
//! second resource.

mod client;
mod domain;
mod group;
mod identity_pool;
mod idp;
mod resource_server;
mod role_attachment;
mod ui;
mod user;
mod user_pool;

use serde_json::{Map, Value};

pub use user_pool::schema_changes;

use super::client::{ApiError, CognitoClient};
use super::stack::StackIndex;
use crate::template::{ResourceKind, ResourceOutputs};

/// The settings of the resource a template declares, as the create call's members.
#[derive(Debug, Clone)]
pub struct Desired {
    pub kind: ResourceKind,
    pub logical_id: String,
    /// The create request (API member names, parent ids included).
    pub request: Map<String, Value>,
    /// The id of the user or identity pool it belongs to, for children.
    pub parent: Option<String>,
    /// Things about the template the user should know (a property latchkey does not manage, …).
    pub notes: Vec<String>,
}

/// A resource as Cognito has it now.
#[derive(Debug, Clone)]
pub struct Current {
    /// The physical id, what `Ref` gives.
    pub id: String,
    pub parent: Option<String>,
    /// What Cognito answers, under the create request's member names.
    pub state: Map<String, Value>,
    pub outputs: ResourceOutputs,
}

/// What the calls need besides the resource.
pub struct Env<'a> {
    pub client: &'a CognitoClient,
    pub stack: &'a str,
    pub index: &'a StackIndex,
}

/// Per type: which changed members CloudFormation replaces the resource for, which Cognito cannot change on an
/// existing resource (refused, with the reason), which are only sent on create (never compared), and the values
/// Cognito leaves out of its answers when they are the default.
pub struct Rules {
    pub replace: &'static [&'static str],
    pub fixed: &'static [&'static str],
    pub create_only: &'static [&'static str],
    pub defaults: fn() -> Vec<(&'static str, Value)>,
}

fn no_defaults() -> Vec<(&'static str, Value)> {
    Vec::new()
}

pub fn rules(kind: ResourceKind) -> &'static Rules {
    match kind {
        ResourceKind::UserPool => &user_pool::RULES,
        ResourceKind::UserPoolClient => &client::RULES,
        ResourceKind::UserPoolDomain => &domain::RULES,
        ResourceKind::UserPoolGroup => &group::RULES,
        ResourceKind::UserPoolUser => &user::RULES,
        ResourceKind::UserPoolResourceServer => &resource_server::RULES,
        ResourceKind::UserPoolUICustomizationAttachment => &ui::RULES,
        ResourceKind::UserPoolIdentityProvider => &idp::RULES,
        ResourceKind::IdentityPool => &identity_pool::RULES,
        _ => &role_attachment::RULES,
    }
}

/// The create request for a resource's resolved properties.
pub fn desired(
    kind: ResourceKind,
    stack: &str,
    logical_id: &str,
    properties: &Value,
) -> Result<Desired, String> {
    let props = match properties {
        Value::Object(m) => coerce_object(m),
        Value::Null => Map::new(),
        _ => return Err("Properties must be a map".into()),
    };
    let d = Desired {
        kind,
        logical_id: logical_id.to_string(),
        request: Map::new(),
        parent: None,
        notes: Vec::new(),
    };
    let name = |max: usize| generated_name(stack, logical_id, max);
    match kind {
        ResourceKind::UserPool => user_pool::desired(d, props, stack, name(128)),
        ResourceKind::UserPoolClient => client::desired(d, props, name(128)),
        ResourceKind::UserPoolDomain => domain::desired(d, props),
        ResourceKind::UserPoolGroup => group::desired(d, props, name(128)),
        ResourceKind::UserPoolUser => user::desired(d, props, name(128)),
        ResourceKind::UserPoolResourceServer => resource_server::desired(d, props),
        ResourceKind::UserPoolUICustomizationAttachment => ui::desired(d, props),
        ResourceKind::UserPoolIdentityProvider => idp::desired(d, props),
        ResourceKind::IdentityPool => identity_pool::desired(d, props, stack, name(128)),
        ResourceKind::IdentityPoolRoleAttachment => role_attachment::desired(d, props),
        other => Err(format!("{other} is not a Cognito resource")),
    }
}

pub async fn read(env: &Env<'_>, d: &Desired) -> Result<Option<Current>, ApiError> {
    match d.kind {
        ResourceKind::UserPool => user_pool::read(env, d).await,
        ResourceKind::UserPoolClient => client::read(env, d).await,
        ResourceKind::UserPoolDomain => domain::read(env, d).await,
        ResourceKind::UserPoolGroup => group::read(env, d).await,
        ResourceKind::UserPoolUser => user::read(env, d).await,
        ResourceKind::UserPoolResourceServer => resource_server::read(env, d).await,
        ResourceKind::UserPoolUICustomizationAttachment => ui::read(env, d).await,
        ResourceKind::UserPoolIdentityProvider => idp::read(env, d).await,
        ResourceKind::IdentityPool => identity_pool::read(env, d).await,
        _ => role_attachment::read(env, d).await,
    }
}

pub async fn create(env: &Env<'_>, d: &Desired) -> Result<Current, ApiError> {
    match d.kind {
        ResourceKind::UserPool => user_pool::create(env, d).await,
        ResourceKind::UserPoolClient => client::create(env, d).await,
        ResourceKind::UserPoolDomain => domain::create(env, d).await,
        ResourceKind::UserPoolGroup => group::create(env, d).await,
        ResourceKind::UserPoolUser => user::create(env, d).await,
        ResourceKind::UserPoolResourceServer => resource_server::create(env, d).await,
        ResourceKind::UserPoolUICustomizationAttachment => ui::create(env, d).await,
        ResourceKind::UserPoolIdentityProvider => idp::create(env, d).await,
        ResourceKind::IdentityPool => identity_pool::create(env, d).await,
        _ => role_attachment::create(env, d).await,
    }
}

/// Changes `current` in place to what `d` asks for (only called when no replacement is needed).
pub async fn update(env: &Env<'_>, d: &Desired, current: &Current) -> Result<Current, ApiError> {
    match d.kind {
        ResourceKind::UserPool => user_pool::update(env, d, current).await,
        ResourceKind::UserPoolClient => client::update(env, d, current).await,
        ResourceKind::UserPoolDomain => domain::update(env, d, current).await,
        ResourceKind::UserPoolGroup => group::create_or_update(env, d, "UpdateGroup").await,
        ResourceKind::UserPoolUser => user::create(env, d).await,
        ResourceKind::UserPoolResourceServer => resource_server::update(env, d).await,
        ResourceKind::UserPoolUICustomizationAttachment => ui::create(env, d).await,
        ResourceKind::UserPoolIdentityProvider => idp::update(env, d).await,
        ResourceKind::IdentityPool => identity_pool::update(env, d, current).await,
        _ => role_attachment::create(env, d).await,
    }
}

pub async fn delete(env: &Env<'_>, kind: ResourceKind, current: &Current) -> Result<(), ApiError> {
    let pool = current.parent.clone().unwrap_or_default();
    let (op, body) = match kind {
        ResourceKind::UserPool => ("DeleteUserPool", serde_json::json!({"UserPoolId": current.id})),
        ResourceKind::UserPoolClient => (
            "DeleteUserPoolClient",
            serde_json::json!({"UserPoolId": pool, "ClientId": current.id}),
        ),
        ResourceKind::UserPoolDomain => (
            "DeleteUserPoolDomain",
            serde_json::json!({"UserPoolId": pool, "Domain": current.id}),
        ),
        ResourceKind::UserPoolGroup => (
            "DeleteGroup",
            serde_json::json!({"UserPoolId": pool, "GroupName": current.id}),
        ),
        ResourceKind::UserPoolUser => (
            "AdminDeleteUser",
            serde_json::json!({"UserPoolId": pool, "Username": current.id}),
        ),
        ResourceKind::UserPoolResourceServer => (
            "DeleteResourceServer",
            serde_json::json!({"UserPoolId": pool, "Identifier": current.id}),
        ),
        // CloudFormation removes a UI customization by setting an empty one.
        ResourceKind::UserPoolUICustomizationAttachment => (
            "SetUICustomization",
            serde_json::json!({"UserPoolId": pool, "ClientId": current.id}),
        ),
        ResourceKind::UserPoolIdentityProvider => (
            "DeleteIdentityProvider",
            serde_json::json!({"UserPoolId": pool, "ProviderName": current.id}),
        ),
        ResourceKind::IdentityPool => {
            let body = serde_json::json!({"IdentityPoolId": current.id});
            return env.client.identity("DeleteIdentityPool", body).await.map(|_| ());
        }
        _ => {
            let body = serde_json::json!({"IdentityPoolId": current.id, "Roles": {}});
            return env
                .client
                .identity("SetIdentityPoolRoles", body)
                .await
                .map(|_| ());
        }
    };
    match env.client.idp(op, body).await {
        Ok(_) => Ok(()),
        // Already gone (with its pool, or by hand): what --delete wanted.
        Err(e) if e.is("ResourceNotFoundException") || e.is("UserNotFoundException") => Ok(()),
        Err(e) => Err(e),
    }
}

/// What finds a child inside its pool (`None` for user and identity pools, found by their tags): two resources
/// of a template with one key in one pool would be the same resource.
pub fn natural_key(d: &Desired) -> Option<String> {
    let member = match d.kind {
        ResourceKind::UserPoolClient => "ClientName",
        ResourceKind::UserPoolDomain => "Domain",
        ResourceKind::UserPoolGroup => "GroupName",
        ResourceKind::UserPoolUser => "Username",
        ResourceKind::UserPoolResourceServer => "Identifier",
        ResourceKind::UserPoolUICustomizationAttachment => "ClientId",
        ResourceKind::UserPoolIdentityProvider => "ProviderName",
        ResourceKind::IdentityPoolRoleAttachment => "IdentityPoolId",
        _ => return None,
    };
    let value = d
        .request
        .get(member)
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))?;
    Some(format!("{member} {value:?}"))
}

/// `{stack}-{logical id}`, cut to `max` characters.
pub fn generated_name(stack: &str, logical_id: &str, max: usize) -> String {
    format!("{stack}-{logical_id}").chars().take(max).collect()
}

/// The outputs of a resource with only a `Ref` value and the given attributes.
fn outputs(ref_value: &str, attributes: &[(&str, &str)]) -> ResourceOutputs {
    ResourceOutputs {
        ref_value: ref_value.to_string(),
        attributes: attributes
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

/// A required string property.
fn required_text(props: &Map<String, Value>, name: &str) -> Result<String, String> {
    match props.get(name) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(_) => Err(format!("property {name} must be a string")),
        None => Err(format!("property {name} is required")),
    }
}

/// A child found in its pool by a natural key (a provider name, an identifier, a client id) that is also its `Ref`:
/// the desired request names it, so the answer's shape does not matter.
fn keyed_current(d: &Desired, key: &str, state: Map<String, Value>) -> Current {
    let id = d.request.get(key).and_then(Value::as_str).unwrap_or_default();
    Current {
        id: id.to_string(),
        parent: d.parent.clone(),
        outputs: outputs(id, &[]),
        state,
    }
}

/// The object an answer holds under `member`, or an empty one.
fn member(answer: &Value, name: &str) -> Map<String, Value> {
    answer
        .get(name)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn text(answer: &Map<String, Value>, name: &str) -> String {
    answer
        .get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Treats "not found" answers as absence.
fn absent_if_not_found<T>(result: Result<T, ApiError>) -> Result<Option<T>, ApiError> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is("ResourceNotFoundException") || e.is("UserNotFoundException") => Ok(None),
        Err(e) => Err(e),
    }
}

/// Members the API types as numbers or booleans, which a template may spell as strings (a `Ref` to a parameter
/// always is one), and members the API types as strings that a template may write as numbers.
const NUMBER_MEMBERS: &[&str] = &[
    "MinimumLength",
    "TemporaryPasswordValidityDays",
    "PasswordHistorySize",
    "UnusedAccountValidityDays",
    "Precedence",
    "Priority",
    "AccessTokenValidity",
    "IdTokenValidity",
    "RefreshTokenValidity",
    "AuthSessionValidity",
    "RetryGracePeriodSeconds",
];
const BOOL_MEMBERS: &[&str] = &[
    "RequireUppercase",
    "RequireLowercase",
    "RequireNumbers",
    "RequireSymbols",
    "AllowAdminCreateUserOnly",
    "GenerateSecret",
    "AllowedOAuthFlowsUserPoolClient",
    "EnableTokenRevocation",
    "EnablePropagateAdditionalUserContextData",
    "AllowUnauthenticatedIdentities",
    "AllowClassicFlow",
    "ServerSideTokenCheck",
    "Mutable",
    "Required",
    "DeveloperOnlyAttribute",
    "ChallengeRequiredOnNewDevice",
    "DeviceOnlyRememberedOnUserPrompt",
    "CaseSensitive",
    "ForceAliasCreation",
    "UserDataShared",
    "AdvancedSecurityAdditionalFlows",
];
const STRING_MEMBERS: &[&str] = &["MinValue", "MaxValue", "MinLength", "MaxLength"];

fn coerce_object(m: &Map<String, Value>) -> Map<String, Value> {
    m.iter().map(|(k, v)| (k.clone(), coerce(k, v))).collect()
}

fn coerce(key: &str, v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(coerce_object(m)),
        Value::Array(a) => Value::Array(a.iter().map(|x| coerce(key, x)).collect()),
        Value::String(s) if NUMBER_MEMBERS.contains(&key) => s
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| v.clone()),
        Value::String(s) if BOOL_MEMBERS.contains(&key) => match s.to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => v.clone(),
        },
        Value::Number(n) if STRING_MEMBERS.contains(&key) => Value::String(n.to_string()),
        _ => v.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_from_parameters_become_the_api_types() {
        let props = json!({"Policies": {"PasswordPolicy": {"MinimumLength": "12", "RequireSymbols": "false"}},
            "Schema": [{"Name": "n", "NumberAttributeConstraints": {"MinValue": 1}, "Mutable": "true"}]});
        let Value::Object(m) = props else { unreachable!() };
        let c = Value::Object(coerce_object(&m));
        assert_eq!(c["Policies"]["PasswordPolicy"]["MinimumLength"], json!(12));
        assert_eq!(c["Policies"]["PasswordPolicy"]["RequireSymbols"], json!(false));
        assert_eq!(
            c["Schema"][0]["NumberAttributeConstraints"]["MinValue"],
            json!("1")
        );
        assert_eq!(c["Schema"][0]["Mutable"], json!(true));
    }

    #[test]
    fn names_are_generated_from_the_logical_id() {
        assert_eq!(generated_name("shop", "WebClient", 128), "shop-WebClient");
        assert_eq!(generated_name("shop", "WebClient", 6), "shop-W");
    }
}
