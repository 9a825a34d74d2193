//! SigV4 in the query string: a presigned URL (`X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`,
//! `X-Amz-Expires`, `X-Amz-SignedHeaders`, `X-Amz-Security-Token`, `X-Amz-Signature`), which lets a holder of
//! credentials hand someone else one request they can make — the way services have a caller prove its AWS
//! identity with a presigned STS GetCallerIdentity.

use axum::http::{HeaderMap, Method, Uri};
use latchkey_core::time::Timestamp;
use latchkey_core::CognitoError;
use percent_encoding::percent_decode_str;

use super::{
    check_date, check_service, check_signature, check_signed_within, incomplete, parse_scope, SecretLookup,
    Signed, SignedBy, Signer, MAX_CLOCK_SKEW_SECONDS,
};

const SIGNATURE: &str = "X-Amz-Signature";
/// SigV4's longest presigned lifetime (seven days); see `verify` for how long one is really honoured.
const MAX_EXPIRES_SECONDS: i64 = 604_800;

/// The first value of the query parameter `name`, percent-decoded.
fn param(uri: &Uri, name: &str) -> Option<String> {
    uri.query()?
        .split('&')
        .filter_map(|p| p.split_once('=').or(Some((p, ""))))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| percent_decode_str(v).decode_utf8_lossy().into_owned())
}

/// Whether the request is signed in its query string.
pub(super) fn is_presigned(uri: &Uri) -> bool {
    param(uri, "X-Amz-Algorithm").is_some()
}

/// Verifies a presigned request. It is honoured from its `X-Amz-Date` for `X-Amz-Expires` seconds but never
/// longer than the 15 minutes of clock skew AWS allows any signature (STS itself ignores a longer
/// `X-Amz-Expires`), and not before its date, less the same skew.
pub(super) fn verify(
    lookup: &SecretLookup<'_>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    now: Timestamp,
    expected_service: &str,
) -> Result<(SignedBy, Signer), CognitoError> {
    if param(uri, "X-Amz-Algorithm").as_deref() != Some("AWS4-HMAC-SHA256") {
        return Err(incomplete(
            "Unsupported X-Amz-Algorithm: only AWS4-HMAC-SHA256 is accepted.",
        ));
    }
    if headers.contains_key("authorization") {
        return Err(incomplete(
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.",
        ));
    }
    let (Some(credential), Some(amz_date), Some(signed_headers), Some(signature)) = (
        param(uri, "X-Amz-Credential"),
        param(uri, "X-Amz-Date"),
        param(uri, "X-Amz-SignedHeaders"),
        param(uri, SIGNATURE),
    ) else {
        return Err(incomplete(
            "Query-string authentication requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-SignedHeaders and X-Amz-Signature parameters.",
        ));
    };
    let scope = parse_scope(&credential)?;
    let token = param(uri, "X-Amz-Security-Token");
    let (secret, signer) = lookup(scope.access_key_id, token.as_deref())?;
    check_service(&scope, expected_service)?;
    let signed_at = check_date(&scope, &amz_date)?;
    let expires = match param(uri, "X-Amz-Expires") {
        None => MAX_CLOCK_SKEW_SECONDS,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|s| (1..=MAX_EXPIRES_SECONDS).contains(s))
            .ok_or_else(|| {
                incomplete(format!(
                    "X-Amz-Expires must be a whole number of seconds from 1 to {MAX_EXPIRES_SECONDS}: {text}"
                ))
            })?,
    };
    let window = expires.min(MAX_CLOCK_SKEW_SECONDS);
    let window_text = if window == MAX_CLOCK_SKEW_SECONDS {
        "15 min".to_string()
    } else {
        format!("{window} sec")
    };
    check_signed_within(&amz_date, signed_at, now, window, &window_text)?;
    let signed_headers: Vec<&str> = signed_headers.split(';').collect();
    let signed = Signed {
        method,
        uri,
        headers,
        body,
        amz_date: &amz_date,
        scope: &scope,
        signed_headers: &signed_headers,
        skip_query: Some(SIGNATURE),
    };
    check_signature(&signed, &secret, &signature)?;
    Ok((
        SignedBy {
            access_key_id: scope.access_key_id.to_string(),
            region: scope.region.to_string(),
            service: scope.service.to_string(),
        },
        signer,
    ))
}
