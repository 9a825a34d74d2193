//! Test kit: RSA keys generated once per test binary, tokens signed with them, and a real JWKS server (axum on a
//! loopback port) whose document can be swapped and whose hits are counted.

#![allow(dead_code)] // each test binary uses part of the kit
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_verify::Verifier;
use serde_json::{json, Value};

/// The tests' fixed "now".
pub const NOW: u64 = 1_700_000_000;
pub const CLIENT: &str = "client-one";
pub const OTHER_CLIENT: &str = "client-two";
pub const POOL: &str = "us-east-1_TestPool";

pub struct Key {
    pub kid: &'static str,
    pub pair: KeyPair,
}

/// Three keys: the pool's first key, the key it rotates to, and a stranger's key.
pub static KEYS: LazyLock<[Key; 3]> = LazyLock::new(|| {
    ["key-one", "key-two", "key-stranger"].map(|kid| Key {
        kid,
        pair: KeyPair::generate(KeySize::Rsa2048).expect("RSA key generation"),
    })
});

pub fn key1() -> &'static Key {
    &KEYS[0]
}
pub fn key2() -> &'static Key {
    &KEYS[1]
}
pub fn stranger() -> &'static Key {
    &KEYS[2]
}

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

impl Key {
    pub fn jwk(&self) -> Value {
        let public = self.pair.public_key();
        json!({
            "kty": "RSA", "alg": "RS256", "use": "sig", "kid": self.kid,
            "n": b64(public.modulus().big_endian_without_leading_zero()),
            "e": b64(public.exponent().big_endian_without_leading_zero()),
        })
    }

    /// The public key's bytes as an HS256 forger would use them (the RFC 8017 DER of the RSA public key).
    pub fn public_der(&self) -> Vec<u8> {
        self.pair.public_key().as_ref().to_vec()
    }

    pub fn sign(&self, signing_input: &[u8]) -> Vec<u8> {
        let mut sig = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), signing_input, &mut sig)
            .expect("RSA signing");
        sig
    }

    /// An RS256 token with this key's kid.
    pub fn token(&self, claims: &Value) -> String {
        self.token_with_header(&json!({"alg": "RS256", "kid": self.kid}), claims)
    }

    pub fn token_with_header(&self, header: &Value, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let sig = self.sign(input.as_bytes());
        format!("{input}.{}", b64(&sig))
    }
}

pub fn jwks(keys: &[&Key]) -> Value {
    json!({"keys": keys.iter().map(|k| k.jwk()).collect::<Vec<_>>()})
}

pub fn issuer(base: &str) -> String {
    format!("{base}/{POOL}")
}

/// Claims of a Cognito access token issued by `iss` to CLIENT at NOW.
pub fn access_claims(iss: &str) -> Value {
    json!({
        "sub": "5f1e4c1a-0000-4000-8000-000000000001", "iss": iss, "client_id": CLIENT,
        "origin_jti": "o-1", "event_id": "e-1", "token_use": "access", "scope": "aws.cognito.signin.user.admin orders/read",
        "auth_time": NOW - 60, "exp": NOW + 3600, "iat": NOW - 60, "jti": "j-1", "username": "alice",
        "cognito:groups": ["staff", "readers"],
    })
}

/// Claims of a Cognito ID token issued by `iss` to CLIENT at NOW.
pub fn id_claims(iss: &str) -> Value {
    json!({
        "sub": "5f1e4c1a-0000-4000-8000-000000000001", "email_verified": true, "iss": iss,
        "cognito:username": "alice", "origin_jti": "o-1", "aud": CLIENT, "event_id": "e-1", "token_use": "id",
        "auth_time": NOW - 60, "exp": NOW + 3600, "iat": NOW - 60, "jti": "j-2", "email": "alice@example.com",
        "cognito:groups": ["staff"], "custom:tenant": "acme",
    })
}

/// `claims` with `changes` merged over it (a `null` removes the claim).
pub fn with(mut claims: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().expect("object").clone() {
        if v.is_null() {
            claims.as_object_mut().expect("object").remove(&k);
        } else {
            claims[k] = v;
        }
    }
    claims
}

/// A JWKS server on a loopback port.
#[derive(Clone)]
pub struct JwksServer {
    pub base: String,
    state: Arc<ServerState>,
}

struct ServerState {
    document: Mutex<Value>,
    hits: AtomicUsize,
    delay: Mutex<Duration>,
}

impl JwksServer {
    pub async fn start(document: Value) -> JwksServer {
        let state = Arc::new(ServerState {
            document: Mutex::new(document),
            hits: AtomicUsize::new(0),
            delay: Mutex::new(Duration::ZERO),
        });
        let app = Router::new()
            .route(&format!("/{POOL}/.well-known/jwks.json"), get(serve_jwks))
            .route(
                "/broken",
                get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "down") }),
            )
            .route("/garbage", get(|| async { "<html>not json</html>" }))
            .route("/huge", get(|| async { huge_jwks() }))
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "{}"
                }),
            )
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        JwksServer { base, state }
    }

    pub fn issuer(&self) -> String {
        issuer(&self.base)
    }

    pub fn hits(&self) -> usize {
        self.state.hits.load(Ordering::SeqCst)
    }

    pub fn serve(&self, document: Value) {
        *self.state.document.lock().expect("lock") = document;
    }

    /// Every answer waits this long first (to make concurrent misses overlap).
    pub fn set_delay(&self, d: Duration) {
        *self.state.delay.lock().expect("lock") = d;
    }

    /// A verifier of this server's issuer (default JWKS URI) with the fixed clock.
    pub fn verifier(&self) -> latchkey_verify::VerifierBuilder {
        Verifier::builder(self.issuer()).clock(Arc::new(|| NOW))
    }
}

async fn serve_jwks(State(state): State<Arc<ServerState>>) -> Response {
    state.hits.fetch_add(1, Ordering::SeqCst);
    let delay = *state.delay.lock().expect("lock");
    tokio::time::sleep(delay).await;
    let doc = state.document.lock().expect("lock").clone();
    axum::Json(doc).into_response()
}

/// A valid JWKS padded past 1 MiB with a long unknown member.
fn huge_jwks() -> String {
    json!({"keys": [key1().jwk()], "padding": "x".repeat(2 * 1024 * 1024)}).to_string()
}
