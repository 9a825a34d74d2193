//! Which user and identity pools belong to a stack, found in Cognito itself so no local state file is needed and
//! the same works against real Cognito: `latchkey apply` tags each pool it creates with `latchkey:stack` (the
//! stack name) and `latchkey:logical-id` (the template's logical id), and finds them again by listing the pools
//! and reading their tags. Children of the pools are found inside them (see `resources`).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::client::{ApiError, CognitoClient};
use crate::template::ResourceOutputs;

pub const STACK_TAG: &str = "latchkey:stack";
pub const LOGICAL_ID_TAG: &str = "latchkey:logical-id";

/// CloudFormation's rule for stack names: a letter, then letters, digits and hyphens, at most 128 characters.
pub fn validate_stack_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-')
        && name.len() <= 128;
    if ok {
        Ok(())
    } else {
        Err(format!(
            "stack name {name:?} is not valid: it must start with a letter and hold only letters, digits and \
             hyphens, at most 128 characters"
        ))
    }
}

/// A stack name from a template's file stem: other characters become hyphens, leading non-letters are dropped
/// (`01_auth.template` → `auth-template`).
pub fn stack_name_from_stem(stem: &str) -> Result<String, String> {
    let replaced: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .skip_while(|c| !c.is_ascii_alphabetic())
        .take(128)
        .collect();
    let name = replaced.trim_end_matches('-').to_string();
    validate_stack_name(&name)
        .map(|()| name)
        .map_err(|_| format!("cannot make a stack name from the file name {stem:?}; give one with --stack"))
}

/// The tags that mark a pool as the stack's `logical_id`.
pub fn stack_tags(stack: &str, logical_id: &str) -> Map<String, Value> {
    let mut tags = Map::new();
    tags.insert(STACK_TAG.into(), json!(stack));
    tags.insert(LOGICAL_ID_TAG.into(), json!(logical_id));
    tags
}

/// A pool of the stack: its id and Cognito's description of it.
#[derive(Debug, Clone)]
pub struct Tagged {
    pub id: String,
    pub description: Map<String, Value>,
}

/// The stack's user and identity pools by logical id.
#[derive(Debug, Default)]
pub struct StackIndex {
    pub user_pools: BTreeMap<String, Tagged>,
    pub identity_pools: BTreeMap<String, Tagged>,
}

impl StackIndex {
    /// Lists every user pool and identity pool the credentials see and keeps the stack's.
    pub async fn find(client: &CognitoClient, stack: &str) -> Result<Self, ApiError> {
        let mut index = Self::default();
        for id in list_ids(client, true).await? {
            let answer = match client.idp("DescribeUserPool", json!({"UserPoolId": id})).await {
                Ok(a) => a,
                // Deleted between the listing and now.
                Err(e) if e.is("ResourceNotFoundException") => continue,
                Err(e) => return Err(e),
            };
            let description = answer
                .get("UserPool")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            if let Some(logical_id) = stack_member(description.get("UserPoolTags"), stack) {
                add(
                    &mut index.user_pools,
                    logical_id,
                    Tagged { id, description },
                    "user pool",
                )?;
            }
        }
        for id in list_ids(client, false).await? {
            let description = match client
                .identity("DescribeIdentityPool", json!({"IdentityPoolId": id}))
                .await
            {
                Ok(Value::Object(m)) => m,
                Ok(_) => Map::new(),
                Err(e) if e.is("ResourceNotFoundException") => continue,
                Err(e) => return Err(e),
            };
            if let Some(logical_id) = stack_member(description.get("IdentityPoolTags"), stack) {
                add(
                    &mut index.identity_pools,
                    logical_id,
                    Tagged { id, description },
                    "identity pool",
                )?;
            }
        }
        Ok(index)
    }
}

fn add(
    map: &mut BTreeMap<String, Tagged>,
    logical_id: String,
    pool: Tagged,
    what: &str,
) -> Result<(), ApiError> {
    if let Some(other) = map.get(&logical_id) {
        return Err(ApiError {
            code: "AmbiguousStack".into(),
            message: format!(
                "two {what}s ({} and {}) carry the tags of logical id {logical_id}; remove the tags from the one \
                 that is not the stack's",
                other.id, pool.id
            ),
        });
    }
    map.insert(logical_id, pool);
    Ok(())
}

/// The logical id a pool's tags give it in `stack`, if they name this stack.
fn stack_member(tags: Option<&Value>, stack: &str) -> Option<String> {
    let tags = tags?.as_object()?;
    if tags.get(STACK_TAG)?.as_str()? != stack {
        return None;
    }
    tags.get(LOGICAL_ID_TAG)?.as_str().map(str::to_string)
}

