//! Requests signed as the AWS SDKs sign them, for the wire tests: SigV4 in the `Authorization` header (any
//! service, with or without a session token, with or without an `X-Amz-Target`), and presigned STS
//! GetCallerIdentity URLs as botocore's SigV4QueryAuth builds them. The verifier itself is pinned to AWS's
//! published example in its unit tests; these build requests the way the clients do.

use aws_lc_rs::{digest, hmac};
use axum::body::Body;
use axum::http::Request;
use latchkey_core::identity::TemporaryCredentials;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::common;

pub const FORM: &str = "application/x-www-form-urlencoded; charset=utf-8";
/// The test clock's time, 2027-01-15T08:00:00Z, as SigV4 writes it.
pub const NOW: &str = "20270115T080000Z";

const SIGV4: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn enc(s: &str) -> String {
    utf8_percent_encode(s, SIGV4).to_string()
}

fn hex_sha256(data: &[u8]) -> String {
    hex::encode(digest::digest(&digest::SHA256, data))
}

/// SigV4's signature of `canonical` for service `service` on `amz_date`'s day, in us-east-1.
fn signature(secret: &str, amz_date: &str, service: &str, canonical: &str) -> String {
    let date = &amz_date[..8];
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{date}/us-east-1/{service}/aws4_request\n{}",
        hex_sha256(canonical.as_bytes())
    );
    let mut key = format!("AWS4{secret}").into_bytes();
    for part in [date, "us-east-1", service, "aws4_request", to_sign.as_str()] {
        key = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &key), part.as_bytes())
            .as_ref()
            .to_vec();
    }
    hex::encode(key)
}

/// Who signs: an access key, its secret, and the session token of temporary credentials.
pub struct Creds {
    pub key: String,
    pub secret: String,
    pub token: Option<String>,
}

pub fn admin() -> Creds {
    Creds {
        key: common::ACCESS_KEY.into(),
        secret: common::SECRET_KEY.into(),
        token: None,
    }
}

pub fn temporary(c: &TemporaryCredentials) -> Creds {
    Creds {
        key: c.access_key_id.clone(),
        secret: c.secret_key.clone(),
        token: Some(c.session_token.clone()),
    }
}

/// `POST /` signed as botocore signs it: content-type, host, x-amz-date, with temporary credentials
/// x-amz-security-token, and with a `target` (an AWS JSON call) x-amz-target. `body` is what was signed, `sent` the
/// body actually sent (another, for a replay).
pub fn signed(creds: &Creds, service: &str, target: Option<&str>, body: &str, sent: &str) -> Request<Body> {
    let content_type = if target.is_some() {
        "application/x-amz-json-1.1"
    } else {
        FORM
    };
    let mut headers = vec![
        ("content-type", content_type.to_string()),
        ("host", "latchkey.test".to_string()),
        ("x-amz-date", NOW.to_string()),
    ];
    if let Some(t) = &creds.token {
        headers.push(("x-amz-security-token", t.clone()));
    }
    if let Some(t) = target {
        headers.push(("x-amz-target", t.to_string()));
    }
    let names: Vec<&str> = headers.iter().map(|(n, _)| *n).collect();
    let canonical_headers: String = headers.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
    let canonical = format!(
        "POST\n/\n\n{canonical_headers}\n{}\n{}",
        names.join(";"),
        hex_sha256(body.as_bytes())
    );
    let sig = signature(&creds.secret, NOW, service, &canonical);
    let mut req = Request::post("/");
    for (n, v) in &headers {
        req = req.header(*n, v);
    }
    req.header(
        "authorization",
        format!(
            "AWS4-HMAC-SHA256 Credential={}/20270115/us-east-1/{service}/aws4_request, SignedHeaders={}, Signature={sig}",
            creds.key,
            names.join(";")
        ),
    )
    .body(Body::from(sent.to_string()))
    .unwrap()
}

/// An STS form post signed for `sts`.
pub fn sts_post(creds: &Creds, body: &str, sent: &str) -> Request<Body> {
    signed(creds, "sts", None, body, sent)
}

/// A presigned `GET /?Action=GetCallerIdentity...` as botocore's SigV4QueryAuth builds it, signed at `amz_date`.
pub fn presigned(creds: &Creds, amz_date: &str, expires: u32) -> String {
    let mut params = vec![
        ("Action", "GetCallerIdentity".to_string()),
        ("Version", "2011-06-15".to_string()),
        ("X-Amz-Algorithm", "AWS4-HMAC-SHA256".to_string()),
        (
            "X-Amz-Credential",
            format!("{}/{}/us-east-1/sts/aws4_request", creds.key, &amz_date[..8]),
        ),
        ("X-Amz-Date", amz_date.to_string()),
        ("X-Amz-Expires", expires.to_string()),
        ("X-Amz-SignedHeaders", "host".to_string()),
    ];
    if let Some(t) = &creds.token {
        params.push(("X-Amz-Security-Token", t.clone()));
    }
    let pairs: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect();
    let mut sorted = pairs.clone();
    sorted.sort();
    let canonical = format!(
        "GET\n/\n{}\nhost:latchkey.test\n\nhost\n{}",
        sorted.join("&"),
        hex_sha256(b"")
    );
    let sig = signature(&creds.secret, amz_date, "sts", &canonical);
    format!("/?{}&X-Amz-Signature={sig}", pairs.join("&"))
}
