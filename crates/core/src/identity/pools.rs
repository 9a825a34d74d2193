//! The identity-pool administration operations: Create/Describe/Update/Delete/ListIdentityPools, Set/Get
//! IdentityPoolRoles, Set/GetPrincipalTagAttributeMap and the tag operations on an identity pool's ARN.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{CognitoProvider, IdentityPool, PrincipalTagMap, RoleMapping, RoleMappingType};
use crate::error::{CognitoError, ErrorKind, Result};
use crate::service::pagination::{page_of, page_size};
use crate::service::{landed, Latchkey, MAX_CONFLICT_RETRIES};
use crate::store::{Page, StoreError};

/// Cognito's limits: 50 tags on a resource, 25 rules in a role mapping, 10 role mappings in a pool.
pub const MAX_TAGS: usize = 50;
pub const MAX_RULES: usize = 25;
pub const MAX_ROLE_MAPPINGS: usize = 10;

/// The settings CreateIdentityPool and UpdateIdentityPool carry (UpdateIdentityPool also names the pool).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IdentityPoolInput {
    pub identity_pool_name: String,
    pub allow_unauthenticated_identities: bool,
    pub allow_classic_flow: Option<bool>,
    #[serde(default)]
    pub supported_login_providers: BTreeMap<String, String>,
    pub developer_provider_name: Option<String>,
    #[serde(default, rename = "OpenIdConnectProviderARNs")]
    pub open_id_connect_provider_arns: Vec<String>,
    #[serde(default)]
    pub cognito_identity_providers: Vec<CognitoProvider>,
    #[serde(default, rename = "SamlProviderARNs")]
    pub saml_provider_arns: Vec<String>,
    pub identity_pool_tags: Option<BTreeMap<String, String>>,
}

pub fn identity_pool_not_found(id: &str) -> CognitoError {
    CognitoError::not_found(format!("IdentityPool '{id}' not found."))
}

/// `cognito-idp.<region>.amazonaws.com/<userPoolId>`: the provider name of a user pool in Logins maps, provider
/// lists and role-mapping keys.
pub fn user_pool_provider_name(user_pool_id: &str) -> Option<String> {
    let region = crate::ids::region_of_pool(user_pool_id)?;
    Some(format!("cognito-idp.{region}.amazonaws.com/{user_pool_id}"))
}

/// The user pool a `cognito-idp.<region>.amazonaws.com/<userPoolId>` provider name names.
pub fn user_pool_of_provider(name: &str) -> Option<&str> {
    let (host, pool_id) = name.split_once('/')?;
    let region = host
        .strip_prefix("cognito-idp.")?
        .strip_suffix(".amazonaws.com")?;
    (crate::ids::region_of_pool(pool_id) == Some(region)).then_some(pool_id)
}

fn check_settings(input: &IdentityPoolInput) -> Result<()> {
    for p in &input.cognito_identity_providers {
        if user_pool_of_provider(&p.provider_name).is_none() {
            return Err(CognitoError::invalid_parameter(format!(
                "Invalid Cognito Identity Provider: {}. Expected cognito-idp.<region>.amazonaws.com/<userPoolId>.",
                p.provider_name
            )));
        }
    }
    if input
        .identity_pool_tags
        .as_ref()
        .is_some_and(|t| t.len() > MAX_TAGS)
    {
        return Err(CognitoError::new(
            ErrorKind::LimitExceededException,
            format!("An identity pool can have at most {MAX_TAGS} tags."),
        ));
    }
    Ok(())
}

