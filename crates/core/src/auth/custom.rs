//! CUSTOM_AUTH: a sign-in the pool's functions drive. DefineAuthChallenge reads the session history and decides;
//! CreateAuthChallenge asks (its public parameters go to the app with USERNAME, its private ones stay in the sealed
//! Session); VerifyAuthChallengeResponse judges the ANSWER of each CUSTOM_CHALLENGE; the loop repeats until the
//! function issues tokens or fails the sign-in ("Incorrect username or password.").
//!
//! With `CHALLENGE_NAME: SRP_A` the sign-in starts with the password, as Cognito's does: DefineAuthChallenge sees
//! `[SRP_A]`, answers PASSWORD_VERIFIER, the SRP proof is checked (and counts toward lockout as in USER_SRP_AUTH),
//! a user holding a temporary password sets a new one (NEW_PASSWORD_REQUIRED), and DefineAuthChallenge goes on from
//! `[SRP_A, PASSWORD_VERIFIER(, NEW_PASSWORD_REQUIRED)]`. Wrong custom answers do not count toward lockout: in
//! Cognito the functions own that decision (amplify-js#10171).
//!
//! Tokens go the way of the other flows: MFA when a password was proven (Cognito ties MFA to PASSWORD_VERIFIER and
//! asks none in a passwordless custom sign-in, amplify-js#12887), then a remembered device's challenge,
//! PostAuthentication and tokens. Every step's Session is sealed, valid for the client's AuthSessionValidity, and
//! used once.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::challenge::ChallengeAnswer;
use super::client::{names_of, ClientProof};
use super::first_factor::FirstFactorStep;
use super::outcome::{incorrect, required, session_expired, AuthOutcome};
use super::session::SessionState;
use super::srp::parse_srp_a;
use crate::clients::AppClient;
use crate::error::{CognitoError, ErrorKind, Result};
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::triggers::{
    configured, not_configured, oversized_challenge, unsupported_challenge, ChallengeResult, Decision,
    Subject, TokenSource, Trigger,
};
use crate::users::names::fold;
use crate::users::User;

const CUSTOM_CHALLENGE: &str = "CUSTOM_CHALLENGE";
const PASSWORD_VERIFIER: &str = "PASSWORD_VERIFIER";
const NEW_PASSWORD_REQUIRED: &str = "NEW_PASSWORD_REQUIRED";

/// The most challenges one custom sign-in presents. AWS documents no limit of its own; this one is Latchkey's, so
/// that a DefineAuthChallenge that never decides cannot keep a sign-in open forever, and the history (which travels
/// in the Session) stays within what a Session may hold.
pub const MAX_CUSTOM_ROUNDS: usize = 16;

/// The longest Session the API accepts (`SessionType`, 4096 characters).
const MAX_SESSION_CHARS: usize = 4096;

/// What a custom sign-in carries from one step to the next, sealed in its Session: the `session` history the
/// functions see, whether the user was not found, and the open challenge's private parameters and metadata (which
/// only VerifyAuthChallengeResponse and the history may see). Short names keep the Session small.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomAuthState {
    #[serde(rename = "h", default)]
    pub history: Vec<ChallengeResult>,
    #[serde(rename = "nf", default, skip_serializing_if = "std::ops::Not::not")]
    pub user_not_found: bool,
    #[serde(rename = "p", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub private: BTreeMap<String, String>,
    #[serde(rename = "m", default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<String>,
}

/// One custom sign-in: where it is addressed, about whom, and the device it goes on with.
#[derive(Clone, Copy)]
struct Flow<'a> {
    pool: &'a UserPool,
    client: &'a AppClient,
    user: Option<&'a User>,
    /// The internal username, or the name typed for a user who does not exist.
    username: &'a str,
    device_key: Option<&'a str>,
}

impl<'a> Flow<'a> {
    fn subject(&self) -> Subject<'a> {
        Subject {
            user: self.user,
            name: self.username,
            hides_existence: self.client.hides_user_existence(),
        }
    }
}

