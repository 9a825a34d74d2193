//! `VerifyLayer` and the axum extractors, served on a real socket and called with a real HTTP client: the claims
//! reach the handler, and every refusal carries its RFC 6750 status and `WWW-Authenticate` challenge.

#![cfg(feature = "axum")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::routing::get;
use axum::Router;
use common::*;
use latchkey_verify::{Authenticated, Claims, Requirements, TokenUse, Verifier, VerifyLayer};
use reqwest::StatusCode;
use serde_json::json;

struct App {
    base: String,
    jwks: JwksServer,
    http: reqwest::Client,
}

async fn whoami(claims: Claims) -> String {
    format!("{} {}", claims.username.unwrap_or_default(), claims.token_use)
}

async fn app() -> App {
    let jwks = JwksServer::start(common::jwks(&[key1()])).await;
    let verifier = jwks.verifier().client_id(CLIENT).build().unwrap();
    let admins = Requirements {
        any_group: vec!["admins".into()],
        ..verifier.requirements().clone()
    };
    let down = Verifier::builder(jwks.issuer())
        .jwks_uri("http://127.0.0.1:9/jwks.json")
        .build()
        .unwrap();
    let router = Router::new()
        .route("/me", get(whoami))
        .layer(VerifyLayer::new(verifier.clone()))
        .merge(
            Router::new()
                .route("/admin", get(whoami))
                .layer(VerifyLayer::new(verifier.clone()).requirements(admins)),
        )
        .merge(
            Router::new()
                .route("/down", get(whoami))
                .layer(VerifyLayer::new(down)),
        )
        .merge(
            Router::new()
                .route(
                    "/handler",
                    get(|Authenticated(c): Authenticated| async move { c.sub }),
                )
                .with_state(verifier),
        )
        .route("/unprotected", get(whoami));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    App {
        base,
        jwks,
        http: reqwest::Client::new(),
    }
}

impl App {
    async fn get(&self, path: &str, authorization: Option<&str>) -> (StatusCode, Option<String>, String) {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(a) = authorization {
            req = req.header("authorization", a);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let challenge = resp
            .headers()
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap().to_owned());
        (status, challenge, resp.text().await.unwrap())
    }
}

