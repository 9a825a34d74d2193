//! Verification of AWS Signature Version 4 (`AWS4-HMAC-SHA256`) on incoming requests, against the configured
//! admin access keys. Failures answer the AWS error names SDKs know (MissingAuthenticationToken,
//! IncompleteSignature, UnrecognizedClient, InvalidSignature).

use std::collections::HashMap;
use std::fmt;

use aws_lc_rs::{digest, hmac};
use axum::http::{HeaderMap, Method, Uri};
use latchkey_core::time::Timestamp;
use latchkey_core::{CognitoError, ErrorKind};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// AWS accepts requests signed up to 15 minutes before or after its own clock.
pub const MAX_CLOCK_SKEW_SECONDS: i64 = 15 * 60;

/// Characters SigV4 leaves unencoded: A-Z a-z 0-9 - _ . ~
const SIGV4_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The access keys allowed to sign admin requests. Secrets never appear in Debug output.
#[derive(Clone, Default)]
pub struct AccessKeys(HashMap<String, String>);

impl AccessKeys {
    pub fn new(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        Self(pairs.into_iter().collect())
    }
}

impl fmt::Debug for AccessKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

/// What a valid signature tells the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedBy {
    pub access_key_id: String,
    pub region: String,
    pub service: String,
}

struct Authorization<'a> {
    access_key_id: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn incomplete(msg: impl Into<String>) -> CognitoError {
    CognitoError::new(ErrorKind::IncompleteSignatureException, msg)
}

fn parse_authorization(value: &str) -> Result<Authorization<'_>, CognitoError> {
    let rest = value
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .ok_or_else(|| incomplete("Unsupported Authorization header: only AWS4-HMAC-SHA256 is accepted."))?;
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("Credential=") {
            credential = Some(v);
        } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
            signed_headers = Some(v);
        } else if let Some(v) = part.strip_prefix("Signature=") {
            signature = Some(v);
        }
    }
    let (Some(credential), Some(signed_headers), Some(signature)) = (credential, signed_headers, signature)
    else {
        return Err(incomplete(format!(
            "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters. Authorization={value}"
        )));
    };
    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, "aws4_request"] = scope[..] else {
        return Err(incomplete(format!(
            "Credential should be scoped to a valid region and service: {credential}"
        )));
    };
    Ok(Authorization {
        access_key_id,
        date,
        region,
        service,
        signed_headers: signed_headers.split(';').collect(),
        signature,
    })
}

/// Parses `20261121T191414Z` into milliseconds since the epoch.
fn parse_amz_date(s: &str) -> Option<Timestamp> {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let dt = time::PrimitiveDateTime::parse(s, format).ok()?;
    Some(Timestamp::from_millis(dt.assume_utc().unix_timestamp() * 1000))
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(digest::digest(&digest::SHA256, data))
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data)
        .as_ref()
        .to_vec()
}

fn canonical_uri(path: &str) -> String {
    // Each segment is normalised to its decoded form, then encoded once, as the AWS SDKs do for non-S3 services.
    let encoded: Vec<String> = path
        .split('/')
        .map(|seg| {
            let decoded = percent_decode_str(seg).decode_utf8_lossy();
            utf8_percent_encode(&decoded, SIGV4_ENCODE).to_string()
        })
        .collect();
    let joined = encoded.join("/");
    if joined.is_empty() {
        "/".into()
    } else {
        joined
    }
}

