//! What a sign-in step answers (tokens or the next challenge, and its wire form) and the refusals every sign-in
//! flow shares: the password, SRP, device and NEW_PASSWORD_REQUIRED steps all end here, so none of them needs
//! another's module.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::error::{CognitoError, ErrorKind, Result};
use crate::tokens::AuthenticationResult;

/// What a sign-in step answers: tokens, or the next challenge.
#[derive(Debug)]
pub enum AuthOutcome {
    Tokens(AuthenticationResult),
    Challenge {
        name: String,
        /// None for PASSWORD_VERIFIER, whose state travels in SECRET_BLOCK.
        session: Option<String>,
        parameters: Map<String, Value>,
    },
    /// USER_AUTH's SELECT_CHALLENGE: the first factors the user may choose from (`AvailableChallenges`).
    SelectChallenge {
        session: String,
        available: Vec<String>,
    },
}

impl AuthOutcome {
    /// The InitiateAuth / RespondToAuthChallenge response body. A PASSWORD_VERIFIER challenge carries no Session
    /// (Cognito sends none for it).
    pub fn to_wire(&self) -> Value {
        match self {
            AuthOutcome::Tokens(t) => json!({"AuthenticationResult": t, "ChallengeParameters": {}}),
            AuthOutcome::Challenge {
                name,
                session,
                parameters,
            } => {
                let mut v = json!({"ChallengeName": name, "ChallengeParameters": parameters});
                if let Some(s) = session {
                    v["Session"] = json!(s);
                }
                v
            }
            AuthOutcome::SelectChallenge { session, available } => json!({
                "ChallengeName": "SELECT_CHALLENGE",
                "ChallengeParameters": {},
                "Session": session,
                "AvailableChallenges": available,
            }),
        }
    }
}

/// A wrong password or proof, and every other refusal that must not say which part was wrong.
pub fn incorrect() -> CognitoError {
    CognitoError::new(
        ErrorKind::NotAuthorizedException,
        "Incorrect username or password.",
    )
}

/// A Session or SECRET_BLOCK that is forged, foreign, spent or too old.
pub(crate) fn session_expired() -> CognitoError {
    CognitoError::new(
        ErrorKind::NotAuthorizedException,
        "Invalid session for the user, session is expired.",
    )
}

/// A parameter a challenge response must carry.
pub(crate) fn required<'a>(responses: &'a BTreeMap<String, String>, name: &str) -> Result<&'a str> {
    responses
        .get(name)
        .map(String::as_str)
        .ok_or_else(|| CognitoError::invalid_parameter(format!("Missing required parameter {name}")))
}
