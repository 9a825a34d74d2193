//! The one domain error every surface maps from: an exception name Cognito uses, plus a message safe to show.
//!
//! Internal failures (a database that went away, a bug) carry their detail for the log only; `message()` of an
//! internal error never returns that detail, so it cannot reach a client.
//!
//! # Which error type belongs where
//!
//! In core:
//! - [`CognitoError`] (here): what every use case returns, and what a new use case should return. Its
//!   [`ErrorKind`] is Cognito's exception name; build it with [`CognitoError::new`] or a shortcut such as
//!   [`CognitoError::invalid_parameter`], and a server fault with [`CognitoError::internal`].
//! - `store::StoreError`: what a store backend reports. It never leaves core: `?` turns it into a
//!   `CognitoError` (the `From` below).
//! - `oauth::OAuthError`: an RFC 6749 refusal (`invalid_grant`, `server_error`, ...), for what core does on
//!   behalf of the OAuth endpoints (authorization codes, client authentication). `?` turns a `CognitoError` into
//!   one, in one place (`oauth/error.rs`).
//!
//! In the server, one type per surface, each `IntoResponse` and each built from the errors above in one place;
//! a handler returns `Result<_, ThatType>` and never writes an error body itself:
//! - AWS JSON (`POST /`): `aws::error::AwsJsonError`, Cognito's `{"__type", "message"}` with `x-amzn-ErrorType`.
//! - OAuth JSON (`/oauth2/token`, `/oauth2/revoke`): `oauth::error::OAuthJsonError`, RFC 6749's
//!   `{"error", "error_description"}`; `/oauth2/userInfo` refuses a token with `oauth::error::BearerError`
//!   (RFC 6750).
//! - STS's query protocol (`POST /` with a form body, presigned `GET /?Action=`): `sts::error::StsError`,
//!   `<ErrorResponse>` XML whose `<Code>` is the kind's name or the STS code it maps to.
//! - HTML (the hosted UI's pages, `/logout`, `/error`): `oauth::ui::PageError`, the error page with one message. A
//!   form refused by a use case is shown again with the message instead (`Frame::refused`, through the same
//!   mapping).

use std::fmt;

/// Cognito exception names (`__type`) that Latchkey answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    InvalidParameterException,
    UsernameExistsException,
    AliasExistsException,
    UserNotFoundException,
    UserNotConfirmedException,
    PasswordResetRequiredException,
    CodeMismatchException,
    ExpiredCodeException,
    InvalidPasswordException,
    TooManyFailedAttemptsException,
    CodeDeliveryFailureException,
    UnsupportedUserStateException,
    UnsupportedTokenTypeException,
    UnauthorizedException,
    GroupExistsException,
    InvalidUserPoolConfigurationException,
    SerializationException,
    ResourceNotFoundException,
    NotAuthorizedException,
    LimitExceededException,
    TooManyRequestsException,
    ConcurrentModificationException,
    ScopeDoesNotExistException,
    UnsupportedOperationException,
    InvalidOAuthFlowException,
    UserPoolTaggingException,
    UnknownOperationException,
    // MFA.
    EnableSoftwareTokenMFAException,
    SoftwareTokenMFANotFoundException,
    // Refresh-token rotation.
    RefreshTokenReuseException,
    // Passkeys (WebAuthn).
    WebAuthnNotEnabledException,
    WebAuthnConfigurationMissingException,
    WebAuthnChallengeNotFoundException,
    WebAuthnClientMismatchException,
    WebAuthnOriginNotAllowedException,
    WebAuthnRelyingPartyMismatchException,
    WebAuthnCredentialNotSupportedException,
    // Lambda triggers.
    UserLambdaValidationException,
    InvalidLambdaResponseException,
    UnexpectedLambdaException,
    // Identity pools (cognito-identity).
    InvalidIdentityPoolConfigurationException,
    ResourceConflictException,
    DeveloperUserAlreadyRegisteredException,
    ExternalServiceException,
    // KMS (TrentService), for the custom sender triggers' codes.
    InvalidCiphertextException,
    IncorrectKeyException,
    NotFoundException,
    ValidationException,
    // Request-authentication errors shared by every AWS JSON service.
    MissingAuthenticationTokenException,
    IncompleteSignatureException,
    InvalidSignatureException,
    UnrecognizedClientException,
    InternalErrorException,
    // STS (query protocol) error codes, for temporary credentials and web identity tokens. Their names are the
    // `<Code>` STS answers with, not exception names.
    /// A request signed with temporary credentials that do not exist (forged or altered session token).
    InvalidClientTokenId,
    /// A request signed with temporary credentials that have expired.
    ExpiredToken,
    /// A web identity token that is not a valid token of this issuer.
    InvalidIdentityToken,
    /// A web identity token that has expired.
    ExpiredTokenException,
    /// The caller may not assume the role (what an IAM trust policy would refuse).
    AccessDenied,
}

