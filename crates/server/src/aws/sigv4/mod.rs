//! Verification of AWS Signature Version 4 (`AWS4-HMAC-SHA256`) on incoming requests: signed in the
//! `Authorization` header (`header`), or in the query string of a presigned URL (`query`). What both share lives
//! here: the canonical request, the signing-key derivation, the clock check, and where the secret key comes from.
//!
//! The AWS JSON operations accept only the configured admin access keys (`verify`). STS also accepts temporary
//! credentials (`verify_with` and a lookup that opens the session token). Failures answer the AWS error names
//! SDKs know (MissingAuthenticationToken, IncompleteSignature, UnrecognizedClient, InvalidSignature); each
//! surface maps them to its own dialect.

mod header;
mod query;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fmt;

use aws_lc_rs::{digest, hmac};
use axum::http::{HeaderMap, Method, Uri};
use latchkey_core::identity::SessionPrincipal;
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

    /// The secret of an admin access key.
    pub fn secret(&self, access_key_id: &str) -> Option<&str> {
        self.0.get(access_key_id).map(String::as_str)
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

/// Whose secret key signed a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signer {
    /// One of the configured admin access keys.
    Admin,
    /// Temporary credentials: an identity's session in a role.
    Temporary(SessionPrincipal),
}

/// The secret key of the access key id a request names, given the session token it carries (the
/// `X-Amz-Security-Token` header or query parameter), and whose it is. Refuses with the surface's error.
pub type SecretLookup<'a> = dyn Fn(&str, Option<&str>) -> Result<(String, Signer), CognitoError> + 'a;

pub(crate) fn unrecognized() -> CognitoError {
    CognitoError::new(
        ErrorKind::UnrecognizedClientException,
        "The security token included in the request is invalid.",
    )
}

/// Only the admin keys. A session token sent along with one is not looked at: the key alone identifies it.
pub fn admin_lookup(
    keys: &AccessKeys,
) -> impl Fn(&str, Option<&str>) -> Result<(String, Signer), CognitoError> + '_ {
    move |access_key_id, _| {
        keys.secret(access_key_id)
            .map(|s| (s.to_string(), Signer::Admin))
            .ok_or_else(unrecognized)
    }
}

/// Verifies the `Authorization` header of an AWS JSON request against the admin keys. `now` is the server's
/// clock.
///
/// Temporary credentials are refused here (UnrecognizedClientException), as for any key that is not an admin
/// key: they belong to an identity's role, and with no IAM policy engine to say what that role may do, letting
/// them call the administrative Cognito operations would grant every identity an administrator's power.
pub fn verify(
    keys: &AccessKeys,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    now: Timestamp,
    expected_service: &str,
) -> Result<SignedBy, CognitoError> {
    let lookup = admin_lookup(keys);
    header::verify(&lookup, method, uri, headers, body, now, expected_service).map(|(signed, _)| signed)
}

/// Verifies a request signed either way — in the query string when it carries `X-Amz-Algorithm` (a presigned
/// URL), else in the `Authorization` header — with secrets from `lookup`.
pub fn verify_with(
    lookup: &SecretLookup<'_>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    now: Timestamp,
    expected_service: &str,
) -> Result<(SignedBy, Signer), CognitoError> {
    if query::is_presigned(uri) {
        query::verify(lookup, method, uri, headers, body, now, expected_service)
    } else {
        header::verify(lookup, method, uri, headers, body, now, expected_service)
    }
}

/// The credential scope of a request, read without verifying it (unsigned operations may carry a signature
/// that is not checked).
pub fn unverified_region(headers: &HeaderMap) -> Option<String> {
    header::unverified_region(headers)
}

fn incomplete(msg: impl Into<String>) -> CognitoError {
    CognitoError::new(ErrorKind::IncompleteSignatureException, msg)
}

fn invalid_signature(msg: impl Into<String>) -> CognitoError {
    CognitoError::new(ErrorKind::InvalidSignatureException, msg)
}

/// A credential scope, `<key>/<date>/<region>/<service>/aws4_request`, taken apart.
struct Scope<'a> {
    access_key_id: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
}

fn parse_scope(credential: &str) -> Result<Scope<'_>, CognitoError> {
    let parts: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, "aws4_request"] = parts[..] else {
        return Err(incomplete(format!(
            "Credential should be scoped to a valid region and service: {credential}"
        )));
    };
    Ok(Scope {
        access_key_id,
        date,
        region,
        service,
    })
}

/// Parses `20261121T191414Z` into milliseconds since the epoch.
fn parse_amz_date(s: &str) -> Option<Timestamp> {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let dt = time::PrimitiveDateTime::parse(s, format).ok()?;
    Some(Timestamp::from_millis(dt.assume_utc().unix_timestamp() * 1000))
}

fn format_amz_date(t: Timestamp) -> String {
    time::OffsetDateTime::from_unix_timestamp(t.seconds())
        .ok()
        .and_then(|d| {
            d.format(time::macros::format_description!(
                "[year][month][day]T[hour][minute][second]Z"
            ))
            .ok()
        })
        .unwrap_or_default()
}

