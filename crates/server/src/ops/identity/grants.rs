//! What identities receive: GetCredentialsForIdentity and GetOpenIdToken (unsigned, authorised by the Logins map)
//! and GetOpenIdTokenForDeveloperIdentity (SigV4: the developer's back end vouches for its user).

use std::collections::BTreeMap;

use latchkey_core::{CognitoError, Latchkey};
use serde::Deserialize;
use serde_json::{json, Value};

use super::pool_in_region;
use crate::ops::{input, Ctx};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GrantInput {
    identity_id: String,
    #[serde(default)]
    logins: BTreeMap<String, String>,
    custom_role_arn: Option<String>,
}

pub async fn credentials(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let g: GrantInput = input(body)?;
    let c = lk
        .get_credentials_for_identity(&g.identity_id, &g.logins, g.custom_role_arn.as_deref())
        .await?;
    // `SecretKey` here, where STS says `SecretAccessKey`.
    Ok(json!({
        "IdentityId": g.identity_id,
        "Credentials": {
            "AccessKeyId": c.access_key_id,
            "SecretKey": c.secret_key,
            "SessionToken": c.session_token,
            "Expiration": c.expiration,
        },
    }))
}

pub async fn open_id_token(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let g: GrantInput = input(body)?;
    let token = lk.get_open_id_token(&g.identity_id, &g.logins).await?;
    Ok(json!({"IdentityId": g.identity_id, "Token": token}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeveloperTokenInput {
    identity_pool_id: String,
    identity_id: Option<String>,
    logins: BTreeMap<String, String>,
    token_duration: Option<i64>,
}

pub async fn developer_token(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let d: DeveloperTokenInput = input(body)?;
    pool_in_region(ctx, &d.identity_pool_id)?;
    let (identity_id, token) = lk
        .get_open_id_token_for_developer_identity(
            &d.identity_pool_id,
            d.identity_id.as_deref(),
            &d.logins,
            d.token_duration,
        )
        .await?;
    Ok(json!({"IdentityId": identity_id, "Token": token}))
}
