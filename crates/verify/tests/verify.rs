//! Every accept/refuse case of a token, with tokens signed by RSA keys generated here and the JWKS served by a
//! real HTTP server.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::hmac;
use common::*;
use latchkey_verify::{peek_issuer, Requirements, TokenUse, Verifier, VerifyError};
use serde_json::json;

async fn server() -> JwksServer {
    JwksServer::start(jwks(&[key1()])).await
}

#[tokio::test]
async fn valid_id_token_gives_typed_claims() {
    let srv = server().await;
    let v = srv
        .verifier()
        .client_id(CLIENT)
        .token_use(TokenUse::Id)
        .build()
        .unwrap();
    let c = v.verify(&key1().token(&id_claims(&srv.issuer()))).await.unwrap();
    assert_eq!(c.sub, "5f1e4c1a-0000-4000-8000-000000000001");
    assert_eq!(c.iss, srv.issuer());
    assert_eq!(c.token_use, TokenUse::Id);
    assert_eq!(c.client_id.as_deref(), Some(CLIENT));
    assert_eq!(c.username.as_deref(), Some("alice"));
    assert_eq!(c.email.as_deref(), Some("alice@example.com"));
    assert_eq!(
        (c.exp, c.iat, c.auth_time),
        (NOW + 3600, NOW - 60, Some(NOW - 60))
    );
    assert_eq!(c.groups, ["staff"]);
    assert!(c.scopes.is_empty());
    assert_eq!(c.raw["custom:tenant"], "acme");
    assert_eq!(
        srv.hits(),
        1,
        "the JWKS is fetched on first use, from {{issuer}}/.well-known/jwks.json"
    );
}

#[tokio::test]
async fn valid_access_token_gives_typed_claims() {
    let srv = server().await;
    let v = srv
        .verifier()
        .client_id(CLIENT)
        .token_use(TokenUse::Access)
        .build()
        .unwrap();
    let c = v
        .verify(&key1().token(&access_claims(&srv.issuer())))
        .await
        .unwrap();
    assert_eq!(c.token_use, TokenUse::Access);
    assert_eq!(c.client_id.as_deref(), Some(CLIENT));
    assert_eq!(c.username.as_deref(), Some("alice"));
    assert_eq!(c.scopes, ["aws.cognito.signin.user.admin", "orders/read"]);
    assert_eq!(c.groups, ["staff", "readers"]);
    assert!(c.has_scope("orders/read") && c.in_group("readers") && !c.in_group("admins"));
    // The keys are cached: a second token costs no fetch.
    v.verify(&key1().token(&access_claims(&srv.issuer())))
        .await
        .unwrap();
    assert_eq!(srv.hits(), 1);
}

#[tokio::test]
async fn either_token_use_when_none_is_required() {
    let srv = server().await;
    let v = srv.verifier().client_id(CLIENT).build().unwrap();
    assert_eq!(
        v.verify(&key1().token(&id_claims(&srv.issuer())))
            .await
            .unwrap()
            .token_use,
        TokenUse::Id
    );
    let access = key1().token(&access_claims(&srv.issuer()));
    assert_eq!(v.verify(&access).await.unwrap().token_use, TokenUse::Access);
}

#[tokio::test]
async fn expiry_with_leeway() {
    let srv = server().await;
    let iss = srv.issuer();
    let v = srv.verifier().build().unwrap();
    let expired = key1().token(&with(access_claims(&iss), json!({"exp": NOW - 10})));
    assert_eq!(v.verify(&expired).await.unwrap_err(), VerifyError::Expired);
    let at_exp = key1().token(&with(access_claims(&iss), json!({"exp": NOW})));
    let just_expired = key1().token(&with(access_claims(&iss), json!({"exp": NOW - 3})));
    v.verify(&at_exp).await.expect("within the default 5 s leeway");
    v.verify(&just_expired)
        .await
        .expect("within the default 5 s leeway");
    let strict = srv.verifier().leeway(Duration::ZERO).build().unwrap();
    assert_eq!(
        strict.verify(&at_exp).await.unwrap_err(),
        VerifyError::Expired,
        "valid only before exp"
    );
    let mut later = srv.verifier().clock(Arc::new(|| NOW + 3600 + 5)).build().unwrap();
    let fresh = key1().token(&access_claims(&iss));
    assert_eq!(later.verify(&fresh).await.unwrap_err(), VerifyError::Expired);
    later = srv.verifier().clock(Arc::new(|| NOW + 3600 + 4)).build().unwrap();
    later
        .verify(&fresh)
        .await
        .expect("4 s past exp is within the leeway");
}

