//! Where the pools' Lambda triggers run: core's `Functions` port over two transports — the Lambda Invoke API
//! (`lambda`, what `sam local start-lambda` and other local runtimes serve) and signed webhooks (`webhook`) —
//! with Cognito's invocation terms (5 seconds per attempt; a timeout, a connection that fails or throttling is
//! tried again, three attempts in all; a function's own error and a failing service are not), counted and timed
//! in `/metrics`.

pub mod lambda;
pub mod webhook;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use latchkey_core::ports::{Clock, Rng};
use latchkey_core::triggers::{FunctionFailure, Functions, Trigger};
use serde_json::Value;

use crate::metrics::Metrics;

/// Cognito waits this long for each attempt.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
/// Cognito tries a function this many times when an attempt times out, cannot connect or is throttled.
pub const ATTEMPTS: usize = 3;
/// The largest answer read: Lambda's synchronous response payload limit.
pub const MAX_ANSWER_BYTES: usize = 6 * 1024 * 1024;

/// A webhook that runs one function: where it is, and the secret its requests are signed with.
#[derive(Clone)]
pub struct WebhookTarget {
    pub url: String,
    /// `whsec_<base64>` as Standard Webhooks write it, or any other text used as the key as is.
    pub secret: String,
}

impl fmt::Debug for WebhookTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookTarget")
            .field("url", &self.url)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// Where functions run: webhooks by function ARN first, then the Lambda endpoint for any other ARN.
#[derive(Debug, Clone, Default)]
pub struct FunctionsConfig {
    pub lambda_endpoint: Option<String>,
    pub webhooks: BTreeMap<String, WebhookTarget>,
    /// Per-attempt timeout (Cognito's 5 seconds unless a test shortens it).
    pub attempt_timeout: Option<Duration>,
}

/// How one attempt ended, for the retry decision.
pub(crate) enum Attempt {
    Answer(Value),
    /// The function's own failure, or an answer that can never be right: not retried.
    Final(FunctionFailure),
    /// No connection or throttled: tried again.
    Retry(String),
    /// No answer in time: tried again.
    Timeout(String),
}

/// The `Functions` the binary wires into core.
pub struct FunctionRunner {
    config: FunctionsConfig,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn Rng>,
    metrics: Arc<Metrics>,
}

impl FunctionRunner {
    pub fn new(
        config: FunctionsConfig,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn Rng>,
        metrics: Arc<Metrics>,
    ) -> Result<Self, String> {
        for (arn, target) in &config.webhooks {
            webhook::check_url(&target.url).map_err(|e| format!("webhook for {arn}: {e}"))?;
        }
        let http = reqwest::Client::builder()
            .timeout(config.attempt_timeout.unwrap_or(ATTEMPT_TIMEOUT))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot build the HTTP client for functions: {e}"))?;
        Ok(Self {
            config,
            http,
            clock,
            rng,
            metrics,
        })
    }

    async fn attempt(&self, arn: &str, body: &[u8]) -> (&'static str, Attempt) {
        if let Some(target) = self.config.webhooks.get(arn) {
            let now = self.clock.now();
            let attempt = webhook::call(&self.http, target, body, now, self.rng.as_ref()).await;
            return ("webhook", attempt);
        }
        match &self.config.lambda_endpoint {
            Some(endpoint) => ("lambda", lambda::call(&self.http, endpoint, arn, body).await),
            None => (
                "none",
                Attempt::Final(FunctionFailure::Unreachable(format!(
                    "no Lambda endpoint (--lambda-endpoint) or webhook is configured to run {arn}"
                ))),
            ),
        }
    }
}

#[async_trait]
impl Functions for FunctionRunner {
    async fn invoke(&self, trigger: Trigger, arn: &str, event: &Value) -> Result<Value, FunctionFailure> {
        let started = Instant::now();
        let body = serde_json::to_vec(event).map_err(|e| FunctionFailure::Malformed(e.to_string()))?;
        let mut transport = "none";
        let mut last = FunctionFailure::Unreachable(String::new());
        let mut result = None;
        for _ in 0..ATTEMPTS {
            let (via, attempt) = self.attempt(arn, &body).await;
            transport = via;
            match attempt {
                Attempt::Answer(v) => {
                    result = Some(Ok(v));
                    break;
                }
                Attempt::Final(f) => {
                    result = Some(Err(f));
                    break;
                }
                Attempt::Retry(why) => last = FunctionFailure::Unreachable(why),
                Attempt::Timeout(why) => last = FunctionFailure::TimedOut(why),
            }
        }
        let result = result.unwrap_or(Err(last));
        let outcome = match &result {
            Ok(_) => "success",
            Err(FunctionFailure::Failed(_)) => "failed",
            Err(FunctionFailure::Malformed(_)) => "malformed",
            Err(FunctionFailure::Unreachable(_)) => "unreachable",
            Err(FunctionFailure::TimedOut(_)) => "timeout",
        };
        self.metrics
            .trigger(trigger.name(), transport, outcome, started.elapsed());
        result
    }
}

/// An answer body as a function's event: JSON, else malformed.
pub(crate) fn parse_answer(payload: &[u8]) -> Attempt {
    match serde_json::from_slice::<Value>(payload) {
        Ok(v) => Attempt::Answer(v),
        Err(e) => Attempt::Final(FunctionFailure::Malformed(format!("the answer is not JSON: {e}"))),
    }
}

/// A failure payload (`{"errorMessage": ..., "errorType": ...}`, as Lambda runtimes report a thrown error): the
/// message Cognito passes on.
pub(crate) fn error_message(payload: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(payload).ok()?;
    v.get("errorMessage").and_then(Value::as_str).map(str::to_string)
}
