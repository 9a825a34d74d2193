//! Snapshots of what every JWT library reads first, as it answers today: a pool's OIDC discovery document and its
//! JWKS (before and after a key rotation), and both for a pool that does not exist.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod wire;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use wire::oauth::OAuthWorld;
use wire::{assert_wire_snapshot, get};

/// The JWKS answer with each key's modulus (new for every run) checked to be a 2048-bit one and replaced.
fn with_moduli_checked(mut snapshot: Value) -> Value {
    for key in snapshot["body"]["keys"].as_array_mut().unwrap() {
        let n = URL_SAFE_NO_PAD.decode(key["n"].as_str().unwrap()).unwrap();
        assert_eq!(n.len(), 256, "a 2048-bit modulus");
        key["n"] = json!("[modulus]");
    }
    snapshot
}

#[tokio::test]
async fn discovery_document() {
    let w = OAuthWorld::new().await;
    let answer = get(
        w.router(),
        &format!("/{}/.well-known/openid-configuration", w.pool),
    )
    .await;
    assert_wire_snapshot!("openid_configuration", w.snapshot(&answer));
}

#[tokio::test]
async fn jwks_before_and_after_a_rotation() {
    let mut w = OAuthWorld::new().await;
    let path = format!("/{}/.well-known/jwks.json", w.pool);
    let before = with_moduli_checked(w.snapshot(&get(w.router(), &path).await));
    assert_wire_snapshot!("jwks", before);
    w.app.latchkey.rotate_keys(&w.pool).await.unwrap();
    let after = get(w.router(), &path).await;
    let keys = after.json()["keys"].clone();
    for (key, name) in keys
        .as_array()
        .unwrap()
        .iter()
        .zip(["new id kid", "new access kid"])
    {
        w.redactor.name(key["kid"].as_str().unwrap(), name);
    }
    let mut snapshot = with_moduli_checked(w.snapshot(&after));
    // The new pair comes first, ID key then access key; the retired pair follows in the store's order, which
    // for keys made at the same instant is their random kids' order: shown sorted.
    let keys = snapshot["body"]["keys"].as_array_mut().unwrap();
    keys[2..].sort_by_key(|k| k["kid"].as_str().unwrap().to_string());
    assert_wire_snapshot!("jwks_after_rotation", snapshot);
}

#[tokio::test]
async fn an_unknown_pool() {
    let w = OAuthWorld::new().await;
    let mut out = serde_json::Map::new();
    for doc in ["openid-configuration", "jwks.json"] {
        let answer = get(w.router(), &format!("/us-east-1_nope/.well-known/{doc}")).await;
        out.insert(doc.to_string(), w.snapshot(&answer));
    }
    assert_wire_snapshot!("unknown_pool", Value::Object(out));
}
