//! Who is calling an unsigned operation: the app client (found by id across pools and regions), its
//! SECRET_HASH when it has a secret, and the per-user rate limits Cognito applies to code and password operations.

use std::sync::Arc;

use aws_lc_rs::hmac;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::clients::AppClient;
use crate::error::{CognitoError, ErrorKind, Result};
use crate::pools::UserPool;
use crate::secrets::constant_time_eq;
use crate::service::Latchkey;
use crate::users::User;

/// How the app client proves itself on a password sign-in: SECRET_HASH through the API, or nothing in the hosted
/// UI (where the browser never holds the client secret).
#[derive(Debug, Clone, Copy)]
pub enum ClientProof<'a> {
    SecretHash(Option<&'a str>),
    HostedUi,
}

impl ClientProof<'_> {
    pub(crate) fn check(self, lk: &Latchkey, client: &AppClient, names: &[&str]) -> Result<()> {
        match self {
            ClientProof::SecretHash(h) => lk.check_secret_hash(client, names, h),
            ClientProof::HostedUi => Ok(()),
        }
    }
}

/// `base64(HMAC-SHA256(client_secret, username + client_id))`.
pub fn secret_hash(client_secret: &str, username: &str, client_id: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, client_secret.as_bytes());
    STANDARD.encode(hmac::sign(&key, format!("{username}{client_id}").as_bytes()))
}

impl Latchkey {
    /// The client and its pool, for operations addressed by ClientId (sign-in, sign-up, the OAuth endpoints).
    /// Both come from this node's short-lived caches (`Latchkey::client_cache`, `pool_cache`): these are the
    /// hottest reads there are, and a client or pool changed on another node is seen within a second.
    pub async fn client_and_pool(&self, client_id: &str) -> Result<(Arc<AppClient>, Arc<UserPool>)> {
        let client = self
            .cached_client(client_id)
            .await?
            .ok_or_else(|| CognitoError::client_not_found(client_id))?;
        let pool = self
            .cached_pool(&client.user_pool_id)
            .await?
            .ok_or_else(|| CognitoError::pool_not_found(&client.user_pool_id))?;
        Ok((client, pool))
    }

    /// Checks SECRET_HASH for a client with a secret. Clients compute it over the name the user typed or over the
    /// internal username, so every name of `user` is accepted.
    pub(crate) fn check_secret_hash(
        &self,
        client: &AppClient,
        names: &[&str],
        given: Option<&str>,
    ) -> Result<()> {
        let Some(secret) = &client.client_secret else {
            return Ok(());
        };
        let Some(given) = given.filter(|g| !g.is_empty()) else {
            return Err(CognitoError::new(
                ErrorKind::NotAuthorizedException,
                format!(
                    "Client {} is configured with secret but SECRET_HASH was not received",
                    client.client_id
                ),
            ));
        };
        let mut ok = false;
        for name in names {
            // Evaluate every candidate so timing does not reveal which name matched.
            ok |= constant_time_eq(
                secret_hash(secret, name, &client.client_id).as_bytes(),
                given.as_bytes(),
            );
        }
        if ok {
            Ok(())
        } else {
            Err(CognitoError::new(
                ErrorKind::NotAuthorizedException,
                format!("Unable to verify secret hash for client {}", client.client_id),
            ))
        }
    }

    /// Per-user fixed-window rate limit (e.g. 5 code resends an hour): LimitExceededException beyond `per_hour`.
    pub(crate) async fn limit_per_hour(
        &self,
        what: &str,
        pool_id: &str,
        username: &str,
        per_hour: u64,
    ) -> Result<()> {
        let now = self.clock.now();
        let window = now.seconds().div_euclid(3600);
        let key = format!("{what}:{pool_id}:{username}:{window}");
        let expires = crate::time::Timestamp::from_millis((window + 1) * 3_600_000);
        if self.store.increment_counter(&key, now, expires).await? > per_hour {
            return Err(CognitoError::new(
                ErrorKind::LimitExceededException,
                "Attempt limit exceeded, please try after some time.",
            ));
        }
        Ok(())
    }
}

/// Every name SECRET_HASH may have been computed over for this user.
pub fn names_of<'a>(typed: &'a str, user: &'a User) -> Vec<&'a str> {
    let mut v = vec![typed, user.username.as_str(), user.sub.as_str()];
    for attr in ["email", "phone_number", "preferred_username"] {
        if let Some(a) = user.attributes.get(attr) {
            v.push(a);
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_hash_matches_the_documented_construction() {
        // HMAC-SHA256(key="secret", msg="alice" + "client") computed independently with Python's hmac module.
        assert_eq!(
            secret_hash("secret", "alice", "client"),
            "RTsve+FQ659UKyESgvLg9GYmZEL+QjzQsW/OjL77/b0="
        );
    }
}
