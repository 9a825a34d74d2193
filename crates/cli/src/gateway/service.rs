//! One request through the gateway, in API Gateway's order: the payload limit, the route, the authorizer, the
//! integration; then CORS, the request id, one log line and the metrics.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request};
use axum::http::{header, request::Parts, HeaderValue, Method};
use axum::response::Response;

use super::auth::{Authorizers, Denied};
use super::config::{GatewayConfig, Integration, Route};
use super::event::{proxy_event, EventRequest, ProxyAnswer};
use super::http_proxy::{self, Forward};
use super::lambda::{self, IntegrationError};
use super::responses::{gateway_response, Outcome};
use super::routes::{Matched, RouteTable};
use super::{cors, Settings};

/// The `apiId` events carry: there is one API per gateway.
const API_ID: &str = "latchkey";
/// The stage events name when none is configured.
const NO_STAGE: &str = "$default";

pub struct Gateway {
    pub(super) config: GatewayConfig,
    pub(super) table: RouteTable,
    pub(super) authorizers: Authorizers,
    pub(super) client: reqwest::Client,
    pub(super) settings: Settings,
}

/// What a request came to: the route label for metrics and logs, the outcome, the answer.
struct Handled {
    route: String,
    outcome: Outcome,
    response: Response,
}

impl Handled {
    fn gateway(route: String, outcome: Outcome) -> Self {
        Self {
            route,
            outcome,
            response: gateway_response(outcome),
        }
    }
}

pub async fn handle(gateway: Arc<Gateway>, request: Request) -> Response {
    let started = Instant::now();
    let request_id = uuid::Uuid::new_v4().to_string();
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let method = request.method().clone();
    let (parts, body) = request.into_parts();
    let handled = gateway.dispatch(parts, body, peer, &request_id).await;
    let Handled {
        route,
        outcome,
        mut response,
    } = handled;
    if let Some(cors) = &gateway.config.cors {
        cors::decorate(cors, &mut response);
    }
    if let Ok(id) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-amzn-RequestId", id);
    }
    let elapsed = started.elapsed();
    gateway.settings.metrics.observe(&route, outcome.label(), elapsed);
    tracing::info!(
        request_id = %request_id,
        method = %method,
        route = %route,
        status = response.status().as_u16(),
        outcome = outcome.label(),
        elapsed_ms = elapsed.as_secs_f64() * 1000.0,
        "gateway request"
    );
    response
}

impl Gateway {
    async fn dispatch(&self, parts: Parts, body: Body, peer: Option<IpAddr>, request_id: &str) -> Handled {
        let limit = self.settings.max_body_bytes;
        let declared_too_large = parts
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|n| n > limit as u64);
        let body = match declared_too_large {
            true => None,
            false => axum::body::to_bytes(body, limit).await.ok(),
        };
        let Some(body) = body else {
            return Handled::gateway("unmatched".into(), Outcome::TooLarge);
        };
        let path = parts.uri.path();
        let Some(matched) = self.table.find(parts.method.as_str(), path) else {
            return Handled::gateway("unmatched".into(), Outcome::MissingRoute);
        };
        if let (Some(cors), true) = (&self.config.cors, parts.method == Method::OPTIONS) {
            // The OPTIONS method CORS adds wins over `ANY`, as an explicit method does; an explicit OPTIONS route
            // keeps its integration.
            if !matched.methods.contains(&"OPTIONS") {
                return Handled {
                    route: format!("OPTIONS {}", matched.resource),
                    outcome: Outcome::Preflight,
                    response: cors::preflight(cors, &matched.methods),
                };
            }
        }
        let Some(route) = matched.route.and_then(|i| self.config.routes.get(i)) else {
            return Handled::gateway("unmatched".into(), Outcome::MissingRoute);
        };
        let label = format!("{} {}", route.method.to_ascii_uppercase(), route.path);
        let claims = match &route.authorizer {
            None => None,
            Some(name) => match self
                .authorizers
                .authorize(name, &parts.headers, &route.scopes)
                .await
            {
                Ok(raw) => Some(super::claims::render(&raw)),
                Err(denied @ Denied::Unavailable(_)) => {
                    tracing::warn!(request_id, route = %label, reason = %denied, "authorizer failed");
                    return Handled::gateway(label, Outcome::AuthorizerFailure);
                }
                Err(denied) => {
                    tracing::debug!(request_id, route = %label, reason = %denied, "unauthorized");
                    return Handled::gateway(label, Outcome::Unauthorized);
                }
            },
        };
        let result = self
            .integrate(route, &matched, &parts, body, peer, claims.as_ref(), request_id)
            .await;
        match result {
            Ok(response) => Handled {
                route: label,
                outcome: Outcome::Integrated,
                response,
            },
            Err(IntegrationError::Timeout) => {
                tracing::warn!(request_id, route = %label, "integration timed out");
                Handled::gateway(label, Outcome::IntegrationTimeout)
            }
            Err(IntegrationError::Failure(why)) => {
                tracing::warn!(request_id, route = %label, error = %why, "integration failed");
                Handled::gateway(label, Outcome::IntegrationFailure)
            }
        }
    }

    #[allow(clippy::too_many_arguments)] // the pieces of one request, borrowed rather than bundled twice
    async fn integrate(
        &self,
        route: &Route,
        matched: &Matched<'_>,
        parts: &Parts,
        body: Bytes,
        peer: Option<IpAddr>,
        claims: Option<&BTreeMap<String, String>>,
        request_id: &str,
    ) -> Result<Response, IntegrationError> {
        let timeout = self.settings.integration_timeout;
        match &route.integration {
            Integration::Lambda { function } => {
                // Checked when the router is built: a Lambda route implies an endpoint.
                let endpoint = self
                    .config
                    .lambda_endpoint
                    .as_deref()
                    .ok_or_else(|| IntegrationError::Failure("no Lambda endpoint configured".into()))?;
                let event = proxy_event(&EventRequest {
                    method: parts.method.as_str(),
                    resource: matched.resource,
                    path: &matched.path,
                    stage: self.config.stage.as_deref().unwrap_or(NO_STAGE),
                    params: &matched.params,
                    headers: &parts.headers,
                    query: parts.uri.query(),
                    body: &body,
                    peer,
                    claims,
                    request_id,
                    api_id: API_ID,
                    account_id: &self.settings.account_id,
                    now_millis: self.settings.clock.now().millis(),
                });
                let answer = lambda::invoke(&self.client, endpoint, function, &event, timeout).await?;
                Ok(answer_response(answer))
            }
            Integration::Http { url, claim_headers } => {
                let forward = Forward {
                    method: &parts.method,
                    url,
                    params: &matched.params,
                    query: parts.uri.query(),
                    headers: &parts.headers,
                    body,
                    peer,
                    claim_headers,
                    claims,
                };
                http_proxy::forward(&self.client, forward, timeout, self.settings.max_body_bytes).await
            }
        }
    }
}

/// A function's answer as the client receives it (`application/json` unless the function said otherwise).
fn answer_response(answer: ProxyAnswer) -> Response {
    let mut response = Response::new(Body::from(answer.body));
    *response.status_mut() = answer.status;
    let headers = response.headers_mut();
    for (name, value) in answer.headers {
        // The connection's framing is the gateway's to decide.
        if name == header::CONTENT_LENGTH || name == header::TRANSFER_ENCODING || name == header::CONNECTION {
            continue;
        }
        headers.append(name, value);
    }
    if !headers.contains_key(header::CONTENT_TYPE) {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    response
}
