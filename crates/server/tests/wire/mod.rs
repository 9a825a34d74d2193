//! The harness of the wire-pinning snapshot tests (`*_wire.rs`): one request through the router, and its answer as
//! a JSON document for insta — the status, every header, and the body (JSON as sent; a hosted-UI page as the shape
//! its users read: title, alert and status texts, forms and links, never its markup) — with what differs from run
//! to run replaced by a name: ids the test registers, tokens decoded into header and claims, cookie values.
//!
//! A snapshot that no longer matches fails the test (in CI nothing is written). To accept a deliberate change,
//! run the test with `INSTA_UPDATE=always` and review the `.snap` diff as part of the commit.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod oauth;
pub mod sign;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, Request, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_server::limits::{LimitSettings, Rate};
use regex::Regex;
use serde_json::{json, Map, Value};
use tower::ServiceExt;

use crate::common::{self, TestApp};

/// An answer as the client saw it.
pub struct Exchange {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Exchange {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{} is not JSON ({e}): {:?}", self.status, self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
            .to_str()
            .unwrap()
    }

    /// The value of the cookie `name` this answer sets.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next()?.split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, value)| value.to_string())
    }

    /// The query (or fragment) parameter `name` of the Location this answer redirects to.
    pub fn location_param(&self, name: &str) -> Option<String> {
        let location = self.header("location");
        let (_, params) = location.split_once(['?', '#'])?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(params).unwrap();
        pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

pub async fn send(router: &axum::Router, req: Request<Body>) -> Exchange {
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), 1 << 22).await.unwrap();
    Exchange {
        status,
        headers,
        body,
    }
}

pub async fn get(router: &axum::Router, path: &str) -> Exchange {
    send(router, Request::get(path).body(Body::empty()).unwrap()).await
}

/// A URL-encoded form post, with extra headers (a Cookie, an Authorization).
pub async fn post_form(
    router: &axum::Router,
    path: &str,
    form: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> Exchange {
    let mut req = Request::post(path).header("content-type", "application/x-www-form-urlencoded");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let body = serde_urlencoded::to_string(form).unwrap();
    send(router, req.body(Body::from(body)).unwrap()).await
}

/// `POST /` as an AWS SDK sends an operation, with extra headers and the body as given (it need not be JSON).
pub async fn post_operation(
    router: &axum::Router,
    target: Option<&str>,
    body: &str,
    headers: &[(&str, &str)],
) -> Exchange {
    let mut req = Request::post("/").header("content-type", "application/x-amz-json-1.1");
    if let Some(t) = target {
        req = req.header("x-amz-target", t);
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    send(router, req.body(Body::from(body.to_string())).unwrap()).await
}

/// The redactions every wire snapshot takes, for values the test cannot name in advance: the ids a token gets
/// from the random source and refresh-token handles. Each is checked to have its shape before it is replaced.
pub fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    for claim in ["jti", "event_id", "origin_jti"] {
        settings.add_dynamic_redaction(&format!(".**.{claim}"), |value, path| {
            let s = value.as_str().unwrap_or_default();
            assert!(is_uuid(s), "{path}: {s:?} is not a UUID");
            "[uuid]"
        });
    }
    // The ID token's hash of its access token; `oauth_wire` checks it against the token it came with.
    settings.add_dynamic_redaction(".**.at_hash", |value, path| {
        let s = value.as_str().unwrap_or_default();
        assert!(
            URL_SAFE_NO_PAD.decode(s).map(|b| b.len()).ok() == Some(16),
            "{path}: {s:?} is not half a SHA-256"
        );
        "[at_hash]"
    });
    settings.add_dynamic_redaction(".**.refresh_token", |value, path| {
        let s = value.as_str().unwrap_or_default();
        assert!(
            s.len() == 43 && URL_SAFE_NO_PAD.decode(s).is_ok(),
            "{path}: {s:?} is not a 256-bit handle"
        );
        "[handle]"
    });
    // The snapshot's name says what it holds; the expression that built it is noise.
    settings.set_omit_expression(true);
    settings
}

/// OIDC's `at_hash`: the left half of the access token's SHA-256, base64url.
pub fn at_hash(access_token: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest.as_ref()[..16])
}

/// `insta::assert_json_snapshot!` with the wire redactions.
macro_rules! assert_wire_snapshot {
    ($name:expr, $value:expr) => {{
        let value = $value;
        $crate::wire::snapshot_settings().bind(|| insta::assert_json_snapshot!($name, value))
    }};
}
pub(crate) use assert_wire_snapshot;

