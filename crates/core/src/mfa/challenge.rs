//! The second step of a sign-in: after the first factor, the pool's MfaConfiguration and the user's factors say
//! whether a code is asked for (SOFTWARE_TOKEN_MFA, EMAIL_OTP, SMS_MFA), the user chooses one (SELECT_MFA_TYPE),
//! or must set one up first (MFA_SETUP); and the answers to those challenges. A remembered device skips it, as in
//! Cognito. Wrong codes count toward the user's lockout like wrong passwords.

use serde_json::{json, Map, Value};

use super::codes::channel;
use super::model::{usable_factors, MfaFactor};
use super::totp;
use crate::auth::{names_of, required, session_expired, AuthOutcome, ChallengeAnswer, ClientProof};
use crate::auth::{FirstFactorStep, SessionState, Verdict};
use crate::clients::AppClient;
use crate::error::{CognitoError, ErrorKind, Result};
use crate::mail::{mask_destination, Channel};
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::triggers::TokenSource;
use crate::users::{User, STATUS_CONFIRMED};

/// What a user who proved their first factor owes next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MfaStep {
    /// Nothing: MFA is off, or optional and the user has no factor.
    Nothing,
    Code(MfaFactor),
    Choose(Vec<MfaFactor>),
    /// MFA is required and the user has no factor: one of these must be set up during the sign-in.
    SetUp(Vec<MfaFactor>),
}

/// Where an answer to an MFA challenge leads: the second factor is proven (the sign-in completes as the API or
/// the hosted UI completes it), or to the next challenge.
#[derive(Debug)]
pub enum MfaProgress {
    Passed {
        user: Box<User>,
        device_key: Option<String>,
    },
    Next(AuthOutcome),
}

/// The challenges answered with a code or an MFA choice, by name (SMS_OTP is USER_AUTH's first factor by SMS).
pub const MFA_CHALLENGES: [&str; 6] = [
    "SOFTWARE_TOKEN_MFA",
    "SMS_MFA",
    "EMAIL_OTP",
    "SMS_OTP",
    "SELECT_MFA_TYPE",
    "MFA_SETUP",
];

/// A wrong MFA code, in Cognito's words.
pub(crate) fn code_mismatch() -> CognitoError {
    CognitoError::new(
        ErrorKind::CodeMismatchException,
        "Invalid code or auth state for the user.",
    )
}

/// A list of factor names as a JSON-encoded string, the way MFAS_CAN_CHOOSE and MFAS_CAN_SETUP carry it.
fn name_list(factors: &[MfaFactor]) -> Value {
    let names: Vec<&str> = factors.iter().map(|f| f.name()).collect();
    Value::String(json!(names).to_string())
}

impl Latchkey {
    /// The second step `user` owes in `pool`.
    pub(crate) fn mfa_step(&self, pool: &UserPool, user: &User) -> MfaStep {
        if pool.mfa_off() {
            return MfaStep::Nothing;
        }
        let usable = usable_factors(pool, user);
        if usable.is_empty() {
            if !pool.requires_mfa() {
                return MfaStep::Nothing;
            }
            let can: Vec<MfaFactor> = MfaFactor::ALL.into_iter().filter(|f| pool.offers(*f)).collect();
            return MfaStep::SetUp(can);
        }
        match user.mfa.preferred.filter(|p| usable.contains(p)) {
            Some(p) => MfaStep::Code(p),
            None if usable.len() == 1 => MfaStep::Code(usable[0]),
            None => MfaStep::Choose(usable),
        }
    }

    /// Whether a sign-in of `user` that proved the first factor still owes a second.
    pub(crate) fn second_factor_follows(&self, pool: &UserPool, user: &User) -> bool {
        self.mfa_step(pool, user) != MfaStep::Nothing
    }

    /// After the first factor of a user who may sign in: the MFA challenge they owe, or the rest of the sign-in
    /// (tokens, or the device challenge) when they owe none or sign in on a remembered device.
    pub(crate) async fn second_factor(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        device_key: Option<&str>,
        source: TokenSource,
    ) -> Result<AuthOutcome> {
        let step = self.mfa_step(pool, user);
        if step == MfaStep::Nothing || self.on_remembered_device(pool, user, device_key).await? {
            return self
                .complete_sign_in(pool, client, user, device_key, source)
                .await;
        }
        self.mfa_challenge(pool, client, user, step, device_key).await
    }

