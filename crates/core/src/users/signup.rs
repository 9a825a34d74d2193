//! SignUp, ConfirmSignUp and ResendConfirmationCode: self-service registration with a code sent to the address
//! the pool verifies automatically.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::attributes::{check_required, validate_writes, AttributeInput, Writer};
use super::delivery::verification_target;
use super::names::is_username_attribute;
use super::{User, STATUS_CONFIRMED, STATUS_UNCONFIRMED};
use crate::codes::PURPOSE_SIGN_UP;
use crate::error::{CognitoError, ErrorKind, Result};
use crate::ids::new_uuid;
use crate::passwords::check_policy;
use crate::phantom::{CONFIRM_SIGN_UP_PER_HOUR, RESEND_PER_HOUR};
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::triggers::{MessageSource, Occasion, PostConfirmationSource, PreSignUpSource};

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SignUpInput {
    pub client_id: String,
    pub secret_hash: Option<String>,
    pub username: String,
    pub password: Option<String>,
    #[serde(default)]
    pub user_attributes: Vec<AttributeInput>,
    /// Passed to the PreSignUp trigger only, never stored. amazon-cognito-identity-js sends `null` for none.
    #[serde(default)]
    pub validation_data: Option<Vec<AttributeInput>>,
}

/// Name/value pairs (ValidationData) as a trigger's event carries them.
pub(crate) fn pairs_of(inputs: &Option<Vec<AttributeInput>>) -> Vec<(String, String)> {
    inputs
        .iter()
        .flatten()
        .map(|a| (a.name.clone(), a.value.clone().unwrap_or_default()))
        .collect()
}

pub struct SignUpOutcome {
    pub user_confirmed: bool,
    pub user_sub: String,
    pub code_delivery: Option<Value>,
}

impl Latchkey {
    /// Sends a new sign-up code for `user` to the attribute the pool verifies, worded for `occasion`; returns
    /// CodeDeliveryDetails (None when the pool verifies nothing the user has, and no message is sent).
    async fn send_sign_up_code(
        &self,
        pool: &UserPool,
        user: &User,
        occasion: Occasion<'_>,
    ) -> Result<Option<Value>> {
        match verification_target(pool, user) {
            Some(destination) => Ok(Some(
                self.send_code(pool, user, PURPOSE_SIGN_UP, &destination, occasion)
                    .await?,
            )),
            None => Ok(None),
        }
    }

    pub async fn sign_up(&self, input: SignUpInput) -> Result<SignUpOutcome> {
        let (client, pool) = self.client_and_pool(&input.client_id).await?;
        self.check_secret_hash(&client, &[&input.username], input.secret_hash.as_deref())?;
        if pool.admin_create_user_config.allow_admin_create_user_only {
            return Err(CognitoError::new(
                ErrorKind::NotAuthorizedException,
                "SignUp is not permitted for this user pool",
            ));
        }
        let password = input
            .password
            .as_deref()
            .ok_or_else(|| CognitoError::invalid_parameter("Password is required."))?;
        let mut attributes: BTreeMap<String, String> =
            validate_writes(&pool, Writer::Client(&client), &input.user_attributes)?
                .into_iter()
                .collect();
        let sub = new_uuid(self.rng.as_ref());
        let username = self.internal_username(&pool, &input.username, &sub, &mut attributes)?;
        check_required(&pool, &attributes)?;
        check_policy(&pool.policies.password_policy, password)?;
        let decided = self
            .pre_sign_up(
                &pool,
                PreSignUpSource::SignUp,
                Some(&client.client_id),
                &username,
                &attributes,
                &pairs_of(&input.validation_data),
            )
            .await?;
        let material = self.password_material(&pool.id, &username, password).await?;
        let status = if decided.auto_confirm_user {
            // The function vouches for the user: confirmed now, and the addresses it says are verified.
            for (flag, attr) in [
                (decided.auto_verify_email, "email"),
                (decided.auto_verify_phone, "phone_number"),
            ] {
                if flag && attributes.contains_key(attr) {
                    attributes.insert(format!("{attr}_verified"), "true".into());
                }
            }
            STATUS_CONFIRMED
        } else {
            STATUS_UNCONFIRMED
        };
        let mut user = User::new(
            &pool.id,
            username,
            sub.clone(),
            attributes,
            status,
            self.clock.now(),
        );
        material.apply(&mut user);
        self.insert_user(&pool, &user, false).await?;
        if decided.auto_confirm_user {
            self.post_confirmation(
                &pool,
                PostConfirmationSource::ConfirmSignUp,
                Some(&client.client_id),
                &user,
            )
            .await?;
            return Ok(SignUpOutcome {
                user_confirmed: true,
                user_sub: sub,
                code_delivery: None,
            });
        }
        // The user is stored before the CustomMessage function words the code's message, and stays when it fails:
        // so does Cognito's, as applications that throw from CustomMessage_SignUp to hold sign-ups for approval
        // rely on (they take "CustomMessage failed with error Pending for approval." as the request received).
        // No code was issued then: ResendConfirmationCode sends one.
        let occasion = Occasion::new(MessageSource::SignUp, Some(&client.client_id));
        let code_delivery = self.send_sign_up_code(&pool, &user, occasion).await?;
        Ok(SignUpOutcome {
            user_confirmed: false,
            user_sub: sub,
            code_delivery,
        })
    }

