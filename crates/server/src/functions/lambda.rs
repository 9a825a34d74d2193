//! The Lambda Invoke API (`POST {endpoint}/2015-03-31/functions/{name}/invocations`, RequestResponse): what
//! `sam local start-lambda`, LocalStack and other local runtimes serve. Triggers and the gateway's Lambda proxy
//! integrations both call functions this way.

use axum::body::Bytes;
use latchkey_core::triggers::FunctionFailure;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::{error_message, parse_answer, Attempt, MAX_ANSWER_BYTES};

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

/// The function a trigger's ARN names, as the Invoke API addresses it: `arn:aws:lambda:r:a:function:NAME[:qualifier]`
/// → `NAME` (local runtimes know functions by name); anything else is passed as is.
pub fn function_name(arn: &str) -> &str {
    let parts: Vec<&str> = arn.splitn(8, ':').collect();
    match parts.as_slice() {
        ["arn", _, "lambda", _, _, "function", name, ..] => name,
        _ => arn,
    }
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

/// One invocation of the function `arn` names.
pub(crate) async fn call(http: &reqwest::Client, endpoint: &str, arn: &str, body: &[u8]) -> Attempt {
    let url = invoke_url(endpoint, function_name(arn));
    let response = match http
        .post(&url)
        .header("Content-Type", "application/json")
        .header("X-Amz-Invocation-Type", "RequestResponse")
        .body(body.to_vec())
        .send()
        .await
    {
        Ok(r) => r,
        Err(e) if e.is_timeout() => return Attempt::Timeout(format!("{url} timed out")),
        Err(e) => return Attempt::Retry(format!("cannot invoke {url}: {e}")),
    };
    let status = response.status();
    let function_error = response.headers().contains_key("x-amz-function-error");
    let payload = match read_limited(response, MAX_ANSWER_BYTES).await {
        Ok(p) => p,
        Err(e) if status.is_success() => return Attempt::Final(FunctionFailure::Malformed(e)),
        Err(e) => return Attempt::Final(FunctionFailure::Unreachable(e)),
    };
    if function_error {
        let message = error_message(&payload).unwrap_or_else(|| "Unhandled".into());
        return Attempt::Final(FunctionFailure::Failed(message));
    }
    // Throttling is worth another attempt; a failing service (5xx) is not, as Cognito does not retry it.
    if status.as_u16() == 429 {
        return Attempt::Retry(format!("the Lambda endpoint answered {status}"));
    }
    if !status.is_success() {
        return Attempt::Final(FunctionFailure::Unreachable(format!(
            "the Lambda endpoint answered {status} for {arn}"
        )));
    }
    parse_answer(&payload)
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

    #[test]
    fn function_names_from_arns() {
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:123456789012:function:preSignUp"),
            "preSignUp"
        );
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:123456789012:function:f:live"),
            "f"
        );
        assert_eq!(function_name("plainName"), "plainName");
    }
}
