//! Device operations: ConfirmDevice, GetDevice, ListDevices, UpdateDeviceStatus, ForgetDevice (by access token)
//! and AdminGetDevice, AdminListDevices, AdminUpdateDeviceStatus, AdminForgetDevice (SigV4, on a pool).

use latchkey_core::users::UserRef;
use latchkey_core::{CognitoError, Latchkey};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{input, page_answer, string_member, Ctx, PoolId};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeviceInput {
    device_key: Option<String>,
    device_remembered_status: Option<String>,
    limit: Option<u32>,
    pagination_token: Option<String>,
}

impl DeviceInput {
    fn key(&self) -> Result<&str, CognitoError> {
        self.device_key
            .as_deref()
            .ok_or_else(|| CognitoError::invalid_parameter("DeviceKey is required."))
    }
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

/// Whose devices a request is about: the access token's user, or the user an administrator names in a pool.
enum Owner {
    AccessToken(String),
    Admin { pool: PoolId, username: String },
}

/// A device request: its owner and the rest of its input.
struct Addressed {
    owner: Owner,
    input: DeviceInput,
}

impl Addressed {
    fn by_token(body: Value) -> Result<Self, CognitoError> {
        let owner = Owner::AccessToken(string_member(&body, "AccessToken")?.to_string());
        Ok(Self {
            owner,
            input: input(body)?,
        })
    }

    fn by_admin(pool: PoolId, body: Value) -> Result<Self, CognitoError> {
        let username = string_member(&body, "Username")?.to_string();
        Ok(Self {
            owner: Owner::Admin { pool, username },
            input: input(body)?,
        })
    }

    fn owner(&self) -> UserRef<'_> {
        match &self.owner {
            Owner::AccessToken(token) => UserRef::AccessToken(token),
            Owner::Admin { pool, username } => pool.user(username),
        }
    }
}

async fn get(lk: &Latchkey, r: Addressed) -> Result<Value, CognitoError> {
    let device = lk.get_device(r.owner(), r.input.key()?).await?;
    Ok(json!({"Device": device.to_wire()}))
}

async fn list(lk: &Latchkey, r: Addressed) -> Result<Value, CognitoError> {
    let (limit, token) = (r.input.limit, r.input.pagination_token.as_deref());
    let page = lk.list_devices(r.owner(), limit, token).await?;
    let devices = page.items.iter().map(|d| d.to_wire()).collect();
    Ok(page_answer("Devices", devices, "PaginationToken", page.next))
}

async fn update_status(lk: &Latchkey, r: Addressed) -> Result<Value, CognitoError> {
    let status = r
        .input
        .device_remembered_status
        .as_deref()
        .unwrap_or("not_remembered");
    lk.update_device_status(r.owner(), r.input.key()?, status).await?;
    Ok(json!({}))
}

async fn forget(lk: &Latchkey, r: Addressed) -> Result<Value, CognitoError> {
    lk.forget_device(r.owner(), r.input.key()?).await?;
    Ok(json!({}))
}

pub async fn get_device(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    get(lk, Addressed::by_token(body)?).await
}
pub async fn admin_get_device(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    get(lk, Addressed::by_admin(pool, body)?).await
}
pub async fn list_devices(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    list(lk, Addressed::by_token(body)?).await
}
pub async fn admin_list_devices(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    list(lk, Addressed::by_admin(pool, body)?).await
}
pub async fn update_device_status(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    update_status(lk, Addressed::by_token(body)?).await
}
pub async fn admin_update_device_status(
    lk: &Latchkey,
    pool: PoolId,
    body: Value,
) -> Result<Value, CognitoError> {
    update_status(lk, Addressed::by_admin(pool, body)?).await
}
pub async fn forget_device(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    forget(lk, Addressed::by_token(body)?).await
}
pub async fn admin_forget_device(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    forget(lk, Addressed::by_admin(pool, body)?).await
}
