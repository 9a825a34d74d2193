//! Cognito operations, one small file per family. Each handler takes the validated JSON input, calls the
//! domain, and shapes the response exactly as Cognito's output shape.
//!
//! An operation on a pool (its input has a `UserPoolId`) is registered with `on_pool`, and its handler receives
//! the id as a `PoolId`: the only way to get one is the check that the pool belongs to the region the request was
//! signed for, so no operation can skip it (and a test holds every such operation of the model to it).

mod auth;
mod clients;
mod devices;
mod groups;
pub mod identity;
mod mfa;
mod oauth_config;
mod passkeys;
mod user_pools;
mod users_admin;
mod users_self;

use std::future::Future;
use std::ops::Deref;

use latchkey_core::users::attributes::AttributeInput;
use latchkey_core::users::UserRef;
use latchkey_core::{CognitoError, ErrorKind, Latchkey};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

/// What the dispatcher learned about the request.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The credential scope's region: always present on signed operations.
    pub region: Option<String>,
    pub request_id: String,
}

impl Ctx {
    /// The signing region; admin operations are always signed, so this only fails on a wiring mistake.
    pub fn region(&self) -> Result<&str, CognitoError> {
        self.region
            .as_deref()
            .ok_or_else(|| CognitoError::internal("signed operation without a region"))
    }
}

/// The `UserPoolId` of a request, known to name a pool of the signing region: a client signing for another region
/// does not see the pool (ResourceNotFoundException, as for a pool that does not exist).
#[derive(Debug)]
pub struct PoolId(String);

impl PoolId {
    fn checked(ctx: &Ctx, body: &Value) -> Result<Self, CognitoError> {
        let id = string_member(body, "UserPoolId")?;
        match (&ctx.region, latchkey_core::ids::region_of_pool(id)) {
            (Some(signed), Some(pool_region)) if signed != pool_region => {
                Err(CognitoError::pool_not_found(id))
            }
            _ => Ok(Self(id.to_string())),
        }
    }
}

impl PoolId {
    /// The user an administrator names in this pool.
    pub fn user<'a>(&'a self, username: &'a str) -> UserRef<'a> {
        UserRef::Named {
            pool_id: &self.0,
            username,
        }
    }
}

impl Deref for PoolId {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

/// Runs an operation on a pool: the region check first, then `handler` with the checked id.
async fn on_pool<'a, F, Fut>(
    lk: &'a Latchkey,
    ctx: &Ctx,
    body: Value,
    handler: F,
) -> Result<Value, CognitoError>
where
    F: FnOnce(&'a Latchkey, PoolId, Value) -> Fut,
    Fut: Future<Output = Result<Value, CognitoError>>,
{
    let pool = PoolId::checked(ctx, &body)?;
    handler(lk, pool, body).await
}

/// Deserialises a validated input into its typed form.
pub fn input<T: DeserializeOwned>(body: Value) -> Result<T, CognitoError> {
    serde_json::from_value(body)
        .map_err(|e| CognitoError::new(ErrorKind::SerializationException, format!("Invalid request: {e}")))
}

/// A required string member (the model validation has already checked presence).
pub fn string_member<'a>(body: &'a Value, name: &str) -> Result<&'a str, CognitoError> {
    body.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| CognitoError::invalid_parameter(format!("{name} is required.")))
}

/// The attribute members of the attribute operations (UpdateUserAttributes, DeleteUserAttributes and their Admin
/// twins).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AttributesInput {
    #[serde(default)]
    user_attributes: Vec<AttributeInput>,
    #[serde(default)]
    user_attribute_names: Vec<String>,
}

/// The paging members of the list operations that page with `MaxResults` and `NextToken`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Paging {
    max_results: Option<u32>,
    next_token: Option<String>,
}

/// A list answer: `items` under `member`, and `token` under `token_member` when there is a next page.
fn page_answer(member: &str, items: Vec<Value>, token_member: &str, token: Option<String>) -> Value {
    let mut out = serde_json::json!({ member: items });
    if let Some(t) = token {
        out[token_member] = Value::String(t);
    }
    out
}

