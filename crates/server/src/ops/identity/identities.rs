//! Identities and their logins: GetId and UnlinkIdentity (unsigned, authorised by the Logins map), and the
//! administrator's DescribeIdentity, ListIdentities, DeleteIdentities and developer-identity operations.

use latchkey_core::identity::Identity;
use latchkey_core::{CognitoError, Latchkey};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{identity_in_region, pool_in_region, WithLogins};
use crate::ops::{input, page_answer, string_member, Ctx, Paging};

/// The IdentityDescription shape: the identity's providers (not the subjects it has there) and its dates.
fn identity_answer(identity: &Identity) -> Value {
    let mut providers: Vec<&str> = identity.logins.iter().map(|l| l.provider.as_str()).collect();
    providers.dedup();
    json!({
        "IdentityId": identity.id,
        "Logins": providers,
        "CreationDate": identity.created,
        "LastModifiedDate": identity.last_modified,
    })
}

pub async fn get_id(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let pool = string_member(&body, "IdentityPoolId")?.to_string();
    let l: WithLogins = input(body)?;
    Ok(json!({"IdentityId": lk.get_id(&pool, &l.logins).await?}))
}

pub async fn describe(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let id = string_member(&body, "IdentityId")?;
    identity_in_region(ctx, id)?;
    Ok(identity_answer(&lk.describe_identity(id).await?))
}

pub async fn list(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let pool = string_member(&body, "IdentityPoolId")?.to_string();
    pool_in_region(ctx, &pool)?;
    let p: Paging = input(body)?;
    let page = lk
        .list_identities(&pool, p.max_results, p.next_token.as_deref())
        .await?;
    let identities = page.items.iter().map(identity_answer).collect();
    let mut out = page_answer("Identities", identities, "NextToken", page.next);
    out["IdentityPoolId"] = json!(pool);
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteInput {
    identity_ids_to_delete: Vec<String>,
}

pub async fn delete(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let d: DeleteInput = input(body)?;
    // Identities of another region than the signature's are not the caller's to delete: left alone, as unknown
    // identities are.
    let ids: Vec<String> = d
        .identity_ids_to_delete
        .into_iter()
        .filter(|id| identity_in_region(ctx, id).is_ok())
        .collect();
    lk.delete_identities(&ids).await?;
    Ok(json!({"UnprocessedIdentityIds": []}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UnlinkInput {
    identity_id: String,
    #[serde(default)]
    logins: std::collections::BTreeMap<String, String>,
    logins_to_remove: Vec<String>,
}

pub async fn unlink(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let u: UnlinkInput = input(body)?;
    lk.unlink_identity(&u.identity_id, &u.logins, &u.logins_to_remove)
        .await?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LookupInput {
    identity_pool_id: String,
    identity_id: Option<String>,
    developer_user_identifier: Option<String>,
}

pub async fn lookup_developer(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let l: LookupInput = input(body)?;
    pool_in_region(ctx, &l.identity_pool_id)?;
    let found = lk
        .lookup_developer_identity(
            &l.identity_pool_id,
            l.identity_id.as_deref(),
            l.developer_user_identifier.as_deref(),
        )
        .await?;
    Ok(json!({
        "IdentityId": found.identity_id,
        "DeveloperUserIdentifierList": found.developer_user_identifiers,
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct MergeInput {
    identity_pool_id: String,
    developer_provider_name: String,
    source_user_identifier: String,
    destination_user_identifier: String,
}

pub async fn merge_developer(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let m: MergeInput = input(body)?;
    pool_in_region(ctx, &m.identity_pool_id)?;
    let id = lk
        .merge_developer_identities(
            &m.identity_pool_id,
            &m.developer_provider_name,
            &m.source_user_identifier,
            &m.destination_user_identifier,
        )
        .await?;
    Ok(json!({"IdentityId": id}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UnlinkDeveloperInput {
    identity_pool_id: String,
    identity_id: String,
    developer_provider_name: String,
    developer_user_identifier: String,
}

pub async fn unlink_developer(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let u: UnlinkDeveloperInput = input(body)?;
    pool_in_region(ctx, &u.identity_pool_id)?;
    lk.unlink_developer_identity(
        &u.identity_pool_id,
        &u.identity_id,
        &u.developer_provider_name,
        &u.developer_user_identifier,
    )
    .await?;
    Ok(json!({}))
}
