//! Identity pools (Cognito's `cognito-identity` service): pools, the identities they hand out for a login or for
//! nobody, the roles those identities assume, and the temporary AWS credentials and OpenID tokens they receive.

mod credentials;
mod developer;
mod grants;
mod identities;
mod keyring;
mod logins;
mod model;
mod openid;
mod pools;
pub mod roles;
mod web_identity;

pub use credentials::*;
pub use developer::DeveloperIdentity;
pub use grants::{CREDENTIALS_SECONDS, DEVELOPER_TOKEN_SECONDS, OPENID_TOKEN_SECONDS, SESSION_NAME};
pub use identities::{identity_not_found, AuthenticatedIdentity};
pub use keyring::IDENTITY_KEY_RING;
pub use logins::{VerifiedLogin, IDENTITY_TOKEN_PROVIDER};
pub use model::*;
pub use openid::*;
pub use pools::{
    identity_pool_not_found, user_pool_of_provider, user_pool_provider_name, IdentityPoolInput, MAX_ROLE_MAPPINGS,
    MAX_RULES, MAX_TAGS,
};
pub use web_identity::*;
