//! In-process HTTP tests (`Router::oneshot`): the exact wire shape of the protocol layer — error bodies and
//! headers, CORS, target dispatch, body parsing and validation. Real clients are exercised in `tests/compat`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};
use tower::ServiceExt;

mod common;

async fn app() -> axum::Router {
    common::app().await.router
}

async fn call(
    app: axum::Router,
    target: Option<&str>,
    body: &str,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    let mut req = Request::post("/").header("content-type", "application/x-amz-json-1.1");
    if let Some(t) = target {
        req = req.header("x-amz-target", t);
    }
    let resp = app
        .oneshot(req.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let headers = resp.headers().clone();
    let (status, body) = common::json_answer(resp).await;
    (status, headers, body)
}

/// `call` on a fresh app with the Cognito target `op`.
async fn call_op(op: &str, body: &str) -> (StatusCode, axum::http::HeaderMap, Value) {
    let target = format!("AWSCognitoIdentityProviderService.{op}");
    call(app().await, Some(&target), body).await
}

#[tokio::test]
async fn unknown_target_is_a_clear_error() {
    let (status, headers, body) = call_op("Nope", "{}").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"__type": "UnknownOperationException", "message": "Unknown operation: AWSCognitoIdentityProviderService.Nope"})
    );
    assert_eq!(headers["x-amzn-errortype"], "UnknownOperationException:");
    assert_eq!(headers["content-type"], "application/x-amz-json-1.1");
    assert!(headers.contains_key("x-amzn-requestid"));
}

#[tokio::test]
async fn unsigned_admin_call_is_refused() {
    let (status, _, body) = call_op("CreateUserPool", r#"{"PoolName":"p"}"#).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["__type"], "MissingAuthenticationTokenException");
}

#[tokio::test]
async fn malformed_json_on_an_unsigned_operation() {
    let (status, _, body) = call_op("SignUp", "{not json").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["__type"], "SerializationException");
}

#[tokio::test]
async fn missing_required_members_are_named() {
    let (_, _, body) = call_op("SignUp", "{}").await;
    assert_eq!(body["__type"], "InvalidParameterException");
    let msg = body["message"].as_str().unwrap();
    assert!(msg.starts_with("2 validation errors detected: "), "{msg}");
    assert!(msg.contains("'clientId'") && msg.contains("'username'"), "{msg}");
}

#[tokio::test]
async fn cors_preflight_allows_sdk_headers_and_exposes_request_id() {
    let req = Request::options("/")
        .header("origin", "http://localhost:3000")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,x-amz-target,x-amz-user-agent",
        )
        .body(Body::empty())
        .unwrap();
    let resp = app().await.oneshot(req).await.unwrap();
    assert!(resp.status().is_success());
    let h = resp.headers();
    assert_eq!(h["access-control-allow-origin"], "*");
    let allowed = h["access-control-allow-headers"].to_str().unwrap();
    assert!(
        allowed.contains("x-amz-target") && allowed.contains("x-amz-user-agent"),
        "{allowed}"
    );

    let req = Request::post("/")
        .header("origin", "http://localhost:3000")
        .header("x-amz-target", "AWSCognitoIdentityProviderService.Nope")
        .body(Body::from("{}"))
        .unwrap();
    let resp = app().await.oneshot(req).await.unwrap();
    let exposed = resp.headers()["access-control-expose-headers"].to_str().unwrap();
    assert!(
        exposed.contains("x-amzn-requestid") && exposed.contains("x-amzn-errortype"),
        "{exposed}"
    );
}

#[tokio::test]
async fn health_and_metrics() {
    let app = app().await;
    let resp = app
        .clone()
        .oneshot(Request::get("/health/ready").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    call(app.clone(), Some("AWSCognitoIdentityProviderService.Nope"), "{}").await;
    let resp = app
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let text = common::text_body(resp).await;
    assert!(
        text.contains(
            r#"latchkey_requests_total{operation="unknown",outcome="UnknownOperationException"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains("latchkey_request_duration_seconds_bucket"),
        "{text}"
    );
}
