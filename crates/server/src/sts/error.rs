//! STS's error dialect, the one way a refused STS request leaves: `<ErrorResponse>` with the `<Code>` STS
//! answers (botocore and the JS SDK read `Error/Code` and `Error/Message`), the status that code has, and a
//! request id. Domain errors map to it here, in one place.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use latchkey_core::{CognitoError, ErrorKind};

use super::xml::Doc;
use crate::aws::error::capped;

/// An STS refusal before it has a request id: its code, status and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: String,
    pub status: u16,
    pub message: String,
    /// A server fault's detail, for the log only.
    pub detail: Option<String>,
}

impl Refusal {
    pub fn new(code: &str, status: u16, message: impl Into<String>) -> Self {
        Self {
            code: code.to_string(),
            status,
            message: message.into(),
            detail: None,
        }
    }

    pub fn is_fault(&self) -> bool {
        self.status >= 500
    }
}

/// The domain's errors under STS's codes: the request-signing failures SigV4 reports in the AWS JSON services'
/// terms become STS's (an unknown key is InvalidClientTokenId, a wrong signature SignatureDoesNotMatch, both
/// 403), a parameter the domain refuses is a ValidationError, and a fault is InternalFailure. The STS codes the
/// domain has kinds for (ExpiredToken, InvalidIdentityToken, ...) keep their names and statuses.
impl From<CognitoError> for Refusal {
    fn from(e: CognitoError) -> Self {
        let (code, status) = match e.kind() {
            ErrorKind::MissingAuthenticationTokenException => ("MissingAuthenticationToken", 403),
            ErrorKind::IncompleteSignatureException => ("IncompleteSignature", 400),
            ErrorKind::InvalidSignatureException => ("SignatureDoesNotMatch", 403),
            ErrorKind::UnrecognizedClientException => ("InvalidClientTokenId", 403),
            ErrorKind::InvalidParameterException => ("ValidationError", 400),
            ErrorKind::InternalErrorException => ("InternalFailure", 500),
            ErrorKind::TooManyRequestsException => ("Throttling", 400),
            kind => (kind.name(), kind.status()),
        };
        let mut refusal = Self::new(code, status, e.message());
        if e.kind() == ErrorKind::InternalErrorException {
            refusal.detail = Some(e.detail().to_string());
        }
        refusal
    }
}

/// A refusal answered in STS's dialect, under the request's id.
pub struct StsError {
    request_id: String,
    refusal: Refusal,
}

impl StsError {
    pub fn new(request_id: &str, refusal: Refusal) -> Self {
        Self {
            request_id: request_id.to_string(),
            refusal,
        }
    }
}

impl IntoResponse for StsError {
    fn into_response(self) -> Response {
        let r = &self.refusal;
        // The sender's mistake, or the service's own fault.
        let kind = if r.is_fault() { "Receiver" } else { "Sender" };
        let body = Doc::default()
            .open("ErrorResponse", true)
            .open("Error", false)
            .text("Type", kind)
            .text("Code", &r.code)
            .text("Message", &capped(&r.message))
            .close("Error")
            .text("RequestId", &self.request_id)
            .close("ErrorResponse")
            .finish();
        let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        super::xml_response(status, &self.request_id, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header;

    #[test]
    fn signing_failures_take_sts_codes() {
        let r = Refusal::from(CognitoError::new(
            ErrorKind::UnrecognizedClientException,
            "The security token included in the request is invalid.",
        ));
        assert_eq!((r.code.as_str(), r.status), ("InvalidClientTokenId", 403));
        let r = Refusal::from(CognitoError::new(ErrorKind::InvalidSignatureException, "x"));
        assert_eq!((r.code.as_str(), r.status), ("SignatureDoesNotMatch", 403));
        let r = Refusal::from(CognitoError::new(ErrorKind::ExpiredToken, "x"));
        assert_eq!((r.code.as_str(), r.status), ("ExpiredToken", 403));
        let r = Refusal::from(CognitoError::new(ErrorKind::ExpiredTokenException, "x"));
        assert_eq!((r.code.as_str(), r.status), ("ExpiredTokenException", 400));
        let r = Refusal::from(CognitoError::internal("db at 10.0.0.1 down"));
        assert_eq!((r.code.as_str(), r.status), ("InternalFailure", 500));
        assert!(!r.message.contains("10.0.0.1") && r.detail.is_some());
    }

    #[test]
    fn content_type_is_xml() {
        let resp = StsError::new("rid", Refusal::new("InvalidAction", 400, "a < b")).into_response();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        assert_eq!(resp.headers()[header::CONTENT_TYPE], "text/xml");
    }
}
