//! AWS::Cognito::IdentityPool. CloudFormation's names are the API's except `IdentityPoolTags`, a list of
//! `{Key, Value}` in templates and a map in the API; the stack's tags are added to it. `CognitoEvents`,
//! `CognitoStreams` and `PushSync` configure Cognito Sync, not the identity pool API: they are left out, with a
//! note. Cognito does not let a `DeveloperProviderName` change once set. `Ref` is the identity pool id;
//! attributes `Id`, `Name`.

use serde_json::{json, Map, Value};

use super::{Current, Desired, Env, Rules};
use crate::apply::client::ApiError;
use crate::apply::stack::{identity_pool_outputs, stack_tags};

pub static RULES: Rules = Rules {
    replace: &[],
    fixed: &["DeveloperProviderName"],
    create_only: &[],
    defaults: super::no_defaults,
};

const COGNITO_SYNC: &[&str] = &["CognitoEvents", "CognitoStreams", "PushSync"];

pub fn desired(
    mut d: Desired,
    mut props: Map<String, Value>,
    stack: &str,
    generated: String,
) -> Result<Desired, String> {
    for name in COGNITO_SYNC {
        if props.remove(*name).is_some() {
            d.notes.push(format!(
                "{name} configures Cognito Sync, which latchkey apply does not manage; left out"
            ));
        }
    }
    let mut tags = match props.remove("IdentityPoolTags") {
        None => Map::new(),
        Some(Value::Array(list)) => list
            .iter()
            .map(|t| match (t.get("Key"), t.get("Value")) {
                (Some(Value::String(k)), Some(v)) => Ok((k.clone(), v.clone())),
                _ => Err("each IdentityPoolTags entry needs a Key and a Value".to_string()),
            })
            .collect::<Result<_, _>>()?,
        // The API's own shape, accepted too.
        Some(Value::Object(m)) => m,
        Some(_) => return Err("property IdentityPoolTags must be a list of {Key, Value}".into()),
    };
    tags.extend(stack_tags(stack, &d.logical_id));
    if !props.contains_key("AllowUnauthenticatedIdentities") {
        return Err("property AllowUnauthenticatedIdentities is required".into());
    }
    d.request.extend(props);
    d.request
        .entry("IdentityPoolName")
        .or_insert(Value::String(generated));
    d.request.insert("IdentityPoolTags".into(), Value::Object(tags));
    Ok(d)
}

pub async fn read(env: &Env<'_>, d: &Desired) -> Result<Option<Current>, ApiError> {
    let Some(tagged) = env.index.identity_pools.get(&d.logical_id) else {
        return Ok(None);
    };
    let answer = env
        .client
        .identity("DescribeIdentityPool", json!({"IdentityPoolId": tagged.id}))
        .await?;
    Ok(Some(current(&tagged.id, answer)))
}

fn current(id: &str, answer: Value) -> Current {
    let state = match answer {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    Current {
        id: id.to_string(),
        parent: None,
        outputs: identity_pool_outputs(id, &state),
        state,
    }
}

pub async fn create(env: &Env<'_>, d: &Desired) -> Result<Current, ApiError> {
    let answer = env
        .client
        .identity("CreateIdentityPool", Value::Object(d.request.clone()))
        .await?;
    let id = answer
        .get("IdentityPoolId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    Ok(current(&id, answer))
}

/// UpdateIdentityPool replaces the whole configuration, as CloudFormation's update does.
pub async fn update(env: &Env<'_>, d: &Desired, current_pool: &Current) -> Result<Current, ApiError> {
    let mut request = d.request.clone();
    request.insert("IdentityPoolId".into(), json!(current_pool.id));
    let answer = env
        .client
        .identity("UpdateIdentityPool", Value::Object(request))
        .await?;
    Ok(current(&current_pool.id, answer))
}
