//! The checks Cognito runs on the access token of a token-authorised operation (GetUser, ChangePassword, ...):
//! signature by the pool's key, issuer, type, expiry, scope, and that neither the user nor the sign-in has been
//! signed out, disabled or deleted since.

use std::sync::Arc;

use super::issue::ADMIN_SCOPE;
use super::jwt::Unverified;
use super::keys::PoolKeys;
use super::verified::{self, AccessClaims};
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
        let key = verified::key_of(token);
        // A token this node verified before needs only what can have changed since: that its pool still exists
        // and still holds its key. Expiry, scope and, from the store, the user and the sign-in follow for both.
        let (claims, pool) = match self.verified_tokens.get(&key) {
            Some(claims) => match self.pool_and_keys(&claims.pool_id, &claims.kid).await? {
                Some((pool, keys)) if keys.verifier(&claims.kid).is_some() => (claims, pool),
                _ => return Err(invalid()),
            },
            None => {
                let (claims, pool) = self.verify_access_signature(token).await?.ok_or_else(invalid)?;
                let claims = Arc::new(claims);
                self.verified_tokens.insert(key, claims.clone());
                (claims, pool)
            }
        };
        let now = self.clock.now();
        if claims.exp.is_none_or(|exp| exp <= now.seconds()) {
            return Err(not_authorized("Access Token has expired"));
        }
        if !claims.scope.split(' ').any(|s| s == required_scope) {
            return Err(not_authorized("Access Token does not have required scopes"));
        }
        let (user, origin_revoked) = self
            .store
            .get_user_and_origin_revoked(&claims.pool_id, &claims.username, &claims.origin_jti)
            .await?
            .filter(|(u, _)| u.sub == claims.sub)
            .ok_or_else(user_not_found)?;
        if session_revoked(&user, claims.iat, &claims.origin_jti, origin_revoked) {
            return Err(not_authorized("Access Token has been revoked"));
        }
        if !user.enabled {
            return Err(user_disabled());
        }
        let scopes = claims
            .scope
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        Ok(AccessContext {
            pool,
            user,
            client_id: claims.client_id.clone(),
            origin_jti: claims.origin_jti.clone(),
            scopes,
        })
    }

    /// The first check of a token this node has not seen: its form, issuer, pool, `kid`, RS256 signature by that
    /// pool's key and type. `None` when any of them fails.
    async fn verify_access_signature(&self, token: &str) -> Result<Option<(AccessClaims, Arc<UserPool>)>> {
        let Some(t) = Unverified::parse(token) else {
            return Ok(None);
        };
        let (Some(iss), Some(kid)) = (t.claim_str("iss"), t.kid()) else {
            return Ok(None);
        };
        let pool_id = iss.rsplit('/').next().unwrap_or_default();
        if iss != self.issuer(pool_id) {
            return Ok(None);
        }
        let Some((pool, keys)) = self.pool_and_keys(pool_id, kid).await? else {
            return Ok(None);
        };
        match keys.verifier(kid) {
            Some((n, e)) if t.verify(n, e) => Ok(AccessClaims::of(&t, pool_id, kid).map(|c| (c, pool))),
            _ => Ok(None),
        }
    }

    /// The pool `pool_id` and its key ring (reread when it does not know `kid`), or `None` when the pool is gone.
    /// The pool is found first: a key ring is created on first use, never for a pool that does not exist.
    async fn pool_and_keys(
        &self,
        pool_id: &str,
        kid: &str,
    ) -> Result<Option<(Arc<UserPool>, Arc<PoolKeys>)>> {
        let Some(pool) = self.cached_pool(pool_id).await? else {
            return Ok(None);
        };
        Ok(Some((pool, self.pool_keys_with(pool_id, kid).await?)))
    }
}
