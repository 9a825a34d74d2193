//! From a template's API to `latchkey gateway`'s configuration: which API (SAM `AWS::Serverless::Api`, SAM's
//! implicit API, or a plain `AWS::ApiGateway::RestApi`), its stage, its Cognito authorizers (issuers found by the
//! caller from the pools' ARNs), CORS and routes. SAM's rules are in `sam`, plain API Gateway resources in `rest`,
//! OpenAPI bodies (`Body`, `DefinitionBody`) in `openapi`.

mod openapi;
mod rest;
mod sam;

use std::collections::BTreeSet;

use serde_json::Value;

use super::error::TemplateError;
use super::kinds::ResourceKind;
use super::model::Template;
use super::order;
use super::resolve::Resolver;
use super::scalar_string;
use crate::gateway::config::{Authorizer, GatewayConfig, Route};

/// Finds a user pool's issuer URL from its ARN (Latchkey's `{public_url}/{poolId}`, or Cognito's).
pub type IssuerForPoolArn<'f> = &'f dyn Fn(&str) -> Result<String, TemplateError>;

/// The gateway configuration for one API of the template: `api` names it by logical id; without it the
/// template must have exactly one. `resolver` must know the user pools' outputs (their `Arn`s).
pub fn gateway_config(
    template: &Template,
    resolver: &Resolver,
    api: Option<&str>,
    issuer_for_pool_arn: IssuerForPoolArn,
) -> Result<GatewayConfig, TemplateError> {
    let apis = api_ids(template, resolver)?;
    let chosen = match api {
        Some(name) if apis.iter().any(|a| a == name) => name.to_string(),
        Some(name) => {
            return Err(TemplateError::UnknownApi {
                name: name.to_string(),
                apis,
            })
        }
        None => match apis.as_slice() {
            [] => return Err(TemplateError::NoApi),
            [only] => only.clone(),
            _ => return Err(TemplateError::AmbiguousApi { apis }),
        },
    };
    let mut config = match template.resources.get(&chosen).map(|r| r.kind) {
        Some(ResourceKind::ServerlessApi) => sam::config(template, resolver, &chosen, issuer_for_pool_arn)?,
        _ => rest::config(template, resolver, &chosen, issuer_for_pool_arn)?,
    };
    config
        .routes
        .sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
    if let Some(pair) = config
        .routes
        .windows(2)
        .find(|w| w[0].path == w[1].path && w[0].method == w[1].method)
    {
        return Err(TemplateError::Route {
            route: format!("{} {}", pair[0].method, pair[0].path),
            message: "is declared twice".to_string(),
        });
    }
    Ok(config)
}

/// The logical ids of the template's APIs (those whose condition holds).
pub fn api_ids(template: &Template, resolver: &Resolver) -> Result<Vec<String>, TemplateError> {
    let mut apis = Vec::new();
    for (name, resource) in &template.resources {
        if matches!(resource.kind, ResourceKind::ServerlessApi | ResourceKind::RestApi)
            && resolver.is_included(name)?
        {
            apis.push(name.clone());
        }
    }
    Ok(apis)
}

/// The pool id in a user pool ARN (`arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC`).
pub fn pool_id_from_arn(arn: &str) -> Option<&str> {
    let (_, id) = arn.split_once(":userpool/")?;
    (!id.is_empty() && !id.contains('/')).then_some(id)
}

