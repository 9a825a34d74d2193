//! The OAuth protocol's refusal, as RFC 6749 names it (`invalid_grant`, `server_error`, ...): the token grants in
//! this module answer with it and the server's OAuth JSON surface renders it. The domain error becomes one here,
//! in one place (the `From` below).

use crate::error::{CognitoError, ErrorKind};
use crate::store::StoreError;

/// An RFC 6749 error: its code and `error_description`. A `server_error` keeps the domain failure behind it for
/// the log; that failure never reaches the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub error: &'static str,
    pub description: String,
    fault: Option<CognitoError>,
}

impl OAuthError {
    pub fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            error,
            description: description.into(),
            fault: None,
        }
    }

    /// The server failure behind a `server_error`, for the log.
    pub fn fault(&self) -> Option<&CognitoError> {
        self.fault.as_ref()
    }
}

/// A server fault is `server_error` with no description (its detail stays in the log); a token that is not a
/// refresh token is `unsupported_token_type` (RFC 7009); any other refusal is `invalid_grant` with Cognito's
/// message.
impl From<CognitoError> for OAuthError {
    fn from(e: CognitoError) -> Self {
        match e.kind() {
            ErrorKind::InternalErrorException => Self {
                error: "server_error",
                description: String::new(),
                fault: Some(e),
            },
            ErrorKind::UnsupportedTokenTypeException => Self::new("unsupported_token_type", e.message()),
            _ => Self::new("invalid_grant", e.message()),
        }
    }
}

impl From<StoreError> for OAuthError {
    fn from(e: StoreError) -> Self {
        CognitoError::from(e).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_faults_keep_their_detail_out_of_the_description() {
        let e = OAuthError::from(CognitoError::internal("db at 10.0.0.1 refused"));
        assert_eq!((e.error, e.description.as_str()), ("server_error", ""));
        assert!(e.fault().is_some_and(|f| f.detail().contains("10.0.0.1")));
        let refused = OAuthError::from(CognitoError::new(
            ErrorKind::NotAuthorizedException,
            "Invalid Refresh Token",
        ));
        assert_eq!(
            (refused.error, refused.description.as_str()),
            ("invalid_grant", "Invalid Refresh Token")
        );
        assert!(refused.fault().is_none());
    }
}
