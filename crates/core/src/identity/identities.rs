//! Identities: GetId (an identity for a set of logins, or a new unauthenticated one), the proof a caller gives
//! that it may act for an identity (shared by the credential and token operations and UnlinkIdentity), and the
//! administration of identities: DescribeIdentity, ListIdentities, DeleteIdentities.

use std::collections::BTreeMap;

use super::{identity_pool_not_found, Identity, IdentityPool, Login, VerifiedLogin};
use crate::error::{CognitoError, ErrorKind, Result};
use crate::service::pagination::{page_of, page_size};
use crate::service::Latchkey;
use crate::store::{Page, StoreError};

/// How often GetId re-reads after losing a race to create the same login's identity.
const CREATE_RETRIES: usize = 3;

pub fn identity_not_found(id: &str) -> CognitoError {
    CognitoError::not_found(format!("Identity '{id}' not found."))
}

fn unauthenticated_refused() -> CognitoError {
    CognitoError::new(
        ErrorKind::NotAuthorizedException,
        "Unauthenticated access is not supported for this identity pool.",
    )
}

fn linked_elsewhere() -> CognitoError {
    CognitoError::new(
        ErrorKind::ResourceConflictException,
        "A login in the Logins map is already linked to another identity.",
    )
}

/// An identity a caller has proven it may act for, with the pool it belongs to and the login that proved it
/// (`None` for an unauthenticated identity).
pub struct AuthenticatedIdentity {
    pub pool: IdentityPool,
    pub identity: Identity,
    pub login: Option<VerifiedLogin>,
}

impl Latchkey {
    /// The identities the verified logins are linked to: at most one, or the logins contradict each other.
    async fn identity_of_logins(
        &self,
        pool_id: &str,
        verified: &[VerifiedLogin],
    ) -> Result<Option<Identity>> {
        let mut found: Option<Identity> = None;
        for v in verified {
            if let Some(identity) = self.store.identity_for_login(pool_id, &v.login).await? {
                match &found {
                    Some(f) if f.id != identity.id => return Err(linked_elsewhere()),
                    _ => found = Some(identity),
                }
            }
        }
        Ok(found)
    }

    pub(crate) fn new_identity(&self, pool: &IdentityPool, logins: Vec<Login>) -> Identity {
        let region = pool.id.split(':').next().unwrap_or_default();
        let now = self.clock.now();
        Identity {
            id: format!("{region}:{}", crate::ids::new_uuid(self.rng.as_ref())),
            pool_id: pool.id.clone(),
            logins,
            created: now,
            last_modified: now,
        }
    }

    /// Links the verified logins not yet linked to `identity`.
    pub(crate) async fn link_new_logins(
        &self,
        identity: &Identity,
        verified: &[VerifiedLogin],
    ) -> Result<()> {
        let new: Vec<Login> = verified
            .iter()
            .map(|v| v.login.clone())
            .filter(|l| !identity.logins.contains(l))
            .collect();
        if new.is_empty() {
            return Ok(());
        }
        match self.store.link_logins(&identity.id, &new, self.clock.now()).await {
            Ok(()) => Ok(()),
            Err(StoreError::Duplicate { .. }) => Err(linked_elsewhere()),
            Err(StoreError::Conflict(_)) => Err(identity_not_found(&identity.id)),
            Err(e) => Err(e.into()),
        }
    }

    /// GetId: the identity the logins are linked to (linking any that are new to it), a new identity for logins
    /// seen for the first time, or a new unauthenticated identity when there are none and the pool allows it.
    pub async fn get_id(&self, pool_id: &str, logins: &BTreeMap<String, String>) -> Result<String> {
        let pool = self.identity_pool(pool_id).await?;
        if logins.is_empty() {
            if !pool.allow_unauthenticated {
                return Err(unauthenticated_refused());
            }
            let identity = self.new_identity(&pool, Vec::new());
            return match self.store.insert_identity(&identity).await {
                Ok(()) => Ok(identity.id),
                Err(StoreError::Conflict(_)) => Err(identity_pool_not_found(pool_id)),
                Err(e) => Err(e.into()),
            };
        }
        let verified = self.verify_logins(&pool, logins).await?;
        for _ in 0..CREATE_RETRIES {
            if let Some(identity) = self.identity_of_logins(pool_id, &verified).await? {
                self.link_new_logins(&identity, &verified).await?;
                return Ok(identity.id);
            }
            let identity = self.new_identity(&pool, verified.iter().map(|v| v.login.clone()).collect());
            match self.store.insert_identity(&identity).await {
                Ok(()) => return Ok(identity.id),
                // Another request created an identity for one of these logins first: use that one.
                Err(StoreError::Duplicate { .. }) => continue,
                Err(StoreError::Conflict(_)) => return Err(identity_pool_not_found(pool_id)),
                Err(e) => return Err(e.into()),
            }
        }
        Err(CognitoError::new(
            ErrorKind::ConcurrentModificationException,
            "The identity was changed by another request; try again.",
        ))
    }

