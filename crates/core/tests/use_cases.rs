//! Core's use cases driven as the server drives them, without HTTP: sign-up → confirmation → password sign-in →
//! refresh → global sign-out; forgotten password → new password; an administrator's new user → the
//! NEW_PASSWORD_REQUIRED challenge. They run in `world`'s fixed world. They live in core, with the store as a dev-dependency (a cycle Cargo allows for integration tests),
//! because they pin core's public surface: a use case made private breaks them here, not in a server test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod world;

use std::collections::BTreeMap;

use latchkey_core::auth::{AuthOutcome, Initiator};
use latchkey_core::ErrorKind;
use serde_json::json;
use world::{code_in, tokens, World, PASSWORD};

#[tokio::test]
async fn sign_up_confirm_sign_in_refresh_and_sign_out_everywhere() {
    let w = World::new(1).await;
    let delivery = w.sign_up("alice", "alice@example.com").await;
    assert_eq!(
        delivery,
        json!({"AttributeName": "email", "DeliveryMedium": "EMAIL", "Destination": "a***@e***"})
    );
    let (to, subject, body) = w.next_message().await;
    assert_eq!(
        (to.as_str(), subject.as_str()),
        ("alice@example.com", "Your verification code")
    );
    let code = code_in(&body);
    assert_eq!(body, format!("Your verification code is {code}. "));

    let unconfirmed = w.sign_in("alice", PASSWORD).await.unwrap_err();
    assert_eq!(unconfirmed.kind(), ErrorKind::UserNotConfirmedException);
    let wrong =
        w.lk.confirm_sign_up(&w.client.client_id, "alice", "000000", None, false)
            .await
            .unwrap_err();
    assert_eq!(
        (wrong.kind(), wrong.message()),
        (
            ErrorKind::CodeMismatchException,
            "Invalid verification code provided, please try again."
        )
    );
    let confirmed =
        w.lk.confirm_sign_up(&w.client.client_id, "alice", &code, None, false)
            .await
            .unwrap();
    assert_eq!(confirmed.status, "CONFIRMED");
    assert_eq!(confirmed.attributes["email_verified"], "true");

    let signed_in = tokens(w.sign_in("alice", PASSWORD).await.unwrap());
    assert_eq!((signed_in.expires_in, signed_in.token_type), (3600, "Bearer"));
    assert!(signed_in.id_token.is_some());
    let refresh_token = signed_in.refresh_token.clone().expect("a refresh token");
    let (access, _) = w.lk.get_user_by_token(&signed_in.access_token).await.unwrap();
    assert_eq!(access.user.username, "alice");

    w.clock.advance_seconds(600);
    let refreshed = w.refresh(&refresh_token).await.unwrap();
    assert!(
        refreshed.refresh_token.is_none(),
        "a refresh issues no new refresh token"
    );
    assert_ne!(refreshed.access_token, signed_in.access_token);

    w.lk.global_sign_out(&refreshed.access_token).await.unwrap();
    for token in [&signed_in.access_token, &refreshed.access_token] {
        let Err(e) = w.lk.get_user_by_token(token).await else {
            panic!("a token of a signed-out user still works");
        };
        assert_eq!(
            (e.kind(), e.message()),
            (ErrorKind::NotAuthorizedException, "Access Token has been revoked")
        );
    }
    let e = w.refresh(&refresh_token).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.message()),
        (
            ErrorKind::NotAuthorizedException,
            "Refresh Token has been revoked"
        )
    );
    // Signing in again after a global sign-out works.
    tokens(w.sign_in("alice", PASSWORD).await.unwrap());
}

