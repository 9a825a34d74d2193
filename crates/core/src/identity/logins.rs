//! The Logins map of GetId, GetCredentialsForIdentity, GetOpenIdToken and UnlinkIdentity: each entry names a
//! provider the identity pool trusts and carries that provider's token, which is verified here. For a Latchkey
//! user pool the key is `cognito-idp.<region>.amazonaws.com/<poolId>`, or the ID token's issuer without its scheme
//! (what Amplify v6 sends), and the token is an ID token of one of the pool's configured app clients.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{user_pool_of_provider, user_pool_provider_name, CognitoProvider, IdentityPool, Login};
use crate::error::{CognitoError, ErrorKind, Result};
use crate::service::Latchkey;
use crate::tokens::jwt::Unverified;
use crate::tokens::session_revoked;

/// The key of a Logins entry that carries an identity-pool OpenID token (developer-authenticated identities).
pub const IDENTITY_TOKEN_PROVIDER: &str = "cognito-identity.amazonaws.com";

/// A verified Logins entry: the login it proves, the role-mapping key of its provider, and its token's claims.
#[derive(Debug, Clone)]
pub struct VerifiedLogin {
    pub login: Login,
    pub mapping_key: String,
    pub claims: Map<String, Value>,
}

fn invalid_login(detail: &str) -> CognitoError {
    CognitoError::new(
        ErrorKind::NotAuthorizedException,
        format!("Invalid login token. {detail}"),
    )
}

fn unsupported_provider(key: &str) -> CognitoError {
    CognitoError::new(
        ErrorKind::NotAuthorizedException,
        format!("Token is not from a supported provider of this identity pool: {key}."),
    )
}

impl Latchkey {
    /// The user pool a Logins key names, in either accepted form, with its canonical provider name.
    pub(crate) fn user_pool_login_key(&self, key: &str) -> Option<(String, String)> {
        if let Some(pool_id) = user_pool_of_provider(key) {
            return Some((pool_id.to_string(), key.to_string()));
        }
        let pool_id = key.rsplit('/').next()?;
        let issuer = self.issuer(pool_id);
        let bare = issuer.split_once("://").map_or(issuer.as_str(), |(_, rest)| rest);
        (bare == key).then(|| Some((pool_id.to_string(), user_pool_provider_name(pool_id)?)))?
    }

    /// Verifies every entry of `logins` against the pool's providers. Entries the caller cannot prove make the
    /// whole call fail: Cognito never links half a Logins map.
    pub(crate) async fn verify_logins(
        &self,
        pool: &IdentityPool,
        logins: &BTreeMap<String, String>,
    ) -> Result<Vec<VerifiedLogin>> {
        let mut verified = Vec::with_capacity(logins.len());
        for (key, token) in logins {
            let Some((user_pool_id, provider)) = self.user_pool_login_key(key) else {
                // Public, OpenID Connect and SAML providers need federation, which Latchkey does not do yet.
                return Err(unsupported_provider(key));
            };
            let clients: Vec<&CognitoProvider> = pool
                .cognito_identity_providers
                .iter()
                .filter(|p| p.provider_name == provider)
                .collect();
            if clients.is_empty() {
                return Err(unsupported_provider(key));
            }
            verified.push(
                self.verify_user_pool_login(&user_pool_id, &provider, &clients, token)
                    .await?,
            );
        }
        Ok(verified)
    }

    /// An ID token of `user_pool_id`, issued to one of `clients`, unexpired, and — when that client's provider
    /// entry asks for the server-side check — of a user who still exists, is enabled and has not been signed out.
    async fn verify_user_pool_login(
        &self,
        user_pool_id: &str,
        provider: &str,
        clients: &[&CognitoProvider],
        token: &str,
    ) -> Result<VerifiedLogin> {
        let t = Unverified::parse(token)
            .ok_or_else(|| invalid_login("Not a valid OpenId Connect identity token."))?;
        if t.claim_str("iss") != Some(self.issuer(user_pool_id).as_str()) {
            return Err(invalid_login("Issuer doesn't match providerName"));
        }
        let signed = match t.kid() {
            Some(kid) if self.cached_pool(user_pool_id).await?.is_some() => {
                let keys = self.pool_keys_with(user_pool_id, kid).await?;
                keys.verifier(kid).is_some_and(|(n, e)| t.verify(n, e))
            }
            _ => false,
        };
        if !signed || t.claim_str("token_use") != Some("id") {
            return Err(invalid_login("Not a valid OpenId Connect identity token."));
        }
        let now = self.clock.now().seconds();
        match t.claim_i64("exp") {
            Some(exp) if exp > now => {}
            Some(exp) => return Err(invalid_login(&format!("Token expired: {exp} >= {now}"))),
            None => return Err(invalid_login("Token has no expiry.")),
        }
        let aud = t.claim_str("aud").unwrap_or_default();
        let Some(client) = clients.iter().find(|c| c.client_id == aud) else {
            return Err(invalid_login("Incorrect token audience."));
        };
        let sub = t
            .claim_str("sub")
            .ok_or_else(|| invalid_login("Token has no subject."))?
            .to_string();
        if client.server_side_token_check {
            self.check_user_still_signed_in(user_pool_id, &t, &sub).await?;
        }
        Ok(VerifiedLogin {
            login: Login {
                provider: provider.to_string(),
                subject: sub,
            },
            mapping_key: format!("{provider}:{aud}"),
            claims: t.claims,
        })
    }

    /// ServerSideTokenCheck: the user behind the token exists with the same `sub`, is enabled, and has signed out
    /// neither everywhere (GlobalSignOut) nor this sign-in (RevokeToken) since the token was issued.
    async fn check_user_still_signed_in(&self, user_pool_id: &str, t: &Unverified, sub: &str) -> Result<()> {
        let username = t.claim_str("cognito:username").unwrap_or_default();
        let origin_jti = t.claim_str("origin_jti").unwrap_or_default();
        let found = self
            .store
            .get_user_and_origin_revoked(user_pool_id, username, origin_jti)
            .await?
            .filter(|(u, _)| u.sub == sub);
        let iat = t.claim_i64("iat").unwrap_or(0);
        match found {
            Some((user, revoked)) if user.enabled && !session_revoked(&user, iat, origin_jti, revoked) => {
                Ok(())
            }
            _ => Err(invalid_login(
                "Token has been revoked or its user no longer exists.",
            )),
        }
    }
}
