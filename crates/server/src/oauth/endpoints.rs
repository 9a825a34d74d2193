//! The OAuth endpoints applications call directly: `/oauth2/token` (authorization_code with PKCE, refresh_token,
//! client_credentials; client_secret_basic or client_secret_post), `/oauth2/userInfo` and `/oauth2/revoke`.
//! Errors are RFC 6749 JSON (`super::error`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use latchkey_core::auth::ClientProof;
use latchkey_core::clients::AppClient;
use latchkey_core::oauth::{scopes, OAuthError};
use latchkey_core::pools::UserPool;
use latchkey_core::Latchkey;
use serde_json::{json, Map, Value};

use super::error::{BearerError, OAuthJsonError};
use super::ui::Fields;
use crate::AppState;

/// The credentials after an authentication scheme, which RFC 7235 makes case-insensitive.
fn strip_scheme<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let (given, rest) = value.split_once(' ')?;
    given.eq_ignore_ascii_case(scheme).then(|| rest.trim_start())
}

fn err(error: &'static str, description: &str) -> OAuthError {
    OAuthError::new(error, description)
}

/// The calling client: HTTP Basic (client_secret_basic) or form fields (client_secret_post / public clients).
/// A client with a secret must present it.
async fn authenticate_client(
    lk: &Latchkey,
    headers: &HeaderMap,
    f: &Fields,
) -> Result<(Arc<AppClient>, Arc<UserPool>), OAuthError> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| strip_scheme(v, "Basic"))
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.split_once(':').map(|(i, p)| (i.to_string(), p.to_string())));
    let (id, secret) = match basic {
        Some((i, p)) => {
            let dec = |s: &str| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .to_string()
            };
            (dec(&i), Some(dec(&p)))
        }
        None => (
            f.get("client_id").cloned().unwrap_or_default(),
            f.get("client_secret").cloned(),
        ),
    };
    lk.authenticate_oauth_client(&id, secret.as_deref()).await
}

fn token_response(body: Value) -> Response {
    let mut resp = (StatusCode::OK, Json(body)).into_response();
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

fn tokens_json(t: &latchkey_core::tokens::AuthenticationResult) -> Value {
    let mut v = json!({"access_token": t.access_token, "token_type": "Bearer", "expires_in": t.expires_in});
    if let Some(id) = &t.id_token {
        v["id_token"] = json!(id);
    }
    if let Some(r) = &t.refresh_token {
        v["refresh_token"] = json!(r);
    }
    v
}

/// A token or revocation request: its headers (HTTP Basic client authentication) and its form. Any other body
/// is an RFC 6749 invalid_request.
pub struct TokenForm {
    headers: HeaderMap,
    fields: Fields,
}

impl<S: Send + Sync> FromRequest<S> for TokenForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let headers = req.headers().clone();
        let body = Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let bad = || {
            OAuthJsonError::invalid_request("The body must be application/x-www-form-urlencoded.")
                .into_response()
        };
        if !super::input::is_form(&headers) {
            return Err(bad());
        }
        let fields = serde_urlencoded::from_bytes(&body).map_err(|_| bad())?;
        Ok(Self { headers, fields })
    }
}

pub async fn token(State(st): State<Arc<AppState>>, form: TokenForm) -> Result<Response, OAuthJsonError> {
    let tokens = token_grant(&st.latchkey, &form.headers, &form.fields)
        .await
        .map_err(OAuthJsonError::at_token_endpoint)?;
    Ok(token_response(tokens))
}