/// The issuer Amazon Cognito itself gives a pool, from its ARN: `https://cognito-idp.{region}.{suffix}/{id}`.
pub fn cognito_issuer_for_pool_arn(arn: &str) -> Result<String, TemplateError> {
    let fail = || TemplateError::Issuer {
        arn: arn.to_string(),
        message: "not a user pool ARN".to_string(),
    };
    let id = pool_id_from_arn(arn).ok_or_else(fail)?;
    let mut fields = arn.split(':');
    let partition = fields.nth(1).ok_or_else(fail)?;
    let region = fields.nth(1).filter(|r| !r.is_empty()).ok_or_else(fail)?;
    let suffix = if partition == "aws-cn" {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    Ok(format!("https://cognito-idp.{region}.{suffix}/{id}"))
}

/// The logical id a `{"Ref": id}` (or a bare id) names.
fn logical_ref(value: Option<&Value>) -> Option<&str> {
    match value? {
        Value::String(id) => Some(id),
        Value::Object(map) if map.len() == 1 => map.get("Ref").and_then(Value::as_str),
        _ => None,
    }
}

/// The name a Lambda proxy integration invokes: the function's `FunctionName` when set, else its logical id.
fn function_name(
    template: &Template,
    resolver: &Resolver,
    logical_id: &str,
) -> Result<String, TemplateError> {
    match template
        .resources
        .get(logical_id)
        .and_then(|r| r.property("FunctionName"))
    {
        Some(name) => resolver.resolve_string(name),
        None => Ok(logical_id.to_string()),
    }
}

/// The function a Lambda proxy integration's `Uri` names: a function resource it refers to (`${Fn.Arn}`,
/// `!GetAtt Fn.Arn`), else the name in a literal ARN (`…/functions/arn:…:function:NAME/invocations`).
fn uri_function(template: &Template, resolver: &Resolver, uri: &Value) -> Result<String, TemplateError> {
    let mut referenced = BTreeSet::new();
    order::references(uri, resolver.conditions(), &mut referenced)?;
    let functions: Vec<&String> = referenced
        .iter()
        .filter(|name| {
            template.resources.get(*name).is_some_and(|r| {
                r.kind == ResourceKind::ServerlessFunction || r.resource_type == "AWS::Lambda::Function"
            })
        })
        .collect();
    if let [function] = functions.as_slice() {
        return function_name(template, resolver, function);
    }
    let text = resolver.resolve_string(uri)?;
    let arn = text
        .split_once("/functions/")
        .map(|(_, rest)| rest.trim_end_matches("/invocations"))
        .ok_or_else(|| TemplateError::invalid("Uri", format!("{text:?} names no Lambda function")))?;
    let name = arn.rsplit_once(":function:").map_or(arn, |(_, name)| name);
    // A qualified ARN (`function:NAME:alias`) invokes NAME's alias; the gateway invokes by name.
    Ok(name.split(':').next().unwrap_or(name).to_string())
}

/// A Cognito authorizer from the pool ARNs it trusts (resolved: one ARN or a list).
fn cognito_authorizer(
    arns: &Value,
    identity_header: Option<String>,
    issuer_for_pool_arn: IssuerForPoolArn,
) -> Result<Authorizer, TemplateError> {
    let arns: Vec<String> = match arns {
        Value::Array(items) => items.iter().map(scalar_string).collect::<Option<_>>(),
        single => scalar_string(single).map(|s| vec![s]),
    }
    .ok_or_else(|| {
        TemplateError::invalid(
            "UserPoolArn",
            format!("{arns} is not a pool ARN or a list of them"),
        )
    })?;
    if arns.is_empty() {
        return Err(TemplateError::invalid("UserPoolArn", "names no user pool"));
    }
    Ok(Authorizer {
        issuers: arns
            .iter()
            .map(|arn| issuer_for_pool_arn(arn))
            .collect::<Result<_, _>>()?,
        identity_header: identity_header.unwrap_or_else(crate::gateway::config::default_identity_header),
    })
}

/// A resolved list of scopes.
fn scopes(resolver: &Resolver, value: Option<&Value>) -> Result<Option<Vec<String>>, TemplateError> {
    let Some(value) = value else { return Ok(None) };
    match resolver.resolve(value)? {
        Value::Array(items) => items
            .iter()
            .map(|s| {
                scalar_string(s)
                    .ok_or_else(|| TemplateError::invalid("AuthorizationScopes", "must list text"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        other => Err(TemplateError::invalid(
            "AuthorizationScopes",
            format!("{other} is not a list"),
        )),
    }
}

fn route_error(route: &Route, message: impl Into<String>) -> TemplateError {
    TemplateError::Route {
        route: format!("{} {}", route.method, route.path),
        message: message.into(),
    }
}
