//! The key side of `Verifier`: JWKS fetched from a real HTTP server, refetched on an unknown kid (rotation) at
//! most once per interval and once for all concurrent misses, fetch failures and limits, keys given with
//! `cache_jwks`, and the builder's configuration checks.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use latchkey_verify::{Verifier, VerifyError};
use serde_json::json;

async fn server() -> JwksServer {
    JwksServer::start(jwks(&[key1()])).await
}

#[tokio::test]
async fn unknown_kid_refetches_once_per_interval() {
    let srv = server().await;
    let iss = srv.issuer();
    let v = srv
        .verifier()
        .jwks_refetch_interval(Duration::from_millis(500))
        .build()
        .unwrap();
    v.verify(&key1().token(&access_claims(&iss))).await.unwrap();
    assert_eq!((srv.hits(), v.jwks_fetches()), (1, 1));

    // The pool rotates to key-two; its first token (once the interval since the first fetch is over) makes the
    // verifier refetch and accept it.
    srv.serve(jwks(&[key2(), key1()]));
    tokio::time::sleep(Duration::from_millis(600)).await;
    let rotated = key2().token(&access_claims(&iss));
    v.verify(&rotated)
        .await
        .expect("refetch picks up the rotated key");
    assert_eq!(srv.hits(), 2);
    let mut kids = v.cached_kids();
    kids.sort();
    assert_eq!(kids, ["key-one", "key-two"]);

    // Unknown kids inside the interval: refused without asking the server again.
    for n in 0..20 {
        let bogus = key2().token_with_header(
            &json!({"alg": "RS256", "kid": format!("bogus-{n}")}),
            &access_claims(&iss),
        );
        assert_eq!(
            v.verify(&bogus).await.unwrap_err(),
            VerifyError::UnknownKey(format!("bogus-{n}"))
        );
    }
    assert_eq!(
        srv.hits(),
        2,
        "a flood of unknown kids within the interval does not refetch"
    );

    // After the interval one more fetch is allowed.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let bogus = key2().token_with_header(
        &json!({"alg": "RS256", "kid": "bogus-late"}),
        &access_claims(&iss),
    );
    assert_eq!(v.verify(&bogus).await.unwrap_err().kind(), "UnknownKey");
    assert_eq!(srv.hits(), 3);
    // Known keys keep verifying without fetches.
    v.verify(&rotated).await.unwrap();
    v.verify(&key1().token(&access_claims(&iss))).await.unwrap();
    assert_eq!(srv.hits(), 3);

    // Retired keys leave with the JWKS that no longer lists them.
    srv.serve(jwks(&[key2()]));
    tokio::time::sleep(Duration::from_millis(600)).await;
    v.refresh_jwks().await.unwrap();
    assert_eq!(v.cached_kids(), ["key-two"]);
    assert_eq!(
        v.verify(&key1().token(&access_claims(&iss)))
            .await
            .unwrap_err()
            .kind(),
        "UnknownKey"
    );
}

#[tokio::test]
async fn concurrent_misses_share_one_fetch() {
    let srv = JwksServer::start(jwks(&[key1(), key2()])).await;
    srv.set_delay(Duration::from_millis(300));
    let v = srv.verifier().build().unwrap();
    let token = key2().token(&access_claims(&srv.issuer()));
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let (v, token) = (v.clone(), token.clone());
            tokio::spawn(async move { v.verify(&token).await })
        })
        .collect();
    for t in tasks {
        t.await
            .unwrap()
            .expect("every waiter gets the key the one fetch brought");
    }
    assert_eq!(srv.hits(), 1);
}

