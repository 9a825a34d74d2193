//! OAuth 2.0 / OIDC as Cognito's hosted UI serves it: resource servers and their custom scopes, scope rules,
//! authorization codes (sealed, single use, PKCE S256), the token endpoint's grants, and UI customization.

pub mod code;
pub mod domains;
pub mod resource_servers;
pub mod scopes;
pub mod ui;

pub use resource_servers::{ResourceServer, ResourceServerInput};

/// An RFC 6749 error: `{"error": ..., "error_description": ...}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub error: &'static str,
    pub description: String,
}

impl OAuthError {
    pub fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            error,
            description: description.into(),
        }
    }
}
