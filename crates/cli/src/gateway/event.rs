//! API Gateway's REST proxy event (what a Lambda proxy integration receives) and the proxy answer a function
//! returns, mapped back to an HTTP response — malformed answers refused as API Gateway refuses them.

use std::collections::BTreeMap;
use std::net::IpAddr;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use base64::Engine;
use serde_json::{json, Map, Value};
use time::macros::format_description;
use time::OffsetDateTime;

use super::routes::PathParam;

/// Headers a proxy event leaves out: they describe the connection to the gateway, not the request.
const EVENT_SKIPPED_HEADERS: [&str; 2] = ["content-length", "connection"];

/// Everything about one request the event is built from.
pub struct EventRequest<'a> {
    pub method: &'a str,
    /// The resource path template (`/items/{id}`).
    pub resource: &'a str,
    /// The request path without the stage prefix, as sent.
    pub path: &'a str,
    pub stage: &'a str,
    pub params: &'a BTreeMap<String, PathParam>,
    pub headers: &'a HeaderMap,
    pub query: Option<&'a str>,
    pub body: &'a [u8],
    pub peer: Option<IpAddr>,
    /// Claims as the authorizer renders them; none on a route without an authorizer.
    pub claims: Option<&'a BTreeMap<String, String>>,
    pub request_id: &'a str,
    pub api_id: &'a str,
    pub account_id: &'a str,
    pub now_millis: i64,
}

pub fn proxy_event(req: &EventRequest<'_>) -> Value {
    let (headers, multi_headers) = event_headers(req.headers);
    let (query, multi_query) = query_parameters(req.query);
    let path_parameters = (!req.params.is_empty()).then(|| {
        req.params
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.value.clone())))
            .collect::<Map<_, _>>()
    });
    let (body, is_base64) = match std::str::from_utf8(req.body) {
        _ if req.body.is_empty() => (Value::Null, false),
        Ok(text) => (Value::String(text.to_string()), false),
        Err(_) => (
            Value::String(base64::engine::general_purpose::STANDARD.encode(req.body)),
            true,
        ),
    };
    let header = |name: &str| {
        req.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let mut context = json!({
        "accountId": req.account_id,
        "resourceId": resource_id(req.resource),
        "stage": req.stage,
        "requestId": req.request_id,
        "extendedRequestId": req.request_id,
        "requestTime": request_time(req.now_millis),
        "requestTimeEpoch": req.now_millis,
        "path": format!("/{}{}", req.stage, req.path),
        "resourcePath": req.resource,
        "httpMethod": req.method,
        "protocol": "HTTP/1.1",
        "apiId": req.api_id,
        "domainName": header("host"),
        "identity": {
            "cognitoIdentityPoolId": null,
            "accountId": null,
            "cognitoIdentityId": null,
            "caller": null,
            "sourceIp": req.peer.map(|ip| ip.to_string()),
            "principalOrgId": null,
            "accessKey": null,
            "cognitoAuthenticationType": null,
            "cognitoAuthenticationProvider": null,
            "userArn": null,
            "userAgent": header("user-agent"),
            "user": null
        }
    });
    if let (Some(claims), Value::Object(map)) = (req.claims, &mut context) {
        map.insert("authorizer".into(), json!({ "claims": claims }));
    }
    json!({
        "resource": req.resource,
        "path": req.path,
        "httpMethod": req.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": path_parameters,
        "stageVariables": null,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": is_base64,
    })
}

