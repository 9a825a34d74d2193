//! InitiateAuth, AdminInitiateAuth, RespondToAuthChallenge, AdminRespondToAuthChallenge and
//! GetTokensFromRefreshToken: the request's members in, core's sign-in step out.

use std::collections::BTreeMap;

use latchkey_core::auth::Initiator;
use latchkey_core::{CognitoError, Latchkey};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{input, Ctx, PoolId};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InitiateInput {
    auth_flow: String,
    client_id: String,
    /// USER_AUTH right after ConfirmSignUp: the Session it answered.
    session: Option<String>,
    #[serde(default)]
    #[serde(deserialize_with = "without_nulls")]
    auth_parameters: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RespondInput {
    challenge_name: String,
    client_id: String,
    session: Option<String>,
    #[serde(default)]
    #[serde(deserialize_with = "without_nulls")]
    challenge_responses: BTreeMap<String, String>,
}

/// amazon-cognito-identity-js sends absent parameters as JSON null (`"DEVICE_KEY": null`): treat them as absent.
fn without_nulls<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    let raw: Option<BTreeMap<String, Option<String>>> = serde::Deserialize::deserialize(d)?;
    Ok(raw
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect())
}

async fn initiate_with(lk: &Latchkey, initiator: Initiator<'_>, body: Value) -> Result<Value, CognitoError> {
    let r: InitiateInput = input(body)?;
    let outcome = match (r.auth_flow.as_str(), r.session.as_deref()) {
        ("USER_AUTH", Some(session)) => {
            lk.initiate_auth_after_sign_up(initiator, &r.client_id, &r.auth_parameters, session)
                .await?
        }
        _ => {
            lk.initiate_auth(initiator, &r.client_id, &r.auth_flow, &r.auth_parameters)
                .await?
        }
    };
    Ok(outcome.to_wire())
}

async fn respond_with(lk: &Latchkey, initiator: Initiator<'_>, body: Value) -> Result<Value, CognitoError> {
    let req: RespondInput = input(body)?;
    let (name, session) = (&req.challenge_name, req.session.as_deref());
    let outcome = lk
        .respond_to_auth_challenge(initiator, &req.client_id, name, session, &req.challenge_responses)
        .await?;
    Ok(outcome.to_wire())
}

pub async fn initiate(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    initiate_with(lk, Initiator::App, body).await
}

pub async fn respond(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    respond_with(lk, Initiator::App, body).await
}

pub async fn admin_initiate(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    initiate_with(lk, Initiator::Admin { pool_id: &pool }, body).await
}

pub async fn admin_respond(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    respond_with(lk, Initiator::Admin { pool_id: &pool }, body).await
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RefreshInput {
    refresh_token: String,
    client_id: String,
    client_secret: Option<String>,
    device_key: Option<String>,
}

pub async fn get_tokens_from_refresh_token(
    lk: &Latchkey,
    _ctx: &Ctx,
    body: Value,
) -> Result<Value, CognitoError> {
    let r: RefreshInput = input(body)?;
    let tokens = lk
        .get_tokens_from_refresh_token(
            &r.client_id,
            r.client_secret.as_deref(),
            &r.refresh_token,
            r.device_key.as_deref(),
        )
        .await?;
    Ok(json!({"AuthenticationResult": tokens}))
}
