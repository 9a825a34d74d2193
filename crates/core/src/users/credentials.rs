//! What a password becomes in a user's record: the Argon2id hash for password flows and the SRP salt and
//! verifier for USER_SRP_AUTH, derived together whenever a password is set.

use crate::error::Result;
use crate::service::Latchkey;
use crate::srp::{math, pool_name};
use crate::users::User;

/// Everything stored for a password. Both parts depend on the internal username (and the SRP verifier on the
/// pool), which never change, so they are derived before the user's record is read for the write.
#[derive(Clone)]
pub(crate) struct PasswordMaterial {
    phc: String,
    srp_salt: String,
    srp_verifier: String,
}

impl PasswordMaterial {
    pub(crate) fn apply(&self, user: &mut User) {
        user.password_hash = Some(self.phc.clone());
        user.srp_salt = Some(self.srp_salt.clone());
        user.srp_verifier = Some(self.srp_verifier.clone());
    }
}

impl Latchkey {
    /// Hashes `password` (on the bounded hashing pool) and derives its SRP verifier for `username` in `pool_id`.
    pub(crate) async fn password_material(
        &self,
        pool_id: &str,
        username: &str,
        password: &str,
    ) -> Result<PasswordMaterial> {
        let phc = self.hasher.hash(self.rng.as_ref(), password).await?;
        let mut salt_bytes = [0u8; 16];
        self.rng.fill(&mut salt_bytes);
        let salt = math::u3072_from_be(&salt_bytes);
        let x = math::private_key(&salt, pool_name(pool_id), username, password);
        Ok(PasswordMaterial {
            phc,
            srp_salt: math::to_hex(&salt),
            srp_verifier: math::to_hex(&math::verifier(&x)),
        })
    }
}
