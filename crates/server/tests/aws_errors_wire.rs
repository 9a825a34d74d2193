//! Snapshots of Cognito's AWS JSON 1.1 error dialect on `POST /` as it answers today — `{"__type", "message"}`,
//! the status, `x-amzn-ErrorType`, `x-amzn-ErrorMessage` and the request id — for each way a request fails: the
//! operation (unknown, missing), the signature (missing, incomplete, unknown key, wrong scope, expired, wrong), the
//! body (not JSON, not an object), the model's validation, the domain's own exceptions, and the rate limiter.
//! Oversized and slow bodies are refused by the listener (crates/cli/src/transport), before the router, so they are
//! not here.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod wire;

use serde_json::{json, Value};
use wire::oauth::{OAuthWorld, PASSWORD};
use wire::{assert_wire_snapshot, get, post_operation, Redactor};

const IDP: &str = "AWSCognitoIdentityProviderService";

fn target(op: &str) -> String {
    format!("{IDP}.{op}")
}

#[tokio::test]
async fn the_operation_is_unknown_or_missing() {
    let app = common::app().await;
    let r = &app.router;
    let answers = vec![
        (
            "an unknown operation",
            post_operation(r, Some(&target("Nope")), "{}", &[]).await,
        ),
        (
            "another service's target",
            post_operation(r, Some("DynamoDB_20120810.ListTables"), "{}", &[]).await,
        ),
        ("no target", post_operation(r, None, "{}", &[]).await),
        ("GET /", get(r, "/").await),
    ];
    assert_wire_snapshot!("operation", Redactor::default().cases(answers));
}

#[tokio::test]
async fn admin_operations_need_a_valid_signature() {
    let app = common::app().await;
    let r = &app.router;
    let create = target("CreateUserPool");
    let body = r#"{"PoolName":"p"}"#;
    // The test clock's time, 2027-01-15T08:00:00Z, as SigV4 writes it.
    let now = "20270115T080000Z";
    let scope = |key: &str, service: &str| format!("{key}/20270115/us-east-1/{service}/aws4_request");
    let authorization = |credential: &str, signature: &str| {
        format!(
            "AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature={signature}"
        )
    };
    let signed = |date: &'static str, auth: String| {
        let create = create.clone();
        async move {
            post_operation(
                r,
                Some(&create),
                body,
                &[
                    ("host", "latchkey.test"),
                    ("x-amz-date", date),
                    ("authorization", &auth),
                ],
            )
            .await
        }
    };
    let zeros = "0".repeat(64);
    let answers = vec![
        ("no signature", post_operation(r, Some(&create), body, &[]).await),
        ("another scheme", signed(now, "Bearer abc".into()).await),
        (
            "no SignedHeaders or Signature",
            signed(
                now,
                format!(
                    "AWS4-HMAC-SHA256 Credential={}",
                    scope(common::ACCESS_KEY, "cognito-idp")
                ),
            )
            .await,
        ),
        (
            "an unknown access key",
            signed(now, authorization(&scope("AKIDUNKNOWN", "cognito-idp"), &zeros)).await,
        ),
        (
            "scoped to another service",
            signed(now, authorization(&scope(common::ACCESS_KEY, "s3"), &zeros)).await,
        ),
        (
            "signed an hour ago",
            signed(
                "20270115T070000Z",
                authorization(&scope(common::ACCESS_KEY, "cognito-idp"), &zeros),
            )
            .await,
        ),
        (
            "a wrong signature",
            signed(
                now,
                authorization(&scope(common::ACCESS_KEY, "cognito-idp"), &zeros),
            )
            .await,
        ),
    ];
    assert_wire_snapshot!("signature", Redactor::default().cases(answers));
    let (status, _) = app.call("CreateUserPool", json!({"PoolName": "p"}), true).await;
    assert_eq!(status, 200, "a correct signature passes");
}

