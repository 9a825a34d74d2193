//! Operations a user calls for themselves, unsigned: by ClientId (+SECRET_HASH) — SignUp, ConfirmSignUp,
//! ResendConfirmationCode, ForgotPassword, ConfirmForgotPassword, RevokeToken — or by access token — GetUser,
//! DeleteUser, UpdateUserAttributes, DeleteUserAttributes, GetUserAttributeVerificationCode,
//! VerifyUserAttribute, ChangePassword, GlobalSignOut.

use latchkey_core::users::attributes;
use latchkey_core::users::{SignUpInput, UserRef};
use latchkey_core::{CognitoError, Latchkey};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{input, string_member, AttributesInput, Ctx};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ByClient {
    client_id: String,
    username: String,
    secret_hash: Option<String>,
    confirmation_code: Option<String>,
    password: Option<String>,
    #[serde(default)]
    force_alias_creation: bool,
}

/// The answer of the operations that send a code: where it went.
fn code_delivery(details: Value) -> Value {
    json!({ "CodeDeliveryDetails": details })
}

pub async fn sign_up(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let out = lk.sign_up(input::<SignUpInput>(body)?).await?;
    let mut v = json!({"UserConfirmed": out.user_confirmed, "UserSub": out.user_sub});
    if let Some(d) = out.code_delivery {
        v["CodeDeliveryDetails"] = d;
    }
    Ok(v)
}

pub async fn confirm_sign_up(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let r: ByClient = input(body)?;
    let code = r.confirmation_code.as_deref().unwrap_or_default();
    let user = lk
        .confirm_sign_up(
            &r.client_id,
            &r.username,
            code,
            r.secret_hash.as_deref(),
            r.force_alias_creation,
        )
        .await?;
    Ok(match lk.sign_up_session(&r.client_id, &user).await? {
        Some(session) => json!({"Session": session}),
        None => json!({}),
    })
}

pub async fn resend_confirmation_code(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let r: ByClient = input(body)?;
    let hash = r.secret_hash.as_deref();
    Ok(code_delivery(
        lk.resend_confirmation_code(&r.client_id, &r.username, hash)
            .await?,
    ))
}

pub async fn forgot_password(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let r: ByClient = input(body)?;
    let hash = r.secret_hash.as_deref();
    Ok(code_delivery(
        lk.forgot_password(&r.client_id, &r.username, hash).await?,
    ))
}

pub async fn confirm_forgot_password(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let r: ByClient = input(body)?;
    lk.confirm_forgot_password(
        &r.client_id,
        &r.username,
        r.confirmation_code.as_deref().unwrap_or_default(),
        r.password.as_deref().unwrap_or_default(),
        r.secret_hash.as_deref(),
    )
    .await?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RevokeInput {
    token: String,
    client_id: String,
    client_secret: Option<String>,
}

pub async fn revoke_token(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let r: RevokeInput = input(body)?;
    lk.revoke_token(&r.token, &r.client_id, r.client_secret.as_deref())
        .await?;
    Ok(json!({}))
}

/// Whether the client an access token was issued to may read `attribute`.
fn readable_by(client: &Option<std::sync::Arc<latchkey_core::clients::AppClient>>, attribute: &str) -> bool {
    client.as_ref().is_none_or(|c| {
        c.read_attributes
            .as_ref()
            .is_none_or(|r| r.iter().any(|a| a == attribute))
    }) && !attribute.starts_with("dev:")
}

pub async fn get_user(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let (ctx, client) = lk.get_user_by_token(string_member(&body, "AccessToken")?).await?;
    let mut out = json!({
        "Username": ctx.user.username,
        "UserAttributes": attributes::to_wire(&ctx.user, |a| a == "sub" || readable_by(&client, a)),
    });
    latchkey_core::mfa::user_mfa_members(&ctx.user, &mut out);
    Ok(out)
}

pub async fn delete_user(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    lk.delete_user(string_member(&body, "AccessToken")?).await?;
    Ok(json!({}))
}

pub async fn update_user_attributes(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let token = string_member(&body, "AccessToken")?.to_string();
    let r: AttributesInput = input(body)?;
    let details = lk
        .update_user_attributes(UserRef::AccessToken(&token), &r.user_attributes)
        .await?;
    Ok(json!({"CodeDeliveryDetailsList": details}))
}

pub async fn delete_user_attributes(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let token = string_member(&body, "AccessToken")?.to_string();
    let r: AttributesInput = input(body)?;
    lk.delete_user_attributes(UserRef::AccessToken(&token), &r.user_attribute_names)
        .await?;
    Ok(json!({}))
}

pub async fn get_user_attribute_verification_code(
    lk: &Latchkey,
    _ctx: &Ctx,
    body: Value,
) -> Result<Value, CognitoError> {
    let details = lk
        .get_user_attribute_verification_code(
            string_member(&body, "AccessToken")?,
            string_member(&body, "AttributeName")?,
        )
        .await?;
    Ok(code_delivery(details))
}

pub async fn verify_user_attribute(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    lk.verify_user_attribute(
        string_member(&body, "AccessToken")?,
        string_member(&body, "AttributeName")?,
        string_member(&body, "Code")?,
    )
    .await?;
    Ok(json!({}))
}

pub async fn change_password(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    lk.change_password(
        string_member(&body, "AccessToken")?,
        body.get("PreviousPassword")
            .and_then(Value::as_str)
            .unwrap_or_default(),
        string_member(&body, "ProposedPassword")?,
    )
    .await?;
    Ok(json!({}))
}

pub async fn global_sign_out(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    lk.global_sign_out(string_member(&body, "AccessToken")?).await?;
    Ok(json!({}))
}
