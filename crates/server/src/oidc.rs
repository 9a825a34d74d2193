//! OIDC discovery and JWKS, which every JWT library reads to verify Latchkey's tokens: per user pool
//! (`/{poolId}/.well-known/openid-configuration`, `/{poolId}/.well-known/jwks.json`), and for identity pools'
//! OpenID tokens under the identity issuer (`/cognito-identity/.well-known/openid-configuration` and
//! `/cognito-identity/.well-known/jwks_uri`, AWS's names).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use latchkey_core::ErrorKind;
use serde_json::json;

use crate::AppState;

fn error(e: latchkey_core::CognitoError) -> Response {
    let status = if e.kind() == ErrorKind::ResourceNotFoundException {
        StatusCode::NOT_FOUND
    } else {
        if e.kind() == ErrorKind::InternalErrorException {
            tracing::error!(error = %e.detail().escape_debug(), "serving keys failed");
        }
        StatusCode::from_u16(e.kind().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    };
    (status, Json(json!({"message": e.message()}))).into_response()
}

/// Keys change rarely and clients cache them: let them, briefly, so a rotation is seen within minutes.
const CACHE_CONTROL: &str = "public, max-age=300";

pub async fn jwks(State(st): State<Arc<AppState>>, Path(pool_id): Path<String>) -> Response {
    let lk = &st.latchkey;
    if let Err(e) = lk.pool(&pool_id).await {
        return error(e);
    }
    match lk.pool_keys(&pool_id).await {
        Ok(keys) => (
            [(header::CACHE_CONTROL, CACHE_CONTROL)],
            Json(keys.jwks(lk.clock().now())),
        )
            .into_response(),
        Err(e) => error(e),
    }
}

pub async fn openid_configuration(State(st): State<Arc<AppState>>, Path(pool_id): Path<String>) -> Response {
    let lk = &st.latchkey;
    if let Err(e) = lk.pool(&pool_id).await {
        return error(e);
    }
    let base = format!("{}/{pool_id}", lk.settings().public_url);
    let doc = json!({
        "issuer": lk.issuer(&pool_id),
        "jwks_uri": format!("{base}/.well-known/jwks.json"),
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "authorization_endpoint": format!("{}/oauth2/authorize", lk.settings().public_url),
        "token_endpoint": format!("{}/oauth2/token", lk.settings().public_url),
        "userinfo_endpoint": format!("{}/oauth2/userInfo", lk.settings().public_url),
        "revocation_endpoint": format!("{}/oauth2/revoke", lk.settings().public_url),
        "end_session_endpoint": format!("{}/logout", lk.settings().public_url),
        "response_types_supported": ["code", "token"],
        "grant_types_supported": ["authorization_code", "implicit", "refresh_token", "client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["sub", "email", "email_verified", "phone_number", "phone_number_verified", "name", "given_name", "family_name", "preferred_username", "cognito:username"],
    });
    ([(header::CACHE_CONTROL, CACHE_CONTROL)], Json(doc)).into_response()
}

/// `/cognito-identity/.well-known/jwks_uri` (AWS's path): the keys of identity pools' OpenID tokens.
pub async fn identity_jwks(State(st): State<Arc<AppState>>) -> Response {
    let lk = &st.latchkey;
    match lk.identity_keys().await {
        Ok(keys) => (
            [(header::CACHE_CONTROL, CACHE_CONTROL)],
            Json(keys.jwks(lk.clock().now())),
        )
            .into_response(),
        Err(e) => error(e),
    }
}

/// `/cognito-identity/.well-known/openid-configuration`: the identity issuer's discovery document, for verifiers
/// of GetOpenIdToken's tokens.
pub async fn identity_openid_configuration(State(st): State<Arc<AppState>>) -> Response {
    let lk = &st.latchkey;
    let doc = json!({
        "issuer": lk.identity_issuer(),
        "jwks_uri": format!("{}/cognito-identity/.well-known/jwks_uri", lk.settings().public_url),
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": ["sub", "aud", "amr", "iss", "exp", "iat"],
    });
    ([(header::CACHE_CONTROL, CACHE_CONTROL)], Json(doc)).into_response()
}
