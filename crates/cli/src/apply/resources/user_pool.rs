//! AWS::Cognito::UserPool. CloudFormation's names are the API's except `UserPoolName` (the API's `PoolName`,
//! `Name` in DescribeUserPool's answer), `Schema` (`SchemaAttributes` in the answer; new custom attributes are
//! added with AddCustomAttributes on update) and `EnabledMfas` (set with SetUserPoolMfaConfig). The pool carries
//! the stack's tags in `UserPoolTags`, beside the template's.
//!
//! CloudFormation documents every pool property as updatable, but UpdateUserPool cannot change `AliasAttributes`,
//! `UsernameAttributes`, `UsernameConfiguration` or an existing schema attribute: those changes are refused with
//! a message rather than guessed at (a new pool would lose its users).

use serde_json::{json, Map, Value};

use super::{member, Current, Desired, Env, Rules};
use crate::apply::client::ApiError;
use crate::apply::diff;
use crate::apply::stack::{stack_tags, user_pool_outputs};

pub static RULES: Rules = Rules {
    replace: &[],
    fixed: &["AliasAttributes", "UsernameAttributes", "UsernameConfiguration"],
    create_only: &["Schema"],
    defaults,
};

fn defaults() -> Vec<(&'static str, Value)> {
    vec![
        ("MfaConfiguration", json!("OFF")),
        ("DeletionProtection", json!("INACTIVE")),
        ("UserPoolTier", json!("ESSENTIALS")),
    ]
}

/// What UpdateUserPool does not take.
const NOT_UPDATABLE: &[&str] = &[
    "AliasAttributes",
    "UsernameAttributes",
    "UsernameConfiguration",
    "Schema",
    "EnabledMfas",
];

pub fn desired(
    mut d: Desired,
    mut props: Map<String, Value>,
    stack: &str,
    generated: String,
) -> Result<Desired, String> {
    let name = props.remove("UserPoolName").unwrap_or(Value::String(generated));
    d.request.insert("PoolName".into(), name);
    let mut tags = match props.remove("UserPoolTags") {
        Some(Value::Object(m)) => m,
        None => Map::new(),
        Some(_) => return Err("property UserPoolTags must be a map of tag names to values".into()),
    };
    tags.extend(stack_tags(stack, &d.logical_id));
    d.request.extend(props);
    d.request.insert("UserPoolTags".into(), Value::Object(tags));
    Ok(d)
}

pub async fn read(env: &Env<'_>, d: &Desired) -> Result<Option<Current>, ApiError> {
    let Some(tagged) = env.index.user_pools.get(&d.logical_id) else {
        return Ok(None);
    };
    let answer = env
        .client
        .idp("DescribeUserPool", json!({"UserPoolId": tagged.id}))
        .await?;
    let pool = member(&answer, "UserPool");
    let mut state = pool.clone();
    if let Some(name) = state.remove("Name") {
        state.insert("PoolName".into(), name);
    }
    if let Some(schema) = state.remove("SchemaAttributes") {
        state.insert("Schema".into(), schema);
    }
    if d.request.contains_key("EnabledMfas") {
        let mfa = env
            .client
            .idp("GetUserPoolMfaConfig", json!({"UserPoolId": tagged.id}))
            .await?;
        state.insert("EnabledMfas".into(), json!(enabled_mfas(&mfa)));
    }
    Ok(Some(Current {
        id: tagged.id.clone(),
        parent: None,
        outputs: user_pool_outputs(env.client, &tagged.id, &pool),
        state,
    }))
}

pub async fn create(env: &Env<'_>, d: &Desired) -> Result<Current, ApiError> {
    let mut request = d.request.clone();
    let mfas = request.remove("EnabledMfas");
    let mfa_configuration = if mfas.is_some() {
        request.remove("MfaConfiguration")
    } else {
        None
    };
    let answer = env.client.idp("CreateUserPool", Value::Object(request)).await?;
    let pool = member(&answer, "UserPool");
    let id = pool
        .get("Id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if let Some(mfas) = mfas {
        set_mfa(env, &id, d, &mfas, mfa_configuration).await?;
    }
    Ok(Current {
        outputs: user_pool_outputs(env.client, &id, &pool),
        id,
        parent: None,
        state: pool,
    })
}