    pub async fn identity(&self, identity_id: &str) -> Result<Identity> {
        self.store
            .get_identity(identity_id)
            .await?
            .ok_or_else(|| identity_not_found(identity_id))
    }

    /// The proof GetCredentialsForIdentity, GetOpenIdToken and UnlinkIdentity need: an identity with logins
    /// is acted for only with at least one of its own logins (new ones are linked to it; one linked to another
    /// identity is a conflict); an identity without logins only where the pool allows unauthenticated access,
    /// unless logins are given, which then become its own.
    pub(crate) async fn authenticate_identity(
        &self,
        identity_id: &str,
        logins: &BTreeMap<String, String>,
    ) -> Result<AuthenticatedIdentity> {
        let identity = self.identity(identity_id).await?;
        let pool = self.identity_pool(&identity.pool_id).await?;
        if logins.is_empty() {
            if !identity.logins.is_empty() {
                return Err(CognitoError::new(
                    ErrorKind::NotAuthorizedException,
                    format!("Access to Identity '{identity_id}' is forbidden."),
                ));
            }
            if !pool.allow_unauthenticated {
                return Err(unauthenticated_refused());
            }
            return Ok(AuthenticatedIdentity {
                pool,
                identity,
                login: None,
            });
        }
        let verified = self.verify_logins(&pool, logins).await?;
        // The common case — every login is already the identity's own — costs no further read.
        let new: Vec<VerifiedLogin> = verified
            .iter()
            .filter(|v| !identity.logins.contains(&v.login))
            .cloned()
            .collect();
        if !new.is_empty() {
            if let Some(other) = self.identity_of_logins(&pool.id, &new).await? {
                if other.id != identity.id {
                    return Err(linked_elsewhere());
                }
            }
        }
        if new.len() == verified.len() && !identity.logins.is_empty() {
            return Err(CognitoError::new(
                ErrorKind::NotAuthorizedException,
                "Logins don't match. Please include at least one valid login for this identity or identity pool.",
            ));
        }
        let mut identity = identity;
        if !new.is_empty() {
            self.link_new_logins(&identity, &new).await?;
            identity.logins.extend(new.into_iter().map(|v| v.login));
        }
        Ok(AuthenticatedIdentity {
            pool,
            identity,
            login: verified.into_iter().next(),
        })
    }

    /// UnlinkIdentity: with a proof as for credentials, removes the identity's logins of the named providers.
    pub async fn unlink_identity(
        &self,
        identity_id: &str,
        logins: &BTreeMap<String, String>,
        providers_to_remove: &[String],
    ) -> Result<()> {
        let auth = self.authenticate_identity(identity_id, logins).await?;
        let canonical: Vec<String> = providers_to_remove
            .iter()
            .map(|p| {
                self.user_pool_login_key(p)
                    .map_or_else(|| p.clone(), |(_, provider)| provider)
            })
            .collect();
        let remove: Vec<Login> = auth
            .identity
            .logins
            .iter()
            .filter(|l| canonical.contains(&l.provider))
            .cloned()
            .collect();
        self.store
            .unlink_logins(identity_id, &remove, self.clock.now())
            .await?;
        Ok(())
    }

    /// DescribeIdentity, for an administrator.
    pub async fn describe_identity(&self, identity_id: &str) -> Result<Identity> {
        self.identity(identity_id).await
    }

    pub async fn list_identities(
        &self,
        pool_id: &str,
        max_results: Option<u32>,
        token: Option<&str>,
    ) -> Result<Page<Identity>> {
        self.identity_pool(pool_id).await?;
        let limit = page_size(max_results);
        page_of("identity", token, |after| async move {
            self.store.list_identities(pool_id, after.as_deref(), limit).await
        })
        .await
    }

    /// DeleteIdentities: deleting an identity that does not exist is not an error (the result is the same).
    pub async fn delete_identities(&self, identity_ids: &[String]) -> Result<()> {
        self.store.delete_identities(identity_ids).await?;
        Ok(())
    }
}