#[tokio::test]
async fn issued_in_the_future_and_not_before() {
    let srv = server().await;
    let iss = srv.issuer();
    let v = srv.verifier().build().unwrap();
    let future = key1().token(&with(access_claims(&iss), json!({"iat": NOW + 60})));
    assert_eq!(v.verify(&future).await.unwrap_err(), VerifyError::IssuedInFuture);
    let skewed = key1().token(&with(access_claims(&iss), json!({"iat": NOW + 3})));
    v.verify(&skewed)
        .await
        .expect("3 s of clock skew is within the leeway");
    let nbf = key1().token(&with(access_claims(&iss), json!({"nbf": NOW + 60})));
    assert_eq!(v.verify(&nbf).await.unwrap_err(), VerifyError::NotYetValid);
}

#[tokio::test]
async fn wrong_audience_for_each_token_use() {
    let srv = server().await;
    let iss = srv.issuer();
    let v = srv.verifier().client_id(OTHER_CLIENT).build().unwrap();
    assert_eq!(
        v.verify(&key1().token(&id_claims(&iss))).await.unwrap_err(),
        VerifyError::WrongAudience
    );
    assert_eq!(
        v.verify(&key1().token(&access_claims(&iss))).await.unwrap_err(),
        VerifyError::WrongAudience
    );
    // An access token is judged by client_id, never by an aud it happens to carry.
    let smuggled = key1().token(&with(access_claims(&iss), json!({"aud": OTHER_CLIENT})));
    assert_eq!(v.verify(&smuggled).await.unwrap_err(), VerifyError::WrongAudience);
    // ... and an ID token by aud, never by a client_id claim.
    let id_smuggled = key1().token(&with(id_claims(&iss), json!({"client_id": OTHER_CLIENT})));
    assert_eq!(
        v.verify(&id_smuggled).await.unwrap_err(),
        VerifyError::WrongAudience
    );
    let no_client = key1().token(&with(access_claims(&iss), json!({"client_id": null})));
    assert_eq!(
        v.verify(&no_client).await.unwrap_err(),
        VerifyError::WrongAudience
    );
    // Several accepted clients; an RFC 7519 aud array with one of them.
    let both = srv
        .verifier()
        .client_id(OTHER_CLIENT)
        .client_id(CLIENT)
        .build()
        .unwrap();
    both.verify(&key1().token(&access_claims(&iss))).await.unwrap();
    let array = key1().token(&with(id_claims(&iss), json!({"aud": ["x", CLIENT]})));
    both.verify(&array).await.unwrap();
}

#[tokio::test]
async fn wrong_issuer_costs_no_fetch() {
    let srv = server().await;
    let v = srv.verifier().build().unwrap();
    let foreign = key1().token(&access_claims(
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other",
    ));
    let err = v.verify(&foreign).await.unwrap_err();
    assert!(
        matches!(&err, VerifyError::WrongIssuer { found, .. } if found.ends_with("us-east-1_Other")),
        "{err:?}"
    );
    let trailing_slash = key1().token(&access_claims(&format!("{}/", srv.issuer())));
    assert_eq!(
        v.verify(&trailing_slash).await.unwrap_err().kind(),
        "WrongIssuer",
        "the issuer must match exactly"
    );
    assert_eq!(srv.hits(), 0);
}