fn canonical_query(query: Option<&str>) -> String {
    let Some(q) = query.filter(|q| !q.is_empty()) else {
        return String::new();
    };
    let mut pairs: Vec<(String, String)> = q
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let enc = |s: &str| {
                utf8_percent_encode(&percent_decode_str(s).decode_utf8_lossy(), SIGV4_ENCODE).to_string()
            };
            (enc(k), enc(v))
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn canonical_header_value(headers: &HeaderMap, name: &str) -> Option<String> {
    let values: Vec<String> = headers
        .get_all(name)
        .iter()
        .map(|v| {
            let s = String::from_utf8_lossy(v.as_bytes());
            s.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .collect();
    if values.is_empty() {
        None
    } else {
        Some(values.join(","))
    }
}

/// Headers that must be covered by the signature whenever they are sent: `host` (always), and every `x-amz-*`
/// header — `x-amz-target` names the operation, so an unsigned one would let a captured request run another
/// operation. `x-amz-content-sha256` is exempt because `payload_hash` compares it with the body itself.
/// Every SDK signs all of these (botocore signs every header but user-agent, expect, transfer-encoding and
/// x-amzn-trace-id; the JS and Go SDKs likewise).
fn check_signed_header_set(headers: &HeaderMap, signed: &[&str]) -> Result<(), CognitoError> {
    if !signed.contains(&"host") {
        return Err(CognitoError::new(
            ErrorKind::InvalidSignatureException,
            "'Host' must be a signed header.",
        ));
    }
    let unsigned = headers
        .keys()
        .map(|name| name.as_str())
        .find(|name| name.starts_with("x-amz-") && *name != "x-amz-content-sha256" && !signed.contains(name));
    match unsigned {
        Some(name) => Err(CognitoError::new(
            ErrorKind::InvalidSignatureException,
            format!("'{name}' must be a signed header."),
        )),
        None => Ok(()),
    }
}

/// The payload hash of the canonical request: always computed from the body received. A client may announce it
/// in `X-Amz-Content-Sha256`; that value must then be the body's hash (AWS's JSON services accept nothing else, in
/// particular not `UNSIGNED-PAYLOAD`). Trusting the header instead would let a captured request be replayed with
/// another body.
fn payload_hash(headers: &HeaderMap, body: &[u8]) -> Result<String, CognitoError> {
    let actual = sha256_hex(body);
    match headers.get("x-amz-content-sha256") {
        None => Ok(actual),
        Some(claimed) if claimed.as_bytes().eq_ignore_ascii_case(actual.as_bytes()) => Ok(actual),
        Some(_) => Err(CognitoError::new(
            ErrorKind::InvalidSignatureException,
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
        )),
    }
}

/// Verifies the request's signature. `now` is the server's clock.
pub fn verify(
    keys: &AccessKeys,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    now: Timestamp,
    expected_service: &str,
) -> Result<SignedBy, CognitoError> {
    let Some(auth_header) = headers.get("authorization") else {
        return Err(CognitoError::new(
            ErrorKind::MissingAuthenticationTokenException,
            "Missing Authentication Token",
        ));
    };
    let auth_header = auth_header
        .to_str()
        .map_err(|_| incomplete("The Authorization header is not valid text."))?;
    let auth = parse_authorization(auth_header)?;

    let Some(secret) = keys.0.get(auth.access_key_id) else {
        return Err(CognitoError::new(
            ErrorKind::UnrecognizedClientException,
            "The security token included in the request is invalid.",
        ));
    };
    if auth.service != expected_service {
        return Err(CognitoError::new(
            ErrorKind::InvalidSignatureException,
            format!("Credential should be scoped to correct service: '{expected_service}'. "),
        ));
    }
    let amz_date = headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        })?;
    let signed_at =
        parse_amz_date(amz_date).ok_or_else(|| incomplete(format!("Invalid X-Amz-Date: {amz_date}")))?;
    if !amz_date.starts_with(auth.date) {
        return Err(CognitoError::new(
            ErrorKind::InvalidSignatureException,
            format!("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}'", auth.date, &amz_date[..8.min(amz_date.len())]),
        ));
    }
    let skew = (now.seconds() - signed_at.seconds()).abs();
    if skew > MAX_CLOCK_SKEW_SECONDS {
        let fmt_ts = |t: Timestamp| {
            time::OffsetDateTime::from_unix_timestamp(t.seconds())
                .ok()
                .and_then(|d| {
                    d.format(time::macros::format_description!(
                        "[year][month][day]T[hour][minute][second]Z"
                    ))
                    .ok()
                })
                .unwrap_or_default()
        };
        let (relation, bound) = if signed_at < now {
            ("earlier than", now.plus_seconds(-MAX_CLOCK_SKEW_SECONDS))
        } else {
            ("later than", now.plus_seconds(MAX_CLOCK_SKEW_SECONDS))
        };
        let sign = if signed_at < now { "-" } else { "+" };
        return Err(CognitoError::new(
            ErrorKind::InvalidSignatureException,
            format!(
                "Signature expired: {amz_date} is now {relation} {} ({} {sign} 15 min.)",
                fmt_ts(bound),
                fmt_ts(now)
            ),
        ));
    }
    check_signed_header_set(headers, &auth.signed_headers)?;

    let mut canonical_headers = String::new();
    for name in &auth.signed_headers {
        let value = canonical_header_value(headers, name).ok_or_else(|| {
            CognitoError::new(
                ErrorKind::InvalidSignatureException,
                format!("Signed header '{name}' is missing from the request."),
            )
        })?;
        canonical_headers.push_str(name);
        canonical_headers.push(':');
        canonical_headers.push_str(&value);
        canonical_headers.push('\n');
    }
    let payload_hash = payload_hash(headers, body)?;
    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        method.as_str(),
        canonical_uri(uri.path()),
        canonical_query(uri.query()),
        canonical_headers,
        auth.signed_headers.join(";"),
        payload_hash
    );
    let scope = format!("{}/{}/{}/aws4_request", auth.date, auth.region, auth.service);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    );
    let k_date = hmac_sha256(format!("AWS4{secret}").as_bytes(), auth.date.as_bytes());
    let k_region = hmac_sha256(&k_date, auth.region.as_bytes());
    let k_service = hmac_sha256(&k_region, auth.service.as_bytes());
    let k_signing = hmac_sha256(&k_service, b"aws4_request");
    let provided = hex::decode(auth.signature).unwrap_or_default();
    // hmac::verify compares in constant time.
    let key = hmac::Key::new(hmac::HMAC_SHA256, &k_signing);
    if hmac::verify(&key, string_to_sign.as_bytes(), &provided).is_err() {
        return Err(CognitoError::new(
            ErrorKind::InvalidSignatureException,
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        ));
    }
    Ok(SignedBy {
        access_key_id: auth.access_key_id.to_string(),
        region: auth.region.to_string(),
        service: auth.service.to_string(),
    })
}

