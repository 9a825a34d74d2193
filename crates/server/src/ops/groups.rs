//! Group operations (SigV4): CreateGroup, GetGroup, UpdateGroup, DeleteGroup, ListGroups, AdminAddUserToGroup,
//! AdminRemoveUserFromGroup, AdminListGroupsForUser, ListUsersInGroup.

use latchkey_core::groups::GroupInput;
use latchkey_core::users::user_type;
use latchkey_core::{CognitoError, Latchkey};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{input, page_answer, string_member, PoolId};

/// The paging members of the group listings, which page with `Limit` and `NextToken`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LimitPaging {
    limit: Option<u32>,
    next_token: Option<String>,
}

fn group_answer(group: impl serde::Serialize) -> Value {
    json!({ "Group": group })
}

pub async fn create(lk: &Latchkey, _pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    Ok(group_answer(lk.create_group(input::<GroupInput>(body)?).await?))
}

pub async fn get(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    Ok(group_answer(
        lk.get_group(&pool, string_member(&body, "GroupName")?).await?,
    ))
}

pub async fn update(lk: &Latchkey, _pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    Ok(group_answer(lk.update_group(input::<GroupInput>(body)?).await?))
}

pub async fn delete(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    lk.delete_group(&pool, string_member(&body, "GroupName")?).await?;
    Ok(json!({}))
}

pub async fn list(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    let p: LimitPaging = input(body)?;
    let page = lk.list_groups(&pool, p.limit, p.next_token.as_deref()).await?;
    Ok(groups_answer(page.items, page.next))
}

fn groups_answer(groups: Vec<latchkey_core::groups::Group>, next: Option<String>) -> Value {
    let groups = groups.into_iter().map(|g| json!(g)).collect();
    page_answer("Groups", groups, "NextToken", next)
}

/// AdminAddUserToGroup and AdminRemoveUserFromGroup: the user and group a membership change names.
fn membership(body: &Value) -> Result<(&str, &str), CognitoError> {
    Ok((
        string_member(body, "Username")?,
        string_member(body, "GroupName")?,
    ))
}

pub async fn add_user(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    let (user, group) = membership(&body)?;
    lk.admin_add_user_to_group(&pool, user, group).await?;
    Ok(json!({}))
}

pub async fn remove_user(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    let (user, group) = membership(&body)?;
    lk.admin_remove_user_from_group(&pool, user, group).await?;
    Ok(json!({}))
}

/// A listing of one user's groups or one group's users: the string `member` that names it, and the paging.
fn listing_of(body: Value, member: &str) -> Result<(String, LimitPaging), CognitoError> {
    let named = string_member(&body, member)?.to_string();
    Ok((named, input(body)?))
}

pub async fn groups_for_user(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    let (name, p) = listing_of(body, "Username")?;
    let (limit, token) = (p.limit, p.next_token.as_deref());
    let page = lk.admin_list_groups_for_user(&pool, &name, limit, token).await?;
    Ok(groups_answer(page.items, page.next))
}

pub async fn users_in_group(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    let (group, p) = listing_of(body, "GroupName")?;
    let (limit, token) = (p.limit, p.next_token.as_deref());
    let page = lk.list_users_in_group(&pool, &group, limit, token).await?;
    let users = page.items.iter().map(|u| user_type(u, |_| true)).collect();
    Ok(page_answer("Users", users, "NextToken", page.next))
}
