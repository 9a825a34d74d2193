//! The hosted UI's sign-up and confirmation: SignUp from the form's fields (email as the username where the pool
//! signs in by email), ConfirmSignUp and ResendConfirmationCode; and the decision whether a confirmed account
//! signs in at once, which only the browser that signed it up may do.

use super::{hosted_secret_hash, Authenticated};
use crate::clients::AppClient;
use crate::error::Result;
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::users::attributes::AttributeInput;
use crate::users::names::is_username_attribute;
use crate::users::SignUpInput;

/// The sign-up form. `username` is ignored where email is the pool's username.
pub struct HostedSignUp {
    pub username: String,
    pub email: String,
    pub password: String,
    /// The other required attributes the form asked for, by name.
    pub attributes: Vec<(String, String)>,
}

/// What follows a sign-up.
#[derive(Debug)]
pub enum SignedUp {
    /// The PreSignUp trigger confirmed the account: the user may sign in at once.
    Confirmed,
    /// No code was sent: an administrator must confirm the account.
    AwaitingAdministrator,
    /// A code was sent to `username` (the internal username). `marker`, kept by the browser, lets it continue to
    /// the app once it confirms this account.
    AwaitingCode { username: String, marker: String },
}

impl Latchkey {
    pub async fn hosted_sign_up(
        &self,
        pool: &UserPool,
        client: &AppClient,
        form: HostedSignUp,
    ) -> Result<SignedUp> {
        let email_is_username = is_username_attribute(pool, "email");
        let mut attributes = Vec::new();
        let username = if email_is_username {
            form.email
        } else {
            attributes.push(AttributeInput {
                name: "email".into(),
                value: Some(form.email),
            });
            form.username
        };
        attributes.extend(form.attributes.into_iter().map(|(name, value)| AttributeInput {
            name,
            value: Some(value),
        }));
        let outcome = self
            .sign_up(SignUpInput {
                client_id: client.client_id.clone(),
                secret_hash: hosted_secret_hash(client, &username),
                username: username.clone(),
                password: Some(form.password),
                user_attributes: attributes,
                validation_data: None,
            })
            .await?;
        if outcome.user_confirmed {
            return Ok(SignedUp::Confirmed);
        }
        if outcome.code_delivery.is_none() {
            return Ok(SignedUp::AwaitingAdministrator);
        }
        // With email as the username, the internal username is the new sub.
        let internal = if email_is_username {
            outcome.user_sub
        } else {
            username
        };
        Ok(SignedUp::AwaitingCode {
            marker: self.seal_sign_up_marker(&pool.id, &internal),
            username: internal,
        })
    }

    /// Confirms the account `name` with `code`. It signs in at once only when `marker` (the browser's sign-up
    /// marker) names this very account and the account may start a session: a marker for another account (say,
    /// one whose mailbox this browser never saw) signs nobody in, and the page asks to sign in instead.
    pub async fn hosted_confirm_sign_up(
        &self,
        pool: &UserPool,
        client: &AppClient,
        name: &str,
        code: &str,
        marker: Option<&str>,
    ) -> Result<Option<Authenticated>> {
        let hash = hosted_secret_hash(client, name);
        let confirmed = self
            .confirm_sign_up(&client.client_id, name, code, hash.as_deref(), false)
            .await?;
        let signed_up_here = marker
            .and_then(|m| self.signed_up_username(&pool.id, m))
            .is_some_and(|username| username == confirmed.username);
        if !(signed_up_here && confirmed.may_start_session()) {
            return Ok(None);
        }
        // Confirming here signs the new user in: PostAuthentication may still refuse it.
        self.post_authentication(pool, &client.client_id, &confirmed, false)
            .await?;
        Ok(Some(Authenticated {
            user: confirmed,
            auth_time: self.clock.now(),
        }))
    }

    /// Sends a new confirmation code to the account `name`.
    pub async fn hosted_resend_code(&self, client: &AppClient, name: &str) -> Result<()> {
        let hash = hosted_secret_hash(client, name);
        self.resend_confirmation_code(&client.client_id, name, hash.as_deref())
            .await
            .map(drop)
    }
}
