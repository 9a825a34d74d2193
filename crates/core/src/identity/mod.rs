//! Identity pools (Cognito's `cognito-identity` service): pools, the identities they hand out for a login or for
//! nobody, the roles those identities assume, and the temporary AWS credentials and OpenID tokens they receive.

mod credentials;
mod keyring;
mod model;
mod openid;
mod web_identity;

pub use credentials::*;
pub use keyring::IDENTITY_KEY_RING;
pub use model::*;
pub use openid::*;
pub use web_identity::*;