#[tokio::test]
async fn wrong_token_use() {
    let srv = server().await;
    let iss = srv.issuer();
    let v = srv.verifier().token_use(TokenUse::Access).build().unwrap();
    let err = v.verify(&key1().token(&id_claims(&iss))).await.unwrap_err();
    assert_eq!(
        err,
        VerifyError::WrongTokenUse {
            expected: TokenUse::Access,
            found: TokenUse::Id
        }
    );
    let refresh = key1().token(&with(access_claims(&iss), json!({"token_use": "refresh"})));
    assert_eq!(
        v.verify(&refresh).await.unwrap_err(),
        VerifyError::InvalidClaim("token_use")
    );
    let none = key1().token(&with(access_claims(&iss), json!({"token_use": null})));
    assert_eq!(
        v.verify(&none).await.unwrap_err(),
        VerifyError::MissingClaim("token_use")
    );
}

#[tokio::test]
async fn alg_none_and_others_are_refused_before_any_key() {
    let srv = server().await;
    let iss = srv.issuer();
    let v = srv.verifier().build().unwrap();
    let payload = b64(access_claims(&iss).to_string().as_bytes());
    for alg in ["none", "None", "HS256", "RS384", "PS256", "ES256", "rs256"] {
        let header = b64(json!({"alg": alg, "kid": key1().kid}).to_string().as_bytes());
        for token in [format!("{header}.{payload}."), format!("{header}.{payload}.c2ln")] {
            let err = v.verify(&token).await.unwrap_err();
            assert_eq!(err, VerifyError::UnsupportedAlgorithm(alg.into()), "{alg}");
        }
    }
    let no_alg = format!(
        "{}.{payload}.",
        b64(json!({"kid": key1().kid}).to_string().as_bytes())
    );
    assert_eq!(v.verify(&no_alg).await.unwrap_err().kind(), "Malformed");
    assert_eq!(srv.hits(), 0, "no key was looked up");
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_is_refused() {
    let srv = server().await;
    let iss = srv.issuer();
    let v = srv.verifier().build().unwrap();
    v.verify(&key1().token(&access_claims(&iss))).await.unwrap();
    let input = format!(
        "{}.{}",
        b64(json!({"alg": "HS256", "kid": key1().kid, "typ": "JWT"})
            .to_string()
            .as_bytes()),
        b64(access_claims(&iss).to_string().as_bytes())
    );
    // Every byte string a confused verifier might use as the HMAC key: the DER key, the JWK and its modulus.
    let jwk = key1().jwk();
    for secret in [
        key1().public_der(),
        jwk.to_string().into_bytes(),
        jwk["n"].as_str().unwrap().as_bytes().to_vec(),
    ] {
        let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &secret), input.as_bytes());
        let forged = format!("{input}.{}", b64(tag.as_ref()));
        assert_eq!(
            v.verify(&forged).await.unwrap_err(),
            VerifyError::UnsupportedAlgorithm("HS256".into())
        );
    }
}

