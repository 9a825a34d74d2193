//! Administrator user operations (SigV4): AdminCreateUser, AdminGetUser, AdminDeleteUser, AdminEnableUser,
//! AdminDisableUser, AdminConfirmSignUp, AdminUpdateUserAttributes, AdminDeleteUserAttributes,
//! AdminSetUserPassword, AdminResetUserPassword, AdminUserGlobalSignOut and ListUsers.

use latchkey_core::users::attributes::{AttributeInput, Writer};
use latchkey_core::users::{user_type, AdminCreateUserInput, ListUsersInput};
use latchkey_core::{CognitoError, Latchkey};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{input, string_member, Ctx};

fn pool_id<'a>(ctx: &Ctx, body: &'a Value) -> Result<&'a str, CognitoError> {
    let id = string_member(body, "UserPoolId")?;
    ctx.check_pool_region(id)?;
    Ok(id)
}

fn username(body: &Value) -> Result<&str, CognitoError> {
    string_member(body, "Username")
}

pub async fn create_user(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    pool_id(ctx, &body)?;
    let user = lk.admin_create_user(input::<AdminCreateUserInput>(body)?).await?;
    Ok(json!({"User": user_type(&user, |_| true)}))
}

pub async fn get_user(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let pool = lk.pool(pool_id(ctx, &body)?).await?;
    let user = lk.admin_user(&pool, username(&body)?).await?;
    let t = user_type(&user, |_| true);
    Ok(json!({
        "Username": t["Username"],
        "UserAttributes": t["Attributes"],
        "UserCreateDate": t["UserCreateDate"],
        "UserLastModifiedDate": t["UserLastModifiedDate"],
        "Enabled": t["Enabled"],
        "UserStatus": t["UserStatus"],
    }))
}

pub async fn delete_user(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    lk.admin_delete_user(pool_id(ctx, &body)?, username(&body)?)
        .await?;
    Ok(json!({}))
}

pub async fn enable_user(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    lk.admin_set_enabled(pool_id(ctx, &body)?, username(&body)?, true)
        .await?;
    Ok(json!({}))
}

pub async fn disable_user(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    lk.admin_set_enabled(pool_id(ctx, &body)?, username(&body)?, false)
        .await?;
    Ok(json!({}))
}

pub async fn confirm_sign_up(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    lk.admin_confirm_sign_up(pool_id(ctx, &body)?, username(&body)?)
        .await?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AttributesInput {
    #[serde(default)]
    user_attributes: Vec<AttributeInput>,
    #[serde(default)]
    user_attribute_names: Vec<String>,
}

pub async fn update_user_attributes(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let pool = lk.pool(pool_id(ctx, &body)?).await?;
    let user = lk.admin_user(&pool, username(&body)?).await?;
    let r: AttributesInput = input(body)?;
    lk.update_attributes(&pool, &user.username, Writer::Admin, &r.user_attributes)
        .await?;
    Ok(json!({}))
}

pub async fn delete_user_attributes(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let pool = lk.pool(pool_id(ctx, &body)?).await?;
    let user = lk.admin_user(&pool, username(&body)?).await?;
    let r: AttributesInput = input(body)?;
    lk.delete_attributes(&pool, &user.username, &r.user_attribute_names)
        .await?;
    Ok(json!({}))
}

pub async fn set_user_password(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let permanent = body.get("Permanent").and_then(Value::as_bool).unwrap_or(false);
    lk.admin_set_user_password(
        pool_id(ctx, &body)?,
        username(&body)?,
        string_member(&body, "Password")?,
        permanent,
    )
    .await?;
    Ok(json!({}))
}

pub async fn reset_user_password(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    lk.admin_reset_user_password(pool_id(ctx, &body)?, username(&body)?)
        .await?;
    Ok(json!({}))
}

pub async fn user_global_sign_out(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    lk.admin_user_global_sign_out(pool_id(ctx, &body)?, username(&body)?)
        .await?;
    Ok(json!({}))
}

pub async fn list_users(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let pool = lk.pool(pool_id(ctx, &body)?).await?;
    let req: ListUsersInput = input(body)?;
    let page = lk.list_users(&pool, &req).await?;
    let wanted = req.attributes_to_get.clone();
    let users: Vec<Value> = page
        .items
        .iter()
        .map(|u| user_type(u, |a| wanted.as_ref().is_none_or(|w| w.iter().any(|x| x == a))))
        .collect();
    let mut out = json!({"Users": users});
    if let Some(t) = page.next {
        out["PaginationToken"] = Value::String(t);
    }
    Ok(out)
}
