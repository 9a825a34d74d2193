//! Why a token was refused (or a verifier could not be built): one variant per check, so callers can tell an
//! expired session from a forgery, and `kind()` names each variant for logs and metrics.

use crate::claims::TokenUse;

/// Why [`crate::Verifier::verify`] refused a token, or why a verifier could not be built.
///
/// The messages never contain the token itself; they may contain values read from it (an unknown `kid`, a
/// foreign issuer), which are public.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// Not a compact JWS carrying a JSON object: wrong number of parts, bad base64url, bad JSON, too large.
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    /// The header names an algorithm other than RS256 (`none`, HS256, ES256, ...). Refused before any key is used.
    #[error("unsupported algorithm {0:?}: only RS256 is accepted")]
    UnsupportedAlgorithm(String),
    /// No key with this `kid` in the JWKS, even after a refetch (or a refetch was not allowed yet).
    #[error("no key with kid {0:?} in the JWKS")]
    UnknownKey(String),
    /// The RS256 signature does not match the header and payload under the named key.
    #[error("invalid signature")]
    BadSignature,
    /// A claim every Cognito token carries is absent.
    #[error("missing claim {0}")]
    MissingClaim(&'static str),
    /// A claim has the wrong JSON type or an unknown value (e.g. `token_use: "refresh"`).
    #[error("invalid claim {0}")]
    InvalidClaim(&'static str),
    /// `exp` is past (beyond the leeway).
    #[error("token expired")]
    Expired,
    /// `nbf` is still in the future (beyond the leeway).
    #[error("token not valid yet")]
    NotYetValid,
    /// `iat` is in the future (beyond the leeway).
    #[error("token issued in the future")]
    IssuedInFuture,
    /// `iss` is not the configured issuer.
    #[error("issuer {found:?} is not {expected:?}")]
    WrongIssuer { expected: String, found: String },
    /// `token_use` is not the one required.
    #[error("token_use is {found}, {expected} required")]
    WrongTokenUse { expected: TokenUse, found: TokenUse },
    /// The ID token's `aud` or the access token's `client_id` is none of the configured client ids.
    #[error("token was issued to another client")]
    WrongAudience,
    /// None of the required scopes is in `scope`.
    #[error("token has none of the required scopes")]
    MissingScope,
    /// None of the required groups is in `cognito:groups`.
    #[error("user is in none of the required groups")]
    MissingGroup,
    /// The JWKS could not be fetched or parsed.
    #[error("JWKS: {0}")]
    Jwks(String),
    /// The verifier's configuration is unusable (empty issuer, bad JWKS URI, HTTP client error).
    #[error("configuration: {0}")]
    Config(String),
}

impl VerifyError {
    /// The variant's name (`"Expired"`, `"BadSignature"`, ...): a stable label for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            VerifyError::Malformed(_) => "Malformed",
            VerifyError::UnsupportedAlgorithm(_) => "UnsupportedAlgorithm",
            VerifyError::UnknownKey(_) => "UnknownKey",
            VerifyError::BadSignature => "BadSignature",
            VerifyError::MissingClaim(_) => "MissingClaim",
            VerifyError::InvalidClaim(_) => "InvalidClaim",
            VerifyError::Expired => "Expired",
            VerifyError::NotYetValid => "NotYetValid",
            VerifyError::IssuedInFuture => "IssuedInFuture",
            VerifyError::WrongIssuer { .. } => "WrongIssuer",
            VerifyError::WrongTokenUse { .. } => "WrongTokenUse",
            VerifyError::WrongAudience => "WrongAudience",
            VerifyError::MissingScope => "MissingScope",
            VerifyError::MissingGroup => "MissingGroup",
            VerifyError::Jwks(_) => "Jwks",
            VerifyError::Config(_) => "Config",
        }
    }

    /// True when the token is fine but lacks a required scope or group: RFC 6750's `insufficient_scope` (403)
    /// rather than `invalid_token` (401).
    pub fn is_insufficient_scope(&self) -> bool {
        matches!(self, VerifyError::MissingScope | VerifyError::MissingGroup)
    }

    /// True when the fault is on the verifier's side (the JWKS could not be had), not the token's.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, VerifyError::Jwks(_) | VerifyError::Config(_))
    }
}
