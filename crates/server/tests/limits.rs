//! The abuse limits in process: a flood from one address is refused with TooManyRequestsException before any
//! work while other addresses sign in; X-Forwarded-For counts only through a trusted proxy; one app client's
//! flood spares the others; refresh and signed operations are not limited; the hosted UI answers 429; and the
//! optional Cognito quotas throttle a category. Requests carry the peer address as the listener gives it
//! (`ConnectInfo<SocketAddr>`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use latchkey_server::limits::{LimitSettings, Rate, TrustedProxies};
use serde_json::{json, Value};
use tower::ServiceExt;

/// A rate so slow that nothing refills during a test: only the burst counts.
fn burst(n: u32) -> Option<Rate> {
    Some(Rate {
        per_second: 0.0001,
        burst: n,
    })
}

/// An unsigned operation from `peer`, with extra headers.
async fn call_from(
    app: &common::TestApp,
    peer: &str,
    headers: &[(&str, &str)],
    op: &str,
    body: Value,
) -> (StatusCode, Value) {
    let mut req = Request::post("/")
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", format!("AWSCognitoIdentityProviderService.{op}"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut req = req.body(Body::from(body.to_string())).unwrap();
    let addr = SocketAddr::new(peer.parse().unwrap(), 50000);
    req.extensions_mut().insert(ConnectInfo(addr));
    common::json_answer(app.router.clone().oneshot(req).await.unwrap()).await
}

/// A USER_PASSWORD_AUTH sign-in from `peer`, forwarding for `xff` (an X-Forwarded-For value).
async fn sign_in_forwarded(
    app: &common::TestApp,
    peer: &str,
    xff: &str,
    client: &str,
    user: &str,
    password: &str,
) -> (StatusCode, Value) {
    let headers = [("x-forwarded-for", xff)];
    call_from(
        app,
        peer,
        &headers,
        "InitiateAuth",
        sign_in(client, user, password),
    )
    .await
}

/// A USER_PASSWORD_AUTH sign-in from `peer`.
async fn sign_in_from(
    app: &common::TestApp,
    peer: &str,
    client: &str,
    user: &str,
    password: &str,
) -> (StatusCode, Value) {
    call_from(app, peer, &[], "InitiateAuth", sign_in(client, user, password)).await
}

fn is_throttled(r: &(StatusCode, Value)) -> bool {
    r.0 == StatusCode::BAD_REQUEST && r.1["__type"] == "TooManyRequestsException"
}

