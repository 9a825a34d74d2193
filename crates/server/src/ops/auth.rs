//! InitiateAuth, AdminInitiateAuth, RespondToAuthChallenge and AdminRespondToAuthChallenge.

use std::collections::BTreeMap;

use latchkey_core::auth::{AuthOutcome, ClientProof};
use latchkey_core::clients::AppClient;
use latchkey_core::pools::UserPool;
use latchkey_core::{CognitoError, ErrorKind, Latchkey};
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

fn param<'a>(params: &'a BTreeMap<String, String>, name: &str) -> Result<&'a str, CognitoError> {
    params
        .get(name)
        .map(String::as_str)
        .ok_or_else(|| CognitoError::invalid_parameter(format!("Missing required parameter {name}")))
}

fn flow_not_enabled(flow: &str) -> CognitoError {
    CognitoError::invalid_parameter(format!("{flow} flow not enabled for this client"))
}

fn require_flow(client: &AppClient, allow: &str, flow: &str) -> Result<(), CognitoError> {
    if client.allows_flow(allow) {
        Ok(())
    } else {
        Err(flow_not_enabled(flow))
    }
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

async fn refresh(
    lk: &Latchkey,
    pool: &UserPool,
    client: &AppClient,
    p: &BTreeMap<String, String>,
) -> Result<Value, CognitoError> {
    require_flow(client, "ALLOW_REFRESH_TOKEN_AUTH", "REFRESH_TOKEN_AUTH")?;
    let tokens = lk
        .refresh_sign_in(
            pool,
            client,
            param(p, "REFRESH_TOKEN")?,
            ClientProof::SecretHash(p.get("SECRET_HASH").map(String::as_str)),
            p.get("DEVICE_KEY").map(String::as_str),
        )
        .await?;
    Ok(json!({"AuthenticationResult": tokens, "ChallengeParameters": {}}))
}

async fn srp(
    lk: &Latchkey,
    pool: &UserPool,
    client: &AppClient,
    p: &BTreeMap<String, String>,
) -> Result<Value, CognitoError> {
    require_flow(client, "ALLOW_USER_SRP_AUTH", "USER_SRP_AUTH")?;
    let outcome = lk
        .srp_initiate(
            pool,
            client,
            param(p, "USERNAME")?,
            param(p, "SRP_A")?,
            p.get("SECRET_HASH").map(String::as_str),
            p.get("DEVICE_KEY").map(String::as_str),
        )
        .await?;
    Ok(outcome.to_wire())
}

async fn password(
    lk: &Latchkey,
    pool: &UserPool,
    client: &AppClient,
    p: &BTreeMap<String, String>,
) -> Result<Value, CognitoError> {
    let outcome = lk
        .password_sign_in(
            pool,
            client,
            param(p, "USERNAME")?,
            param(p, "PASSWORD")?,
            p.get("SECRET_HASH").map(String::as_str),
            p.get("DEVICE_KEY").map(String::as_str),
        )
        .await?;
    Ok(outcome.to_wire())
}

fn unsupported_flow(flow: &str) -> CognitoError {
    CognitoError::new(
        ErrorKind::UnsupportedOperationException,
        format!("Latchkey does not implement the {flow} flow yet."),
    )
}

pub async fn initiate(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let req: InitiateInput = input(body)?;
    let (client, pool) = lk.client_and_pool(&req.client_id).await?;
    let p = &req.auth_parameters;
    match req.auth_flow.as_str() {
        "USER_PASSWORD_AUTH" => {
            require_flow(&client, "ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH")?;
            password(lk, &pool, &client, p).await
        }
        "USER_SRP_AUTH" => srp(lk, &pool, &client, p).await,
        "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => refresh(lk, &pool, &client, p).await,
        "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => Err(CognitoError::invalid_parameter(
            "Initiate Auth method not supported.",
        )),
        other => Err(unsupported_flow(other)),
    }
}

pub async fn admin_initiate(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    let req: InitiateInput = input(body)?;
    let (client, pool) = admin_client(lk, &pool, &req.client_id).await?;
    let p = &req.auth_parameters;
    match req.auth_flow.as_str() {
        "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => {
            require_flow(&client, "ALLOW_ADMIN_USER_PASSWORD_AUTH", &req.auth_flow)?;
            password(lk, &pool, &client, p).await
        }
        "USER_SRP_AUTH" => srp(lk, &pool, &client, p).await,
        "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => refresh(lk, &pool, &client, p).await,
        "USER_PASSWORD_AUTH" => Err(CognitoError::invalid_parameter(
            "Initiate Auth method not supported.",
        )),
        other => Err(unsupported_flow(other)),
    }
}

async fn respond_with(
    lk: &Latchkey,
    pool: &UserPool,
    client: &AppClient,
    req: &RespondInput,
) -> Result<Value, CognitoError> {
    let outcome: AuthOutcome = match req.challenge_name.as_str() {
        "PASSWORD_VERIFIER" => lk.srp_verify(pool, client, &req.challenge_responses).await?,
        "DEVICE_SRP_AUTH" => {
            lk.device_srp_auth(pool, client, req.session.as_deref(), &req.challenge_responses)
                .await?
        }
        "DEVICE_PASSWORD_VERIFIER" => {
            lk.device_password_verifier(pool, client, req.session.as_deref(), &req.challenge_responses)
                .await?
        }
        "NEW_PASSWORD_REQUIRED" => {
            lk.respond_new_password(pool, client, req.session.as_deref(), &req.challenge_responses)
                .await?
        }
        other => {
            return Err(CognitoError::new(
                ErrorKind::UnsupportedOperationException,
                format!("Latchkey does not implement the {other} challenge yet."),
            ))
        }
    };
    Ok(outcome.to_wire())
}

pub async fn respond(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let req: RespondInput = input(body)?;
    let (client, pool) = lk.client_and_pool(&req.client_id).await?;
    respond_with(lk, &pool, &client, &req).await
}

pub async fn admin_respond(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    let req: RespondInput = input(body)?;
    let (client, pool) = admin_client(lk, &pool, &req.client_id).await?;
    respond_with(lk, &pool, &client, &req).await
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RefreshInput {
    refresh_token: String,
    client_id: String,
    client_secret: Option<String>,
    device_key: Option<String>,
}

/// GetTokensFromRefreshToken (what Amplify v6 refreshes with): like REFRESH_TOKEN_AUTH, the client proving itself
/// with its secret instead of a SECRET_HASH. Refresh-token rotation is not implemented: no new refresh token is
/// returned, so clients keep the one they have.
pub async fn get_tokens_from_refresh_token(
    lk: &Latchkey,
    _ctx: &Ctx,
    body: Value,
) -> Result<Value, CognitoError> {
    let req: RefreshInput = input(body)?;
    let (client, pool) = lk.client_and_pool(&req.client_id).await?;
    require_flow(&client, "ALLOW_REFRESH_TOKEN_AUTH", "REFRESH_TOKEN_AUTH")?;
    if let Some(secret) = &client.client_secret {
        let given = req.client_secret.as_deref().unwrap_or_default();
        if !latchkey_core::secrets::constant_time_eq(secret.as_bytes(), given.as_bytes()) {
            return Err(CognitoError::new(
                ErrorKind::NotAuthorizedException,
                format!("Unable to verify secret for client {}", client.client_id),
            ));
        }
    }
    let tokens = lk
        .refresh_sign_in(
            &pool,
            &client,
            &req.refresh_token,
            ClientProof::HostedUi,
            req.device_key.as_deref(),
        )
        .await?;
    Ok(json!({"AuthenticationResult": tokens}))
}
