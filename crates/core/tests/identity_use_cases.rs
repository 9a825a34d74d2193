//! Identity pools through core's use cases, on the clock the wire tests cannot move: an ID token that expires
//! stops proving its login; a user signed out everywhere is refused where the pool asks for the server-side
//! check; credentials expire when they say; and a developer's identity token proves its identity and nothing else.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod world;

use std::collections::BTreeMap;

use latchkey_core::identity::{user_pool_provider_name, IdentityPoolInput};
use latchkey_core::ErrorKind;
use serde_json::json;
use world::{tokens, World, PASSWORD};

const AUTH_ROLE: &str = "arn:aws:iam::123456789012:role/app-auth";

/// A confirmed user of the world's pool, signed in: its ID token.
async fn id_token(w: &World, username: &str) -> String {
    let input = serde_json::from_value(json!({"UserPoolId": w.pool.id, "Username": username,
        "TemporaryPassword": "Temp-passw0rd", "MessageAction": "SUPPRESS"}))
    .unwrap();
    w.lk.admin_create_user(input).await.unwrap();
    w.lk.admin_set_user_password(&w.pool.id, username, PASSWORD, true)
        .await
        .unwrap();
    tokens(w.sign_in(username, PASSWORD).await.unwrap())
        .id_token
        .unwrap()
}

/// An identity pool trusting the world's client, with an authenticated role; `check` asks for the server-side
/// token check.
async fn identity_pool(w: &World, check: bool, extra: serde_json::Value) -> String {
    let mut settings = json!({"IdentityPoolName": "ids", "AllowUnauthenticatedIdentities": false,
        "CognitoIdentityProviders": [{"ProviderName": user_pool_provider_name(&w.pool.id).unwrap(),
            "ClientId": w.client.client_id, "ServerSideTokenCheck": check}]});
    settings
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let input: IdentityPoolInput = serde_json::from_value(settings).unwrap();
    let pool = w.lk.create_identity_pool("us-east-1", input).await.unwrap();
    let roles = BTreeMap::from([("authenticated".to_string(), AUTH_ROLE.to_string())]);
    w.lk.set_identity_pool_roles(&pool.id, roles, BTreeMap::new())
        .await
        .unwrap();
    pool.id
}

fn logins(w: &World, token: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(user_pool_provider_name(&w.pool.id).unwrap(), token.to_string())])
}

#[tokio::test]
async fn an_expired_id_token_no_longer_proves_its_login() {
    let w = World::new(11).await;
    let pid = identity_pool(&w, false, json!({})).await;
    let token = id_token(&w, "erin").await;
    let iid = w.lk.get_id(&pid, &logins(&w, &token)).await.unwrap();
    // The same login names the same identity while the token lives.
    assert_eq!(w.lk.get_id(&pid, &logins(&w, &token)).await.unwrap(), iid);
    w.lk.get_credentials_for_identity(&iid, &logins(&w, &token), None)
        .await
        .unwrap();

    w.clock.advance_seconds(3600);
    let e =
        w.lk.get_credentials_for_identity(&iid, &logins(&w, &token), None)
            .await
            .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotAuthorizedException);
    assert!(
        e.message().starts_with("Invalid login token. Token expired"),
        "{}",
        e.message()
    );
    let e = w.lk.get_id(&pid, &logins(&w, &token)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotAuthorizedException);
}

#[tokio::test]
async fn server_side_token_check_refuses_a_user_signed_out_everywhere() {
    let w = World::new(12).await;
    let checked = identity_pool(&w, true, json!({})).await;
    let unchecked = identity_pool(&w, false, json!({})).await;
    let token = id_token(&w, "finn").await;
    let checked_id = w.lk.get_id(&checked, &logins(&w, &token)).await.unwrap();
    let unchecked_id = w.lk.get_id(&unchecked, &logins(&w, &token)).await.unwrap();

    w.clock.advance_seconds(1);
    w.lk.admin_user_global_sign_out(&w.pool.id, "finn").await.unwrap();
    let e =
        w.lk.get_credentials_for_identity(&checked_id, &logins(&w, &token), None)
            .await
            .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotAuthorizedException);
    // Without the check, the unexpired token still counts, as in Cognito.
    w.lk.get_credentials_for_identity(&unchecked_id, &logins(&w, &token), None)
        .await
        .unwrap();
}

#[tokio::test]
async fn credentials_expire_after_an_hour() {
    let w = World::new(13).await;
    let pid = identity_pool(&w, false, json!({})).await;
    let token = id_token(&w, "gail").await;
    let iid = w.lk.get_id(&pid, &logins(&w, &token)).await.unwrap();
    let c =
        w.lk.get_credentials_for_identity(&iid, &logins(&w, &token), None)
            .await
            .unwrap();
    assert!(c.access_key_id.starts_with("ASIA"));
    let (secret, principal) =
        w.lk.open_temporary_credentials(&c.access_key_id, &c.session_token)
            .unwrap();
    assert_eq!(secret, c.secret_key);
    assert_eq!(principal.role_arn, AUTH_ROLE);
    assert_eq!(principal.identity_id.as_deref(), Some(iid.as_str()));

    w.clock.advance_seconds(3600);
    let e =
        w.lk.open_temporary_credentials(&c.access_key_id, &c.session_token)
            .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ExpiredToken);
}

#[tokio::test]
async fn a_developer_identity_token_proves_only_its_own_identity() {
    let w = World::new(14).await;
    let pid = identity_pool(&w, false, json!({"DeveloperProviderName": "login.example"})).await;
    let dev = |user: &str| BTreeMap::from([("login.example".to_string(), user.to_string())]);
    let (iid, token) =
        w.lk.get_open_id_token_for_developer_identity(&pid, None, &dev("user-1"), None)
            .await
            .unwrap();
    let (again, _) =
        w.lk.get_open_id_token_for_developer_identity(&pid, None, &dev("user-1"), None)
            .await
            .unwrap();
    assert_eq!(again, iid);
    let (other, _) =
        w.lk.get_open_id_token_for_developer_identity(&pid, None, &dev("user-2"), None)
            .await
            .unwrap();
    assert_ne!(other, iid);

    let with_token = BTreeMap::from([("cognito-identity.amazonaws.com".to_string(), token.clone())]);
    let c =
        w.lk.get_credentials_for_identity(&iid, &with_token, None)
            .await
            .unwrap();
    let (_, principal) =
        w.lk.open_temporary_credentials(&c.access_key_id, &c.session_token)
            .unwrap();
    assert_eq!(principal.role_arn, AUTH_ROLE);
    let e =
        w.lk.get_credentials_for_identity(&other, &with_token, None)
            .await
            .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotAuthorizedException);
    // The developer token lasts fifteen minutes.
    w.clock.advance_seconds(15 * 60);
    let e =
        w.lk.get_credentials_for_identity(&iid, &with_token, None)
            .await
            .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotAuthorizedException);
}
