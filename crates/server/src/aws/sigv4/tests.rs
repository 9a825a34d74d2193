//! The verifier pinned to AWS's published example (header variant), plus presigned URLs and temporary
//! credentials signed here the way botocore signs them (the compatibility tests drive botocore itself).

use super::*;
use latchkey_core::identity::SessionPrincipal;

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

const TEMP_KEY: &str = "ASIATESTTESTTEST0001";
const TEMP_SECRET: &str = "temporary-secret-of-forty-characters-xyz";
const TOKEN: &str = "sealed-session-token";

fn principal() -> SessionPrincipal {
    SessionPrincipal {
        role_arn: "arn:aws:iam::123456789012:role/R".into(),
        session_name: "s1".into(),
        identity_id: None,
        expiration: Timestamp(0),
    }
}

/// The admin keys, and one temporary credential whose session token must come with its key id.
fn lookup_with_temporary(
    keys: &AccessKeys,
) -> impl Fn(&str, Option<&str>) -> Result<(String, Signer), CognitoError> + '_ {
    move |id, token| match (keys.secret(id), token) {
        (Some(secret), _) => Ok((secret.to_string(), Signer::Admin)),
        (None, Some(TOKEN)) if id == TEMP_KEY => {
            Ok((TEMP_SECRET.to_string(), Signer::Temporary(principal())))
        }
        _ => Err(unrecognized()),
    }
}

fn enc(s: &str) -> String {
    utf8_percent_encode(s, SIGV4_ENCODE).to_string()
}

/// A presigned `GET /?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-...` as botocore's SigV4QueryAuth builds
/// it: the operation's parameters, then the auth parameters, signed over `host` and the empty body's hash.
fn presign(key: &str, secret: &str, token: Option<&str>, amz_date: &str, expires: i64) -> Uri {
    let date = &amz_date[..8];
    let scope = format!("{date}/us-east-1/sts/aws4_request");
    let mut params = vec![
        ("Action".to_string(), "GetCallerIdentity".to_string()),
        ("Version".to_string(), "2011-06-15".to_string()),
        ("X-Amz-Algorithm".to_string(), "AWS4-HMAC-SHA256".to_string()),
        ("X-Amz-Credential".to_string(), format!("{key}/{scope}")),
        ("X-Amz-Date".to_string(), amz_date.to_string()),
        ("X-Amz-Expires".to_string(), expires.to_string()),
        ("X-Amz-SignedHeaders".to_string(), "host".to_string()),
    ];
    if let Some(t) = token {
        params.push(("X-Amz-Security-Token".to_string(), t.to_string()));
    }
    let mut sorted: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect();
    let query = sorted.join("&");
    sorted.sort();
    let canonical = format!(
        "GET\n/\n{}\nhost:sts.test\n\nhost\n{}",
        sorted.join("&"),
        sha256_hex(b"")
    );
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical.as_bytes())
    );
    let mut k = format!("AWS4{secret}").into_bytes();
    for part in [date, "us-east-1", "sts", "aws4_request", to_sign.as_str()] {
        k = hmac_sha256(&k, part.as_bytes());
    }
    format!("/?{query}&X-Amz-Signature={}", hex::encode(k))
        .parse()
        .unwrap()
}

fn host_only() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("host", "sts.test".parse().unwrap());
    h
}

const SIGNED_AT: &str = "20270115T080000Z";

#[test]
fn presigned_urls_verify_within_their_window_and_never_beyond_fifteen_minutes() {
    let keys = AccessKeys::new([("AKIDEXAMPLE".to_string(), "admin-secret".to_string())]);
    let lookup = lookup_with_temporary(&keys);
    let at = parse_amz_date(SIGNED_AT).unwrap();
    let check =
        |uri: &Uri, now: Timestamp| verify_with(&lookup, &Method::GET, uri, &host_only(), b"", now, "sts");

    let admin = presign("AKIDEXAMPLE", "admin-secret", None, SIGNED_AT, 60);
    let (signed, signer) = check(&admin, at).unwrap();
    assert_eq!((signed.service.as_str(), signer), ("sts", Signer::Admin));
    assert!(check(&admin, at.plus_seconds(60)).is_ok());
    let e = check(&admin, at.plus_seconds(61)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidSignatureException);
    assert_eq!(
        e.message(),
        "Signature expired: 20270115T080000Z is now earlier than 20270115T080001Z (20270115T080101Z - 60 sec.)"
    );
    // botocore's default hour is cut to fifteen minutes, as STS does.
    let hour = presign("AKIDEXAMPLE", "admin-secret", None, SIGNED_AT, 3600);
    assert!(check(&hour, at.plus_seconds(900)).is_ok());
    assert!(check(&hour, at.plus_seconds(901))
        .unwrap_err()
        .message()
        .ends_with("- 15 min.)"));
    // Signed more than fifteen minutes in the future.
    assert!(check(&hour, at.plus_seconds(-901))
        .unwrap_err()
        .message()
        .contains("is now later than"));

    let temporary = presign(TEMP_KEY, TEMP_SECRET, Some(TOKEN), SIGNED_AT, 900);
    let (_, signer) = check(&temporary, at).unwrap();
    assert_eq!(signer, Signer::Temporary(principal()));
}