/// Refuses a signature made for another service.
fn check_service(scope: &Scope<'_>, expected_service: &str) -> Result<(), CognitoError> {
    if scope.service == expected_service {
        return Ok(());
    }
    Err(invalid_signature(format!(
        "Credential should be scoped to correct service: '{expected_service}'. "
    )))
}

/// The instant `amz_date` names, which must be the day of the credential scope.
fn check_date(scope: &Scope<'_>, amz_date: &str) -> Result<Timestamp, CognitoError> {
    let signed_at =
        parse_amz_date(amz_date).ok_or_else(|| incomplete(format!("Invalid X-Amz-Date: {amz_date}")))?;
    if !amz_date.starts_with(scope.date) {
        return Err(invalid_signature(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}'",
            scope.date,
            &amz_date[..8.min(amz_date.len())]
        )));
    }
    Ok(signed_at)
}

/// Refuses a signature made more than `window` seconds before `now` (`window_text` says how long that is in the
/// message), or more than the allowed skew after it.
fn check_signed_within(
    amz_date: &str,
    signed_at: Timestamp,
    now: Timestamp,
    window: i64,
    window_text: &str,
) -> Result<(), CognitoError> {
    if now.seconds() - signed_at.seconds() > window {
        let bound = now.plus_seconds(-window);
        return Err(invalid_signature(format!(
            "Signature expired: {amz_date} is now earlier than {} ({} - {window_text}.)",
            format_amz_date(bound),
            format_amz_date(now)
        )));
    }
    if signed_at.seconds() - now.seconds() > MAX_CLOCK_SKEW_SECONDS {
        let bound = now.plus_seconds(MAX_CLOCK_SKEW_SECONDS);
        return Err(invalid_signature(format!(
            "Signature expired: {amz_date} is now later than {} ({} + 15 min.)",
            format_amz_date(bound),
            format_amz_date(now)
        )));
    }
    Ok(())
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

/// The canonical query string: every parameter but `skip` (a presigned URL's own signature), each name and
/// value decoded then encoded once, sorted.
fn canonical_query(query: Option<&str>, skip: Option<&str>) -> String {
    let Some(q) = query.filter(|q| !q.is_empty()) else {
        return String::new();
    };
    let mut pairs: Vec<(String, String)> = q
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .filter(|(k, _)| Some(*k) != skip)
        .map(|(k, v)| {
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
        return Err(invalid_signature("'Host' must be a signed header."));
    }
    let unsigned = headers
        .keys()
        .map(|name| name.as_str())
        .find(|name| name.starts_with("x-amz-") && *name != "x-amz-content-sha256" && !signed.contains(name));
    match unsigned {
        Some(name) => Err(invalid_signature(format!("'{name}' must be a signed header."))),
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
        Some(_) => Err(invalid_signature(
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
        )),
    }
}

/// The parts of a request its signature covers, once the variant has found them.
struct Signed<'a> {
    method: &'a Method,
    uri: &'a Uri,
    headers: &'a HeaderMap,
    body: &'a [u8],
    amz_date: &'a str,
    scope: &'a Scope<'a>,
    signed_headers: &'a [&'a str],
    /// The query parameter left out of the canonical query (a presigned URL's signature).
    skip_query: Option<&'a str>,
}

/// Computes the signature of `signed` with `secret` and compares it with `provided` (hex) in constant time.
fn check_signature(signed: &Signed<'_>, secret: &str, provided: &str) -> Result<(), CognitoError> {
    check_signed_header_set(signed.headers, signed.signed_headers)?;
    let mut canonical_headers = String::new();
    for name in signed.signed_headers {
        let value = canonical_header_value(signed.headers, name).ok_or_else(|| {
            invalid_signature(format!("Signed header '{name}' is missing from the request."))
        })?;
        canonical_headers.push_str(name);
        canonical_headers.push(':');
        canonical_headers.push_str(&value);
        canonical_headers.push('\n');
    }
    let payload_hash = payload_hash(signed.headers, signed.body)?;
    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        signed.method.as_str(),
        canonical_uri(signed.uri.path()),
        canonical_query(signed.uri.query(), signed.skip_query),
        canonical_headers,
        signed.signed_headers.join(";"),
        payload_hash
    );
    let scope = signed.scope;
    let scope_text = format!("{}/{}/{}/aws4_request", scope.date, scope.region, scope.service);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{}\n{scope_text}\n{}",
        signed.amz_date,
        sha256_hex(canonical_request.as_bytes())
    );
    let k_date = hmac_sha256(format!("AWS4{secret}").as_bytes(), scope.date.as_bytes());
    let k_region = hmac_sha256(&k_date, scope.region.as_bytes());
    let k_service = hmac_sha256(&k_region, scope.service.as_bytes());
    let k_signing = hmac_sha256(&k_service, b"aws4_request");
    let provided = hex::decode(provided).unwrap_or_default();
    // hmac::verify compares in constant time.
    let key = hmac::Key::new(hmac::HMAC_SHA256, &k_signing);
    hmac::verify(&key, string_to_sign.as_bytes(), &provided).map_err(|_| {
        invalid_signature("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
    })
}