pub async fn update(env: &Env<'_>, d: &Desired, current: &Current) -> Result<Current, ApiError> {
    let mut request: Map<String, Value> = d
        .request
        .iter()
        .filter(|(k, _)| !NOT_UPDATABLE.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mfa_configuration = if d.request.contains_key("EnabledMfas") {
        request.remove("MfaConfiguration")
    } else {
        None
    };
    request.insert("UserPoolId".into(), json!(current.id));
    let added = new_custom_attributes(d.request.get("Schema"), current.state.get("Schema"));
    if !added.is_empty() {
        env.client
            .idp(
                "AddCustomAttributes",
                json!({"UserPoolId": current.id, "CustomAttributes": added}),
            )
            .await?;
    }
    env.client.idp("UpdateUserPool", Value::Object(request)).await?;
    if let Some(Value::Object(tags)) = d.request.get("UserPoolTags") {
        let arn = current.outputs.attributes.get("Arn").cloned().unwrap_or_default();
        env.client
            .idp("TagResource", json!({"ResourceArn": arn, "Tags": tags}))
            .await?;
    }
    if let Some(mfas) = d.request.get("EnabledMfas") {
        set_mfa(env, &current.id, d, mfas, mfa_configuration).await?;
    }
    Ok(current.clone())
}

/// How the pool's schema differs: the template's attributes Cognito lacks (added on update) and those it has with
/// other settings (which Cognito cannot change).
pub fn schema_changes(want: Option<&Value>, have: Option<&Value>) -> (Vec<Value>, Vec<String>) {
    let want = want.and_then(Value::as_array).cloned().unwrap_or_default();
    let have = have.and_then(Value::as_array).cloned().unwrap_or_default();
    let mut added = Vec::new();
    let mut changed = Vec::new();
    for attribute in want {
        let name = attribute
            .get("Name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let found = have.iter().find(|h| {
            let n = h.get("Name").and_then(Value::as_str).unwrap_or_default();
            n == name || n.strip_prefix("custom:") == Some(name.as_str())
        });
        match found {
            None => added.push(attribute),
            Some(h) => {
                // Cognito names custom attributes `custom:<name>`; the template may not.
                let mut compared = attribute.clone();
                compared["Name"] = h.get("Name").cloned().unwrap_or(Value::Null);
                if !diff::same(&compared, h) {
                    changed.push(name);
                }
            }
        }
    }
    (added, changed)
}

fn new_custom_attributes(want: Option<&Value>, have: Option<&Value>) -> Vec<Value> {
    schema_changes(want, have).0
}

/// `EnabledMfas` as CloudFormation spells it, from GetUserPoolMfaConfig's answer.
fn enabled_mfas(answer: &Value) -> Vec<&'static str> {
    let on = |name: &str| {
        answer
            .get(name)
            .is_some_and(|c| c.get("Enabled") != Some(&Value::Bool(false)))
    };
    let mut out = Vec::new();
    if answer.pointer("/SoftwareTokenMfaConfiguration/Enabled") == Some(&Value::Bool(true)) {
        out.push("SOFTWARE_TOKEN_MFA");
    }
    if on("SmsMfaConfiguration") {
        out.push("SMS_MFA");
    }
    if on("EmailMfaConfiguration") {
        out.push("EMAIL_OTP");
    }
    out
}

/// CloudFormation's `EnabledMfas` (and the pool's `MfaConfiguration`) through SetUserPoolMfaConfig.
async fn set_mfa(
    env: &Env<'_>,
    id: &str,
    d: &Desired,
    mfas: &Value,
    configuration: Option<Value>,
) -> Result<(), ApiError> {
    let listed = |name: &str| {
        mfas.as_array()
            .is_some_and(|a| a.iter().any(|m| m.as_str() == Some(name)))
    };
    let mut body = json!({
        "UserPoolId": id,
        "MfaConfiguration": configuration.unwrap_or(json!("OFF")),
        "SoftwareTokenMfaConfiguration": {"Enabled": listed("SOFTWARE_TOKEN_MFA")},
    });
    if listed("SMS_MFA") {
        let mut sms = json!({});
        if let Some(c) = d.request.get("SmsConfiguration") {
            sms["SmsConfiguration"] = c.clone();
        }
        if let Some(m) = d.request.get("SmsAuthenticationMessage") {
            sms["SmsAuthenticationMessage"] = m.clone();
        }
        body["SmsMfaConfiguration"] = sms;
    }
    if listed("EMAIL_OTP") {
        body["EmailMfaConfiguration"] = json!({});
    }
    env.client.idp("SetUserPoolMfaConfig", body).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_additions_and_changes_are_told_apart() {
        let want = json!([
            {"Name": "email", "Required": true, "Mutable": true},
            {"Name": "tenant", "AttributeDataType": "String", "Mutable": true},
            {"Name": "plan", "AttributeDataType": "String"},
        ]);
        let have = json!([
            {"Name": "email", "Required": true, "Mutable": true, "AttributeDataType": "String"},
            {"Name": "custom:tenant", "AttributeDataType": "String", "Mutable": false},
        ]);
        let (added, changed) =
            schema_changes(Some(&json!([{"Name": "tenant", "Mutable": false}])), Some(&have));
        assert!(added.is_empty() && changed.is_empty());
        let (added, changed) = schema_changes(Some(&want), Some(&have));
        assert_eq!(
            added,
            vec![json!({"Name": "plan", "AttributeDataType": "String"})]
        );
        assert_eq!(changed, vec!["tenant".to_string()]);
    }

    #[test]
    fn the_pool_name_and_tags_map_to_the_api() {
        let d = Desired {
            kind: crate::template::ResourceKind::UserPool,
            logical_id: "Pool".into(),
            request: Map::new(),
            parent: None,
            notes: vec![],
        };
        let props = json!({"UserPoolName": "shop", "UserPoolTags": {"team": "a"}, "MfaConfiguration": "OFF"});
        let Value::Object(props) = props else {
            unreachable!()
        };
        let d = desired(d, props, "st", "st-Pool".into()).unwrap();
        assert_eq!(d.request["PoolName"], json!("shop"));
        assert_eq!(
            d.request["UserPoolTags"],
            json!({"team": "a", "latchkey:stack": "st", "latchkey:logical-id": "Pool"})
        );
        assert!(!d.request.contains_key("UserPoolName"));
    }
}
