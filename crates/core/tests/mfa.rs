//! MFA and refresh-token rotation in a fixed world: TOTP codes at exact instants (drift, replay, lockout), emailed
//! codes (template, single use, the session's lifetime), the choice and setup challenges, and rotation's grace
//! period and reuse detection — what the compatibility tests cannot pin to the second.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod world;

use std::collections::BTreeMap;

use latchkey_core::auth::{AuthOutcome, Initiator};
use latchkey_core::mfa::{MfaPreferenceInput, TokenSubject};
use latchkey_core::pools::SetMfaConfigInput;
use latchkey_core::ports::Clock;
use latchkey_core::users::UserRef;
use latchkey_core::{CognitoError, ErrorKind};
use serde_json::json;
use totp_rs::{Algorithm, Builder, Secret};
use world::{code_in, tokens, World, PASSWORD};

/// The code an authenticator app with `secret` (base32) shows `offset_steps` 30-second steps from now.
fn app_code(w: &World, secret: &str, offset_steps: i64) -> String {
    let bytes = Secret::try_from_base32(secret).unwrap();
    let totp = Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_secret(bytes)
        .build()
        .unwrap();
    let at = w.clock.now().seconds() + offset_steps * 30;
    totp.generate(u64::try_from(at).unwrap()).to_string()
}

async fn configure_mfa(w: &World, mode: &str, config: serde_json::Value) {
    let mut input = json!({"UserPoolId": w.pool.id, "MfaConfiguration": mode});
    for (k, v) in config.as_object().unwrap() {
        input[k] = v.clone();
    }
    let input: SetMfaConfigInput = serde_json::from_value(input).unwrap();
    w.lk.set_user_pool_mfa_config(input).await.unwrap();
    // Past the node's one-second pool cache.
    w.clock.advance_seconds(2);
}

fn challenge(outcome: AuthOutcome, name: &str) -> (String, serde_json::Map<String, serde_json::Value>) {
    match outcome {
        AuthOutcome::Challenge {
            name: got,
            session,
            parameters,
        } => {
            assert_eq!(got, name, "{parameters:?}");
            (session.expect("a session"), parameters)
        }
        other => panic!("expected {name}, got {other:?}"),
    }
}

async fn respond(
    w: &World,
    name: &str,
    session: &str,
    responses: &[(&str, &str)],
) -> Result<AuthOutcome, CognitoError> {
    let responses: BTreeMap<String, String> = responses
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    w.lk.respond_to_auth_challenge(
        Initiator::App,
        &w.client.client_id,
        name,
        Some(session),
        &responses,
    )
    .await
}

fn kind(r: Result<AuthOutcome, CognitoError>) -> ErrorKind {
    r.expect_err("refused").kind()
}

