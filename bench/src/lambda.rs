//! The triggers group's function (issue 17), on a Lambda Invoke endpoint in the bench process: `POST
//! /2015-03-31/functions/{FUNCTION}/invocations` answers the PreTokenGeneration event with a V2_0 response adding
//! one access-token claim and one scope, as tests/compat/triggers/preTokenV2.mjs does, and does nothing else. It
//! runs on the thread and runtime `Upstream::serve` gives it, so its CPU is never the server's: what the rows show
//! is Latchkey's side of a trigger (the event built, the HTTP call, the answer parsed, the claims applied).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{json, Value};

use crate::upstream::Upstream;

/// The function's name: the last part of the pool's LambdaArn, which the Invoke API's path names.
pub const FUNCTION: &str = "benchPreTokenV2";
/// The access-token claim the function adds, and its value.
pub const CLAIM_NAME: &str = "tenant";
pub const CLAIM_VALUE: &str = "acme";
/// The scope the function adds to the access token.
pub const SCOPE: &str = "orders/read";

/// The function's ARN, as the pool names it.
pub fn arn() -> String {
    format!("arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}")
}

/// Events the function answered, by `triggerSource`; requests it refused count under `refused`.
type Seen = Arc<Mutex<BTreeMap<String, u64>>>;

/// The Lambda Invoke endpoint that runs the function; it stops when dropped.
pub struct Lambda {
    server: Upstream,
    seen: Seen,
}

impl Lambda {
    pub fn start() -> Result<Lambda, String> {
        let seen = Seen::default();
        let counts = seen.clone();
        let server = Upstream::serve("bench-lambda", Upstream::bind()?, move |req| {
            invoke(req, counts.clone())
        })?;
        Ok(Lambda { server, seen })
    }

    /// What `latchkey serve --lambda-endpoint` is given.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    /// The events answered so far, by `triggerSource`.
    pub fn seen(&self) -> BTreeMap<String, u64> {
        self.seen.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

/// `after − before`, per `triggerSource`: what was answered between two `Lambda::seen`s.
pub fn added(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    after
        .iter()
        .map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

fn json_response(status: StatusCode, body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

fn refusal(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    json_response(
        status,
        json!({"Type": "User", "message": message})
            .to_string()
            .into_bytes(),
    )
}

/// One Invoke API request: the function's answer for `POST /2015-03-31/functions/{FUNCTION}/invocations`, 404
/// (as Lambda answers an unknown function) for anything else and 400 for an event that is not a JSON object.
async fn invoke(req: Request<Incoming>, seen: Seen) -> Response<Full<Bytes>> {
    let known = req.method() == Method::POST
        && req.uri().path() == format!("/2015-03-31/functions/{FUNCTION}/invocations");
    let event = req.into_body().collect().await.map(|b| b.to_bytes());
    let (key, resp) = match event {
        Ok(event) if known => match answer(&event) {
            Ok((source, body)) => (source, json_response(StatusCode::OK, body)),
            Err(e) => ("refused".into(), refusal(StatusCode::BAD_REQUEST, &e)),
        },
        Ok(_) => (
            "refused".into(),
            refusal(StatusCode::NOT_FOUND, "Function not found"),
        ),
        Err(e) => ("refused".into(), refusal(StatusCode::BAD_REQUEST, &e.to_string())),
    };
    if let Ok(mut m) = seen.lock() {
        *m.entry(key).or_default() += 1;
    }
    resp
}

/// The function: the event back with a V2_0 answer adding `CLAIM_NAME` and `SCOPE` to the access token, and the
/// event's `triggerSource`.
pub fn answer(event: &[u8]) -> Result<(String, Vec<u8>), String> {
    let mut event: Value =
        serde_json::from_slice(event).map_err(|e| format!("the event is not JSON: {e}"))?;
    let source = event
        .get("triggerSource")
        .and_then(Value::as_str)
        .unwrap_or("(no triggerSource)")
        .to_string();
    let fields = event.as_object_mut().ok_or("the event is not an object")?;
    fields.insert(
        "response".into(),
        json!({"claimsAndScopeOverrideDetails": {"accessTokenGeneration": {
            "claimsToAddOrOverride": {CLAIM_NAME: CLAIM_VALUE},
            "scopesToAdd": [SCOPE],
        }}}),
    );
    let body = serde_json::to_vec(&event).map_err(|e| e.to_string())?;
    Ok((source, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{Conn, Endpoint};

    #[test]
    fn the_answer_adds_a_claim_and_a_scope_to_the_access_token() {
        let event = json!({"version": "2", "triggerSource": "TokenGeneration_RefreshTokens", "request": {}, "response": {}});
        let (source, body) = answer(event.to_string().as_bytes()).unwrap();
        assert_eq!(source, "TokenGeneration_RefreshTokens");
        let back: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(back["version"], "2");
        let access = &back["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"];
        assert_eq!(access["claimsToAddOrOverride"], json!({"tenant": "acme"}));
        assert_eq!(access["scopesToAdd"], json!(["orders/read"]));
        assert!(answer(b"[1]").is_err());
        assert!(answer(b"not json").is_err());
    }

    #[test]
    fn events_are_counted_between_two_looks() {
        let before = BTreeMap::from([("TokenGeneration_Authentication".to_string(), 16)]);
        let after = BTreeMap::from([
            ("TokenGeneration_Authentication".to_string(), 16),
            ("TokenGeneration_RefreshTokens".to_string(), 40),
        ]);
        let refreshes = BTreeMap::from([("TokenGeneration_RefreshTokens".to_string(), 40)]);
        assert_eq!(added(&before, &after), refreshes);
        assert!(added(&after, &after).is_empty());
    }

    #[tokio::test]
    async fn the_endpoint_answers_its_function_and_refuses_others() {
        let lambda = Lambda::start().unwrap();
        let addr = lambda.endpoint().trim_start_matches("http://").parse().unwrap();
        let mut conn = Conn::new(Endpoint::new(addr, "", ""));
        let event = json!({"version": "2", "triggerSource": "TokenGeneration_Authentication", "request": {}});
        let path = format!("/2015-03-31/functions/{FUNCTION}/invocations");
        // post_form sends the body as given; the endpoint reads it as the event whatever its content type.
        let r = conn.post_form(&path, &event.to_string(), None).await.unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.body["triggerSource"], "TokenGeneration_Authentication");
        assert_eq!(
            r.body["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]["scopesToAdd"],
            json!(["orders/read"])
        );
        let other = conn
            .post_form(
                "/2015-03-31/functions/other/invocations",
                &event.to_string(),
                None,
            )
            .await
            .unwrap();
        assert_eq!(other.status, 404);
        let seen = lambda.seen();
        assert_eq!(seen.get("TokenGeneration_Authentication"), Some(&1));
        assert_eq!(seen.get("refused"), Some(&1));
    }
}
