//! USER_AUTH, the choice-based sign-in (client `ALLOW_USER_AUTH`): the pool's `SignInPolicy.AllowedFirstAuthFactors`
//! and what the user has decide which first factors are available — PASSWORD and PASSWORD_SRP (a password), EMAIL_OTP
//! (a verified email), SMS_OTP (a verified phone in a pool that sends SMS), WEB_AUTHN (a passkey). With PREFERRED_CHALLENGE naming an
//! available one the sign-in starts there; otherwise SELECT_CHALLENGE lists them (`AvailableChallenges`) and the
//! answer starts it. A password goes on to MFA as in every password flow; a one-time code by email or SMS is the
//! whole sign-in, as in Cognito. Right after ConfirmSignUp, its Session signs the new user straight in.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::client::{names_of, ClientProof};
use super::first_factor::FirstFactorStep;
use super::initiate::Initiator;
use super::outcome::{incorrect, required, session_expired, AuthOutcome};
use super::session::SessionState;
use super::srp::SrpStart;
use super::ChallengeAnswer;
use crate::clients::AppClient;
use crate::error::{CognitoError, Result};
use crate::mfa::MfaFactor;
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::users::{User, UserRef};

/// The challenge a ConfirmSignUp Session stands for.
const SIGNED_UP: &str = "SIGN_UP_CONFIRMED";

impl UserPool {
    /// Whether `SignInPolicy.AllowedFirstAuthFactors` lists `factor` (PASSWORD_SRP is the PASSWORD factor).
    pub fn allows_first_factor(&self, factor: &str) -> bool {
        let factor = if factor == "PASSWORD_SRP" {
            "PASSWORD"
        } else {
            factor
        };
        self.policies
            .sign_in_policy
            .as_ref()
            .and_then(|p| p.get("AllowedFirstAuthFactors"))
            .and_then(Value::as_array)
            .map_or(factor == "PASSWORD", |list| list.iter().any(|f| f == factor))
    }
}

/// The first factors `user` can sign in with, in Cognito's order.
fn available_first_factors(lk: &Latchkey, pool: &UserPool, user: &User) -> Vec<&'static str> {
    let mut out = Vec::new();
    if pool.allows_first_factor("PASSWORD") && user.password_hash.is_some() {
        out.push("PASSWORD");
        if user.srp_verifier.is_some() {
            out.push("PASSWORD_SRP");
        }
    }
    if pool.allows_first_factor("EMAIL_OTP") && user.is_verified("email") {
        out.push("EMAIL_OTP");
    }
    if pool.allows_first_factor("SMS_OTP") && pool.offers(MfaFactor::Sms) && user.is_verified("phone_number")
    {
        out.push("SMS_OTP");
    }
    if lk.passkey_sign_in_available(pool, user) {
        out.push("WEB_AUTHN");
    }
    out
}

/// The factors a pool would offer anyone: what a name without a user is shown, so the answer does not tell.
fn pool_first_factors(pool: &UserPool) -> Vec<&'static str> {
    ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"]
        .into_iter()
        .filter(|f| pool.allows_first_factor(f))
        .collect()
}

/// What starts a first factor: the name typed, how the client proves itself, and the factor's inputs (PASSWORD,
/// SRP_A) from AuthParameters or ChallengeResponses.
struct FirstFactor<'a> {
    typed: &'a str,
    inputs: &'a BTreeMap<String, String>,
    device_key: Option<&'a str>,
}

impl FirstFactor<'_> {
    fn proof(&self) -> ClientProof<'_> {
        ClientProof::SecretHash(self.inputs.get("SECRET_HASH").map(String::as_str))
    }
}

impl Latchkey {
    /// InitiateAuth / AdminInitiateAuth with USER_AUTH.
    pub(crate) async fn user_auth(
        &self,
        pool: &UserPool,
        client: &AppClient,
        parameters: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        let typed = required(parameters, "USERNAME")?;
        let start = FirstFactor {
            typed,
            inputs: parameters,
            device_key: parameters.get("DEVICE_KEY").map(String::as_str),
        };
        let Some(user) = self.user_for_sign_in(pool, client, typed).await? else {
            start.proof().check(self, client, &[typed])?;
            self.pre_authentication(pool, &client.client_id, None, typed)
                .await?;
            return Ok(self.select_challenge(client, typed, pool_first_factors(pool), start.device_key));
        };
        start.proof().check(self, client, &names_of(typed, &user))?;
        // Fired once here, whichever first factor follows (passwordless ones included).
        self.pre_authentication(pool, &client.client_id, Some(&user), typed)
            .await?;
        let available = available_first_factors(self, pool, &user);
        let preferred = parameters
            .get("PREFERRED_CHALLENGE")
            .and_then(|p| available.iter().find(|a| *a == p));
        match preferred {
            Some(factor) => self.begin_first_factor(pool, client, user, factor, start).await,
            None => Ok(self.select_challenge(client, &user.username, available, start.device_key)),
        }
    }

