//! Administrator user operations (SigV4): AdminCreateUser, AdminGetUser, AdminDeleteUser, AdminEnableUser,
//! AdminDisableUser, AdminConfirmSignUp, AdminUpdateUserAttributes, AdminDeleteUserAttributes,
//! AdminSetUserPassword, AdminResetUserPassword, AdminUserGlobalSignOut and ListUsers.

use latchkey_core::users::{user_type, AdminCreateUserInput, ListUsersInput};
use latchkey_core::{CognitoError, Latchkey};
use serde_json::{json, Value};

use super::{input, page_answer, string_member, AttributesInput, PoolId};

fn username(body: &Value) -> Result<&str, CognitoError> {
    string_member(body, "Username")
}

pub async fn create_user(lk: &Latchkey, _pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    let user = lk.admin_create_user(input::<AdminCreateUserInput>(body)?).await?;
    Ok(json!({"User": user_type(&user, |_| true)}))
}

pub async fn get_user(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    let user = lk.admin_get_user(&pool, username(&body)?).await?;
    let t = user_type(&user, |_| true);
    let mut out = json!({
        "Username": t["Username"],
        "UserAttributes": t["Attributes"],
        "UserCreateDate": t["UserCreateDate"],
        "UserLastModifiedDate": t["UserLastModifiedDate"],
        "Enabled": t["Enabled"],
        "UserStatus": t["UserStatus"],
    });
    latchkey_core::mfa::user_mfa_members(&user, &mut out);
    Ok(out)
}

pub async fn delete_user(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    lk.admin_delete_user(&pool, username(&body)?).await?;
    Ok(json!({}))
}

pub async fn enable_user(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    lk.admin_set_enabled(&pool, username(&body)?, true).await?;
    Ok(json!({}))
}

pub async fn disable_user(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    lk.admin_set_enabled(&pool, username(&body)?, false).await?;
    Ok(json!({}))
}

pub async fn confirm_sign_up(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    lk.admin_confirm_sign_up(&pool, username(&body)?).await?;
    Ok(json!({}))
}

/// The user an attribute operation names, and its attribute members.
fn attributes_request(body: Value) -> Result<(String, AttributesInput), CognitoError> {
    let name = username(&body)?.to_string();
    Ok((name, input(body)?))
}

pub async fn update_user_attributes(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    let (name, r) = attributes_request(body)?;
    lk.update_user_attributes(pool.user(&name), &r.user_attributes)
        .await?;
    Ok(json!({}))
}

pub async fn delete_user_attributes(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    let (name, r) = attributes_request(body)?;
    lk.delete_user_attributes(pool.user(&name), &r.user_attribute_names)
        .await?;
    Ok(json!({}))
}

pub async fn set_user_password(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    let permanent = body.get("Permanent").and_then(Value::as_bool).unwrap_or(false);
    let (name, password) = (username(&body)?, string_member(&body, "Password")?);
    lk.admin_set_user_password(&pool, name, password, permanent)
        .await?;
    Ok(json!({}))
}

pub async fn reset_user_password(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    lk.admin_reset_user_password(&pool, username(&body)?).await?;
    Ok(json!({}))
}

pub async fn user_global_sign_out(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    lk.admin_user_global_sign_out(&pool, username(&body)?).await?;
    Ok(json!({}))
}

pub async fn list_users(lk: &Latchkey, _pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    let req: ListUsersInput = input(body)?;
    let page = lk.list_users(&req).await?;
    let wanted = req.attributes_to_get.clone();
    let users = page
        .items
        .iter()
        .map(|u| user_type(u, |a| wanted.as_ref().is_none_or(|w| w.iter().any(|x| x == a))))
        .collect();
    Ok(page_answer("Users", users, "PaginationToken", page.next))
}
