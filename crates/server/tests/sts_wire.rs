//! Snapshots of STS on `/` as it answers today: GetCallerIdentity signed in the header or presigned in the query,
//! by the admin key or by temporary credentials; AssumeRoleWithWebIdentity with an identity pool's OpenID token;
//! and `<ErrorResponse>` for each way a request is refused — a forged signature, a tampered session token, expired
//! credentials, a replay with another body, an expired presigned URL, unknown and missing actions and parameters.
//! Temporary credentials are minted directly with `issue_role_credentials` (GetCredentialsForIdentity's own tests
//! cover minting them on the wire).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod wire;

use axum::body::Body;
use axum::http::Request;
use latchkey_core::identity::TemporaryCredentials;
use regex::Regex;
use serde_json::{json, Value};
use wire::sign::{admin, presigned, signed, sts_post, temporary, Creds, NOW};
use wire::{assert_wire_snapshot, send, Exchange, Redactor};

const CALLER: &str = "Action=GetCallerIdentity&Version=2011-06-15";
const ROLE: &str = "arn:aws:iam::123456789012:role/Cognito_AppAuth_Role";
const IDENTITY: &str = "us-east-1:0f1c2d3e-4a5b-4c6d-8e7f-001122334455";

async fn get(app: &common::TestApp, path_and_query: &str) -> Exchange {
    let req = Request::get(path_and_query)
        .header("host", "latchkey.test")
        .body(Body::empty())
        .unwrap();
    send(&app.router, req).await
}

async fn post(app: &common::TestApp, req: Request<Body>) -> Exchange {
    send(&app.router, req).await
}

/// An unsigned form post, as AssumeRoleWithWebIdentity is sent.
async fn post_form(app: &common::TestApp, form: &[(&str, &str)]) -> Exchange {
    wire::post_form(&app.router, "/", form, &[]).await
}

/// The answer as a snapshot, its XML body line by line with the request id (the header's) as `[uuid]`.
fn shape(r: &Redactor, ex: &Exchange) -> Value {
    let mut v = r.snapshot(ex);
    let id = ex.header("x-amzn-requestid").to_string();
    let body = ex.text();
    let slot = format!("<RequestId>{id}</RequestId>");
    assert_eq!(
        body.matches(&slot).count(),
        1,
        "the body names the header's request id: {body}"
    );
    let body = body.replace(&slot, "<RequestId>[uuid]</RequestId>");
    v["body"] = r.redact(json!(body.lines().collect::<Vec<_>>()));
    v
}

fn cases(r: &Redactor, answers: Vec<(&str, Exchange)>) -> Value {
    Value::Object(
        answers
            .into_iter()
            .map(|(name, ex)| (name.to_string(), shape(r, &ex)))
            .collect(),
    )
}

fn credentials(app: &common::TestApp, lifetime: i64) -> TemporaryCredentials {
    app.latchkey
        .issue_role_credentials(ROLE, "CognitoIdentityCredentials", Some(IDENTITY), lifetime)
        .unwrap()
}

fn xml_value(ex: &Exchange, element: &str) -> String {
    let re = Regex::new(&format!("<{element}>([^<]*)</{element}>")).unwrap();
    re.captures(&ex.text()).unwrap()[1].to_string()
}

#[tokio::test]
async fn get_caller_identity_names_the_admin_key_and_temporary_credentials() {
    let app = common::app().await;
    let creds = credentials(&app, 3600);
    let answers = vec![
        (
            "the admin key",
            post(&app, sts_post(&admin(), CALLER, CALLER)).await,
        ),
        (
            "temporary credentials",
            post(&app, sts_post(&temporary(&creds), CALLER, CALLER)).await,
        ),
        (
            "presigned by the admin key",
            get(&app, &presigned(&admin(), NOW, 900)).await,
        ),
        (
            "presigned with temporary credentials",
            get(&app, &presigned(&temporary(&creds), NOW, 60)).await,
        ),
    ];
    for (name, ex) in &answers {
        assert_eq!(ex.status, 200, "{name}: {}", ex.text());
    }
    assert_wire_snapshot!("caller_identity", cases(&Redactor::default(), answers));
}