/// Role-mapping keys name a provider the pool trusts: `<provider>:<clientId>` for a user pool app client, or a
/// login provider's name. Token and Rules mappings need an AmbiguousRoleResolution; Rules need 1 to 25 rules.
fn check_role_mappings(pool: &IdentityPool, mappings: &BTreeMap<String, RoleMapping>) -> Result<()> {
    if mappings.len() > MAX_ROLE_MAPPINGS {
        return Err(CognitoError::new(
            ErrorKind::LimitExceededException,
            format!("An identity pool can have at most {MAX_ROLE_MAPPINGS} role mappings."),
        ));
    }
    for (key, mapping) in mappings {
        let known = pool
            .cognito_identity_providers
            .iter()
            .any(|p| *key == format!("{}:{}", p.provider_name, p.client_id))
            || pool.supported_login_providers.contains_key(key)
            || pool
                .open_id_connect_provider_arns
                .iter()
                .any(|a| a.ends_with(&format!("/{key}")))
            || pool
                .saml_provider_arns
                .iter()
                .any(|a| a.ends_with(&format!("/{key}")));
        if !known {
            return Err(CognitoError::invalid_parameter(format!(
                "Role mapping key {key} does not name an identity provider of this identity pool."
            )));
        }
        if mapping.ambiguous_role_resolution.is_none() {
            return Err(CognitoError::invalid_parameter(format!(
                "AmbiguousRoleResolution must be specified for the role mapping of {key}."
            )));
        }
        if mapping.kind == RoleMappingType::Rules {
            let rules = mapping.rules_configuration.as_ref().map_or(0, |c| c.rules.len());
            if !(1..=MAX_RULES).contains(&rules) {
                return Err(CognitoError::invalid_parameter(format!(
                    "The Rules role mapping of {key} needs between 1 and {MAX_RULES} rules."
                )));
            }
        }
    }
    Ok(())
}

impl Latchkey {
    pub async fn create_identity_pool(&self, region: &str, input: IdentityPoolInput) -> Result<IdentityPool> {
        check_settings(&input)?;
        let pool = IdentityPool {
            id: format!("{region}:{}", crate::ids::new_uuid(self.rng.as_ref())),
            name: input.identity_pool_name,
            allow_unauthenticated: input.allow_unauthenticated_identities,
            allow_classic_flow: input.allow_classic_flow.unwrap_or(false),
            supported_login_providers: input.supported_login_providers,
            developer_provider_name: input.developer_provider_name,
            open_id_connect_provider_arns: input.open_id_connect_provider_arns,
            saml_provider_arns: input.saml_provider_arns,
            cognito_identity_providers: input.cognito_identity_providers,
            tags: input.identity_pool_tags.unwrap_or_default(),
            roles: BTreeMap::new(),
            role_mappings: BTreeMap::new(),
            principal_tags: BTreeMap::new(),
            created: self.clock.now(),
            version: 1,
        };
        self.store.insert_identity_pool(&pool).await?;
        Ok(pool)
    }

    pub async fn identity_pool(&self, id: &str) -> Result<IdentityPool> {
        self.store
            .get_identity_pool(id)
            .await?
            .ok_or_else(|| identity_pool_not_found(id))
    }

    /// Reads the pool, applies `change`, and writes it back under the optimistic version rule, retrying when
    /// another writer got there first.
    async fn change_identity_pool<T>(
        &self,
        id: &str,
        mut change: impl FnMut(&mut IdentityPool) -> Result<T>,
    ) -> Result<(IdentityPool, T)> {
        for _ in 0..MAX_CONFLICT_RETRIES {
            let mut pool = self.identity_pool(id).await?;
            let out = change(&mut pool)?;
            pool.version += 1;
            match self.store.update_identity_pool(&pool).await {
                Err(StoreError::Conflict(_)) if self.store.get_identity_pool(id).await?.is_none() => {
                    return Err(identity_pool_not_found(id))
                }
                write => {
                    if landed(write)? {
                        return Ok((pool, out));
                    }
                }
            }
        }
        Err(CognitoError::new(
            ErrorKind::ConcurrentModificationException,
            "The identity pool was changed by another request; try again.",
        ))
    }

    /// UpdateIdentityPool replaces every setting; the developer provider name cannot change once set.
    pub async fn update_identity_pool(&self, id: &str, input: IdentityPoolInput) -> Result<IdentityPool> {
        check_settings(&input)?;
        let (pool, ()) = self
            .change_identity_pool(id, |pool| {
                if pool.developer_provider_name.is_some()
                    && input.developer_provider_name.is_some()
                    && pool.developer_provider_name != input.developer_provider_name
                {
                    return Err(CognitoError::invalid_parameter(
                        "The developer provider name of an identity pool cannot be changed once it is set.",
                    ));
                }
                pool.name = input.identity_pool_name.clone();
                pool.allow_unauthenticated = input.allow_unauthenticated_identities;
                pool.allow_classic_flow = input.allow_classic_flow.unwrap_or(false);
                pool.supported_login_providers = input.supported_login_providers.clone();
                if input.developer_provider_name.is_some() {
                    pool.developer_provider_name = input.developer_provider_name.clone();
                }
                pool.open_id_connect_provider_arns = input.open_id_connect_provider_arns.clone();
                pool.saml_provider_arns = input.saml_provider_arns.clone();
                pool.cognito_identity_providers = input.cognito_identity_providers.clone();
                if let Some(tags) = &input.identity_pool_tags {
                    pool.tags = tags.clone();
                }
                Ok(())
            })
            .await?;
        Ok(pool)
    }

