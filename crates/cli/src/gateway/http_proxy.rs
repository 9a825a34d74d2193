//! The HTTP proxy integration: the request forwarded to the configured URL (path parameters filled in, the query
//! string kept), headers passed through as API Gateway's `HTTP_PROXY` does (the `Authorization` header included)
//! minus hop-by-hop ones, and the verified claims set in the configured claim headers — never taken from the client.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method};
use axum::response::Response;

use super::lambda::{read_limited, IntegrationError};
use super::routes::PathParam;

/// Headers that belong to one connection, not to the request (RFC 9110 §7.6.1), plus those the client recomputes.
const HOP_BY_HOP: [&str; 10] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
];

pub struct Forward<'a> {
    pub method: &'a Method,
    /// The configured URL, `{param}`/`{proxy}` placeholders not yet filled.
    pub url: &'a str,
    pub params: &'a BTreeMap<String, PathParam>,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: Bytes,
    pub peer: Option<IpAddr>,
    /// Header name → claim name, from the route's integration.
    pub claim_headers: &'a BTreeMap<String, String>,
    /// Claims as the authorizer renders them; none on an open route.
    pub claims: Option<&'a BTreeMap<String, String>>,
}

pub async fn forward(
    client: &reqwest::Client,
    request: Forward<'_>,
    timeout: Duration,
    max_answer_bytes: usize,
) -> Result<Response, IntegrationError> {
    let url = target_url(request.url, request.params, request.query);
    let headers = outgoing_headers(&request);
    let call = async {
        let upstream = client
            .request(request.method.clone(), &url)
            .headers(headers)
            .body(request.body.clone())
            .send()
            .await
            .map_err(|e| IntegrationError::Failure(format!("cannot reach {url}: {e}")))?;
        let status = upstream.status();
        let mut answer_headers = HeaderMap::new();
        for (name, value) in upstream.headers() {
            if !is_hop_by_hop(name, upstream.headers()) {
                answer_headers.append(name.clone(), value.clone());
            }
        }
        let body = read_limited(upstream, max_answer_bytes)
            .await
            .map_err(|e| IntegrationError::Failure(format!("{url}: {e}")))?;
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = status;
        *response.headers_mut() = answer_headers;
        Ok(response)
    };
    tokio::time::timeout(timeout, call)
        .await
        .unwrap_or(Err(IntegrationError::Timeout))
}

/// The configured URL with its placeholders filled from the path (still percent-encoded, as received) and the
/// request's query string appended.
pub fn target_url(template: &str, params: &BTreeMap<String, PathParam>, query: Option<&str>) -> String {
    let mut url = template.to_string();
    for (name, param) in params {
        url = url
            .replace(&format!("{{{name}+}}"), &param.raw)
            .replace(&format!("{{{name}}}"), &param.raw);
    }
    match query.filter(|q| !q.is_empty()) {
        Some(q) if url.contains('?') => format!("{url}&{q}"),
        Some(q) => format!("{url}?{q}"),
        None => url,
    }
}

fn is_hop_by_hop(name: &HeaderName, headers: &HeaderMap) -> bool {
    HOP_BY_HOP.contains(&name.as_str())
        || headers
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|listed| listed.trim().eq_ignore_ascii_case(name.as_str()))
}

fn outgoing_headers(request: &Forward<'_>) -> HeaderMap {
    let claim_header_names: Vec<HeaderName> = request
        .claim_headers
        .keys()
        .filter_map(|name| HeaderName::try_from(name.as_str()).ok())
        .collect();
    let mut headers = HeaderMap::new();
    for (name, value) in request.headers {
        // A client-sent claim header is dropped: only the gateway may say who the caller is.
        if is_hop_by_hop(name, request.headers) || claim_header_names.contains(name) {
            continue;
        }
        headers.append(name.clone(), value.clone());
    }
    if let Some(claims) = request.claims {
        for (header_name, claim) in request.claim_headers {
            let (Ok(name), Some(value)) = (HeaderName::try_from(header_name.as_str()), claims.get(claim))
            else {
                continue;
            };
            match HeaderValue::from_bytes(value.as_bytes()) {
                Ok(value) => {
                    headers.insert(name, value);
                }
                Err(_) => {
                    tracing::debug!(header = %name, claim = %claim, "claim value cannot travel in a header; left out")
                }
            }
        }
    }
    if let Some(ip) = request.peer {
        let forwarded = match request
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
        {
            Some(before) => format!("{before}, {ip}"),
            None => ip.to_string(),
        };
        if let Ok(value) = HeaderValue::try_from(forwarded) {
            headers.insert("x-forwarded-for", value);
        }
    }
    headers.insert("x-forwarded-proto", HeaderValue::from_static("http"));
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(raw: &str) -> PathParam {
        PathParam {
            raw: raw.into(),
            value: raw.into(),
        }
    }

    #[test]
    fn url_gets_params_and_query() {
        let params: BTreeMap<String, PathParam> =
            [("proxy".to_string(), p("a/b%20c")), ("id".to_string(), p("7"))].into();
        assert_eq!(
            target_url("http://up/{proxy}", &params, Some("x=1")),
            "http://up/a/b%20c?x=1"
        );
        assert_eq!(
            target_url("http://up/{proxy+}/i/{id}?k=v", &params, Some("x=1")),
            "http://up/a/b%20c/i/7?k=v&x=1"
        );
        assert_eq!(target_url("http://up/", &params, Some("")), "http://up/");
    }

    #[test]
    fn client_claim_headers_are_replaced_and_hop_by_hop_dropped() {
        let mut incoming = HeaderMap::new();
        incoming.insert("x-user-sub", HeaderValue::from_static("spoofed"));
        incoming.insert("x-user-groups", HeaderValue::from_static("admins"));
        incoming.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer t"));
        incoming.insert(header::CONNECTION, HeaderValue::from_static("x-private"));
        incoming.insert("x-private", HeaderValue::from_static("1"));
        incoming.insert(header::HOST, HeaderValue::from_static("gateway"));
        let claim_headers: BTreeMap<String, String> = [
            ("X-User-Sub".to_string(), "sub".to_string()),
            ("X-User-Groups".to_string(), "cognito:groups".to_string()),
        ]
        .into();
        let claims: BTreeMap<String, String> = [("sub".to_string(), "u-1".to_string())].into();
        let no_params = BTreeMap::new();
        let forward = |claims| Forward {
            method: &Method::GET,
            url: "http://up/",
            params: &no_params,
            query: None,
            headers: &incoming,
            body: Bytes::new(),
            peer: Some("10.0.0.9".parse().unwrap()),
            claim_headers: &claim_headers,
            claims,
        };
        let out = outgoing_headers(&forward(Some(&claims)));
        assert_eq!(out["x-user-sub"], "u-1");
        assert!(out.get("x-user-groups").is_none());
        assert_eq!(out["authorization"], "Bearer t");
        assert!(out.get("x-private").is_none());
        assert!(out.get("connection").is_none());
        assert!(out.get("host").is_none());
        assert_eq!(out["x-forwarded-for"], "10.0.0.9");
        let open = outgoing_headers(&forward(None));
        assert!(open.get("x-user-sub").is_none());
    }
}
