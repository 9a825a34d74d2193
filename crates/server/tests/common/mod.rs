//! Shared set-up for the in-process HTTP tests: an app on a fresh SQLite file with a fixed clock, a mailer that
//! records messages, and helpers that call operations as an unsigned or SigV4-signed client would.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use aws_lc_rs::{digest, hmac};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::Response;
use latchkey_core::mail::{Mailer, OutgoingMessage};
use latchkey_core::passwords::HashingParams;
use latchkey_core::ports::{Clock, FixedClock, Rng};
use latchkey_core::secrets::MasterKey;
use latchkey_core::store::Store;
use latchkey_core::{Latchkey, Ports, Secrets, Settings};
use latchkey_server::limits::{LimitSettings, Limits};
use latchkey_server::metrics::Metrics;
use latchkey_server::{AccessKeys, AppState};
use serde_json::{json, Value};
use tower::ServiceExt;

pub struct CounterRng(pub AtomicU64);
impl Rng for CounterRng {
    fn fill(&self, buf: &mut [u8]) {
        for b in buf {
            let n = self.0.fetch_add(1, Ordering::Relaxed);
            *b = (n
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407)
                >> 33) as u8;
        }
    }
}

#[derive(Default)]
pub struct RecordingMailer(pub Mutex<Vec<OutgoingMessage>>);

#[async_trait]
impl Mailer for RecordingMailer {
    async fn send(&self, m: &OutgoingMessage) -> Result<(), String> {
        self.0.lock().unwrap().push(m.clone());
        Ok(())
    }
}

pub const NOW_MS: i64 = 1_800_000_000_000;
pub const ACCESS_KEY: &str = "AKIDTEST";
pub const SECRET_KEY: &str = "secret-key-for-tests";

pub struct TestApp {
    pub router: axum::Router,
    pub clock: Arc<FixedClock>,
    pub mail: Arc<RecordingMailer>,
    pub latchkey: Latchkey,
    /// The store behind `latchkey`, for tests that look at what was stored (core keeps its own handle private).
    pub store: Arc<dyn Store>,
}

static SEQ: AtomicU64 = AtomicU64::new(0);

pub async fn app() -> TestApp {
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("lk-http-{}-{n}-{}.db", std::process::id(), NOW_MS));
    let _ = std::fs::remove_file(&path);
    let store = latchkey_store::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let clock = Arc::new(FixedClock::at(NOW_MS));
    let mail = Arc::new(RecordingMailer::default());
    let settings = Settings {
        public_url: "http://latchkey.test".into(),
        // Cheap hashing: these tests are about the wire, not the cost.
        hashing: HashingParams {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        },
        ..Settings::default()
    };
    let latchkey = Latchkey::new(
        Ports {
            store: store.clone(),
            clock: clock.clone(),
            rng: Arc::new(CounterRng(AtomicU64::new(n * 1_000_003))),
            mailer: mail.clone(),
        },
        settings,
        Secrets {
            master_key: MasterKey::from_bytes([9; 32]),
        },
    )
    .unwrap();
    TestApp {
        router: router_for(&latchkey, None),
        clock,
        mail,
        latchkey,
        store,
    }
}

/// A test app whose abuse limits are `settings` instead of the defaults.
pub async fn app_with_limits(settings: LimitSettings) -> TestApp {
    let mut app = app().await;
    app.router = router_for(&app.latchkey, Some(Limits::new(settings).unwrap()));
    app
}

/// The server's router over `latchkey`, with the test access key and the default limits unless `limits`.
fn router_for(latchkey: &Latchkey, limits: Option<Limits>) -> axum::Router {
    let state = AppState::new(
        latchkey.clone(),
        AccessKeys::new([(ACCESS_KEY.into(), SECRET_KEY.into())]),
        Arc::new(Metrics::default()),
    );
    let state = match limits {
        Some(limits) => state.with_limits(limits),
        None => state,
    };
    latchkey_server::router(Arc::new(state))
}

fn hex_sha256(data: &[u8]) -> String {
    hex::encode(digest::digest(&digest::SHA256, data))
}

/// HMAC-SHA256 of each part in turn, each keyed with the previous result: SigV4's key derivation.
fn hmac_chain(first_key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    parts.iter().fold(first_key.to_vec(), |key, part| {
        hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &key), part)
            .as_ref()
            .to_vec()
    })
}