/// Every user pool id (`user_pools`) or identity pool id, following the pages.
async fn list_ids(client: &CognitoClient, user_pools: bool) -> Result<Vec<String>, ApiError> {
    let (op, list, id_member) = if user_pools {
        ("ListUserPools", "UserPools", "Id")
    } else {
        ("ListIdentityPools", "IdentityPools", "IdentityPoolId")
    };
    let mut ids = Vec::new();
    let mut token: Option<String> = None;
    // A bound on pages, so a server that keeps answering with a token cannot keep us here.
    for _ in 0..10_000 {
        let mut body = json!({"MaxResults": 60});
        if let Some(t) = &token {
            body["NextToken"] = json!(t);
        }
        let answer = if user_pools {
            client.idp(op, body).await?
        } else {
            client.identity(op, body).await?
        };
        for item in answer.get(list).and_then(Value::as_array).into_iter().flatten() {
            if let Some(id) = item.get(id_member).and_then(Value::as_str) {
                ids.push(id.to_string());
            }
        }
        token = answer
            .get("NextToken")
            .and_then(Value::as_str)
            .map(str::to_string);
        if token.is_none() {
            return Ok(ids);
        }
    }
    Err(ApiError {
        code: "Paging".into(),
        message: format!("{op} did not stop answering with a NextToken"),
    })
}

/// The outputs (`Ref` and `Fn::GetAtt` values) of the stack's user and identity pools, by logical id — what
/// `latchkey gateway --template --stack` needs to know the pools its authorizers name.
pub async fn load_stack(
    client: &CognitoClient,
    stack: &str,
) -> Result<BTreeMap<String, ResourceOutputs>, ApiError> {
    let index = StackIndex::find(client, stack).await?;
    let mut out = BTreeMap::new();
    for (logical_id, pool) in &index.user_pools {
        out.insert(
            logical_id.clone(),
            user_pool_outputs(client, &pool.id, &pool.description),
        );
    }
    for (logical_id, pool) in &index.identity_pools {
        out.insert(
            logical_id.clone(),
            identity_pool_outputs(&pool.id, &pool.description),
        );
    }
    Ok(out)
}

/// A user pool's `Ref` (its id) and attributes. `ProviderName` is Cognito's form (what identity pools and `Logins`
/// maps use); `ProviderURL` is the issuer: Cognito's on AWS, `{endpoint}/{pool id}` (Latchkey's default issuer)
/// for any other endpoint.
pub fn user_pool_outputs(
    client: &CognitoClient,
    id: &str,
    description: &Map<String, Value>,
) -> ResourceOutputs {
    let region = client.region();
    let provider_name = format!("cognito-idp.{region}.amazonaws.com/{id}");
    let provider_url = if is_aws_endpoint(client.endpoint()) {
        format!("https://{provider_name}")
    } else {
        format!("{}/{id}", client.endpoint())
    };
    let arn = description.get("Arn").and_then(Value::as_str).unwrap_or_default();
    ResourceOutputs {
        ref_value: id.to_string(),
        attributes: [
            ("Arn", arn.to_string()),
            ("ProviderName", provider_name),
            ("ProviderURL", provider_url),
            ("UserPoolId", id.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect(),
    }
}

pub fn identity_pool_outputs(id: &str, description: &Map<String, Value>) -> ResourceOutputs {
    let name = description
        .get("IdentityPoolName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    ResourceOutputs {
        ref_value: id.to_string(),
        attributes: [("Id", id.to_string()), ("Name", name.to_string())]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    }
}

/// Whether the endpoint is AWS's own (`https://cognito-idp.<region>.amazonaws.com`, or .com.cn).
pub fn is_aws_endpoint(endpoint: &str) -> bool {
    let host = endpoint
        .split("://")
        .nth(1)
        .unwrap_or(endpoint)
        .split(['/', ':'])
        .next()
        .unwrap_or("");
    host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_names_follow_cloudformation() {
        assert!(validate_stack_name("auth-dev2").is_ok());
        assert!(validate_stack_name("2auth").is_err());
        assert!(validate_stack_name("auth_dev").is_err());
        assert!(validate_stack_name(&"a".repeat(129)).is_err());
        assert_eq!(stack_name_from_stem("01_auth.template").unwrap(), "auth-template");
        assert_eq!(stack_name_from_stem("apply_all").unwrap(), "apply-all");
        assert!(stack_name_from_stem("0123").is_err());
    }

    #[test]
    fn tags_name_the_stack_and_logical_id() {
        let tags = Value::Object(stack_tags("s", "Pool"));
        assert_eq!(stack_member(Some(&tags), "s").as_deref(), Some("Pool"));
        assert_eq!(stack_member(Some(&tags), "other"), None);
        assert_eq!(stack_member(None, "s"), None);
    }

    #[test]
    fn aws_endpoints_are_recognised() {
        assert!(is_aws_endpoint("https://cognito-idp.eu-west-1.amazonaws.com"));
        assert!(!is_aws_endpoint("http://127.0.0.1:9229"));
        assert!(!is_aws_endpoint("http://amazonaws.com.evil.example"));
    }
}