#[tokio::test]
async fn requests_that_are_not_what_was_signed_are_refused() {
    let app = common::app().await;
    let creds = credentials(&app, 3600);
    let mut tampered = temporary(&creds);
    // One character of the sealed token changed: it no longer opens.
    let flip = if tampered.token.as_ref().unwrap().ends_with('A') {
        "B"
    } else {
        "A"
    };
    let token = tampered.token.take().unwrap();
    tampered.token = Some(format!("{}{flip}", &token[..token.len() - 1]));
    let mut stranger = temporary(&creds);
    stranger.key = "ASIAAAAAAAAAAAAAAAAA".into();
    let mut no_token = temporary(&creds);
    no_token.token = None;
    let mut forged = admin();
    forged.secret = "not-the-secret".into();
    let other_body = "Action=GetCallerIdentity&Version=2011-06-15&Extra=1";
    let answers = vec![
        (
            "a forged signature",
            post(&app, sts_post(&forged, CALLER, CALLER)).await,
        ),
        (
            "a tampered session token",
            post(&app, sts_post(&tampered, CALLER, CALLER)).await,
        ),
        (
            "a session token under another access key id",
            post(&app, sts_post(&stranger, CALLER, CALLER)).await,
        ),
        (
            "temporary credentials without their token",
            post(&app, sts_post(&no_token, CALLER, CALLER)).await,
        ),
        (
            "replayed with another body",
            post(&app, sts_post(&admin(), CALLER, other_body)).await,
        ),
        (
            "no signature",
            wire::post_form(
                &app.router,
                "/",
                &[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")],
                &[],
            )
            .await,
        ),
        (
            "a presigned URL signed twenty minutes ago",
            get(&app, &presigned(&admin(), "20270115T074000Z", 3600)).await,
        ),
        (
            "a presigned URL with a parameter added",
            get(&app, &format!("{}&Extra=1", presigned(&admin(), NOW, 900))).await,
        ),
    ];
    assert_wire_snapshot!("refused_signatures", cases(&Redactor::default(), answers));
}

#[tokio::test]
async fn temporary_credentials_expire() {
    let app = common::app().await;
    let creds = credentials(&app, 900);
    let request = || sts_post(&temporary(&creds), CALLER, CALLER);
    app.clock.advance_seconds(899);
    // Signed at the start (within the 15 minutes of skew), sent just before the credentials expire.
    assert_eq!(post(&app, request()).await.status, 200);
    app.clock.advance_seconds(1);
    let expired = post(&app, request()).await;
    assert_wire_snapshot!("expired_credentials", shape(&Redactor::default(), &expired));
}

#[tokio::test]
async fn temporary_credentials_are_refused_on_cognito_admin_operations() {
    let app = common::app().await;
    let creds = credentials(&app, 3600);
    let body = r#"{"MaxResults":1}"#;
    let target = Some("AWSCognitoIdentityProviderService.ListUserPools");
    let refused = post(
        &app,
        signed(&temporary(&creds), "cognito-idp", target, body, body),
    )
    .await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.json()["__type"], "UnrecognizedClientException");
    let admin_call = post(&app, signed(&admin(), "cognito-idp", target, body, body)).await;
    assert_eq!(admin_call.status, 200, "{}", admin_call.text());
}

#[tokio::test]
async fn actions_and_parameters() {
    let app = common::app().await;
    let answers = vec![
        (
            "an unknown action",
            post_form(&app, &[("Action", "FlyToTheMoon"), ("Version", "2011-06-15")]).await,
        ),
        (
            "an action Latchkey does not answer",
            post_form(&app, &[("Action", "AssumeRole"), ("Version", "2011-06-15")]).await,
        ),
        (
            "another version",
            post_form(
                &app,
                &[("Action", "GetCallerIdentity"), ("Version", "2010-05-08")],
            )
            .await,
        ),
        ("no action", post_form(&app, &[("Version", "2011-06-15")]).await),
        (
            "a missing parameter",
            post_form(
                &app,
                &[
                    ("Action", "AssumeRoleWithWebIdentity"),
                    ("Version", "2011-06-15"),
                    ("RoleArn", ROLE),
                    ("RoleSessionName", "app"),
                ],
            )
            .await,
        ),
        (
            "a token that is not one",
            post_form(&app, &web_identity(ROLE, "app", "not-a-jwt", None)).await,
        ),
        (
            "markup in a parameter",
            post_form(&app, &[("Action", "<b>&'\""), ("Version", "2011-06-15")]).await,
        ),
    ];
    assert_wire_snapshot!("actions", cases(&Redactor::default(), answers));
    let get_without_action = get(&app, "/").await;
    assert_eq!(
        get_without_action.status, 405,
        "GET / without an action is no STS call"
    );
}

