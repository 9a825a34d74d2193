//! Routes written as an OpenAPI (Swagger 2 or OpenAPI 3) document — a RestApi's `Body`, a SAM API's
//! `DefinitionBody`, and what aws-sam-translator turns SAM APIs into — with API Gateway's extensions:
//! `x-amazon-apigateway-integration` (aws_proxy, http_proxy; mock only for preflight), `security` naming
//! `x-amazon-apigateway-authorizer`s of type `cognito_user_pools`, and `x-amazon-apigateway-any-method`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::super::error::TemplateError;
use super::super::model::Template;
use super::super::resolve::{operands, Resolver};
use super::super::scalar_string;
use super::{cognito_authorizer, uri_function, IssuerForPoolArn};
use crate::gateway::config::{Authorizer, Integration, Route};

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "head", "options"];
const ANY_METHOD: &str = "x-amazon-apigateway-any-method";

/// The Cognito authorizers a document declares (`securityDefinitions`, or `components.securitySchemes`).
pub(super) fn authorizers(
    resolver: &Resolver,
    document: &Value,
    issuer_for_pool_arn: IssuerForPoolArn,
) -> Result<BTreeMap<String, Authorizer>, TemplateError> {
    let mut found = BTreeMap::new();
    for (name, scheme) in security_schemes(document) {
        let Some(authorizer) = scheme.get("x-amazon-apigateway-authorizer") else {
            continue;
        };
        let kind = authorizer
            .get("type")
            .map(|t| resolver.resolve_string(t))
            .transpose()?;
        if !kind.is_some_and(|k| k.eq_ignore_ascii_case("cognito_user_pools")) {
            continue;
        }
        let arns = authorizer.get("providerARNs").ok_or_else(|| {
            TemplateError::invalid(format!("authorizer {name}"), "providerARNs is required")
        })?;
        let header = scheme
            .get("name")
            .map(|h| resolver.resolve_string(h))
            .transpose()?;
        found.insert(
            name.clone(),
            cognito_authorizer(&resolver.resolve(arns)?, header, issuer_for_pool_arn)?,
        );
    }
    Ok(found)
}

fn security_schemes(document: &Value) -> impl Iterator<Item = (&String, &Value)> {
    let swagger2 = document.get("securityDefinitions").and_then(Value::as_object);
    let openapi3 = document
        .get("components")
        .and_then(|c| c.get("securitySchemes"))
        .and_then(Value::as_object);
    swagger2
        .into_iter()
        .chain(openapi3)
        .flat_map(|schemes| schemes.iter())
}

/// The document's routes; `security` entries must name authorizers in `known` (or be empty, or `NONE`);
/// operations without `security` get `default` (a SAM API's DefaultAuthorizer and its scopes).
pub(super) fn routes(
    template: &Template,
    resolver: &Resolver,
    document: &Value,
    known: &BTreeMap<String, Authorizer>,
    default: Option<(String, Vec<String>)>,
) -> Result<Vec<Route>, TemplateError> {
    let schemes: Vec<&String> = security_schemes(document).map(|(name, _)| name).collect();
    let default_security = document.get("security");
    let mut routes = Vec::new();
    let empty = Map::new();
    for (path, item) in document.get("paths").and_then(Value::as_object).unwrap_or(&empty) {
        let Some(item) = chosen(resolver, item)?.and_then(Value::as_object) else {
            continue;
        };
        for (key, operation) in item {
            let method = match key.as_str() {
                ANY_METHOD => "ANY".to_string(),
                m if METHODS.contains(&m) => m.to_ascii_uppercase(),
                _ => continue,
            };
            // aws-sam-translator wraps the operations of conditional functions in Fn::If.
            let Some(operation) = chosen(resolver, operation)? else {
                continue;
            };
            let route_name = format!("{method} {path}");
            let fail = |message: String| TemplateError::Route {
                route: route_name.clone(),
                message,
            };
            let Some(integration) = operation.get("x-amazon-apigateway-integration") else {
                return Err(fail("has no x-amazon-apigateway-integration".to_string()));
            };
            let kind = integration
                .get("type")
                .map(|t| resolver.resolve_string(t))
                .transpose()?
                .unwrap_or_default()
                .to_ascii_lowercase();
            let uri = integration.get("uri");
            let integration = match (kind.as_str(), uri) {
                ("aws_proxy", Some(uri)) => Integration::Lambda {
                    function: uri_function(template, resolver, uri)?,
                },
                ("http_proxy", Some(uri)) => Integration::Http {
                    url: resolver.resolve_string(uri)?,
                    claim_headers: BTreeMap::new(),
                },
                // Preflight answered by a mock integration: the gateway answers CORS itself.
                ("mock", _) if method == "OPTIONS" => continue,
                (other, _) => return Err(fail(format!("integration type {other:?} is not supported"))),
            };
            let (authorizer, scopes) = match (operation.get("security").or(default_security), &default) {
                (None, Some((name, scopes))) => (Some(name.clone()), scopes.clone()),
                (security, _) => security_requirement(resolver, security, &schemes, known).map_err(fail)?,
            };
            routes.push(Route {
                method,
                path: path.clone(),
                authorizer,
                scopes,
                integration,
            });
        }
    }
    Ok(routes)
}

