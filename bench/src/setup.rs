//! Preparing a server for a run through its own API: a pool, an app client, users (for the peers, which have no
//! bulk path), tokens for the scenarios that need a signed-in user, and an identity pool with their identities.

use std::sync::Arc;

use serde_json::json;

use crate::http::{Conn, Endpoint, Reply};
use crate::jobs::{admin_create_user_body, password_auth_body};

pub const PASSWORD: &str = "Bench-Passw0rd!";

fn ok(op: &str, reply: Result<Reply, String>) -> Result<Reply, String> {
    match reply {
        Ok(r) if r.status == 200 => Ok(r),
        Ok(r) => Err(format!("{op} answered {}: {}", r.status, r.body)),
        Err(e) => Err(format!("{op} failed: {e}")),
    }
}

/// The admin operation `op` (signed), as an error unless it answered 200.
async fn call_ok(conn: &mut Conn, op: &str, body: &serde_json::Value) -> Result<Reply, String> {
    ok(op, conn.call(op, body, true).await)
}

/// `body` with `extra`'s members added (replacing its own of the same name).
fn with_members(mut body: serde_json::Value, extra: serde_json::Value) -> serde_json::Value {
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    body
}

pub async fn create_pool(conn: &mut Conn, name: &str) -> Result<String, String> {
    create_pool_with(conn, name, json!({})).await
}

/// `create_pool` with more members of CreateUserPool (e.g. LambdaConfig).
pub async fn create_pool_with(
    conn: &mut Conn,
    name: &str,
    extra: serde_json::Value,
) -> Result<String, String> {
    let body = json!({
        "PoolName": name,
        "AutoVerifiedAttributes": ["email"],
        "Policies": {"PasswordPolicy": {
            "MinimumLength": 8,
            "RequireUppercase": true,
            "RequireLowercase": true,
            "RequireNumbers": true,
            "RequireSymbols": true,
        }},
    });
    let r = call_ok(conn, "CreateUserPool", &with_members(body, extra)).await?;
    r.str_at(&["UserPool", "Id"])
        .ok_or_else(|| format!("CreateUserPool gave no id: {}", r.body))
}

pub async fn create_client(conn: &mut Conn, pool_id: &str) -> Result<String, String> {
    create_client_with(conn, pool_id, json!({})).await
}

