//! The proxy event's shape and the mapping of proxy answers.

use super::*;
use axum::http::header;

fn params(pairs: &[(&str, &str, &str)]) -> BTreeMap<String, PathParam> {
    pairs
        .iter()
        .map(|(k, raw, value)| {
            (
                k.to_string(),
                PathParam {
                    raw: raw.to_string(),
                    value: value.to_string(),
                },
            )
        })
        .collect()
}

fn event(
    headers: &HeaderMap,
    query: Option<&str>,
    body: &[u8],
    params: &BTreeMap<String, PathParam>,
    claims: Option<&BTreeMap<String, String>>,
) -> Value {
    proxy_event(&EventRequest {
        method: "POST",
        resource: "/items/{id}",
        path: "/items/a%20b",
        stage: "prod",
        params,
        headers,
        query,
        body,
        peer: Some("10.1.2.3".parse().unwrap()),
        claims,
        request_id: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        api_id: "latchkey",
        account_id: "123456789012",
        now_millis: 1_428_582_896_000,
    })
}

#[test]
fn event_carries_the_request_as_api_gateway_shapes_it() {
    let mut headers = HeaderMap::new();
    headers.append(header::HOST, HeaderValue::from_static("api.example.com"));
    headers.append("x-multi", HeaderValue::from_static("one"));
    headers.append("x-multi", HeaderValue::from_static("two"));
    headers.append(header::CONTENT_LENGTH, HeaderValue::from_static("5"));
    headers.append(header::USER_AGENT, HeaderValue::from_static("test/1"));
    let p = params(&[("id", "a%20b", "a b")]);
    let claims: BTreeMap<String, String> = [
        ("sub".to_string(), "u-1".to_string()),
        ("cognito:groups".to_string(), "a,b".to_string()),
    ]
    .into();
    let e = event(&headers, Some("q=1&tag=x&tag=y%20z"), b"hello", &p, Some(&claims));

    assert_eq!(e["resource"], "/items/{id}");
    assert_eq!(e["path"], "/items/a%20b");
    assert_eq!(e["httpMethod"], "POST");
    assert_eq!(e["headers"]["Host"], "api.example.com");
    assert_eq!(e["headers"]["X-Multi"], "two");
    assert_eq!(e["multiValueHeaders"]["X-Multi"], json!(["one", "two"]));
    assert!(e["headers"].get("Content-Length").is_none());
    assert_eq!(e["queryStringParameters"], json!({"q": "1", "tag": "y z"}));
    assert_eq!(
        e["multiValueQueryStringParameters"],
        json!({"q": ["1"], "tag": ["x", "y z"]})
    );
    assert_eq!(e["pathParameters"], json!({"id": "a b"}));
    assert_eq!(e["stageVariables"], Value::Null);
    assert_eq!(e["body"], "hello");
    assert_eq!(e["isBase64Encoded"], false);

    let c = &e["requestContext"];
    assert_eq!(c["stage"], "prod");
    assert_eq!(c["path"], "/prod/items/a%20b");
    assert_eq!(c["resourcePath"], "/items/{id}");
    assert_eq!(c["httpMethod"], "POST");
    assert_eq!(c["accountId"], "123456789012");
    assert_eq!(c["requestId"], "c6af9ac6-7b61-11e6-9a41-93e8deadbeef");
    assert_eq!(c["requestTime"], "09/Apr/2015:12:34:56 +0000");
    assert_eq!(c["requestTimeEpoch"], 1_428_582_896_000_i64);
    assert_eq!(c["identity"]["sourceIp"], "10.1.2.3");
    assert_eq!(c["identity"]["userAgent"], "test/1");
    assert_eq!(c["authorizer"]["claims"]["cognito:groups"], "a,b");
    let id = c["resourceId"].as_str().unwrap();
    assert_eq!(id.len(), 10);
    assert!(id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
}

#[test]
fn absent_parts_are_null_not_empty() {
    let e = event(&HeaderMap::new(), None, b"", &BTreeMap::new(), None);
    assert_eq!(e["headers"], Value::Null);
    assert_eq!(e["multiValueHeaders"], Value::Null);
    assert_eq!(e["queryStringParameters"], Value::Null);
    assert_eq!(e["multiValueQueryStringParameters"], Value::Null);
    assert_eq!(e["pathParameters"], Value::Null);
    assert_eq!(e["body"], Value::Null);
    assert_eq!(e["isBase64Encoded"], false);
    assert!(e["requestContext"].get("authorizer").is_none());
    let e = event(&HeaderMap::new(), Some(""), b"", &BTreeMap::new(), None);
    assert_eq!(e["queryStringParameters"], Value::Null);
}

#[test]
fn binary_bodies_travel_base64() {
    let e = event(
        &HeaderMap::new(),
        None,
        &[0xff, 0x00, 0x10],
        &BTreeMap::new(),
        None,
    );
    assert_eq!(e["body"], "/wAQ");
    assert_eq!(e["isBase64Encoded"], true);
}

#[test]
fn answer_maps_status_headers_and_body() {
    let a = parse_answer(
        br#"{"statusCode": 201, "headers": {"X-One": "1", "X-Flag": true, "Set-Cookie": "a=1"},
             "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]}, "body": "made"}"#,
    )
    .unwrap();
    assert_eq!(a.status, 201);
    assert_eq!(a.body, Bytes::from_static(b"made"));
    let values = |name: &str| {
        a.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.to_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(values("set-cookie"), vec!["a=1", "b=2"]);
    assert_eq!(values("x-one"), vec!["1"]);
    assert_eq!(values("x-flag"), vec!["true"]);
}

#[test]
fn answer_body_base64_is_decoded() {
    let a = parse_answer(br#"{"statusCode": "200", "body": "/wAQ", "isBase64Encoded": true}"#).unwrap();
    assert_eq!(a.body, Bytes::from_static(&[0xff, 0x00, 0x10]));
    let a = parse_answer(br#"{}"#).unwrap();
    assert_eq!(a.status, 200);
    assert!(a.body.is_empty());
}

#[test]
fn malformed_answers_are_refused() {
    for bad in [
        &b"not json"[..],
        br#"[1]"#,
        br#""ok""#,
        br#"{"statusCode": 200, "extra": 1}"#,
        br#"{"errorMessage": "boom", "errorType": "Exception"}"#,
        br#"{"statusCode": "abc"}"#,
        br#"{"statusCode": 99}"#,
        br#"{"statusCode": 200, "body": {"a": 1}}"#,
        br#"{"statusCode": 200, "headers": {"X": {"a": 1}}}"#,
        br#"{"statusCode": 200, "headers": {"bad name": "x"}}"#,
        br#"{"statusCode": 200, "multiValueHeaders": {"X": "one"}}"#,
        br#"{"statusCode": 200, "body": "%%%", "isBase64Encoded": true}"#,
        br#"{"statusCode": 200, "isBase64Encoded": "yes"}"#,
    ] {
        assert!(
            parse_answer(bad).is_err(),
            "accepted {}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn header_names_are_title_cased() {
    assert_eq!(title_case("x-forwarded-for"), "X-Forwarded-For");
    assert_eq!(title_case("authorization"), "Authorization");
    assert_eq!(title_case("x--y"), "X--Y");
}