impl Latchkey {
    /// InitiateAuth / AdminInitiateAuth with CUSTOM_AUTH: USERNAME, SECRET_HASH, DEVICE_KEY, and CHALLENGE_NAME
    /// SRP_A with SRP_A to prove the password first.
    pub(crate) async fn custom_auth(
        &self,
        pool: &UserPool,
        client: &AppClient,
        parameters: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        if !configured(pool, Trigger::DefineAuthChallenge) {
            return Err(not_configured());
        }
        let typed = required(parameters, "USERNAME")?;
        let secret_hash = parameters.get("SECRET_HASH").map(String::as_str);
        // With SRP_A the exchange's subject is found (and SECRET_HASH checked) as USER_SRP_AUTH finds it.
        let srp = match parameters.get("CHALLENGE_NAME").map(String::as_str) {
            Some("SRP_A") => {
                let a_pub = parse_srp_a(required(parameters, "SRP_A")?)?;
                Some((a_pub, self.srp_subject(pool, client, typed, secret_hash).await?))
            }
            _ => None,
        };
        let user = match &srp {
            Some((_, subject)) => subject.user.clone(),
            None => {
                let user = self.user_for_sign_in(pool, client, typed).await?;
                let names = user.as_ref().map_or_else(|| vec![typed], |u| names_of(typed, u));
                ClientProof::SecretHash(secret_hash).check(self, client, &names)?;
                user
            }
        };
        self.pre_authentication(pool, &client.client_id, user.as_ref(), typed)
            .await?;
        let flow = Flow {
            pool,
            client,
            user: user.as_ref(),
            username: user.as_ref().map_or(typed, |u| u.username.as_str()),
            device_key: parameters.get("DEVICE_KEY").map(String::as_str),
        };
        let Some((a_pub, subject)) = srp else {
            let decision = self.define(flow, &[]).await?;
            return self.follow(flow, Vec::new(), decision).await;
        };
        let history = vec![ChallengeResult::new("SRP_A", true, None)];
        let decision = self.define(flow, &history).await?;
        if decision != Decision::Challenge(PASSWORD_VERIFIER.into()) {
            return self.follow(flow, history, decision).await;
        }
        let parameters = self.srp_challenge(pool, client, subject, &a_pub, flow.device_key, true)?;
        let state = CustomAuthState {
            history,
            user_not_found: flow.user.is_none(),
            ..CustomAuthState::default()
        };
        Ok(AuthOutcome::Challenge {
            name: PASSWORD_VERIFIER.into(),
            session: Some(self.seal_custom(flow, PASSWORD_VERIFIER, state)?),
            parameters,
        })
    }

    async fn define(&self, flow: Flow<'_>, history: &[ChallengeResult]) -> Result<Decision> {
        self.define_auth_challenge(flow.pool, &flow.client.client_id, flow.subject(), history)
            .await
    }

    /// Where DefineAuthChallenge's `decision` leads, after `history`.
    async fn follow(
        &self,
        flow: Flow<'_>,
        history: Vec<ChallengeResult>,
        decision: Decision,
    ) -> Result<AuthOutcome> {
        let name = match decision {
            Decision::Fail => return Err(incorrect()),
            Decision::IssueTokens => return self.custom_sign_in(flow, &history).await,
            Decision::Challenge(name) if name == CUSTOM_CHALLENGE => name,
            Decision::Challenge(other) => return Err(unsupported_challenge(flow.pool, &other)),
        };
        if history.len() >= MAX_CUSTOM_ROUNDS {
            tracing::info!(pool_id = %flow.pool.id, "custom sign-in ended after the most rounds Latchkey allows");
            return Err(incorrect());
        }
        let client_id = &flow.client.client_id;
        let created = self
            .create_auth_challenge(flow.pool, client_id, flow.subject(), &name, &history)
            .await?;
        let state = CustomAuthState {
            history,
            user_not_found: flow.user.is_none(),
            private: created.private,
            metadata: created.metadata,
        };
        let session = self.seal_custom(flow, CUSTOM_CHALLENGE, state)?;
        let mut parameters: Map<String, Value> = created
            .public
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        parameters.insert("USERNAME".into(), json!(flow.username));
        Ok(AuthOutcome::Challenge {
            name,
            session: Some(session),
            parameters,
        })
    }

    /// DefineAuthChallenge issued tokens: a user who exists and may sign in goes on as in every flow.
    async fn custom_sign_in(&self, flow: Flow<'_>, history: &[ChallengeResult]) -> Result<AuthOutcome> {
        let Some(user) = flow.user else {
            return Err(incorrect());
        };
        let password_proven = history
            .iter()
            .any(|r| r.challenge_name == PASSWORD_VERIFIER && r.challenge_result);
        // A user who still holds a temporary password has not finished signing up: tokens go to them only after
        // they chose a password (NEW_PASSWORD_REQUIRED, which a custom sign-in reaches through SRP_A).
        if self.first_factor_step(user)? != FirstFactorStep::SignIn {
            return Err(CognitoError::new(
                ErrorKind::NotAuthorizedException,
                format!("User cannot sign in in status {}.", user.status),
            ));
        }
        let (pool, client, device_key) = (flow.pool, flow.client, flow.device_key);
        if password_proven {
            self.second_factor(pool, client, user, device_key, TokenSource::Authentication)
                .await
        } else {
            self.complete_sign_in(pool, client, user, device_key, TokenSource::Authentication)
                .await
        }
    }

    /// The Session of a custom sign-in's next step `challenge`, carrying `state`.
    fn seal_custom(&self, flow: Flow<'_>, challenge: &str, state: CustomAuthState) -> Result<String> {
        let sealed = self.seal_state(&SessionState {
            custom: Some(state),
            ..self.session_state(flow.client, flow.username, challenge, flow.device_key)
        });
        if sealed.len() > MAX_SESSION_CHARS {
            return Err(oversized_challenge());
        }
        Ok(sealed)
    }

