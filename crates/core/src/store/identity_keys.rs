//! The key ring that signs identity pools' OpenID tokens (GetOpenIdToken): one ring for the whole service, as
//! Cognito's `cognito-identity.amazonaws.com` issuer has one, kept apart from user pools' keys.

use async_trait::async_trait;

use super::{SigningKeyRecord, StoreResult};
use crate::time::Timestamp;

#[async_trait]
pub trait IdentityKeyStore: Send + Sync {
    /// Every identity-token key, newest first.
    async fn list_identity_keys(&self) -> StoreResult<Vec<SigningKeyRecord>>;
    /// In one transaction: mark every unretired key retired at `retired_at` and insert `new` — unless
    /// `expected_active` (the kids the caller saw as active) no longer matches, or another node's new key landed
    /// first, in which case `Conflict`. Pass an empty `expected_active` to create the first key.
    async fn rotate_identity_keys(
        &self,
        expected_active: &[String],
        new: &SigningKeyRecord,
        retired_at: Timestamp,
    ) -> StoreResult<()>;
}
