//! MFA and sign-in factor operations: AssociateSoftwareToken and VerifySoftwareToken (by access token or the
//! MFA_SETUP Session), SetUserMFAPreference, SetUserSettings and GetUserAuthFactors (by access token), and their
//! Admin twins (SigV4, by name).

use latchkey_core::mfa::{MfaPreferenceInput, TokenSubject};
use latchkey_core::users::UserRef;
use latchkey_core::{CognitoError, Latchkey};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{input, string_member, Ctx, PoolId};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SoftwareTokenInput {
    access_token: Option<String>,
    session: Option<String>,
    user_code: Option<String>,
    friendly_device_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SettingsInput {
    #[serde(rename = "MFAOptions", default)]
    mfa_options: Vec<Value>,
}

pub async fn associate_software_token(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let r: SoftwareTokenInput = input(body)?;
    let subject = TokenSubject::from_members(r.access_token.as_deref(), r.session.as_deref())?;
    let (secret, session) = lk.associate_software_token(subject).await?;
    let mut out = json!({"SecretCode": secret});
    if let Some(s) = session {
        out["Session"] = json!(s);
    }
    Ok(out)
}

pub async fn verify_software_token(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let r: SoftwareTokenInput = input(body)?;
    let subject = TokenSubject::from_members(r.access_token.as_deref(), r.session.as_deref())?;
    let code = r.user_code.as_deref().unwrap_or_default();
    let session = lk
        .verify_software_token(subject, code, r.friendly_device_name.as_deref())
        .await?;
    let mut out = json!({"Status": "SUCCESS"});
    if let Some(s) = session {
        out["Session"] = json!(s);
    }
    Ok(out)
}

pub async fn set_user_mfa_preference(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let token = string_member(&body, "AccessToken")?.to_string();
    let r: MfaPreferenceInput = input(body)?;
    lk.set_user_mfa_preference(UserRef::AccessToken(&token), &r)
        .await?;
    Ok(json!({}))
}

pub async fn admin_set_user_mfa_preference(
    lk: &Latchkey,
    pool: PoolId,
    body: Value,
) -> Result<Value, CognitoError> {
    let username = string_member(&body, "Username")?.to_string();
    let r: MfaPreferenceInput = input(body)?;
    lk.set_user_mfa_preference(pool.user(&username), &r).await?;
    Ok(json!({}))
}

pub async fn set_user_settings(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let token = string_member(&body, "AccessToken")?.to_string();
    let r: SettingsInput = input(body)?;
    lk.set_user_settings(UserRef::AccessToken(&token), &r.mfa_options)
        .await?;
    Ok(json!({}))
}

pub async fn admin_set_user_settings(
    lk: &Latchkey,
    pool: PoolId,
    body: Value,
) -> Result<Value, CognitoError> {
    let username = string_member(&body, "Username")?.to_string();
    let r: SettingsInput = input(body)?;
    lk.set_user_settings(pool.user(&username), &r.mfa_options).await?;
    Ok(json!({}))
}

fn auth_factors((user, factors): (latchkey_core::users::User, Vec<&str>)) -> Value {
    let mut out = json!({"Username": user.username, "ConfiguredUserAuthFactors": factors});
    latchkey_core::mfa::user_mfa_members(&user, &mut out);
    if let Some(o) = out.as_object_mut() {
        o.remove("MFAOptions");
    }
    out
}

pub async fn get_user_auth_factors(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let token = string_member(&body, "AccessToken")?;
    Ok(auth_factors(
        lk.user_auth_factors(UserRef::AccessToken(token)).await?,
    ))
}

pub async fn admin_get_user_auth_factors(
    lk: &Latchkey,
    pool: PoolId,
    body: Value,
) -> Result<Value, CognitoError> {
    let username = string_member(&body, "Username")?;
    Ok(auth_factors(lk.user_auth_factors(pool.user(username)).await?))
}
