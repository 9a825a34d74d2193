//! AWS::Cognito::UserPoolUICustomizationAttachment: `ClientId` (or `ALL`), `CSS`, `UserPoolId` (the API's names),
//! set with SetUICustomization and found with GetUICustomization; deleting sets an empty customization. `Ref` is
//! the client id.

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
    required_text(&props, "ClientId")?;
    d.request.extend(props);
    Ok(d)
}

pub async fn read(env: &Env<'_>, d: &Desired) -> Result<Option<Current>, ApiError> {
    let body = json!({"UserPoolId": d.parent, "ClientId": d.request.get("ClientId")});
    let Some(answer) = absent_if_not_found(env.client.idp("GetUICustomization", body).await)? else {
        return Ok(None);
    };
    let state = member(&answer, "UICustomization");
    // A customization of `ALL` shows through on every client; only one set for this client id is this resource's.
    let own = state.get("ClientId") == d.request.get("ClientId");
    if !own || state.get("CSS").is_none_or(Value::is_null) {
        return Ok(None);
    }
    Ok(Some(current(d, state)))
}

fn current(d: &Desired, state: Map<String, Value>) -> Current {
    keyed_current(d, "ClientId", state)
}

pub async fn create(env: &Env<'_>, d: &Desired) -> Result<Current, ApiError> {
    let answer = env
        .client
        .idp("SetUICustomization", Value::Object(d.request.clone()))
        .await?;
    Ok(current(d, member(&answer, "UICustomization")))
}