#[tokio::test]
async fn tampered_payload_and_foreign_signature() {
    let srv = server().await;
    let iss = srv.issuer();
    let v = srv.verifier().build().unwrap();
    let token = key1().token(&access_claims(&iss));
    let (head, rest) = token.split_once('.').unwrap();
    let (_, sig) = rest.split_once('.').unwrap();
    let tampered_payload = b64(with(access_claims(&iss), json!({"username": "mallory"}))
        .to_string()
        .as_bytes());
    let tampered = format!("{head}.{tampered_payload}.{sig}");
    assert_eq!(v.verify(&tampered).await.unwrap_err(), VerifyError::BadSignature);
    // Signed by another key that claims key-one's kid.
    let forged =
        stranger().token_with_header(&json!({"alg": "RS256", "kid": key1().kid}), &access_claims(&iss));
    assert_eq!(v.verify(&forged).await.unwrap_err(), VerifyError::BadSignature);
    // A signature cut short, extended, empty, or with one bit flipped.
    let (input, sig) = token.rsplit_once('.').unwrap();
    let sig = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, sig).unwrap();
    let mut flipped = sig.clone();
    flipped[100] ^= 1;
    for bad in [&sig[..sig.len() - 1], &[&sig[..], &[0]].concat(), &[], &flipped] {
        assert_eq!(
            v.verify(&format!("{input}.{}", b64(bad))).await.unwrap_err(),
            VerifyError::BadSignature
        );
    }
    // The same signature with a padding bit set (256 bytes leave 4 unused bits in the last character) is not
    // another valid encoding of it.
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let last = ALPHABET.find(token.chars().last().unwrap()).unwrap();
    let sibling = ALPHABET.as_bytes()[last ^ 1] as char;
    let noncanonical = format!("{}{sibling}", &token[..token.len() - 1]);
    assert_eq!(v.verify(&noncanonical).await.unwrap_err().kind(), "Malformed");
    v.verify(&token).await.expect("the original still verifies");
}

#[tokio::test]
async fn scopes_and_groups_any_of() {
    let srv = server().await;
    let iss = srv.issuer();
    let access = key1().token(&access_claims(&iss));
    let id = key1().token(&id_claims(&iss));
    let v = srv
        .verifier()
        .any_scope(["orders/write", "orders/read"])
        .build()
        .unwrap();
    v.verify(&access).await.unwrap();
    assert_eq!(
        v.verify(&id).await.unwrap_err(),
        VerifyError::MissingScope,
        "ID tokens carry no scope"
    );
    let v = srv.verifier().any_scope(["orders/write"]).build().unwrap();
    assert_eq!(v.verify(&access).await.unwrap_err(), VerifyError::MissingScope);
    // A scope must match whole: "orders" is not "orders/read".
    let v = srv.verifier().any_scope(["orders"]).build().unwrap();
    assert_eq!(v.verify(&access).await.unwrap_err(), VerifyError::MissingScope);

    let v = srv.verifier().any_group(["admins", "readers"]).build().unwrap();
    v.verify(&access).await.unwrap();
    assert_eq!(
        v.verify(&id).await.unwrap_err(),
        VerifyError::MissingGroup,
        "the ID token is only in staff"
    );
    let no_groups = key1().token(&with(access_claims(&iss), json!({"cognito:groups": null})));
    assert_eq!(v.verify(&no_groups).await.unwrap_err(), VerifyError::MissingGroup);
}

#[tokio::test]
async fn per_call_requirements_replace_the_builders() {
    let srv = server().await;
    let iss = srv.issuer();
    let v = srv
        .verifier()
        .token_use(TokenUse::Id)
        .client_id(OTHER_CLIENT)
        .build()
        .unwrap();
    let access = key1().token(&access_claims(&iss));
    assert_eq!(v.verify(&access).await.unwrap_err().kind(), "WrongTokenUse");
    let req = Requirements {
        token_use: Some(TokenUse::Access),
        client_ids: vec![CLIENT.into()],
        any_scope: vec!["orders/read".into()],
        any_group: vec!["staff".into()],
    };
    v.verify_for(&access, &req).await.unwrap();
    v.verify_for(&access, &Requirements::default()).await.unwrap();
    let admin_only = Requirements {
        any_group: vec!["admins".into()],
        ..req
    };
    assert_eq!(
        v.verify_for(&access, &admin_only).await.unwrap_err(),
        VerifyError::MissingGroup
    );
    // Issuer and lifetime are not requirements: they always apply.
    let expired = key1().token(&with(access_claims(&iss), json!({"exp": NOW - 100})));
    assert_eq!(
        v.verify_for(&expired, &Requirements::default())
            .await
            .unwrap_err(),
        VerifyError::Expired
    );
}

