//! The hosted UI's second factor: the MFA challenge a sign-in owes becomes a page (a code, a choice of factor, or
//! setting one up), and each page's answer goes through the same MFA steps as RespondToAuthChallenge, with no
//! SECRET_HASH (the browser holds no client secret). Setting up an authenticator app is AssociateSoftwareToken and
//! VerifySoftwareToken with the sign-in's Session, then MFA_SETUP.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::sign_in::HostedSignIn;
use crate::auth::{session_expired, AuthOutcome, ChallengeAnswer, ClientProof};
use crate::clients::AppClient;
use crate::error::{CognitoError, Result};
use crate::mfa::{MfaProgress, TokenSubject};
use crate::pools::UserPool;
use crate::service::Latchkey;

/// An MFA page to show: the challenge, its sealed Session, the user it is for, and its ChallengeParameters
/// (where a code went, or which factors there are to choose or set up).
#[derive(Debug, Clone)]
pub struct MfaPrompt {
    pub challenge: String,
    pub session: String,
    pub username: String,
    pub parameters: Map<String, Value>,
}

impl MfaPrompt {
    /// The factors a SELECT_MFA_TYPE or MFA_SETUP page offers (MFAS_CAN_CHOOSE / MFAS_CAN_SETUP).
    pub fn factors(&self) -> Vec<String> {
        ["MFAS_CAN_CHOOSE", "MFAS_CAN_SETUP"]
            .iter()
            .filter_map(|k| self.parameters.get(*k)?.as_str())
            .filter_map(|s| serde_json::from_str::<Vec<String>>(s).ok())
            .next()
            .unwrap_or_default()
    }

    /// Where the code went, masked (CODE_DELIVERY_DESTINATION), for the code page.
    pub fn destination(&self) -> Option<&str> {
        self.parameters.get("CODE_DELIVERY_DESTINATION")?.as_str()
    }
}

/// An authenticator app being set up on the MFA_SETUP page: the secret to type or scan, its `otpauth://` URI, and
/// the Session VerifySoftwareToken takes.
#[derive(Debug, Clone)]
pub struct TotpSetup {
    pub secret: String,
    pub uri: String,
    pub session: String,
}

/// What a hosted MFA page posts: the challenge it answered, its Session, the user, and the page's fields (`code`,
/// `answer`, `email`, and for an app being set up `setup_session`).
#[derive(Debug, Clone, Copy)]
pub struct MfaPageAnswer<'a> {
    pub challenge: &'a str,
    pub session: &'a str,
    pub username: &'a str,
    pub fields: &'a BTreeMap<String, String>,
}

impl Latchkey {
    /// The hosted sign-in's next page after an MFA step's outcome.
    pub(crate) fn hosted_mfa_page(&self, outcome: AuthOutcome, username: &str) -> Result<HostedSignIn> {
        match outcome {
            AuthOutcome::Challenge {
                name,
                session: Some(session),
                parameters,
            } => Ok(HostedSignIn::Mfa(MfaPrompt {
                challenge: name,
                session,
                username: username.to_string(),
                parameters,
            })),
            _ => Err(CognitoError::internal(
                "an MFA step answered without a challenge session",
            )),
        }
    }

    /// A new authenticator-app secret for the MFA_SETUP page of the sign-in `session`, which must be this client's
    /// (AssociateSoftwareToken itself takes any client's Session). The label names the user the session is for.
    pub async fn hosted_totp_setup(
        &self,
        pool: &UserPool,
        client: &AppClient,
        session: &str,
    ) -> Result<TotpSetup> {
        let state = self.open_session(client, "MFA_SETUP", Some(session))?;
        let (secret, next) = self
            .associate_software_token(TokenSubject::Session(session))
            .await?;
        Ok(TotpSetup {
            uri: totp_uri(pool, &state.username, &secret),
            secret,
            session: next.unwrap_or_default(),
        })
    }

    /// The authenticator app being set up, shown again after a refused code: the secret the page carried (checked
    /// to be base32, never trusted for more than showing it again) with its URI made here, for the user of this
    /// client's sealed `setup_session`.
    pub fn hosted_totp_again(
        &self,
        pool: &UserPool,
        client: &AppClient,
        setup_session: &str,
        secret: &str,
    ) -> Result<TotpSetup> {
        let state = self.open_session(client, "MFA_SETUP", Some(setup_session))?;
        let base32 = |b: u8| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b);
        if secret.is_empty() || secret.len() > 128 || !secret.bytes().all(base32) {
            return Err(session_expired());
        }
        Ok(TotpSetup {
            uri: totp_uri(pool, &state.username, secret),
            secret: secret.to_string(),
            session: setup_session.to_string(),
        })
    }

    /// The answer to an MFA page: signed in, or the next page.
    pub async fn hosted_mfa(
        &self,
        pool: &UserPool,
        client: &AppClient,
        page: MfaPageAnswer<'_>,
    ) -> Result<HostedSignIn> {
        let field = |name: &str| page.fields.get(name).map(|v| v.trim()).unwrap_or_default();
        let mut responses = BTreeMap::new();
        responses.insert("USERNAME".to_string(), page.username.to_string());
        let mut session = page.session.to_string();
        match page.challenge {
            "SELECT_MFA_TYPE" => {
                responses.insert("ANSWER".into(), field("answer").to_string());
            }
            "MFA_SETUP" if !field("setup_session").is_empty() => {
                // VerifySoftwareToken takes any client's Session: only this client's may go on here.
                self.open_session(client, "MFA_SETUP", Some(field("setup_session")))?;
                let verified = self
                    .verify_software_token(
                        TokenSubject::Session(field("setup_session")),
                        field("code"),
                        Some("Authenticator app"),
                    )
                    .await?;
                session = verified.unwrap_or_default();
            }
            "MFA_SETUP" => {
                responses.insert("EMAIL".into(), field("email").to_string());
            }
            factor => {
                let member = crate::mfa::MfaFactor::parse(factor)
                    .map(|f| f.code_member())
                    .unwrap_or("CODE");
                responses.insert(member.into(), field("code").to_string());
            }
        }
        let answer = ChallengeAnswer {
            pool,
            client,
            session: Some(&session),
            responses: &responses,
        };
        match self
            .mfa_answer(answer, page.challenge, ClientProof::HostedUi)
            .await?
        {
            MfaProgress::Passed { user, .. } => self.hosted_signed_in(pool, client, *user).await,
            MfaProgress::Next(outcome) => self.hosted_mfa_page(outcome, page.username),
        }
    }
}

/// The `otpauth://` URI of an authenticator-app secret for `username` in `pool` (Google's Key Uri Format): the
/// label is `issuer:account` with a literal colon between the encoded parts (some readers take an encoded `%3A`
/// for part of the account name), and the issuer is the pool's name.
fn totp_uri(pool: &UserPool, username: &str, secret: &str) -> String {
    let issuer = percent(&pool.name);
    format!(
        "otpauth://totp/{issuer}:{}?secret={secret}&issuer={issuer}",
        percent(username)
    )
}

/// Percent-encodes an otpauth label or issuer.
fn percent(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}
