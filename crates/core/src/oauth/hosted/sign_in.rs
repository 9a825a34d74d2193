//! The hosted UI's sign-in: the password checked as USER_PASSWORD_AUTH checks it, then core's own next-step
//! decision (`first_factor_step`), which the page follows: on to the app, to the new-password form, to the
//! confirmation form (with a fresh code), or to the password reset. And the new-password form's answer, which is
//! RespondToAuthChallenge's NEW_PASSWORD_REQUIRED.

use std::collections::BTreeMap;

use super::Authenticated;
use crate::auth::{ClientProof, FirstFactorStep};
use crate::clients::AppClient;
use crate::error::{ErrorKind, Result};
use crate::mfa::MfaStep;
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::users::attributes::missing_required;
use crate::users::User;

/// Where a hosted-UI sign-in goes after the password.
#[derive(Debug)]
pub enum HostedSignIn {
    SignedIn(Box<Authenticated>),
    /// A temporary password: the user must choose their own.
    NewPasswordRequired(NewPasswordPrompt),
    /// The account is not confirmed: a new code was sent for the confirmation form.
    ConfirmationRequired {
        username: String,
    },
    /// The password must be reset before anyone signs in with it.
    PasswordResetRequired,
    /// A second factor is owed: the MFA page to show.
    Mfa(super::MfaPrompt),
}

/// What the new-password form needs: the NEW_PASSWORD_REQUIRED session and the required attributes the user
/// still lacks.
#[derive(Debug)]
pub struct NewPasswordPrompt {
    pub username: String,
    pub session: String,
    pub required_attributes: Vec<String>,
}

impl Latchkey {
    pub async fn hosted_sign_in(
        &self,
        pool: &UserPool,
        client: &AppClient,
        name: &str,
        password: &str,
    ) -> Result<HostedSignIn> {
        let user = self
            .authenticate_password(pool, client, name, password, ClientProof::HostedUi, true)
            .await?;
        match self.first_factor_step(&user) {
            Ok(FirstFactorStep::SignIn) => self.hosted_second_factor(pool, client, user).await,
            Ok(FirstFactorStep::NewPasswordRequired) => {
                Ok(HostedSignIn::NewPasswordRequired(NewPasswordPrompt {
                    session: self.seal_session(client, &user.username, "NEW_PASSWORD_REQUIRED"),
                    required_attributes: missing_required(pool, &user),
                    username: user.username,
                }))
            }
            // Where the API answers these two with their errors, the hosted UI takes the user to the form that
            // resolves them.
            Err(e) if e.kind() == ErrorKind::UserNotConfirmedException => {
                // A failed resend still shows the form: the user may hold a code that works.
                let _ = self.hosted_resend_code(client, &user.username).await;
                Ok(HostedSignIn::ConfirmationRequired {
                    username: user.username,
                })
            }
            Err(e) if e.kind() == ErrorKind::PasswordResetRequiredException => {
                Ok(HostedSignIn::PasswordResetRequired)
            }
            Err(e) => Err(e),
        }
    }

    /// After the first factor: signed in, or the MFA page the user owes (the hosted UI knows no devices, so none
    /// skips it).
    async fn hosted_second_factor(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: User,
    ) -> Result<HostedSignIn> {
        let step = self.mfa_step(pool, &user);
        if step == MfaStep::Nothing {
            return self.hosted_signed_in(pool, client, user).await;
        }
        let outcome = self.mfa_challenge(pool, client, &user, step, None).await?;
        self.hosted_mfa_page(outcome, &user.username)
    }

    /// The new-password form: the NEW_PASSWORD_REQUIRED `session`, the (internal) `username` it was shown for, the
    /// new password and the required attributes the form asked for, by name.
    pub async fn hosted_new_password(
        &self,
        pool: &UserPool,
        client: &AppClient,
        session: &str,
        username: &str,
        new_password: &str,
        attributes: &BTreeMap<String, String>,
    ) -> Result<HostedSignIn> {
        let mut responses = BTreeMap::new();
        responses.insert("USERNAME".to_string(), username.to_string());
        responses.insert("NEW_PASSWORD".to_string(), new_password.to_string());
        for (name, value) in attributes {
            responses.insert(format!("userAttributes.{name}"), value.clone());
        }
        let user = self
            .set_new_password(pool, client, Some(session), &responses, ClientProof::HostedUi)
            .await?;
        self.hosted_second_factor(pool, client, user).await
    }

    /// The required attributes the user `username` still lacks, for the new-password form shown again after a
    /// refusal; none when the user cannot be read.
    pub async fn new_password_fields(&self, pool: &UserPool, username: &str) -> Vec<String> {
        match self.store.get_user(&pool.id, username).await {
            Ok(Some(user)) => missing_required(pool, &user),
            _ => Vec::new(),
        }
    }
}
