//! REFRESH_TOKEN_AUTH / REFRESH_TOKEN: new ID and access tokens for a refresh token that is known, unexpired,
//! unrevoked and the calling client's, keeping the original `auth_time` and `origin_jti`.

use super::client::{names_of, ClientProof};
use crate::clients::AppClient;
use crate::error::{CognitoError, ErrorKind, Result};
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::tokens::{AuthenticationResult, Grant};
use crate::users::user_disabled;

fn invalid() -> CognitoError {
    CognitoError::new(ErrorKind::NotAuthorizedException, "Invalid Refresh Token")
}

impl Latchkey {
    pub async fn refresh_sign_in(
        &self,
        pool: &UserPool,
        client: &AppClient,
        refresh_token: &str,
        proof: ClientProof<'_>,
        device_key: Option<&str>,
    ) -> Result<AuthenticationResult> {
        let hash = crate::tokens::handle_hash(refresh_token);
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
        if record.expires <= self.clock.now() {
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
        self.issue_tokens(Grant {
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
        })
        .await
    }
}
