//! SigV4 in the `Authorization` header, with the time in `X-Amz-Date` and a session token, when there is one, in
//! `X-Amz-Security-Token`: how every SDK signs an API call.

use axum::http::{HeaderMap, Method, Uri};
use latchkey_core::time::Timestamp;
use latchkey_core::{CognitoError, ErrorKind};

use super::{
    check_date, check_service, check_signature, check_signed_within, incomplete, parse_scope, Scope,
    SecretLookup, Signed, SignedBy, Signer, MAX_CLOCK_SKEW_SECONDS,
};

struct Authorization<'a> {
    scope: Scope<'a>,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
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
    Ok(Authorization {
        scope: parse_scope(credential)?,
        signed_headers: signed_headers.split(';').collect(),
        signature,
    })
}

pub(super) fn verify(
    lookup: &SecretLookup<'_>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    now: Timestamp,
    expected_service: &str,
) -> Result<(SignedBy, Signer), CognitoError> {
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
    let token = headers.get("x-amz-security-token").and_then(|v| v.to_str().ok());
    let (secret, signer) = lookup(auth.scope.access_key_id, token)?;
    check_service(&auth.scope, expected_service)?;
    let amz_date = headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        })?;
    let signed_at = check_date(&auth.scope, amz_date)?;
    check_signed_within(amz_date, signed_at, now, MAX_CLOCK_SKEW_SECONDS, "15 min")?;
    let signed = Signed {
        method,
        uri,
        headers,
        body,
        amz_date,
        scope: &auth.scope,
        signed_headers: &auth.signed_headers,
        skip_query: None,
    };
    check_signature(&signed, &secret, auth.signature)?;
    Ok((
        SignedBy {
            access_key_id: auth.scope.access_key_id.to_string(),
            region: auth.scope.region.to_string(),
            service: auth.scope.service.to_string(),
        },
        signer,
    ))
}

pub(super) fn unverified_region(headers: &HeaderMap) -> Option<String> {
    let v = headers.get("authorization")?.to_str().ok()?;
    parse_authorization(v).ok().map(|a| a.scope.region.to_string())
}
