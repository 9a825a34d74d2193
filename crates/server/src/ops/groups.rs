//! Group operations (SigV4): CreateGroup, GetGroup, UpdateGroup, DeleteGroup, ListGroups, AdminAddUserToGroup,
//! AdminRemoveUserFromGroup, AdminListGroupsForUser, ListUsersInGroup.

use latchkey_core::groups::GroupInput;
use latchkey_core::users::user_type;
use latchkey_core::{CognitoError, Latchkey};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{input, string_member, Ctx};

fn pool_id<'a>(ctx: &Ctx, body: &'a Value) -> Result<&'a str, CognitoError> {
    let id = string_member(body, "UserPoolId")?;
    ctx.check_pool_region(id)?;
    Ok(id)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Paging {
    limit: Option<u32>,
    next_token: Option<String>,
}

fn with_next(mut v: Value, next: Option<String>) -> Value {
    if let Some(n) = next {
        v["NextToken"] = Value::String(n);
    }
    v
}

pub async fn create(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    pool_id(ctx, &body)?;
    Ok(json!({"Group": lk.create_group(input::<GroupInput>(body)?).await?}))
}

pub async fn get(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    Ok(json!({"Group": lk.get_group(pool_id(ctx, &body)?, string_member(&body, "GroupName")?).await?}))
}

pub async fn update(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    pool_id(ctx, &body)?;
    Ok(json!({"Group": lk.update_group(input::<GroupInput>(body)?).await?}))
}

pub async fn delete(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    lk.delete_group(pool_id(ctx, &body)?, string_member(&body, "GroupName")?)
        .await?;
    Ok(json!({}))
}

pub async fn list(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let id = pool_id(ctx, &body)?.to_string();
    let p: Paging = input(body)?;
    let page = lk.list_groups(&id, p.limit, p.next_token.as_deref()).await?;
    Ok(with_next(json!({"Groups": page.items}), page.next))
}

pub async fn add_user(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    lk.admin_add_user_to_group(
        pool_id(ctx, &body)?,
        string_member(&body, "Username")?,
        string_member(&body, "GroupName")?,
    )
    .await?;
    Ok(json!({}))
}

pub async fn remove_user(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    lk.admin_remove_user_from_group(
        pool_id(ctx, &body)?,
        string_member(&body, "Username")?,
        string_member(&body, "GroupName")?,
    )
    .await?;
    Ok(json!({}))
}

pub async fn groups_for_user(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let id = pool_id(ctx, &body)?.to_string();
    let name = string_member(&body, "Username")?.to_string();
    let p: Paging = input(body)?;
    let page = lk
        .admin_list_groups_for_user(&id, &name, p.limit, p.next_token.as_deref())
        .await?;
    Ok(with_next(json!({"Groups": page.items}), page.next))
}

pub async fn users_in_group(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let id = pool_id(ctx, &body)?.to_string();
    let group = string_member(&body, "GroupName")?.to_string();
    let p: Paging = input(body)?;
    let page = lk
        .list_users_in_group(&id, &group, p.limit, p.next_token.as_deref())
        .await?;
    let users: Vec<Value> = page.items.iter().map(|u| user_type(u, |_| true)).collect();
    Ok(with_next(json!({"Users": users}), page.next))
}
