//! What an identity receives: temporary AWS credentials for the role it resolves to (GetCredentialsForIdentity)
//! and identity OpenID tokens (GetOpenIdToken, GetOpenIdTokenForDeveloperIdentity) for the classic flow through
//! STS AssumeRoleWithWebIdentity.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::roles::{resolve_role, RoleSource};
use super::{AuthenticatedIdentity, TemporaryCredentials, IDENTITY_TOKEN_PROVIDER};
use crate::error::{CognitoError, ErrorKind, Result};
use crate::service::Latchkey;

/// Credentials from GetCredentialsForIdentity last an hour.
pub const CREDENTIALS_SECONDS: i64 = 3600;
/// GetOpenIdToken's tokens last ten minutes; a developer's last fifteen unless it asks otherwise.
pub const OPENID_TOKEN_SECONDS: i64 = 600;
pub const DEVELOPER_TOKEN_SECONDS: i64 = 900;
/// The role session name Cognito gives identity-pool credentials.
pub const SESSION_NAME: &str = "CognitoIdentityCredentials";

/// How an identity proved itself to a grant: with a provider's token (its role-mapping key and claims), with an
/// identity OpenID token from a developer's back end, or not at all.
enum Proof {
    Provider {
        mapping_key: String,
        claims: Map<String, Value>,
    },
    IdentityToken {
        amr: Vec<String>,
    },
    Unauthenticated,
}

impl Latchkey {
    /// The identity and how it proved itself. A Logins entry under `cognito-identity.amazonaws.com` carries an
    /// identity OpenID token (what a developer's back end obtained for the identity); it must name this identity.
    async fn prove_identity(
        &self,
        identity_id: &str,
        logins: &BTreeMap<String, String>,
    ) -> Result<(AuthenticatedIdentity, Proof)> {
        let Some(token) = logins.get(IDENTITY_TOKEN_PROVIDER) else {
            let auth = self.authenticate_identity(identity_id, logins).await?;
            let proof = match &auth.login {
                Some(v) => Proof::Provider {
                    mapping_key: v.mapping_key.clone(),
                    claims: v.claims.clone(),
                },
                None => Proof::Unauthenticated,
            };
            return Ok((auth, proof));
        };
        let claims = self.verify_identity_openid_token(token).await.map_err(|e| {
            if e.kind() == ErrorKind::InternalErrorException {
                e
            } else {
                CognitoError::new(
                    ErrorKind::NotAuthorizedException,
                    format!("Invalid login token. {}", e.message()),
                )
            }
        })?;
        let identity = self.identity(identity_id).await?;
        if claims.identity_id != identity.id || claims.identity_pool_id != identity.pool_id {
            return Err(CognitoError::new(
                ErrorKind::NotAuthorizedException,
                "Invalid login token. The token was issued for another identity.",
            ));
        }
        let pool = self.identity_pool(&identity.pool_id).await?;
        let auth = AuthenticatedIdentity {
            pool,
            identity,
            login: None,
        };
        Ok((auth, Proof::IdentityToken { amr: claims.amr }))
    }

    /// GetCredentialsForIdentity: credentials for the role the identity resolves to, valid for an hour.
    pub async fn get_credentials_for_identity(
        &self,
        identity_id: &str,
        logins: &BTreeMap<String, String>,
        custom_role_arn: Option<&str>,
    ) -> Result<TemporaryCredentials> {
        let (auth, proof) = self.prove_identity(identity_id, logins).await?;
        let empty = Map::new();
        let source = match &proof {
            Proof::Provider { mapping_key, claims } => Some(RoleSource { mapping_key, claims }),
            Proof::IdentityToken { amr } if amr.first().is_some_and(|a| a == "authenticated") => {
                Some(RoleSource {
                    mapping_key: IDENTITY_TOKEN_PROVIDER,
                    claims: &empty,
                })
            }
            Proof::IdentityToken { .. } | Proof::Unauthenticated => None,
        };
        let role = resolve_role(&auth.pool, source.as_ref(), custom_role_arn)?;
        self.issue_role_credentials(&role, SESSION_NAME, Some(&auth.identity.id), CREDENTIALS_SECONDS)
    }

    /// GetOpenIdToken: an identity OpenID token for the identity, valid for ten minutes. Its `amr` says whether
    /// the identity is authenticated and through which provider, as Cognito's does.
    pub async fn get_open_id_token(
        &self,
        identity_id: &str,
        logins: &BTreeMap<String, String>,
    ) -> Result<String> {
        let (auth, proof) = self.prove_identity(identity_id, logins).await?;
        // The token is only good for the basic flow (STS AssumeRoleWithWebIdentity), which the pool must allow.
        if !auth.pool.allow_classic_flow {
            return Err(CognitoError::invalid_parameter(
                "Basic (classic) flow is not enabled, please use enhanced flow.",
            ));
        }
        let amr = match proof {
            Proof::Provider { mapping_key, claims } => {
                let provider = mapping_key
                    .rsplit_once(':')
                    .map_or(mapping_key.as_str(), |(p, _)| p);
                let sub = claims.get("sub").and_then(Value::as_str).unwrap_or_default();
                vec![
                    "authenticated".to_string(),
                    provider.to_string(),
                    format!("{provider}:CognitoSignIn:{sub}"),
                ]
            }
            Proof::IdentityToken { amr } => amr,
            Proof::Unauthenticated => vec!["unauthenticated".to_string()],
        };
        self.issue_identity_openid_token(&auth.pool.id, &auth.identity.id, &amr, OPENID_TOKEN_SECONDS)
            .await
    }

    /// GetOpenIdTokenForDeveloperIdentity: the identity the developer user id names (created or linked as
    /// needed) and a token for it, valid `token_seconds` (15 minutes by default, at most a day).
    pub async fn get_open_id_token_for_developer_identity(
        &self,
        pool_id: &str,
        identity_id: Option<&str>,
        logins: &BTreeMap<String, String>,
        token_seconds: Option<i64>,
    ) -> Result<(String, String)> {
        let pool = self.identity_pool(pool_id).await?;
        let identity = self.developer_identity(&pool, identity_id, logins).await?;
        let mut amr = vec!["authenticated".to_string()];
        let mut providers: Vec<&str> = identity.logins.iter().map(|l| l.provider.as_str()).collect();
        providers.dedup();
        amr.extend(providers.into_iter().map(str::to_string));
        let token = self
            .issue_identity_openid_token(
                &pool.id,
                &identity.id,
                &amr,
                token_seconds.unwrap_or(DEVELOPER_TOKEN_SECONDS),
            )
            .await?;
        Ok((identity.id, token))
    }
}
