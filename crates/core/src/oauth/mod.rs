//! OAuth 2.0 / OIDC as Cognito's hosted UI serves it: resource servers and their custom scopes, scope rules,
//! authorization codes (sealed, single use, PKCE S256), the token endpoint's grants and their RFC 6749 error, UI
//! customization, and the hosted UI's use cases (its sign-in, sign-up and browser session).

mod client_auth;
pub mod code;
pub mod domains;
mod error;
pub mod hosted;
pub mod resource_servers;
pub mod scopes;
pub mod ui;

pub use error::OAuthError;
pub use resource_servers::{ResourceServer, ResourceServerInput};