#[tokio::test]
async fn forgot_password_then_confirm_with_the_code() {
    let w = World::new(2).await;
    w.sign_up("bob", "bob@example.com").await;
    let code = code_in(&w.next_message().await.2);
    w.lk.confirm_sign_up(&w.client.client_id, "bob", &code, None, false)
        .await
        .unwrap();

    let delivery =
        w.lk.forgot_password(&w.client.client_id, "bob", None)
            .await
            .unwrap();
    assert_eq!(
        delivery,
        json!({"AttributeName": "email", "DeliveryMedium": "EMAIL", "Destination": "b***@e***"})
    );
    let (to, _, body) = w.next_message().await;
    assert_eq!(to, "bob@example.com");
    let code = code_in(&body);
    let new_password = "N3w-passw0rd";
    let wrong =
        w.lk.confirm_forgot_password(&w.client.client_id, "bob", "000000", new_password, None)
            .await
            .unwrap_err();
    assert_eq!(wrong.kind(), ErrorKind::CodeMismatchException);
    let weak =
        w.lk.confirm_forgot_password(&w.client.client_id, "bob", &code, "short", None)
            .await
            .unwrap_err();
    assert_eq!(weak.kind(), ErrorKind::InvalidPasswordException);
    w.lk.confirm_forgot_password(&w.client.client_id, "bob", &code, new_password, None)
        .await
        .unwrap();
    let reused =
        w.lk.confirm_forgot_password(&w.client.client_id, "bob", &code, "An0ther-passw0rd", None)
            .await
            .unwrap_err();
    assert_eq!(
        reused.kind(),
        ErrorKind::ExpiredCodeException,
        "{}",
        reused.message()
    );

    let old = w.sign_in("bob", PASSWORD).await.unwrap_err();
    assert_eq!(
        (old.kind(), old.message()),
        (
            ErrorKind::NotAuthorizedException,
            "Incorrect username or password."
        )
    );
    tokens(w.sign_in("bob", new_password).await.unwrap());

    let unknown =
        w.lk.forgot_password(&w.client.client_id, "nobody", None)
            .await
            .unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::UserNotFoundException);
}

#[tokio::test]
async fn an_administrators_new_user_must_choose_a_password() {
    let w = World::new(3).await;
    let input = serde_json::from_value(json!({"UserPoolId": w.pool.id, "Username": "carol",
        "TemporaryPassword": "Temp-passw0rd",
        "UserAttributes": [{"Name": "email", "Value": "carol@example.com"}]}))
    .unwrap();
    let created = w.lk.admin_create_user(input).await.unwrap();
    assert_eq!(created.status, "FORCE_CHANGE_PASSWORD");
    let (to, subject, body) = w.next_message().await;
    assert_eq!(
        (to.as_str(), subject.as_str(), body.as_str()),
        (
            "carol@example.com",
            "Your temporary password",
            "Your username is carol and temporary password is Temp-passw0rd. "
        )
    );

    let challenge = w.sign_in("carol", "Temp-passw0rd").await.unwrap();
    let AuthOutcome::Challenge {
        name,
        session: Some(session),
        ..
    } = &challenge
    else {
        panic!("expected a challenge with a session, got {challenge:?}");
    };
    assert_eq!(name, "NEW_PASSWORD_REQUIRED");
    let mut wire = challenge.to_wire();
    assert_eq!(wire["Session"].as_str(), Some(session.as_str()));
    wire["Session"] = json!("[sealed]");
    assert_eq!(
        wire,
        json!({"ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": "[sealed]",
               "ChallengeParameters": {"USER_ID_FOR_SRP": "carol", "requiredAttributes": "[]",
                                       "userAttributes": "{\"email\":\"carol@example.com\"}"}})
    );

    let respond = |password: &str| {
        let responses = BTreeMap::from([
            ("USERNAME".to_string(), "carol".to_string()),
            ("NEW_PASSWORD".to_string(), password.to_string()),
        ]);
        let session = session.clone();
        let w = &w;
        async move {
            let client_id = &w.client.client_id;
            w.lk.respond_to_auth_challenge(
                Initiator::App,
                client_id,
                "NEW_PASSWORD_REQUIRED",
                Some(&session),
                &responses,
            )
            .await
        }
    };
    let weak = respond("short").await.unwrap_err();
    assert_eq!(weak.kind(), ErrorKind::InvalidPasswordException);
    tokens(respond("Chosen-passw0rd").await.unwrap());
    let user = w.lk.admin_get_user(&w.pool.id, "carol").await.unwrap();
    assert_eq!(user.status, "CONFIRMED");
    tokens(w.sign_in("carol", "Chosen-passw0rd").await.unwrap());

    // A temporary password stops working after the pool's validity (seven days by default).
    let input = serde_json::from_value(json!({"UserPoolId": w.pool.id, "Username": "dave",
        "TemporaryPassword": "Temp-passw0rd", "MessageAction": "SUPPRESS"}))
    .unwrap();
    w.lk.admin_create_user(input).await.unwrap();
    w.clock.advance_seconds(7 * 24 * 3600 + 1);
    let expired = w.sign_in("dave", "Temp-passw0rd").await.unwrap_err();
    assert_eq!(
        (expired.kind(), expired.message()),
        (
            ErrorKind::NotAuthorizedException,
            "Temporary password has expired and must be reset by an administrator."
        )
    );
}
