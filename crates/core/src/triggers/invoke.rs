//! Firing a trigger: the function a pool's `LambdaConfig` names for it, the envelope every event shares, the
//! answer's `response` read back, and Cognito's error for each way an invocation fails.

use serde_json::{json, Map, Value};

use super::{FunctionFailure, Trigger, TriggerContext};
use crate::error::{CognitoError, ErrorKind, Result};
use crate::pools::UserPool;
use crate::service::Latchkey;

/// One invocation: which trigger, its `triggerSource`, whom it is about and its `request`.
pub(crate) struct TriggerCall<'a> {
    pub(crate) trigger: Trigger,
    pub(crate) source: &'a str,
    pub(crate) pool: &'a UserPool,
    /// The app client the operation came through (`callerContext.clientId`); `None` for admin operations
    /// without one, which Cognito reports as `CLIENT_ID_NOT_APPLICABLE`.
    pub(crate) client_id: Option<&'a str>,
    pub(crate) username: &'a str,
    pub(crate) request: Map<String, Value>,
    /// The envelope's `version` ("1"; PreTokenGeneration V2_0 and V3_0 send "2" and "3").
    pub(crate) version: &'a str,
}

/// The function a pool names for `trigger`, if any. PreTokenGeneration may be given the old way (a bare ARN) or
/// with `PreTokenGenerationConfig` (which wins); the custom senders are objects with a `LambdaArn`.
pub(crate) fn function_of(pool: &UserPool, trigger: Trigger) -> Option<&str> {
    let config = &pool.lambda_config;
    let member = |name: &str| config.get(name).filter(|v| !v.is_null());
    match trigger {
        Trigger::PreTokenGeneration => member("PreTokenGenerationConfig")
            .and_then(|c| c.get("LambdaArn"))
            .or_else(|| member("PreTokenGeneration"))
            .and_then(Value::as_str),
        Trigger::CustomEmailSender | Trigger::CustomSmsSender => member(trigger.name())
            .and_then(|c| c.get("LambdaArn"))
            .and_then(Value::as_str),
        _ => member(trigger.name()).and_then(Value::as_str),
    }
    .filter(|arn| !arn.is_empty())
}

/// Whether `pool` names a function for `trigger`.
pub(crate) fn configured(pool: &UserPool, trigger: Trigger) -> bool {
    function_of(pool, trigger).is_some()
}

/// The error a caller sees when `trigger`'s function failed.
pub(crate) fn invocation_error(trigger: Trigger, failure: &FunctionFailure) -> CognitoError {
    match failure {
        FunctionFailure::Failed(message) => CognitoError::new(
            ErrorKind::UserLambdaValidationException,
            format!("{} failed with error {message}.", trigger.name()),
        ),
        FunctionFailure::Malformed(_) => CognitoError::new(
            ErrorKind::InvalidLambdaResponseException,
            "Unrecognizable lambda output",
        ),
        FunctionFailure::Unreachable(_) => CognitoError::new(
            ErrorKind::UnexpectedLambdaException,
            format!(
                "{} invocation failed due to error AccessDeniedException.",
                trigger.name()
            ),
        ),
        FunctionFailure::TimedOut(_) => CognitoError::new(
            ErrorKind::UnexpectedLambdaException,
            format!(
                "{} invocation failed due to error Socket timeout while invoking Lambda function.",
                trigger.name()
            ),
        ),
    }
}

impl Latchkey {
    /// Invokes the pool's function for `call.trigger` and returns its answer's `response` object; `None` when
    /// the pool names no function for it. A failed invocation is Cognito's error for it (and is logged here with
    /// its detail, which the caller never sees).
    pub(crate) async fn fire(&self, call: TriggerCall<'_>) -> Result<Option<Map<String, Value>>> {
        self.fire_prefilled(call, Map::new()).await
    }

    /// `fire`, with the event's `response` pre-filled as Cognito fills it for triggers whose answer members it
    /// sends as `null` (CustomMessage's messages), so functions that parse the event strictly find them.
    pub(crate) async fn fire_prefilled(
        &self,
        call: TriggerCall<'_>,
        response: Map<String, Value>,
    ) -> Result<Option<Map<String, Value>>> {
        let Some(arn) = function_of(call.pool, call.trigger) else {
            return Ok(None);
        };
        let context = TriggerContext::current();
        let mut request = call.request;
        // PreAuthentication receives ClientMetadata as its validationData only.
        if context.metadata_to_functions
            && !context.client_metadata.is_empty()
            && call.trigger != Trigger::PreAuthentication
        {
            request.insert("clientMetadata".into(), json!(context.client_metadata));
        }
        let event = json!({
            "version": call.version,
            "triggerSource": call.source,
            "region": call.pool.region(),
            "userPoolId": call.pool.id,
            "userName": call.username,
            "callerContext": {
                "awsSdkVersion": if context.sdk_version.is_empty() {
                    "aws-sdk-unknown-unknown".to_string()
                } else {
                    context.sdk_version
                },
                "clientId": call.client_id.unwrap_or("CLIENT_ID_NOT_APPLICABLE"),
            },
            "request": request,
            "response": response,
        });
        let answer = self
            .functions
            .invoke(call.trigger, arn, &event)
            .await
            .and_then(|answer| match answer {
                Value::Object(mut event) => match event.remove("response") {
                    Some(Value::Object(response)) => Ok(response),
                    None | Some(Value::Null) => Ok(Map::new()),
                    Some(_) => Err(FunctionFailure::Malformed("`response` is not an object".into())),
                },
                _ => Err(FunctionFailure::Malformed(
                    "the answer is not an event object".into(),
                )),
            });
        match answer {
            Ok(response) => Ok(Some(response)),
            Err(failure) => {
                let detail = match &failure {
                    FunctionFailure::Failed(m)
                    | FunctionFailure::Malformed(m)
                    | FunctionFailure::Unreachable(m)
                    | FunctionFailure::TimedOut(m) => m,
                };
                tracing::warn!(
                    pool_id = %call.pool.id,
                    trigger = call.trigger.name(),
                    source = call.source,
                    function = %arn.escape_debug(),
                    detail = %detail.escape_debug(),
                    "trigger failed"
                );
                Err(invocation_error(call.trigger, &failure))
            }
        }
    }
}

/// A member of a trigger's answer that must be a boolean when present (`autoConfirmUser`, `answerCorrect`):
/// absent or null is `false`, anything else is a malformed answer.
pub(crate) fn flag(trigger: Trigger, response: &Map<String, Value>, name: &str) -> Result<bool> {
    match response.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(invocation_error(
            trigger,
            &FunctionFailure::Malformed(format!("{name} is not a boolean")),
        )),
    }
}

/// `userAttributes` as events carry them: every attribute as a string, Latchkey's own (`dev:`) left out, and
/// `cognito:user_status` as Cognito adds it.
pub(crate) fn user_attributes(user: &crate::users::User) -> Map<String, Value> {
    let mut out: Map<String, Value> = user
        .attributes
        .iter()
        .filter(|(k, _)| !k.starts_with("dev:"))
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    out.insert("sub".into(), json!(user.sub));
    out.insert("cognito:user_status".into(), json!(user.status));
    out
}
