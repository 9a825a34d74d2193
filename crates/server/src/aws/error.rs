//! Cognito's JSON dialect, the AWS JSON surface's answers: a success body, and `AwsJsonError`, the one way a
//! refusal leaves — `{"__type": Name, "message": ...}` with `x-amzn-ErrorType`, the status the exception maps to,
//! and a request id on every response.

use std::borrow::Cow;

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use latchkey_core::CognitoError;

pub const JSON_CONTENT_TYPE: &str = "application/x-amz-json-1.1";

fn base_headers(request_id: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static(JSON_CONTENT_TYPE),
    );
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert(HeaderName::from_static("x-amzn-requestid"), v);
    }
    h
}

pub fn success(request_id: &str, body: serde_json::Value) -> Response {
    (StatusCode::OK, base_headers(request_id), body.to_string()).into_response()
}

/// Longest message sent or logged, in characters. Validation messages repeat the values they refuse, and a refused
/// value may be huge (a 200 KB "password" once became a 1.9 MB header and log line); AWS's own messages are short.
pub const MAX_MESSAGE_CHARS: usize = 1024;

/// `message`, cut to `MAX_MESSAGE_CHARS` characters (marked with "...") when longer.
pub fn capped(message: &str) -> Cow<'_, str> {
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        None => Cow::Borrowed(message),
        Some((end, _)) => Cow::Owned(format!("{}...", &message[..end])),
    }
}

/// A domain error answered in Cognito's dialect, under the request's id.
pub struct AwsJsonError {
    request_id: String,
    error: CognitoError,
}

impl AwsJsonError {
    pub fn new(request_id: &str, error: CognitoError) -> Self {
        Self {
            request_id: request_id.to_string(),
            error,
        }
    }
}

impl IntoResponse for AwsJsonError {
    fn into_response(self) -> Response {
        let kind = self.error.kind();
        let name = kind.name();
        let message = capped(self.error.message());
        let mut headers = base_headers(&self.request_id);
        if let Ok(v) = HeaderValue::from_str(&format!("{name}:")) {
            headers.insert(HeaderName::from_static("x-amzn-errortype"), v);
        }
        // The message header is optional in AWS; send it only when it is a valid header value.
        if let Ok(v) = HeaderValue::from_str(&message) {
            headers.insert(HeaderName::from_static("x-amzn-errormessage"), v);
        }
        let status = StatusCode::from_u16(kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::json!({"__type": name, "message": message});
        (status, headers, body.to_string()).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_messages_are_capped_at_a_character_boundary() {
        assert_eq!(capped("short"), "short");
        let long = "é".repeat(MAX_MESSAGE_CHARS + 10);
        let cut = capped(&long);
        assert_eq!(cut.chars().count(), MAX_MESSAGE_CHARS + 3);
        assert!(cut.ends_with("é..."));
    }
}
