//! RespondToAuthChallenge / AdminRespondToAuthChallenge: each answer goes to the step of its challenge
//! (PASSWORD_VERIFIER, DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER, NEW_PASSWORD_REQUIRED, CUSTOM_CHALLENGE in
//! `custom`, and the MFA challenges in `crate::mfa`). NEW_PASSWORD_REQUIRED is
//! answered here: the user replaces a temporary password (and supplies any required attributes they lack) to
//! finish signing in.

use std::collections::BTreeMap;

use super::client::{names_of, ClientProof};
use super::initiate::Initiator;
use super::outcome::{required, AuthOutcome};
use crate::clients::AppClient;
use crate::error::{CognitoError, ErrorKind, Result};
use crate::mfa::{MfaProgress, MFA_CHALLENGES};
use crate::passwords::check_policy;
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::users::attributes::{check_mutable, check_required, validate_writes, AttributeInput, Writer};
use crate::users::{STATUS_CONFIRMED, STATUS_FORCE_CHANGE_PASSWORD};

/// An answer to a challenge: the pool and app client it is addressed to, its Session (if any) and its
/// ChallengeResponses.
#[derive(Clone, Copy)]
pub(crate) struct ChallengeAnswer<'a> {
    pub(crate) pool: &'a UserPool,
    pub(crate) client: &'a AppClient,
    pub(crate) session: Option<&'a str>,
    pub(crate) responses: &'a BTreeMap<String, String>,
}

impl Latchkey {
    /// The next step of a sign-in after an answer to `challenge_name`: tokens, or the next challenge.
    pub async fn respond_to_auth_challenge(
        &self,
        initiator: Initiator<'_>,
        client_id: &str,
        challenge_name: &str,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        let (client, pool) = self.sign_in_client(initiator, client_id).await?;
        let answer = ChallengeAnswer {
            pool: &pool,
            client: &client,
            session,
            responses,
        };
        match challenge_name {
            "PASSWORD_VERIFIER" => self.srp_verify(answer).await,
            "DEVICE_SRP_AUTH" => self.device_srp_auth(answer).await,
            "DEVICE_PASSWORD_VERIFIER" => self.device_password_verifier(answer).await,
            "NEW_PASSWORD_REQUIRED" => self.respond_new_password(answer).await,
            "CUSTOM_CHALLENGE" => self.respond_custom_challenge(answer).await,
            "WEB_AUTHN" => self.respond_web_authn(answer).await,
            "SELECT_CHALLENGE" | "PASSWORD" | "PASSWORD_SRP" => {
                self.respond_first_factor(answer, challenge_name).await
            }
            mfa if MFA_CHALLENGES.contains(&mfa) => {
                let proof = ClientProof::SecretHash(responses.get("SECRET_HASH").map(String::as_str));
                match self.mfa_answer(answer, mfa, proof).await? {
                    MfaProgress::Passed { user, device_key } => {
                        self.complete_sign_in(
                            &pool,
                            &client,
                            &user,
                            device_key.as_deref(),
                            crate::triggers::TokenSource::Authentication,
                        )
                        .await
                    }
                    MfaProgress::Next(outcome) => Ok(outcome),
                }
            }
            other => Err(CognitoError::new(
                ErrorKind::UnsupportedOperationException,
                format!("Latchkey does not implement the {other} challenge yet."),
            )),
        }
    }

    async fn respond_new_password(&self, answer: ChallengeAnswer<'_>) -> Result<AuthOutcome> {
        let (pool, client) = (answer.pool, answer.client);
        let (session, responses) = (answer.session, answer.responses);
        let secret_hash = responses.get("SECRET_HASH").map(String::as_str);
        let user = self
            .set_new_password(
                pool,
                client,
                session,
                responses,
                ClientProof::SecretHash(secret_hash),
            )
            .await?;
        if let Some(next) = self.custom_after_new_password(answer, &user).await? {
            return Ok(next);
        }
        self.after_first_factor(
            pool,
            client,
            user,
            responses.get("DEVICE_KEY").map(String::as_str),
            crate::triggers::TokenSource::NewPasswordChallenge,
        )
        .await
    }

    /// Checks the NEW_PASSWORD_REQUIRED session and response and makes the new password permanent; returns the
    /// confirmed user. `proof` is the response's SECRET_HASH through the API, and nothing in the hosted UI, where
    /// the browser holds no client secret.
    pub(crate) async fn set_new_password(
        &self,
        pool: &UserPool,
        client: &AppClient,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
        proof: ClientProof<'_>,
    ) -> Result<crate::users::User> {
        let state = self.open_session(client, "NEW_PASSWORD_REQUIRED", session)?;
        let typed = required(responses, "USERNAME")?;
        let new_password = required(responses, "NEW_PASSWORD")?;
        let user = self
            .find_by_sign_in_name(pool, typed)
            .await?
            .filter(|u| u.username == state.username)
            .ok_or_else(|| {
                CognitoError::new(ErrorKind::NotAuthorizedException, "Invalid session for the user.")
            })?;
        proof.check(self, client, &names_of(typed, &user))?;
        if user.status != STATUS_FORCE_CHANGE_PASSWORD {
            return Err(CognitoError::new(
                ErrorKind::NotAuthorizedException,
                "Invalid session for the user.",
            ));
        }
        check_policy(&pool.policies.password_policy, new_password)?;
        let attrs: Vec<AttributeInput> = responses
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("userAttributes.").map(|n| AttributeInput {
                    name: n.into(),
                    value: Some(v.clone()),
                })
            })
            .collect();
        let writes = validate_writes(pool, Writer::Client(client), &attrs)?;
        let material = self
            .password_material(&pool.id, &user.username, new_password)
            .await?;
        let (user, ()) = self
            .mutate_user(pool, &user.username, |u| {
                if u.status != STATUS_FORCE_CHANGE_PASSWORD {
                    return Err(CognitoError::new(
                        ErrorKind::NotAuthorizedException,
                        "Invalid session for the user.",
                    ));
                }
                for (name, value) in &writes {
                    if u.attributes.get(name) != Some(value) {
                        check_mutable(pool, u, name)?;
                    }
                    u.attributes.insert(name.clone(), value.clone());
                }
                check_required(pool, &u.attributes)?;
                material.apply(u);
                u.status = STATUS_CONFIRMED.into();
                u.temporary_password_expires = None;
                Ok(())
            })
            .await?;
        Ok(user)
    }
}