#[tokio::test]
async fn bodies_that_do_not_parse_or_validate() {
    let app = common::app().await;
    let r = &app.router;
    let sign_up = target("SignUp");
    let answers = vec![
        (
            "not JSON",
            post_operation(r, Some(&sign_up), "{not json", &[]).await,
        ),
        (
            "not an object",
            post_operation(r, Some(&sign_up), "[1]", &[]).await,
        ),
        (
            "a number for a string",
            post_operation(r, Some(&sign_up), r#"{"ClientId": 5, "Username": "a"}"#, &[]).await,
        ),
        ("an empty body", post_operation(r, Some(&sign_up), "", &[]).await),
        (
            "two members missing",
            post_operation(r, Some(&sign_up), "{}", &[]).await,
        ),
        // One broken member per case: the model walks members in hash order, so several members' messages
        // come in an order that differs from process to process.
        (
            "too long",
            post_operation(
                r,
                Some(&sign_up),
                &json!({"ClientId": "c".repeat(200), "Username": "a"}).to_string(),
                &[],
            )
            .await,
        ),
        (
            "a bad pattern",
            post_operation(
                r,
                Some(&sign_up),
                &json!({"ClientId": "abc", "Username": "a b\u{1}"}).to_string(),
                &[],
            )
            .await,
        ),
        (
            "a NUL in a string",
            post_operation(
                r,
                Some(&sign_up),
                r#"{"ClientId": "abc", "Username": "a\u0000b"}"#,
                &[],
            )
            .await,
        ),
    ];
    assert_wire_snapshot!("body", Redactor::default().cases(answers));
}

#[tokio::test]
async fn the_domain_answers_with_cognitos_exceptions() {
    let w = OAuthWorld::new().await;
    let r = w.router();
    let call = |op: &'static str, body: Value| async move {
        post_operation(r, Some(&target(op)), &body.to_string(), &[]).await
    };
    let sign_in = |user: &str, password: &str| {
        json!({"ClientId": w.web, "AuthFlow": "USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": user, "PASSWORD": password}})
    };
    let answers = vec![
        (
            "NotAuthorizedException: a wrong password",
            call("InitiateAuth", sign_in("alice", "Wrong-passw0rd")).await,
        ),
        (
            "UserNotFoundException: an unknown user",
            call("InitiateAuth", sign_in("nobody", PASSWORD)).await,
        ),
        (
            "ResourceNotFoundException: an unknown client",
            call(
                "InitiateAuth",
                json!({"ClientId": "unknownclient", "AuthFlow": "USER_PASSWORD_AUTH",
                       "AuthParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD}}),
            )
            .await,
        ),
        (
            "InvalidParameterException: a flow the client does not allow",
            call(
                "InitiateAuth",
                json!({"ClientId": w.web, "AuthFlow": "USER_SRP_AUTH",
                       "AuthParameters": {"USERNAME": "alice", "SRP_A": "01"}}),
            )
            .await,
        ),
        (
            "UsernameExistsException",
            call(
                "SignUp",
                json!({"ClientId": w.web, "Username": "alice", "Password": PASSWORD}),
            )
            .await,
        ),
        (
            "InvalidPasswordException",
            call(
                "SignUp",
                json!({"ClientId": w.web, "Username": "bob", "Password": "short"}),
            )
            .await,
        ),
        (
            "NotAuthorizedException: not a token",
            call("GetUser", json!({"AccessToken": "nonsense"})).await,
        ),
    ];
    assert_wire_snapshot!("domain", w.cases(answers));
}

#[tokio::test]
async fn the_rate_limiter_answers_too_many_requests() {
    let app = wire::app_allowing_one_request_per_client().await;
    let body = json!({"ClientId": "some-client", "Username": "a", "Password": "x"}).to_string();
    let first = post_operation(&app.router, Some(&target("SignUp")), &body, &[]).await;
    assert_ne!(first.json()["__type"], "TooManyRequestsException");
    let refused = post_operation(&app.router, Some(&target("SignUp")), &body, &[]).await;
    assert_wire_snapshot!("throttled", Redactor::default().snapshot(&refused));
}
