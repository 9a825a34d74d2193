//! Developer-authenticated identities: the application's back end vouches for its own user ids under the pool's
//! developer provider name (SigV4-signed calls), and Cognito keeps the mapping from those ids to identities —
//! LookupDeveloperIdentity, MergeDeveloperIdentities, UnlinkDeveloperIdentity, and the identity resolution behind
//! GetOpenIdTokenForDeveloperIdentity.

use std::collections::BTreeMap;

use super::{identity_not_found, Identity, IdentityPool, Login};
use crate::error::{CognitoError, ErrorKind, Result};
use crate::service::Latchkey;
use crate::store::StoreError;

fn provider_mismatch() -> CognitoError {
    CognitoError::new(
        ErrorKind::NotAuthorizedException,
        "The developer provider name does not match the identity pool's developer provider.",
    )
}

fn developer_login(pool: &IdentityPool, provider: &str, user_id: &str) -> Result<Login> {
    match &pool.developer_provider_name {
        Some(name) if name == provider => Ok(Login {
            provider: provider.to_string(),
            subject: user_id.to_string(),
        }),
        _ => Err(provider_mismatch()),
    }
}

/// What LookupDeveloperIdentity answers.
pub struct DeveloperIdentity {
    pub identity_id: String,
    pub developer_user_identifiers: Vec<String>,
}

impl Latchkey {
    /// The identity of `pool` with id `identity_id`: a pool's identities are not reachable through another pool.
    async fn identity_of_pool(&self, pool: &IdentityPool, identity_id: &str) -> Result<Identity> {
        let identity = self.identity(identity_id).await?;
        if identity.pool_id != pool.id {
            return Err(identity_not_found(identity_id));
        }
        Ok(identity)
    }

    /// The identity GetOpenIdTokenForDeveloperIdentity speaks for: the one the developer user id is linked to,
    /// else `identity_id` (the id is linked to it), else a new identity for the id. An id linked to an identity
    /// other than `identity_id` is refused. Other entries of `logins` are verified and linked as GetId would.
    pub(crate) async fn developer_identity(
        &self,
        pool: &IdentityPool,
        identity_id: Option<&str>,
        logins: &BTreeMap<String, String>,
    ) -> Result<Identity> {
        let provider = pool
            .developer_provider_name
            .as_deref()
            .ok_or_else(provider_mismatch)?;
        let user_id = logins.get(provider).ok_or_else(|| {
            CognitoError::invalid_parameter(format!(
                "The Logins map must name the identity pool's developer provider {provider}."
            ))
        })?;
        let login = developer_login(pool, provider, user_id)?;
        let mut others = logins.clone();
        others.remove(provider);
        let verified = self.verify_logins(pool, &others).await?;
        for _ in 0..3 {
            let existing = self.store.identity_for_login(&pool.id, &login).await?;
            let identity = match (identity_id, existing) {
                (Some(wanted), Some(found)) if found.id != wanted => {
                    return Err(CognitoError::new(
                        ErrorKind::DeveloperUserAlreadyRegisteredException,
                        format!(
                        "Developer user identifier {user_id} is already registered with another identity."
                    ),
                    ))
                }
                (_, Some(found)) => found,
                (Some(wanted), None) => {
                    let identity = self.identity_of_pool(pool, wanted).await?;
                    match self
                        .store
                        .link_logins(&identity.id, std::slice::from_ref(&login), self.clock.now())
                        .await
                    {
                        Ok(()) => self.identity(&identity.id).await?,
                        Err(StoreError::Duplicate { .. }) => continue,
                        Err(StoreError::Conflict(_)) => return Err(identity_not_found(wanted)),
                        Err(e) => return Err(e.into()),
                    }
                }
                (None, None) => {
                    let identity = self.new_identity(pool, vec![login.clone()]);
                    match self.store.insert_identity(&identity).await {
                        Ok(()) => identity,
                        Err(StoreError::Duplicate { .. }) => continue,
                        Err(e) => return Err(e.into()),
                    }
                }
            };
            self.link_new_logins(&identity, &verified).await?;
            return self.identity(&identity.id).await;
        }
        Err(CognitoError::new(
            ErrorKind::ConcurrentModificationException,
            "The identity was changed by another request; try again.",
        ))
    }

    /// LookupDeveloperIdentity: by identity id, by developer user id, or both (which must agree).
    pub async fn lookup_developer_identity(
        &self,
        pool_id: &str,
        identity_id: Option<&str>,
        developer_user_identifier: Option<&str>,
    ) -> Result<DeveloperIdentity> {
        let pool = self.identity_pool(pool_id).await?;
        let provider = pool
            .developer_provider_name
            .clone()
            .ok_or_else(provider_mismatch)?;
        let identity = match (identity_id, developer_user_identifier) {
            (None, None) => {
                return Err(CognitoError::invalid_parameter(
                    "Either IdentityId or DeveloperUserIdentifier must be provided.",
                ))
            }
            (id, Some(user_id)) => {
                let found = self.developer_user_identity(&pool, &provider, user_id).await?;
                if id.is_some_and(|id| id != found.id) {
                    return Err(CognitoError::new(
                        ErrorKind::ResourceConflictException,
                        "The identity id and the developer user identifier name different identities.",
                    ));
                }
                found
            }
            (Some(id), None) => self.identity_of_pool(&pool, id).await?,
        };
        let developer_user_identifiers = identity
            .logins
            .iter()
            .filter(|l| l.provider == provider)
            .map(|l| l.subject.clone())
            .collect();
        Ok(DeveloperIdentity {
            identity_id: identity.id,
            developer_user_identifiers,
        })
    }

    async fn developer_user_identity(
        &self,
        pool: &IdentityPool,
        provider: &str,
        user: &str,
    ) -> Result<Identity> {
        let login = developer_login(pool, provider, user)?;
        self.store
            .identity_for_login(&pool.id, &login)
            .await?
            .ok_or_else(|| CognitoError::not_found(format!("Developer user identifier {user} not found.")))
    }

    /// MergeDeveloperIdentities: the source user's developer logins move to the destination user's identity;
    /// returns the destination identity's id.
    pub async fn merge_developer_identities(
        &self,
        pool_id: &str,
        provider: &str,
        source_user: &str,
        destination_user: &str,
    ) -> Result<String> {
        let pool = self.identity_pool(pool_id).await?;
        let source = self.developer_user_identity(&pool, provider, source_user).await?;
        let destination = self
            .developer_user_identity(&pool, provider, destination_user)
            .await?;
        if source.id != destination.id {
            self.store
                .merge_identities(&source.id, &destination.id, provider, self.clock.now())
                .await
                .map_err(|e| match e {
                    StoreError::Conflict(_) => identity_not_found(&source.id),
                    other => other.into(),
                })?;
        }
        Ok(destination.id)
    }

    /// UnlinkDeveloperIdentity: the developer user id stops naming the identity.
    pub async fn unlink_developer_identity(
        &self,
        pool_id: &str,
        identity_id: &str,
        provider: &str,
        user_id: &str,
    ) -> Result<()> {
        let pool = self.identity_pool(pool_id).await?;
        let login = developer_login(&pool, provider, user_id)?;
        let identity = self.identity_of_pool(&pool, identity_id).await?;
        if !identity.logins.contains(&login) {
            return Err(CognitoError::not_found(format!(
                "Developer user identifier {user_id} is not linked to identity {identity_id}."
            )));
        }
        self.store
            .unlink_logins(identity_id, &[login], self.clock.now())
            .await?;
        Ok(())
    }
}