/// `create_client` with more members of CreateUserPoolClient (e.g. PreventUserExistenceErrors).
pub async fn create_client_with(
    conn: &mut Conn,
    pool_id: &str,
    extra: serde_json::Value,
) -> Result<String, String> {
    let body = json!({
        "UserPoolId": pool_id,
        "ClientName": "bench",
        "GenerateSecret": false,
        "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    });
    let r = call_ok(conn, "CreateUserPoolClient", &with_members(body, extra)).await?;
    r.str_at(&["UserPoolClient", "ClientId"])
        .ok_or_else(|| format!("CreateUserPoolClient gave no id: {}", r.body))
}

/// A resource server `bench` with scope `read`, and a confidential client allowed client_credentials for
/// `bench/read`: (client id, client secret, scope).
pub async fn oauth_client(conn: &mut Conn, pool_id: &str) -> Result<(String, String, String), String> {
    let rs = json!({
        "UserPoolId": pool_id,
        "Identifier": "bench",
        "Name": "bench",
        "Scopes": [{"ScopeName": "read", "ScopeDescription": "read"}],
    });
    call_ok(conn, "CreateResourceServer", &rs).await?;
    let body = json!({
        "UserPoolId": pool_id,
        "ClientName": "bench-m2m",
        "GenerateSecret": true,
        "AllowedOAuthFlows": ["client_credentials"],
        "AllowedOAuthScopes": ["bench/read"],
        "AllowedOAuthFlowsUserPoolClient": true,
    });
    let r = call_ok(conn, "CreateUserPoolClient", &body).await?;
    match (
        r.str_at(&["UserPoolClient", "ClientId"]),
        r.str_at(&["UserPoolClient", "ClientSecret"]),
    ) {
        (Some(id), Some(secret)) => Ok((id, secret, "bench/read".into())),
        _ => Err(format!("CreateUserPoolClient gave no id or secret: {}", r.body)),
    }
}

/// Access, refresh and ID token of `user` (the ID token empty if the server gave none).
pub async fn sign_in(
    conn: &mut Conn,
    client_id: &str,
    user: &str,
) -> Result<(String, String, String), String> {
    let body = password_auth_body(client_id, user, PASSWORD);
    // The hashing pool may be busy with a previous run's tail: retry a refused sign-in.
    let mut last = String::new();
    for _ in 0..50 {
        match ok("InitiateAuth", conn.call("InitiateAuth", &body, false).await) {
            Ok(r) => {
                let access = r.str_at(&["AuthenticationResult", "AccessToken"]);
                let refresh = r.str_at(&["AuthenticationResult", "RefreshToken"]);
                let id = r.str_at(&["AuthenticationResult", "IdToken"]).unwrap_or_default();
                return match (access, refresh) {
                    (Some(a), Some(rt)) => Ok((a, rt, id)),
                    _ => Err(format!("sign-in of {user} gave no tokens: {}", r.body)),
                };
            }
            Err(e) => {
                last = e;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
    Err(last)
}

/// Tokens for `n` users (u0, u1, …), signing in a few at a time.
pub async fn tokens(
    ep: &Arc<Endpoint>,
    client_id: &str,
    n: usize,
) -> Result<Vec<(String, String, String)>, String> {
    let mut out = Vec::with_capacity(n);
    let mut handles = Vec::new();
    for chunk in (0..n).collect::<Vec<_>>().chunks(n.div_ceil(4).max(1)) {
        let (ep, client_id, chunk) = (ep.clone(), client_id.to_string(), chunk.to_vec());
        handles.push(tokio::spawn(async move {
            let mut conn = Conn::new(ep);
            let mut got = Vec::new();
            for i in chunk {
                got.push(sign_in(&mut conn, &client_id, &format!("u{i}")).await?);
            }
            Ok::<_, String>(got)
        }));
    }
    for h in handles {
        out.extend(h.await.map_err(|e| e.to_string())??);
    }
    Ok(out)
}

/// An identity pool trusting `client_id` of `pool_id`, with an authenticated role (no role mapping), and the
/// identity of each user whose ID token is given (GetId, unsigned, as a browser calls it): the pool's Logins key
/// and (identity id, ID token) pairs.
pub async fn identity_pool(
    conn: &mut Conn,
    pool_id: &str,
    client_id: &str,
    id_tokens: &[String],
) -> Result<(String, Vec<(String, String)>), String> {
    let region = pool_id.split('_').next().unwrap_or("us-east-1");
    let provider = format!("cognito-idp.{region}.amazonaws.com/{pool_id}");
    let create = json!({
        "IdentityPoolName": "bench",
        "AllowUnauthenticatedIdentities": false,
        "CognitoIdentityProviders": [{"ProviderName": provider, "ClientId": client_id, "ServerSideTokenCheck": false}],
    });
    let r = ok(
        "CreateIdentityPool",
        conn.call_identity("CreateIdentityPool", &create, true).await,
    )?;
    let pool = r
        .str_at(&["IdentityPoolId"])
        .ok_or_else(|| format!("CreateIdentityPool gave no id: {}", r.body))?;
    let roles = json!({
        "IdentityPoolId": pool,
        "Roles": {"authenticated": "arn:aws:iam::123456789012:role/bench-authenticated"},
    });
    ok(
        "SetIdentityPoolRoles",
        conn.call_identity("SetIdentityPoolRoles", &roles, true).await,
    )?;
    let mut identities = Vec::with_capacity(id_tokens.len());
    for token in id_tokens {
        let mut logins = serde_json::Map::new();
        logins.insert(provider.clone(), serde_json::Value::String(token.clone()));
        let body = json!({"IdentityPoolId": pool, "Logins": logins});
        let r = ok("GetId", conn.call_identity("GetId", &body, false).await)?;
        let id = r
            .str_at(&["IdentityId"])
            .ok_or_else(|| format!("GetId gave no identity: {}", r.body))?;
        identities.push((id, token.clone()));
    }
    Ok((provider, identities))
}

/// Users u0..u{n-1} with the bench password, CONFIRMED, through AdminCreateUser + AdminSetUserPassword — the
/// only way into moto_server and cognito-local.
pub async fn seed_via_api(ep: &Arc<Endpoint>, pool_id: &str, n: u64, parallel: u64) -> Result<(), String> {
    let mut handles = Vec::new();
    for w in 0..parallel {
        let (ep, pool_id) = (ep.clone(), pool_id.to_string());
        handles.push(tokio::spawn(async move {
            let mut conn = Conn::new(ep);
            let mut i = w;
            while i < n {
                let user = format!("u{i}");
                let create = admin_create_user_body(&pool_id, &user, PASSWORD);
                call_ok(&mut conn, "AdminCreateUser", &create).await?;
                let set = json!({
                    "UserPoolId": pool_id,
                    "Username": user,
                    "Password": PASSWORD,
                    "Permanent": true,
                });
                call_ok(&mut conn, "AdminSetUserPassword", &set).await?;
                i += parallel;
            }
            Ok::<_, String>(())
        }));
    }
    for h in handles {
        h.await.map_err(|e| e.to_string())??;
    }
    Ok(())
}

/// A pool seeded with `users` users (`u<i>`, `PASSWORD`) and an app client that hides user existence
/// (PreventUserExistenceErrors ENABLED, the console's default): a made-up username then costs a full hash, as a
/// real user's wrong password does. Returns the pool and client ids.
pub async fn pool_hiding_users(
    cmd: &crate::servers::LatchkeyCmd,
    conn: &mut Conn,
    name: &str,
    users: u64,
) -> Result<(String, String), String> {
    let pool = create_pool(conn, name).await?;
    let client = create_client_with(conn, &pool, json!({"PreventUserExistenceErrors": "ENABLED"})).await?;
    cmd.seed(&pool, users, PASSWORD, 0)?;
    Ok((pool, client))
}
