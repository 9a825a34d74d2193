//! Tokens exactly as Cognito issues them: per-pool RS256 key ring (separate keys for ID and access tokens, with
//! rotation), the claims, compact JWS signing and verification, opaque refresh-token handles, and the checks
//! token-authorised operations run on an access token.

mod access;
mod claims;
mod issue;
pub mod jwt;
mod keyring;
mod keys;
mod verified;

pub(crate) use access::session_revoked;
pub use access::AccessContext;
pub(crate) use issue::new_handle;
pub use issue::{handle_hash, AuthenticationResult, Grant, ADMIN_SCOPE};
pub(crate) use keys::{new_record, parse_identity};
pub use keys::{IdentityKeys, KeyCache, PoolKeys, KEY_CACHE_MILLIS};
pub use verified::VerifiedTokens;