    async fn on_remembered_device(
        &self,
        pool: &UserPool,
        user: &User,
        device_key: Option<&str>,
    ) -> Result<bool> {
        let Some(key) = device_key else {
            return Ok(false);
        };
        Ok(self
            .store
            .get_device(&pool.id, key)
            .await?
            .is_some_and(|d| d.username == user.username && d.confirmed() && d.remembered))
    }

    /// The challenge for `step`, sending the code when it is one that travels.
    pub(crate) async fn mfa_challenge(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        step: MfaStep,
        device_key: Option<&str>,
    ) -> Result<AuthOutcome> {
        let mut parameters = Map::new();
        parameters.insert("USER_ID_FOR_SRP".into(), json!(user.username));
        let name = match step {
            MfaStep::Nothing => {
                return self
                    .complete_sign_in(pool, client, user, device_key, TokenSource::Authentication)
                    .await
            }
            MfaStep::Code(factor) => {
                return self
                    .code_challenge(pool, client, user, factor, factor.name(), device_key)
                    .await
            }
            MfaStep::Choose(factors) => {
                parameters.insert("MFAS_CAN_CHOOSE".into(), name_list(&factors));
                "SELECT_MFA_TYPE"
            }
            MfaStep::SetUp(factors) => {
                parameters.insert("MFAS_CAN_SETUP".into(), name_list(&factors));
                "MFA_SETUP"
            }
        };
        let state = self.session_state(client, &user.username, name, device_key);
        Ok(AuthOutcome::Challenge {
            name: name.into(),
            session: Some(self.seal_state(&state)),
            parameters,
        })
    }

    /// The challenge `name` asking for `factor`'s code: the code sent first when it travels (email, SMS), and where
    /// it went in the parameters; the authenticator app's name for SOFTWARE_TOKEN_MFA. USER_AUTH's EMAIL_OTP and
    /// SMS_OTP first factors are the same challenge as the second factors.
    pub(crate) async fn code_challenge(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        factor: MfaFactor,
        name: &str,
        device_key: Option<&str>,
    ) -> Result<AuthOutcome> {
        let mut parameters = Map::new();
        parameters.insert("USER_ID_FOR_SRP".into(), json!(user.username));
        if let Some(app) = user
            .mfa
            .software_token
            .as_ref()
            .and_then(|t| t.friendly_name.as_ref())
            .filter(|_| factor == MfaFactor::SoftwareToken)
        {
            parameters.insert("FRIENDLY_DEVICE_NAME".into(), json!(app));
        }
        if let Some(attribute) = factor.attribute() {
            let to = user.attributes.get(attribute).cloned().unwrap_or_default();
            self.send_mfa_code(pool, client, user, factor, &to).await?;
            delivery_parameters(&mut parameters, factor, &to);
        }
        let state = self.session_state(client, &user.username, name, device_key);
        Ok(AuthOutcome::Challenge {
            name: name.into(),
            session: Some(self.seal_state(&state)),
            parameters,
        })
    }

    /// The user an MFA session is about, as the answer names them (USERNAME, any of their names), with the client
    /// proving itself as `proof` says, and still able to sign in.
    pub(crate) async fn mfa_session_user(
        &self,
        pool: &UserPool,
        client: &AppClient,
        state: &SessionState,
        responses: &std::collections::BTreeMap<String, String>,
        proof: ClientProof<'_>,
    ) -> Result<User> {
        let typed = required(responses, "USERNAME")?;
        let user = self
            .find_by_sign_in_name(pool, typed)
            .await?
            .filter(|u| u.username == state.username)
            .ok_or_else(session_expired)?;
        proof.check(self, client, &names_of(typed, &user))?;
        if self.first_factor_step(&user)? != FirstFactorStep::SignIn {
            return Err(session_expired());
        }
        Ok(user)
    }

    /// An answer to one of the MFA challenges (`MFA_CHALLENGES`), with the client proving itself as `proof`
    /// says.
    pub(crate) async fn mfa_answer(
        &self,
        answer: ChallengeAnswer<'_>,
        challenge: &str,
        proof: ClientProof<'_>,
    ) -> Result<MfaProgress> {
        match challenge {
            "SELECT_MFA_TYPE" => self
                .respond_select_mfa(answer, proof)
                .await
                .map(MfaProgress::Next),
            "MFA_SETUP" => self.respond_mfa_setup(answer, proof).await,
            // USER_AUTH's first factor by SMS: the SMS_MFA code, under its own names.
            "SMS_OTP" => {
                self.respond_mfa_code(answer, "SMS_OTP", MfaFactor::Sms, "SMS_OTP_CODE", proof)
                    .await
            }
            other => {
                let factor = MfaFactor::parse(other).ok_or_else(session_expired)?;
                self.respond_mfa_code(answer, other, factor, factor.code_member(), proof)
                    .await
            }
        }
    }

