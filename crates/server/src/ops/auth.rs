//! InitiateAuth, AdminInitiateAuth, RespondToAuthChallenge, AdminRespondToAuthChallenge and
//! GetTokensFromRefreshToken: the request's members in, core's sign-in step out.

use std::collections::BTreeMap;

use latchkey_core::auth::{AuthOutcome, Initiator};
use latchkey_core::clients::AppClient;
use latchkey_core::pools::UserPool;
use latchkey_core::{CognitoError, Latchkey};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{input, Ctx, PoolId};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InitiateInput {
    auth_flow: String,
    client_id: String,
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

/// The client an admin call names, which must belong to the named pool.
async fn admin_client(
    lk: &Latchkey,
    pool: &PoolId,
    client_id: &str,
) -> Result<(AppClient, UserPool), CognitoError> {
    let pool_record = lk.pool(pool).await?;
    let client = lk.client_in_pool(pool, client_id).await?;
    Ok((client, pool_record))
}

async fn initiate_with(
    lk: &Latchkey,
    (client, pool): (&AppClient, &UserPool),
    initiator: Initiator,
    req: &InitiateInput,
) -> Result<Value, CognitoError> {
    let outcome: AuthOutcome = lk
        .initiate_auth(pool, client, initiator, &req.auth_flow, &req.auth_parameters)
        .await?;
    Ok(outcome.to_wire())
}

pub async fn initiate(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let req: InitiateInput = input(body)?;
    let (client, pool) = lk.client_and_pool(&req.client_id).await?;
    initiate_with(lk, (&client, &pool), Initiator::App, &req).await
}

pub async fn admin_initiate(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    let req: InitiateInput = input(body)?;
    let (client, pool) = admin_client(lk, &pool, &req.client_id).await?;
    initiate_with(lk, (&client, &pool), Initiator::Admin, &req).await
}

async fn respond_with(
    lk: &Latchkey,
    (client, pool): (&AppClient, &UserPool),
    req: &RespondInput,
) -> Result<Value, CognitoError> {
    let (name, session) = (&req.challenge_name, req.session.as_deref());
    let outcome = lk
        .respond_to_auth_challenge(pool, client, name, session, &req.challenge_responses)
        .await?;
    Ok(outcome.to_wire())
}

pub async fn respond(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let req: RespondInput = input(body)?;
    let (client, pool) = lk.client_and_pool(&req.client_id).await?;
    respond_with(lk, (&client, &pool), &req).await
}

pub async fn admin_respond(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    let req: RespondInput = input(body)?;
    let (client, pool) = admin_client(lk, &pool, &req.client_id).await?;
    respond_with(lk, (&client, &pool), &req).await
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
