//! STS on the same listener, in its query protocol: `POST /` with a form body `Action=...&Version=2011-06-15` (no
//! `X-Amz-Target`), or a presigned `GET /?Action=GetCallerIdentity&...&X-Amz-Signature=...`. Answers are XML
//! (`xml`), refusals `<ErrorResponse>` (`error`). The actions are `actions`: GetCallerIdentity, signed for
//! service `sts` by an admin key or by temporary credentials, and AssumeRoleWithWebIdentity, unsigned.

mod actions;
pub mod error;
mod xml;

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use self::error::{Refusal, StsError};
use crate::aws::error::capped;
use crate::AppState;

pub const VERSION: &str = "2011-06-15";

/// Whether a request on `/` is for STS: it names no `X-Amz-Target` (every AWS JSON call does), and it either
/// sends a form, as every SDK sends STS actions, or names an `Action` in its query (a presigned URL).
pub fn is_sts_request(headers: &HeaderMap, uri: &Uri) -> bool {
    if headers.contains_key("x-amz-target") {
        return false;
    }
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"))
        });
    form || query_names_action(uri)
}

fn query_names_action(uri: &Uri) -> bool {
    uri.query()
        .is_some_and(|q| q.split('&').any(|p| p == "Action" || p.starts_with("Action=")))
}

/// `GET /`: a presigned STS request. Without an `Action` it is no STS request at all, and `/` is answered as it
/// was before STS shared it: only POST is allowed.
pub async fn get(
    State(st): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !query_names_action(&uri) {
        return (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "POST")]).into_response();
    }
    handle(&st, &method, &uri, &headers, &body).await
}

/// Answers one STS request.
pub async fn handle(st: &AppState, method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Response {
    let started = Instant::now();
    let request_id = latchkey_core::ids::new_uuid(st.latchkey.rng());
    let (action, result) = match Params::read(uri, headers, body) {
        Ok(params) => {
            let action = params.get("Action").unwrap_or_default().to_string();
            let req = Request {
                method,
                uri,
                headers,
                body,
            };
            let result = actions::run(st, &request_id, &action, &params, &req).await;
            (action, result)
        }
        Err(refusal) => (String::new(), Err(refusal)),
    };
    // Only actions STS has name the metric, so its label set stays bounded.
    let label = match action.as_str() {
        "GetCallerIdentity" | "AssumeRoleWithWebIdentity" => format!("sts:{action}"),
        _ => "sts:unknown".to_string(),
    };
    let outcome = match &result {
        Ok(_) => "success".to_string(),
        Err(r) => r.code.clone(),
    };
    st.metrics.observe(&label, &outcome, started.elapsed());
    match result {
        Ok(body) => {
            tracing::debug!(operation = %label, request_id = %request_id, "ok");
            xml_response(StatusCode::OK, &request_id, body)
        }
        Err(r) => {
            if r.is_fault() {
                let detail = r.detail.as_deref().unwrap_or(&r.message);
                tracing::error!(operation = %label, request_id = %request_id, error = %capped(detail).escape_debug(), "internal error");
            } else {
                // Messages may repeat what the client sent: capped, and escaped so a newline cannot forge a line.
                tracing::info!(operation = %label, request_id = %request_id, error = %r.code, message = %capped(&r.message).escape_debug(), "request refused");
            }
            StsError::new(&request_id, r).into_response()
        }
    }
}

/// The parts of a request its signature covers.
pub struct Request<'a> {
    pub method: &'a Method,
    pub uri: &'a Uri,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// An XML answer with STS's headers.
fn xml_response(status: StatusCode, request_id: &str, body: String) -> Response {
    let mut resp = (status, body).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert(HeaderName::from_static("x-amzn-requestid"), v);
    }
    resp
}

/// An action's parameters: the query string's, then a form body's.
pub struct Params(Vec<(String, String)>);

impl Params {
    fn read(uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Result<Self, Refusal> {
        let malformed = || {
            Refusal::new(
                "MalformedQueryString",
                404,
                "The query string contains a syntax error.",
            )
        };
        let mut pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(uri.query().unwrap_or("")).map_err(|_| malformed())?;
        let form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.to_ascii_lowercase()
                    .starts_with("application/x-www-form-urlencoded")
            });
        if form && !body.is_empty() {
            let body: Vec<(String, String)> = serde_urlencoded::from_bytes(body).map_err(|_| malformed())?;
            pairs.extend(body);
        }
        Ok(Self(pairs))
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The value of a required parameter: MissingParameter without it.
    pub fn required(&self, name: &str) -> Result<&str, Refusal> {
        self.get(name).ok_or_else(|| {
            Refusal::new(
                "MissingParameter",
                400,
                format!("The request must contain the parameter {name}."),
            )
        })
    }
}