/// A pool, a client allowing password and refresh flows, and a confirmed user `alice` / `Passw0rd!`.
async fn pool_client_user(app: &common::TestApp) -> (String, String) {
    let pool = app.create_pool(json!({"PoolName": "p"})).await;
    let client = app
        .create_client(json!({"UserPoolId": pool, "ClientName": "web",
            "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                                  "ALLOW_REFRESH_TOKEN_AUTH"]}))
        .await;
    app.create_confirmed_user(&pool, "alice", "Passw0rd!").await;
    (pool, client)
}

/// An app limited only per address, to a burst of `n`, with `pool_client_user`'s pool: the app and the client.
async fn limited_per_address(n: u32) -> (common::TestApp, String) {
    let app = common::app_with_limits(LimitSettings {
        per_address: burst(n),
        per_client: None,
        ..LimitSettings::default()
    })
    .await;
    let (_, client) = pool_client_user(&app).await;
    (app, client)
}

fn sign_in(client: &str, user: &str, password: &str) -> Value {
    json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
           "AuthParameters": {"USERNAME": user, "PASSWORD": password}})
}

#[tokio::test]
async fn a_flooding_address_is_refused_before_any_work_while_others_sign_in() {
    let (app, client) = limited_per_address(5).await;
    // The attack: made-up usernames from one address. Its burst is judged (and hashed), the rest refused.
    let mut answers = Vec::new();
    for i in 0..12 {
        answers.push(sign_in_from(&app, "192.0.2.66", &client, &format!("nobody{i}"), "x").await);
    }
    assert!(
        answers[..5]
            .iter()
            .all(|r| r.1["__type"] != "TooManyRequestsException"),
        "{answers:?}"
    );
    for r in &answers[5..] {
        assert!(is_throttled(r), "{r:?}");
        assert_eq!(r.1["message"], "Rate exceeded");
    }
    // Refused requests did no work: twenty more wrong passwords for a real user from the flooding address
    // would lock the account (lockout after five failures) if they were judged. They are not, so alice signs in.
    for _ in 0..20 {
        let r = sign_in_from(&app, "192.0.2.66", &client, "alice", "wrong").await;
        assert!(is_throttled(&r), "{r:?}");
    }
    for peer in ["192.0.2.10", "192.0.2.11", "2001:db8::10"] {
        let r = sign_in_from(&app, peer, &client, "alice", "Passw0rd!").await;
        assert_eq!(r.0, StatusCode::OK, "{peer}: {r:?}");
        assert!(r.1["AuthenticationResult"]["AccessToken"].is_string());
    }
    // Every path that hashes or sends spends from the same bucket: the flooding address is out for all of them.
    for (op, body) in [
        (
            "SignUp",
            json!({"ClientId": client, "Username": "mallory", "Password": "Passw0rd!"}),
        ),
        ("ForgotPassword", json!({"ClientId": client, "Username": "alice"})),
        (
            "ResendConfirmationCode",
            json!({"ClientId": client, "Username": "alice"}),
        ),
        (
            "ConfirmForgotPassword",
            json!({"ClientId": client, "Username": "alice", "ConfirmationCode": "123456", "Password": "Passw0rd!1"}),
        ),
        (
            "RespondToAuthChallenge",
            json!({"ClientId": client, "ChallengeName": "PASSWORD_VERIFIER", "ChallengeResponses": {}}),
        ),
        (
            "ChangePassword",
            json!({"AccessToken": "x", "PreviousPassword": "a", "ProposedPassword": "b"}),
        ),
    ] {
        let r = call_from(&app, "192.0.2.66", &[], op, body).await;
        assert!(is_throttled(&r), "{op}: {r:?}");
    }
    // An IPv6 flooder cannot escape by rotating addresses inside its /64.
    for i in 0..5 {
        let r = sign_in_from(&app, &format!("2001:db8:0:7::{i}"), &client, "nobody", "x").await;
        assert!(!is_throttled(&r));
    }
    let r = sign_in_from(&app, "2001:db8:0:7::ffff", &client, "nobody", "x").await;
    assert!(is_throttled(&r), "{r:?}");
}

#[tokio::test]
async fn x_forwarded_for_is_believed_only_from_a_trusted_proxy() {
    let app = common::app_with_limits(LimitSettings {
        per_address: burst(2),
        per_client: None,
        trusted_proxies: TrustedProxies::parse("10.0.0.0/8").unwrap(),
        cognito_quotas: false,
    })
    .await;
    let (_, client) = pool_client_user(&app).await;
    // Through the trusted proxy, each forwarded client has its own bucket...
    for i in 0..6 {
        let xff = format!("198.51.100.{i}");
        let r = sign_in_forwarded(&app, "10.0.0.5", &xff, &client, "alice", "Passw0rd!").await;
        assert_eq!(r.0, StatusCode::OK, "{xff}: {r:?}");
    }
    // ...and the right-most untrusted entry is the client: a forged entry on the left changes nothing.
    for forged in ["1.1.1.1", "2.2.2.2", "3.3.3.3"] {
        let xff = format!("{forged}, 203.0.113.7");
        let r = sign_in_forwarded(&app, "10.0.0.5", &xff, &client, "nobody", "x").await;
        assert_eq!(is_throttled(&r), forged == "3.3.3.3", "{xff}: {r:?}");
    }
    // A spoofing client that is not a trusted proxy cannot rotate addresses with the header.
    let mut throttled = 0;
    for i in 0..6 {
        let xff = format!("203.0.113.{}", 100 + i);
        let r = sign_in_forwarded(&app, "192.0.2.99", &xff, &client, "nobody", "x").await;
        throttled += usize::from(is_throttled(&r));
    }
    assert_eq!(
        throttled, 4,
        "the peer's own bucket of 2 applies whatever it forwards"
    );
}

#[tokio::test]
async fn one_app_clients_flood_spares_the_other_clients() {
    let app = common::app_with_limits(LimitSettings {
        per_address: None,
        per_client: burst(3),
        ..LimitSettings::default()
    })
    .await;
    let (pool, client) = pool_client_user(&app).await;
    let other = app
        .create_client(json!({"UserPoolId": pool, "ClientName": "other",
            "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"]}))
        .await;
    // From many addresses, one client id: its bucket runs out.
    let mut throttled = 0;
    for i in 0..6 {
        let r = call_from(
            &app,
            &format!("192.0.2.{i}"),
            &[],
            "SignUp",
            json!({"ClientId": client, "Username": format!("u{i}"), "Password": "Passw0rd!"}),
        )
        .await;
        throttled += usize::from(is_throttled(&r));
    }
    assert_eq!(throttled, 3);
    let r = sign_in_from(&app, "192.0.2.200", &other, "alice", "Passw0rd!").await;
    assert_eq!(r.0, StatusCode::OK, "{r:?}");
}

