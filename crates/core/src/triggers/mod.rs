//! Lambda triggers: the `Functions` port through which core invokes a pool's functions (the binary wires the
//! Lambda Invoke API or signed webhooks behind it), the request context a trigger's event carries
//! (ClientMetadata, the caller's SDK), the common envelope and Cognito's errors for a failed invocation
//! (`invoke`), and one module per trigger family that builds its event and reads its answer.
//!
//! A use case fires a trigger through the `Latchkey::pre_sign_up`-style helpers of these modules, never by
//! building an event itself, so every event has Cognito's exact shape in one place.

mod authentication;
mod context;
mod custom_auth;
mod custom_message;
mod custom_sender;
mod invoke;
mod migration;
mod occasion;
mod sign_up;
mod token_generation;

use async_trait::async_trait;
use serde_json::Value;

pub use context::{with_context, TriggerContext};
pub use custom_auth::ChallengeResult;
pub(crate) use custom_auth::{not_configured, oversized_challenge, unsupported_challenge, Decision, Subject};
pub(crate) use invoke::configured;
pub(crate) use occasion::{MessageSource, Occasion};
pub(crate) use sign_up::{PostConfirmationSource, PreSignUpSource};
pub use token_generation::TokenSource;
pub(crate) use token_generation::TokenSubject;

/// Why a function gave no usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FunctionFailure {
    /// The function ran and failed (it threw, or its runtime reported an error): the error's message, which
    /// Cognito passes on to the caller.
    Failed(String),
    /// The function answered something that is not an event: for the log only.
    Malformed(String),
    /// The function could not be invoked: nothing is configured for it, its endpoint is unreachable or failed.
    /// For the log only.
    Unreachable(String),
    /// Every attempt timed out. For the log only.
    TimedOut(String),
}

/// Runs a function by the ARN a pool's `LambdaConfig` names, with an event, and returns its answer.
///
/// Implementations own the transport, the per-attempt timeout and the retries; core owns the events, the
/// answers' meaning and the errors callers see.
#[async_trait]
pub trait Functions: Send + Sync {
    async fn invoke(&self, trigger: Trigger, arn: &str, event: &Value) -> Result<Value, FunctionFailure>;
}

/// What a deployment with neither a Lambda endpoint nor webhooks has: every configured trigger fails as an
/// unreachable function would in AWS (a pool naming a trigger must not silently skip it).
#[derive(Debug, Default)]
pub struct NoFunctions;

#[async_trait]
impl Functions for NoFunctions {
    async fn invoke(&self, _trigger: Trigger, arn: &str, _event: &Value) -> Result<Value, FunctionFailure> {
        Err(FunctionFailure::Unreachable(format!(
            "no Lambda endpoint or webhook is configured to run {arn}"
        )))
    }
}

/// The triggers a pool's `LambdaConfig` can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trigger {
    PreSignUp,
    PostConfirmation,
    PreAuthentication,
    PostAuthentication,
    PreTokenGeneration,
    CustomMessage,
    UserMigration,
    DefineAuthChallenge,
    CreateAuthChallenge,
    VerifyAuthChallengeResponse,
    CustomEmailSender,
    CustomSmsSender,
}

impl Trigger {
    /// The trigger's name in error messages and metrics, and (but for the senders) its `LambdaConfig` member.
    pub fn name(self) -> &'static str {
        match self {
            Trigger::PreSignUp => "PreSignUp",
            Trigger::PostConfirmation => "PostConfirmation",
            Trigger::PreAuthentication => "PreAuthentication",
            Trigger::PostAuthentication => "PostAuthentication",
            Trigger::PreTokenGeneration => "PreTokenGeneration",
            Trigger::CustomMessage => "CustomMessage",
            Trigger::UserMigration => "UserMigration",
            Trigger::DefineAuthChallenge => "DefineAuthChallenge",
            Trigger::CreateAuthChallenge => "CreateAuthChallenge",
            Trigger::VerifyAuthChallengeResponse => "VerifyAuthChallengeResponse",
            Trigger::CustomEmailSender => "CustomEmailSender",
            Trigger::CustomSmsSender => "CustomSMSSender",
        }
    }
}
