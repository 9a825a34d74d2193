//! AWS::Cognito::UserPoolIdentityProvider: `ProviderName`, `ProviderType`, `ProviderDetails`,
//! `AttributeMapping`, `IdpIdentifiers`, `UserPoolId` (the API's names). Found in its pool by provider name; a
//! changed `ProviderType` replaces it, as in CloudFormation. `Ref` is the provider name.

use serde_json::{json, Map, Value};

use super::{absent_if_not_found, keyed_current, member, required_text, Current, Desired, Env, Rules};
use crate::apply::client::ApiError;

pub static RULES: Rules = Rules {
    replace: &["ProviderType"],
    fixed: &[],
    create_only: &[],
    defaults: super::no_defaults,
};

pub fn desired(mut d: Desired, props: Map<String, Value>) -> Result<Desired, String> {
    d.parent = Some(required_text(&props, "UserPoolId")?);
    required_text(&props, "ProviderName")?;
    required_text(&props, "ProviderType")?;
    d.request.extend(props);
    Ok(d)
}

pub async fn read(env: &Env<'_>, d: &Desired) -> Result<Option<Current>, ApiError> {
    let body = json!({"UserPoolId": d.parent, "ProviderName": d.request.get("ProviderName")});
    let Some(answer) = absent_if_not_found(env.client.idp("DescribeIdentityProvider", body).await)? else {
        return Ok(None);
    };
    Ok(Some(current(d, member(&answer, "IdentityProvider"))))
}

fn current(d: &Desired, state: Map<String, Value>) -> Current {
    keyed_current(d, "ProviderName", state)
}

pub async fn create(env: &Env<'_>, d: &Desired) -> Result<Current, ApiError> {
    let answer = env
        .client
        .idp("CreateIdentityProvider", Value::Object(d.request.clone()))
        .await?;
    Ok(current(d, member(&answer, "IdentityProvider")))
}

pub async fn update(env: &Env<'_>, d: &Desired) -> Result<Current, ApiError> {
    let mut request = d.request.clone();
    request.remove("ProviderType");
    let answer = env
        .client
        .idp("UpdateIdentityProvider", Value::Object(request))
        .await?;
    Ok(current(d, member(&answer, "IdentityProvider")))
}
