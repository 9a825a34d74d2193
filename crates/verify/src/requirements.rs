//! What a token must be for a given use, beyond a valid signature, issuer and lifetime: its `token_use`, the app
//! clients it may be issued to, and any-of scopes and groups.

use serde_json::Value;

use crate::claims::{Claims, TokenUse};
use crate::error::VerifyError;

/// The per-use requirements. A verifier holds the builder's; [`crate::Verifier::verify_for`] takes others.
///
/// Empty lists require nothing: no client ids = any client of the issuer, no scopes/groups = none needed.
#[derive(Clone, Debug, Default)]
pub struct Requirements {
    /// `Some(use)`: only that kind of token; `None`: either.
    pub token_use: Option<TokenUse>,
    /// The accepted app clients: an ID token's `aud` or an access token's `client_id` must be one of them.
    pub client_ids: Vec<String>,
    /// At least one of these must be in the access token's `scope`.
    pub any_scope: Vec<String>,
    /// The user must be in at least one of these `cognito:groups`.
    pub any_group: Vec<String>,
}

impl Requirements {
    /// Checks `claims` against these requirements, in the order token_use, audience, scope, group.
    pub(crate) fn check(&self, claims: &Claims) -> Result<(), VerifyError> {
        if let Some(expected) = self.token_use {
            if claims.token_use != expected {
                return Err(VerifyError::WrongTokenUse {
                    expected,
                    found: claims.token_use,
                });
            }
        }
        if !self.client_ids.is_empty() && !self.audience_matches(claims) {
            return Err(VerifyError::WrongAudience);
        }
        if !self.any_scope.is_empty() && !self.any_scope.iter().any(|s| claims.has_scope(s)) {
            return Err(VerifyError::MissingScope);
        }
        if !self.any_group.is_empty() && !self.any_group.iter().any(|g| claims.in_group(g)) {
            return Err(VerifyError::MissingGroup);
        }
        Ok(())
    }

    /// An ID token names its client in `aud` (a string, or per RFC 7519 an array of which one must match); an
    /// access token in `client_id`. Each is checked only for its own kind, so an access token's `aud` (Cognito
    /// puts none) cannot stand in for its `client_id`.
    fn audience_matches(&self, claims: &Claims) -> bool {
        let accepted = |id: &str| self.client_ids.iter().any(|c| c == id);
        match claims.token_use {
            TokenUse::Access => claims.client_id.as_deref().is_some_and(accepted),
            TokenUse::Id => match claims.raw.get("aud") {
                Some(Value::String(aud)) => accepted(aud),
                Some(Value::Array(auds)) => auds.iter().filter_map(Value::as_str).any(accepted),
                _ => false,
            },
        }
    }
}
