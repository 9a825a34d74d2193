//! Sign-up to tokens in process, with the tokens checked by an independent JWT library (`jsonwebtoken`) against
//! the JWKS the server publishes — including after a key rotation — and token lifetimes under a fixed clock.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};

async fn pool_and_client(app: &common::TestApp, extra_client: Value) -> (String, String) {
    let pool = app
        .create_pool(json!({"PoolName": "p", "AutoVerifiedAttributes": ["email"],
            "Schema": [{"Name": "tier", "AttributeDataType": "String"}]}))
        .await;
    let mut body = json!({"UserPoolId": pool, "ClientName": "web",
        "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]});
    body.as_object_mut()
        .unwrap()
        .extend(extra_client.as_object().unwrap().clone());
    let client = app.create_client(body).await;
    (pool, client)
}

async fn signed_up_user(app: &common::TestApp, client: &str) -> Value {
    app.ok("SignUp", json!({"ClientId": client, "Username": "alice", "Password": "Passw0rd!",
        "UserAttributes": [{"Name": "email", "Value": "alice@example.com"}, {"Name": "custom:tier", "Value": "7"}]}), false)
        .await;
    let code = app.last_code("alice@example.com").await;
    app.ok(
        "ConfirmSignUp",
        json!({"ClientId": client, "Username": "alice", "ConfirmationCode": code}),
        false,
    )
    .await;
    app.ok(
        "InitiateAuth",
        json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!"}}),
        false,
    )
    .await["AuthenticationResult"]
        .clone()
}

fn verify(token: &str, jwks: &JwkSet, issuer: &str, audience: Option<&str>) -> Value {
    let header = decode_header(token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    let jwk = jwks.find(header.kid.as_deref().unwrap()).expect("kid in JWKS");
    let mut v = Validation::new(Algorithm::RS256);
    v.set_issuer(&[issuer]);
    match audience {
        Some(a) => v.set_audience(&[a]),
        None => v.validate_aud = false,
    }
    // The fixed test clock is in the future; check expiry against it below instead of the wall clock.
    v.validate_exp = false;
    decode::<Value>(token, &DecodingKey::from_jwk(jwk).unwrap(), &v)
        .unwrap()
        .claims
}

#[tokio::test]
async fn tokens_verify_with_jsonwebtoken_and_carry_cognitos_claims() {
    let app = common::app().await;
    let (pool, client) = pool_and_client(&app, json!({})).await;
    let tokens = signed_up_user(&app, &client).await;
    let (status, jwks) = app.get(&format!("/{pool}/.well-known/jwks.json")).await;
    assert_eq!(status, 200);
    let jwks: JwkSet = serde_json::from_value(jwks).unwrap();
    assert_eq!(jwks.keys.len(), 2, "one key for ID tokens, one for access tokens");
    let issuer = format!("http://latchkey.test/{pool}");
    let (_, discovery) = app
        .get(&format!("/{pool}/.well-known/openid-configuration"))
        .await;
    assert_eq!(discovery["issuer"], issuer);
    assert_eq!(discovery["jwks_uri"], format!("{issuer}/.well-known/jwks.json"));

    let id = verify(tokens["IdToken"].as_str().unwrap(), &jwks, &issuer, Some(&client));
    let access = verify(tokens["AccessToken"].as_str().unwrap(), &jwks, &issuer, None);
    let now = common::NOW_MS / 1000;
    assert_eq!(id["token_use"], "id");
    assert_eq!(id["cognito:username"], "alice");
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(id["email_verified"], true, "OIDC booleans are JSON booleans");
    assert_eq!(id["custom:tier"], "7", "custom attributes are always strings");
    assert_eq!(
        (id["iat"].as_i64(), id["exp"].as_i64(), id["auth_time"].as_i64()),
        (Some(now), Some(now + 3600), Some(now))
    );
    assert_eq!(access["token_use"], "access");
    assert_eq!(access["client_id"], client.as_str());
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin");
    assert_eq!(access["username"], "alice");
    assert!(access.get("aud").is_none());
    assert_eq!(access["origin_jti"], id["origin_jti"]);
    assert_eq!(access["event_id"], id["event_id"]);
    assert_ne!(
        decode_header(tokens["IdToken"].as_str().unwrap()).unwrap().kid,
        decode_header(tokens["AccessToken"].as_str().unwrap())
            .unwrap()
            .kid
    );

    // A refresh an hour later keeps auth_time and origin_jti, and issues no new refresh token.
    app.clock.advance_seconds(3000);
    let refreshed = app
        .ok(
            "InitiateAuth",
            json!({"ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH",
            "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"]}}),
            false,
        )
        .await["AuthenticationResult"]
        .clone();
    assert!(refreshed.get("RefreshToken").is_none());
    let id2 = verify(
        refreshed["IdToken"].as_str().unwrap(),
        &jwks,
        &issuer,
        Some(&client),
    );
    assert_eq!(id2["auth_time"].as_i64(), Some(now));
    assert_eq!(id2["origin_jti"], id["origin_jti"]);
    assert_eq!(id2["iat"].as_i64(), Some(now + 3000));

    // The first access token expired at now+3600.
    app.clock.advance_seconds(601);
    let (status, err) = app
        .call("GetUser", json!({"AccessToken": tokens["AccessToken"]}), false)
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        err,
        json!({"__type": "NotAuthorizedException", "message": "Access Token has expired"})
    );
    app.ok("GetUser", json!({"AccessToken": refreshed["AccessToken"]}), false)
        .await;
}