async fn token_grant(lk: &Latchkey, headers: &HeaderMap, f: &Fields) -> Result<Value, OAuthError> {
    let grant_type = f
        .get("grant_type")
        .map(String::as_str)
        .ok_or_else(|| err("invalid_request", "grant_type is required."))?;
    if !matches!(
        grant_type,
        "authorization_code" | "refresh_token" | "client_credentials"
    ) {
        return Err(err(
            "unsupported_grant_type",
            "grant_type must be authorization_code, refresh_token or client_credentials.",
        ));
    }
    let (client, pool) = authenticate_client(lk, headers, f).await?;
    let flows = client.allowed_oauth_flows.clone().unwrap_or_default();
    match grant_type {
        "authorization_code" => {
            if !client.allowed_oauth_flows_user_pool_client || !flows.iter().any(|x| x == "code") {
                return Err(err(
                    "unauthorized_client",
                    "The client may not use the authorization code grant.",
                ));
            }
            let code = f
                .get("code")
                .ok_or_else(|| err("invalid_request", "code is required."))?;
            let tokens = lk
                .redeem_authorization_code(
                    &client,
                    code,
                    f.get("redirect_uri").map(String::as_str),
                    f.get("code_verifier").map(String::as_str),
                )
                .await?;
            Ok(tokens_json(&tokens))
        }
        "refresh_token" => {
            let rt = f
                .get("refresh_token")
                .ok_or_else(|| err("invalid_request", "refresh_token is required."))?;
            let tokens = lk
                .refresh_sign_in(&pool, &client, rt, ClientProof::HostedUi, None)
                .await?;
            Ok(tokens_json(&tokens))
        }
        _ => {
            if client.client_secret.is_none() || !flows.iter().any(|x| x == "client_credentials") {
                return Err(err(
                    "unauthorized_client",
                    "The client may not use the client_credentials grant.",
                ));
            }
            let allowed: Vec<String> = client
                .allowed_oauth_scopes
                .iter()
                .flatten()
                .filter(|s| !scopes::is_system(s))
                .cloned()
                .collect();
            let granted: Vec<String> = match f.get("scope").map(|s| s.trim()).filter(|s| !s.is_empty()) {
                None => allowed,
                Some(text) => {
                    let wanted: Vec<String> = text.split_whitespace().map(str::to_string).collect();
                    if wanted.iter().any(|w| !allowed.contains(w)) {
                        return Err(err(
                            "invalid_scope",
                            "A requested scope is not allowed for this client.",
                        ));
                    }
                    wanted
                }
            };
            if granted.is_empty() {
                return Err(err("invalid_scope", "The client has no custom scopes."));
            }
            let (token, ttl) = lk.issue_client_credentials(&pool, &client, &granted).await?;
            Ok(json!({"access_token": token, "token_type": "Bearer", "expires_in": ttl}))
        }
    }
}

/// Claims per granted scope, with Cognito's string booleans for the `*_verified` flags.
const PROFILE: &[&str] = &[
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "updated_at",
    "address",
];

/// GET or POST; the token comes in the Authorization header or, for POST, as the `access_token` form field.
pub async fn userinfo(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, BearerError> {
    let form: Fields = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| strip_scheme(v, "Bearer").map(str::to_string))
        .or_else(|| form.get("access_token").cloned());
    let token = bearer.ok_or(BearerError::Missing)?;
    let ctx = st
        .latchkey
        .authenticate_access_token_for(token.trim(), "openid")
        .await
        .map_err(|_| BearerError::Invalid)?;
    let has = |s: &str| ctx.scopes.iter().any(|x| x == s);
    let mut out = Map::new();
    out.insert("sub".into(), json!(ctx.user.sub));
    for (name, value) in &ctx.user.attributes {
        let wanted = (has("email") && matches!(name.as_str(), "email" | "email_verified"))
            || (has("phone") && matches!(name.as_str(), "phone_number" | "phone_number_verified"))
            || (has("profile") && (PROFILE.contains(&name.as_str()) || name.starts_with("custom:")))
            || has("aws.cognito.signin.user.admin") && !name.starts_with("dev:");
        if wanted {
            out.insert(name.clone(), json!(value));
        }
    }
    out.insert("username".into(), json!(ctx.user.username));
    let mut resp = Json(Value::Object(out)).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    Ok(resp)
}

pub async fn revoke(State(st): State<Arc<AppState>>, form: TokenForm) -> Result<StatusCode, OAuthJsonError> {
    let lk = &st.latchkey;
    let token = form
        .fields
        .get("token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| OAuthJsonError::invalid_request("token is required."))?;
    let (client, _) = authenticate_client(lk, &form.headers, &form.fields).await?;
    if !client.enable_token_revocation {
        return Err(OAuthJsonError::invalid_request(
            "Token revocation is disabled for this client.",
        ));
    }
    lk.revoke_token(token, &client.client_id, client.client_secret.as_deref())
        .await?;
    Ok(StatusCode::OK)
}
