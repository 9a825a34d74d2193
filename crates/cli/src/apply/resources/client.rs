//! AWS::Cognito::UserPoolClient: CloudFormation's property names are the API's. Found in its pool by
//! `ClientName` (a template may not give two clients of one pool the same name). A changed `GenerateSecret` needs a
//! new client, as in CloudFormation. `Ref` is the client id; attributes `ClientId`, `ClientSecret`, `Name`.

use serde_json::{json, Map, Value};

use super::{member, outputs, required_text, text, Current, Desired, Env, Rules};
use crate::apply::client::ApiError;

pub static RULES: Rules = Rules {
    replace: &["GenerateSecret"],
    fixed: &[],
    create_only: &[],
    defaults: super::no_defaults,
};

pub fn desired(mut d: Desired, props: Map<String, Value>, generated: String) -> Result<Desired, String> {
    d.parent = Some(required_text(&props, "UserPoolId")?);
    d.request.extend(props);
    d.request.entry("ClientName").or_insert(Value::String(generated));
    Ok(d)
}

pub async fn read(env: &Env<'_>, d: &Desired) -> Result<Option<Current>, ApiError> {
    let pool = d.parent.clone().unwrap_or_default();
    let name = d
        .request
        .get("ClientName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut token: Option<String> = None;
    let mut found = Vec::new();
    for _ in 0..10_000 {
        let mut body = json!({"UserPoolId": pool, "MaxResults": 60});
        if let Some(t) = &token {
            body["NextToken"] = json!(t);
        }
        let answer = match env.client.idp("ListUserPoolClients", body).await {
            Ok(a) => a,
            Err(e) if e.is("ResourceNotFoundException") => return Ok(None),
            Err(e) => return Err(e),
        };
        for c in answer
            .get("UserPoolClients")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if c.get("ClientName").and_then(Value::as_str) == Some(name) {
                found.push(
                    c.get("ClientId")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                );
            }
        }
        token = answer
            .get("NextToken")
            .and_then(Value::as_str)
            .map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    match found.as_slice() {
        [] => Ok(None),
        [id] => describe(env, &pool, id).await.map(Some),
        _ => Err(ApiError {
            code: "AmbiguousClient".into(),
            message: format!(
                "user pool {pool} has {} app clients named {name:?} ({}); latchkey apply finds clients by name, so \
                 rename or delete all but one",
                found.len(),
                found.join(", ")
            ),
        }),
    }
}

async fn describe(env: &Env<'_>, pool: &str, id: &str) -> Result<Current, ApiError> {
    let answer = env
        .client
        .idp(
            "DescribeUserPoolClient",
            json!({"UserPoolId": pool, "ClientId": id}),
        )
        .await?;
    let mut state = member(&answer, "UserPoolClient");
    let secret = text(&state, "ClientSecret");
    // Only whether there is a secret is compared, never the secret.
    let has_secret = state.remove("ClientSecret").is_some();
    state.insert("GenerateSecret".into(), Value::Bool(has_secret));
    let name = text(&state, "ClientName");
    Ok(Current {
        id: id.to_string(),
        parent: Some(pool.to_string()),
        outputs: outputs(
            id,
            &[("ClientId", id), ("ClientSecret", &secret), ("Name", &name)],
        ),
        state,
    })
}

pub async fn create(env: &Env<'_>, d: &Desired) -> Result<Current, ApiError> {
    let answer = env
        .client
        .idp("CreateUserPoolClient", Value::Object(d.request.clone()))
        .await?;
    let created = member(&answer, "UserPoolClient");
    let id = text(&created, "ClientId");
    describe(env, d.parent.as_deref().unwrap_or_default(), &id).await
}

/// UpdateUserPoolClient resets what it is not sent, as CloudFormation's update does.
pub async fn update(env: &Env<'_>, d: &Desired, current: &Current) -> Result<Current, ApiError> {
    let mut request = d.request.clone();
    request.remove("GenerateSecret");
    request.insert("ClientId".into(), json!(current.id));
    env.client
        .idp("UpdateUserPoolClient", Value::Object(request))
        .await?;
    describe(env, d.parent.as_deref().unwrap_or_default(), &current.id).await
}
