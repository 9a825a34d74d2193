//! Passwords: the pool's policy with Cognito's messages, Argon2id hashing on a bounded worker pool, and
//! temporary passwords that satisfy the policy.

mod hasher;
mod policy;

pub use hasher::{HashingParams, PasswordHasher};
pub use policy::{check_policy, generate_temporary_password};

use crate::error::Result;
use crate::service::Latchkey;
use crate::srp::math;
use crate::users::User;

/// Everything stored for a password: the Argon2id hash for password flows and the SRP salt and verifier for
/// USER_SRP_AUTH. Both depend on the internal username (and the SRP verifier on the pool), which never change.
#[derive(Clone)]
pub struct PasswordMaterial {
    phc: String,
    srp_salt: String,
    srp_verifier: String,
}

impl PasswordMaterial {
    pub fn apply(&self, user: &mut User) {
        user.password_hash = Some(self.phc.clone());
        user.srp_salt = Some(self.srp_salt.clone());
        user.srp_verifier = Some(self.srp_verifier.clone());
    }
}

/// The SRP "pool name": the part of the pool id after the region (`us-east-1_AbC123` → `AbC123`).
pub fn srp_pool_name(pool_id: &str) -> &str {
    pool_id.split_once('_').map_or(pool_id, |(_, name)| name)
}

impl Latchkey {
    pub async fn password_material(
        &self,
        pool_id: &str,
        username: &str,
        password: &str,
    ) -> Result<PasswordMaterial> {
        let phc = self.hasher.hash(self.rng.as_ref(), password).await?;
        let mut salt_bytes = [0u8; 16];
        self.rng.fill(&mut salt_bytes);
        let salt = math::u3072_from_be(&salt_bytes);
        let x = math::private_key(&salt, srp_pool_name(pool_id), username, password);
        Ok(PasswordMaterial {
            phc,
            srp_salt: math::to_hex(&salt),
            srp_verifier: math::to_hex(&math::verifier(&x)),
        })
    }
}