#[tokio::test]
async fn jwks_failures_are_jwks_errors() {
    let srv = server().await;
    let token = key1().token(&access_claims(&srv.issuer()));
    for (path, words) in [
        ("broken", "HTTP 500"),
        ("garbage", "not a JWKS"),
        ("huge", "larger than 1048576 bytes"),
        ("slow", "cannot fetch"),
    ] {
        let v = srv
            .verifier()
            .jwks_uri(format!("{}/{path}", srv.base))
            .jwks_fetch_timeout(Duration::from_millis(500))
            .build()
            .unwrap();
        let err = v.verify(&token).await.unwrap_err();
        assert!(
            matches!(&err, VerifyError::Jwks(m) if m.contains(words)),
            "{path}: {err}"
        );
        // Within the refetch interval the cause is repeated without a new request.
        assert_eq!(v.verify(&token).await.unwrap_err(), err);
        assert_eq!(v.jwks_fetches(), 1, "{path}");
    }
    let v = srv
        .verifier()
        .jwks_uri("http://127.0.0.1:9/jwks.json")
        .build()
        .unwrap();
    assert_eq!(v.verify(&token).await.unwrap_err().kind(), "Jwks");
    let small = srv.verifier().max_jwks_bytes(100).build().unwrap();
    assert!(small
        .verify(&token)
        .await
        .unwrap_err()
        .to_string()
        .contains("larger than 100 bytes"));
}

#[tokio::test]
async fn cache_jwks_works_offline() {
    let v = Verifier::builder("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_xxx")
        .clock(Arc::new(|| NOW))
        .offline()
        .build()
        .unwrap();
    assert_eq!(v.jwks_uri(), None);
    let token = key1().token(&access_claims(v.issuer()));
    assert_eq!(
        v.verify(&token).await.unwrap_err(),
        VerifyError::UnknownKey("key-one".into())
    );
    v.cache_jwks(&jwks(&[key1()]).to_string()).unwrap();
    v.verify(&token).await.unwrap();
    assert_eq!(v.jwks_fetches(), 0);
    assert_eq!(v.refresh_jwks().await.unwrap_err().kind(), "Config");

    // Keys that cannot verify RS256 are skipped; a JWKS without any is refused.
    let mut odd = key2().jwk();
    odd["alg"] = json!("RS512");
    let ec = json!({"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"});
    let short = json!({"kty": "RSA", "kid": "short", "n": b64(&[0xc5; 128]), "e": "AQAB"});
    let enc = json!({"kty": "RSA", "kid": "enc", "use": "enc", "n": key1().jwk()["n"], "e": "AQAB"});
    let doc = json!({"keys": [odd, ec, short, enc, key1().jwk()]});
    v.cache_jwks(&doc.to_string()).unwrap();
    assert_eq!(v.cached_kids(), ["key-one"]);
    let err = v.cache_jwks(&json!({"keys": [ec]}).to_string()).unwrap_err();
    assert_eq!(err.kind(), "Jwks");
    assert_eq!(v.cache_jwks("{").unwrap_err().kind(), "Jwks");
    assert_eq!(
        v.cached_kids(),
        ["key-one"],
        "a refused document leaves the cache as it was"
    );
    // A modulus with a leading zero octet (some encoders emit one) is accepted.
    let mut padded = key2().jwk();
    let n = base64::Engine::decode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        padded["n"].as_str().unwrap(),
    );
    padded["n"] = json!(b64(&[&[0u8][..], &n.unwrap()].concat()));
    v.cache_jwks(&json!({"keys": [padded]}).to_string()).unwrap();
    v.verify(&key2().token(&access_claims(v.issuer()))).await.unwrap();
}

#[tokio::test]
async fn builder_refuses_bad_configuration() {
    assert_eq!(Verifier::builder("").build().unwrap_err().kind(), "Config");
    assert_eq!(
        Verifier::builder("x").build().unwrap_err().kind(),
        "Config",
        "no JWKS URI can be derived"
    );
    let err = Verifier::builder("https://issuer.example")
        .jwks_uri("ftp://x/jwks")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("http or https"), "{err}");
    let v = Verifier::builder("https://issuer.example/pool/").build().unwrap();
    assert_eq!(
        v.jwks_uri(),
        Some("https://issuer.example/pool/.well-known/jwks.json")
    );
}
