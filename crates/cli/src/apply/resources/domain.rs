//! AWS::Cognito::UserPoolDomain: `Domain`, `UserPoolId`, `CustomDomainConfig`, `ManagedLoginVersion` (the API's
//! names). A pool has at most one prefix domain and one custom domain, so the current one is read from the pool
//! (DescribeUserPool's `Domain` / `CustomDomain`): a changed `Domain` replaces it, as in CloudFormation. `Ref` is
//! the domain; attribute `CloudFrontDistribution` when Cognito reports one.

use serde_json::{json, Map, Value};

use super::{member, outputs, required_text, text, Current, Desired, Env, Rules};
use crate::apply::client::ApiError;

pub static RULES: Rules = Rules {
    replace: &["Domain"],
    fixed: &[],
    create_only: &[],
    defaults: super::no_defaults,
};

pub fn desired(mut d: Desired, props: Map<String, Value>) -> Result<Desired, String> {
    d.parent = Some(required_text(&props, "UserPoolId")?);
    required_text(&props, "Domain")?;
    d.request.extend(props);
    Ok(d)
}

pub async fn read(env: &Env<'_>, d: &Desired) -> Result<Option<Current>, ApiError> {
    let pool = d.parent.clone().unwrap_or_default();
    let answer = match env
        .client
        .idp("DescribeUserPool", json!({"UserPoolId": pool}))
        .await
    {
        Ok(a) => a,
        Err(e) if e.is("ResourceNotFoundException") => return Ok(None),
        Err(e) => return Err(e),
    };
    let described = member(&answer, "UserPool");
    let custom = d.request.get("CustomDomainConfig").is_some_and(|c| !c.is_null());
    let domain = text(&described, if custom { "CustomDomain" } else { "Domain" });
    if domain.is_empty() {
        return Ok(None);
    }
    describe(env, &pool, &domain).await
}

async fn describe(env: &Env<'_>, pool: &str, domain: &str) -> Result<Option<Current>, ApiError> {
    let answer = env
        .client
        .idp("DescribeUserPoolDomain", json!({"Domain": domain}))
        .await?;
    let state = member(&answer, "DomainDescription");
    if text(&state, "UserPoolId") != pool {
        return Ok(None);
    }
    let cloudfront = text(&state, "CloudFrontDistribution");
    let attributes: Vec<(&str, &str)> = if cloudfront.is_empty() {
        vec![]
    } else {
        vec![("CloudFrontDistribution", cloudfront.as_str())]
    };
    Ok(Some(Current {
        id: domain.to_string(),
        parent: Some(pool.to_string()),
        outputs: outputs(domain, &attributes),
        state,
    }))
}

pub async fn create(env: &Env<'_>, d: &Desired) -> Result<Current, ApiError> {
    env.client
        .idp("CreateUserPoolDomain", Value::Object(d.request.clone()))
        .await?;
    let pool = d.parent.clone().unwrap_or_default();
    let domain = text(&d.request, "Domain");
    Ok(describe(env, &pool, &domain).await?.unwrap_or_else(|| Current {
        id: domain.clone(),
        parent: Some(pool),
        state: d.request.clone(),
        outputs: outputs(&domain, &[]),
    }))
}

pub async fn update(env: &Env<'_>, d: &Desired, current: &Current) -> Result<Current, ApiError> {
    env.client
        .idp("UpdateUserPoolDomain", Value::Object(d.request.clone()))
        .await?;
    Ok(
        describe(env, d.parent.as_deref().unwrap_or_default(), &current.id)
            .await?
            .unwrap_or_else(|| current.clone()),
    )
}