#[test]
fn presigned_urls_cover_every_parameter() {
    let keys = AccessKeys::default();
    let lookup = lookup_with_temporary(&keys);
    let at = parse_amz_date(SIGNED_AT).unwrap();
    let check = |uri: &str| {
        let uri: Uri = uri.parse().unwrap();
        verify_with(&lookup, &Method::GET, &uri, &host_only(), b"", at, "sts").map(|_| ())
    };
    let good = presign(TEMP_KEY, TEMP_SECRET, Some(TOKEN), SIGNED_AT, 900).to_string();
    assert!(check(&good).is_ok());
    let kind = |uri: &str| check(uri).unwrap_err().kind();
    // Another action, a longer life, or another parameter: the signature no longer matches.
    assert_eq!(
        kind(&good.replace("GetCallerIdentity", "AssumeRole")),
        ErrorKind::InvalidSignatureException
    );
    assert_eq!(
        kind(&good.replace("X-Amz-Expires=900", "X-Amz-Expires=899")),
        ErrorKind::InvalidSignatureException
    );
    assert_eq!(
        kind(&format!("{good}&Extra=1")),
        ErrorKind::InvalidSignatureException
    );
    // The wrong session token is the lookup's to refuse; a missing one leaves the key unknown.
    assert_eq!(
        kind(&good.replace(TOKEN, "another-token")),
        ErrorKind::UnrecognizedClientException
    );
    assert_eq!(
        kind(&good.replace(&format!("&X-Amz-Security-Token={TOKEN}"), "")),
        ErrorKind::UnrecognizedClientException
    );
    // Malformed: another algorithm, a missing part, an absurd lifetime, a POST signature used for GET.
    assert_eq!(
        kind(&good.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512")),
        ErrorKind::IncompleteSignatureException
    );
    let no_date = good.replace(&format!("&X-Amz-Date={SIGNED_AT}"), "");
    assert_eq!(kind(&no_date), ErrorKind::IncompleteSignatureException);
    assert_eq!(
        kind(&good.replace("X-Amz-Expires=900", "X-Amz-Expires=0")),
        ErrorKind::IncompleteSignatureException
    );
    let uri: Uri = good.parse().unwrap();
    let post = verify_with(&lookup, &Method::POST, &uri, &host_only(), b"", at, "sts").unwrap_err();
    assert_eq!(post.kind(), ErrorKind::InvalidSignatureException);
    // A body the URL was not signed with.
    let body = verify_with(&lookup, &Method::GET, &uri, &host_only(), b"x=1", at, "sts").unwrap_err();
    assert_eq!(body.kind(), ErrorKind::InvalidSignatureException);
    // Signed both ways at once.
    let mut both = host_only();
    both.insert("authorization", "AWS4-HMAC-SHA256 Credential=x".parse().unwrap());
    let e = verify_with(&lookup, &Method::GET, &uri, &both, b"", at, "sts").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::IncompleteSignatureException);
    // Signed for another service.
    let iam = good.replace("%2Fsts%2F", "%2Fiam%2F");
    assert_eq!(kind(&iam), ErrorKind::InvalidSignatureException);
}

#[test]
fn the_header_variant_hands_its_session_token_to_the_lookup() {
    let (_, uri, mut headers, now) = doc_request();
    let keys = AccessKeys::default();
    let lookup = lookup_with_temporary(&keys);
    headers.insert(
        "authorization",
        headers["authorization"]
            .to_str()
            .unwrap()
            .replace("AKIDEXAMPLE", TEMP_KEY)
            .parse()
            .unwrap(),
    );
    let e = verify_with(&lookup, &Method::GET, &uri, &headers, b"", now, "iam").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnrecognizedClientException, "no token");
    headers.insert("x-amz-security-token", TOKEN.parse().unwrap());
    // The token is found, but this documented request signed neither it nor with this secret.
    let e = verify_with(&lookup, &Method::GET, &uri, &headers, b"", now, "iam").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidSignatureException);
    // The admin-only verifier never consults a token.
    let e = verify(&keys, &Method::GET, &uri, &headers, b"", now, "iam").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnrecognizedClientException);
}