/// A SigV4 `Authorization` header for POST / as the AWS SDKs build it (signed: content-type, host, x-amz-date,
/// x-amz-target). The verifier is also pinned to AWS's published example in its unit tests.
fn sign(target: &str, body: &str, amz_date: &str, region: &str) -> String {
    let date = &amz_date[..8];
    let canonical = format!(
        "POST\n/\n\ncontent-type:application/x-amz-json-1.1\nhost:latchkey.test\nx-amz-date:{amz_date}\nx-amz-target:{target}\n\ncontent-type;host;x-amz-date;x-amz-target\n{}",
        hex_sha256(body.as_bytes())
    );
    let scope = format!("{date}/{region}/cognito-idp/aws4_request");
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex_sha256(canonical.as_bytes())
    );
    let secret = format!("AWS4{SECRET_KEY}");
    let sig = hex::encode(hmac_chain(
        secret.as_bytes(),
        &[
            date.as_bytes(),
            region.as_bytes(),
            b"cognito-idp",
            b"aws4_request",
            to_sign.as_bytes(),
        ],
    ));
    format!("AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/{scope}, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature={sig}")
}

impl TestApp {
    pub fn clock_ms(&self) -> i64 {
        self.clock.now().millis()
    }

    pub async fn call(&self, op: &str, body: Value, signed: bool) -> (StatusCode, Value) {
        let target = format!("AWSCognitoIdentityProviderService.{op}");
        let text = body.to_string();
        let mut req = Request::post("/")
            .header("host", "latchkey.test")
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", &target);
        if signed {
            let secs = self.clock.now().seconds();
            let amz_date = time::OffsetDateTime::from_unix_timestamp(secs)
                .unwrap()
                .format(time::macros::format_description!(
                    "[year][month][day]T[hour][minute][second]Z"
                ))
                .unwrap();
            req = req
                .header("x-amz-date", &amz_date)
                .header("authorization", sign(&target, &text, &amz_date, "us-east-1"));
        }
        let resp = self
            .router
            .clone()
            .oneshot(req.body(Body::from(text)).unwrap())
            .await
            .unwrap();
        json_answer(resp).await
    }

    /// Calls an operation and insists it succeeds.
    pub async fn ok(&self, op: &str, body: Value, signed: bool) -> Value {
        let (status, v) = self.call(op, body, signed).await;
        assert_eq!(status, StatusCode::OK, "{op} failed: {v}");
        v
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let resp = self
            .router
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        json_answer(resp).await
    }

    /// CreateUserPool with `body`: the new pool's id.
    pub async fn create_pool(&self, body: Value) -> String {
        self.ok("CreateUserPool", body, true).await["UserPool"]["Id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// CreateUserPoolClient with `body`: the new client's id.
    pub async fn create_client(&self, body: Value) -> String {
        self.ok("CreateUserPoolClient", body, true).await["UserPoolClient"]["ClientId"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// A CONFIRMED user `username` with the permanent password `password`, made by an administrator (no message
    /// sent).
    pub async fn create_confirmed_user(&self, pool: &str, username: &str, password: &str) {
        self.create_confirmed_user_with(pool, username, password, json!([]))
            .await;
    }

    /// As `create_confirmed_user`, with `attributes` (AdminCreateUser's UserAttributes) set.
    pub async fn create_confirmed_user_with(
        &self,
        pool: &str,
        username: &str,
        password: &str,
        attributes: Value,
    ) {
        self.ok(
            "AdminCreateUser",
            json!({"UserPoolId": pool, "Username": username, "MessageAction": "SUPPRESS",
                   "UserAttributes": attributes}),
            true,
        )
        .await;
        self.ok(
            "AdminSetUserPassword",
            json!({"UserPoolId": pool, "Username": username, "Password": password, "Permanent": true}),
            true,
        )
        .await;
    }

    /// The six-digit code in the last message sent to `to`.
    pub async fn last_code(&self, to: &str) -> String {
        for _ in 0..200 {
            if let Some(m) = self.mail.0.lock().unwrap().iter().rev().find(|m| m.to == to) {
                let digits: String = m.body.chars().filter(char::is_ascii_digit).collect();
                return digits[..6].to_string();
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        panic!("no message to {to}");
    }
}

/// An answer's status and JSON body (`Null` when the body is not JSON).
pub async fn json_answer(resp: Response) -> (StatusCode, Value) {
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// An answer's body as text.
pub async fn text_body(resp: Response) -> String {
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20).await.unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// A JWT's claims, unverified.
pub fn claims(token: &Value) -> Value {
    use base64::Engine;
    let payload = token.as_str().unwrap().split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}
