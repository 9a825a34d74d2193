//! A plain `AWS::ApiGateway::RestApi`: its stage (`AWS::ApiGateway::Stage`, else a `Deployment`'s `StageName`),
//! Cognito `AWS::ApiGateway::Authorizer`s, and `AWS::ApiGateway::Method`s on `AWS::ApiGateway::Resource` paths —
//! or, when the RestApi has a `Body`, the routes of that OpenAPI document.

use std::collections::BTreeMap;

use serde_json::Value;

use super::super::error::TemplateError;
use super::super::kinds::ResourceKind;
use super::super::model::{Resource, Template};
use super::super::resolve::Resolver;
use super::{cognito_authorizer, logical_ref, openapi, scopes, uri_function, IssuerForPoolArn};
use crate::gateway::config::{GatewayConfig, Integration, Route};

/// `ParentId` chains longer than this are refused (API Gateway allows far fewer path segments).
const MAX_DEPTH: usize = 64;

pub(super) fn config(
    template: &Template,
    resolver: &Resolver,
    api_id: &str,
    issuer_for_pool_arn: IssuerForPoolArn,
) -> Result<GatewayConfig, TemplateError> {
    let mut members: BTreeMap<ResourceKind, Vec<(&String, &Resource)>> = BTreeMap::new();
    for (name, resource) in &template.resources {
        if logical_ref(resource.property("RestApiId")) == Some(api_id) && resolver.is_included(name)? {
            members.entry(resource.kind).or_default().push((name, resource));
        }
    }
    let of_kind = |kind| members.get(&kind).map(Vec::as_slice).unwrap_or_default();
    let stage_of = |(name, resource): &(&String, &Resource)| -> Result<Option<String>, TemplateError> {
        let in_resource = |source| TemplateError::InResource {
            name: name.to_string(),
            source: Box::new(source),
        };
        resource
            .property("StageName")
            .map(|s| resolver.resolve_string(s))
            .transpose()
            .map_err(in_resource)
    };
    let mut stage = None;
    for member in of_kind(ResourceKind::ApiStage)
        .iter()
        .chain(of_kind(ResourceKind::ApiDeployment))
    {
        stage = stage_of(member)?;
        if stage.is_some() {
            break;
        }
    }
    let mut config = GatewayConfig {
        stage,
        lambda_endpoint: None,
        cors: None,
        authorizers: BTreeMap::new(),
        routes: Vec::new(),
    };
    for (name, resource) in of_kind(ResourceKind::ApiAuthorizer) {
        let in_resource = |source| TemplateError::InResource {
            name: name.to_string(),
            source: Box::new(source),
        };
        let kind = resource
            .property("Type")
            .map(|t| resolver.resolve_string(t))
            .transpose()
            .map_err(in_resource)?;
        if kind.as_deref() != Some("COGNITO_USER_POOLS") {
            continue;
        }
        let arns = resource
            .property("ProviderARNs")
            .ok_or_else(|| in_resource(TemplateError::invalid("ProviderARNs", "is required")))?;
        let header = match resource.property("IdentitySource") {
            Some(source) => {
                let source = resolver.resolve_string(source).map_err(in_resource)?;
                Some(
                    source
                        .strip_prefix("method.request.header.")
                        .map(str::to_string)
                        .ok_or_else(|| {
                            in_resource(TemplateError::invalid(
                                "IdentitySource",
                                format!("{source:?} is not a request header"),
                            ))
                        })?,
                )
            }
            None => None,
        };
        let arns = resolver.resolve(arns).map_err(in_resource)?;
        config.authorizers.insert(
            name.to_string(),
            cognito_authorizer(&arns, header, issuer_for_pool_arn)?,
        );
    }
    let api = template.resources.get(api_id);
    if let Some(body) = api.and_then(|a| a.property("Body")) {
        for (name, authorizer) in openapi::authorizers(resolver, body, issuer_for_pool_arn)? {
            config.authorizers.entry(name).or_insert(authorizer);
        }
        config.routes.extend(openapi::routes(
            template,
            resolver,
            body,
            &config.authorizers,
            None,
        )?);
    }
    for (name, method) in of_kind(ResourceKind::ApiMethod) {
        let in_method = |source| TemplateError::InResource {
            name: name.to_string(),
            source: Box::new(source),
        };
        if let Some(route) = method_route(template, resolver, api_id, method, &config).map_err(in_method)? {
            config.routes.push(route);
        }
    }
    Ok(config)
}

