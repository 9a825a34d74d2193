//! USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH (ADMIN_NO_SRP_AUTH): the password checked against its
//! Argon2id hash, then the user's state decides between tokens, a NEW_PASSWORD_REQUIRED challenge, or
//! Cognito's error for that state.

use serde_json::{json, Map, Value};

use super::client::{names_of, ClientProof};
use super::first_factor::FirstFactorStep;
use super::outcome::AuthOutcome;
use crate::clients::AppClient;
use crate::error::Result;
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::triggers::TokenSource;
use crate::users::attributes::missing_required;
use crate::users::{user_not_found, User};

/// An Argon2id hash of a random password, verified against when the user does not exist so that the answer
/// takes as long as for a real user.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$bGF0Y2hrZXlkdW1teXNhbHQ$2oWcOaxC9ZXQyxvYvQjULrbk1dPsdnAFn9mHj0Flq2w";

impl Latchkey {
    /// The user a sign-in names, or the error Cognito gives for a missing one (generic when the client hides
    /// user existence).
    pub(crate) async fn user_for_sign_in(
        &self,
        pool: &UserPool,
        client: &AppClient,
        name: &str,
    ) -> Result<Option<User>> {
        let user = self.find_by_sign_in_name(pool, name).await?;
        if user.is_none() && !client.hides_user_existence() {
            return Err(user_not_found());
        }
        Ok(user)
    }

    /// Checks a user's password (with lockout and Cognito's rules for unknown users) and returns the user, whatever
    /// their status. A name the pool does not know goes to its UserMigration function first; `pre_authentication`
    /// fires PreAuthentication before the password is judged (false where the sign-in fired it already: USER_AUTH
    /// fires it once, at InitiateAuth, whichever factor follows).
    pub(crate) async fn authenticate_password(
        &self,
        pool: &UserPool,
        client: &AppClient,
        name: &str,
        password: &str,
        proof: ClientProof<'_>,
        pre_authentication: bool,
    ) -> Result<User> {
        let found = match self.find_by_sign_in_name(pool, name).await? {
            None if crate::triggers::configured(pool, crate::triggers::Trigger::UserMigration) => {
                proof.check(self, client, &[name])?;
                self.migrate_user(pool, &client.client_id, name, Some(password))
                    .await?
                    .map(|m| m.user)
            }
            found => found,
        };
        let found = match found {
            None if !client.hides_user_existence() => return Err(user_not_found()),
            found => found,
        };
        if pre_authentication {
            self.pre_authentication(pool, &client.client_id, found.as_ref(), name)
                .await?;
        }
        let Some(user) = found else {
            proof.check(self, client, &[name])?;
            let hash = async {
                let _ = self.hasher.verify(password, DUMMY_HASH).await?;
                Ok(())
            };
            return Err(self.judge_phantom_attempt(pool, name, hash).await);
        };
        proof.check(self, client, &names_of(name, &user))?;
        self.judge_attempt(pool, user, |user| {
            let stored = user.password_hash.clone();
            async move {
                match stored {
                    Some(phc) => self.hasher.verify(password, &phc).await,
                    None => {
                        let _ = self.hasher.verify(password, DUMMY_HASH).await?;
                        Ok(false)
                    }
                }
            }
        })
        .await
    }

    /// The user proved their password: their state decides what happens next, then the second factor they owe.
    /// `device_key` is the device the client says it is on (DEVICE_KEY), if any.
    pub(crate) async fn after_first_factor(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: User,
        device_key: Option<&str>,
        source: TokenSource,
    ) -> Result<AuthOutcome> {
        match self.first_factor_step(&user)? {
            FirstFactorStep::SignIn => self.second_factor(pool, client, &user, device_key, source).await,
            FirstFactorStep::NewPasswordRequired => Ok(self.new_password_challenge(pool, client, &user)),
        }
    }

    pub(crate) fn new_password_challenge(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
    ) -> AuthOutcome {
        let required: Vec<String> = missing_required(pool, user)
            .iter()
            .map(|a| format!("userAttributes.{a}"))
            .collect();
        let attrs: Map<String, Value> = user
            .attributes
            .iter()
            .filter(|(k, _)| !k.starts_with("dev:"))
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let mut parameters = Map::new();
        parameters.insert("USER_ID_FOR_SRP".into(), json!(user.username));
        parameters.insert(
            "requiredAttributes".into(),
            json!(Value::from(required).to_string()),
        );
        parameters.insert("userAttributes".into(), json!(Value::Object(attrs).to_string()));
        AuthOutcome::Challenge {
            name: "NEW_PASSWORD_REQUIRED".into(),
            session: Some(self.seal_session(client, &user.username, "NEW_PASSWORD_REQUIRED")),
            parameters,
        }
    }
}