/// Runs the named operation, or `None` when Latchkey does not implement it.
pub async fn call(op: &str, lk: &Latchkey, ctx: &Ctx, body: Value) -> Option<Result<Value, CognitoError>> {
    Some(match op {
        // Operations authorised by ClientId, Session or access token, and those on no single pool.
        "CreateUserPool" => user_pools::create(lk, ctx, body).await,
        "ListUserPools" => user_pools::list(lk, ctx, body).await,
        "TagResource" => user_pools::tag(lk, ctx, body).await,
        "UntagResource" => user_pools::untag(lk, ctx, body).await,
        "ListTagsForResource" => user_pools::list_tags(lk, ctx, body).await,
        "SignUp" => users_self::sign_up(lk, ctx, body).await,
        "ConfirmSignUp" => users_self::confirm_sign_up(lk, ctx, body).await,
        "ResendConfirmationCode" => users_self::resend_confirmation_code(lk, ctx, body).await,
        "ForgotPassword" => users_self::forgot_password(lk, ctx, body).await,
        "ConfirmForgotPassword" => users_self::confirm_forgot_password(lk, ctx, body).await,
        "RevokeToken" => users_self::revoke_token(lk, ctx, body).await,
        "GetUser" => users_self::get_user(lk, ctx, body).await,
        "DeleteUser" => users_self::delete_user(lk, ctx, body).await,
        "UpdateUserAttributes" => users_self::update_user_attributes(lk, ctx, body).await,
        "DeleteUserAttributes" => users_self::delete_user_attributes(lk, ctx, body).await,
        "GetUserAttributeVerificationCode" => {
            users_self::get_user_attribute_verification_code(lk, ctx, body).await
        }
        "VerifyUserAttribute" => users_self::verify_user_attribute(lk, ctx, body).await,
        "ChangePassword" => users_self::change_password(lk, ctx, body).await,
        "GlobalSignOut" => users_self::global_sign_out(lk, ctx, body).await,
        "InitiateAuth" => auth::initiate(lk, ctx, body).await,
        "GetTokensFromRefreshToken" => auth::get_tokens_from_refresh_token(lk, ctx, body).await,
        "RespondToAuthChallenge" => auth::respond(lk, ctx, body).await,
        "AssociateSoftwareToken" => mfa::associate_software_token(lk, ctx, body).await,
        "VerifySoftwareToken" => mfa::verify_software_token(lk, ctx, body).await,
        "SetUserMFAPreference" => mfa::set_user_mfa_preference(lk, ctx, body).await,
        "SetUserSettings" => mfa::set_user_settings(lk, ctx, body).await,
        "GetUserAuthFactors" => mfa::get_user_auth_factors(lk, ctx, body).await,
        "StartWebAuthnRegistration" => passkeys::start_registration(lk, ctx, body).await,
        "CompleteWebAuthnRegistration" => passkeys::complete_registration(lk, ctx, body).await,
        "ListWebAuthnCredentials" => passkeys::list_credentials(lk, ctx, body).await,
        "DeleteWebAuthnCredential" => passkeys::delete_credential(lk, ctx, body).await,
        "DescribeUserPoolDomain" => oauth_config::describe_domain(lk, ctx, body).await,
        "ConfirmDevice" => devices::confirm(lk, ctx, body).await,
        "GetDevice" => devices::get_device(lk, ctx, body).await,
        "ListDevices" => devices::list_devices(lk, ctx, body).await,
        "UpdateDeviceStatus" => devices::update_device_status(lk, ctx, body).await,
        "ForgetDevice" => devices::forget_device(lk, ctx, body).await,
        // Operations on a pool: the region check comes first.
        "DescribeUserPool" => on_pool(lk, ctx, body, user_pools::describe).await,
        "UpdateUserPool" => on_pool(lk, ctx, body, user_pools::update).await,
        "DeleteUserPool" => on_pool(lk, ctx, body, user_pools::delete).await,
        "AddCustomAttributes" => on_pool(lk, ctx, body, user_pools::add_custom_attributes).await,
        "GetUserPoolMfaConfig" => on_pool(lk, ctx, body, user_pools::get_mfa_config).await,
        "SetUserPoolMfaConfig" => on_pool(lk, ctx, body, user_pools::set_mfa_config).await,
        "GetCSVHeader" => on_pool(lk, ctx, body, user_pools::csv_header).await,
        "CreateUserPoolClient" => on_pool(lk, ctx, body, clients::create).await,
        "DescribeUserPoolClient" => on_pool(lk, ctx, body, clients::describe).await,
        "ListUserPoolClients" => on_pool(lk, ctx, body, clients::list).await,
        "UpdateUserPoolClient" => on_pool(lk, ctx, body, clients::update).await,
        "DeleteUserPoolClient" => on_pool(lk, ctx, body, clients::delete).await,
        "AdminCreateUser" => on_pool(lk, ctx, body, users_admin::create_user).await,
        "AdminGetUser" => on_pool(lk, ctx, body, users_admin::get_user).await,
        "AdminDeleteUser" => on_pool(lk, ctx, body, users_admin::delete_user).await,
        "AdminEnableUser" => on_pool(lk, ctx, body, users_admin::enable_user).await,
        "AdminDisableUser" => on_pool(lk, ctx, body, users_admin::disable_user).await,
        "AdminConfirmSignUp" => on_pool(lk, ctx, body, users_admin::confirm_sign_up).await,
        "AdminUpdateUserAttributes" => on_pool(lk, ctx, body, users_admin::update_user_attributes).await,
        "AdminDeleteUserAttributes" => on_pool(lk, ctx, body, users_admin::delete_user_attributes).await,
        "AdminSetUserPassword" => on_pool(lk, ctx, body, users_admin::set_user_password).await,
        "AdminResetUserPassword" => on_pool(lk, ctx, body, users_admin::reset_user_password).await,
        "AdminUserGlobalSignOut" => on_pool(lk, ctx, body, users_admin::user_global_sign_out).await,
        "ListUsers" => on_pool(lk, ctx, body, users_admin::list_users).await,
        "AdminInitiateAuth" => on_pool(lk, ctx, body, auth::admin_initiate).await,
        "AdminRespondToAuthChallenge" => on_pool(lk, ctx, body, auth::admin_respond).await,
        "AdminSetUserMFAPreference" => on_pool(lk, ctx, body, mfa::admin_set_user_mfa_preference).await,
        "AdminSetUserSettings" => on_pool(lk, ctx, body, mfa::admin_set_user_settings).await,
        "AdminGetUserAuthFactors" => on_pool(lk, ctx, body, mfa::admin_get_user_auth_factors).await,
        "CreateGroup" => on_pool(lk, ctx, body, groups::create).await,
        "GetGroup" => on_pool(lk, ctx, body, groups::get).await,
        "UpdateGroup" => on_pool(lk, ctx, body, groups::update).await,
        "DeleteGroup" => on_pool(lk, ctx, body, groups::delete).await,
        "ListGroups" => on_pool(lk, ctx, body, groups::list).await,
        "AdminAddUserToGroup" => on_pool(lk, ctx, body, groups::add_user).await,
        "AdminRemoveUserFromGroup" => on_pool(lk, ctx, body, groups::remove_user).await,
        "AdminListGroupsForUser" => on_pool(lk, ctx, body, groups::groups_for_user).await,
        "ListUsersInGroup" => on_pool(lk, ctx, body, groups::users_in_group).await,
        "CreateResourceServer" => on_pool(lk, ctx, body, oauth_config::create_resource_server).await,
        "DescribeResourceServer" => on_pool(lk, ctx, body, oauth_config::describe_resource_server).await,
        "ListResourceServers" => on_pool(lk, ctx, body, oauth_config::list_resource_servers).await,
        "UpdateResourceServer" => on_pool(lk, ctx, body, oauth_config::update_resource_server).await,
        "DeleteResourceServer" => on_pool(lk, ctx, body, oauth_config::delete_resource_server).await,
        "CreateUserPoolDomain" => on_pool(lk, ctx, body, oauth_config::create_domain).await,
        "UpdateUserPoolDomain" => on_pool(lk, ctx, body, oauth_config::update_domain).await,
        "DeleteUserPoolDomain" => on_pool(lk, ctx, body, oauth_config::delete_domain).await,
        "SetUICustomization" => on_pool(lk, ctx, body, oauth_config::set_ui_customization).await,
        "GetUICustomization" => on_pool(lk, ctx, body, oauth_config::get_ui_customization).await,
        "AdminGetDevice" => on_pool(lk, ctx, body, devices::admin_get_device).await,
        "AdminListDevices" => on_pool(lk, ctx, body, devices::admin_list_devices).await,
        "AdminUpdateDeviceStatus" => on_pool(lk, ctx, body, devices::admin_update_device_status).await,
        "AdminForgetDevice" => on_pool(lk, ctx, body, devices::admin_forget_device).await,
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
