//! The checks Cognito runs on the access token of a token-authorised operation (GetUser, ChangePassword, ...):
//! signature by the pool's key, issuer, type, expiry, scope, and that neither the user nor the sign-in has been
//! signed out, disabled or deleted since.

use std::sync::Arc;

use super::issue::ADMIN_SCOPE;
use super::jwt::Unverified;
use crate::error::{CognitoError, ErrorKind, Result};
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::users::{user_disabled, user_not_found, User};

/// A verified access token and whom it speaks for.
pub struct AccessContext {
    pub pool: Arc<UserPool>,
    pub user: User,
    pub client_id: String,
    pub origin_jti: String,
    /// The scopes the token carries.
    pub scopes: Vec<String>,
}

fn not_authorized(msg: &str) -> CognitoError {
    CognitoError::new(ErrorKind::NotAuthorizedException, msg)
}

/// Whether a token issued at `iat` (epoch seconds) for the sign-in `origin_jti` no longer speaks for `user`: the
/// user signed out everywhere since (GlobalSignOut), or that sign-in was revoked (RevokeToken, `origin_revoked`).
pub(crate) fn session_revoked(user: &User, iat: i64, origin_jti: &str, origin_revoked: bool) -> bool {
    let signed_out = user.tokens_valid_after.is_some_and(|after| iat < after.seconds());
    signed_out || (!origin_jti.is_empty() && origin_revoked)
}

impl Latchkey {
    /// For Cognito's token-authorised operations: the token must carry `aws.cognito.signin.user.admin`.
    pub(crate) async fn authenticate_access_token(&self, token: &str) -> Result<AccessContext> {
        self.authenticate_access_token_for(token, ADMIN_SCOPE).await
    }

    /// Verifies an access token that must carry `required_scope` (`openid` for userInfo).
    pub async fn authenticate_access_token_for(
        &self,
        token: &str,
        required_scope: &str,
    ) -> Result<AccessContext> {
        let invalid = || not_authorized("Invalid Access Token");
        let t = Unverified::parse(token).ok_or_else(invalid)?;
        let iss = t.claim_str("iss").ok_or_else(invalid)?;
        let pool_id = iss.rsplit('/').next().ok_or_else(invalid)?;
        if iss != self.issuer(pool_id) {
            return Err(invalid());
        }
        let Some(pool) = self.cached_pool(pool_id).await? else {
            return Err(invalid());
        };
        let kid = t.kid().ok_or_else(invalid)?;
        let keys = self.pool_keys_with(pool_id, kid).await?;
        let (n, e) = keys.verifier(kid).ok_or_else(invalid)?;
        if !t.verify(n, e) || t.claim_str("token_use") != Some("access") {
            return Err(invalid());
        }
        let now = self.clock.now();
        if t.claim_i64("exp").is_none_or(|exp| exp <= now.seconds()) {
            return Err(not_authorized("Access Token has expired"));
        }
        let scopes = t.claim_str("scope").unwrap_or("");
        if !scopes.split(' ').any(|s| s == required_scope) {
            return Err(not_authorized("Access Token does not have required scopes"));
        }
        let username = t.claim_str("username").ok_or_else(invalid)?;
        let origin_jti = t.claim_str("origin_jti").unwrap_or("").to_string();
        let client_id = t.claim_str("client_id").unwrap_or("").to_string();
        let (user, origin_revoked) = self
            .store
            .get_user_and_origin_revoked(pool_id, username, &origin_jti)
            .await?
            .filter(|(u, _)| Some(u.sub.as_str()) == t.claim_str("sub"))
            .ok_or_else(user_not_found)?;
        if session_revoked(
            &user,
            t.claim_i64("iat").unwrap_or(0),
            &origin_jti,
            origin_revoked,
        ) {
            return Err(not_authorized("Access Token has been revoked"));
        }
        if !user.enabled {
            return Err(user_disabled());
        }
        let scopes = scopes
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        Ok(AccessContext {
            pool,
            user,
            client_id,
            origin_jti,
            scopes,
        })
    }
}
