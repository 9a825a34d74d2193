//! Access-token checks with the per-node cache of verified tokens (issue 18): a token checked once is not
//! verified again, but everything that can change since — expiry, sign-out, revocation, disabling, deletion, the
//! pool — still refuses it at once, also when the change is made on another node, and a token that differs from a
//! cached one in any byte is checked afresh.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod world;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use latchkey_core::{CognitoError, ErrorKind, Latchkey};
use world::{code_in, tokens, World, PASSWORD};

/// A confirmed user `name` signed in: (access token, refresh token).
async fn signed_in(w: &World, name: &str) -> (String, String) {
    w.sign_up(name, &format!("{name}@example.com")).await;
    let code = code_in(&w.next_message().await.2);
    w.lk.confirm_sign_up(&w.client.client_id, name, &code, None, false)
        .await
        .unwrap();
    let t = tokens(w.sign_in(name, PASSWORD).await.unwrap());
    (t.access_token, t.refresh_token.unwrap())
}

async fn refusal(lk: &Latchkey, token: &str) -> (ErrorKind, String) {
    match lk.get_user_by_token(token).await {
        Ok(_) => panic!("the token was accepted"),
        Err(e) => (e.kind(), e.message().to_string()),
    }
}

fn refused(kind: ErrorKind, message: &str) -> (ErrorKind, String) {
    (kind, message.to_string())
}

/// Both nodes accept the token, so both have it in their cache.
async fn cached_on_both(w: &World, other: &Latchkey, token: &str) {
    for lk in [&w.lk, other] {
        let (ctx, _) = lk.get_user_by_token(token).await.unwrap();
        assert!(!ctx.user.username.is_empty());
    }
}

#[tokio::test]
async fn changes_on_another_node_refuse_a_cached_token_at_once() {
    let w = World::new(11).await;
    let other = w.other_node().await;

    let (alice, _) = signed_in(&w, "alice").await;
    cached_on_both(&w, &other, &alice).await;
    other
        .admin_user_global_sign_out(&w.pool.id, "alice")
        .await
        .unwrap();
    assert_eq!(
        refusal(&w.lk, &alice).await,
        refused(ErrorKind::NotAuthorizedException, "Access Token has been revoked")
    );

    let (bob, bob_refresh) = signed_in(&w, "bob").await;
    cached_on_both(&w, &other, &bob).await;
    other
        .revoke_token(&bob_refresh, &w.client.client_id, None)
        .await
        .unwrap();
    assert_eq!(
        refusal(&w.lk, &bob).await,
        refused(ErrorKind::NotAuthorizedException, "Access Token has been revoked")
    );

    let (carol, _) = signed_in(&w, "carol").await;
    cached_on_both(&w, &other, &carol).await;
    other.admin_set_enabled(&w.pool.id, "carol", false).await.unwrap();
    assert_eq!(refusal(&w.lk, &carol).await.0, ErrorKind::NotAuthorizedException);
    other.admin_set_enabled(&w.pool.id, "carol", true).await.unwrap();
    w.lk.get_user_by_token(&carol).await.unwrap();
    other.admin_delete_user(&w.pool.id, "carol").await.unwrap();
    assert_eq!(refusal(&w.lk, &carol).await.0, ErrorKind::UserNotFoundException);
}

#[tokio::test]
async fn a_cached_token_still_expires_and_dies_with_its_pool() {
    let w = World::new(12).await;
    let other = w.other_node().await;
    let (token, _) = signed_in(&w, "dave").await;
    cached_on_both(&w, &other, &token).await;

    w.clock.advance_seconds(3_599);
    w.lk.get_user_by_token(&token).await.unwrap();
    w.clock.advance_seconds(1);
    assert_eq!(
        refusal(&w.lk, &token).await,
        refused(ErrorKind::NotAuthorizedException, "Access Token has expired")
    );

    let (fresh, _) = signed_in(&w, "erin").await;
    cached_on_both(&w, &other, &fresh).await;
    other.delete_user_pool(&w.pool.id).await.unwrap();
    // The other node's copy of the pool may be a second old (`POOL_CACHE_MILLIS`), as for every pool setting.
    w.clock.advance_seconds(2);
    assert_eq!(
        refusal(&w.lk, &fresh).await,
        refused(ErrorKind::NotAuthorizedException, "Invalid Access Token")
    );
}

/// Replaces the payload of `token` by `change` applied to its claims, keeping header and signature.
fn with_claims(token: &str, change: impl FnOnce(&mut serde_json::Value)) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    change(&mut claims);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    format!("{}.{payload}.{}", parts[0], parts[2])
}

#[tokio::test]
async fn a_token_differing_from_a_cached_one_is_verified_afresh() {
    let w = World::new(13).await;
    let (frank, _) = signed_in(&w, "frank").await;
    let (grace, _) = signed_in(&w, "grace").await;
    w.lk.get_user_by_token(&frank).await.unwrap();
    w.lk.get_user_by_token(&grace).await.unwrap();

    // A cached token's signature over another user's name, a later expiry or an added scope.
    let forged = [
        with_claims(&frank, |c| c["username"] = "grace".into()),
        with_claims(&frank, |c| {
            c["exp"] = (c["exp"].as_i64().unwrap() + 86_400).into()
        }),
        with_claims(&frank, |c| {
            c["scope"] = "aws.cognito.signin.user.admin openid".into()
        }),
    ];
    for token in &forged {
        assert_eq!(
            refusal(&w.lk, token).await,
            refused(ErrorKind::NotAuthorizedException, "Invalid Access Token")
        );
    }
    // One byte of the signature changed; then the genuine token still works.
    let mut tampered = frank.clone().into_bytes();
    let last = tampered.len() - 2;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    assert_eq!(
        refusal(&w.lk, &tampered).await,
        refused(ErrorKind::NotAuthorizedException, "Invalid Access Token")
    );
    let (ctx, _) = w.lk.get_user_by_token(&frank).await.unwrap();
    assert_eq!(ctx.user.username, "frank");
    let error: CognitoError = w.lk.get_user_by_token("not.a.token").await.err().unwrap();
    assert_eq!(error.kind(), ErrorKind::NotAuthorizedException);
}
