//! Snapshots of the OAuth endpoints applications call — `/oauth2/token` (each grant, each RFC 6749 error),
//! `/oauth2/userInfo` and `/oauth2/revoke` — exactly as they answer today: status, headers and whole JSON bodies,
//! tokens decoded into their header and claims. A refactor that changes any of it shows up here as a diff.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod wire;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;
use wire::oauth::{OAuthWorld, CALLBACK, VERIFIER};
use wire::{assert_wire_snapshot, get, post_form, send};

fn redeem<'a>(world: &'a OAuthWorld, code: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("grant_type", "authorization_code"),
        ("client_id", &world.web),
        ("code", code),
        ("redirect_uri", CALLBACK),
        ("code_verifier", VERIFIER),
    ]
}

#[tokio::test]
async fn authorization_code_with_pkce_then_refresh_token_then_the_code_replayed() {
    let w = OAuthWorld::new().await;
    let code = w.code().await;
    let issued = w.token(&redeem(&w, &code), &[]).await;
    assert_eq!(issued.status, StatusCode::OK, "{}", issued.text());
    let tokens = issued.json();
    let id = &w.redactor.redact(tokens["id_token"].clone())["jwt"]["claims"];
    let access = &w.redactor.redact(tokens["access_token"].clone())["jwt"]["claims"];
    assert_eq!(id["origin_jti"], access["origin_jti"]);
    assert_eq!(id["event_id"], access["event_id"]);
    assert_eq!(
        id["at_hash"].as_str(),
        Some(wire::at_hash(tokens["access_token"].as_str().unwrap()).as_str())
    );
    assert_wire_snapshot!("token_authorization_code", w.snapshot(&issued));

    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    w.app.clock.advance_seconds(60);
    let refreshed = w.refresh(refresh_token).await;
    assert_wire_snapshot!("token_refresh_token", w.snapshot(&refreshed));

    // A replayed code is refused and revokes what its first use issued: the refresh token no longer works.
    let replayed = w.token(&redeem(&w, &code), &[]).await;
    let refresh_after = w.refresh(refresh_token).await;
    assert_wire_snapshot!(
        "token_code_replayed",
        w.cases(vec![
            ("the code again", replayed),
            ("its refresh token after", refresh_after),
        ])
    );
}

#[tokio::test]
async fn a_rotating_client_gets_a_new_refresh_token_and_the_old_one_is_refused_as_reused() {
    let w = OAuthWorld::new().await;
    w.app
        .ok(
            "UpdateUserPoolClient",
            json!({"UserPoolId": w.pool, "ClientId": w.web, "ClientName": "web",
                   "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                   "AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["code", "implicit"],
                   "AllowedOAuthScopes": ["openid", "email", "profile"],
                   "CallbackURLs": [wire::oauth::CALLBACK], "SupportedIdentityProviders": ["COGNITO"],
                   "RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 0}}),
            true,
        )
        .await;
    w.app.clock.advance_seconds(2);
    let tokens = w.tokens().await;
    let first = tokens["refresh_token"].as_str().unwrap();
    let refreshed = w.refresh(first).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.text());
    let rotated = refreshed.json();
    let second = rotated["refresh_token"]
        .as_str()
        .expect("a rotated refresh token");
    assert_ne!(second, first);
    assert!(rotated["access_token"].is_string() && rotated["id_token"].is_string());
    let reused = w.refresh(first).await;
    assert_eq!(reused.status, StatusCode::BAD_REQUEST);
    assert_eq!(reused.json()["error"], "invalid_grant");
    // Reuse means two parties hold the sign-in: the rotated token is revoked with it.
    let after = w.refresh(second).await;
    assert_eq!(
        after.json(),
        json!({"error": "invalid_grant", "error_description": "Refresh Token has been revoked"})
    );
}

#[tokio::test]
async fn client_credentials_with_basic_auth_and_with_the_secret_in_the_body() {
    let w = OAuthWorld::new().await;
    let basic = w.basic(&w.service_secret);
    let with_basic = w
        .token(
            &[("grant_type", "client_credentials")],
            &[("authorization", &basic)],
        )
        .await;
    assert_wire_snapshot!("token_client_credentials", w.snapshot(&with_basic));
    let in_body = w
        .token(
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &w.service),
                ("client_secret", &w.service_secret),
                ("scope", "orders/read"),
            ],
            &[],
        )
        .await;
    assert_eq!(in_body.status, StatusCode::OK, "{}", in_body.text());
    let claims = |answer: &wire::Exchange| {
        w.redactor.redact(answer.json()["access_token"].clone())["jwt"]["claims"]["scope"].clone()
    };
    assert_eq!(claims(&in_body), claims(&with_basic));
}