    /// SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP and SMS_OTP: the `challenge` asking for `factor`'s code in the
    /// response member `code_member`.
    async fn respond_mfa_code(
        &self,
        answer: ChallengeAnswer<'_>,
        challenge: &str,
        factor: MfaFactor,
        code_member: &str,
        proof: ClientProof<'_>,
    ) -> Result<MfaProgress> {
        let (pool, client) = (answer.pool, answer.client);
        let state = self.open_session(client, challenge, answer.session)?;
        self.check_unspent(answer.session.unwrap_or_default()).await?;
        let user = self
            .mfa_session_user(pool, client, &state, answer.responses, proof)
            .await?;
        let code = required(answer.responses, code_member)?;
        let mut user = self.judge_mfa_code(pool, user, factor, code).await?;
        self.spend_session(answer.session.unwrap_or_default(), state.expires)
            .await?;
        if let Some(email) = &state.setup_email {
            user = self.finish_email_setup(pool, &user, email).await?;
        }
        Ok(MfaProgress::Passed {
            user: Box::new(user),
            device_key: state.device_key,
        })
    }

    /// Judges an MFA code under the lockout rules; the user as read for the attempt when it holds.
    async fn judge_mfa_code(
        &self,
        pool: &UserPool,
        user: User,
        factor: MfaFactor,
        code: &str,
    ) -> Result<User> {
        let (user, verdict) = self
            .judge_proof(pool, user, |u| {
                let username = u.username.clone();
                let token = u.mfa.software_token.clone();
                async move {
                    match factor {
                        MfaFactor::SoftwareToken => match token {
                            Some(t) => self.accept_totp(pool, &username, &t.secret, code).await,
                            None => Ok(false),
                        },
                        _ => self.accept_sent_code(pool, &username, factor, code).await,
                    }
                }
            })
            .await?;
        match verdict {
            Verdict::Holds { after_failures } => {
                if after_failures {
                    self.clear_lockout(&pool.id, &user.username).await?;
                }
                Ok(user)
            }
            Verdict::Fails => Err(code_mismatch()),
        }
    }

    /// Whether `code` is the authenticator app's code now and newer than any accepted before; accepting it records
    /// its step, so the same code (or an older one) never works again, even on another node at the same moment.
    pub(crate) async fn accept_totp(
        &self,
        pool: &UserPool,
        username: &str,
        sealed: &str,
        code: &str,
    ) -> Result<bool> {
        let Some(step) = totp::matching_step(&self.secrets.master_key, sealed, code, self.clock.now()) else {
            return Ok(false);
        };
        let recorded = self
            .mutate_user(pool, username, |u| {
                let fresh = match u.mfa.software_token.as_mut() {
                    Some(t) if t.secret == sealed && t.last_step.is_none_or(|last| last < step) => {
                        t.last_step = Some(step);
                        true
                    }
                    _ => false,
                };
                Ok(fresh)
            })
            .await?;
        Ok(recorded.1)
    }