/// The credential scope of a request, read without verifying it (unsigned operations may carry a signature
/// that is not checked).
pub fn unverified_region(headers: &HeaderMap) -> Option<String> {
    let v = headers.get("authorization")?.to_str().ok()?;
    parse_authorization(v).ok().map(|a| a.region.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented signature verifies; a wrong secret, an expired date or an unknown key does not.
    #[test]
    fn aws_documentation_example() {
        let (keys, uri, headers, now) = doc_request();
        let signed = verify(&keys, &Method::GET, &uri, &headers, b"", now, "iam").unwrap();
        assert_eq!(signed.region, "us-east-1");

        let wrong = AccessKeys::new([("AKIDEXAMPLE".to_string(), "not-the-secret".to_string())]);
        let e = verify(&wrong, &Method::GET, &uri, &headers, b"", now, "iam").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidSignatureException);

        let e = verify(
            &keys,
            &Method::GET,
            &uri,
            &headers,
            b"",
            now.plus_seconds(16 * 60),
            "iam",
        )
        .unwrap_err();
        assert!(
            e.message()
                .starts_with("Signature expired: 20150830T123600Z is now earlier than"),
            "{}",
            e.message()
        );
        assert!(verify(
            &keys,
            &Method::GET,
            &uri,
            &headers,
            b"",
            now.plus_seconds(14 * 60),
            "iam"
        )
        .is_ok());

        let e = verify(
            &AccessKeys::default(),
            &Method::GET,
            &uri,
            &headers,
            b"",
            now,
            "iam",
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnrecognizedClientException);
    }

    /// The example from AWS's SigV4 documentation (IAM ListUsers, GET with a query), whose signature is
    /// published: its keys, URI, headers and the instant it verifies at.
    fn doc_request() -> (AccessKeys, Uri, HeaderMap, Timestamp) {
        let keys = AccessKeys::new([(
            "AKIDEXAMPLE".to_string(),
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".to_string(),
        )]);
        let mut headers = HeaderMap::new();
        headers.insert("host", "iam.amazonaws.com".parse().unwrap());
        headers.insert(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8"
                .parse()
                .unwrap(),
        );
        headers.insert("x-amz-date", "20150830T123600Z".parse().unwrap());
        headers.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
                .parse()
                .unwrap(),
        );
        let uri: Uri = "/?Action=ListUsers&Version=2010-05-08".parse().unwrap();
        (keys, uri, headers, parse_amz_date("20150830T123600Z").unwrap())
    }

    #[test]
    fn the_body_is_always_hashed_and_an_announced_hash_must_match_it() {
        let (keys, uri, mut headers, now) = doc_request();
        let check = |h: &HeaderMap, body: &[u8]| verify(&keys, &Method::GET, &uri, h, body, now, "iam");
        // The signature covers the empty body: another body fails even when the header claims the original hash.
        let empty = sha256_hex(b"");
        headers.insert("x-amz-content-sha256", empty.parse().unwrap());
        assert!(check(&headers, b"").is_ok());
        let e = check(&headers, b"{\"other\":\"body\"}").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidSignatureException);
        assert!(e.message().contains("x-amz-content-sha256"), "{}", e.message());
        // UNSIGNED-PAYLOAD would leave the body unprotected: refused.
        headers.insert("x-amz-content-sha256", "UNSIGNED-PAYLOAD".parse().unwrap());
        assert_eq!(
            check(&headers, b"").unwrap_err().kind(),
            ErrorKind::InvalidSignatureException
        );
        headers.remove("x-amz-content-sha256");
        assert_eq!(
            check(&headers, b"x").unwrap_err().kind(),
            ErrorKind::InvalidSignatureException
        );
    }

    #[test]
    fn every_x_amz_header_sent_must_be_signed() {
        let (keys, uri, mut headers, now) = doc_request();
        headers.insert("x-amz-target", "Service.OtherOperation".parse().unwrap());
        let e = verify(&keys, &Method::GET, &uri, &headers, b"", now, "iam").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidSignatureException);
        assert_eq!(e.message(), "'x-amz-target' must be a signed header.");
        headers.remove("x-amz-target");
        headers.insert("x-amz-security-token", "forged".parse().unwrap());
        assert!(verify(&keys, &Method::GET, &uri, &headers, b"", now, "iam").is_err());
        // Headers outside x-amz-* (user agents, tracing) need not be signed.
        headers.remove("x-amz-security-token");
        headers.insert("user-agent", "anything".parse().unwrap());
        headers.insert("x-amzn-trace-id", "Root=1-abc".parse().unwrap());
        assert!(verify(&keys, &Method::GET, &uri, &headers, b"", now, "iam").is_ok());
    }

    #[test]
    fn missing_and_malformed() {
        let keys = AccessKeys::default();
        let uri: Uri = "/".parse().unwrap();
        let e = verify(
            &keys,
            &Method::POST,
            &uri,
            &HeaderMap::new(),
            b"",
            Timestamp(0),
            "cognito-idp",
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::MissingAuthenticationTokenException);
        let mut h = HeaderMap::new();
        h.insert("authorization", "AWS4-HMAC-SHA256 Credential=x".parse().unwrap());
        let e = verify(&keys, &Method::POST, &uri, &h, b"", Timestamp(0), "cognito-idp").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::IncompleteSignatureException);
    }
}