#[tokio::test]
async fn invalid_request() {
    let w = OAuthWorld::new().await;
    let not_a_form = send(
        w.router(),
        Request::post("/oauth2/token")
            .header("content-type", "application/json")
            .body(Body::from(r#"{"grant_type":"client_credentials"}"#))
            .unwrap(),
    )
    .await;
    let too_large = post_form(
        w.router(),
        "/oauth2/token",
        &[("grant_type", "client_credentials"), ("pad", &"x".repeat(70_000))],
        &[],
    )
    .await;
    let answers = vec![
        ("no grant_type", w.token(&[("client_id", &w.web)], &[]).await),
        ("not a form", not_a_form),
        (
            "no code",
            w.token(
                &[("grant_type", "authorization_code"), ("client_id", &w.web)],
                &[],
            )
            .await,
        ),
        (
            "no refresh_token",
            w.token(&[("grant_type", "refresh_token"), ("client_id", &w.web)], &[])
                .await,
        ),
        (
            "a NUL in the form",
            w.token(&[("grant_type", "refresh_token"), ("client_id", "a\0b")], &[])
                .await,
        ),
        ("a form over 64 KiB", too_large),
    ];
    assert_wire_snapshot!("token_invalid_request", w.cases(answers));
}

#[tokio::test]
async fn invalid_client_in_the_authorization_header_and_in_the_body() {
    let w = OAuthWorld::new().await;
    let cc = [("grant_type", "client_credentials")];
    // Pinned as it answers today: 401 without `WWW-Authenticate`, though RFC 6749 (5.2) asks for one when the
    // client authenticated with the Authorization header. Adding it is a deliberate snapshot change.
    let answers = vec![
        (
            "basic, wrong secret",
            w.token(&cc, &[("authorization", &w.basic("wrong"))]).await,
        ),
        (
            "basic, unknown client",
            w.token(&cc, &[("authorization", "Basic dW5rbm93bjpzZWNyZXQ=")])
                .await,
        ),
        (
            "body, wrong secret",
            w.token(
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &w.service),
                    ("client_secret", "wrong"),
                ],
                &[],
            )
            .await,
        ),
        (
            "body, no secret for a confidential client",
            w.token(
                &[("grant_type", "client_credentials"), ("client_id", &w.service)],
                &[],
            )
            .await,
        ),
        (
            "body, unknown client",
            w.token(
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", "unknown"),
                    ("refresh_token", "x"),
                ],
                &[],
            )
            .await,
        ),
        ("no client at all", w.token(&cc, &[]).await),
    ];
    assert_wire_snapshot!("token_invalid_client", w.cases(answers));
}

#[tokio::test]
async fn invalid_grant() {
    let w = OAuthWorld::new().await;
    let code = w.code().await;
    let mut wrong_verifier = redeem(&w, &code);
    wrong_verifier[4].1 = "another-verifier-0123456789-abcdefghijklmnopq";
    let mut no_verifier = redeem(&w, &code);
    no_verifier.pop();
    let mut wrong_redirect = redeem(&w, &code);
    wrong_redirect[3].1 = "https://app.example/other";
    let answers = vec![
        (
            "a code that is not one",
            w.token(&redeem(&w, "not-a-code"), &[]).await,
        ),
        ("another redirect_uri", w.token(&wrong_redirect, &[]).await),
        ("the wrong code_verifier", w.token(&wrong_verifier, &[]).await),
        ("no code_verifier", w.token(&no_verifier, &[]).await),
        (
            "an unknown refresh token",
            w.refresh("bm90LWEtcmVmcmVzaC10b2tlbg").await,
        ),
    ];
    let expired = w.code().await;
    w.app.clock.advance_seconds(301);
    let mut answers = answers;
    answers.push((
        "a code after five minutes",
        w.token(&redeem(&w, &expired), &[]).await,
    ));
    assert_wire_snapshot!("token_invalid_grant", w.cases(answers));
}

#[tokio::test]
async fn unauthorized_client_unsupported_grant_type_and_invalid_scope() {
    let w = OAuthWorld::new().await;
    let basic = w.basic(&w.service_secret);
    let answers = vec![
        (
            "unauthorized_client: a public client asks for client_credentials",
            w.token(
                &[("grant_type", "client_credentials"), ("client_id", &w.web)],
                &[],
            )
            .await,
        ),
        (
            "unauthorized_client: a client_credentials client redeems a code",
            w.token(
                &[
                    ("grant_type", "authorization_code"),
                    ("code", "x"),
                    ("redirect_uri", CALLBACK),
                ],
                &[("authorization", &basic)],
            )
            .await,
        ),
        (
            "unsupported_grant_type: password",
            w.token(
                &[
                    ("grant_type", "password"),
                    ("client_id", &w.web),
                    ("username", "alice"),
                    ("password", "x"),
                ],
                &[],
            )
            .await,
        ),
        (
            "invalid_scope: a scope the client may not have",
            w.token(
                &[
                    ("grant_type", "client_credentials"),
                    ("scope", "orders/read orders/write"),
                ],
                &[("authorization", &basic)],
            )
            .await,
        ),
        (
            "invalid_scope: a system scope",
            w.token(
                &[("grant_type", "client_credentials"), ("scope", "openid")],
                &[("authorization", &basic)],
            )
            .await,
        ),
    ];
    assert_wire_snapshot!("token_refusals", w.cases(answers));
}

