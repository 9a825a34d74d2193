//! AWS::Cognito::UserPoolResourceServer: `Identifier`, `Name`, `Scopes`, `UserPoolId` (the API's names). Found in
//! its pool by identifier; a new identifier is a new resource server. `Ref` is the identifier.

use serde_json::{json, Map, Value};

use super::{absent_if_not_found, keyed_current, member, required_text, Current, Desired, Env, Rules};
use crate::apply::client::ApiError;

pub static RULES: Rules = Rules {
    replace: &[],
    fixed: &[],
    create_only: &[],
    defaults: super::no_defaults,
};

pub fn desired(mut d: Desired, props: Map<String, Value>) -> Result<Desired, String> {
    d.parent = Some(required_text(&props, "UserPoolId")?);
    required_text(&props, "Identifier")?;
    required_text(&props, "Name")?;
    d.request.extend(props);
    Ok(d)
}

pub async fn read(env: &Env<'_>, d: &Desired) -> Result<Option<Current>, ApiError> {
    let body = json!({"UserPoolId": d.parent, "Identifier": d.request.get("Identifier")});
    let Some(answer) = absent_if_not_found(env.client.idp("DescribeResourceServer", body).await)? else {
        return Ok(None);
    };
    Ok(Some(current(d, member(&answer, "ResourceServer"))))
}

fn current(d: &Desired, state: Map<String, Value>) -> Current {
    keyed_current(d, "Identifier", state)
}

pub async fn create(env: &Env<'_>, d: &Desired) -> Result<Current, ApiError> {
    let answer = env
        .client
        .idp("CreateResourceServer", Value::Object(d.request.clone()))
        .await?;
    Ok(current(d, member(&answer, "ResourceServer")))
}

pub async fn update(env: &Env<'_>, d: &Desired) -> Result<Current, ApiError> {
    let answer = env
        .client
        .idp("UpdateResourceServer", Value::Object(d.request.clone()))
        .await?;
    Ok(current(d, member(&answer, "ResourceServer")))
}
