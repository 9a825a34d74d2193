//! Snapshots of the identity-pool API's refusals on `POST /` (`AWSCognitoIdentityService.<Op>`), as an attacker
//! would probe it: admin operations unsigned or signed for the wrong service, a forged, re-signed or foreign ID
//! token in the Logins map, an oversized Logins map, another region's identity pool, and the unauthenticated
//! refusals. The happy paths are driven by the real clients in tests/compat.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod wire;

use serde_json::{json, Value};
use wire::sign::{admin, signed};
use wire::{assert_wire_snapshot, post_operation, send, Exchange, Redactor};

const IDENTITY: &str = "AWSCognitoIdentityService";

fn target(op: &str) -> String {
    format!("{IDENTITY}.{op}")
}

/// An admin call signed for `service` with the admin key.
async fn admin_call(app: &common::TestApp, service: &str, op: &str, body: &Value) -> Exchange {
    let body = body.to_string();
    send(
        &app.router,
        signed(&admin(), service, Some(&target(op)), &body, &body),
    )
    .await
}

/// An unsigned call, as browsers make GetId and GetCredentialsForIdentity.
async fn unsigned(app: &common::TestApp, op: &str, body: &Value) -> Exchange {
    post_operation(&app.router, Some(&target(op)), &body.to_string(), &[]).await
}

#[tokio::test]
async fn identity_pool_refusals() {
    let app = common::app().await;
    let pool = app
        .latchkey
        .create_user_pool(
            "us-east-1",
            serde_json::from_value(json!({"PoolName": "p"})).unwrap(),
        )
        .await
        .unwrap();
    let client = app
        .latchkey
        .create_user_pool_client(
            serde_json::from_value(json!({"UserPoolId": pool.id, "ClientName": "web",
                "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}))
            .unwrap(),
        )
        .await
        .unwrap();
    let provider = format!("cognito-idp.us-east-1.amazonaws.com/{}", pool.id);
    let create = json!({"IdentityPoolName": "ids", "AllowUnauthenticatedIdentities": false,
        "CognitoIdentityProviders": [{"ProviderName": provider, "ClientId": client.client_id}]});
    let created = admin_call(&app, "cognito-identity", "CreateIdentityPool", &create).await;
    assert_eq!(created.status, 200, "{}", created.text());
    let pid = created.json()["IdentityPoolId"].as_str().unwrap().to_string();

    // A token that looks right but is signed by no key of the pool: header and claims of a real shape.
    let forged = format!(
        "{}.{}.{}",
        "eyJhbGciOiJSUzI1NiIsImtpZCI6Im5vLXN1Y2gta2lkIn0",
        base64_url(
            &json!({"iss": app.latchkey.issuer(&pool.id), "aud": client.client_id, "sub": "s",
            "token_use": "id", "exp": 4_000_000_000i64})
            .to_string()
        ),
        "c2lnbmF0dXJl"
    );
    let too_many: serde_json::Map<String, Value> = (0..11)
        .map(|i| (format!("provider{i}.example.com"), json!("t")))
        .collect();
    let other_region = json!({"IdentityPoolId": format!("eu-west-1:{}", pid.split_once(':').unwrap().1)});
    let answers = vec![
        (
            "CreateIdentityPool unsigned",
            unsigned(&app, "CreateIdentityPool", &create).await,
        ),
        (
            "CreateIdentityPool signed for cognito-idp",
            admin_call(&app, "cognito-idp", "CreateIdentityPool", &create).await,
        ),
        (
            "GetId of a pool that does not exist",
            unsigned(
                &app,
                "GetId",
                &json!({"IdentityPoolId": "us-east-1:00000000-0000-0000-0000-000000000000"}),
            )
            .await,
        ),
        (
            "GetId without logins on an authenticated-only pool",
            unsigned(&app, "GetId", &json!({"IdentityPoolId": pid})).await,
        ),
        (
            "GetId with a forged ID token",
            unsigned(
                &app,
                "GetId",
                &json!({"IdentityPoolId": pid, "Logins": {provider.clone(): forged}}),
            )
            .await,
        ),
        (
            "GetId with a provider the pool does not trust",
            unsigned(
                &app,
                "GetId",
                &json!({"IdentityPoolId": pid, "Logins": {"accounts.google.com": "t"}}),
            )
            .await,
        ),
        (
            "GetId with eleven logins",
            unsigned(&app, "GetId", &json!({"IdentityPoolId": pid, "Logins": too_many})).await,
        ),
        (
            "DescribeIdentityPool of another region",
            admin_call(&app, "cognito-identity", "DescribeIdentityPool", &other_region).await,
        ),
        (
            "GetCredentialsForIdentity of an unknown identity",
            unsigned(
                &app,
                "GetCredentialsForIdentity",
                &json!({"IdentityId": "us-east-1:00000000-0000-0000-0000-000000000000"}),
            )
            .await,
        ),
    ];
    let mut redactor = Redactor::default();
    redactor.name(pid, "[identity pool id]");
    redactor.name(pool.id.clone(), "[user pool id]");
    assert_wire_snapshot!("identity_refusals", redactor.cases(answers));
}

fn base64_url(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}
