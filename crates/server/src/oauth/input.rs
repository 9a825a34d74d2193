//! What every OAuth and hosted-UI request must pass before its handler: no NUL character in the query or the form
//! body. PostgreSQL cannot store or even compare text holding U+0000 (it answered 500), and no name, code or
//! password has a use for it; the AWS JSON surface refuses it in its model validation for the same reason.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use latchkey_core::oauth::OAuthError;

use super::error::OAuthJsonError;
use super::ui::PageError;

/// Larger form bodies than any page or endpoint takes are refused (axum's `Form` allows 2 MB).
const MAX_FORM_BYTES: usize = 64 * 1024;

/// Whether the body is a URL-encoded form (media types are case-insensitive).
pub(super) fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
}

/// Whether URL-encoded text (a query or a form body) carries a NUL, encoded or raw.
fn has_nul(encoded: &[u8]) -> bool {
    encoded.contains(&0)
        || encoded
            .windows(3)
            .any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

fn refused(path: &str, status: StatusCode, why: &str) -> Response {
    // The endpoints applications call answer in RFC 6749 JSON; browser pages answer with a page.
    if path.starts_with("/oauth2/") && !path.starts_with("/oauth2/authorize") {
        OAuthJsonError::new(status, OAuthError::new("invalid_request", why)).into_response()
    } else {
        PageError::new(status, why).into_response()
    }
}

pub async fn refuse_nul(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let why = "The request contains a character that is not allowed.";
    if req.uri().query().is_some_and(|q| has_nul(q.as_bytes())) {
        return refused(&path, StatusCode::BAD_REQUEST, why);
    }
    if !is_form(req.headers()) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
        return refused(&path, StatusCode::PAYLOAD_TOO_LARGE, "The form is too large.");
    };
    if has_nul(&bytes) {
        return refused(&path, StatusCode::BAD_REQUEST, why);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::has_nul;

    #[test]
    fn finds_encoded_and_raw_nul_only() {
        assert!(has_nul(b"username=a%00b"));
        assert!(has_nul(b"a=\0"));
        assert!(!has_nul(b"username=a%200b&code=100"));
        assert!(!has_nul(b"x=%0A"));
    }
}