/// A test app whose limiter lets each app client make one request that hashes or sends, and refuses the next.
pub async fn app_allowing_one_request_per_client() -> TestApp {
    common::app_with_limits(LimitSettings {
        per_address: None,
        per_client: Some(Rate {
            // Nothing refills during a test.
            per_second: 0.0001,
            burst: 1,
        }),
        ..LimitSettings::default()
    })
    .await
}

/// Turns answers into snapshots, replacing the values a test registers (ids made by the random source, keys'
/// `kid`s, secrets) with names, so a snapshot still shows which id stands where.
#[derive(Default)]
pub struct Redactor {
    names: Vec<(String, String)>,
}

impl Redactor {
    /// From now on, `value` appears in snapshots as `[name]`.
    pub fn name(&mut self, value: impl Into<String>, name: &str) {
        let value = value.into();
        assert!(value.len() >= 6, "too short to replace safely: {value:?}");
        self.names.push((value, format!("[{name}]")));
        // Longer values first, so one that contains another is replaced whole.
        self.names.sort_by_key(|(v, _)| std::cmp::Reverse(v.len()));
    }

    /// The answer as a snapshot: `{"status", "headers", "body"}`.
    pub fn snapshot(&self, ex: &Exchange) -> Value {
        let content_type = ex
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let is_page = content_type.starts_with("text/html");
        let mut headers = Map::new();
        for name in ex.headers.keys() {
            if is_page && name == header::CONTENT_LENGTH {
                // A page's length is its markup's, which these snapshots leave free to change.
                continue;
            }
            let values: Vec<Value> = ex
                .headers
                .get_all(name)
                .iter()
                .map(|v| self.header_value(name.as_str(), v.to_str().unwrap()))
                .collect();
            let value = match <[Value; 1]>::try_from(values) {
                Ok([one]) => one,
                Err(many) => Value::Array(many),
            };
            headers.insert(name.to_string(), value);
        }
        let body = if ex.body.is_empty() {
            Value::Null
        } else if is_page {
            page_shape(&ex.text())
        } else if content_type.contains("json") {
            ex.json()
        } else {
            Value::String(ex.text())
        };
        json!({
            "status": ex.status.as_u16(),
            "headers": self.redact(Value::Object(headers)),
            "body": self.redact(body),
        })
    }

    fn header_value(&self, name: &str, value: &str) -> Value {
        match name {
            "x-amzn-requestid" => {
                assert!(is_uuid(value), "request id {value:?}");
                json!("[uuid]")
            }
            "set-cookie" => json!(cookie_shape(value)),
            "location" => json!(location_shape(value)),
            _ => json!(value),
        }
    }

    /// Several answers in one snapshot, each under the name of its case.
    pub fn cases(&self, answers: Vec<(&str, Exchange)>) -> Value {
        let members = answers
            .into_iter()
            .map(|(name, answer)| (name.to_string(), self.snapshot(&answer)));
        Value::Object(members.collect())
    }

    /// Registered values replaced by their names, everywhere; JSON Web Tokens decoded into their parts.
    pub fn redact(&self, v: Value) -> Value {
        match v {
            Value::String(s) => match decode_jwt(&s) {
                Some(parts) => self.redact(parts),
                None => Value::String(self.replace(&s)),
            },
            Value::Array(items) => Value::Array(items.into_iter().map(|i| self.redact(i)).collect()),
            Value::Object(members) => Value::Object(
                members
                    .into_iter()
                    .map(|(k, v)| (self.replace(&k), self.redact(v)))
                    .collect(),
            ),
            other => other,
        }
    }

    fn replace(&self, s: &str) -> String {
        let mut out = s.to_string();
        for (value, name) in &self.names {
            out = out.replace(value.as_str(), name);
        }
        out
    }
}