#[tokio::test]
async fn userinfo_answers_by_scope_and_refuses_missing_invalid_and_expired_tokens() {
    let w = OAuthWorld::new().await;
    let tokens = w.tokens().await;
    let access = tokens["access_token"].as_str().unwrap();
    let bearer = format!("Bearer {access}");
    let by_get = send(
        w.router(),
        Request::get("/oauth2/userInfo")
            .header("authorization", &bearer)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_wire_snapshot!("userinfo", w.snapshot(&by_get));
    let by_post = post_form(w.router(), "/oauth2/userInfo", &[("access_token", access)], &[]).await;
    assert_eq!(by_post.status, StatusCode::OK);
    assert_eq!(by_post.json(), by_get.json());

    // An API sign-in's token has aws.cognito.signin.user.admin, not openid.
    let api = w
        .app
        .ok(
            "InitiateAuth",
            json!({"ClientId": w.web, "AuthFlow": "USER_PASSWORD_AUTH",
                   "AuthParameters": {"USERNAME": "alice", "PASSWORD": wire::oauth::PASSWORD}}),
            false,
        )
        .await;
    let api_bearer = format!(
        "Bearer {}",
        api["AuthenticationResult"]["AccessToken"].as_str().unwrap()
    );
    let with = |authorization: String| {
        send(
            w.router(),
            Request::get("/oauth2/userInfo")
                .header("authorization", authorization)
                .body(Body::empty())
                .unwrap(),
        )
    };
    let mut answers = vec![
        ("no token", get(w.router(), "/oauth2/userInfo").await),
        ("not a token", with("Bearer nonsense".into()).await),
        ("a token without openid", with(api_bearer).await),
    ];
    w.app.clock.advance_seconds(3600);
    answers.push(("an expired token", with(bearer).await));
    assert_wire_snapshot!("userinfo_refusals", w.cases(answers));
}

#[tokio::test]
async fn revoke_then_refresh_and_every_refusal() {
    let w = OAuthWorld::new().await;
    let tokens = w.tokens().await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let revoked = post_form(
        w.router(),
        "/oauth2/revoke",
        &[("token", refresh), ("client_id", &w.web)],
        &[],
    )
    .await;
    let refresh_after = w.refresh(refresh).await;
    assert_wire_snapshot!(
        "revoke",
        w.cases(vec![("revoked", revoked), ("refreshing after", refresh_after)])
    );

    let no_revocation = w
        .app
        .ok(
            "CreateUserPoolClient",
            json!({"UserPoolId": w.pool, "ClientName": "no-revocation", "EnableTokenRevocation": false}),
            true,
        )
        .await["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_string();
    let mut w = w;
    w.redactor.name(&no_revocation, "no-revocation client");
    let revoke = |form: Vec<(&'static str, String)>, headers: Vec<(&'static str, String)>| {
        let router = w.router().clone();
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_form(&router, "/oauth2/revoke", &form, &headers).await
        }
    };
    let not_a_form = send(
        w.router(),
        Request::post("/oauth2/revoke")
            .header("content-type", "application/json")
            .body(Body::from("{}"))
            .unwrap(),
    )
    .await;
    let answers = vec![
        ("not a form", not_a_form),
        (
            "no token",
            revoke(vec![("client_id", w.web.clone())], vec![]).await,
        ),
        (
            "unknown client",
            revoke(
                vec![("token", "x".into()), ("client_id", "unknown".into())],
                vec![],
            )
            .await,
        ),
        (
            "basic, wrong secret",
            revoke(
                vec![("token", "x".into())],
                vec![("authorization", w.basic("wrong"))],
            )
            .await,
        ),
        (
            "an access token",
            revoke(
                vec![
                    ("token", tokens["access_token"].as_str().unwrap().into()),
                    ("client_id", w.web.clone()),
                ],
                vec![],
            )
            .await,
        ),
        (
            "revocation disabled for the client",
            revoke(
                vec![("token", "x".into()), ("client_id", no_revocation.clone())],
                vec![],
            )
            .await,
        ),
        (
            "an unknown token (RFC 7009: success)",
            revoke(
                vec![("token", "unknown".into()), ("client_id", w.web.clone())],
                vec![],
            )
            .await,
        ),
    ];
    assert_wire_snapshot!("revoke_refusals", w.cases(answers));
}
