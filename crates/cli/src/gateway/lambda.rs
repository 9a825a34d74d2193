//! The Lambda proxy integration: the event POSTed to the Lambda Invoke API
//! (`{endpoint}/2015-03-31/functions/{name}/invocations`, what `sam local start-lambda` serves) and the answer read
//! back; a function error, a malformed answer or an unreachable endpoint is an integration failure. The Invoke
//! API's URL and bounded reads are the server's (`latchkey_server::functions::lambda`), which triggers use too.

use std::time::Duration;

use latchkey_server::functions::lambda::invoke_url;
pub use latchkey_server::functions::lambda::read_limited;
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