pub fn is_uuid(s: &str) -> bool {
    Regex::new(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        .unwrap()
        .is_match(s)
}

/// A JWT as `{"jwt": {"header", "claims", "signature"}}`; the signature, made with a key generated for this run,
/// is only checked to be one.
fn decode_jwt(s: &str) -> Option<Value> {
    let mut parts = s.split('.');
    let (Some(h), Some(c), Some(sig), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    let decode = |p: &str| -> Option<Value> { serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).ok()?).ok() };
    let header = decode(h).filter(|h| h.get("alg").is_some())?;
    let claims = decode(c)?;
    // RS256 with a 2048-bit key: 256 bytes, 342 base64url characters.
    assert_eq!(
        URL_SAFE_NO_PAD.decode(sig).map(|b| b.len()).ok(),
        Some(256),
        "{s}"
    );
    Some(json!({"jwt": {"header": header, "claims": claims, "signature": "[signature]"}}))
}

/// A redirect with its authorization code, and any tokens it carries, as placeholders: the code is sealed
/// with a random nonce, and tokens are pinned by the token endpoint's snapshots.
fn location_shape(location: &str) -> String {
    let Some(at) = location.find(['?', '#']) else {
        return location.to_string();
    };
    let (base, params) = location.split_at(at + 1);
    let params: Vec<String> = params
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some(("code", _)) => "code=[code]".to_string(),
            Some((name, value)) if decode_jwt(&percent_decode(value)).is_some() => format!("{name}=[jwt]"),
            _ => pair.to_string(),
        })
        .collect();
    format!("{base}{}", params.join("&"))
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// `name=value; attributes` with the value (sealed or random) shown only as present or empty, and an `Expires`
/// date (computed from the wall clock by the cookie library) as a placeholder.
fn cookie_shape(set_cookie: &str) -> String {
    let mut parts = set_cookie.split("; ");
    let (name, value) = parts.next().unwrap().split_once('=').unwrap();
    let value = if value.is_empty() { "" } else { "[value]" };
    let mut out = format!("{name}={value}");
    for attr in parts {
        out.push_str("; ");
        if attr.starts_with("Expires=") {
            out.push_str("Expires=[date]");
        } else {
            out.push_str(attr);
        }
    }
    out
}

/// What a hosted-UI page shows and lets the browser do: its title, the alert and status texts (as the
/// compatibility tests read them), each form's method, target and fields, and where its links go. Query strings
/// are shown as their parameter names: their values repeat the request.
fn page_shape(html: &str) -> Value {
    let first = |pattern: &str| {
        Regex::new(pattern)
            .unwrap()
            .captures(html)
            .map(|c| c[1].trim().to_string())
    };
    let attr = |tag: &str, name: &str| first_in(tag, &format!(r#"\b{name}="([^"]*)""#));
    let forms: Vec<Value> = Regex::new(r"(?s)<form\b([^>]*)>(.*?)</form>")
        .unwrap()
        .captures_iter(html)
        .map(|form| {
            let fields: Vec<String> = Regex::new(r"<(input|button|select|textarea)\b([^>]*)>")
                .unwrap()
                .captures_iter(&form[2])
                .map(|f| {
                    let kind = attr(&f[2], "type").unwrap_or_else(|| f[1].to_string());
                    format!("{} ({kind})", attr(&f[2], "name").unwrap_or_default())
                })
                .collect();
            json!({
                "method": attr(&form[1], "method"),
                "action": attr(&form[1], "action").map(|a| target_shape(&a)),
                "fields": fields,
            })
        })
        .collect();
    let links: Vec<String> = Regex::new(r#"<a\b[^>]*\bhref="([^"]*)""#)
        .unwrap()
        .captures_iter(html)
        .map(|l| target_shape(&l[1]))
        .collect();
    json!({
        "page": {
            "title": first(r"<title>([^<]*)</title>"),
            "alert": first(r#"role="alert"[^>]*>([^<]*)<"#),
            "status": first(r#"role="status"[^>]*>([^<]*)<"#),
            "forms": forms,
            "links": links,
        }
    })
}

fn first_in(text: &str, pattern: &str) -> Option<String> {
    Regex::new(pattern)
        .unwrap()
        .captures(text)
        .map(|c| c[1].to_string())
}

/// `/login?client_id=..&state=..` as `/login?client_id&state`.
fn target_shape(target: &str) -> String {
    // Askama escapes `&` as `&#38;`; other templates may write `&amp;`: the same link either way.
    let target = target.replace("&#38;", "&").replace("&amp;", "&");
    match target.split_once('?') {
        None => target,
        Some((path, query)) => {
            let names: Vec<&str> = query
                .split('&')
                .map(|p| p.split_once('=').map_or(p, |(k, _)| k))
                .collect();
            format!("{path}?{}", names.join("&"))
        }
    }
}