    /// Whether `code` is the code sent for `factor` (consumed if so). A code that expired or was invalidated by
    /// wrong guesses is as wrong as a mistyped one.
    async fn accept_sent_code(
        &self,
        pool: &UserPool,
        username: &str,
        factor: MfaFactor,
        code: &str,
    ) -> Result<bool> {
        match self
            .consume_code(&pool.id, username, factor.code_purpose(), code)
            .await
        {
            Ok(()) => Ok(true),
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::CodeMismatchException
                        | ErrorKind::ExpiredCodeException
                        | ErrorKind::LimitExceededException
                ) =>
            {
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// SELECT_MFA_TYPE: the factor the user chose (ANSWER), asked for next.
    async fn respond_select_mfa(
        &self,
        answer: ChallengeAnswer<'_>,
        proof: ClientProof<'_>,
    ) -> Result<AuthOutcome> {
        let (pool, client) = (answer.pool, answer.client);
        let state = self.open_session(client, "SELECT_MFA_TYPE", answer.session)?;
        let user = self
            .mfa_session_user(pool, client, &state, answer.responses, proof)
            .await?;
        let chosen = required(answer.responses, "ANSWER")?;
        // The API reference names email MFA EMAIL_MFA here; Amplify sends EMAIL_OTP.
        let factor = MfaFactor::parse(if chosen == "EMAIL_MFA" {
            "EMAIL_OTP"
        } else {
            chosen
        })
        .filter(|f| usable_factors(pool, &user).contains(f))
        .ok_or_else(|| CognitoError::invalid_parameter(format!("Invalid MFA type {chosen} for the user.")))?;
        self.mfa_challenge(
            pool,
            client,
            &user,
            MfaStep::Code(factor),
            state.device_key.as_deref(),
        )
        .await
    }

    /// MFA_SETUP: with VerifySoftwareToken's Session the new authenticator app completes the sign-in; with an
    /// EMAIL the address gets an EMAIL_OTP code, and the right code makes it the user's verified email and MFA
    /// factor.
    async fn respond_mfa_setup(
        &self,
        answer: ChallengeAnswer<'_>,
        proof: ClientProof<'_>,
    ) -> Result<MfaProgress> {
        let (pool, client) = (answer.pool, answer.client);
        let state = self.open_session(client, "MFA_SETUP", answer.session)?;
        self.check_unspent(answer.session.unwrap_or_default()).await?;
        let user = self
            .mfa_session_user(pool, client, &state, answer.responses, proof)
            .await?;
        if state.mfa_set_up == Some(MfaFactor::SoftwareToken) && user.mfa.software_token.is_some() {
            self.spend_session(answer.session.unwrap_or_default(), state.expires)
                .await?;
            return Ok(MfaProgress::Passed {
                user: Box::new(user),
                device_key: state.device_key,
            });
        }
        let Some(email) = answer.responses.get("EMAIL").map(|e| e.trim()) else {
            return Err(CognitoError::invalid_parameter(
                "MFA_SETUP needs the Session VerifySoftwareToken returned, or an EMAIL to set up email MFA.",
            ));
        };
        if !pool.offers(MfaFactor::Email) {
            return Err(CognitoError::invalid_parameter(
                "Email MFA is not enabled for this user pool.",
            ));
        }
        crate::users::attributes::check_email(email)?;
        self.send_mfa_code(pool, client, &user, MfaFactor::Email, email)
            .await?;
        let mut parameters = Map::new();
        parameters.insert("USER_ID_FOR_SRP".into(), json!(user.username));
        delivery_parameters(&mut parameters, MfaFactor::Email, email);
        let next = SessionState {
            setup_email: Some(email.to_string()),
            ..self.session_state(
                client,
                &user.username,
                MfaFactor::Email.name(),
                state.device_key.as_deref(),
            )
        };
        Ok(MfaProgress::Next(AuthOutcome::Challenge {
            name: MfaFactor::Email.name().into(),
            session: Some(self.seal_state(&next)),
            parameters,
        }))
    }

    /// The address an MFA_SETUP by email proved becomes the user's verified email, and email their MFA factor
    /// (preferred when they have none).
    async fn finish_email_setup(&self, pool: &UserPool, user: &User, email: &str) -> Result<User> {
        let (user, ()) = self
            .mutate_user(pool, &user.username, |u| {
                if u.status != STATUS_CONFIRMED {
                    return Err(session_expired());
                }
                u.attributes.insert("email".into(), email.to_string());
                u.attributes.insert("email_verified".into(), "true".into());
                u.mfa.enable(MfaFactor::Email);
                u.mfa.preferred.get_or_insert(MfaFactor::Email);
                Ok(())
            })
            .await?;
        Ok(user)
    }
}

/// CODE_DELIVERY_DELIVERY_MEDIUM and the masked CODE_DELIVERY_DESTINATION of a code challenge.
fn delivery_parameters(parameters: &mut Map<String, Value>, factor: MfaFactor, to: &str) {
    let channel = channel(factor);
    let medium = if channel == Channel::Sms { "SMS" } else { "EMAIL" };
    parameters.insert("CODE_DELIVERY_DELIVERY_MEDIUM".into(), json!(medium));
    parameters.insert(
        "CODE_DELIVERY_DESTINATION".into(),
        json!(mask_destination(channel, to)),
    );
}