    pub async fn delete_identity_pool(&self, id: &str) -> Result<()> {
        if self.store.delete_identity_pool(id).await? {
            Ok(())
        } else {
            Err(identity_pool_not_found(id))
        }
    }

    /// The region's pools, ordered by id.
    pub async fn list_identity_pools(
        &self,
        region: &str,
        max_results: Option<u32>,
        token: Option<&str>,
    ) -> Result<Page<IdentityPool>> {
        let prefix = format!("{region}:");
        let limit = page_size(max_results);
        page_of("identitypool", token, |after| async move {
            self.store
                .list_identity_pools(&prefix, after.as_deref(), limit)
                .await
        })
        .await
    }

    pub async fn set_identity_pool_roles(
        &self,
        id: &str,
        roles: BTreeMap<String, String>,
        role_mappings: BTreeMap<String, RoleMapping>,
    ) -> Result<()> {
        if let Some(bad) = roles
            .keys()
            .find(|k| *k != "authenticated" && *k != "unauthenticated")
        {
            return Err(CognitoError::invalid_parameter(format!(
                "Invalid role type {bad}: Roles keys are authenticated and unauthenticated."
            )));
        }
        self.change_identity_pool(id, |pool| {
            check_role_mappings(pool, &role_mappings)?;
            pool.roles = roles.clone();
            pool.role_mappings = role_mappings.clone();
            Ok(())
        })
        .await?;
        Ok(())
    }

    pub async fn set_principal_tag_attribute_map(
        &self,
        id: &str,
        provider: &str,
        map: PrincipalTagMap,
    ) -> Result<()> {
        self.change_identity_pool(id, |pool| {
            pool.principal_tags.insert(provider.to_string(), map.clone());
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// The pool an `arn:aws:cognito-identity:<region>:<account>:identitypool/<id>` names.
    fn identity_pool_id_of_arn<'a>(&self, arn: &'a str) -> Result<&'a str> {
        let invalid = || CognitoError::invalid_parameter(format!("Invalid identity pool ARN: {arn}"));
        let (prefix, id) = arn.split_once(":identitypool/").ok_or_else(invalid)?;
        let mut parts = prefix.split(':');
        let ok = parts.next() == Some("arn")
            && parts.next().is_some()
            && parts.next() == Some("cognito-identity")
            && parts.next() == id.split(':').next()
            && parts.next() == Some(self.settings.account_id.as_str());
        if !ok {
            return Err(CognitoError::not_found(format!("Resource {arn} not found.")));
        }
        Ok(id)
    }

    pub async fn tag_identity_pool(&self, arn: &str, tags: BTreeMap<String, String>) -> Result<()> {
        let id = self.identity_pool_id_of_arn(arn)?;
        self.change_identity_pool(id, |pool| {
            let mut merged = pool.tags.clone();
            merged.extend(tags.clone());
            if merged.len() > MAX_TAGS {
                return Err(CognitoError::new(
                    ErrorKind::LimitExceededException,
                    format!("An identity pool can have at most {MAX_TAGS} tags."),
                ));
            }
            pool.tags = merged;
            Ok(())
        })
        .await?;
        Ok(())
    }

    pub async fn untag_identity_pool(&self, arn: &str, keys: &[String]) -> Result<()> {
        let id = self.identity_pool_id_of_arn(arn)?;
        self.change_identity_pool(id, |pool| {
            pool.tags.retain(|k, _| !keys.contains(k));
            Ok(())
        })
        .await?;
        Ok(())
    }

    pub async fn identity_pool_tags(&self, arn: &str) -> Result<BTreeMap<String, String>> {
        let id = self.identity_pool_id_of_arn(arn)?;
        Ok(self.identity_pool(id).await?.tags)
    }
}
