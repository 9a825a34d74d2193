//! Device operations: ConfirmDevice, GetDevice, ListDevices, UpdateDeviceStatus, ForgetDevice (by access token)
//! and AdminGetDevice, AdminListDevices, AdminUpdateDeviceStatus, AdminForgetDevice (SigV4).

use std::sync::Arc;

use latchkey_core::pools::UserPool;
use latchkey_core::users::User;
use latchkey_core::{CognitoError, Latchkey};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{input, string_member, Ctx};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeviceInput {
    device_key: Option<String>,
    device_remembered_status: Option<String>,
    limit: Option<u32>,
    pagination_token: Option<String>,
}

/// Whose devices: the access token's user, or the user an administrator names.
async fn owner(
    lk: &Latchkey,
    ctx: &Ctx,
    body: &Value,
    admin: bool,
) -> Result<(Arc<UserPool>, User), CognitoError> {
    if admin {
        let pool_id = string_member(body, "UserPoolId")?;
        ctx.check_pool_region(pool_id)?;
        let pool = lk.pool(pool_id).await?;
        let user = lk.admin_user(&pool, string_member(body, "Username")?).await?;
        Ok((Arc::new(pool), user))
    } else {
        let t = lk
            .authenticate_access_token(string_member(body, "AccessToken")?)
            .await?;
        Ok((t.pool, t.user))
    }
}

fn key(r: &DeviceInput) -> Result<&str, CognitoError> {
    r.device_key
        .as_deref()
        .ok_or_else(|| CognitoError::invalid_parameter("DeviceKey is required."))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct VerifierConfig {
    password_verifier: String,
    salt: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ConfirmInput {
    access_token: String,
    device_key: String,
    device_secret_verifier_config: Option<VerifierConfig>,
    device_name: Option<String>,
}

pub async fn confirm(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let r: ConfirmInput = input(body)?;
    let cfg = r
        .device_secret_verifier_config
        .ok_or_else(|| CognitoError::invalid_parameter("DeviceSecretVerifierConfig is required."))?;
    let necessary = lk
        .confirm_device(
            &r.access_token,
            &r.device_key,
            &cfg.password_verifier,
            &cfg.salt,
            r.device_name.as_deref(),
        )
        .await?;
    Ok(json!({"UserConfirmationNecessary": necessary}))
}

async fn get(lk: &Latchkey, ctx: &Ctx, body: Value, admin: bool) -> Result<Value, CognitoError> {
    let (pool, user) = owner(lk, ctx, &body, admin).await?;
    let r: DeviceInput = input(body)?;
    Ok(json!({"Device": lk.user_device(&pool, &user, key(&r)?).await?.to_wire()}))
}

async fn list(lk: &Latchkey, ctx: &Ctx, body: Value, admin: bool) -> Result<Value, CognitoError> {
    let (pool, user) = owner(lk, ctx, &body, admin).await?;
    let r: DeviceInput = input(body)?;
    let page = lk
        .list_user_devices(&pool, &user, r.limit, r.pagination_token.as_deref())
        .await?;
    let mut out = json!({"Devices": page.items.iter().map(|d| d.to_wire()).collect::<Vec<_>>()});
    if let Some(t) = page.next {
        out["PaginationToken"] = Value::String(t);
    }
    Ok(out)
}

async fn update_status(lk: &Latchkey, ctx: &Ctx, body: Value, admin: bool) -> Result<Value, CognitoError> {
    let (pool, user) = owner(lk, ctx, &body, admin).await?;
    let r: DeviceInput = input(body)?;
    let status = r.device_remembered_status.as_deref().unwrap_or("not_remembered");
    lk.set_device_status(&pool, &user, key(&r)?, status).await?;
    Ok(json!({}))
}

async fn forget(lk: &Latchkey, ctx: &Ctx, body: Value, admin: bool) -> Result<Value, CognitoError> {
    let (pool, user) = owner(lk, ctx, &body, admin).await?;
    let r: DeviceInput = input(body)?;
    lk.forget_device(&pool, &user, key(&r)?).await?;
    Ok(json!({}))
}

pub async fn get_device(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    get(lk, ctx, body, false).await
}
pub async fn admin_get_device(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    get(lk, ctx, body, true).await
}
pub async fn list_devices(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    list(lk, ctx, body, false).await
}
pub async fn admin_list_devices(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    list(lk, ctx, body, true).await
}
pub async fn update_device_status(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    update_status(lk, ctx, body, false).await
}
pub async fn admin_update_device_status(
    lk: &Latchkey,
    ctx: &Ctx,
    body: Value,
) -> Result<Value, CognitoError> {
    update_status(lk, ctx, body, true).await
}
pub async fn forget_device(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    forget(lk, ctx, body, false).await
}
pub async fn admin_forget_device(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    forget(lk, ctx, body, true).await
}