    fn select_challenge(
        &self,
        client: &AppClient,
        username: &str,
        available: Vec<&'static str>,
        device_key: Option<&str>,
    ) -> AuthOutcome {
        let state = self.session_state(client, username, "SELECT_CHALLENGE", device_key);
        AuthOutcome::SelectChallenge {
            session: self.seal_state(&state),
            available: available.into_iter().map(str::to_string).collect(),
        }
    }

    /// Starts `factor` for `user`: checks a password given with it, or asks for what it needs.
    async fn begin_first_factor(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: User,
        factor: &str,
        start: FirstFactor<'_>,
    ) -> Result<AuthOutcome> {
        match factor {
            "PASSWORD" => match start.inputs.get("PASSWORD") {
                Some(password) => {
                    let user = self
                        .authenticate_password(pool, client, start.typed, password, start.proof(), false)
                        .await?;
                    self.after_first_factor(
                        pool,
                        client,
                        user,
                        start.device_key,
                        crate::triggers::TokenSource::Authentication,
                    )
                    .await
                }
                None => Ok(self.ask(client, &user, "PASSWORD", start.device_key)),
            },
            "PASSWORD_SRP" => match start.inputs.get("SRP_A") {
                Some(srp_a) => {
                    let secret_hash = start.inputs.get("SECRET_HASH").map(String::as_str);
                    let srp = SrpStart {
                        name: start.typed,
                        srp_a,
                        secret_hash,
                        device_key: start.device_key,
                        pre_authentication: false,
                    };
                    self.srp_initiate(pool, client, srp).await
                }
                None => Ok(self.ask(client, &user, "PASSWORD_SRP", start.device_key)),
            },
            "EMAIL_OTP" | "SMS_OTP" if self.first_factor_step(&user)? != FirstFactorStep::SignIn => {
                Err(incorrect())
            }
            "EMAIL_OTP" => {
                self.code_challenge(
                    pool,
                    client,
                    &user,
                    MfaFactor::Email,
                    "EMAIL_OTP",
                    start.device_key,
                )
                .await
            }
            "SMS_OTP" => {
                self.code_challenge(pool, client, &user, MfaFactor::Sms, "SMS_OTP", start.device_key)
                    .await
            }
            "WEB_AUTHN" => self.web_authn_challenge(pool, client, &user, start.device_key),
            other => Err(CognitoError::invalid_parameter(format!(
                "The challenge {other} is not available for the user."
            ))),
        }
    }

    /// The WEB_AUTHN challenge for `user`: CREDENTIAL_REQUEST_OPTIONS, with the ceremony sealed in the Session.
    /// The hosted UI's passkey page starts from it too.
    pub(crate) fn web_authn_challenge(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        device_key: Option<&str>,
    ) -> Result<AuthOutcome> {
        let (options, ceremony) = self.passkey_authentication_start(pool, user)?;
        let state = SessionState {
            webauthn: Some(ceremony),
            ..self.session_state(client, &user.username, "WEB_AUTHN", device_key)
        };
        let mut parameters = Map::new();
        parameters.insert("CREDENTIAL_REQUEST_OPTIONS".into(), Value::String(options));
        Ok(AuthOutcome::Challenge {
            name: "WEB_AUTHN".into(),
            session: Some(self.seal_state(&state)),
            parameters,
        })
    }

    /// A challenge that asks for the password (PASSWORD) or SRP_A (PASSWORD_SRP).
    fn ask(&self, client: &AppClient, user: &User, challenge: &str, device_key: Option<&str>) -> AuthOutcome {
        let state = self.session_state(client, &user.username, challenge, device_key);
        let mut parameters = Map::new();
        parameters.insert("USERNAME".into(), Value::String(user.username.clone()));
        AuthOutcome::Challenge {
            name: challenge.into(),
            session: Some(self.seal_state(&state)),
            parameters,
        }
    }

    /// RespondToAuthChallenge for SELECT_CHALLENGE (ANSWER, with PASSWORD or SRP_A when it names those), PASSWORD
    /// and PASSWORD_SRP.
    pub(crate) async fn respond_first_factor(
        &self,
        answer: ChallengeAnswer<'_>,
        challenge: &str,
    ) -> Result<AuthOutcome> {
        let (pool, client) = (answer.pool, answer.client);
        let state = self.open_session(client, challenge, answer.session)?;
        let typed = required(answer.responses, "USERNAME")?;
        let factor = match challenge {
            "SELECT_CHALLENGE" => required(answer.responses, "ANSWER")?,
            other => other,
        };
        let start = FirstFactor {
            typed,
            inputs: answer.responses,
            device_key: state.device_key.as_deref(),
        };
        let user = self
            .find_by_sign_in_name(pool, typed)
            .await?
            .filter(|u| u.username == state.username);
        let Some(user) = user else {
            // A name without a user (only reached when the client hides user existence): a password is judged
            // as for anyone, so the answer and the lockout read the same; anything else ends here.
            if factor == "PASSWORD" && state.username == typed {
                if let Some(password) = answer.responses.get("PASSWORD") {
                    self.authenticate_password(pool, client, typed, password, start.proof(), false)
                        .await?;
                }
            }
            return Err(incorrect());
        };
        start.proof().check(self, client, &names_of(typed, &user))?;
        if !available_first_factors(self, pool, &user).contains(&factor) {
            return Err(CognitoError::invalid_parameter(format!(
                "The challenge {factor} is not available for the user."
            )));
        }
        self.begin_first_factor(pool, client, user, factor, start).await
    }