    /// The internal username for a new user. In pools whose sign-in name is email or phone, the name given must be
    /// one, becomes that attribute, and the internal username is the `sub`; elsewhere the name is the username, and
    /// may not look like an attribute the pool uses as an alias.
    pub(crate) fn internal_username(
        &self,
        pool: &UserPool,
        given: &str,
        sub: &str,
        attributes: &mut BTreeMap<String, String>,
    ) -> Result<String> {
        if pool.username_attributes.as_ref().is_some_and(|a| !a.is_empty()) {
            let attr = if given.contains('@') && is_username_attribute(pool, "email") {
                "email"
            } else if given.starts_with('+') && is_username_attribute(pool, "phone_number") {
                "phone_number"
            } else if is_username_attribute(pool, "email") {
                return Err(CognitoError::invalid_parameter("Username should be an email."));
            } else {
                return Err(CognitoError::invalid_parameter(
                    "Username should be a phone number.",
                ));
            };
            validate_writes(
                pool,
                Writer::Admin,
                &[AttributeInput {
                    name: attr.into(),
                    value: Some(given.into()),
                }],
            )?;
            attributes.insert(attr.into(), given.into());
            return Ok(sub.to_string());
        }
        let aliases = pool.alias_attributes.iter().flatten();
        for alias in aliases {
            let looks_like = match alias.as_str() {
                "email" => given.contains('@'),
                "phone_number" => given.starts_with('+') && given[1..].chars().all(|c| c.is_ascii_digit()),
                _ => false,
            };
            if looks_like {
                return Err(CognitoError::invalid_parameter(format!(
                    "Username cannot be of {alias} format, since user pool is configured for {alias} alias."
                )));
            }
        }
        Ok(given.to_string())
    }

    pub async fn confirm_sign_up(
        &self,
        client_id: &str,
        name: &str,
        code: &str,
        secret_hash: Option<&str>,
        force_alias: bool,
    ) -> Result<User> {
        // Hiding users, "already confirmed" would say the account exists: answered as a wrong code for a phantom.
        let (pool, user) = self
            .user_named_by_client(client_id, name, secret_hash, |_, u| {
                u.status == STATUS_UNCONFIRMED
            })
            .await?;
        let Some(user) = user else {
            return Err(self.phantom_confirm_sign_up(&pool, name).await);
        };
        if user.status != STATUS_UNCONFIRMED {
            return Err(CognitoError::new(
                ErrorKind::NotAuthorizedException,
                format!("User cannot be confirmed. Current status is {}", user.status),
            ));
        }
        self.limit_per_hour(
            "ConfirmSignUp",
            &pool.id,
            &user.username,
            CONFIRM_SIGN_UP_PER_HOUR,
        )
        .await?;
        self.consume_code(&pool.id, &user.username, PURPOSE_SIGN_UP, code)
            .await?;
        let verified = verification_target(&pool, &user).map(|d| d.attribute);
        let (confirmed, ()) = self
            .mutate_user_forcing(&pool, &user.username, force_alias, |u| {
                u.status = STATUS_CONFIRMED.into();
                if let Some(attr) = verified {
                    u.attributes.insert(format!("{attr}_verified"), "true".into());
                }
                Ok(())
            })
            .await?;
        self.post_confirmation(
            &pool,
            PostConfirmationSource::ConfirmSignUp,
            Some(client_id),
            &confirmed,
        )
        .await?;
        Ok(confirmed)
    }

    pub async fn resend_confirmation_code(
        &self,
        client_id: &str,
        name: &str,
        secret_hash: Option<&str>,
    ) -> Result<Value> {
        // Hiding users, one who needs no code (disabled, already confirmed, nothing to verify) is a phantom.
        let (pool, user) = self
            .user_named_by_client(client_id, name, secret_hash, awaits_sign_up_code)
            .await?;
        let Some(user) = user else {
            return self.phantom_resend_confirmation_code(&pool, name).await;
        };
        if user.status != STATUS_UNCONFIRMED {
            return Err(CognitoError::invalid_parameter("User is already confirmed."));
        }
        self.limit_per_hour(
            "ResendConfirmationCode",
            &pool.id,
            &user.username,
            RESEND_PER_HOUR,
        )
        .await?;
        let occasion = Occasion::new(MessageSource::ResendCode, Some(client_id));
        self.send_sign_up_code(&pool, &user, occasion)
            .await?
            .ok_or_else(|| {
                CognitoError::invalid_parameter(
                    "Cannot send a code: the user has no attribute the pool verifies.",
                )
            })
    }
}

/// Whether `user` is one a sign-up code is meant for: enabled, unconfirmed, with an attribute the pool verifies.
fn awaits_sign_up_code(pool: &UserPool, user: &User) -> bool {
    user.enabled && user.status == STATUS_UNCONFIRMED && verification_target(pool, user).is_some()
}
