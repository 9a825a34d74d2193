//! SAM's API: an `AWS::Serverless::Api` (or the implicit `ServerlessRestApi`) with `StageName`, `Cors` and
//! `Auth` (`DefaultAuthorizer`, Cognito `Authorizers` with `UserPoolArn`, `Identity.Header`,
//! `AuthorizationScopes`), and the `Api` events of `AWS::Serverless::Function`s that name it — the rules
//! aws-sam-translator applies when it writes the API's OpenAPI document.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::super::error::TemplateError;
use super::super::kinds::ResourceKind;
use super::super::model::{Template, IMPLICIT_API};
use super::super::resolve::Resolver;
use super::super::scalar_string;
use super::{cognito_authorizer, function_name, logical_ref, openapi, scopes, IssuerForPoolArn};
use crate::gateway::config::{Cors, GatewayConfig, Integration, Route};

/// A Cognito authorizer as SAM declares it, with the scopes routes using it get by default.
struct SamAuthorizer {
    default_scopes: Vec<String>,
}

pub(super) fn config(
    template: &Template,
    resolver: &Resolver,
    api_id: &str,
    issuer_for_pool_arn: IssuerForPoolArn,
) -> Result<GatewayConfig, TemplateError> {
    let in_api = |source| TemplateError::InResource {
        name: api_id.to_string(),
        source: Box::new(source),
    };
    let properties = template
        .resources
        .get(api_id)
        .map(|r| &r.properties)
        .cloned()
        .unwrap_or_default();
    let stage = properties
        .get("StageName")
        .map(|s| resolver.resolve_string(s))
        .transpose()
        .map_err(in_api)?;
    let cors = properties
        .get("Cors")
        .map(|c| cors(&resolver.resolve(c)?))
        .transpose()
        .map_err(in_api)?;
    let empty = Map::new();
    let auth = properties
        .get("Auth")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let default_authorizer = auth
        .get("DefaultAuthorizer")
        .map(|d| resolver.resolve_string(d))
        .transpose()
        .map_err(in_api)?
        .filter(|d| d != "NONE");
    let mut config = GatewayConfig {
        stage,
        lambda_endpoint: None,
        cors,
        authorizers: BTreeMap::new(),
        routes: Vec::new(),
    };
    let mut sam_authorizers = BTreeMap::new();
    let mut other_authorizers = Vec::new();
    for (name, definition) in auth
        .get("Authorizers")
        .and_then(Value::as_object)
        .unwrap_or(&empty)
    {
        let Some(pool_arns) = definition.get("UserPoolArn") else {
            // A Lambda (FunctionArn) authorizer: latchkey serves only Cognito ones; routes using it are refused.
            other_authorizers.push(name.clone());
            continue;
        };
        let header = definition
            .get("Identity")
            .and_then(|i| i.get("Header"))
            .map(|h| resolver.resolve_string(h))
            .transpose()
            .map_err(in_api)?;
        let arns = resolver.resolve(pool_arns).map_err(in_api)?;
        config.authorizers.insert(
            name.clone(),
            cognito_authorizer(&arns, header, issuer_for_pool_arn)?,
        );
        let default_scopes = scopes(resolver, definition.get("AuthorizationScopes")).map_err(in_api)?;
        sam_authorizers.insert(
            name.clone(),
            SamAuthorizer {
                default_scopes: default_scopes.unwrap_or_default(),
            },
        );
    }
    if let Some(body) = properties.get("DefinitionBody") {
        // Routes written in the API's own OpenAPI document; SAM puts the DefaultAuthorizer on those that
        // declare no security.
        for (name, authorizer) in openapi::authorizers(resolver, body, issuer_for_pool_arn).map_err(in_api)? {
            config.authorizers.entry(name).or_insert(authorizer);
        }
        let default = default_authorizer.as_ref().map(|name| {
            let scopes = sam_authorizers
                .get(name)
                .map(|a| a.default_scopes.clone())
                .unwrap_or_default();
            (name.clone(), scopes)
        });
        config.routes.extend(openapi::routes(
            template,
            resolver,
            body,
            &config.authorizers,
            default,
        )?);
    }
    for (function_id, function) in &template.resources {
        if function.kind != ResourceKind::ServerlessFunction || !resolver.is_included(function_id)? {
            continue;
        }
        let Some(events) = function.property("Events").and_then(Value::as_object) else {
            continue;
        };
        for (event_name, event) in events {
            let in_event = |source| TemplateError::InResource {
                name: format!("{function_id} (event {event_name})"),
                source: Box::new(source),
            };
            if event.get("Type").and_then(Value::as_str) != Some("Api") {
                continue;
            }
            let event = event
                .get("Properties")
                .and_then(Value::as_object)
                .unwrap_or(&empty);
            if logical_ref(event.get("RestApiId")).unwrap_or(IMPLICIT_API) != api_id {
                continue;
            }
            let context = RouteContext {
                default_authorizer: default_authorizer.as_deref(),
                sam_authorizers: &sam_authorizers,
                other_authorizers: &other_authorizers,
            };
            let route = event_route(template, resolver, function_id, event, &context).map_err(in_event)?;
            config.routes.push(route);
        }
    }
    Ok(config)
}

