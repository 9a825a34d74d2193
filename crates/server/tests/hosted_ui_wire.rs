//! Snapshots of the browser's side of OAuth as it answers today: `/oauth2/authorize` (its redirects to the sign-in
//! page and to the app, its error page and its `error=` redirects), the sign-in page and its form post (status,
//! Location, cookies and their attributes, security headers, and the page's shape — never its markup), `/logout`,
//! the 429 page of the abuse limits, and the MFA page (`/mfa`: setting up an authenticator app — whose QR code is
//! checked to be the otpauth URI of the secret shown — or email, a code, and its refusals of forged or foreign
//! sessions and of posts without the CSRF token), and the passkey sign-in (the sign-in form's passkey button only
//! when the pool allows WEB_AUTHN, the passkey page with its CSP and `/ui/passkey.js`, `/passkey` refusing forged
//! sessions and credentials with a page, and a software authenticator's assertion signing in once).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod wire;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};
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

// ---- the MFA page (POST /mfa) ------------------------------------------------------------------------------------

/// A browser at the MFA page: the CSRF cookie and token its forms carry, and the authorization request's query.
struct MfaBrowser {
    query: String,
    cookie: String,
    csrf: String,
}

/// The value of the form field `name` in a page, unescaped.
fn form_value(html: &str, name: &str) -> Option<String> {
    let re = regex::Regex::new(&format!(r#"name="{name}" value="([^"]*)""#)).unwrap();
    re.captures(html).map(|c| {
        c[1].replace("&#38;", "&")
            .replace("&amp;", "&")
            .replace("&#43;", "+")
            .replace("&#x2f;", "/")
            .replace("&#47;", "/")
            .replace("&#61;", "=")
            .replace("&quot;", "\"")
            .replace("&#34;", "\"")
            .replace("&#39;", "'")
    })
}

impl MfaBrowser {
    /// Signs alice in on the sign-in page: the browser, and the page the password's post answered.
    async fn sign_in(w: &OAuthWorld) -> (Self, Exchange) {
        let query = w.query(&[("scope", "openid email")]);
        let (page, posted) = w.sign_in(&query, PASSWORD).await;
        let cookie = format!("XSRF-TOKEN={}", page.cookie("XSRF-TOKEN").unwrap());
        let csrf = form_value(&posted.text(), "_csrf").expect("a CSRF field on the MFA page");
        (Self { query, cookie, csrf }, posted)
    }

    /// Posts the MFA form with `fields` (and the CSRF token unless `fields` names `_csrf`).
    async fn post(&self, w: &OAuthWorld, fields: &[(&str, &str)]) -> Exchange {
        let mut form: Vec<(&str, &str)> = Vec::new();
        if !fields.iter().any(|(k, _)| *k == "_csrf") {
            form.push(("_csrf", &self.csrf));
        }
        form.extend_from_slice(fields);
        post_form(
            w.router(),
            &format!("/mfa?{}", self.query),
            &form,
            &[("cookie", &self.cookie)],
        )
        .await
    }

    /// Posts the page `page`'s form again with its hidden fields and `extra`.
    async fn answer(&self, w: &OAuthWorld, page: &Exchange, extra: &[(&str, &str)]) -> Exchange {
        let html = page.text();
        let hidden: Vec<(&str, String)> = [
            "challenge",
            "session",
            "username",
            "factors",
            "destination",
            "setup_session",
            "secret",
        ]
        .into_iter()
        .filter_map(|n| form_value(&html, n).map(|v| (n, v)))
        .collect();
        let mut fields: Vec<(&str, &str)> = hidden.iter().map(|(k, v)| (*k, v.as_str())).collect();
        fields.extend_from_slice(extra);
        self.post(w, &fields).await
    }
}

/// RFC 6238 TOTP (SHA-1, six digits, 30-second steps) of a base32 secret at `unix_seconds`, as an authenticator app
/// computes it.
fn totp(secret: &str, unix_seconds: i64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut key, mut bits, mut acc) = (Vec::new(), 0u32, 0u32);
    for c in secret.bytes().filter(|c| *c != b'=') {
        acc = (acc << 5) | ALPHABET.iter().position(|a| *a == c).unwrap() as u32;
        bits += 5;
        if bits >= 8 {
            key.push((acc >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    let counter = (unix_seconds / 30) as u64;
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &key);
    let mac = aws_lc_rs::hmac::sign(&key, &counter.to_be_bytes());
    let h = mac.as_ref();
    let off = usize::from(h[19] & 0x0f);
    let bin = u32::from_be_bytes([h[off] & 0x7f, h[off + 1], h[off + 2], h[off + 3]]);
    format!("{:06}", bin % 1_000_000)
}

/// MFA required in the world's pool, with an authenticator app or email to choose from.
async fn require_mfa(w: &OAuthWorld) {
    w.app
        .ok(
            "SetUserPoolMfaConfig",
            json!({"UserPoolId": w.pool, "MfaConfiguration": "ON",
                   "SoftwareTokenMfaConfiguration": {"Enabled": true},
                   "EmailMfaConfiguration": {"Message": "Your code is {####}", "Subject": "Code"}}),
            true,
        )
        .await;
}

const STRICT_CSP: &str =
    "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'";

fn assert_page_headers(ex: &Exchange) {
    assert_eq!(ex.status, StatusCode::OK, "{}", ex.text());
    assert_eq!(ex.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(ex.header("content-security-policy"), STRICT_CSP);
    assert_eq!(ex.header("cache-control"), "no-store");
    assert_eq!(ex.header("x-frame-options"), "DENY");
    assert_eq!(ex.header("referrer-policy"), "no-referrer");
}

#[tokio::test]
async fn mfa_setup_pages_with_a_qr_code_then_signed_in() {
    let w = OAuthWorld::new().await;
    require_mfa(&w).await;
    let (browser, choice) = MfaBrowser::sign_in(&w).await;
    assert_page_headers(&choice);
    assert_wire_snapshot!("mfa_setup_choice", w.snapshot(&choice));

    let setup = browser
        .answer(&w, &choice, &[("setup_choice", "SOFTWARE_TOKEN_MFA")])
        .await;
    assert_page_headers(&setup);
    assert_wire_snapshot!("mfa_setup_totp", w.snapshot(&setup));
    let html = setup.text();
    // The QR code is an SVG data: URI (the CSP allows no other image source but the server's own), and it is the
    // otpauth URI of the secret the page shows, labelled with the pool and the user.
    let src = regex::Regex::new(r#"<img class="qr-code" src="([^"]*)""#)
        .unwrap()
        .captures(&html)
        .expect("a QR image")[1]
        .to_string();
    let b64 = src.strip_prefix("data:image/svg+xml;base64,").unwrap_or_else(|| {
        panic!(
            "the QR image is not an SVG data: URI: {}",
            &src[..40.min(src.len())]
        )
    });
    use base64::Engine;
    let svg = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b64).unwrap()).unwrap();
    let secret = form_value(&html, "secret").expect("the secret field");
    assert_eq!(secret.len(), 52, "{secret}");
    let shown = regex::Regex::new(r#"<code id="totp-secret">([^<]*)</code>"#)
        .unwrap()
        .captures(&html)
        .expect("the secret shown")[1]
        .to_string();
    assert_eq!(
        shown.replace(' ', ""),
        secret,
        "the secret is shown in groups: {shown}"
    );
    let uri = format!("otpauth://totp/wire:alice?secret={secret}&issuer=wire");
    let expected = qrcode::QrCode::new(uri.as_bytes())
        .unwrap()
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    assert_eq!(svg, expected, "the QR code is not the otpauth URI {uri}");
    assert!(
        !html.contains("otpauth://"),
        "the URI travels only as the QR code"
    );

    // A wrong code: the same secret again, with the reason; the right one goes on to the app.
    let now = w.app.clock_ms() / 1000;
    let code = totp(&secret, now);
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 500_000) % 1_000_000);
    let refused = browser.answer(&w, &setup, &[("code", &wrong)]).await;
    assert_page_headers(&refused);
    assert_wire_snapshot!("mfa_setup_totp_wrong_code", w.snapshot(&refused));
    assert_eq!(
        form_value(&refused.text(), "secret").as_deref(),
        Some(secret.as_str())
    );
    assert!(refused.text().contains(&src), "the same QR code again");
    let signed_in = browser.answer(&w, &refused, &[("code", &code)]).await;
    assert_eq!(signed_in.status, StatusCode::FOUND, "{}", signed_in.text());
    assert!(signed_in.header("location").starts_with(CALLBACK));
    assert!(signed_in.location_param("code").is_some());
    assert!(signed_in.cookie("cognito").is_some(), "a hosted-UI session");
    let user = w
        .app
        .ok(
            "AdminGetUser",
            json!({"UserPoolId": w.pool, "Username": "alice"}),
            true,
        )
        .await;
    assert_eq!(user["UserMFASettingList"], json!(["SOFTWARE_TOKEN_MFA"]));

    // The next sign-in asks for the app's code (the next window's: each code is accepted once).
    w.app.clock.advance_seconds(30);
    let (browser, code_page) = MfaBrowser::sign_in(&w).await;
    assert_page_headers(&code_page);
    assert_wire_snapshot!("mfa_code_page", w.snapshot(&code_page));
    let code = totp(&secret, w.app.clock_ms() / 1000);
    let signed_in = browser.answer(&w, &code_page, &[("code", &code)]).await;
    assert_eq!(signed_in.status, StatusCode::FOUND, "{}", signed_in.text());
    assert!(signed_in.header("location").starts_with(CALLBACK));
}

#[tokio::test]
async fn mfa_page_refuses_a_post_without_its_csrf_token_and_forged_or_foreign_sessions() {
    let w = OAuthWorld::new().await;
    require_mfa(&w).await;
    let (browser, choice) = MfaBrowser::sign_in(&w).await;
    let session = form_value(&choice.text(), "session").unwrap();
    let answer = [
        ("challenge", "MFA_SETUP"),
        ("session", session.as_str()),
        ("username", "alice"),
        ("setup_choice", "SOFTWARE_TOKEN_MFA"),
    ];
    let mut without_token = vec![("_csrf", "")];
    without_token.extend_from_slice(&answer);
    let no_csrf = browser.post(&w, &without_token).await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN, "{}", no_csrf.text());
    let mut forged_token = vec![("_csrf", "forged")];
    forged_token.extend_from_slice(&answer);
    let bad_csrf = browser.post(&w, &forged_token).await;
    assert_eq!(bad_csrf.status, StatusCode::FORBIDDEN, "{}", bad_csrf.text());
    assert!(!no_csrf.text().contains("otpauth") && !no_csrf.text().contains("qr-code"));

    // A Session of the same user and pool, begun through another app client (the API's InitiateAuth).
    let other = w
        .app
        .create_client(json!({"UserPoolId": w.pool, "ClientName": "other",
                              "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}))
        .await;
    let started = w
        .app
        .ok(
            "InitiateAuth",
            json!({"ClientId": other, "AuthFlow": "USER_PASSWORD_AUTH",
                   "AuthParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD}}),
            false,
        )
        .await;
    assert_eq!(started["ChallengeName"], "MFA_SETUP");
    let foreign = started["Session"].as_str().unwrap().to_string();
    let associated = w
        .app
        .ok("AssociateSoftwareToken", json!({"Session": foreign}), false)
        .await;
    let foreign_setup = associated["Session"].as_str().unwrap().to_string();
    let foreign_secret = associated["SecretCode"].as_str().unwrap().to_string();
    let foreign_code = totp(&foreign_secret, w.app.clock_ms() / 1000);

    let forged_code = browser
        .post(
            &w,
            &[
                ("challenge", "SOFTWARE_TOKEN_MFA"),
                ("session", "forged"),
                ("username", "alice"),
                ("code", "123456"),
            ],
        )
        .await;
    let forged_setup = browser
        .post(
            &w,
            &[
                ("challenge", "MFA_SETUP"),
                ("session", "forged"),
                ("username", "alice"),
                ("factors", "SOFTWARE_TOKEN_MFA EMAIL_OTP"),
                ("setup_choice", "SOFTWARE_TOKEN_MFA"),
            ],
        )
        .await;
    let foreign_choice = browser
        .post(
            &w,
            &[
                ("challenge", "MFA_SETUP"),
                ("session", &foreign),
                ("username", "alice"),
                ("factors", "SOFTWARE_TOKEN_MFA EMAIL_OTP"),
                ("setup_choice", "SOFTWARE_TOKEN_MFA"),
            ],
        )
        .await;
    let foreign_verify = browser
        .post(
            &w,
            &[
                ("challenge", "MFA_SETUP"),
                ("session", &session),
                ("username", "alice"),
                ("factors", "SOFTWARE_TOKEN_MFA EMAIL_OTP"),
                ("setup_session", &foreign_setup),
                ("secret", &foreign_secret),
                ("code", &foreign_code),
            ],
        )
        .await;
    let foreign_email = browser
        .post(
            &w,
            &[
                ("challenge", "MFA_SETUP"),
                ("session", &foreign),
                ("username", "alice"),
                ("factors", "SOFTWARE_TOKEN_MFA EMAIL_OTP"),
                ("email", "alice@example.com"),
            ],
        )
        .await;
    let refusals = [
        &forged_code,
        &forged_setup,
        &foreign_choice,
        &foreign_verify,
        &foreign_email,
    ];
    for page in refusals {
        assert_page_headers(page);
        assert!(
            page.text()
                .contains("Invalid session for the user, session is expired."),
            "{}",
            page.text()
        );
        assert!(
            !page.text().contains("qr-code"),
            "no secret for a session not this sign-in's"
        );
    }
    // The foreign Session set nothing up, and mailed nothing.
    let user = w
        .app
        .ok(
            "AdminGetUser",
            json!({"UserPoolId": w.pool, "Username": "alice"}),
            true,
        )
        .await;
    assert!(user.get("UserMFASettingList").is_none(), "{user}");
    assert!(w.app.mail.0.lock().unwrap().is_empty());
    assert_wire_snapshot!(
        "mfa_refusals",
        w.cases(vec![
            ("no CSRF token", no_csrf),
            ("a forged CSRF token", bad_csrf),
            ("a forged session on the code page", forged_code),
            ("a forged session choosing the app", forged_setup),
            ("another client's session choosing the app", foreign_choice),
            ("another client's setup session with its code", foreign_verify),
            ("another client's session setting up email", foreign_email),
        ])
    );
}

#[tokio::test]
async fn mfa_choice_and_email_setup_pages_keep_their_options_when_refused() {
    let w = OAuthWorld::new().await;
    require_mfa(&w).await;
    let (browser, choice) = MfaBrowser::sign_in(&w).await;
    // A choice the page does not offer: the choice again, with both options.
    let unknown = browser.answer(&w, &choice, &[("setup_choice", "SMS_MFA")]).await;
    assert_page_headers(&unknown);
    for value in ["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"] {
        assert!(
            unknown
                .text()
                .contains(&format!(r#"name="setup_choice" value="{value}""#)),
            "{}",
            unknown.text()
        );
    }
    assert!(!unknown.text().contains(r#"value="SMS_MFA""#));
    let email_page = browser
        .answer(&w, &choice, &[("setup_choice", "EMAIL_OTP")])
        .await;
    assert_wire_snapshot!("mfa_setup_email", w.snapshot(&email_page));
    let bad_address = browser
        .answer(&w, &email_page, &[("email", "not an address")])
        .await;
    assert_page_headers(&bad_address);
    assert!(
        bad_address.text().contains(r#"value="not an address""#),
        "the address is kept"
    );
    assert_wire_snapshot!("mfa_setup_email_refused", w.snapshot(&bad_address));
    let code_page = browser
        .answer(&w, &bad_address, &[("email", "alice.mfa@example.com")])
        .await;
    assert_page_headers(&code_page);
    assert!(
        code_page.text().contains("We sent a code to a***@e***."),
        "{}",
        code_page.text()
    );
    let code = w.app.last_code("alice.mfa@example.com").await;
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    let refused = browser.answer(&w, &code_page, &[("code", &wrong)]).await;
    assert_page_headers(&refused);
    assert!(
        refused.text().contains("We sent a code to a***@e***."),
        "the destination is kept"
    );
    assert!(refused
        .text()
        .contains("Invalid code or auth state for the user."));
    let signed_in = browser.answer(&w, &refused, &[("code", &code)]).await;
    assert_eq!(signed_in.status, StatusCode::FOUND, "{}", signed_in.text());
    let user = w
        .app
        .ok(
            "AdminGetUser",
            json!({"UserPoolId": w.pool, "Username": "alice"}),
            true,
        )
        .await;
    assert_eq!(user["UserMFASettingList"], json!(["EMAIL_OTP"]));
}

// ---- passkeys --------------------------------------------------------------------------------------------------

/// CBOR's header for a major type and length (lengths up to 65535).
fn cbor_head(major: u8, len: usize) -> Vec<u8> {
    let m = major << 5;
    match len {
        0..=23 => vec![m | len as u8],
        24..=255 => vec![m | 24, len as u8],
        _ => vec![m | 25, (len >> 8) as u8, len as u8],
    }
}

fn cbor_bytes(b: &[u8]) -> Vec<u8> {
    [cbor_head(2, b.len()), b.to_vec()].concat()
}

fn cbor_text(t: &str) -> Vec<u8> {
    [cbor_head(3, t.len()), t.as_bytes().to_vec()].concat()
}

const PASSKEY_ORIGIN: &str = "http://localhost:5173";

/// A platform authenticator holding one ES256 key for the RP ID `localhost`, answering
/// `navigator.credentials.create` and `.get` as a browser would (user present and verified).
struct SoftPasskey {
    key: aws_lc_rs::signature::EcdsaKeyPair,
    id: Vec<u8>,
}

impl SoftPasskey {
    fn new() -> Self {
        use aws_lc_rs::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref()).unwrap();
        Self {
            key,
            id: (0..16u8).collect(),
        }
    }

    fn b64(b: impl AsRef<[u8]>) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
    }

    fn rp_id_hash() -> Vec<u8> {
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b"localhost")
            .as_ref()
            .to_vec()
    }

    /// RegistrationResponseJSON (`none` attestation) for StartWebAuthnRegistration's options.
    fn register(&self, options: &Value) -> Value {
        use aws_lc_rs::signature::KeyPair;
        let client_data = json!({"type": "webauthn.create", "challenge": options["challenge"],
            "origin": PASSKEY_ORIGIN, "crossOrigin": false})
        .to_string();
        let point = self.key.public_key().as_ref();
        let cose = [
            vec![0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21],
            cbor_bytes(&point[1..33]),
            vec![0x22],
            cbor_bytes(&point[33..65]),
        ]
        .concat();
        let mut auth_data = Self::rp_id_hash();
        auth_data.push(0x45);
        auth_data.extend_from_slice(&0u32.to_be_bytes());
        auth_data.extend_from_slice(&[0; 16]);
        auth_data.extend_from_slice(&(self.id.len() as u16).to_be_bytes());
        auth_data.extend_from_slice(&self.id);
        auth_data.extend_from_slice(&cose);
        let attestation = [
            vec![0xa3],
            cbor_text("fmt"),
            cbor_text("none"),
            cbor_text("attStmt"),
            vec![0xa0],
            cbor_text("authData"),
            cbor_bytes(&auth_data),
        ]
        .concat();
        json!({"id": Self::b64(&self.id), "rawId": Self::b64(&self.id), "type": "public-key",
               "authenticatorAttachment": "platform", "clientExtensionResults": {},
               "response": {"clientDataJSON": Self::b64(client_data),
                            "attestationObject": Self::b64(attestation), "transports": ["internal"]}})
    }

    /// AuthenticationResponseJSON for request options (the passkey page's), signature counter `count`.
    fn assert(&self, options: &Value, count: u32) -> String {
        let client_data = json!({"type": "webauthn.get", "challenge": options["challenge"],
            "origin": PASSKEY_ORIGIN, "crossOrigin": false})
        .to_string();
        let mut auth_data = Self::rp_id_hash();
        auth_data.push(0x05);
        auth_data.extend_from_slice(&count.to_be_bytes());
        let client_hash = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, client_data.as_bytes());
        let signed = [auth_data.as_slice(), client_hash.as_ref()].concat();
        let signature = self
            .key
            .sign(&aws_lc_rs::rand::SystemRandom::new(), &signed)
            .unwrap();
        json!({"id": Self::b64(&self.id), "rawId": Self::b64(&self.id), "type": "public-key",
               "authenticatorAttachment": "platform", "clientExtensionResults": {},
               "response": {"clientDataJSON": Self::b64(client_data), "authenticatorData": Self::b64(auth_data),
                            "signature": Self::b64(signature), "userHandle": null}})
        .to_string()
    }
}

/// Lets the world's pool sign users in with passkeys (RP ID `localhost`) and registers `passkey` for alice.
async fn enable_passkeys(w: &OAuthWorld, passkey: &SoftPasskey) {
    w.app
        .ok(
            "UpdateUserPool",
            json!({"UserPoolId": w.pool, "AutoVerifiedAttributes": ["email"],
                   "Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}}}),
            true,
        )
        .await;
    w.app
        .ok(
            "SetUserPoolMfaConfig",
            json!({"UserPoolId": w.pool, "MfaConfiguration": "OFF",
                   "WebAuthnConfiguration": {"RelyingPartyId": "localhost", "UserVerification": "required"}}),
            true,
        )
        .await;
    let signed_in = w
        .app
        .ok(
            "InitiateAuth",
            json!({"ClientId": w.web, "AuthFlow": "USER_PASSWORD_AUTH",
                   "AuthParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD}}),
            false,
        )
        .await;
    let token = signed_in["AuthenticationResult"]["AccessToken"].clone();
    let options = w
        .app
        .ok("StartWebAuthnRegistration", json!({"AccessToken": token}), false)
        .await["CredentialCreationOptions"]
        .clone();
    w.app
        .ok(
            "CompleteWebAuthnRegistration",
            json!({"AccessToken": token, "Credential": passkey.register(&options)}),
            false,
        )
        .await;
}

/// A browser on the sign-in page: its CSRF cookie and token.
struct LoginBrowser {
    query: String,
    cookie: String,
    csrf: String,
}

impl LoginBrowser {
    async fn open(w: &OAuthWorld) -> (Self, Exchange) {
        let query = w.query(&[("scope", "openid email")]);
        let page = get(w.router(), &format!("/login?{query}")).await;
        assert_page_headers(&page);
        let cookie = format!("XSRF-TOKEN={}", page.cookie("XSRF-TOKEN").unwrap());
        let csrf = form_value(&page.text(), "_csrf").unwrap();
        (Self { query, cookie, csrf }, page)
    }

    async fn post(&self, w: &OAuthWorld, path: &str, fields: &[(&str, &str)]) -> Exchange {
        let mut form = vec![("_csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        post_form(
            w.router(),
            &format!("{path}?{}", self.query),
            &form,
            &[("cookie", &self.cookie)],
        )
        .await
    }
}

const PASSKEY_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                           frame-ancestors 'none'; base-uri 'none'";

/// The request options the passkey page carries for its script.
fn page_options(html: &str) -> Value {
    let re = regex::Regex::new(r#"(?s)<script id="passkey-options" type="application/json">(.*?)</script>"#)
        .unwrap();
    serde_json::from_str(&re.captures(html).expect("the options block")[1]).unwrap()
}

#[tokio::test]
async fn passkey_button_page_script_and_sign_in() {
    let w = OAuthWorld::new().await;
    let (_, plain) = LoginBrowser::open(&w).await;
    assert!(
        !plain.text().contains("Sign in with a passkey"),
        "no passkey button while the pool leaves WEB_AUTHN out"
    );

    let passkey = SoftPasskey::new();
    enable_passkeys(&w, &passkey).await;
    let (browser, login) = LoginBrowser::open(&w).await;
    let html = login.text();
    assert!(
        html.contains(r#"<button class="btn passkeyButton-customizable" type="submit" name="passkey" formnovalidate>Sign in with a passkey</button>"#),
        "{html}"
    );

    // The script: served by the binary, as JavaScript, cacheable, never sniffed.
    let script = get(w.router(), "/ui/passkey.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert_eq!(script.header("content-type"), "text/javascript; charset=utf-8");
    assert_eq!(script.header("x-content-type-options"), "nosniff");
    assert!(script.text().contains("navigator.credentials.get"));

    // A name without a passkey, and no name, are refused on the sign-in form.
    let none = browser
        .post(&w, "/login", &[("username", ""), ("passkey", "")])
        .await;
    assert_page_headers(&none);
    assert!(none
        .text()
        .contains("Enter your username to sign in with a passkey."));
    let unknown = browser
        .post(&w, "/login", &[("username", "nobody"), ("passkey", "")])
        .await;
    assert_page_headers(&unknown);
    assert!(unknown.text().contains("role=\"alert\""), "{}", unknown.text());

    // The passkey page: its own CSP allows the hosted UI's script and nothing more.
    let page = browser
        .post(&w, "/login", &[("username", "alice"), ("passkey", "")])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    assert_eq!(page.header("content-security-policy"), PASSKEY_CSP);
    assert_eq!(page.header("cache-control"), "no-store");
    assert_eq!(page.header("x-frame-options"), "DENY");
    let html = page.text();
    assert!(html.contains(r#"<script src="/ui/passkey.js"></script>"#));
    assert!(html.contains("<noscript>") && html.contains("Back to sign in"));
    let options = page_options(&html);
    assert_eq!(options["rpId"], "localhost");
    assert_eq!(
        options["allowCredentials"][0]["id"],
        SoftPasskey::b64(&passkey.id)
    );
    let session = form_value(&html, "session").unwrap();
    let username = form_value(&html, "username").unwrap();
    assert_eq!(username, "alice");

    // Forged sessions and credentials: the sign-in form with the reason, never a server error.
    let good = passkey.assert(&options, 1);
    let forged_session = browser
        .post(
            &w,
            "/passkey",
            &[
                ("session", "forged"),
                ("username", "alice"),
                ("credential", &good),
            ],
        )
        .await;
    let forged_credential = browser
        .post(
            &w,
            "/passkey",
            &[
                ("session", &session),
                ("username", "alice"),
                ("credential", "{\"id\":1}"),
            ],
        )
        .await;
    let other_challenge = passkey.assert(&json!({"challenge": SoftPasskey::b64([7u8; 32])}), 1);
    let wrong_challenge = browser
        .post(
            &w,
            "/passkey",
            &[
                ("session", &session),
                ("username", "alice"),
                ("credential", &other_challenge),
            ],
        )
        .await;
    let no_csrf = post_form(
        w.router(),
        &format!("/passkey?{}", browser.query),
        &[
            ("session", &session),
            ("username", "alice"),
            ("credential", &good),
        ],
        &[("cookie", &browser.cookie)],
    )
    .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    for refused in [&forged_session, &forged_credential, &wrong_challenge] {
        assert_page_headers(refused);
        assert!(refused.text().contains("role=\"alert\""), "{}", refused.text());
        assert!(refused.text().contains(r#"name="signInSubmitButton""#));
    }

    // The browser's assertion signs alice in and goes on to the app; the Session is spent.
    let signed_in = browser
        .post(
            &w,
            "/passkey",
            &[
                ("session", &session),
                ("username", "alice"),
                ("credential", &good),
            ],
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::FOUND, "{}", signed_in.text());
    assert!(signed_in.header("location").starts_with(CALLBACK));
    assert!(signed_in.location_param("code").is_some());
    assert_eq!(signed_in.location_param("state").as_deref(), Some("st8"));
    let replay = browser
        .post(
            &w,
            "/passkey",
            &[
                ("session", &session),
                ("username", "alice"),
                ("credential", &passkey.assert(&options, 2)),
            ],
        )
        .await;
    assert_page_headers(&replay);
    assert!(
        replay.text().contains("session can only be used once"),
        "{}",
        replay.text()
    );
}
