//! Plan decisions: what a changed template does to an existing resource.

use serde_json::{json, Map, Value};

use super::*;
use crate::template::ResourceOutputs;

fn map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => panic!("not an object"),
    }
}

fn desired(kind: ResourceKind, props: Value) -> Desired {
    resources::desired(kind, "st", "Thing", &props).unwrap()
}

fn current(state: Value) -> Current {
    Current {
        id: "id".into(),
        parent: Some("us-east-1_x".into()),
        state: map(state),
        outputs: ResourceOutputs::default(),
    }
}

#[test]
fn a_client_as_described_is_unchanged() {
    let d = desired(
        ResourceKind::UserPoolClient,
        json!({"UserPoolId": "us-east-1_x", "ClientName": "web", "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH"], "GenerateSecret": "false", "RefreshTokenValidity": "30"}),
    );
    let c = current(
        json!({"UserPoolId": "us-east-1_x", "ClientName": "web", "ClientId": "abc",
        "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"], "GenerateSecret": false,
        "RefreshTokenValidity": 30, "TokenValidityUnits": {"RefreshToken": "days"}}),
    );
    assert_eq!(decide(&d, &c), Decision::Unchanged);
}

#[test]
fn a_changed_client_is_updated_and_a_new_secret_replaces_it() {
    let props = json!({"UserPoolId": "us-east-1_x", "ClientName": "web", "CallbackURLs": ["https://b"]});
    let c = current(
        json!({"UserPoolId": "us-east-1_x", "ClientName": "web", "CallbackURLs": ["https://a"],
        "GenerateSecret": false}),
    );
    assert_eq!(
        decide(&desired(ResourceKind::UserPoolClient, props), &c),
        Decision::Update(vec!["CallbackURLs".into()])
    );
    let props = json!({"UserPoolId": "us-east-1_x", "ClientName": "web", "GenerateSecret": true});
    assert!(matches!(
        decide(&desired(ResourceKind::UserPoolClient, props), &c),
        Decision::Replace(_)
    ));
}

#[test]
fn a_pool_refuses_what_cognito_cannot_change() {
    let c = current(
        json!({"PoolName": "p", "UsernameAttributes": ["email"], "Schema": [
        {"Name": "email", "AttributeDataType": "String", "Mutable": true, "Required": true},
        {"Name": "custom:tenant", "AttributeDataType": "String", "Mutable": true}],
        "UserPoolTags": {"latchkey:stack": "st", "latchkey:logical-id": "Thing"}}),
    );
    let same = desired(
        ResourceKind::UserPool,
        json!({"UserPoolName": "p", "UsernameAttributes": ["email"],
        "Schema": [{"Name": "tenant", "AttributeDataType": "String", "Mutable": true}]}),
    );
    assert_eq!(decide(&same, &c), Decision::Unchanged);
    let added = desired(
        ResourceKind::UserPool,
        json!({"UserPoolName": "p", "Schema": [
        {"Name": "tenant", "AttributeDataType": "String", "Mutable": true},
        {"Name": "plan", "AttributeDataType": "String", "Mutable": true}]}),
    );
    assert_eq!(
        decide(&added, &c),
        Decision::Update(vec!["Schema: adds plan".into()])
    );
    let changed = desired(
        ResourceKind::UserPool,
        json!({"UserPoolName": "p", "Schema": [
        {"Name": "tenant", "AttributeDataType": "String", "Mutable": false}]}),
    );
    assert!(matches!(decide(&changed, &c), Decision::Refuse(m) if m.contains("tenant")));
    let alias = desired(
        ResourceKind::UserPool,
        json!({"UserPoolName": "p", "UsernameAttributes": ["phone_number"]}),
    );
    assert!(matches!(decide(&alias, &c), Decision::Refuse(m) if m.contains("UsernameAttributes")));
    let renamed = desired(ResourceKind::UserPool, json!({"UserPoolName": "q"}));
    assert_eq!(decide(&renamed, &c), Decision::Update(vec!["PoolName".into()]));
}

#[test]
fn a_user_is_replaced_when_its_attributes_change() {
    let c = current(json!({"Username": "ann", "UserAttributes": [{"Name": "email", "Value": "a@x.org"}]}));
    let same = desired(
        ResourceKind::UserPoolUser,
        json!({"UserPoolId": "us-east-1_x", "Username": "ann",
        "UserAttributes": [{"Name": "email", "Value": "a@x.org"}], "MessageAction": "SUPPRESS"}),
    );
    assert_eq!(decide(&same, &c), Decision::Unchanged);
    let other = desired(
        ResourceKind::UserPoolUser,
        json!({"UserPoolId": "us-east-1_x", "Username": "ann",
        "UserAttributes": [{"Name": "email", "Value": "b@x.org"}]}),
    );
    assert!(matches!(decide(&other, &c), Decision::Replace(_)));
}

#[test]
fn identity_pool_tags_and_role_mappings_take_the_api_shape() {
    let d = desired(
        ResourceKind::IdentityPool,
        json!({"AllowUnauthenticatedIdentities": false,
        "IdentityPoolTags": [{"Key": "team", "Value": "a"}], "PushSync": {"RoleArn": "r"}}),
    );
    assert_eq!(d.request["IdentityPoolName"], json!("st-Thing"));
    assert_eq!(
        d.request["IdentityPoolTags"],
        json!({"team": "a", "latchkey:stack": "st", "latchkey:logical-id": "Thing"})
    );
    assert_eq!(d.notes.len(), 1);
    assert!(resources::desired(ResourceKind::IdentityPool, "st", "Thing", &json!({})).is_err());
}

#[test]
fn two_clients_of_one_name_in_one_pool_are_refused() {
    let text = "Resources:\n  Pool:\n    Type: AWS::Cognito::UserPool\n  Other:\n    Type: AWS::Cognito::UserPool\n\
        \x20 A:\n    Type: AWS::Cognito::UserPoolClient\n    Properties: {UserPoolId: !Ref Pool, ClientName: web}\n\
        \x20 B:\n    Type: AWS::Cognito::UserPoolClient\n    Properties: {UserPoolId: !Ref Other, ClientName: web}\n";
    let template = Template::parse(text).unwrap();
    let parameters = template.bind_parameters(&BTreeMap::new()).unwrap();
    let order = template.creation_order(&parameters).unwrap();
    assert!(check_natural_keys(&template, &parameters, &order, "st").is_ok());
    let same_pool = text.replace("!Ref Other, ClientName", "!Ref Pool, ClientName");
    let template = Template::parse(&same_pool).unwrap();
    let order = template.creation_order(&parameters).unwrap();
    let err = check_natural_keys(&template, &parameters, &order, "st").unwrap_err();
    assert!(
        err.contains("A and B") && err.contains("ClientName \"web\""),
        "{err}"
    );
}
