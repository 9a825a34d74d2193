//! AWS::Cognito::UserPoolGroup: `GroupName`, `Description`, `Precedence`, `RoleArn`, `UserPoolId` (the API's
//! names). Found in its pool by name; a new name is a new group, as in CloudFormation. `Ref` is the group name.

use serde_json::{json, Map, Value};

use super::{absent_if_not_found, member, outputs, required_text, text, Current, Desired, Env, Rules};
use crate::apply::client::ApiError;

pub static RULES: Rules = Rules {
    replace: &[],
    fixed: &[],
    create_only: &[],
    defaults: super::no_defaults,
};

pub fn desired(mut d: Desired, props: Map<String, Value>, generated: String) -> Result<Desired, String> {
    d.parent = Some(required_text(&props, "UserPoolId")?);
    d.request.extend(props);
    d.request.entry("GroupName").or_insert(Value::String(generated));
    Ok(d)
}

pub async fn read(env: &Env<'_>, d: &Desired) -> Result<Option<Current>, ApiError> {
    let body = json!({"UserPoolId": d.parent, "GroupName": d.request.get("GroupName")});
    let Some(answer) = absent_if_not_found(env.client.idp("GetGroup", body).await)? else {
        return Ok(None);
    };
    let state = member(&answer, "Group");
    let name = text(&state, "GroupName");
    Ok(Some(Current {
        id: name.clone(),
        parent: d.parent.clone(),
        outputs: outputs(&name, &[]),
        state,
    }))
}

pub async fn create(env: &Env<'_>, d: &Desired) -> Result<Current, ApiError> {
    create_or_update(env, d, "CreateGroup").await
}

/// CreateGroup and UpdateGroup take the same members.
pub async fn create_or_update(env: &Env<'_>, d: &Desired, op: &str) -> Result<Current, ApiError> {
    let answer = env.client.idp(op, Value::Object(d.request.clone())).await?;
    let state = member(&answer, "Group");
    let name = text(&d.request, "GroupName");
    Ok(Current {
        id: name.clone(),
        parent: d.parent.clone(),
        outputs: outputs(&name, &[]),
        state,
    })
}