/// The Cognito authorizer and scopes a `security` list requires; `Err` holds the reason it cannot be served.
fn security_requirement(
    resolver: &Resolver,
    security: Option<&Value>,
    schemes: &[&String],
    known: &BTreeMap<String, Authorizer>,
) -> Result<(Option<String>, Vec<String>), String> {
    let Some(security) = security else {
        return Ok((None, Vec::new()));
    };
    let resolved = resolver.resolve(security).map_err(|e| e.to_string())?;
    let Value::Array(requirements) = resolved else {
        return Err("security must be a list".to_string());
    };
    let mut chosen: Option<(String, Vec<String>)> = None;
    for requirement in &requirements {
        let Some(requirement) = requirement.as_object() else {
            return Err("a security entry must be a mapping".into());
        };
        for (name, scopes) in requirement {
            if name == "NONE" {
                continue;
            }
            if !known.contains_key(name) {
                let why = if schemes.contains(&name) || name == "AWS_IAM" || name == "api_key" {
                    "is not a Cognito user pool authorizer; latchkey gateway serves only those"
                } else {
                    "is not declared"
                };
                return Err(format!("security requirement {name} {why}"));
            }
            if chosen.is_some() {
                return Err("requires more than one authorizer".to_string());
            }
            let scopes = match scopes {
                Value::Array(items) => items.iter().map(scalar_string).collect::<Option<Vec<_>>>(),
                _ => None,
            }
            .ok_or_else(|| format!("the scopes of {name} must be a list of text"))?;
            chosen = Some((name.clone(), scopes));
        }
    }
    Ok(chosen.map_or((None, Vec::new()), |(name, scopes)| (Some(name), scopes)))
}

/// Unwraps `Fn::If` by its condition; `None` where it (or the value) is `AWS::NoValue`.
fn chosen<'v>(resolver: &Resolver, mut value: &'v Value) -> Result<Option<&'v Value>, TemplateError> {
    loop {
        match value.as_object().filter(|map| map.len() == 1) {
            Some(map) if map.get("Ref").and_then(Value::as_str) == Some("AWS::NoValue") => return Ok(None),
            Some(map) if map.contains_key("Fn::If") => {
                let [condition, when_true, when_false] = operands::<3>("Fn::If", &map["Fn::If"])?;
                let condition = condition.as_str().ok_or_else(|| {
                    TemplateError::intrinsic("Fn::If", "the first operand must name a condition")
                })?;
                value = if resolver.condition(condition)? {
                    when_true
                } else {
                    when_false
                };
            }
            _ => return Ok(Some(value)),
        }
    }
}
