//! REFRESH_TOKEN_AUTH / REFRESH_TOKEN and GetTokensFromRefreshToken: new ID and access tokens for a refresh token
//! that is known, unexpired, unrevoked and the calling client's, keeping the original `auth_time` and `origin_jti`.
//!
//! Refresh-token rotation (the client's RefreshTokenRotation): GetTokensFromRefreshToken and `/oauth2/token` also
//! answer with a new refresh token for the same sign-in, expiring when the old one would have. The old one keeps
//! working for RetryGracePeriodSeconds (a client retrying a lost answer), then is refused as reused — and since a
//! retired token presented late means two parties hold the sign-in (RFC 9700 §4.14.2), that sign-in is revoked.

use super::client::{names_of, ClientProof};
use super::initiate::require_flow;
use crate::clients::AppClient;
use crate::error::{CognitoError, ErrorKind, Result};
use crate::pools::UserPool;
use crate::secrets::constant_time_eq;
use crate::service::Latchkey;
use crate::store::RefreshTokenRecord;
use crate::tokens::{handle_hash, new_handle, AuthenticationResult, Grant};
use crate::users::user_disabled;

fn invalid() -> CognitoError {
    CognitoError::new(ErrorKind::NotAuthorizedException, "Invalid Refresh Token")
}

impl Latchkey {
    /// GetTokensFromRefreshToken (what Amplify v6 refreshes with): like REFRESH_TOKEN_AUTH, the client proving
    /// itself with its secret instead of a SECRET_HASH, and with a new refresh token when the client rotates them.
    pub async fn get_tokens_from_refresh_token(
        &self,
        client_id: &str,
        client_secret: Option<&str>,
        refresh_token: &str,
        device_key: Option<&str>,
    ) -> Result<AuthenticationResult> {
        let (client, pool) = self.client_and_pool(client_id).await?;
        require_flow(&client, "ALLOW_REFRESH_TOKEN_AUTH", "REFRESH_TOKEN_AUTH")?;
        if let Some(secret) = &client.client_secret {
            let given = client_secret.unwrap_or_default();
            if !constant_time_eq(secret.as_bytes(), given.as_bytes()) {
                return Err(CognitoError::new(
                    ErrorKind::NotAuthorizedException,
                    format!("Unable to verify secret for client {}", client.client_id),
                ));
            }
        }
        self.refresh_sign_in(&pool, &client, refresh_token, ClientProof::HostedUi, device_key)
            .await
    }

    pub async fn refresh_sign_in(
        &self,
        pool: &UserPool,
        client: &AppClient,
        refresh_token: &str,
        proof: ClientProof<'_>,
        device_key: Option<&str>,
    ) -> Result<AuthenticationResult> {
        let hash = handle_hash(refresh_token);
        let (record, user) = self
            .store
            .get_refresh_token_and_user(&hash)
            .await?
            .ok_or_else(invalid)?;
        if record.pool_id != pool.id || record.client_id != client.client_id {
            return Err(invalid());
        }
        if let ClientProof::SecretHash(secret_hash) = proof {
            self.check_secret_hash(client, &names_of(&record.username, &user), secret_hash)?;
        }
        if record.revoked {
            return Err(CognitoError::new(
                ErrorKind::NotAuthorizedException,
                "Refresh Token has been revoked",
            ));
        }
        let now = self.clock.now();
        if let Some(replaced) = record.replaced {
            let grace = client.refresh_rotation_grace_seconds().unwrap_or(0);
            if replaced.plus_seconds(grace) <= now {
                self.store.revoke_origin(&record.origin_jti).await?;
                return Err(CognitoError::new(
                    ErrorKind::RefreshTokenReuseException,
                    "Refresh Token has been rotated and can no longer be used",
                ));
            }
        }
        if record.expires <= now {
            return Err(CognitoError::new(
                ErrorKind::NotAuthorizedException,
                "Refresh Token has expired",
            ));
        }
        if !user.enabled {
            return Err(user_disabled());
        }
        if let (Some(given), Some(bound)) = (device_key, record.device_key.as_deref()) {
            if given != bound {
                return Err(invalid());
            }
        }
        let mut tokens = self
            .issue_tokens(Grant {
                pool,
                client,
                user: &user,
                auth_time: record.auth_time,
                refresh_of: Some(&record),
                device_key: None,
                scopes: None,
                nonce: None,
                origin_jti: None,
                with_refresh_token: true,
                source: crate::triggers::TokenSource::RefreshTokens,
            })
            .await?;
        if client.refresh_rotation_grace_seconds().is_some() {
            tokens.refresh_token = Some(self.rotate_refresh_token(&record).await?);
        }
        Ok(tokens)
    }

    /// A new refresh token continuing `old`'s sign-in (same origin, auth_time, device, scopes and expiry), and
    /// `old` marked replaced from now.
    async fn rotate_refresh_token(&self, old: &RefreshTokenRecord) -> Result<String> {
        let now = self.clock.now();
        let handle = new_handle(self);
        self.store
            .insert_refresh_token(&RefreshTokenRecord {
                handle_hash: handle_hash(&handle),
                issued: now,
                replaced: None,
                revoked: false,
                ..old.clone()
            })
            .await?;
        self.store
            .mark_refresh_token_replaced(&old.handle_hash, now)
            .await?;
        Ok(handle)
    }
}
