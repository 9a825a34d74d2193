//! User-pool operations: Create/Describe/List/Update/DeleteUserPool, AddCustomAttributes, MFA config, tags and
//! GetCSVHeader.

use std::collections::BTreeMap;

use latchkey_core::pools::{
    schema::SchemaAttributeInput, CreateUserPoolInput, SetMfaConfigInput, UpdateUserPoolInput,
};
use latchkey_core::{CognitoError, Latchkey};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{input, page_answer, Ctx, PoolId};

pub async fn create(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let pool = lk
        .create_user_pool(ctx.region()?, input::<CreateUserPoolInput>(body)?)
        .await?;
    Ok(json!({"UserPool": pool.to_wire(0)}))
}

pub async fn describe(lk: &Latchkey, pool: PoolId, _body: Value) -> Result<Value, CognitoError> {
    let (pool, users) = lk.describe_user_pool(&pool).await?;
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
    let pools = page.items.iter().map(|p| p.to_description()).collect();
    Ok(page_answer("UserPools", pools, "NextToken", page.next))
}

pub async fn update(lk: &Latchkey, _pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    lk.update_user_pool(input::<UpdateUserPoolInput>(body)?).await?;
    Ok(json!({}))
}

pub async fn delete(lk: &Latchkey, pool: PoolId, _body: Value) -> Result<Value, CognitoError> {
    lk.delete_user_pool(&pool).await?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AddCustomAttributesInput {
    custom_attributes: Vec<SchemaAttributeInput>,
}

pub async fn add_custom_attributes(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    let req: AddCustomAttributesInput = input(body)?;
    lk.add_custom_attributes(&pool, req.custom_attributes).await?;
    Ok(json!({}))
}

pub async fn get_mfa_config(lk: &Latchkey, pool: PoolId, _body: Value) -> Result<Value, CognitoError> {
    lk.get_user_pool_mfa_config(&pool).await
}

pub async fn set_mfa_config(lk: &Latchkey, _pool: PoolId, body: Value) -> Result<Value, CognitoError> {
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

pub async fn csv_header(lk: &Latchkey, pool: PoolId, _body: Value) -> Result<Value, CognitoError> {
    Ok(json!({"UserPoolId": &*pool, "CSVHeader": lk.csv_header(&pool).await?}))
}
