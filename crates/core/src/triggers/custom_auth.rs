//! The custom authentication challenge triggers of a CUSTOM_AUTH sign-in: DefineAuthChallenge (which step comes
//! next, from the session history), CreateAuthChallenge (the question: public parameters for the app, private
//! ones for the verifier) and VerifyAuthChallengeResponse (whether the answer is right), with the request and
//! response shapes AWS documents for each.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::invoke::{flag, invocation_error, user_attributes, TriggerCall};
use super::{FunctionFailure, Trigger};
use crate::error::{CognitoError, Result};
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::users::User;

/// One entry of the `session` array: a challenge presented during this sign-in and how it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeResult {
    pub challenge_name: String,
    pub challenge_result: bool,
    /// CreateAuthChallenge's `challengeMetadata` for a CUSTOM_CHALLENGE; null for the others.
    pub challenge_metadata: Option<String>,
}

impl ChallengeResult {
    pub fn new(name: &str, result: bool, metadata: Option<String>) -> Self {
        Self {
            challenge_name: name.into(),
            challenge_result: result,
            challenge_metadata: metadata,
        }
    }
}

/// Whom a custom sign-in is about: the user, or (when the client hides user existence) the name typed for one
/// who does not exist, which every event reports as `userNotFound`.
#[derive(Clone, Copy)]
pub(crate) struct Subject<'a> {
    pub(crate) user: Option<&'a User>,
    pub(crate) name: &'a str,
    /// Whether the app client hides user existence: only then does Cognito populate `userNotFound`.
    pub(crate) hides_existence: bool,
}

impl Subject<'_> {
    /// `userAttributes` and `userNotFound`, the members every one of the three requests starts with.
    fn request(&self) -> Map<String, Value> {
        let mut request = Map::new();
        let attributes = self.user.map(user_attributes).unwrap_or_default();
        request.insert("userAttributes".into(), Value::Object(attributes));
        if self.hides_existence {
            request.insert("userNotFound".into(), json!(self.user.is_none()));
        }
        request
    }

    fn username(&self) -> &str {
        self.user.map_or(self.name, |u| u.username.as_str())
    }
}

/// DefineAuthChallenge's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    IssueTokens,
    Fail,
    /// Present this challenge next (CUSTOM_CHALLENGE, or PASSWORD_VERIFIER after SRP_A).
    Challenge(String),
}

/// CreateAuthChallenge's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Created {
    pub(crate) public: BTreeMap<String, String>,
    pub(crate) private: BTreeMap<String, String>,
    pub(crate) metadata: Option<String>,
}

/// What a pool without the function a custom sign-in needs answers, in Cognito's words.
pub(crate) fn not_configured() -> CognitoError {
    CognitoError::invalid_parameter("Custom auth lambda trigger is not configured for the user pool.")
}

fn malformed(trigger: Trigger, why: &str) -> CognitoError {
    invocation_error(trigger, &FunctionFailure::Malformed(why.into()))
}

/// A `{string: string}` member of an answer (challenge parameters): absent or null is empty; numbers and booleans
/// are read as their text, as a Node or Python function naturally returns them; anything else is malformed.
fn string_map(
    trigger: Trigger,
    response: &Map<String, Value>,
    name: &str,
) -> Result<BTreeMap<String, String>> {
    let object = match response.get(name) {
        None | Some(Value::Null) => return Ok(BTreeMap::new()),
        Some(Value::Object(o)) => o,
        Some(_) => return Err(malformed(trigger, &format!("{name} is not an object"))),
    };
    object
        .iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return Err(malformed(trigger, &format!("a value of {name} is not a string"))),
            };
            Ok((k.clone(), text))
        })
        .collect()
}