#[tokio::test]
async fn refresh_and_signed_operations_are_not_limited() {
    let app = common::app_with_limits(LimitSettings {
        per_address: burst(1),
        per_client: burst(1),
        ..LimitSettings::default()
    })
    .await;
    let (pool, client) = pool_client_user(&app).await;
    let r = sign_in_from(&app, "192.0.2.1", &client, "alice", "Passw0rd!").await;
    assert_eq!(r.0, StatusCode::OK);
    let refresh = r.1["AuthenticationResult"]["RefreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    let access = r.1["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap()
        .to_string();
    for _ in 0..5 {
        let r = call_from(&app, "192.0.2.1", &[], "InitiateAuth",
            json!({"ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": {"REFRESH_TOKEN": refresh}})).await;
        assert_eq!(r.0, StatusCode::OK, "{r:?}");
        let r = call_from(&app, "192.0.2.1", &[], "GetUser", json!({"AccessToken": access})).await;
        assert_eq!(r.0, StatusCode::OK, "{r:?}");
    }
    // The operator's backend signs in many users from one address (no peer address: in process, like any
    // caller the listener did not describe; the signature is what authorises it).
    for _ in 0..5 {
        app.ok(
            "AdminInitiateAuth",
            json!({"UserPoolId": pool, "ClientId": client, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!"}}),
            true,
        )
        .await;
    }
    let r = sign_in_from(&app, "192.0.2.1", &client, "alice", "Passw0rd!").await;
    assert!(is_throttled(&r), "the password flow itself is limited: {r:?}");
}

#[tokio::test]
async fn the_hosted_ui_answers_429_with_retry_after() {
    let (app, client) = limited_per_address(2).await;
    let post = |path: &str, peer: &str| {
        let mut req = Request::post(format!(
            "{path}?client_id={client}&response_type=code&redirect_uri=http://localhost/cb"
        ))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("username=alice&password=wrong&_csrf=x"))
        .unwrap();
        req.extensions_mut()
            .insert(ConnectInfo::<SocketAddr>(format!("{peer}:1").parse().unwrap()));
        app.router.clone().oneshot(req)
    };
    for _ in 0..2 {
        let resp = post("/login", "192.0.2.5").await.unwrap();
        assert_ne!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    for path in [
        "/login",
        "/signup",
        "/forgotPassword",
        "/confirmForgotPassword",
        "/confirm",
        "/newPassword",
    ] {
        let resp = post(path, "192.0.2.5").await.unwrap();
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS, "{path}");
        let wait: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!(wait > 60, "{wait}");
        let html = common::text_body(resp).await;
        assert!(html.contains("Too many attempts"), "{html}");
    }
    let resp = post("/login", "192.0.2.6").await.unwrap();
    assert_ne!(
        resp.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "another address is not affected"
    );
    // Pages themselves (GET) are not limited.
    let mut req = Request::get(format!(
        "/login?client_id={client}&response_type=code&redirect_uri=http://localhost/cb"
    ))
    .body(Body::empty())
    .unwrap();
    req.extensions_mut()
        .insert(ConnectInfo::<SocketAddr>("192.0.2.5:1".parse().unwrap()));
    assert_ne!(
        app.router.clone().oneshot(req).await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn cognito_quotas_throttle_a_category_only_when_enabled() {
    for enabled in [false, true] {
        let app = common::app_with_limits(LimitSettings {
            per_address: None,
            per_client: None,
            trusted_proxies: TrustedProxies::default(),
            cognito_quotas: enabled,
        })
        .await;
        let pool = app.create_pool(json!({"PoolName": "p"})).await;
        // UserPoolClientRead: 15 per second. Thirty calls back to back take far less than a second.
        let mut first_throttled = None;
        for i in 0..30 {
            let (status, v) = app
                .call("ListUserPoolClients", json!({"UserPoolId": pool}), true)
                .await;
            if v["__type"] == "TooManyRequestsException" {
                assert_eq!(status, StatusCode::BAD_REQUEST);
                assert_eq!(v["message"], "Rate exceeded");
                first_throttled.get_or_insert(i);
            } else {
                assert_eq!(status, StatusCode::OK, "{v}");
            }
        }
        if enabled {
            let i = first_throttled.expect("throttled within 30 calls");
            assert!((15..25).contains(&i), "first throttled call: {i}");
            // Other categories are untouched.
            app.ok("DescribeUserPool", json!({"UserPoolId": pool}), true)
                .await;
        } else {
            assert_eq!(first_throttled, None);
        }
    }
}
