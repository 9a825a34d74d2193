//! The claims of Cognito's ID and access tokens.

use serde_json::{json, Map, Value};

use crate::clients::AppClient;
use crate::groups::Group;
use crate::pools::UserPool;
use crate::users::User;

/// What every token of one issuance shares.
pub struct Common<'a> {
    pub issuer: &'a str,
    pub pool: &'a UserPool,
    pub client: &'a AppClient,
    pub user: &'a User,
    pub groups: &'a [Group],
    pub origin_jti: &'a str,
    pub event_id: &'a str,
    pub auth_time: i64,
    pub iat: i64,
}

fn group_claims(c: &Common, out: &mut Map<String, Value>, with_roles: bool) {
    if c.groups.is_empty() {
        return;
    }
    out.insert(
        "cognito:groups".into(),
        json!(c.groups.iter().map(|g| &g.group_name).collect::<Vec<_>>()),
    );
    if !with_roles {
        return;
    }
    let mut roles: Vec<&String> = Vec::new();
    for role in c.groups.iter().filter_map(|g| g.role_arn.as_ref()) {
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    if roles.is_empty() {
        return;
    }
    out.insert("cognito:roles".into(), json!(roles));
    // The role of the group with the lowest precedence number wins; groups without precedence come last. When
    // groups tied for the lowest number carry different roles, none is preferred (as Cognito documents).
    let with_roles = c
        .groups
        .iter()
        .filter_map(|g| g.role_arn.as_ref().map(|r| (g.precedence.unwrap_or(u32::MAX), r)));
    if let Some(best) = with_roles.clone().map(|(p, _)| p).min() {
        let mut top = with_roles.filter(|(p, _)| *p == best).map(|(_, r)| r);
        if let Some(first) = top.next() {
            if top.all(|r| r == first) {
                out.insert("cognito:preferred_role".into(), json!(first));
            }
        }
    }
}

/// Whether the client may read an attribute (no ReadAttributes list means every attribute).
pub fn readable(client: &AppClient, attribute: &str) -> bool {
    client
        .read_attributes
        .as_ref()
        .is_none_or(|r| r.iter().any(|a| a == attribute))
}

/// An attribute value as an ID token carries it: OIDC booleans and numbers typed, everything else a string
/// (custom attributes are always strings).
fn typed_value(pool: &UserPool, name: &str, value: &str) -> Value {
    if name.starts_with("custom:") {
        return json!(value);
    }
    match pool
        .schema_attributes
        .iter()
        .find(|a| a.name == name)
        .map(|a| a.attribute_data_type.as_str())
    {
        Some("Boolean") => json!(value == "true"),
        Some("Number") => value.parse::<i64>().map_or_else(|_| json!(value), |n| json!(n)),
        _ => json!(value),
    }
}

pub fn id_token(c: &Common, exp: i64, jti: &str, extra: &Map<String, Value>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("sub".into(), json!(c.user.sub));
    group_claims(c, &mut m, true);
    for (name, value) in &c.user.attributes {
        if !name.starts_with("dev:") && readable(c.client, name) {
            m.insert(name.clone(), typed_value(c.pool, name, value));
        }
    }
    m.insert("iss".into(), json!(c.issuer));
    m.insert("cognito:username".into(), json!(c.user.username));
    m.insert("origin_jti".into(), json!(c.origin_jti));
    m.insert("aud".into(), json!(c.client.client_id));
    m.insert("event_id".into(), json!(c.event_id));
    m.insert("token_use".into(), json!("id"));
    m.insert("auth_time".into(), json!(c.auth_time));
    m.insert("exp".into(), json!(exp));
    m.insert("iat".into(), json!(c.iat));
    m.insert("jti".into(), json!(jti));
    m.extend(extra.clone());
    m
}

pub fn access_token(
    c: &Common,
    exp: i64,
    jti: &str,
    scope: &str,
    device_key: Option<&str>,
) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("sub".into(), json!(c.user.sub));
    group_claims(c, &mut m, false);
    m.insert("iss".into(), json!(c.issuer));
    m.insert("client_id".into(), json!(c.client.client_id));
    m.insert("origin_jti".into(), json!(c.origin_jti));
    m.insert("event_id".into(), json!(c.event_id));
    m.insert("token_use".into(), json!("access"));
    m.insert("scope".into(), json!(scope));
    m.insert("auth_time".into(), json!(c.auth_time));
    m.insert("exp".into(), json!(exp));
    m.insert("iat".into(), json!(c.iat));
    m.insert("jti".into(), json!(jti));
    m.insert("username".into(), json!(c.user.username));
    if let Some(d) = device_key {
        m.insert("device_key".into(), json!(d));
    }
    m
}