#[tokio::test]
async fn a_rotated_key_still_verifies_old_tokens_and_new_tokens_use_the_new_key() {
    let app = common::app().await;
    let (pool, client) = pool_and_client(&app, json!({})).await;
    let before = signed_up_user(&app, &client).await;
    app.latchkey.rotate_keys(&pool).await.unwrap();
    let after = app
        .ok(
            "InitiateAuth",
            json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!"}}),
            false,
        )
        .await["AuthenticationResult"]
        .clone();
    let (_, jwks) = app.get(&format!("/{pool}/.well-known/jwks.json")).await;
    let jwks: JwkSet = serde_json::from_value(jwks).unwrap();
    assert_eq!(
        jwks.keys.len(),
        4,
        "new ID and access keys first, then the retired pair"
    );
    let issuer = format!("http://latchkey.test/{pool}");
    let kid = |t: &Value| decode_header(t.as_str().unwrap()).unwrap().kid.unwrap();
    assert_eq!(
        jwks.keys[0].common.key_id.as_deref(),
        Some(kid(&after["IdToken"]).as_str())
    );
    assert_eq!(
        jwks.keys[1].common.key_id.as_deref(),
        Some(kid(&after["AccessToken"]).as_str())
    );
    assert_ne!(kid(&before["IdToken"]), kid(&after["IdToken"]));
    verify(before["IdToken"].as_str().unwrap(), &jwks, &issuer, Some(&client));
    verify(before["AccessToken"].as_str().unwrap(), &jwks, &issuer, None);
    verify(after["IdToken"].as_str().unwrap(), &jwks, &issuer, Some(&client));
    app.ok("GetUser", json!({"AccessToken": before["AccessToken"]}), false)
        .await;
}

#[tokio::test]
async fn client_validity_and_read_attributes_shape_the_tokens() {
    let app = common::app().await;
    let (_pool, client) = pool_and_client(
        &app,
        json!({"AccessTokenValidity": 5, "IdTokenValidity": 2, "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "hours"},
               "ReadAttributes": ["email"]}),
    )
    .await;
    let tokens = signed_up_user(&app, &client).await;
    assert_eq!(tokens["ExpiresIn"], 300);
    let id = common::claims(&tokens["IdToken"]);
    assert_eq!(id["exp"].as_i64().unwrap() - id["iat"].as_i64().unwrap(), 7200);
    assert!(
        id.get("custom:tier").is_none() && id.get("email_verified").is_none(),
        "{id}"
    );
    assert_eq!(id["email"], "alice@example.com");
    let user = app
        .ok("GetUser", json!({"AccessToken": tokens["AccessToken"]}), false)
        .await;
    let names: Vec<&str> = user["UserAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["Name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["sub", "email"]);
}

/// No path may end with tokens for a user who has not confirmed their account: an authorization code issued for
/// one (as the hosted UI's confirmation page once did) redeems to nothing, and token issuance itself refuses.
#[tokio::test]
async fn unconfirmed_users_get_no_tokens_from_codes_or_issuance() {
    use latchkey_core::ports::Clock;
    use latchkey_core::tokens::Grant;
    let app = common::app().await;
    let (pool, client) = pool_and_client(
        &app,
        json!({"AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["code"],
        "AllowedOAuthScopes": ["openid"], "CallbackURLs": ["https://app.example/cb"],
        "SupportedIdentityProviders": ["COGNITO"]}),
    )
    .await;
    app.ok(
        "SignUp",
        json!({"ClientId": client, "Username": "mallory", "Password": "Passw0rd!",
        "UserAttributes": [{"Name": "email", "Value": "victim@example.com"}]}),
        false,
    )
    .await;
    let lk = &app.latchkey;
    let pool = lk.pool(&pool).await.unwrap();
    let client = app.store.get_client(&client).await.unwrap().unwrap();
    let user = app.store.get_user(&pool.id, "mallory").await.unwrap().unwrap();
    assert_eq!(user.status, "UNCONFIRMED");
    let scopes = vec!["openid".to_string()];
    let code = lk.issue_authorization_code(
        &pool,
        &client,
        "mallory",
        "https://app.example/cb",
        scopes.clone(),
        None,
        None,
        app.clock.now(),
    );
    let redeemed = lk
        .redeem_authorization_code(&client, &code, Some("https://app.example/cb"), None)
        .await;
    let refused = redeemed.expect_err("an unconfirmed user's code must not redeem");
    assert_eq!(refused.error, "invalid_grant");
    let grant = |user| Grant {
        pool: &pool,
        client: &client,
        user,
        auth_time: app.clock.now(),
        refresh_of: None,
        device_key: None,
        scopes: Some(&scopes),
        nonce: None,
        origin_jti: None,
        with_refresh_token: true,
        source: latchkey_core::triggers::TokenSource::HostedAuth,
    };
    let e = lk.issue_tokens(grant(&user)).await.unwrap_err();
    assert_eq!(e.kind().name(), "UserNotConfirmedException");
    let mut forced = user.clone();
    forced.status = "FORCE_CHANGE_PASSWORD".into();
    assert!(lk.issue_tokens(grant(&forced)).await.is_err());
    let mut disabled = user.clone();
    disabled.status = "CONFIRMED".into();
    disabled.enabled = false;
    assert!(lk.issue_tokens(grant(&disabled)).await.is_err());
    let mut confirmed = user.clone();
    confirmed.status = "CONFIRMED".into();
    assert!(lk.issue_tokens(grant(&confirmed)).await.is_ok());
}
