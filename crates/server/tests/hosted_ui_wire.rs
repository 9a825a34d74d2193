//! Snapshots of the browser's side of OAuth as it answers today: `/oauth2/authorize` (its redirects to the sign-in
//! page and to the app, its error page and its `error=` redirects), the sign-in page and its form post (status,
//! Location, cookies and their attributes, security headers, and the page's shape — never its markup), `/logout`,
//! and the 429 page of the abuse limits.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod wire;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;
use wire::oauth::{challenge, OAuthWorld, CALLBACK, PASSWORD, SIGNED_OUT, VERIFIER};
use wire::{assert_wire_snapshot, get, post_form, send, Exchange};

async fn get_with_cookie(world: &OAuthWorld, path: &str, cookie: &str) -> Exchange {
    send(
        world.router(),
        Request::get(path)
            .header("cookie", cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn sign_in_page_then_a_wrong_password_then_the_right_one() {
    let w = OAuthWorld::new().await;
    let query = w.query(&[
        ("code_challenge", &challenge(VERIFIER)),
        ("code_challenge_method", "S256"),
        ("scope", "openid email"),
        ("nonce", "n0nce"),
    ]);
    let (page, wrong) = w.sign_in(&query, "Wrong-passw0rd").await;
    assert_wire_snapshot!("login_page", w.snapshot(&page));
    assert_wire_snapshot!("login_wrong_password", w.snapshot(&wrong));
    let (_, signed_in) = w.sign_in(&query, PASSWORD).await;
    assert_wire_snapshot!("login_signed_in", w.snapshot(&signed_in));
    assert_eq!(signed_in.location_param("state").as_deref(), Some("st8"));

    let forged = post_form(
        w.router(),
        &format!("/login?{query}"),
        &[("_csrf", "forged"), ("username", "alice"), ("password", PASSWORD)],
        &[("cookie", "XSRF-TOKEN=0123456789012345678901234567890123456789abc")],
    )
    .await;
    assert_wire_snapshot!(
        "login_refusals",
        w.cases(vec![
            ("a forged CSRF token", forged),
            (
                "an unknown client",
                get(
                    w.router(),
                    "/login?response_type=code&client_id=unknown&redirect_uri=https%3A%2F%2Fapp.example%2Fcb"
                )
                .await,
            ),
        ])
    );
}

#[tokio::test]
async fn authorize_sends_the_browser_to_sign_in_then_answers_from_the_session() {
    let w = OAuthWorld::new().await;
    let query = w.query(&[("scope", "openid profile")]);
    let fresh = get(w.router(), &format!("/oauth2/authorize?{query}")).await;
    let (_, signed_in) = w.sign_in(&query, PASSWORD).await;
    let session = signed_in.cookie("cognito").expect("a session cookie");
    let cookie = format!("cognito={session}");
    let with_session = get_with_cookie(&w, &format!("/oauth2/authorize?{query}"), &cookie).await;
    let implicit = get_with_cookie(
        &w,
        &format!(
            "/oauth2/authorize?{}",
            w.query(&[("response_type", "token"), ("scope", "openid")])
        ),
        &cookie,
    )
    .await;
    let bare_path = get(w.router(), &format!("/authorize?{query}")).await;
    assert_wire_snapshot!(
        "authorize_redirects",
        w.cases(vec![
            ("no session", fresh),
            ("no session, /authorize", bare_path),
            ("a session, code flow", with_session),
            ("a session, implicit flow", implicit),
        ])
    );
}

#[tokio::test]
async fn authorize_errors_shown_as_a_page_or_sent_to_the_app() {
    let mut w = OAuthWorld::new().await;
    let code_only = w
        .app
        .ok(
            "CreateUserPoolClient",
            json!({"UserPoolId": w.pool, "ClientName": "code-only",
                   "AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["code"],
                   "AllowedOAuthScopes": ["openid"], "CallbackURLs": [CALLBACK],
                   "SupportedIdentityProviders": ["COGNITO"]}),
            true,
        )
        .await["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_string();
    w.redactor.name(&code_only, "code-only client");
    let authorize = |query: String| {
        let router = w.router().clone();
        async move { get(&router, &format!("/oauth2/authorize?{query}")).await }
    };
    let without = |name: &str| {
        let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str(&w.query(&[])).unwrap();
        pairs.retain(|(k, _)| k != name);
        serde_urlencoded::to_string(pairs).unwrap()
    };
    let pages = vec![
        ("no client_id", authorize(without("client_id")).await),
        (
            "an unknown client",
            authorize(w.query(&[("client_id", "unknown")])).await,
        ),
        ("no redirect_uri", authorize(without("redirect_uri")).await),
        (
            "an unregistered redirect_uri",
            authorize(w.query(&[("redirect_uri", "https://evil.example/cb")])).await,
        ),
        (
            "a NUL in the query",
            authorize(format!("{}&nonce=a%00b", w.query(&[]))).await,
        ),
    ];
    assert_wire_snapshot!("authorize_error_pages", w.cases(pages));
    let redirects = vec![
        ("no response_type", authorize(without("response_type")).await),
        (
            "response_type id_token",
            authorize(w.query(&[("response_type", "id_token")])).await,
        ),
        (
            "a flow the client may not use",
            authorize(w.query(&[("response_type", "token"), ("client_id", &code_only)])).await,
        ),
        (
            "code_challenge without its method",
            authorize(w.query(&[("code_challenge", "abc")])).await,
        ),
        (
            "the plain code_challenge_method",
            authorize(w.query(&[("code_challenge", "abc"), ("code_challenge_method", "plain")])).await,
        ),
        (
            "another identity provider",
            authorize(w.query(&[("identity_provider", "Google")])).await,
        ),
        (
            "no allowed scope",
            authorize(w.query(&[("scope", "phone")])).await,
        ),
    ];
    assert_wire_snapshot!("authorize_error_redirects", w.cases(redirects));
}

#[tokio::test]
async fn logout_ends_the_session_and_redirects_or_refuses() {
    let w = OAuthWorld::new().await;
    let query = w.query(&[]);
    let (_, signed_in) = w.sign_in(&query, PASSWORD).await;
    let cookie = format!("cognito={}", signed_in.cookie("cognito").unwrap());
    let logout = |query: String| {
        let router = w.router().clone();
        let cookie = cookie.clone();
        async move {
            send(
                &router,
                Request::get(format!("/logout?{query}"))
                    .header("cookie", cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
        }
    };
    let encode = |pairs: &[(&str, &str)]| serde_urlencoded::to_string(pairs).unwrap();
    let to_logout_uri = logout(encode(&[("client_id", &w.web), ("logout_uri", SIGNED_OUT)])).await;
    // The session is over: authorize sends the browser to sign in again.
    let after = get_with_cookie(&w, &format!("/oauth2/authorize?{query}"), &cookie).await;
    assert_eq!(after.status, StatusCode::FOUND);
    assert!(
        after.header("location").starts_with("/login?"),
        "{}",
        after.header("location")
    );
    let answers = vec![
        ("to the logout_uri", to_logout_uri),
        (
            "back to sign in",
            logout(encode(&[
                ("client_id", &w.web),
                ("redirect_uri", CALLBACK),
                ("response_type", "code"),
                ("state", "st8"),
                ("scope", "openid"),
            ]))
            .await,
        ),
        (
            "an unregistered logout_uri",
            logout(encode(&[
                ("client_id", &w.web),
                ("logout_uri", "https://evil.example/"),
            ]))
            .await,
        ),
        (
            "no client_id",
            logout(encode(&[("logout_uri", SIGNED_OUT)])).await,
        ),
        (
            "an unknown client",
            logout(encode(&[("client_id", "unknown"), ("logout_uri", SIGNED_OUT)])).await,
        ),
        (
            "neither logout_uri nor redirect_uri",
            logout(encode(&[("client_id", &w.web)])).await,
        ),
    ];
    assert_wire_snapshot!("logout", w.cases(answers));
}

#[tokio::test]
async fn a_throttled_form_post_gets_the_429_page() {
    let app = wire::app_allowing_one_request_per_client().await;
    let post = || {
        post_form(
            &app.router,
            "/login?client_id=some-client&response_type=code&redirect_uri=https%3A%2F%2Fapp.example%2Fcb",
            &[("username", "alice"), ("password", "x"), ("_csrf", "x")],
            &[],
        )
    };
    let first = post().await;
    assert_ne!(first.status, StatusCode::TOO_MANY_REQUESTS);
    let refused = post().await;
    let mut snapshot = wire::Redactor::default().snapshot(&refused);
    // Whole seconds until the bucket refills, from the limiter's monotonic clock.
    let retry_after: u64 = snapshot["headers"]["retry-after"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after > 9_000, "{retry_after}");
    snapshot["headers"]["retry-after"] = json!("[seconds]");
    assert_wire_snapshot!("throttled_form_post", snapshot);
}