struct RouteContext<'c> {
    default_authorizer: Option<&'c str>,
    sam_authorizers: &'c BTreeMap<String, SamAuthorizer>,
    other_authorizers: &'c [String],
}

fn event_route(
    template: &Template,
    resolver: &Resolver,
    function_id: &str,
    event: &Map<String, Value>,
    context: &RouteContext,
) -> Result<Route, TemplateError> {
    let required = |key: &str| {
        event
            .get(key)
            .ok_or_else(|| TemplateError::invalid("Properties", format!("{key} is required")))
            .and_then(|v| resolver.resolve_string(v))
    };
    let path = required("Path")?;
    let method = required("Method")?.to_ascii_uppercase();
    let route_name = format!("{method} {path}");
    let fail = |message: String| TemplateError::Route {
        route: route_name.clone(),
        message,
    };
    let auth = event.get("Auth").and_then(Value::as_object);
    let explicit = auth
        .and_then(|a| a.get("Authorizer"))
        .map(|a| resolver.resolve_string(a))
        .transpose()?;
    let route_scopes = scopes(resolver, auth.and_then(|a| a.get("AuthorizationScopes")))?;
    if route_scopes.as_ref().is_some_and(|s| !s.is_empty()) && explicit.is_none() {
        return Err(fail(
            "AuthorizationScopes works only when Auth.Authorizer is set (as in SAM)".to_string(),
        ));
    }
    let authorizer = match explicit.as_deref() {
        Some("NONE") if context.default_authorizer.is_none() => {
            return Err(fail(
                "Authorizer NONE is valid only when the API has a DefaultAuthorizer".to_string(),
            ))
        }
        Some("NONE") => None,
        Some(name) => Some(name.to_string()),
        None => context.default_authorizer.map(str::to_string),
    };
    let scopes =
        match &authorizer {
            None => Vec::new(),
            Some(name) if name == "AWS_IAM" => {
                return Err(TemplateError::Unsupported {
                    function: format!("the AWS_IAM authorizer of {route_name}"),
                })
            }
            Some(name) if context.other_authorizers.contains(name) => return Err(fail(format!(
                "authorizer {name} is not a Cognito user pool authorizer; latchkey gateway serves only those"
            ))),
            Some(name) => match context.sam_authorizers.get(name) {
                None => {
                    return Err(fail(format!(
                        "authorizer {name} is not among the API's Authorizers"
                    )))
                }
                Some(declared) if explicit.is_some() => {
                    route_scopes.unwrap_or_else(|| declared.default_scopes.clone())
                }
                Some(declared) => declared.default_scopes.clone(),
            },
        };
    Ok(Route {
        method,
        path,
        authorizer,
        scopes,
        integration: Integration::Lambda {
            function: function_name(template, resolver, function_id)?,
        },
    })
}

/// SAM's `Cors`: `"'*'"` (the header value, single-quoted as API Gateway writes it) or a mapping.
fn cors(value: &Value) -> Result<Cors, TemplateError> {
    let unquote = |v: &Value| scalar_string(v).map(|s| s.trim_matches('\'').to_string());
    match value {
        Value::Object(map) => Ok(Cors {
            allow_origin: map
                .get("AllowOrigin")
                .and_then(unquote)
                .ok_or_else(|| TemplateError::invalid("Cors", "AllowOrigin is required"))?,
            allow_methods: map.get("AllowMethods").and_then(unquote),
            allow_headers: map.get("AllowHeaders").and_then(unquote),
            max_age: map
                .get("MaxAge")
                .and_then(unquote)
                .map(|m| {
                    m.parse()
                        .map_err(|_| TemplateError::invalid("Cors.MaxAge", format!("{m:?} is not seconds")))
                })
                .transpose()?,
            allow_credentials: map
                .get("AllowCredentials")
                .and_then(unquote)
                .is_some_and(|c| c == "true"),
        }),
        other => Ok(Cors {
            allow_origin: unquote(other)
                .ok_or_else(|| TemplateError::invalid("Cors", "must be an origin or a mapping"))?,
            allow_methods: None,
            allow_headers: None,
            max_age: None,
            allow_credentials: false,
        }),
    }
}