fn web_identity<'a>(
    role: &'a str,
    session: &'a str,
    token: &'a str,
    duration: Option<&'a str>,
) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("Action", "AssumeRoleWithWebIdentity"),
        ("Version", "2011-06-15"),
        ("RoleArn", role),
        ("RoleSessionName", session),
        ("WebIdentityToken", token),
    ];
    if let Some(d) = duration {
        form.push(("DurationSeconds", d));
    }
    form
}

/// A cognito-identity operation signed with the admin key.
async fn identity_op(app: &common::TestApp, op: &str, body: Value) -> Value {
    let text = body.to_string();
    let target = format!("AWSCognitoIdentityService.{op}");
    let ex = post(
        app,
        signed(&admin(), "cognito-identity", Some(&target), &text, &text),
    )
    .await;
    assert_eq!(ex.status, 200, "{op}: {}", ex.text());
    ex.json()
}

/// An identity pool whose unauthenticated identities may take `unauth_role` by the classic flow (when
/// `classic`), and the OpenID token of one such identity.
async fn classic_pool(app: &common::TestApp, classic: bool, unauth_role: &str) -> (String, String) {
    let pool = identity_op(
        app,
        "CreateIdentityPool",
        json!({"IdentityPoolName": "classic", "AllowUnauthenticatedIdentities": true, "AllowClassicFlow": classic}),
    )
    .await["IdentityPoolId"]
        .as_str()
        .unwrap()
        .to_string();
    identity_op(
        app,
        "SetIdentityPoolRoles",
        json!({"IdentityPoolId": pool, "Roles": {"unauthenticated": unauth_role, "authenticated": ROLE}}),
    )
    .await;
    let token = app
        .latchkey
        .issue_identity_openid_token(&pool, IDENTITY, &["unauthenticated".to_string()], 600)
        .await
        .unwrap();
    (pool, token)
}

#[tokio::test]
async fn assume_role_with_web_identity_trades_an_identity_token_for_credentials() {
    let app = common::app().await;
    let unauth = "arn:aws:iam::123456789012:role/Cognito_AppUnauth_Role";
    let (pool, token) = classic_pool(&app, true, unauth).await;
    let answer = post_form(&app, &web_identity(unauth, "web-app", &token, Some("900"))).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let mut r = Redactor::default();
    r.name(&pool, "identity-pool");
    for (element, name) in [
        ("AccessKeyId", "access-key-id"),
        ("SecretAccessKey", "secret-key"),
        ("SessionToken", "session-token"),
    ] {
        r.name(xml_value(&answer, element), name);
    }
    assert_wire_snapshot!("web_identity", shape(&r, &answer));

    // The credentials it returned sign GetCallerIdentity as the role's session.
    let creds = Creds {
        key: xml_value(&answer, "AccessKeyId"),
        secret: xml_value(&answer, "SecretAccessKey"),
        token: Some(xml_value(&answer, "SessionToken")),
    };
    let me = post(&app, sts_post(&creds, CALLER, CALLER)).await;
    assert_eq!(me.status, 200, "{}", me.text());
    assert_eq!(
        xml_value(&me, "Arn"),
        "arn:aws:sts::123456789012:assumed-role/Cognito_AppUnauth_Role/web-app"
    );
    // 900 seconds later they have expired.
    app.clock.advance_seconds(900);
    let late = post(&app, sts_post(&creds, CALLER, CALLER)).await;
    assert_eq!(xml_value(&late, "Code"), "ExpiredToken");
}

/// `token` with one claim set to `value`, its signature left as it was.
fn with_claim(token: &str, claim: &str, value: &str) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims[claim] = json!(value);
    let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{}.{claims}.{}", parts[0], parts[2])
}

