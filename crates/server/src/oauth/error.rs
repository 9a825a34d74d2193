//! The OAuth endpoints' error answers: RFC 6749 JSON (`{"error", "error_description"}` with `Cache-Control:
//! no-store`) from the token and revocation endpoints and the request checks in front of them, and RFC 6750's
//! bearer-token refusal from userInfo (the same JSON with `WWW-Authenticate`). The domain error becomes an RFC 6749
//! one in core (`latchkey_core::oauth::OAuthError`); these types only choose the status and write the answer.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use latchkey_core::oauth::OAuthError;
use latchkey_core::CognitoError;
use serde_json::json;

/// An RFC 6749 error answer.
pub struct OAuthJsonError {
    status: StatusCode,
    refusal: OAuthError,
}

impl OAuthJsonError {
    pub fn new(status: StatusCode, refusal: OAuthError) -> Self {
        Self { status, refusal }
    }

    pub fn invalid_request(description: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            OAuthError::new("invalid_request", description),
        )
    }

    /// The token endpoint's statuses (RFC 6749 §5.2): 401 when the client failed to authenticate, else 400, a
    /// server fault included.
    pub fn at_token_endpoint(refusal: OAuthError) -> Self {
        let status = if refusal.error == "invalid_client" {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        };
        Self::new(status, refusal)
    }
}

/// Elsewhere a refusal is 401 when the client failed to authenticate, 500 for a server fault, else 400.
impl From<OAuthError> for OAuthJsonError {
    fn from(refusal: OAuthError) -> Self {
        let status = match refusal.error {
            "invalid_client" => StatusCode::UNAUTHORIZED,
            "server_error" => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        Self::new(status, refusal)
    }
}

impl From<CognitoError> for OAuthJsonError {
    fn from(e: CognitoError) -> Self {
        OAuthError::from(e).into()
    }
}

impl IntoResponse for OAuthJsonError {
    fn into_response(self) -> Response {
        if let Some(fault) = self.refusal.fault() {
            tracing::error!(error = %fault.detail().escape_debug(), "an OAuth endpoint failed");
        }
        let mut body = json!({"error": self.refusal.error});
        if !self.refusal.description.is_empty() {
            body["error_description"] = json!(self.refusal.description);
        }
        let mut resp = (self.status, Json(body)).into_response();
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        resp
    }
}

/// userInfo's refusal of the access token it was given, or of a request without one (RFC 6750 §3).
pub enum BearerError {
    Missing,
    Invalid,
}

impl IntoResponse for BearerError {
    fn into_response(self) -> Response {
        let (status, error, description) = match self {
            BearerError::Missing => (
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Bad OAuth2 request at UserInfo Endpoint",
            ),
            BearerError::Invalid => (
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "Access token is expired, disabled, or deleted, or the user has globally signed out.",
            ),
        };
        let mut resp = (
            status,
            Json(json!({"error": error, "error_description": description})),
        )
            .into_response();
        if let Ok(v) = HeaderValue::from_str(&format!(
            "Bearer error=\"{error}\", error_description=\"{description}\""
        )) {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        resp
    }
}