    /// RespondToAuthChallenge WEB_AUTHN: the browser's AuthenticationResponseJSON (CREDENTIAL) checked against the
    /// ceremony the session carries. A passkey is the whole sign-in: it proves possession and, as webauthn-rs
    /// requires of passkeys, user verification.
    pub(crate) async fn respond_web_authn(&self, answer: ChallengeAnswer<'_>) -> Result<AuthOutcome> {
        let secret_hash = answer.responses.get("SECRET_HASH").map(String::as_str);
        let (user, state) = self
            .web_authn_answer(answer, ClientProof::SecretHash(secret_hash))
            .await?;
        self.complete_sign_in(
            answer.pool,
            answer.client,
            &user,
            state.device_key.as_deref(),
            crate::triggers::TokenSource::Authentication,
        )
        .await
    }

    /// A WEB_AUTHN answer (USERNAME, CREDENTIAL) checked and its Session spent: the user it signs in, and the
    /// session's state. The API's RespondToAuthChallenge and the hosted UI's passkey page both finish with it.
    pub(crate) async fn web_authn_answer(
        &self,
        answer: ChallengeAnswer<'_>,
        proof: ClientProof<'_>,
    ) -> Result<(User, SessionState)> {
        let (pool, client) = (answer.pool, answer.client);
        let session = answer.session.unwrap_or_default();
        let state = self.open_session(client, "WEB_AUTHN", answer.session)?;
        self.check_unspent(session).await?;
        let typed = required(answer.responses, "USERNAME")?;
        let credential = required(answer.responses, "CREDENTIAL")?;
        let user = self
            .find_by_sign_in_name(pool, typed)
            .await?
            .filter(|u| u.username == state.username)
            .ok_or_else(session_expired)?;
        proof.check(self, client, &names_of(typed, &user))?;
        if self.first_factor_step(&user)? != FirstFactorStep::SignIn {
            return Err(incorrect());
        }
        let ceremony = state.webauthn.as_deref().ok_or_else(session_expired)?;
        let user = self
            .passkey_authentication_finish(pool, &user, ceremony, credential)
            .await?;
        self.spend_session(session, state.expires).await?;
        Ok((user, state))
    }

    /// The Session ConfirmSignUp answers for a client that signs in with USER_AUTH: InitiateAuth with it signs the
    /// new user in, the emailed or texted code having proven them.
    pub async fn sign_up_session(&self, client_id: &str, user: &User) -> Result<Option<String>> {
        let (client, _) = self.client_and_pool(client_id).await?;
        if !client.allows_flow("ALLOW_USER_AUTH") {
            return Ok(None);
        }
        let state = self.session_state(&client, &user.username, SIGNED_UP, None);
        Ok(Some(self.seal_state(&state)))
    }

    /// InitiateAuth USER_AUTH with ConfirmSignUp's Session: tokens for the user it names, once.
    pub async fn initiate_auth_after_sign_up(
        &self,
        initiator: Initiator<'_>,
        client_id: &str,
        parameters: &BTreeMap<String, String>,
        session: &str,
    ) -> Result<AuthOutcome> {
        let (client, pool) = self.sign_in_client(initiator, client_id).await?;
        super::initiate::require_flow(&client, "ALLOW_USER_AUTH", "USER_AUTH")?;
        let state = self.open_session(&client, SIGNED_UP, Some(session))?;
        let typed = required(parameters, "USERNAME")?;
        let user = self
            .find_by_sign_in_name(&pool, typed)
            .await?
            .filter(|u| u.username == state.username)
            .ok_or_else(session_expired)?;
        let secret_hash = parameters.get("SECRET_HASH").map(String::as_str);
        self.check_secret_hash(&client, &names_of(typed, &user), secret_hash)?;
        if self.first_factor_step(&user)? != FirstFactorStep::SignIn {
            return Err(session_expired());
        }
        self.check_unspent(session).await?;
        self.spend_session(session, state.expires).await?;
        let device_key = parameters.get("DEVICE_KEY").map(String::as_str);
        self.complete_sign_in(
            &pool,
            &client,
            &user,
            device_key,
            crate::triggers::TokenSource::Authentication,
        )
        .await
    }

    /// GetUserAuthFactors / AdminGetUserAuthFactors: the user and the first factors they can sign in with.
    pub async fn user_auth_factors(&self, who: UserRef<'_>) -> Result<(User, Vec<&'static str>)> {
        let (pool, user) = self.resolve_user(who).await?;
        let factors = available_first_factors(self, &pool, &user)
            .into_iter()
            .filter(|f| *f != "PASSWORD_SRP")
            .collect();
        Ok((user, factors))
    }
}