/// `headers` (the last value of each name) and `multiValueHeaders`, both null when there are none. Names are
/// written in the usual HTTP/1.1 capitalisation (`Content-Type`), as clients send them and API Gateway passes
/// them on; the server reads them lower-cased.
fn event_headers(headers: &HeaderMap) -> (Value, Value) {
    let pairs = headers
        .iter()
        .filter(|(name, _)| !EVENT_SKIPPED_HEADERS.contains(&name.as_str()))
        .map(|(name, value)| {
            (
                title_case(name.as_str()),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        });
    single_and_multi(pairs)
}

/// `queryStringParameters` (the last value of each name) and `multiValueQueryStringParameters`, decoded; both
/// null when the query is absent or empty.
fn query_parameters(query: Option<&str>) -> (Value, Value) {
    let pairs: Vec<(String, String)> = query
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default();
    single_and_multi(pairs.into_iter())
}

/// The single-value map (the last value of each name wins) and the multi-value map of `pairs`, both null when
/// there are none — API Gateway's shape for headers and query parameters alike.
fn single_and_multi(pairs: impl Iterator<Item = (String, String)>) -> (Value, Value) {
    let mut single: BTreeMap<String, String> = BTreeMap::new();
    let mut multi: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in pairs {
        single.insert(name.clone(), value.clone());
        multi.entry(name).or_default().push(value);
    }
    if single.is_empty() {
        (Value::Null, Value::Null)
    } else {
        (json!(single), json!(multi))
    }
}

pub fn title_case(name: &str) -> String {
    name.split('-')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// A stable, API-Gateway-looking resource id (10 lower-case alphanumerics) derived from the resource path.
fn resource_id(resource: &str) -> String {
    // FNV-1a: stable across runs and platforms, which `DefaultHasher` does not promise.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in resource.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..10)
        .map(|i| {
            let index = (hash >> (i * 6)) % ALPHABET.len() as u64;
            char::from(ALPHABET[index as usize])
        })
        .collect()
}

/// `requestTime` as API Gateway writes it: `09/Apr/2015:12:34:56 +0000`.
fn request_time(now_millis: i64) -> String {
    let format = format_description!("[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000");
    OffsetDateTime::from_unix_timestamp(now_millis.div_euclid(1000))
        .ok()
        .and_then(|t| t.format(format).ok())
        .unwrap_or_default()
}

/// A function's proxy answer, mapped to what the client receives.
#[derive(Debug)]
pub struct ProxyAnswer {
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Bytes,
}

/// The fields a proxy answer may have; any other makes it malformed.
const ANSWER_FIELDS: [&str; 5] = [
    "statusCode",
    "headers",
    "multiValueHeaders",
    "body",
    "isBase64Encoded",
];

/// Reads a function's answer; `Err` says why it is malformed (API Gateway then answers 502).
pub fn parse_answer(payload: &[u8]) -> Result<ProxyAnswer, String> {
    let value: Value = serde_json::from_slice(payload).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(answer) = value else {
        return Err("not a JSON object".into());
    };
    if let Some(extra) = answer.keys().find(|k| !ANSWER_FIELDS.contains(&k.as_str())) {
        return Err(format!("unexpected field {extra:?}"));
    }
    let status = match answer.get("statusCode") {
        None | Some(Value::Null) => StatusCode::OK,
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| u16::try_from(n).ok())
            .and_then(|n| StatusCode::from_u16(n).ok())
            .ok_or_else(|| format!("statusCode {n} is not an HTTP status"))?,
        Some(Value::String(s)) => s
            .parse::<u16>()
            .ok()
            .and_then(|n| StatusCode::from_u16(n).ok())
            .ok_or_else(|| format!("statusCode {s:?} is not an HTTP status"))?,
        Some(other) => return Err(format!("statusCode {other} is not an HTTP status")),
    };
    let mut headers: Vec<(HeaderName, HeaderValue)> = Vec::new();
    match answer.get("multiValueHeaders") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (name, values) in map {
                let Value::Array(values) = values else {
                    return Err(format!("multiValueHeaders.{name} is not a list"));
                };
                for value in values {
                    headers.push(answer_header(name, value)?);
                }
            }
        }
        Some(_) => return Err("multiValueHeaders is not an object".into()),
    }
    match answer.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (name, value) in map {
                let (name, value) = answer_header(name, value)?;
                // Both maps are merged; a name and value given in both appears once.
                if !headers.iter().any(|(n, v)| *n == name && *v == value) {
                    headers.push((name, value));
                }
            }
        }
        Some(_) => return Err("headers is not an object".into()),
    }
    let base64 = match answer.get("isBase64Encoded") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err("isBase64Encoded is not a boolean".into()),
    };
    let body = match answer.get("body") {
        None | Some(Value::Null) => Bytes::new(),
        Some(Value::String(s)) if base64 => base64::engine::general_purpose::STANDARD
            .decode(s)
            .map(Bytes::from)
            .map_err(|e| format!("body is not base64: {e}"))?,
        Some(Value::String(s)) => Bytes::from(s.clone()),
        Some(_) => return Err("body is not a string".into()),
    };
    Ok(ProxyAnswer {
        status,
        headers,
        body,
    })
}

fn answer_header(name: &str, value: &Value) -> Result<(HeaderName, HeaderValue), String> {
    let header_name = HeaderName::try_from(name).map_err(|_| format!("{name:?} is not a header name"))?;
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ => return Err(format!("header {name} is not a string")),
    };
    let header_value = HeaderValue::try_from(text)
        .map_err(|_| format!("header {name} has a value no HTTP header can carry"))?;
    Ok((header_name, header_value))
}

#[cfg(test)]
#[path = "event_tests.rs"]
mod tests;