impl ErrorKind {
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::InvalidParameterException => "InvalidParameterException",
            ErrorKind::UsernameExistsException => "UsernameExistsException",
            ErrorKind::AliasExistsException => "AliasExistsException",
            ErrorKind::UserNotFoundException => "UserNotFoundException",
            ErrorKind::UserNotConfirmedException => "UserNotConfirmedException",
            ErrorKind::PasswordResetRequiredException => "PasswordResetRequiredException",
            ErrorKind::CodeMismatchException => "CodeMismatchException",
            ErrorKind::ExpiredCodeException => "ExpiredCodeException",
            ErrorKind::InvalidPasswordException => "InvalidPasswordException",
            ErrorKind::TooManyFailedAttemptsException => "TooManyFailedAttemptsException",
            ErrorKind::CodeDeliveryFailureException => "CodeDeliveryFailureException",
            ErrorKind::UnsupportedUserStateException => "UnsupportedUserStateException",
            ErrorKind::UnsupportedTokenTypeException => "UnsupportedTokenTypeException",
            ErrorKind::UnauthorizedException => "UnauthorizedException",
            ErrorKind::GroupExistsException => "GroupExistsException",
            ErrorKind::InvalidUserPoolConfigurationException => "InvalidUserPoolConfigurationException",
            ErrorKind::SerializationException => "SerializationException",
            ErrorKind::ResourceNotFoundException => "ResourceNotFoundException",
            ErrorKind::NotAuthorizedException => "NotAuthorizedException",
            ErrorKind::LimitExceededException => "LimitExceededException",
            ErrorKind::TooManyRequestsException => "TooManyRequestsException",
            ErrorKind::ConcurrentModificationException => "ConcurrentModificationException",
            ErrorKind::ScopeDoesNotExistException => "ScopeDoesNotExistException",
            ErrorKind::UnsupportedOperationException => "UnsupportedOperationException",
            ErrorKind::InvalidOAuthFlowException => "InvalidOAuthFlowException",
            ErrorKind::UserPoolTaggingException => "UserPoolTaggingException",
            ErrorKind::UnknownOperationException => "UnknownOperationException",
            ErrorKind::EnableSoftwareTokenMFAException => "EnableSoftwareTokenMFAException",
            ErrorKind::SoftwareTokenMFANotFoundException => "SoftwareTokenMFANotFoundException",
            ErrorKind::RefreshTokenReuseException => "RefreshTokenReuseException",
            ErrorKind::WebAuthnNotEnabledException => "WebAuthnNotEnabledException",
            ErrorKind::WebAuthnConfigurationMissingException => "WebAuthnConfigurationMissingException",
            ErrorKind::WebAuthnChallengeNotFoundException => "WebAuthnChallengeNotFoundException",
            ErrorKind::WebAuthnClientMismatchException => "WebAuthnClientMismatchException",
            ErrorKind::WebAuthnOriginNotAllowedException => "WebAuthnOriginNotAllowedException",
            ErrorKind::WebAuthnRelyingPartyMismatchException => "WebAuthnRelyingPartyMismatchException",
            ErrorKind::WebAuthnCredentialNotSupportedException => "WebAuthnCredentialNotSupportedException",
            ErrorKind::UserLambdaValidationException => "UserLambdaValidationException",
            ErrorKind::InvalidLambdaResponseException => "InvalidLambdaResponseException",
            ErrorKind::UnexpectedLambdaException => "UnexpectedLambdaException",
            ErrorKind::InvalidIdentityPoolConfigurationException => {
                "InvalidIdentityPoolConfigurationException"
            }
            ErrorKind::ResourceConflictException => "ResourceConflictException",
            ErrorKind::DeveloperUserAlreadyRegisteredException => "DeveloperUserAlreadyRegisteredException",
            ErrorKind::ExternalServiceException => "ExternalServiceException",
            ErrorKind::InvalidCiphertextException => "InvalidCiphertextException",
            ErrorKind::IncorrectKeyException => "IncorrectKeyException",
            ErrorKind::NotFoundException => "NotFoundException",
            ErrorKind::ValidationException => "ValidationException",
            ErrorKind::MissingAuthenticationTokenException => "MissingAuthenticationTokenException",
            ErrorKind::IncompleteSignatureException => "IncompleteSignatureException",
            ErrorKind::InvalidSignatureException => "InvalidSignatureException",
            ErrorKind::UnrecognizedClientException => "UnrecognizedClientException",
            ErrorKind::InternalErrorException => "InternalErrorException",
            ErrorKind::InvalidClientTokenId => "InvalidClientTokenId",
            ErrorKind::ExpiredToken => "ExpiredToken",
            ErrorKind::InvalidIdentityToken => "InvalidIdentityToken",
            ErrorKind::ExpiredTokenException => "ExpiredTokenException",
            ErrorKind::AccessDenied => "AccessDenied",
        }
    }

    /// HTTP status: AWS JSON services answer 500 only for server faults and 400 for everything the client got
    /// wrong, request-authentication failures included. STS answers 403 when it refuses the credentials or
    /// the role (botocore's model and real STS answers agree).
    pub fn status(self) -> u16 {
        match self {
            ErrorKind::InternalErrorException => 500,
            ErrorKind::InvalidClientTokenId | ErrorKind::ExpiredToken | ErrorKind::AccessDenied => 403,
            _ => 400,
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct CognitoError {
    kind: ErrorKind,
    message: String,
}

impl CognitoError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidParameterException, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::ResourceNotFoundException, message)
    }

    /// A server fault. `detail` is for the log; clients see a fixed message.
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::InternalErrorException, detail)
    }

    pub fn pool_not_found(pool_id: &str) -> Self {
        Self::not_found(format!("User pool {pool_id} does not exist."))
    }

    pub fn client_not_found(client_id: &str) -> Self {
        Self::not_found(format!("User pool client {client_id} does not exist."))
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message a client may see.
    pub fn message(&self) -> &str {
        if self.kind == ErrorKind::InternalErrorException {
            "Internal server error."
        } else {
            &self.message
        }
    }

    /// The full detail, for logs.
    pub fn detail(&self) -> &str {
        &self.message
    }
}

impl fmt::Debug for CognitoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.message)
    }
}

impl fmt::Display for CognitoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.message())
    }
}

impl std::error::Error for CognitoError {}

impl From<crate::store::StoreError> for CognitoError {
    fn from(e: crate::store::StoreError) -> Self {
        match e {
            crate::store::StoreError::Conflict(what) => Self::new(
                ErrorKind::ConcurrentModificationException,
                format!("{what} was modified concurrently; retry."),
            ),
            crate::store::StoreError::Duplicate { kind } => {
                Self::internal(format!("unexpected duplicate {kind}"))
            }
            crate::store::StoreError::Backend(detail) => Self::internal(detail),
        }
    }
}

pub type Result<T, E = CognitoError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_detail_never_reaches_the_client_message() {
        let e = CognitoError::internal("connection refused to db at 10.0.0.1");
        assert_eq!(e.message(), "Internal server error.");
        assert_eq!(e.kind().status(), 500);
        assert!(e.detail().contains("10.0.0.1"));
    }

    #[test]
    fn client_errors_are_400() {
        assert_eq!(ErrorKind::InvalidParameterException.status(), 400);
        assert_eq!(ErrorKind::InvalidSignatureException.status(), 400);
    }
}