/// Signs `name` in with the password and sets up an authenticator app with their access token; returns its secret.
async fn enrol_app(w: &World, name: &str) -> String {
    let access = tokens(w.sign_in(name, PASSWORD).await.unwrap()).access_token;
    let (secret, session) =
        w.lk.associate_software_token(TokenSubject::AccessToken(&access))
            .await
            .unwrap();
    assert_eq!((secret.len(), session), (52, None));
    let wrong =
        w.lk.verify_software_token(TokenSubject::AccessToken(&access), "000000", None)
            .await
            .unwrap_err();
    assert_eq!(wrong.kind(), ErrorKind::EnableSoftwareTokenMFAException);
    // An app whose clock runs one step behind is accepted.
    let code = app_code(w, &secret, -1);
    w.lk.verify_software_token(TokenSubject::AccessToken(&access), &code, Some("phone"))
        .await
        .unwrap();
    let prefer: MfaPreferenceInput =
        serde_json::from_value(json!({"SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}}))
            .unwrap();
    w.lk.set_user_mfa_preference(UserRef::AccessToken(&access), &prefer)
        .await
        .unwrap();
    secret
}

#[tokio::test]
async fn totp_sign_in_accepts_each_code_once_and_wrong_codes_lock_the_user_out() {
    let w = World::new(41).await;
    configure_mfa(
        &w,
        "OPTIONAL",
        json!({"SoftwareTokenMfaConfiguration": {"Enabled": true}}),
    )
    .await;
    w.confirmed_user("tina").await;
    let secret = enrol_app(&w, "tina").await;
    let user = w.lk.admin_get_user(&w.pool.id, "tina").await.unwrap();
    assert_eq!(user.mfa.enabled.len(), 1);
    assert!(
        !serde_json::to_string(&user).unwrap().contains(&secret),
        "the secret is sealed at rest"
    );

    let (session, params) = challenge(w.sign_in("tina", PASSWORD).await.unwrap(), "SOFTWARE_TOKEN_MFA");
    assert_eq!(params["FRIENDLY_DEVICE_NAME"], "phone");
    // The code used to verify the app (one step back) is spent; the current one works once.
    let spent = app_code(&w, &secret, -1);
    assert_eq!(
        kind(
            respond(
                &w,
                "SOFTWARE_TOKEN_MFA",
                &session,
                &[("USERNAME", "tina"), ("SOFTWARE_TOKEN_MFA_CODE", &spent)]
            )
            .await
        ),
        ErrorKind::CodeMismatchException
    );
    let now = app_code(&w, &secret, 0);
    let answer = [("USERNAME", "tina"), ("SOFTWARE_TOKEN_MFA_CODE", now.as_str())];
    tokens(
        respond(&w, "SOFTWARE_TOKEN_MFA", &session, &answer)
            .await
            .unwrap(),
    );
    // The same session again: spent, whatever the code.
    let err = respond(&w, "SOFTWARE_TOKEN_MFA", &session, &answer)
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        "Invalid session for the user, session can only be used once."
    );
    // A new sign-in within the same step: the code was accepted already.
    let (session, _) = challenge(w.sign_in("tina", PASSWORD).await.unwrap(), "SOFTWARE_TOKEN_MFA");
    assert_eq!(
        kind(respond(&w, "SOFTWARE_TOKEN_MFA", &session, &answer).await),
        ErrorKind::CodeMismatchException
    );
    // Four more wrong codes make five failures: the user is locked out, even with the right code.
    for _ in 0..4 {
        let r = respond(
            &w,
            "SOFTWARE_TOKEN_MFA",
            &session,
            &[("USERNAME", "tina"), ("SOFTWARE_TOKEN_MFA_CODE", "123456")],
        )
        .await;
        assert_eq!(kind(r), ErrorKind::CodeMismatchException);
    }
    let next = app_code(&w, &secret, 1);
    let locked = respond(
        &w,
        "SOFTWARE_TOKEN_MFA",
        &session,
        &[("USERNAME", "tina"), ("SOFTWARE_TOKEN_MFA_CODE", &next)],
    )
    .await
    .unwrap_err();
    assert_eq!(locked.message(), "Password attempts exceeded");
    // The right password does not buy new guesses while the lock holds.
    assert_eq!(
        w.sign_in("tina", PASSWORD).await.unwrap_err().message(),
        "Password attempts exceeded"
    );
    // After the lock (1 s) a fresh sign-in with the next code succeeds.
    w.clock.advance_seconds(31);
    let (session, _) = challenge(w.sign_in("tina", PASSWORD).await.unwrap(), "SOFTWARE_TOKEN_MFA");
    let code = app_code(&w, &secret, 0);
    tokens(
        respond(
            &w,
            "SOFTWARE_TOKEN_MFA",
            &session,
            &[("USERNAME", "tina"), ("SOFTWARE_TOKEN_MFA_CODE", &code)],
        )
        .await
        .unwrap(),
    );
}

#[tokio::test]
async fn email_codes_use_the_pool_template_work_once_and_die_with_the_session() {
    let w = World::new(42).await;
    configure_mfa(
        &w,
        "OPTIONAL",
        json!({"EmailMfaConfiguration": {"Message": "Sign-in code: {####}", "Subject": "Your code"}}),
    )
    .await;
    w.confirmed_user("eve").await;
    let prefer: MfaPreferenceInput =
        serde_json::from_value(json!({"EmailMfaSettings": {"Enabled": true, "PreferredMfa": true}})).unwrap();
    w.lk.set_user_mfa_preference(
        UserRef::Named {
            pool_id: &w.pool.id,
            username: "eve",
        },
        &prefer,
    )
    .await
    .unwrap();

    let (session, params) = challenge(w.sign_in("eve", PASSWORD).await.unwrap(), "EMAIL_OTP");
    assert_eq!(params["CODE_DELIVERY_DELIVERY_MEDIUM"], "EMAIL");
    assert_eq!(params["CODE_DELIVERY_DESTINATION"], "e***@e***");
    let (to, subject, body) = w.next_message().await;
    assert_eq!((to.as_str(), subject.as_str()), ("eve@example.com", "Your code"));
    let code = code_in(&body);
    assert_eq!(body, format!("Sign-in code: {code}"));
    tokens(
        respond(
            &w,
            "EMAIL_OTP",
            &session,
            &[("USERNAME", "eve"), ("EMAIL_OTP_CODE", &code)],
        )
        .await
        .unwrap(),
    );

    // A second sign-in mails a new code; the first is gone, and after the client's AuthSessionValidity (3
    // minutes) the session is refused before any code is judged.
    let (session, _) = challenge(w.sign_in("eve", PASSWORD).await.unwrap(), "EMAIL_OTP");
    let fresh = code_in(&w.next_message().await.2);
    if fresh != code {
        let old = [("USERNAME", "eve"), ("EMAIL_OTP_CODE", code.as_str())];
        assert_eq!(
            kind(respond(&w, "EMAIL_OTP", &session, &old).await),
            ErrorKind::CodeMismatchException
        );
    }
    w.clock.advance_seconds(181);
    let late = respond(
        &w,
        "EMAIL_OTP",
        &session,
        &[("USERNAME", "eve"), ("EMAIL_OTP_CODE", &fresh)],
    )
    .await
    .unwrap_err();
    assert_eq!(
        late.message(),
        "Invalid session for the user, session is expired."
    );
}

#[tokio::test]
async fn two_factors_are_chosen_between_and_mfa_on_sets_one_up_during_sign_in() {
    let w = World::new(43).await;
    configure_mfa(
        &w,
        "ON",
        json!({"SoftwareTokenMfaConfiguration": {"Enabled": true}, "EmailMfaConfiguration": {}}),
    )
    .await;
    w.confirmed_user("sam").await;
    // No factor yet: set one up. The session authorises AssociateSoftwareToken and VerifySoftwareToken.
    let (session, params) = challenge(w.sign_in("sam", PASSWORD).await.unwrap(), "MFA_SETUP");
    assert_eq!(
        params["MFAS_CAN_SETUP"],
        json!("[\"SOFTWARE_TOKEN_MFA\",\"EMAIL_OTP\"]")
    );
    let (secret, session) =
        w.lk.associate_software_token(TokenSubject::Session(&session))
            .await
            .unwrap();
    let session = session.expect("a session for VerifySoftwareToken");
    let premature = respond(&w, "MFA_SETUP", &session, &[("USERNAME", "sam")]).await;
    assert_eq!(kind(premature), ErrorKind::InvalidParameterException);
    let code = app_code(&w, &secret, 0);
    let verified =
        w.lk.verify_software_token(TokenSubject::Session(&session), &code, None)
            .await
            .unwrap()
            .expect("a session for MFA_SETUP");
    tokens(
        respond(&w, "MFA_SETUP", &verified, &[("USERNAME", "sam")])
            .await
            .unwrap(),
    );
    let user = w.lk.admin_get_user(&w.pool.id, "sam").await.unwrap();
    assert_eq!(user.mfa.preferred.map(|f| f.name()), Some("SOFTWARE_TOKEN_MFA"));

    // Email enabled too and no preference: the user chooses.
    let both: MfaPreferenceInput = serde_json::from_value(json!({
        "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": false},
        "EmailMfaSettings": {"Enabled": true}}))
    .unwrap();
    w.lk.set_user_mfa_preference(
        UserRef::Named {
            pool_id: &w.pool.id,
            username: "sam",
        },
        &both,
    )
    .await
    .unwrap();
    let (session, params) = challenge(w.sign_in("sam", PASSWORD).await.unwrap(), "SELECT_MFA_TYPE");
    assert_eq!(
        params["MFAS_CAN_CHOOSE"],
        json!("[\"SOFTWARE_TOKEN_MFA\",\"EMAIL_OTP\"]")
    );
    let bad = respond(
        &w,
        "SELECT_MFA_TYPE",
        &session,
        &[("USERNAME", "sam"), ("ANSWER", "SMS_MFA")],
    )
    .await;
    assert_eq!(kind(bad), ErrorKind::InvalidParameterException);
    let chosen = respond(
        &w,
        "SELECT_MFA_TYPE",
        &session,
        &[("USERNAME", "sam"), ("ANSWER", "EMAIL_OTP")],
    )
    .await
    .unwrap();
    let (session, _) = challenge(chosen, "EMAIL_OTP");
    let code = code_in(&w.next_message().await.2);
    // The session names its user: another name is refused.
    let other = respond(
        &w,
        "EMAIL_OTP",
        &session,
        &[("USERNAME", "tina"), ("EMAIL_OTP_CODE", &code)],
    )
    .await;
    assert_eq!(kind(other), ErrorKind::NotAuthorizedException);
    tokens(
        respond(
            &w,
            "EMAIL_OTP",
            &session,
            &[("USERNAME", "sam"), ("EMAIL_OTP_CODE", &code)],
        )
        .await
        .unwrap(),
    );
}

#[tokio::test]
async fn rotated_refresh_tokens_keep_a_grace_period_and_reuse_ends_the_sign_in() {
    let w = World::new(44).await;
    let input = serde_json::from_value(json!({"UserPoolId": w.pool.id, "ClientId": w.client.client_id,
        "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        "RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 10}}))
    .unwrap();
    w.lk.update_user_pool_client(input).await.unwrap();
    w.clock.advance_seconds(2);
    w.confirmed_user("rob").await;
    let first = tokens(w.sign_in("rob", PASSWORD).await.unwrap())
        .refresh_token
        .unwrap();
    let cid = w.client.client_id.clone();

    let second =
        w.lk.get_tokens_from_refresh_token(&cid, None, &first, None)
            .await
            .unwrap();
    let second = second.refresh_token.expect("a rotated refresh token");
    assert_ne!(second, first);
    // Within the grace period the first still works (a client retrying a lost answer).
    w.clock.advance_seconds(9);
    let retry =
        w.lk.get_tokens_from_refresh_token(&cid, None, &first, None)
            .await
            .unwrap();
    assert!(retry.refresh_token.is_some());
    // REFRESH_TOKEN_AUTH cannot hand out a new refresh token, so a rotating client may not use it.
    let params = BTreeMap::from([("REFRESH_TOKEN".to_string(), second.clone())]);
    let refused =
        w.lk.initiate_auth(Initiator::App, &cid, "REFRESH_TOKEN_AUTH", &params)
            .await;
    assert_eq!(kind(refused), ErrorKind::InvalidParameterException);
    // After it, the first is reused: refused, and the whole sign-in is revoked.
    w.clock.advance_seconds(2);
    let reused =
        w.lk.get_tokens_from_refresh_token(&cid, None, &first, None)
            .await
            .unwrap_err();
    assert_eq!(reused.kind(), ErrorKind::RefreshTokenReuseException);
    let after =
        w.lk.get_tokens_from_refresh_token(&cid, None, &second, None)
            .await
            .unwrap_err();
    assert_eq!(after.message(), "Refresh Token has been revoked");
}