impl Latchkey {
    /// Fires one of the three challenge triggers about `subject` with `request` (its own members), and returns the
    /// answer's `response`; a pool that names no function for it cannot run a custom sign-in.
    async fn fire_challenge(
        &self,
        trigger: Trigger,
        pool: &UserPool,
        client_id: &str,
        subject: Subject<'_>,
        members: Map<String, Value>,
    ) -> Result<Map<String, Value>> {
        let mut request = subject.request();
        request.extend(members);
        self.fire(TriggerCall {
            trigger,
            source: match trigger {
                Trigger::DefineAuthChallenge => "DefineAuthChallenge_Authentication",
                Trigger::CreateAuthChallenge => "CreateAuthChallenge_Authentication",
                _ => "VerifyAuthChallengeResponse_Authentication",
            },
            pool,
            client_id: Some(client_id),
            username: subject.username(),
            request,
            version: "1",
        })
        .await?
        .ok_or_else(not_configured)
    }

    /// Fires DefineAuthChallenge with the sign-in's `history`: tokens, failure, or the next challenge.
    pub(crate) async fn define_auth_challenge(
        &self,
        pool: &UserPool,
        client_id: &str,
        subject: Subject<'_>,
        history: &[ChallengeResult],
    ) -> Result<Decision> {
        let trigger = Trigger::DefineAuthChallenge;
        let mut members = Map::new();
        members.insert("session".into(), json!(history));
        let response = self
            .fire_challenge(trigger, pool, client_id, subject, members)
            .await?;
        // failAuthentication wins over issueTokens: a function that says both has not let the user in.
        if flag(trigger, &response, "failAuthentication")? {
            return Ok(Decision::Fail);
        }
        if flag(trigger, &response, "issueTokens")? {
            return Ok(Decision::IssueTokens);
        }
        match response.get("challengeName") {
            Some(Value::String(name)) if !name.is_empty() => Ok(Decision::Challenge(name.clone())),
            _ => Err(malformed(trigger, "neither a challenge, tokens nor a failure")),
        }
    }

    /// Fires CreateAuthChallenge for the challenge `name` DefineAuthChallenge chose.
    pub(crate) async fn create_auth_challenge(
        &self,
        pool: &UserPool,
        client_id: &str,
        subject: Subject<'_>,
        name: &str,
        history: &[ChallengeResult],
    ) -> Result<Created> {
        let trigger = Trigger::CreateAuthChallenge;
        let mut members = Map::new();
        members.insert("challengeName".into(), json!(name));
        members.insert("session".into(), json!(history));
        let response = self
            .fire_challenge(trigger, pool, client_id, subject, members)
            .await?;
        let metadata = match response.get("challengeMetadata") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(malformed(trigger, "challengeMetadata is not a string")),
        };
        Ok(Created {
            public: string_map(trigger, &response, "publicChallengeParameters")?,
            private: string_map(trigger, &response, "privateChallengeParameters")?,
            metadata,
        })
    }

    /// Fires VerifyAuthChallengeResponse with the app's `answer` and the open challenge's private parameters.
    pub(crate) async fn verify_auth_challenge_response(
        &self,
        pool: &UserPool,
        client_id: &str,
        subject: Subject<'_>,
        private: &BTreeMap<String, String>,
        answer: &str,
    ) -> Result<bool> {
        let trigger = Trigger::VerifyAuthChallengeResponse;
        let mut members = Map::new();
        members.insert("privateChallengeParameters".into(), json!(private));
        members.insert("challengeAnswer".into(), json!(answer));
        let response = self
            .fire_challenge(trigger, pool, client_id, subject, members)
            .await?;
        flag(trigger, &response, "answerCorrect")
    }
}

/// The error for a DefineAuthChallenge answer naming a challenge this flow cannot present (SMS_MFA, a
/// PASSWORD_VERIFIER without SRP_A): an answer Cognito cannot use, as `InvalidLambdaResponseException`.
pub(crate) fn unsupported_challenge(pool: &UserPool, name: &str) -> CognitoError {
    tracing::warn!(pool_id = %pool.id, challenge = %name.escape_debug(), "DefineAuthChallenge chose a challenge that cannot be presented");
    malformed(Trigger::DefineAuthChallenge, "unsupported challenge")
}

/// The error for a challenge whose state cannot travel in a Session (`SessionType` is at most 4096 characters):
/// CreateAuthChallenge's parameters are more than a sign-in can carry.
pub(crate) fn oversized_challenge() -> CognitoError {
    malformed(Trigger::CreateAuthChallenge, "challenge parameters too large")
}