#[tokio::test]
async fn garbage_and_oversized_tokens_are_malformed() {
    let srv = server().await;
    let iss = srv.issuer();
    let v = srv.verifier().build().unwrap();
    let good = key1().token(&access_claims(&iss));
    let (h, rest) = good.split_once('.').unwrap();
    let (p, s) = rest.split_once('.').unwrap();
    let not_object = b64(b"[1,2,3]");
    let cases = [
        String::new(),
        "garbage".into(),
        "a.b".into(),
        "a.b.c.d".into(),
        "..".into(),
        format!("{h}.{p}"),
        format!("{h}.{p}.{s}.{s}"),
        format!("{h}==.{p}.{s}"),
        format!("{h}.{p}.{s}="),
        format!("{h}.{p}!.{s}"),
        format!("{}.{p}.{s}", b64(b"not json")),
        format!("{}.{p}.{s}", b64(b"{\"alg\":\"RS256\"}")),
        format!(
            "{}.{p}.{s}",
            b64(b"{\"alg\":\"RS256\",\"kid\":\"key-one\",\"crit\":[\"exp\"]}")
        ),
        format!(
            "{}.{p}.{s}",
            b64(b"{\"alg\":\"RS256\",\"alg\":\"none\",\"kid\":\"key-one\"}")
        ),
        format!("{}.{p}.{s}", b64(b"{\"alg\":7,\"kid\":\"key-one\"}")),
        format!("{h}.{not_object}.{s}"),
        format!("{h}.{}.{s}", b64(b"\xff\xfe")),
        "\u{0}\u{1}.\u{7f}.é".into(),
        format!("{h}.{}.{s}", "A".repeat(40 * 1024)),
    ];
    for token in &cases {
        let err = v.verify(token).await.unwrap_err();
        assert_eq!(
            err.kind(),
            "Malformed",
            "{:?}: {err}",
            &token[..token.len().min(60)]
        );
    }
    assert_eq!(srv.hits(), 0);
}

#[tokio::test]
async fn claims_of_the_wrong_type_are_refused() {
    let srv = server().await;
    let iss = srv.issuer();
    let v = srv.verifier().build().unwrap();
    for (change, err) in [
        (json!({"exp": "tomorrow"}), VerifyError::InvalidClaim("exp")),
        (json!({"exp": -1}), VerifyError::InvalidClaim("exp")),
        (json!({"exp": null}), VerifyError::MissingClaim("exp")),
        (json!({"iat": null}), VerifyError::MissingClaim("iat")),
        (json!({"sub": null}), VerifyError::MissingClaim("sub")),
        (json!({"sub": 5}), VerifyError::InvalidClaim("sub")),
        (
            json!({"cognito:groups": "staff"}),
            VerifyError::InvalidClaim("cognito:groups"),
        ),
        (json!({"scope": ["a"]}), VerifyError::InvalidClaim("scope")),
        (json!({"iss": 1}), VerifyError::InvalidClaim("iss")),
    ] {
        let token = key1().token(&with(access_claims(&iss), change.clone()));
        assert_eq!(v.verify(&token).await.unwrap_err(), err, "{change}");
    }
    let fractional = key1().token(&with(
        access_claims(&iss),
        json!({"exp": (NOW + 60) as f64 + 0.5}),
    ));
    assert_eq!(v.verify(&fractional).await.unwrap().exp, NOW + 60);
}

#[test]
fn peek_issuer_reads_iss_unverified() {
    let token = stranger().token(&access_claims("https://a.example/p"));
    assert_eq!(peek_issuer(&token).as_deref(), Some("https://a.example/p"));
    assert_eq!(peek_issuer("x.y.z"), None);
    assert_eq!(peek_issuer(&format!("a.{}.c", b64(b"{\"iss\":5}"))), None);
}

#[test]
fn verifier_is_send_sync_and_cheap_to_clone() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Verifier>();
    fn future_is_send<F: std::future::Future + Send>(_: F) {}
    let v = Verifier::builder("https://issuer.example")
        .offline()
        .build()
        .unwrap();
    future_is_send(v.verify("x"));
}
