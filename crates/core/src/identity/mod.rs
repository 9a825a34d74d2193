//! Identity pools (Cognito's `cognito-identity` service): pools, the identities they hand out for a login or for
//! nobody, the roles those identities assume, and the temporary AWS credentials and OpenID tokens they receive.

mod model;

pub use model::*;