    /// RespondToAuthChallenge CUSTOM_CHALLENGE: USERNAME and ANSWER, with the Session of the challenge.
    pub(crate) async fn respond_custom_challenge(&self, answer: ChallengeAnswer<'_>) -> Result<AuthOutcome> {
        let (pool, client, responses) = (answer.pool, answer.client, answer.responses);
        let session = answer
            .session
            .ok_or_else(|| CognitoError::invalid_parameter("Missing required parameter Session"))?;
        let state = self.open_session(client, CUSTOM_CHALLENGE, Some(session))?;
        let custom = state.custom.clone().ok_or_else(session_expired)?;
        self.check_unspent(session).await?;
        let typed = required(responses, "USERNAME")?;
        let reply = required(responses, "ANSWER")?;
        let secret_hash = responses.get("SECRET_HASH").map(String::as_str);
        let user = if custom.user_not_found {
            if fold(pool, typed) != fold(pool, &state.username) {
                return Err(session_expired());
            }
            self.check_secret_hash(client, &[typed, state.username.as_str()], secret_hash)?;
            None
        } else {
            let user = self
                .find_by_sign_in_name(pool, typed)
                .await?
                .filter(|u| u.username == state.username)
                .ok_or_else(session_expired)?;
            self.check_secret_hash(client, &names_of(typed, &user), secret_hash)?;
            Some(user)
        };
        // Spent before the functions run: an answer is judged once, even when two arrive together.
        self.spend_session(session, state.expires).await?;
        let flow = Flow {
            pool,
            client,
            user: user.as_ref(),
            username: &state.username,
            device_key: state.device_key.as_deref(),
        };
        let correct = self
            .verify_auth_challenge_response(pool, &client.client_id, flow.subject(), &custom.private, reply)
            .await?;
        let mut history = custom.history;
        history.push(ChallengeResult::new(CUSTOM_CHALLENGE, correct, custom.metadata));
        let decision = self.define(flow, &history).await?;
        self.follow(flow, history, decision).await
    }

    /// The Session that must come with a PASSWORD_VERIFIER answer of a custom sign-in about `username`, checked
    /// (unspent, this client's, this sign-in's) before the password proof is judged.
    pub(crate) async fn custom_password_session(
        &self,
        answer: ChallengeAnswer<'_>,
        username: &str,
    ) -> Result<SessionState> {
        let state = self.open_session(answer.client, PASSWORD_VERIFIER, answer.session)?;
        if state.custom.is_none() || state.username != username {
            return Err(session_expired());
        }
        self.check_unspent(answer.session.unwrap_or_default()).await?;
        Ok(state)
    }

    /// The password of a custom sign-in is proven: DefineAuthChallenge goes on from `[SRP_A, PASSWORD_VERIFIER]`,
    /// unless the user must first replace a temporary password.
    pub(crate) async fn custom_after_password(
        &self,
        answer: ChallengeAnswer<'_>,
        user: User,
        state: SessionState,
    ) -> Result<AuthOutcome> {
        self.spend_session(answer.session.unwrap_or_default(), state.expires)
            .await?;
        let mut custom = state.custom.unwrap_or_default();
        custom
            .history
            .push(ChallengeResult::new(PASSWORD_VERIFIER, true, None));
        let flow = Flow {
            pool: answer.pool,
            client: answer.client,
            user: Some(&user),
            username: &user.username,
            device_key: state.device_key.as_deref(),
        };
        if self.first_factor_step(&user)? == FirstFactorStep::NewPasswordRequired {
            let session = self.seal_custom(flow, NEW_PASSWORD_REQUIRED, custom)?;
            return Ok(
                match self.new_password_challenge(answer.pool, answer.client, &user) {
                    AuthOutcome::Challenge { name, parameters, .. } => AuthOutcome::Challenge {
                        name,
                        session: Some(session),
                        parameters,
                    },
                    other => other,
                },
            );
        }
        let decision = self.define(flow, &custom.history).await?;
        self.follow(flow, custom.history, decision).await
    }

    /// After NEW_PASSWORD_REQUIRED set `user`'s password: when that was a step of a custom sign-in, the next one
    /// (DefineAuthChallenge with NEW_PASSWORD_REQUIRED added to the history); `None` for any other sign-in.
    pub(crate) async fn custom_after_new_password(
        &self,
        answer: ChallengeAnswer<'_>,
        user: &User,
    ) -> Result<Option<AuthOutcome>> {
        let state = self.open_session(answer.client, NEW_PASSWORD_REQUIRED, answer.session)?;
        let Some(mut custom) = state.custom else {
            return Ok(None);
        };
        custom
            .history
            .push(ChallengeResult::new(NEW_PASSWORD_REQUIRED, true, None));
        let flow = Flow {
            pool: answer.pool,
            client: answer.client,
            user: Some(user),
            username: &user.username,
            device_key: state.device_key.as_deref(),
        };
        let decision = self.define(flow, &custom.history).await?;
        self.follow(flow, custom.history, decision).await.map(Some)
    }
}
