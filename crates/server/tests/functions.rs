//! The trigger transports against a real local HTTP server: which failures are tried again (timeouts, refused
//! connections, throttling) and which are not (a function's own error, a failing service), Lambda's function-error
//! answer, the webhook signature a Standard Webhooks receiver checks, answers too large or not JSON, and the
//! metrics each invocation leaves.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use latchkey_core::ports::FixedClock;
use latchkey_core::triggers::{FunctionFailure, Functions, Trigger};
use latchkey_server::functions::webhook::signature;
use latchkey_server::functions::{FunctionRunner, FunctionsConfig, WebhookTarget};
use latchkey_server::metrics::Metrics;
use serde_json::{json, Value};

const SECRET: &str = "whsec_c2VjcmV0LWtleS1mb3ItdGhlLXdlYmhvb2stdGVzdHM=";

#[derive(Default)]
struct Hits(AtomicUsize);

/// A Lambda-Invoke endpoint whose functions behave as their names say, counting every request.
async fn lambda(State(hits): State<Arc<Hits>>, Path(name): Path<String>, body: Bytes) -> Response {
    hits.0.fetch_add(1, Ordering::SeqCst);
    let event: Value = serde_json::from_slice(&body).unwrap();
    match name.as_str() {
        "echo" => axum::Json(event).into_response(),
        "slow" => {
            tokio::time::sleep(Duration::from_secs(2)).await;
            axum::Json(event).into_response()
        }
        "throws" => (
            [("X-Amz-Function-Error", "Unhandled")],
            axum::Json(json!({"errorMessage": "nope", "errorType": "Error"})),
        )
            .into_response(),
        "broken" => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        "throttled" => StatusCode::TOO_MANY_REQUESTS.into_response(),
        "text" => "hello".into_response(),
        "huge" => vec![b' '; 7 * 1024 * 1024].into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A webhook receiver that checks the signature as the Standard Webhooks libraries do.
async fn webhook(State(hits): State<Arc<Hits>>, headers: HeaderMap, body: Bytes) -> Response {
    hits.0.fetch_add(1, Ordering::SeqCst);
    let h = |n: &str| headers.get(n).unwrap().to_str().unwrap().to_string();
    let (id, ts) = (h("webhook-id"), h("webhook-timestamp"));
    if h("webhook-signature") != signature(SECRET, &id, ts.parse().unwrap(), &body) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let mut event: Value = serde_json::from_slice(&body).unwrap();
    if event["request"]["refuse"] == json!(true) {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"errorMessage": "refused"})),
        )
            .into_response();
    }
    event["response"] = json!({"autoConfirmUser": true});
    axum::Json(event).into_response()
}

struct Rig {
    runner: FunctionRunner,
    hits: Arc<Hits>,
    metrics: Arc<Metrics>,
}

async fn start_rig(secret: &str) -> Rig {
    let hits = Arc::new(Hits::default());
    let app = Router::new()
        .route("/2015-03-31/functions/{name}/invocations", post(lambda))
        .route("/hook", post(webhook))
        .with_state(hits.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let metrics = Arc::new(Metrics::default());
    let config = FunctionsConfig {
        lambda_endpoint: Some(format!("http://{addr}")),
        webhooks: [(
            "arn:aws:lambda:us-east-1:123456789012:function:hooked".to_string(),
            WebhookTarget {
                url: format!("http://{addr}/hook"),
                secret: secret.into(),
            },
        )]
        .into(),
        attempt_timeout: Some(Duration::from_millis(300)),
    };
    let runner = FunctionRunner::new(
        config,
        Arc::new(FixedClock::at(1_800_000_000_000)),
        Arc::new(common::CounterRng(Default::default())),
        metrics.clone(),
    )
    .unwrap();
    Rig {
        runner,
        hits,
        metrics,
    }
}

fn arn(name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:123456789012:function:{name}")
}

impl Rig {
    async fn call(&self, name: &str, event: Value) -> (Result<Value, FunctionFailure>, usize) {
        let before = self.hits.0.load(Ordering::SeqCst);
        let r = self.runner.invoke(Trigger::PreSignUp, &arn(name), &event).await;
        (r, self.hits.0.load(Ordering::SeqCst) - before)
    }
}

#[tokio::test]
async fn answers_and_failures_of_the_lambda_invoke_api() {
    let rig = start_rig(SECRET).await;
    let event = json!({"request": {}, "response": {}});
    let (r, n) = rig.call("echo", event.clone()).await;
    assert_eq!((r.unwrap(), n), (event.clone(), 1));

    let (r, n) = rig.call("throws", event.clone()).await;
    assert_eq!(
        (r, n),
        (Err(FunctionFailure::Failed("nope".into())), 1),
        "a function's error is not retried"
    );

    let (r, n) = rig.call("broken", event.clone()).await;
    assert!(matches!(r, Err(FunctionFailure::Unreachable(_))), "{r:?}");
    assert_eq!(n, 1, "a failing service is not retried");

    let (r, n) = rig.call("throttled", event.clone()).await;
    assert!(matches!(r, Err(FunctionFailure::Unreachable(_))), "{r:?}");
    assert_eq!(n, 3, "throttling is tried three times");

    let (r, n) = rig.call("slow", event.clone()).await;
    assert!(matches!(r, Err(FunctionFailure::TimedOut(_))), "{r:?}");
    assert_eq!(n, 3, "a timeout is tried three times");

    for bad in ["text", "huge"] {
        let (r, _) = rig.call(bad, event.clone()).await;
        assert!(matches!(r, Err(FunctionFailure::Malformed(_))), "{bad}: {r:?}");
    }
    let (r, n) = rig.call("missing", event).await;
    assert!(
        matches!(r, Err(FunctionFailure::Unreachable(_))) && n == 1,
        "{r:?}"
    );

    let metrics = rig.metrics.render();
    for outcome in ["success", "failed", "unreachable", "timeout", "malformed"] {
        let line = format!(
            "latchkey_trigger_invocations_total{{trigger=\"PreSignUp\",transport=\"lambda\",outcome=\"{outcome}\"}}"
        );
        assert!(metrics.contains(&line), "{line} in {metrics}");
    }
}

#[tokio::test]
async fn signed_webhooks() {
    let rig = start_rig(SECRET).await;
    let (r, n) = rig.call("hooked", json!({"request": {}, "response": {}})).await;
    assert_eq!(r.unwrap()["response"], json!({"autoConfirmUser": true}));
    assert_eq!(n, 1);
    let (r, _) = rig.call("hooked", json!({"request": {"refuse": true}})).await;
    assert_eq!(r, Err(FunctionFailure::Failed("refused".into())));

    // Signed with another secret, the receiver cannot verify the request and refuses it: not retried.
    let forged = start_rig("whsec_b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldC1vdGhlcg==").await;
    let (r, n) = forged.call("hooked", json!({"request": {}})).await;
    assert!(
        matches!(r, Err(FunctionFailure::Unreachable(_))) && n == 1,
        "{r:?}"
    );
}

#[tokio::test]
async fn nothing_configured_means_unreachable() {
    let runner = FunctionRunner::new(
        FunctionsConfig::default(),
        Arc::new(FixedClock::at(0)),
        Arc::new(common::CounterRng(Default::default())),
        Arc::new(Metrics::default()),
    )
    .unwrap();
    let r = runner.invoke(Trigger::PreSignUp, &arn("x"), &json!({})).await;
    assert!(matches!(r, Err(FunctionFailure::Unreachable(_))), "{r:?}");
}
