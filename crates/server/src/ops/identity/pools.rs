//! Identity-pool administration (SigV4): Create/Describe/Update/Delete/ListIdentityPools, Set/GetIdentityPoolRoles,
//! Set/GetPrincipalTagAttributeMap, and Tag/Untag/ListTagsForResource on an identity pool's ARN.

use std::collections::BTreeMap;

use latchkey_core::identity::{IdentityPool, IdentityPoolInput, PrincipalTagMap, RoleMapping};
use latchkey_core::{CognitoError, Latchkey};
use serde::Deserialize;
use serde_json::{json, Value};

use super::pool_in_region;
use crate::ops::{input, page_answer, string_member, Ctx, Paging};

/// The IdentityPool shape: the pool's settings, without its roles and principal-tag maps, which have their own
/// operations.
fn pool_answer(pool: &IdentityPool) -> Value {
    let mut v = json!({
        "IdentityPoolId": pool.id,
        "IdentityPoolName": pool.name,
        "AllowUnauthenticatedIdentities": pool.allow_unauthenticated,
        "AllowClassicFlow": pool.allow_classic_flow,
        "SupportedLoginProviders": pool.supported_login_providers,
        "OpenIdConnectProviderARNs": pool.open_id_connect_provider_arns,
        "CognitoIdentityProviders": pool.cognito_identity_providers,
        "SamlProviderARNs": pool.saml_provider_arns,
        "IdentityPoolTags": pool.tags,
    });
    if let Some(name) = &pool.developer_provider_name {
        v["DeveloperProviderName"] = json!(name);
    }
    v
}

/// The pool an operation names, checked against the signing region.
fn pool_id<'a>(ctx: &Ctx, body: &'a Value) -> Result<&'a str, CognitoError> {
    let id = string_member(body, "IdentityPoolId")?;
    pool_in_region(ctx, id)?;
    Ok(id)
}

pub async fn create(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let pool = lk.create_identity_pool(ctx.region()?, input(body)?).await?;
    Ok(pool_answer(&pool))
}

pub async fn describe(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    Ok(pool_answer(&lk.identity_pool(pool_id(ctx, &body)?).await?))
}

pub async fn update(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let id = pool_id(ctx, &body)?.to_string();
    let settings: IdentityPoolInput = input(body)?;
    Ok(pool_answer(&lk.update_identity_pool(&id, settings).await?))
}

pub async fn delete(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    lk.delete_identity_pool(pool_id(ctx, &body)?).await?;
    Ok(json!({}))
}

pub async fn list(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let p: Paging = input(body)?;
    let page = lk
        .list_identity_pools(ctx.region()?, p.max_results, p.next_token.as_deref())
        .await?;
    let pools = page
        .items
        .iter()
        .map(|p| json!({"IdentityPoolId": p.id, "IdentityPoolName": p.name}))
        .collect();
    Ok(page_answer("IdentityPools", pools, "NextToken", page.next))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RolesInput {
    roles: BTreeMap<String, String>,
    #[serde(default)]
    role_mappings: BTreeMap<String, RoleMapping>,
}

pub async fn set_roles(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let id = pool_id(ctx, &body)?.to_string();
    let r: RolesInput = input(body)?;
    lk.set_identity_pool_roles(&id, r.roles, r.role_mappings).await?;
    Ok(json!({}))
}

pub async fn get_roles(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let pool = lk.identity_pool(pool_id(ctx, &body)?).await?;
    let mut v = json!({"IdentityPoolId": pool.id, "Roles": pool.roles});
    if !pool.role_mappings.is_empty() {
        v["RoleMappings"] = json!(pool.role_mappings);
    }
    Ok(v)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PrincipalTagsInput {
    identity_provider_name: String,
    use_defaults: Option<bool>,
    principal_tags: Option<BTreeMap<String, String>>,
}

fn principal_tags_answer(pool_id: &str, provider: &str, map: &PrincipalTagMap) -> Value {
    json!({
        "IdentityPoolId": pool_id,
        "IdentityProviderName": provider,
        "UseDefaults": map.use_defaults,
        "PrincipalTags": map.tags,
    })
}

pub async fn set_principal_tags(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let id = pool_id(ctx, &body)?.to_string();
    let t: PrincipalTagsInput = input(body)?;
    let map = PrincipalTagMap {
        use_defaults: t.use_defaults.unwrap_or(false),
        tags: t.principal_tags.unwrap_or_default(),
    };
    lk.set_principal_tag_attribute_map(&id, &t.identity_provider_name, map.clone())
        .await?;
    Ok(principal_tags_answer(&id, &t.identity_provider_name, &map))
}

pub async fn get_principal_tags(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let pool = lk.identity_pool(pool_id(ctx, &body)?).await?;
    let provider = string_member(&body, "IdentityProviderName")?;
    let map = pool.principal_tags.get(provider).cloned().unwrap_or_default();
    Ok(principal_tags_answer(&pool.id, provider, &map))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TagsInput {
    resource_arn: String,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    #[serde(default)]
    tag_keys: Vec<String>,
}

/// The tag operations' input, its ARN's pool checked against the signing region.
fn tags_input(ctx: &Ctx, body: Value) -> Result<TagsInput, CognitoError> {
    let t: TagsInput = input(body)?;
    if let Some((_, id)) = t.resource_arn.split_once(":identitypool/") {
        pool_in_region(ctx, id)?;
    }
    Ok(t)
}

pub async fn tag(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let t = tags_input(ctx, body)?;
    lk.tag_identity_pool(&t.resource_arn, t.tags).await?;
    Ok(json!({}))
}

pub async fn untag(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let t = tags_input(ctx, body)?;
    lk.untag_identity_pool(&t.resource_arn, &t.tag_keys).await?;
    Ok(json!({}))
}

pub async fn list_tags(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let t = tags_input(ctx, body)?;
    Ok(json!({"Tags": lk.identity_pool_tags(&t.resource_arn).await?}))
}
