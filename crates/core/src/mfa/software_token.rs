//! AssociateSoftwareToken and VerifySoftwareToken: an authenticator app set up by a signed-in user (access token)
//! or during a sign-in that requires MFA (the MFA_SETUP Session). The secret is sealed at rest and verified with a
//! code before it counts; during MFA_SETUP the verified app becomes the user's MFA factor at once.

use super::model::MfaFactor;
use super::totp;
use crate::auth::{SessionState, Verdict};
use crate::error::{CognitoError, ErrorKind, Result};
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::users::{user_not_found, User};
use std::sync::Arc;

/// Who sets up the app: a signed-in user, or a sign-in at its MFA_SETUP step.
#[derive(Debug, Clone, Copy)]
pub enum TokenSubject<'a> {
    AccessToken(&'a str),
    Session(&'a str),
}

impl<'a> TokenSubject<'a> {
    /// Exactly one of AccessToken and Session, as both operations require.
    pub fn from_members(access_token: Option<&'a str>, session: Option<&'a str>) -> Result<Self> {
        match (access_token, session) {
            (Some(t), None) => Ok(Self::AccessToken(t)),
            (None, Some(s)) => Ok(Self::Session(s)),
            _ => Err(CognitoError::invalid_parameter(
                "Exactly one of AccessToken and Session is required.",
            )),
        }
    }
}

fn not_enabled() -> CognitoError {
    CognitoError::new(
        ErrorKind::SoftwareTokenMFANotFoundException,
        "Software Token MFA has not been enabled by the userPool.",
    )
}

fn mismatch() -> CognitoError {
    CognitoError::new(
        ErrorKind::EnableSoftwareTokenMFAException,
        "Code mismatch and fail enable Software Token MFA",
    )
}

impl Latchkey {
    /// The pool and user behind `subject`, and the sign-in's state when it is a Session.
    async fn token_subject(
        &self,
        subject: TokenSubject<'_>,
    ) -> Result<(Arc<UserPool>, User, Option<SessionState>)> {
        match subject {
            TokenSubject::AccessToken(token) => {
                let ctx = self.authenticate_access_token(token).await?;
                Ok((ctx.pool, ctx.user, None))
            }
            TokenSubject::Session(session) => {
                let state = self.open_any_session("MFA_SETUP", Some(session))?;
                let (_, pool) = self.client_and_pool(&state.client_id).await?;
                let user = self
                    .store
                    .get_user(&pool.id, &state.username)
                    .await?
                    .ok_or_else(user_not_found)?;
                Ok((pool, user, Some(state)))
            }
        }
    }

    /// AssociateSoftwareToken: a new secret for the user's authenticator app (SecretCode), and with a Session a
    /// fresh one for the next step.
    pub async fn associate_software_token(
        &self,
        subject: TokenSubject<'_>,
    ) -> Result<(String, Option<String>)> {
        let (pool, user, state) = self.token_subject(subject).await?;
        if !pool.offers(MfaFactor::SoftwareToken) {
            return Err(not_enabled());
        }
        let (code, sealed) = totp::new_secret(self.rng.as_ref(), &self.secrets.master_key);
        self.mutate_user(&pool, &user.username, |u| {
            u.mfa.pending_secret = Some(sealed.clone());
            Ok(())
        })
        .await?;
        let session = state.map(|s| self.reseal(s, None));
        Ok((code, session))
    }

    /// VerifySoftwareToken: the app's current code proves the associated secret, which becomes the user's
    /// authenticator app. Wrong codes count toward lockout. Returns the Session that completes MFA_SETUP.
    pub async fn verify_software_token(
        &self,
        subject: TokenSubject<'_>,
        user_code: &str,
        friendly_name: Option<&str>,
    ) -> Result<Option<String>> {
        let (pool, user, state) = self.token_subject(subject).await?;
        if !pool.offers(MfaFactor::SoftwareToken) {
            return Err(not_enabled());
        }
        let now = self.clock.now();
        let key = &self.secrets.master_key;
        let (user, verdict) = self
            .judge_proof(&pool, user, |u| {
                let step = u
                    .mfa
                    .pending_secret
                    .as_deref()
                    .and_then(|sealed| totp::matching_step(key, sealed, user_code, now));
                async move { Ok(step.is_some()) }
            })
            .await?;
        let Verdict::Holds { after_failures } = verdict else {
            return Err(mismatch());
        };
        let during_sign_in = state.is_some();
        self.mutate_user(&pool, &user.username, |u| {
            let sealed = u.mfa.pending_secret.take().ok_or_else(mismatch)?;
            let step = totp::matching_step(key, &sealed, user_code, now).ok_or_else(mismatch)?;
            u.mfa.software_token = Some(super::SoftwareToken {
                secret: sealed,
                friendly_name: friendly_name.filter(|n| !n.is_empty()).map(str::to_string),
                last_step: Some(step),
            });
            if during_sign_in {
                u.mfa.enable(MfaFactor::SoftwareToken);
                u.mfa.preferred.get_or_insert(MfaFactor::SoftwareToken);
            }
            Ok(())
        })
        .await?;
        if after_failures {
            self.clear_lockout(&pool.id, &user.username).await?;
        }
        Ok(state.map(|s| self.reseal(s, Some(MfaFactor::SoftwareToken))))
    }

    /// The MFA_SETUP session to hand back: the same sign-in, expiring when it would have, with what was set up.
    fn reseal(&self, state: SessionState, set_up: Option<MfaFactor>) -> String {
        self.seal_state(&SessionState {
            mfa_set_up: set_up.or(state.mfa_set_up),
            ..state
        })
    }
}
