//! The Lambda proxy integration: the event POSTed to the Lambda Invoke API
//! (`{endpoint}/2015-03-31/functions/{name}/invocations`, what `sam local start-lambda` serves) and the answer read
//! back; a function error, a malformed answer or an unreachable endpoint is an integration failure.

use std::time::Duration;

use axum::body::Bytes;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value;

use super::event::{parse_answer, ProxyAnswer};

/// Why an integration gave no answer to pass on.
#[derive(Debug)]
pub enum IntegrationError {
    /// Unreachable, a function error, a malformed answer: API Gateway's 502.
    Failure(String),
    /// No answer within the integration timeout: API Gateway's 504.
    Timeout,
}

/// The largest answer read from an integration: API Gateway's 10 MB payload limit, plus room for the JSON
/// around a Lambda answer's body (base64 grows a body by a third).
pub const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// What a function name may keep unencoded in the URL path (ARNs keep their colons).
const FUNCTION_NAME: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b':');

pub fn invoke_url(endpoint: &str, function: &str) -> String {
    format!(
        "{}/2015-03-31/functions/{}/invocations",
        endpoint.trim_end_matches('/'),
        utf8_percent_encode(function, FUNCTION_NAME)
    )
}

pub async fn invoke(
    client: &reqwest::Client,
    endpoint: &str,
    function: &str,
    event: &Value,
    timeout: Duration,
) -> Result<ProxyAnswer, IntegrationError> {
    let url = invoke_url(endpoint, function);
    let call = async {
        let response = client
            .post(&url)
            .header("X-Amz-Invocation-Type", "RequestResponse")
            .json(event)
            .send()
            .await
            .map_err(|e| IntegrationError::Failure(format!("cannot invoke {url}: {e}")))?;
        let status = response.status();
        let function_error = response
            .headers()
            .get("x-amz-function-error")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let payload = read_limited(response, MAX_ANSWER_BYTES)
            .await
            .map_err(IntegrationError::Failure)?;
        if let Some(kind) = function_error {
            return Err(IntegrationError::Failure(format!(
                "function {function} failed ({kind})"
            )));
        }
        if !status.is_success() {
            return Err(IntegrationError::Failure(format!(
                "the Lambda endpoint answered {status} for function {function}"
            )));
        }
        parse_answer(&payload).map_err(|why| {
            IntegrationError::Failure(format!("malformed Lambda proxy response from {function}: {why}"))
        })
    };
    tokio::time::timeout(timeout, call)
        .await
        .unwrap_or(Err(IntegrationError::Timeout))
}

/// The whole body of `response`, refused past `limit` bytes.
pub async fn read_limited(mut response: reqwest::Response, limit: usize) -> Result<Bytes, String> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(format!("the answer is larger than {limit} bytes"));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("cannot read the answer: {e}"))?
    {
        if body.len() + chunk.len() > limit {
            return Err(format!("the answer is larger than {limit} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invoke_url_encodes_the_function_name() {
        assert_eq!(
            invoke_url("http://127.0.0.1:3001/", "HelloFunction"),
            "http://127.0.0.1:3001/2015-03-31/functions/HelloFunction/invocations"
        );
        assert_eq!(
            invoke_url("http://l", "arn:aws:lambda:us-east-1:123456789012:function:f/x"),
            "http://l/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:f%2Fx/invocations"
        );
    }
}
