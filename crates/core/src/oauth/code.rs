//! Authorization codes: sealed with the master key (any node can redeem them), valid five minutes, single use,
//! bound to the client, the redirect URI and — with PKCE — the S256 challenge. A code redeemed twice revokes
//! what its first redemption issued.

use serde::{Deserialize, Serialize};

use super::OAuthError;
use crate::clients::AppClient;
use crate::error::Result;
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::time::Timestamp;
use crate::tokens::{AuthenticationResult, Grant};
use crate::users::User;

const PURPOSE: &str = "authorization-code";
pub const CODE_LIFETIME_SECONDS: i64 = 300;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CodeGrant {
    pub pool_id: String,
    pub client_id: String,
    pub username: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub auth_time: Timestamp,
    pub expires: Timestamp,
    /// Also the `origin_jti` of the tokens the code yields.,
    pub code_id: String,
}

/// `BASE64URL(SHA256(verifier)) == challenge`, compared in constant time.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    use base64::Engine;
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(d.as_ref());
    crate::secrets::constant_time_eq(computed.as_bytes(), challenge.as_bytes())
        && computed.len() == challenge.len()
}

impl Latchkey {
    #[allow(clippy::too_many_arguments)]
    pub fn issue_authorization_code(
        &self,
        pool: &UserPool,
        client: &AppClient,
        username: &str,
        redirect_uri: &str,
        scopes: Vec<String>,
        nonce: Option<String>,
        code_challenge: Option<String>,
        auth_time: Timestamp,
    ) -> String {
        let grant = CodeGrant {
            pool_id: pool.id.clone(),
            client_id: client.client_id.clone(),
            username: username.into(),
            redirect_uri: redirect_uri.into(),
            scopes,
            nonce,
            code_challenge,
            auth_time,
            expires: self.clock.now().plus_seconds(CODE_LIFETIME_SECONDS),
            code_id: crate::ids::new_uuid(self.rng.as_ref()),
        };
        let json = serde_json::to_vec(&grant).unwrap_or_default();
        self.secrets.master_key.seal(self.rng.as_ref(), PURPOSE, &json)
    }

    /// The token endpoint's authorization_code grant. A code that does not redeem is `invalid_grant`.
    pub async fn redeem_authorization_code(
        &self,
        client: &AppClient,
        code: &str,
        redirect_uri: Option<&str>,
        code_verifier: Option<&str>,
    ) -> Result<AuthenticationResult, OAuthError> {
        let bad = |d: &str| Err(OAuthError::new("invalid_grant", d));
        let Some(grant) = self
            .secrets
            .master_key
            .open(PURPOSE, code)
            .and_then(|p| serde_json::from_slice::<CodeGrant>(&p).ok())
        else {
            return bad("The authorization code is invalid.");
        };
        let now = self.clock.now();
        if grant.client_id != client.client_id || grant.expires <= now {
            return bad("The authorization code is invalid or expired.");
        }
        if redirect_uri != Some(grant.redirect_uri.as_str()) {
            return bad("redirect_uri does not match the authorization request.");
        }
        if let Some(challenge) = &grant.code_challenge {
            match code_verifier {
                Some(v) if pkce_matches(v, challenge) => {}
                _ => return bad("The code_verifier does not match the code_challenge."),
            }
        }
        if self
            .store
            .increment_counter(
                &format!("authorization-code:{}", grant.code_id),
                now,
                grant.expires,
            )
            .await?
            > 1
        {
            // A replayed code may be stolen: revoke everything its first use issued.
            self.store.revoke_origin(&grant.code_id).await?;
            return bad("The authorization code has already been used.");
        }
        let pool = self.pool(&grant.pool_id).await?;
        let Some(user) = self
            .store
            .get_user(&pool.id, &grant.username)
            .await?
            .filter(User::may_start_session)
        else {
            return bad("The user cannot sign in: disabled, not confirmed, or no longer exists.");
        };
        let tokens = self
            .issue_tokens(Grant {
                pool: &pool,
                client,
                user: &user,
                auth_time: grant.auth_time,
                refresh_of: None,
                device_key: None,
                scopes: Some(&grant.scopes),
                nonce: grant.nonce.as_deref(),
                origin_jti: Some(&grant.code_id),
                with_refresh_token: true,
                source: crate::triggers::TokenSource::HostedAuth,
            })
            .await?;
        Ok(tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    /// The challenge was computed independently with Python's hashlib and base64.
    fn pkce_s256() {
        assert!(pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gXk-bFtQ",
            "hNI27xo8cOPJAmi4zlxJhrYCJ0sIgOj6BmGtK6bKaVM"
        ));
        assert!(!pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gXk-bFtQV",
            "hNI27xo8cOPJAmi4zlxJhrYCJ0sIgOj6BmGtK6bKaVM"
        ));
    }
}
