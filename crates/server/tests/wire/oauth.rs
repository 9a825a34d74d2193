//! The world the OAuth and hosted-UI wire tests share: a pool with a resource server, a public app client for the
//! browser flows, a confidential one for client_credentials, and a confirmed user — all made through the AWS
//! API — and the steps a browser takes (the sign-in page, its form post) to get an authorization code.

use axum::http::StatusCode;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use super::{get, post_form, Exchange, Redactor};
use crate::common::{self, TestApp};

pub const CALLBACK: &str = "https://app.example/cb";
pub const SIGNED_OUT: &str = "https://app.example/bye";
pub const USERNAME: &str = "alice";
pub const PASSWORD: &str = "Passw0rd!";
/// A PKCE code verifier (RFC 7636: 43 to 128 unreserved characters).
pub const VERIFIER: &str = "verifier-0123456789-abcdefghijklmnopqrstuvwxyz";

pub struct OAuthWorld {
    pub app: TestApp,
    pub pool: String,
    /// Public; code and implicit flows; openid, email and profile; signs users in with passwords too.
    pub web: String,
    /// Confidential; client_credentials with `orders/read`.
    pub service: String,
    pub service_secret: String,
    pub redactor: Redactor,
}

/// BASE64URL(SHA256(verifier)), the S256 code challenge.
pub fn challenge(verifier: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

fn str_at(v: &Value, pointer: &str) -> String {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no {pointer} in {v}"))
        .to_string()
}

impl OAuthWorld {
    pub async fn new() -> Self {
        let app = common::app().await;
        let pool = app
            .ok(
                "CreateUserPool",
                json!({"PoolName": "wire", "AutoVerifiedAttributes": ["email"]}),
                true,
            )
            .await;
        let pool = str_at(&pool, "/UserPool/Id");
        app.ok(
            "CreateResourceServer",
            json!({"UserPoolId": pool, "Identifier": "orders", "Name": "Orders",
                   "Scopes": [{"ScopeName": "read", "ScopeDescription": "Read orders"}]}),
            true,
        )
        .await;
        let web = app
            .ok(
                "CreateUserPoolClient",
                json!({"UserPoolId": pool, "ClientName": "web",
                       "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                       "AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["code", "implicit"],
                       "AllowedOAuthScopes": ["openid", "email", "profile"],
                       "CallbackURLs": [CALLBACK], "LogoutURLs": [SIGNED_OUT],
                       "SupportedIdentityProviders": ["COGNITO"]}),
                true,
            )
            .await;
        let web = str_at(&web, "/UserPoolClient/ClientId");
        let service = app
            .ok(
                "CreateUserPoolClient",
                json!({"UserPoolId": pool, "ClientName": "service", "GenerateSecret": true,
                       "AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["client_credentials"],
                       "AllowedOAuthScopes": ["orders/read"]}),
                true,
            )
            .await;
        let service_secret = str_at(&service, "/UserPoolClient/ClientSecret");
        let service = str_at(&service, "/UserPoolClient/ClientId");
        let attributes = json!([{"Name": "email", "Value": "alice@example.com"},
                                {"Name": "email_verified", "Value": "true"},
                                {"Name": "name", "Value": "Alice"}]);
        app.create_confirmed_user_with(&pool, USERNAME, PASSWORD, attributes)
            .await;
        let user = app
            .ok(
                "AdminGetUser",
                json!({"UserPoolId": pool, "Username": USERNAME}),
                true,
            )
            .await;
        let sub = user["UserAttributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["Name"] == "sub")
            .map(|a| a["Value"].as_str().unwrap().to_string())
            .unwrap();

        let mut redactor = Redactor::default();
        redactor.name(&pool, "pool");
        redactor.name(&web, "web client");
        redactor.name(&service, "service client");
        redactor.name(&service_secret, "service secret");
        redactor.name(&sub, "alice sub");
        let (status, jwks) = app.get(&format!("/{pool}/.well-known/jwks.json")).await;
        assert_eq!(status, StatusCode::OK);
        // The first key signs ID tokens, the second access tokens.
        for (key, name) in jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .zip(["id kid", "access kid"])
        {
            redactor.name(key["kid"].as_str().unwrap(), name);
        }
        Self {
            app,
            pool,
            web,
            service,
            service_secret,
            redactor,
        }
    }

    pub fn router(&self) -> &axum::Router {
        &self.app.router
    }

    /// An authorization request's query for the web client: the code flow with `state`, and `extra` on top.
    pub fn query(&self, extra: &[(&str, &str)]) -> String {
        let mut pairs = vec![
            ("response_type", "code"),
            ("client_id", self.web.as_str()),
            ("redirect_uri", CALLBACK),
            ("state", "st8"),
        ];
        for (k, v) in extra {
            pairs.retain(|(name, _)| name != k);
            pairs.push((k, v));
        }
        serde_urlencoded::to_string(pairs).unwrap()
    }

    /// The sign-in page for `query`, and the answer to its form posted with `password`.
    pub async fn sign_in(&self, query: &str, password: &str) -> (Exchange, Exchange) {
        let page = get(self.router(), &format!("/login?{query}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        let cookie = page.cookie("XSRF-TOKEN").expect("the page sets the CSRF cookie");
        let csrf = super::first_in(&page.text(), r#"name="_csrf" value="([^"]*)""#).expect("a CSRF field");
        let posted = post_form(
            self.router(),
            &format!("/login?{query}"),
            &[("_csrf", &csrf), ("username", USERNAME), ("password", password)],
            &[("cookie", &format!("XSRF-TOKEN={cookie}"))],
        )
        .await;
        (page, posted)
    }

    /// An authorization code for alice, bound to `VERIFIER`'s challenge.
    pub async fn code(&self) -> String {
        let challenge = challenge(VERIFIER);
        let query = self.query(&[("code_challenge", &challenge), ("code_challenge_method", "S256")]);
        let (_, posted) = self.sign_in(&query, PASSWORD).await;
        assert_eq!(posted.status, StatusCode::FOUND, "{}", posted.text());
        posted.location_param("code").expect("a code")
    }

    /// Tokens for alice through the code flow: `{access_token, id_token, refresh_token, ...}`.
    pub async fn tokens(&self) -> Value {
        let code = self.code().await;
        let answer = self
            .token(
                &[
                    ("grant_type", "authorization_code"),
                    ("client_id", &self.web),
                    ("code", &code),
                    ("redirect_uri", CALLBACK),
                    ("code_verifier", VERIFIER),
                ],
                &[],
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        answer.json()
    }

    pub async fn token(&self, form: &[(&str, &str)], headers: &[(&str, &str)]) -> Exchange {
        post_form(self.router(), "/oauth2/token", form, headers).await
    }

    /// The refresh_token grant for the web client.
    pub async fn refresh(&self, refresh_token: &str) -> Exchange {
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", self.web.as_str()),
            ("refresh_token", refresh_token),
        ];
        self.token(&form, &[]).await
    }

    /// `Authorization: Basic` for the service client with `secret`.
    pub fn basic(&self, secret: &str) -> String {
        use base64::engine::general_purpose::STANDARD;
        format!("Basic {}", STANDARD.encode(format!("{}:{secret}", self.service)))
    }

    pub fn snapshot(&self, ex: &Exchange) -> Value {
        self.redactor.snapshot(ex)
    }

    pub fn cases(&self, answers: Vec<(&str, Exchange)>) -> Value {
        self.redactor.cases(answers)
    }
}
