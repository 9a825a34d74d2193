//! Cognito operations, one small file per family. Each handler takes the validated JSON input, calls the
//! domain, and shapes the response exactly as Cognito's output shape.

mod auth;
mod clients;
mod devices;
mod groups;
mod oauth_config;
mod user_pools;
mod users_admin;
mod users_self;

use latchkey_core::{CognitoError, ErrorKind};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::AppState;

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

    /// Pools belong to a region: a client signing for another region does not see them.
    pub fn check_pool_region(&self, pool_id: &str) -> Result<(), CognitoError> {
        match (&self.region, latchkey_core::ids::region_of_pool(pool_id)) {
            (Some(signed), Some(pool_region)) if signed != pool_region => {
                Err(CognitoError::pool_not_found(pool_id))
            }
            _ => Ok(()),
        }
    }
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

/// Runs the named operation, or `None` when Latchkey does not implement it.
pub async fn call(op: &str, st: &AppState, ctx: &Ctx, body: Value) -> Option<Result<Value, CognitoError>> {
    let lk = &st.latchkey;
    Some(match op {
        "CreateUserPool" => user_pools::create(lk, ctx, body).await,
        "DescribeUserPool" => user_pools::describe(lk, ctx, body).await,
        "ListUserPools" => user_pools::list(lk, ctx, body).await,
        "UpdateUserPool" => user_pools::update(lk, ctx, body).await,
        "DeleteUserPool" => user_pools::delete(lk, ctx, body).await,
        "AddCustomAttributes" => user_pools::add_custom_attributes(lk, ctx, body).await,
        "GetUserPoolMfaConfig" => user_pools::get_mfa_config(lk, ctx, body).await,
        "SetUserPoolMfaConfig" => user_pools::set_mfa_config(lk, ctx, body).await,
        "TagResource" => user_pools::tag(lk, ctx, body).await,
        "UntagResource" => user_pools::untag(lk, ctx, body).await,
        "ListTagsForResource" => user_pools::list_tags(lk, ctx, body).await,
        "GetCSVHeader" => user_pools::csv_header(lk, ctx, body).await,
        "CreateUserPoolClient" => clients::create(lk, ctx, body).await,
        "DescribeUserPoolClient" => clients::describe(lk, ctx, body).await,
        "ListUserPoolClients" => clients::list(lk, ctx, body).await,
        "UpdateUserPoolClient" => clients::update(lk, ctx, body).await,
        "DeleteUserPoolClient" => clients::delete(lk, ctx, body).await,
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
        "AdminCreateUser" => users_admin::create_user(lk, ctx, body).await,
        "AdminGetUser" => users_admin::get_user(lk, ctx, body).await,
        "AdminDeleteUser" => users_admin::delete_user(lk, ctx, body).await,
        "AdminEnableUser" => users_admin::enable_user(lk, ctx, body).await,
        "AdminDisableUser" => users_admin::disable_user(lk, ctx, body).await,
        "AdminConfirmSignUp" => users_admin::confirm_sign_up(lk, ctx, body).await,
        "AdminUpdateUserAttributes" => users_admin::update_user_attributes(lk, ctx, body).await,
        "AdminDeleteUserAttributes" => users_admin::delete_user_attributes(lk, ctx, body).await,
        "AdminSetUserPassword" => users_admin::set_user_password(lk, ctx, body).await,
        "AdminResetUserPassword" => users_admin::reset_user_password(lk, ctx, body).await,
        "AdminUserGlobalSignOut" => users_admin::user_global_sign_out(lk, ctx, body).await,
        "ListUsers" => users_admin::list_users(lk, ctx, body).await,
        "InitiateAuth" => auth::initiate(lk, ctx, body).await,
        "GetTokensFromRefreshToken" => auth::get_tokens_from_refresh_token(lk, ctx, body).await,
        "AdminInitiateAuth" => auth::admin_initiate(lk, ctx, body).await,
        "RespondToAuthChallenge" => auth::respond(lk, ctx, body).await,
        "AdminRespondToAuthChallenge" => auth::admin_respond(lk, ctx, body).await,
        "CreateGroup" => groups::create(lk, ctx, body).await,
        "GetGroup" => groups::get(lk, ctx, body).await,
        "UpdateGroup" => groups::update(lk, ctx, body).await,
        "DeleteGroup" => groups::delete(lk, ctx, body).await,
        "ListGroups" => groups::list(lk, ctx, body).await,
        "AdminAddUserToGroup" => groups::add_user(lk, ctx, body).await,
        "AdminRemoveUserFromGroup" => groups::remove_user(lk, ctx, body).await,
        "AdminListGroupsForUser" => groups::groups_for_user(lk, ctx, body).await,
        "ListUsersInGroup" => groups::users_in_group(lk, ctx, body).await,
        "CreateResourceServer" => oauth_config::create_resource_server(lk, ctx, body).await,
        "DescribeResourceServer" => oauth_config::describe_resource_server(lk, ctx, body).await,
        "ListResourceServers" => oauth_config::list_resource_servers(lk, ctx, body).await,
        "UpdateResourceServer" => oauth_config::update_resource_server(lk, ctx, body).await,
        "DeleteResourceServer" => oauth_config::delete_resource_server(lk, ctx, body).await,
        "CreateUserPoolDomain" => oauth_config::create_domain(lk, ctx, body).await,
        "DescribeUserPoolDomain" => oauth_config::describe_domain(lk, ctx, body).await,
        "UpdateUserPoolDomain" => oauth_config::update_domain(lk, ctx, body).await,
        "DeleteUserPoolDomain" => oauth_config::delete_domain(lk, ctx, body).await,
        "SetUICustomization" => oauth_config::set_ui_customization(lk, ctx, body).await,
        "GetUICustomization" => oauth_config::get_ui_customization(lk, ctx, body).await,
        "ConfirmDevice" => devices::confirm(lk, ctx, body).await,
        "GetDevice" => devices::get_device(lk, ctx, body).await,
        "ListDevices" => devices::list_devices(lk, ctx, body).await,
        "UpdateDeviceStatus" => devices::update_device_status(lk, ctx, body).await,
        "ForgetDevice" => devices::forget_device(lk, ctx, body).await,
        "AdminGetDevice" => devices::admin_get_device(lk, ctx, body).await,
        "AdminListDevices" => devices::admin_list_devices(lk, ctx, body).await,
        "AdminUpdateDeviceStatus" => devices::admin_update_device_status(lk, ctx, body).await,
        "AdminForgetDevice" => devices::admin_forget_device(lk, ctx, body).await,
        _ => return None,
    })
}
