//! CreateUserPoolDomain, DescribeUserPoolDomain, UpdateUserPoolDomain, DeleteUserPoolDomain: a pool's prefix
//! domain (`<prefix>.auth.<region>.amazoncognito.com`) and custom domain, unique across all pools, and the host
//! names the hosted UI answers on.

use serde_json::{json, Value};

use crate::error::{CognitoError, Result};
use crate::service::Latchkey;
use crate::store::{DomainRecord, StoreError};

impl Latchkey {
    pub async fn create_user_pool_domain(
        &self,
        pool_id: &str,
        domain: &str,
        custom_domain_config: Option<Value>,
        managed_login_version: Option<i64>,
    ) -> Result<Value> {
        let pool = self.pool(pool_id).await?;
        let custom = custom_domain_config.is_some();
        let taken = if custom {
            pool.custom_domain.is_some()
        } else {
            pool.domain.is_some()
        };
        if taken {
            return Err(CognitoError::invalid_parameter(format!(
                "User pool {pool_id} already has a {} domain configured.",
                if custom { "custom" } else { "prefix" }
            )));
        }
        let record = DomainRecord {
            domain: domain.to_string(),
            pool_id: pool_id.to_string(),
            custom_domain_config,
            managed_login_version,
            created: self.clock.now(),
        };
        match self.store.insert_domain(&record).await {
            Ok(()) => {}
            Err(StoreError::Duplicate { .. }) => {
                return Err(CognitoError::invalid_parameter(
                    "Domain already associated with another user pool.",
                ))
            }
            Err(StoreError::Conflict(_)) => return Err(CognitoError::pool_not_found(pool_id)),
            Err(e) => return Err(e.into()),
        }
        self.mutate_pool(pool_id, |p| {
            if custom {
                p.custom_domain = Some(record.domain.clone());
            } else {
                p.domain = Some(record.domain.clone());
            }
            Ok(())
        })
        .await?;
        Ok(domain_response(&record))
    }

    /// `DomainDescriptionType`, or an empty object for an unknown domain (as Cognito answers).
    pub async fn describe_user_pool_domain(&self, domain: &str) -> Result<Value> {
        let Some(r) = self.store.get_domain(domain).await? else {
            return Ok(json!({}));
        };
        let mut d = json!({
            "UserPoolId": r.pool_id,
            "AWSAccountId": self.settings.account_id,
            "Domain": r.domain,
            "Version": "1",
            "Status": "ACTIVE",
            "ManagedLoginVersion": r.managed_login_version.unwrap_or(1),
        });
        if let Some(c) = &r.custom_domain_config {
            d["CustomDomainConfig"] = c.clone();
            d["CloudFrontDistribution"] = json!(r.domain);
        }
        Ok(d)
    }

    pub async fn update_user_pool_domain(
        &self,
        pool_id: &str,
        domain: &str,
        custom_domain_config: Option<Value>,
        managed_login_version: Option<i64>,
    ) -> Result<Value> {
        let mut r = self.owned_domain(pool_id, domain).await?;
        if custom_domain_config.is_some() {
            r.custom_domain_config = custom_domain_config;
        }
        if managed_login_version.is_some() {
            r.managed_login_version = managed_login_version;
        }
        self.store.update_domain(&r).await?;
        Ok(domain_response(&r))
    }

    pub async fn delete_user_pool_domain(&self, pool_id: &str, domain: &str) -> Result<()> {
        let r = self.owned_domain(pool_id, domain).await?;
        self.store.delete_domain(&r.domain).await?;
        self.mutate_pool(pool_id, |p| {
            if p.domain.as_deref() == Some(domain) {
                p.domain = None;
            }
            if p.custom_domain.as_deref() == Some(domain) {
                p.custom_domain = None;
            }
            Ok(())
        })
        .await?;
        Ok(())
    }

    async fn owned_domain(&self, pool_id: &str, domain: &str) -> Result<DomainRecord> {
        self.pool(pool_id).await?;
        match self.store.get_domain(domain).await? {
            Some(r) if r.pool_id == pool_id => Ok(r),
            _ => Err(CognitoError::invalid_parameter(format!(
                "The domain {domain} is not configured for user pool {pool_id}."
            ))),
        }
    }

    /// The pool a request's Host names, when it is one of the pools' domains: a custom domain exactly, or a prefix
    /// domain as the first label (`<prefix>.auth.<region>.amazoncognito.com`, or `<prefix>.localhost` locally).
    pub async fn pool_for_host(&self, host: &str) -> Result<Option<String>> {
        let host = host.rsplit_once(':').map_or(host, |(h, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                host
            }
        });
        if let Some(r) = self.store.get_domain(host).await? {
            return Ok(Some(r.pool_id));
        }
        if let Some((prefix, _)) = host.split_once('.') {
            if let Some(r) = self.store.get_domain(prefix).await?.filter(|r| !r.is_custom()) {
                return Ok(Some(r.pool_id));
            }
        }
        Ok(None)
    }
}

fn domain_response(r: &DomainRecord) -> Value {
    let mut v = json!({"ManagedLoginVersion": r.managed_login_version.unwrap_or(1)});
    if r.is_custom() {
        v["CloudFrontDomain"] = json!(r.domain);
    }
    v
}
