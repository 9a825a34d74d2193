//! Resource servers (CreateResourceServer and friends): an identifier and its custom scopes, which app clients
//! may be allowed as `identifier/scope`. Kept in the pool's document: a pool has at most 25 of them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{CognitoError, ErrorKind, Result};
use crate::service::{pagination, Latchkey};
use crate::store::Page;

pub const MAX_RESOURCE_SERVERS: usize = 25;
pub const MAX_SCOPES: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Scope {
    pub scope_name: String,
    pub scope_description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceServer {
    pub identifier: String,
    pub name: String,
    #[serde(default)]
    pub scopes: Vec<Scope>,
}

impl ResourceServer {
    /// `ResourceServerType`.
    pub fn to_wire(&self, pool_id: &str) -> Value {
        serde_json::json!({"UserPoolId": pool_id, "Identifier": self.identifier, "Name": self.name, "Scopes": self.scopes})
    }
}

/// CreateResourceServer / UpdateResourceServer input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceServerInput {
    pub user_pool_id: String,
    pub identifier: String,
    pub name: String,
    #[serde(default)]
    pub scopes: Vec<Scope>,
}

fn not_found(identifier: &str) -> CognitoError {
    CognitoError::not_found(format!("Resource server {identifier} does not exist."))
}

fn check_scopes(scopes: &[Scope]) -> Result<()> {
    if scopes.len() > MAX_SCOPES {
        return Err(CognitoError::new(
            ErrorKind::LimitExceededException,
            format!("A resource server can have at most {MAX_SCOPES} scopes."),
        ));
    }
    for (i, s) in scopes.iter().enumerate() {
        if scopes[..i].iter().any(|o| o.scope_name == s.scope_name) {
            return Err(CognitoError::invalid_parameter(format!(
                "Duplicate scope name: {}",
                s.scope_name
            )));
        }
    }
    Ok(())
}

impl Latchkey {
    pub async fn create_resource_server(&self, input: ResourceServerInput) -> Result<ResourceServer> {
        check_scopes(&input.scopes)?;
        let server = ResourceServer {
            identifier: input.identifier,
            name: input.name,
            scopes: input.scopes,
        };
        self.mutate_pool(&input.user_pool_id, |pool| {
            if pool
                .resource_servers
                .iter()
                .any(|r| r.identifier == server.identifier)
            {
                return Err(CognitoError::invalid_parameter(format!(
                    "A resource server with identifier {} already exists in this user pool.",
                    server.identifier
                )));
            }
            if pool.resource_servers.len() >= MAX_RESOURCE_SERVERS {
                return Err(CognitoError::new(
                    ErrorKind::LimitExceededException,
                    format!("A user pool can have at most {MAX_RESOURCE_SERVERS} resource servers."),
                ));
            }
            pool.resource_servers.push(server.clone());
            Ok(())
        })
        .await?;
        Ok(server)
    }

    pub async fn describe_resource_server(&self, pool_id: &str, identifier: &str) -> Result<ResourceServer> {
        let pool = self.pool(pool_id).await?;
        pool.resource_servers
            .into_iter()
            .find(|r| r.identifier == identifier)
            .ok_or_else(|| not_found(identifier))
    }

    pub async fn list_resource_servers(
        &self,
        pool_id: &str,
        max: u32,
        token: Option<&str>,
    ) -> Result<Page<ResourceServer>> {
        let pool = self.pool(pool_id).await?;
        let after = token
            .map(|t| pagination::decode("resource-server", t))
            .transpose()?;
        let mut all = pool.resource_servers;
        all.sort_by(|a, b| a.identifier.cmp(&b.identifier));
        let rest: Vec<ResourceServer> = all
            .into_iter()
            .filter(|r| after.as_deref().is_none_or(|a| r.identifier.as_str() > a))
            .collect();
        let limit = max.clamp(1, 50) as usize;
        let next =
            (rest.len() > limit).then(|| pagination::encode("resource-server", &rest[limit - 1].identifier));
        Ok(Page {
            items: rest.into_iter().take(limit).collect(),
            next,
        })
    }

    /// Replaces name and scopes (scopes omitted become none, as Cognito documents).
    pub async fn update_resource_server(&self, input: ResourceServerInput) -> Result<ResourceServer> {
        check_scopes(&input.scopes)?;
        let (_, server) = self
            .mutate_pool(&input.user_pool_id, |pool| {
                let r = pool
                    .resource_servers
                    .iter_mut()
                    .find(|r| r.identifier == input.identifier)
                    .ok_or_else(|| not_found(&input.identifier))?;
                r.name = input.name.clone();
                r.scopes = input.scopes.clone();
                Ok(r.clone())
            })
            .await?;
        Ok(server)
    }

    pub async fn delete_resource_server(&self, pool_id: &str, identifier: &str) -> Result<()> {
        self.mutate_pool(pool_id, |pool| {
            let before = pool.resource_servers.len();
            pool.resource_servers.retain(|r| r.identifier != identifier);
            if pool.resource_servers.len() == before {
                return Err(not_found(identifier));
            }
            Ok(())
        })
        .await?;
        Ok(())
    }
}
