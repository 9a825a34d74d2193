//! AWS::Cognito::IdentityPoolRoleAttachment: `IdentityPoolId`, `Roles` and `RoleMappings`, set with
//! SetIdentityPoolRoles. CloudFormation's `RoleMappings` is a map of arbitrary keys whose values name their
//! provider in `IdentityProvider`; the API's is keyed by that provider. Deleting sets no roles. `Ref` and the `Id`
//! attribute are the identity pool id.

use serde_json::{json, Map, Value};

use super::{outputs, required_text, Current, Desired, Env, Rules};
use crate::apply::client::ApiError;

pub static RULES: Rules = Rules {
    replace: &[],
    fixed: &[],
    create_only: &[],
    defaults: super::no_defaults,
};

pub fn desired(mut d: Desired, mut props: Map<String, Value>) -> Result<Desired, String> {
    let pool = required_text(&props, "IdentityPoolId")?;
    d.parent = Some(pool.clone());
    if let Some(mappings) = props.remove("RoleMappings") {
        d.request
            .insert("RoleMappings".into(), Value::Object(role_mappings(&mappings)?));
    }
    d.request.extend(props);
    d.request.entry("Roles").or_insert(json!({}));
    Ok(d)
}

/// CloudFormation's `RoleMappings` to the API's: keyed by each entry's `IdentityProvider`.
pub fn role_mappings(mappings: &Value) -> Result<Map<String, Value>, String> {
    let Value::Object(entries) = mappings else {
        return Err("property RoleMappings must be a map".into());
    };
    let mut out = Map::new();
    for (key, entry) in entries {
        let Value::Object(entry) = entry else {
            return Err(format!("RoleMappings.{key} must be a map"));
        };
        let mut mapping = entry.clone();
        let provider = match mapping.remove("IdentityProvider") {
            Some(Value::String(p)) => p,
            Some(_) => return Err(format!("RoleMappings.{key}.IdentityProvider must be a string")),
            None => return Err(format!("RoleMappings.{key} needs an IdentityProvider")),
        };
        if out.insert(provider.clone(), Value::Object(mapping)).is_some() {
            return Err(format!("RoleMappings names identity provider {provider} twice"));
        }
    }
    Ok(out)
}

pub async fn read(env: &Env<'_>, d: &Desired) -> Result<Option<Current>, ApiError> {
    let id = d.parent.clone().unwrap_or_default();
    let answer = match env
        .client
        .identity("GetIdentityPoolRoles", json!({"IdentityPoolId": id}))
        .await
    {
        Ok(Value::Object(m)) => m,
        Ok(_) => Map::new(),
        Err(e) if e.is("ResourceNotFoundException") => return Ok(None),
        Err(e) => return Err(e),
    };
    let has_roles = answer
        .get("Roles")
        .and_then(Value::as_object)
        .is_some_and(|r| !r.is_empty());
    let has_mappings = answer
        .get("RoleMappings")
        .and_then(Value::as_object)
        .is_some_and(|r| !r.is_empty());
    if !has_roles && !has_mappings {
        return Ok(None);
    }
    Ok(Some(current(&id, answer)))
}

fn current(id: &str, state: Map<String, Value>) -> Current {
    Current {
        id: id.to_string(),
        parent: None,
        outputs: outputs(id, &[("Id", id)]),
        state,
    }
}

pub async fn create(env: &Env<'_>, d: &Desired) -> Result<Current, ApiError> {
    env.client
        .identity("SetIdentityPoolRoles", Value::Object(d.request.clone()))
        .await?;
    Ok(current(
        d.parent.as_deref().unwrap_or_default(),
        d.request.clone(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_mappings_are_keyed_by_provider() {
        let cfn = json!({"users": {"IdentityProvider": "cognito-idp.us-east-1.amazonaws.com/p_1:abc",
            "Type": "Token", "AmbiguousRoleResolution": "Deny"}});
        let api = role_mappings(&cfn).unwrap();
        assert_eq!(
            Value::Object(api),
            json!({"cognito-idp.us-east-1.amazonaws.com/p_1:abc": {"Type": "Token", "AmbiguousRoleResolution": "Deny"}})
        );
        assert!(role_mappings(&json!({"x": {"Type": "Token"}}))
            .unwrap_err()
            .contains("IdentityProvider"));
        let twice = json!({"a": {"IdentityProvider": "p"}, "b": {"IdentityProvider": "p"}});
        assert!(role_mappings(&twice).is_err());
    }
}