const INVALID: Option<&str> = Some(r#"Bearer error="invalid_token""#);

#[tokio::test]
async fn valid_tokens_reach_the_handler_with_their_claims() {
    let app = app().await;
    let iss = app.jwks.issuer();
    let access = key1().token(&access_claims(&iss));
    let id = key1().token(&id_claims(&iss));
    assert_eq!(
        app.get("/me", Some(&format!("Bearer {access}"))).await,
        (StatusCode::OK, None, "alice access".into())
    );
    assert_eq!(
        app.get("/me", Some(&format!("bearer   {id}"))).await,
        (StatusCode::OK, None, "alice id".into())
    );
    // The bare token, as API Gateway's Cognito authorizer accepts it.
    assert_eq!(app.get("/me", Some(&access)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn no_token_is_a_bare_bearer_challenge() {
    let app = app().await;
    let bare = (StatusCode::UNAUTHORIZED, Some("Bearer".to_owned()), String::new());
    assert_eq!(app.get("/me", None).await, bare);
    assert_eq!(app.get("/me", Some("Bearer")).await, bare);
    assert_eq!(app.get("/me", Some("Bearer ")).await, bare);
    assert_eq!(app.get("/me", Some("Basic YWxpY2U6cGFzcw==")).await, bare);
    assert_eq!(app.get("/me", Some("not-a-token")).await, bare);
}

#[tokio::test]
async fn bad_tokens_are_invalid_token() {
    let app = app().await;
    let iss = app.jwks.issuer();
    let expired = key1().token(&with(access_claims(&iss), json!({"exp": NOW - 60})));
    let other_client = key1().token(&with(access_claims(&iss), json!({"client_id": OTHER_CLIENT})));
    let forged =
        stranger().token_with_header(&json!({"alg": "RS256", "kid": key1().kid}), &access_claims(&iss));
    for token in [expired, other_client, forged, "a.b.c".into(), "x".repeat(20_000)] {
        let (status, challenge, _) = app.get("/me", Some(&format!("Bearer {token}"))).await;
        assert_eq!(
            (status, challenge.as_deref()),
            (StatusCode::UNAUTHORIZED, INVALID)
        );
    }
}

#[tokio::test]
async fn a_missing_group_is_insufficient_scope() {
    let app = app().await;
    let iss = app.jwks.issuer();
    let staff = key1().token(&access_claims(&iss));
    let (status, challenge, _) = app.get("/admin", Some(&format!("Bearer {staff}"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(challenge.as_deref(), Some(r#"Bearer error="insufficient_scope""#));
    let admin = key1().token(&with(access_claims(&iss), json!({"cognito:groups": ["admins"]})));
    assert_eq!(
        app.get("/admin", Some(&format!("Bearer {admin}"))).await.0,
        StatusCode::OK
    );
    // The /admin requirements did not leak into /me.
    assert_eq!(
        app.get("/me", Some(&format!("Bearer {staff}"))).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_unreachable_jwks_is_503_not_the_tokens_fault() {
    let app = app().await;
    let token = key1().token(&access_claims(&app.jwks.issuer()));
    assert_eq!(
        app.get("/down", Some(&format!("Bearer {token}"))).await,
        (StatusCode::SERVICE_UNAVAILABLE, None, String::new())
    );
}

#[tokio::test]
async fn authenticated_extractor_verifies_with_the_state_verifier() {
    let app = app().await;
    let iss = app.jwks.issuer();
    let token = key1().token(&access_claims(&iss));
    let (status, _, body) = app.get("/handler", Some(&format!("Bearer {token}"))).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "5f1e4c1a-0000-4000-8000-000000000001")
    );
    let (status, challenge, _) = app.get("/handler", None).await;
    assert_eq!(
        (status, challenge.as_deref()),
        (StatusCode::UNAUTHORIZED, Some("Bearer"))
    );
    let id_for_other = key1().token(&with(id_claims(&iss), json!({"aud": OTHER_CLIENT})));
    let (status, challenge, _) = app.get("/handler", Some(&format!("Bearer {id_for_other}"))).await;
    assert_eq!(
        (status, challenge.as_deref()),
        (StatusCode::UNAUTHORIZED, INVALID)
    );
}

#[tokio::test]
async fn claims_without_the_layer_is_a_server_error() {
    let app = app().await;
    let token = key1().token(&access_claims(&app.jwks.issuer()));
    let (status, _, body) = app.get("/unprotected", Some(&format!("Bearer {token}"))).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body.contains("VerifyLayer"), "{body}");
}

#[tokio::test]
async fn the_layer_works_on_tower_services_too() {
    use tower::{ServiceBuilder, ServiceExt};
    let jwks = JwksServer::start(common::jwks(&[key1()])).await;
    let verifier = jwks.verifier().token_use(TokenUse::Id).build().unwrap();
    let svc = ServiceBuilder::new()
        .layer(VerifyLayer::new(verifier))
        .service_fn(|req: axum::http::Request<String>| async move {
            let claims = req.extensions().get::<Claims>().cloned().unwrap();
            Ok::<_, std::convert::Infallible>(axum::http::Response::new(claims.email.unwrap_or_default()))
        });
    let token = key1().token(&id_claims(&jwks.issuer()));
    let req = axum::http::Request::builder()
        .header("Authorization", format!("Bearer {token}"))
        .body(String::new())
        .unwrap();
    let resp = svc.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.body(), "alice@example.com");
    let access = key1().token(&access_claims(&jwks.issuer()));
    let req = axum::http::Request::builder()
        .header("Authorization", format!("Bearer {access}"))
        .body(String::new())
        .unwrap();
    let resp = svc.oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.body(), "", "a refusal's body is the response type's default");
}