#[tokio::test]
async fn assume_role_with_web_identity_refusals() {
    let app = common::app().await;
    let unauth = "arn:aws:iam::123456789012:role/Cognito_AppUnauth_Role";
    let (_, token) = classic_pool(&app, true, unauth).await;
    let (_, enhanced_only) = classic_pool(&app, false, unauth).await;
    let mut answers = vec![
        (
            "a role the pool does not name",
            post_form(
                &app,
                &web_identity("arn:aws:iam::123456789012:role/Admin", "s1", &token, None),
            )
            .await,
        ),
        (
            "the authenticated role for an unauthenticated identity",
            post_form(&app, &web_identity(ROLE, "s1", &token, None)).await,
        ),
        (
            "a pool without the classic flow",
            post_form(&app, &web_identity(unauth, "s1", &enhanced_only, None)).await,
        ),
        (
            "a session too short",
            post_form(&app, &web_identity(unauth, "s1", &token, Some("600"))).await,
        ),
        (
            "a bad session name",
            post_form(&app, &web_identity(unauth, "with space", &token, None)).await,
        ),
        (
            "a token whose claims were changed",
            post_form(
                &app,
                &web_identity(
                    unauth,
                    "s1",
                    &with_claim(&token, "sub", "us-east-1:someone-else"),
                    None,
                ),
            )
            .await,
        ),
    ];
    app.clock.advance_seconds(600);
    answers.push((
        "an expired token",
        post_form(&app, &web_identity(unauth, "s1", &token, None)).await,
    ));
    assert_wire_snapshot!("web_identity_refusals", cases(&Redactor::default(), answers));
}

/// `token`'s claims, verified by an independent JWT library against `jwks` for the identity issuer and `aud`.
fn verify_identity_token(token: &str, jwks: &jsonwebtoken::jwk::JwkSet, aud: &str) -> Value {
    use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
    let header = decode_header(token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    let jwk = jwks.find(header.kid.as_deref().unwrap()).expect("kid in JWKS");
    let mut v = Validation::new(Algorithm::RS256);
    v.set_issuer(&["http://latchkey.test/cognito-identity"]);
    v.set_audience(&[aud]);
    // The fixed test clock is in the future; expiry is checked against it by the server's own tests.
    v.validate_exp = false;
    decode::<Value>(token, &DecodingKey::from_jwk(jwk).unwrap(), &v)
        .unwrap()
        .claims
}

#[tokio::test]
async fn the_identity_issuer_publishes_keys_that_verify_its_tokens_through_a_rotation() {
    let app = common::app().await;
    let (status, discovery) = app
        .get("/cognito-identity/.well-known/openid-configuration")
        .await;
    assert_eq!(status, 200);
    assert_eq!(discovery["issuer"], "http://latchkey.test/cognito-identity");
    assert_eq!(
        discovery["jwks_uri"],
        "http://latchkey.test/cognito-identity/.well-known/jwks_uri"
    );
    let pool = "us-east-1:5d1e0c6a-8f7b-4c2d-9e3f-0a1b2c3d4e5f";
    let amr = vec![
        "authenticated".to_string(),
        "cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc".to_string(),
    ];
    let first = app
        .latchkey
        .issue_identity_openid_token(pool, IDENTITY, &amr, 600)
        .await
        .unwrap();
    let (status, jwks) = app.get("/cognito-identity/.well-known/jwks_uri").await;
    assert_eq!(status, 200);
    let jwks: jsonwebtoken::jwk::JwkSet = serde_json::from_value(jwks).unwrap();
    assert_eq!(jwks.keys.len(), 1);
    let claims = verify_identity_token(&first, &jwks, pool);
    let now = common::NOW_MS / 1000;
    assert_eq!(
        claims,
        json!({"sub": IDENTITY, "aud": pool, "amr": amr, "iss": "http://latchkey.test/cognito-identity",
               "iat": now, "exp": now + 600})
    );

    // After a rotation both keys are published, the new one first, and both tokens verify.
    app.latchkey.rotate_identity_keys().await.unwrap();
    let second = app
        .latchkey
        .issue_identity_openid_token(pool, IDENTITY, &amr, 600)
        .await
        .unwrap();
    let (_, jwks) = app.get("/cognito-identity/.well-known/jwks_uri").await;
    let jwks: jsonwebtoken::jwk::JwkSet = serde_json::from_value(jwks).unwrap();
    assert_eq!(jwks.keys.len(), 2);
    let kid = |t: &str| jsonwebtoken::decode_header(t).unwrap().kid.unwrap();
    assert_ne!(kid(&first), kid(&second));
    assert_eq!(jwks.keys[0].common.key_id.as_deref(), Some(kid(&second).as_str()));
    verify_identity_token(&first, &jwks, pool);
    verify_identity_token(&second, &jwks, pool);
    let verified = app.latchkey.verify_identity_openid_token(&first).await.unwrap();
    assert_eq!(
        (
            verified.identity_pool_id.as_str(),
            verified.identity_id.as_str(),
            verified.amr,
            verified.exp
        ),
        (pool, IDENTITY, amr, now + 600)
    );
}
