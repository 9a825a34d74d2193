//! Refresh-token handles and token-signing keys.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::StoreResult;
use crate::time::Timestamp;
use crate::users::User;

/// A refresh token as the server remembers it: only the hash of the opaque handle the client holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshTokenRecord {
    pub handle_hash: String,
    pub pool_id: String,
    pub client_id: String,
    pub username: String,
    /// Shared by every ID and access token minted from this sign-in, so revoking it revokes them.
    pub origin_jti: String,
    pub auth_time: Timestamp,
    pub device_key: Option<String>,
    /// Scopes granted (hosted UI); `None` for API sign-ins.
    pub scopes: Option<Vec<String>>,
    pub issued: Timestamp,
    pub expires: Timestamp,
    pub revoked: bool,
    /// When refresh-token rotation replaced this token with a new one (see `auth::refresh`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced: Option<Timestamp>,
}

/// One RSA signing key of a pool. The private key is sealed with the master key before it reaches the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningKeyRecord {
    pub pool_id: String,
    pub kid: String,
    /// "id" or "access": Cognito signs the two token types with different keys.
    pub token_use: String,
    pub sealed_private_key: String,
    /// Base64url big-endian modulus and exponent, as in a JWK.
    pub n: String,
    pub e: String,
    pub created: Timestamp,
    /// Set when a newer key replaced this one; the key keeps verifying until its tokens have expired.
    pub retired: Option<Timestamp>,
}

#[async_trait]
pub trait TokenStore: Send + Sync {
    async fn insert_refresh_token(&self, token: &RefreshTokenRecord) -> StoreResult<()>;
    async fn get_refresh_token(&self, handle_hash: &str) -> StoreResult<Option<RefreshTokenRecord>>;
    /// A refresh token with its user (a token never outlives its user), in one read for the refresh flows.
    async fn get_refresh_token_and_user(
        &self,
        handle_hash: &str,
    ) -> StoreResult<Option<(RefreshTokenRecord, User)>>;
    /// Records that rotation replaced the refresh token `handle_hash` at `at`; a token replaced before keeps its
    /// first instant (retries within the grace period do not extend it).
    async fn mark_refresh_token_replaced(&self, handle_hash: &str, at: Timestamp) -> StoreResult<()>;
    /// Marks the tokens of one sign-in (one `origin_jti`) revoked. Returns how many were.
    async fn revoke_origin(&self, origin_jti: &str) -> StoreResult<u64>;
    /// Marks every refresh token of a user revoked (global sign-out). Returns how many were.
    async fn revoke_user_tokens(&self, pool_id: &str, username: &str) -> StoreResult<u64>;
    /// Whether the sign-in `origin_jti` has been revoked.
    async fn is_origin_revoked(&self, origin_jti: &str) -> StoreResult<bool>;
    /// A user and whether the sign-in `origin_jti` has been revoked, in one read: what every access-token check
    /// needs (GetUser and the other token-authorised operations), so it costs one round trip, not two.
    async fn get_user_and_origin_revoked(
        &self,
        pool_id: &str,
        username: &str,
        origin_jti: &str,
    ) -> StoreResult<Option<(User, bool)>>;

    /// A pool's keys, newest first.
    async fn list_signing_keys(&self, pool_id: &str) -> StoreResult<Vec<SigningKeyRecord>>;
    /// In one transaction: mark every unretired key of the pool retired at `retired_at` and insert `new` —
    /// unless `expected_active` (the kids the caller saw as active) no longer matches, in which case `Conflict`
    /// (another node rotated or created keys first). Pass an empty `expected_active` for a pool with no keys.
    async fn rotate_signing_keys(
        &self,
        pool_id: &str,
        expected_active: &[String],
        new: &[SigningKeyRecord],
        retired_at: Timestamp,
    ) -> StoreResult<()>;
}
