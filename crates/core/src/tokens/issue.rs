//! Issuing a token set: ID and access tokens signed with the pool's keys, and (on sign-in) a new refresh token
//! whose handle is returned once and stored only as a hash.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;
use serde_json::Map;

use super::claims::{self, Common};
use super::jwt;
use crate::clients::AppClient;
use crate::error::{CognitoError, ErrorKind, Result};
use crate::ids::new_uuid;
use crate::pools::UserPool;
use crate::secrets::sha256_hex;
use crate::service::Latchkey;
use crate::store::RefreshTokenRecord;
use crate::time::Timestamp;
use crate::triggers::{TokenSource, TokenSubject};
use crate::users::{user_disabled, User, STATUS_UNCONFIRMED};

pub const ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// Cognito's `AuthenticationResultType`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AuthenticationResult {
    pub access_token: String,
    pub expires_in: u64,
    pub token_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// Set when the pool tracks devices and this sign-in came from a device it did not know.
    #[serde(rename = "NewDeviceMetadata", skip_serializing_if = "Option::is_none")]
    pub new_device_metadata: Option<serde_json::Value>,
}

/// What a token issuance is for.
pub struct Grant<'a> {
    pub pool: &'a UserPool,
    pub client: &'a AppClient,
    pub user: &'a User,
    /// When the user authenticated: now for a sign-in, the original time for a refresh.
    pub auth_time: Timestamp,
    /// The sign-in a refresh continues; `None` starts a new one (and a new refresh token).
    pub refresh_of: Option<&'a RefreshTokenRecord>,
    pub device_key: Option<&'a str>,
    /// OAuth grants: the scopes granted (None for API sign-ins, whose access token has the admin scope).
    pub scopes: Option<&'a [String]>,
    /// The `nonce` of an OIDC authorization request, copied into the ID token.
    pub nonce: Option<&'a str>,
    /// A fixed origin for a new sign-in (authorization codes use their own id, so a replayed code can revoke
    /// what it issued).
    pub origin_jti: Option<&'a str>,
    /// Whether a new sign-in gets a refresh token (the implicit flow gets none).
    pub with_refresh_token: bool,
    /// Why the tokens are issued (PreTokenGeneration's `triggerSource`).
    pub source: TokenSource,
}

/// OIDC `at_hash`: base64url of the left half of SHA-256 over the access token.
pub fn at_hash(access_token: &str) -> String {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&d.as_ref()[..16])
}

