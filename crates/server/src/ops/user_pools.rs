//! User-pool operations: Create/Describe/List/Update/DeleteUserPool, AddCustomAttributes, MFA config, tags and
//! GetCSVHeader.

use std::collections::BTreeMap;

use latchkey_core::pools::{
    schema::SchemaAttributeInput, CreateUserPoolInput, SetMfaConfigInput, UpdateUserPoolInput,
};
use latchkey_core::{CognitoError, Latchkey};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{input, string_member, Ctx};

/// The pool id member of a request, after checking it belongs to the signing region.
fn pool_id<'a>(ctx: &Ctx, body: &'a Value) -> Result<&'a str, CognitoError> {
    let id = string_member(body, "UserPoolId")?;
    ctx.check_pool_region(id)?;
    Ok(id)
}

pub async fn create(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let pool = lk
        .create_user_pool(ctx.region()?, input::<CreateUserPoolInput>(body)?)
        .await?;
    Ok(json!({"UserPool": pool.to_wire(0)}))
}

pub async fn describe(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let (pool, users) = lk.describe_user_pool(pool_id(ctx, &body)?).await?;
    Ok(json!({"UserPool": pool.to_wire(users)}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListInput {
    max_results: u32,
    next_token: Option<String>,
}

pub async fn list(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let req: ListInput = input(body)?;
    let page = lk
        .list_user_pools(ctx.region()?, req.max_results, req.next_token.as_deref())
        .await?;
    let mut out = json!({"UserPools": page.items.iter().map(|p| p.to_description()).collect::<Vec<_>>()});
    if let Some(next) = page.next {
        out["NextToken"] = Value::String(next);
    }
    Ok(out)
}

pub async fn update(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    pool_id(ctx, &body)?;
    lk.update_user_pool(input::<UpdateUserPoolInput>(body)?).await?;
    Ok(json!({}))
}

pub async fn delete(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    lk.delete_user_pool(pool_id(ctx, &body)?).await?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AddCustomAttributesInput {
    custom_attributes: Vec<SchemaAttributeInput>,
}

pub async fn add_custom_attributes(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let id = pool_id(ctx, &body)?.to_string();
    let req: AddCustomAttributesInput = input(body)?;
    lk.add_custom_attributes(&id, req.custom_attributes).await?;
    Ok(json!({}))
}

pub async fn get_mfa_config(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    lk.get_user_pool_mfa_config(pool_id(ctx, &body)?).await
}

pub async fn set_mfa_config(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    pool_id(ctx, &body)?;
    lk.set_user_pool_mfa_config(input::<SetMfaConfigInput>(body)?)
        .await
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TagInput {
    resource_arn: String,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    #[serde(default)]
    tag_keys: Vec<String>,
}

/// Tagging addresses pools by ARN; the ARN's region must be the signing region.
fn arn_in_region(ctx: &Ctx, arn: &str) -> Result<(), CognitoError> {
    let arn_region = arn
        .strip_prefix("arn:aws:cognito-idp:")
        .and_then(|r| r.split(':').next());
    match (arn_region, ctx.region.as_deref()) {
        (Some(a), Some(r)) if a != r => {
            Err(CognitoError::not_found(format!("Resource {arn} does not exist.")))
        }
        _ => Ok(()),
    }
}

pub async fn tag(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let req: TagInput = input(body)?;
    arn_in_region(ctx, &req.resource_arn)?;
    lk.tag_resource(&req.resource_arn, req.tags).await?;
    Ok(json!({}))
}

pub async fn untag(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let req: TagInput = input(body)?;
    arn_in_region(ctx, &req.resource_arn)?;
    lk.untag_resource(&req.resource_arn, &req.tag_keys).await?;
    Ok(json!({}))
}

pub async fn list_tags(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let req: TagInput = input(body)?;
    arn_in_region(ctx, &req.resource_arn)?;
    Ok(json!({"Tags": lk.list_tags_for_resource(&req.resource_arn).await?}))
}

pub async fn csv_header(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let id = pool_id(ctx, &body)?;
    Ok(json!({"UserPoolId": id, "CSVHeader": lk.csv_header(id).await?}))
}
