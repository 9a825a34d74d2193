//! AWS::Cognito::UserPoolUser: AdminCreateUser's members (`Username`, `UserAttributes`, `ValidationData`,
//! `ClientMetadata`, `DesiredDeliveryMediums`, `ForceAliasCreation`, `MessageAction`, `UserPoolId`). Found in its
//! pool by username (AdminGetUser). CloudFormation replaces a user on any change, so a user whose attributes no
//! longer match is deleted and created again; the members that only shape the invitation are never compared.
//! `Ref` is the username.

use serde_json::{json, Map, Value};

use super::{absent_if_not_found, outputs, required_text, text, Current, Desired, Env, Rules};
use crate::apply::client::ApiError;

pub static RULES: Rules = Rules {
    replace: &["UserAttributes", "Username"],
    fixed: &[],
    create_only: &[
        "ValidationData",
        "ClientMetadata",
        "DesiredDeliveryMediums",
        "ForceAliasCreation",
        "MessageAction",
    ],
    defaults: super::no_defaults,
};

pub fn desired(mut d: Desired, props: Map<String, Value>, generated: String) -> Result<Desired, String> {
    d.parent = Some(required_text(&props, "UserPoolId")?);
    d.request.extend(props);
    d.request.entry("Username").or_insert(Value::String(generated));
    Ok(d)
}

pub async fn read(env: &Env<'_>, d: &Desired) -> Result<Option<Current>, ApiError> {
    let body = json!({"UserPoolId": d.parent, "Username": d.request.get("Username")});
    let answer = match absent_if_not_found(env.client.idp("AdminGetUser", body).await)? {
        Some(answer) => answer,
        None => match by_sign_in_attribute(env, d).await? {
            Some(answer) => answer,
            None => return Ok(None),
        },
    };
    let Value::Object(answer) = answer else {
        return Ok(None);
    };
    let username = text(&answer, "Username");
    let mut state = Map::new();
    // The name asked for, which may be an alias (an email) of the generated username.
    state.insert(
        "Username".into(),
        d.request.get("Username").cloned().unwrap_or(Value::Null),
    );
    // Cognito adds attributes of its own (`sub`, `email_verified`, …): only those the template names are compared.
    let named: Vec<&str> = d
        .request
        .get("UserAttributes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| a.get("Name").and_then(Value::as_str))
        .collect();
    let attributes: Vec<Value> = answer
        .get("UserAttributes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|a| {
            a.get("Name")
                .and_then(Value::as_str)
                .is_some_and(|n| named.contains(&n))
        })
        .cloned()
        .collect();
    state.insert("UserAttributes".into(), Value::Array(attributes));
    Ok(Some(Current {
        id: username.clone(),
        parent: d.parent.clone(),
        outputs: outputs(&username, &[]),
        state,
    }))
}

/// In a pool whose usernames are emails or phone numbers (`UsernameAttributes`), the user created with an email as
/// `Username` gets a generated username; Cognito's AdminGetUser accepts the email, but a server that does not is
/// asked with ListUsers and a filter on the attribute.
async fn by_sign_in_attribute(env: &Env<'_>, d: &Desired) -> Result<Option<Value>, ApiError> {
    let given = text(&d.request, "Username");
    let attribute = if given.contains('@') {
        "email"
    } else if given.starts_with('+') {
        "phone_number"
    } else {
        return Ok(None);
    };
    let filter = format!(
        "{attribute} = \"{}\"",
        given.replace('\\', "\\\\").replace('"', "\\\"")
    );
    let body = json!({"UserPoolId": d.parent, "Filter": filter, "Limit": 2});
    let Some(answer) = absent_if_not_found(env.client.idp("ListUsers", body).await)? else {
        return Ok(None);
    };
    match answer.get("Users").and_then(Value::as_array).map(Vec::as_slice) {
        Some([user]) => Ok(Some(json!({
            "Username": user.get("Username"),
            "UserAttributes": user.get("Attributes"),
        }))),
        _ => Ok(None),
    }
}

pub async fn create(env: &Env<'_>, d: &Desired) -> Result<Current, ApiError> {
    let answer = env
        .client
        .idp("AdminCreateUser", Value::Object(d.request.clone()))
        .await?;
    let username = answer
        .pointer("/User/Username")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| text(&d.request, "Username"));
    Ok(Current {
        id: username.clone(),
        parent: d.parent.clone(),
        outputs: outputs(&username, &[]),
        state: d.request.clone(),
    })
}