/// A refresh-token handle: 256 random bits, URL-safe.
pub(crate) fn new_handle(lk: &Latchkey) -> String {
    let mut b = [0u8; 32];
    lk.rng.fill(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

pub fn handle_hash(handle: &str) -> String {
    sha256_hex(handle.as_bytes())
}

/// The last line of defence of every sign-in path (API, SRP, hosted UI, authorization codes): tokens go only to
/// an enabled user who may hold them. A new sign-in needs a confirmed (or federated) user; a refresh continues a
/// sign-in that was allowed, so it survives a later password reset by an administrator (as in Cognito, where
/// AdminUserGlobalSignOut ends those sessions) but never reaches an account that was never confirmed.
fn may_receive_tokens(grant: &Grant<'_>) -> Result<()> {
    let user = grant.user;
    if !user.enabled {
        return Err(user_disabled());
    }
    if user.status == STATUS_UNCONFIRMED {
        return Err(CognitoError::new(
            ErrorKind::UserNotConfirmedException,
            "User is not confirmed.",
        ));
    }
    if grant.refresh_of.is_none() && !user.may_start_session() {
        return Err(CognitoError::new(
            ErrorKind::NotAuthorizedException,
            format!("User cannot sign in in status {}.", user.status),
        ));
    }
    Ok(())
}

impl Latchkey {
    pub fn issuer(&self, pool_id: &str) -> String {
        self.settings.issuer(pool_id)
    }

    pub async fn issue_tokens(&self, grant: Grant<'_>) -> Result<AuthenticationResult> {
        may_receive_tokens(&grant)?;
        let now = self.clock.now();
        let keys = self.pool_keys(&grant.pool.id).await?;
        let groups = self
            .store
            .list_groups_for_user(&grant.pool.id, &grant.user.username, None, 100)
            .await?
            .items;
        let issuer = self.issuer(&grant.pool.id);
        let origin_jti = match (grant.refresh_of, grant.origin_jti) {
            (Some(r), _) => r.origin_jti.clone(),
            (None, Some(o)) => o.to_string(),
            (None, None) => new_uuid(self.rng.as_ref()),
        };
        // OAuth grants carry their scopes (a refresh keeps the sign-in's); API sign-ins have the admin scope.
        let scopes: Option<Vec<String>> = match grant.refresh_of {
            Some(r) => r.scopes.clone(),
            None => grant.scopes.map(<[String]>::to_vec),
        };
        let event_id = new_uuid(self.rng.as_ref());
        let common = Common {
            issuer: &issuer,
            pool: grant.pool,
            client: grant.client,
            user: grant.user,
            groups: &groups,
            origin_jti: &origin_jti,
            event_id: &event_id,
            auth_time: grant.auth_time.seconds(),
            iat: now.seconds(),
        };
        let access_ttl = grant.client.access_token_seconds() as i64;
        let id_ttl = grant.client.id_token_seconds() as i64;
        let device_key = grant
            .device_key
            .or(grant.refresh_of.and_then(|r| r.device_key.as_deref()));
        let granted = scopes.clone().unwrap_or_else(|| vec![ADMIN_SCOPE.to_string()]);
        let overrides = self
            .pre_token_generation(
                grant.pool,
                &grant.client.client_id,
                TokenSubject::User {
                    user: grant.user,
                    groups: &groups,
                },
                grant.source,
                &granted,
            )
            .await?;
        let scope_text = match &overrides {
            Some(o) => o.scopes(granted).join(" "),
            None => granted.join(" "),
        };
        let mut access_claims = claims::access_token(
            &common,
            now.seconds() + access_ttl,
            &new_uuid(self.rng.as_ref()),
            &scope_text,
            device_key,
        );
        if scopes.is_some() {
            access_claims.insert("version".into(), serde_json::json!(2));
        }
        if let Some(o) = &overrides {
            o.apply_to_access_token(&mut access_claims);
        }
        let access_token = jwt::encode(&keys.access.kid, &access_claims, &keys.access.pair)
            .map_err(CognitoError::internal)?;

        // An ID token comes with every API sign-in, and with OAuth grants only when `openid` was granted.
        let wants_id = scopes.as_ref().is_none_or(|s| s.iter().any(|x| x == "openid"));
        let id_token = if wants_id {
            let mut extra = Map::new();
            if scopes.is_some() {
                extra.insert("at_hash".into(), serde_json::json!(at_hash(&access_token)));
            }
            if let Some(n) = grant.nonce {
                extra.insert("nonce".into(), serde_json::json!(n));
            }
            let mut id_claims = claims::id_token(
                &common,
                now.seconds() + id_ttl,
                &new_uuid(self.rng.as_ref()),
                &extra,
            );
            if let Some(o) = &overrides {
                o.apply_to_id_token(&mut id_claims);
            }
            Some(jwt::encode(&keys.id.kid, &id_claims, &keys.id.pair).map_err(CognitoError::internal)?)
        } else {
            None
        };

        let refresh_token = if grant.refresh_of.is_none() && grant.with_refresh_token {
            let handle = new_handle(self);
            self.store
                .insert_refresh_token(&RefreshTokenRecord {
                    handle_hash: handle_hash(&handle),
                    pool_id: grant.pool.id.clone(),
                    client_id: grant.client.client_id.clone(),
                    username: grant.user.username.clone(),
                    origin_jti,
                    auth_time: grant.auth_time,
                    device_key: grant.device_key.map(str::to_string),
                    scopes,
                    issued: now,
                    expires: now.plus_seconds(grant.client.refresh_token_seconds() as i64),
                    revoked: false,
                    replaced: None,
                })
                .await?;
            Some(handle)
        } else {
            None
        };
        Ok(AuthenticationResult {
            access_token,
            expires_in: access_ttl as u64,
            token_type: "Bearer",
            refresh_token,
            id_token,
            new_device_metadata: None,
        })
    }

    /// client_credentials: an access token for the client itself, with custom scopes only.
    pub async fn issue_client_credentials(
        &self,
        pool: &UserPool,
        client: &AppClient,
        scopes: &[String],
    ) -> Result<(String, u64)> {
        let now = self.clock.now();
        let keys = self.pool_keys(&pool.id).await?;
        let ttl = client.access_token_seconds() as i64;
        let overrides = self
            .pre_token_generation(
                pool,
                &client.client_id,
                TokenSubject::Client,
                TokenSource::ClientCredentials,
                scopes,
            )
            .await?;
        let scopes = match &overrides {
            Some(o) => o.scopes(scopes.to_vec()),
            None => scopes.to_vec(),
        };
        let mut c = Map::new();
        c.insert("sub".into(), serde_json::json!(client.client_id));
        c.insert("token_use".into(), serde_json::json!("access"));
        c.insert("scope".into(), serde_json::json!(scopes.join(" ")));
        c.insert("auth_time".into(), serde_json::json!(now.seconds()));
        c.insert("iss".into(), serde_json::json!(self.issuer(&pool.id)));
        c.insert("exp".into(), serde_json::json!(now.seconds() + ttl));
        c.insert("iat".into(), serde_json::json!(now.seconds()));
        c.insert("version".into(), serde_json::json!(2));
        c.insert("jti".into(), serde_json::json!(new_uuid(self.rng.as_ref())));
        c.insert("client_id".into(), serde_json::json!(client.client_id));
        if let Some(o) = &overrides {
            o.apply_to_access_token(&mut c);
        }
        let token = jwt::encode(&keys.access.kid, &c, &keys.access.pair).map_err(CognitoError::internal)?;
        Ok((token, ttl as u64))
    }
}
