//! The refusals of the passkey operations, worded as Cognito words them, and how `webauthn-rs`'s errors map to
//! Cognito's WebAuthn exceptions.

use webauthn_rs::prelude::WebauthnError;

use crate::error::{CognitoError, ErrorKind};

pub(crate) fn not_enabled() -> CognitoError {
    CognitoError::new(
        ErrorKind::WebAuthnNotEnabledException,
        "WebAuthn is not enabled for this user pool.",
    )
}

pub(crate) fn configuration_missing() -> CognitoError {
    CognitoError::new(
        ErrorKind::WebAuthnConfigurationMissingException,
        "WebAuthn configuration is missing: set WebAuthnConfiguration.RelyingPartyId.",
    )
}

pub(crate) fn challenge_not_found() -> CognitoError {
    CognitoError::new(
        ErrorKind::WebAuthnChallengeNotFoundException,
        "No WebAuthn registration is in progress for this user, or it has expired.",
    )
}

pub(crate) fn client_mismatch() -> CognitoError {
    CognitoError::new(
        ErrorKind::WebAuthnClientMismatchException,
        "The WebAuthn registration was started by a different app client.",
    )
}

pub(crate) fn limit_exceeded() -> CognitoError {
    CognitoError::new(
        ErrorKind::LimitExceededException,
        "The user has reached the maximum number of passkeys.",
    )
}

pub(crate) fn already_registered() -> CognitoError {
    CognitoError::new(
        ErrorKind::WebAuthnCredentialNotSupportedException,
        "This credential is already registered.",
    )
}

pub(crate) fn credential_not_found() -> CognitoError {
    CognitoError::not_found("Credential not found.")
}

pub(crate) fn malformed_credential(detail: impl std::fmt::Display) -> CognitoError {
    CognitoError::invalid_parameter(format!("Invalid WebAuthn credential: {detail}"))
}

/// The sign-in refusal for a passkey that does not verify: the same words as a wrong password.
pub(crate) fn sign_in_refused() -> CognitoError {
    CognitoError::new(
        ErrorKind::NotAuthorizedException,
        "Incorrect username or password.",
    )
}

/// Origin and RP ID problems are Cognito's own exceptions wherever a ceremony fails; `otherwise` builds the rest.
pub(crate) fn from_webauthn(e: &WebauthnError, otherwise: impl FnOnce() -> CognitoError) -> CognitoError {
    match e {
        WebauthnError::InvalidRPOrigin | WebauthnError::CredentialCrossOrigin => CognitoError::new(
            ErrorKind::WebAuthnOriginNotAllowedException,
            "The WebAuthn origin is not allowed for this relying party.",
        ),
        WebauthnError::InvalidRPIDHash => CognitoError::new(
            ErrorKind::WebAuthnRelyingPartyMismatchException,
            "The WebAuthn credential was created for a different relying party.",
        ),
        _ => otherwise(),
    }
}

/// A registration refused by `webauthn-rs`: an unreadable response is the caller's mistake
/// (InvalidParameterException); anything else is a credential Latchkey does not accept.
pub(crate) fn registration_refused(e: &WebauthnError) -> CognitoError {
    from_webauthn(e, || match e {
        WebauthnError::ParseBase64Failure(_)
        | WebauthnError::ParseCBORFailure(_)
        | WebauthnError::ParseJSONFailure(_)
        | WebauthnError::ParseNOMFailure
        | WebauthnError::ParseInsufficientBytesAvailable
        | WebauthnError::InvalidClientDataType
        | WebauthnError::MismatchedChallenge => malformed_credential(e),
        WebauthnError::CredentialExcludedFromRequest => already_registered(),
        _ => CognitoError::new(
            ErrorKind::WebAuthnCredentialNotSupportedException,
            format!("The WebAuthn credential is not supported: {e}"),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_and_rp_id_errors_are_cognitos_exceptions() {
        let kind = |e: WebauthnError| registration_refused(&e).kind();
        assert_eq!(
            kind(WebauthnError::InvalidRPOrigin),
            ErrorKind::WebAuthnOriginNotAllowedException
        );
        assert_eq!(
            kind(WebauthnError::InvalidRPIDHash),
            ErrorKind::WebAuthnRelyingPartyMismatchException
        );
        assert_eq!(
            kind(WebauthnError::MismatchedChallenge),
            ErrorKind::InvalidParameterException
        );
        assert_eq!(
            kind(WebauthnError::UserNotVerified),
            ErrorKind::WebAuthnCredentialNotSupportedException
        );
        let refused = from_webauthn(&WebauthnError::AuthenticationFailure, sign_in_refused);
        assert_eq!(refused.kind(), ErrorKind::NotAuthorizedException);
    }
}