/// One `AWS::ApiGateway::Method`; `None` for a mock preflight (the gateway answers CORS itself).
fn method_route(
    template: &Template,
    resolver: &Resolver,
    api_id: &str,
    method: &Resource,
    config: &GatewayConfig,
) -> Result<Option<Route>, TemplateError> {
    let text = |key: &str| {
        method
            .property(key)
            .map(|v| resolver.resolve_string(v))
            .transpose()
    };
    let http_method =
        text("HttpMethod")?.ok_or_else(|| TemplateError::invalid("HttpMethod", "is required"))?;
    let http_method = http_method.to_ascii_uppercase();
    let path = resource_path(template, api_id, method.property("ResourceId"))?;
    let route_name = format!("{http_method} {path}");
    let fail = |message: String| TemplateError::Route {
        route: route_name.clone(),
        message,
    };
    let authorization = text("AuthorizationType")?.unwrap_or_else(|| "NONE".to_string());
    let authorizer = match authorization.as_str() {
        "NONE" => None,
        "COGNITO_USER_POOLS" => {
            let name = logical_ref(method.property("AuthorizerId")).ok_or_else(|| {
                fail("AuthorizerId must be a Ref to an AWS::ApiGateway::Authorizer".to_string())
            })?;
            if !config.authorizers.contains_key(name) {
                return Err(fail(format!("{name} is not a Cognito authorizer of this API")));
            }
            Some(name.to_string())
        }
        other => {
            return Err(fail(format!(
                "AuthorizationType {other} is not supported; latchkey serves NONE and COGNITO_USER_POOLS"
            )))
        }
    };
    let scopes = match authorizer {
        Some(_) => scopes(resolver, method.property("AuthorizationScopes"))?.unwrap_or_default(),
        None => Vec::new(),
    };
    let integration = method.property("Integration");
    let kind = integration
        .and_then(|i| i.get("Type"))
        .map(|t| resolver.resolve_string(t))
        .transpose()?
        .unwrap_or_default();
    let uri = integration.and_then(|i| i.get("Uri"));
    let integration = match (kind.as_str(), uri) {
        ("AWS_PROXY", Some(uri)) => Integration::Lambda {
            function: uri_function(template, resolver, uri)?,
        },
        ("HTTP_PROXY", Some(uri)) => Integration::Http {
            url: resolver.resolve_string(uri)?,
            claim_headers: BTreeMap::new(),
        },
        ("MOCK", _) if http_method == "OPTIONS" => return Ok(None),
        (other, _) => {
            return Err(fail(format!(
                "integration type {other:?} is not supported; latchkey serves AWS_PROXY and HTTP_PROXY"
            )))
        }
    };
    Ok(Some(Route {
        method: http_method,
        path,
        authorizer,
        scopes,
        integration,
    }))
}

/// The path of a `ResourceId`/`ParentId`: the API's `RootResourceId` is `/`; an `AWS::ApiGateway::Resource`
/// adds its `PathPart` to its parent's path.
fn resource_path<'t>(
    template: &'t Template,
    api_id: &str,
    mut id: Option<&'t Value>,
) -> Result<String, TemplateError> {
    let mut parts = Vec::new();
    for _ in 0..MAX_DEPTH {
        if is_root(api_id, id) {
            parts.reverse();
            return Ok(format!("/{}", parts.join("/")));
        }
        let name = logical_ref(id).ok_or_else(|| {
            TemplateError::invalid(
                "ResourceId",
                "must be a Ref to an AWS::ApiGateway::Resource or the RootResourceId",
            )
        })?;
        let resource = template
            .resources
            .get(name)
            .filter(|r| r.kind == ResourceKind::ApiResource)
            .ok_or_else(|| {
                TemplateError::invalid(
                    "ResourceId",
                    format!("{name} is not an AWS::ApiGateway::Resource"),
                )
            })?;
        let part = resource
            .property("PathPart")
            .and_then(Value::as_str)
            .ok_or_else(|| TemplateError::invalid(format!("Resources.{name}.PathPart"), "must be text"))?;
        parts.push(part);
        id = resource.property("ParentId");
    }
    Err(TemplateError::invalid(
        "ParentId",
        format!("resources nest more than {MAX_DEPTH} deep (or in a cycle)"),
    ))
}

fn is_root(api_id: &str, id: Option<&Value>) -> bool {
    match id.and_then(|v| v.get("Fn::GetAtt")) {
        Some(Value::Array(operands)) => {
            operands.first().and_then(Value::as_str) == Some(api_id)
                && operands.get(1).and_then(Value::as_str) == Some("RootResourceId")
        }
        Some(Value::String(dotted)) => dotted == &format!("{api_id}.RootResourceId"),
        _ => false,
    }
}
