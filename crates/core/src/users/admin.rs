//! Administrator operations on users: AdminCreateUser (with invitation and temporary password),
//! AdminConfirmSignUp, AdminGetUser, AdminDeleteUser, AdminDisableUser, AdminEnableUser — and the sign-outs and
//! deletions a user or administrator can ask for.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::attributes::{check_required, validate_writes, AttributeInput, Writer};
use super::{user_not_found, User, STATUS_CONFIRMED, STATUS_FORCE_CHANGE_PASSWORD, STATUS_UNCONFIRMED};
use crate::error::{CognitoError, ErrorKind, Result};
use crate::ids::new_uuid;
use crate::mail::{Channel, Wording};
use crate::passwords::{check_policy, generate_temporary_password};
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::time::Timestamp;
use crate::triggers::{MessageSource, Occasion, PostConfirmationSource, PreSignUpSource};

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AdminCreateUserInput {
    pub user_pool_id: String,
    pub username: String,
    #[serde(default)]
    pub user_attributes: Vec<AttributeInput>,
    pub temporary_password: Option<String>,
    #[serde(default)]
    pub force_alias_creation: bool,
    pub message_action: Option<String>,
    pub desired_delivery_mediums: Option<Vec<String>>,
    /// Passed to the PreSignUp trigger only, never stored. amazon-cognito-identity-js sends `null` for none.
    #[serde(default)]
    pub validation_data: Option<Vec<AttributeInput>>,
}

impl Latchkey {
    pub async fn admin_create_user(&self, input: AdminCreateUserInput) -> Result<User> {
        let pool = self.pool(&input.user_pool_id).await?;
        let policy = &pool.policies.password_policy;
        let password = match &input.temporary_password {
            Some(p) => {
                check_policy(policy, p)?;
                p.clone()
            }
            None => generate_temporary_password(self.rng.as_ref(), policy),
        };
        if input.message_action.as_deref() == Some("RESEND") {
            return self.resend_invitation(&pool, &input, &password).await;
        }
        let mut attributes: BTreeMap<String, String> =
            validate_writes(&pool, Writer::Admin, &input.user_attributes)?
                .into_iter()
                .collect();
        let sub = new_uuid(self.rng.as_ref());
        let username = self.internal_username(&pool, &input.username, &sub, &mut attributes)?;
        check_required(&pool, &attributes)?;
        // Refused mediums are refused before the password is hashed: a bad call costs no Argon2 work.
        let invitations = if input.message_action.as_deref() == Some("SUPPRESS") {
            Vec::new()
        } else {
            invitation_channels(&input, &attributes)?
        };
        self.pre_sign_up(
            &pool,
            PreSignUpSource::AdminCreateUser,
            None,
            &username,
            &attributes,
            &super::signup::pairs_of(&input.validation_data),
        )
        .await?;
        let now = self.clock.now();
        let mut user = User::new(
            &pool.id,
            username,
            sub,
            attributes,
            STATUS_FORCE_CHANGE_PASSWORD,
            now,
        );
        // The invitation is worded before the user is stored (or a password hashed): a CustomMessage function that
        // fails creates nobody. Cognito's order here is not documented.
        let wording = self.invitation_wording(&pool, &invitations, &user).await?;
        let material = self
            .password_material(&pool.id, &user.username, &password)
            .await?;
        material.apply(&mut user);
        user.temporary_password_expires = Some(temporary_password_expiry(&pool, now));
        self.insert_user(&pool, &user, input.force_alias_creation)
            .await
            .map_err(|e| {
                if e.kind() == ErrorKind::UsernameExistsException && e.message() == "User already exists" {
                    CognitoError::new(ErrorKind::UsernameExistsException, "User account already exists")
                } else {
                    e
                }
            })?;
        self.send_invitations(&pool, &user, invitations, &wording, &password, &input.username);
        Ok(user)
    }

    /// The invitation's wording by the pool's CustomMessage function, which is asked only when an invitation
    /// goes out.
    async fn invitation_wording(
        &self,
        pool: &UserPool,
        invitations: &[(Channel, String)],
        user: &User,
    ) -> Result<Wording> {
        if invitations.is_empty() {
            return Ok(Wording::default());
        }
        let occasion = Occasion::new(MessageSource::AdminCreateUser, None);
        self.custom_message(pool, occasion, user).await
    }

    async fn resend_invitation(
        &self,
        pool: &UserPool,
        input: &AdminCreateUserInput,
        password: &str,
    ) -> Result<User> {
        let existing = self.admin_user(pool, &input.username).await?;
        if existing.status != STATUS_FORCE_CHANGE_PASSWORD {
            return Err(CognitoError::new(
                ErrorKind::UnsupportedUserStateException,
                format!(
                    "Resend not possible. {} status is not FORCE_CHANGE_PASSWORD",
                    existing.username
                ),
            ));
        }
        let invitations = invitation_channels(input, &existing.attributes)?;
        let wording = self.invitation_wording(pool, &invitations, &existing).await?;
        let material = self
            .password_material(&pool.id, &existing.username, password)
            .await?;
        let expires = temporary_password_expiry(pool, self.clock.now());
        let (user, ()) = self
            .mutate_user(pool, &existing.username, |u| {
                material.apply(u);
                u.temporary_password_expires = Some(expires);
                Ok(())
            })
            .await?;
        self.send_invitations(pool, &user, invitations, &wording, password, &input.username);
        Ok(user)
    }

    /// AdminGetUser: the user an administrator names (username or alias).
    pub async fn admin_get_user(&self, pool_id: &str, name: &str) -> Result<User> {
        let (_, user) = self.admin_target(pool_id, name).await?;
        Ok(user)
    }

    pub async fn admin_confirm_sign_up(&self, pool_id: &str, name: &str) -> Result<()> {
        let (pool, user) = self.admin_target(pool_id, name).await?;
        let (confirmed, ()) = self
            .mutate_user(&pool, &user.username, |u| {
                if u.status != STATUS_UNCONFIRMED {
                    return Err(CognitoError::new(
                        ErrorKind::NotAuthorizedException,
                        format!("User cannot be confirmed. Current status is {}", u.status),
                    ));
                }
                u.status = STATUS_CONFIRMED.into();
                Ok(())
            })
            .await?;
        self.post_confirmation(&pool, PostConfirmationSource::ConfirmSignUp, None, &confirmed)
            .await
    }

    pub async fn admin_delete_user(&self, pool_id: &str, name: &str) -> Result<()> {
        let (pool, user) = self.admin_target(pool_id, name).await?;
        if !self.store.delete_user(&pool.id, &user.username).await? {
            return Err(user_not_found());
        }
        Ok(())
    }

    pub async fn admin_set_enabled(&self, pool_id: &str, name: &str, enabled: bool) -> Result<()> {
        let (pool, user) = self.admin_target(pool_id, name).await?;
        self.mutate_user(&pool, &user.username, |u| {
            u.enabled = enabled;
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// Revokes every refresh token of the user and makes their access tokens fail on token-authorised operations.
    pub(crate) async fn sign_out_everywhere(&self, pool: &UserPool, username: &str) -> Result<()> {
        let now = self.clock.now();
        self.store.revoke_user_tokens(&pool.id, username).await?;
        self.mutate_user(pool, username, |u| {
            // Whole seconds, as token `iat` is: a token issued in this second is caught by its revoked origin.
            u.tokens_valid_after = Some(crate::time::Timestamp::from_millis(now.seconds() * 1000));
            Ok(())
        })
        .await?;
        Ok(())
    }

    pub async fn admin_user_global_sign_out(&self, pool_id: &str, name: &str) -> Result<()> {
        let (pool, user) = self.admin_target(pool_id, name).await?;
        self.sign_out_everywhere(&pool, &user.username).await
    }

    pub async fn global_sign_out(&self, access_token: &str) -> Result<()> {
        let ctx = self.authenticate_access_token(access_token).await?;
        self.sign_out_everywhere(&ctx.pool, &ctx.user.username).await
    }

    pub async fn delete_user(&self, access_token: &str) -> Result<()> {
        let ctx = self.authenticate_access_token(access_token).await?;
        self.store.delete_user(&ctx.pool.id, &ctx.user.username).await?;
        Ok(())
    }

    /// RevokeToken: revokes a refresh token and every token of its sign-in. Unknown tokens succeed silently, as
    /// RFC 7009 asks.
    pub async fn revoke_token(
        &self,
        token: &str,
        client_id: &str,
        client_secret: Option<&str>,
    ) -> Result<()> {
        let (client, _pool) = self.client_and_pool(client_id).await?;
        if let Some(secret) = &client.client_secret {
            let given = client_secret.unwrap_or("");
            if !crate::secrets::constant_time_eq(secret.as_bytes(), given.as_bytes()) {
                return Err(CognitoError::new(
                    ErrorKind::UnauthorizedException,
                    "Invalid client secret.",
                ));
            }
        }
        if !client.enable_token_revocation {
            return Err(CognitoError::new(
                ErrorKind::UnsupportedOperationException,
                "Token revocation is not enabled for this client.",
            ));
        }
        if crate::tokens::jwt::Unverified::parse(token).is_some() {
            return Err(CognitoError::new(
                ErrorKind::UnsupportedTokenTypeException,
                "Only refresh tokens can be revoked.",
            ));
        }
        let hash = crate::tokens::handle_hash(token);
        if let Some(record) = self.store.get_refresh_token(&hash).await? {
            if record.client_id == client.client_id {
                self.store.revoke_origin(&record.origin_jti).await?;
            }
        }
        Ok(())
    }
}

/// When a temporary password set now stops working: the policy's TemporaryPasswordValidityDays (at least one).
pub(crate) fn temporary_password_expiry(pool: &UserPool, now: Timestamp) -> Timestamp {
    let days = pool
        .policies
        .password_policy
        .temporary_password_validity_days
        .max(1);
    now.plus_seconds(i64::from(days) * 86_400)
}

/// Where invitations go. Every medium named in DesiredDeliveryMediums must be one the user has: Cognito refuses
/// the call otherwise, naming the missing attribute. Without DesiredDeliveryMediums the invitation goes by SMS
/// when the user has a phone number, else by email when they have an address, else nowhere: "You can create a
/// user without specifying any attributes other than Username".
fn invitation_channels(
    input: &AdminCreateUserInput,
    attributes: &BTreeMap<String, String>,
) -> Result<Vec<(Channel, String)>> {
    let phone = attributes.get("phone_number");
    let email = attributes.get("email");
    let Some(desired) = &input.desired_delivery_mediums else {
        return Ok(match (phone, email) {
            (Some(p), _) => vec![(Channel::Sms, p.clone())],
            (None, Some(e)) => vec![(Channel::Email, e.clone())],
            (None, None) => Vec::new(),
        });
    };
    let mut out = Vec::with_capacity(desired.len());
    for medium in desired {
        let wanted = match medium.as_str() {
            "EMAIL" => (Channel::Email, email, "email", "Email"),
            _ => (Channel::Sms, phone, "phone_number", "Sms"),
        };
        match wanted {
            (channel, Some(to), _, _) => {
                if !out.iter().any(|(c, _)| *c == channel) {
                    out.push((channel, to.clone()));
                }
            }
            (_, None, attribute, medium) => {
                return Err(CognitoError::invalid_parameter(format!(
                    "No {attribute} provided but desired delivery medium was {medium}"
                )))
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(attrs: &[(&str, &str)]) -> BTreeMap<String, String> {
        attrs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn input(mediums: Option<&[&str]>) -> AdminCreateUserInput {
        AdminCreateUserInput {
            user_pool_id: "p".into(),
            username: "u".into(),
            user_attributes: Vec::new(),
            temporary_password: None,
            force_alias_creation: false,
            message_action: None,
            desired_delivery_mediums: mediums.map(|m| m.iter().map(|s| s.to_string()).collect()),
            validation_data: None,
        }
    }

    #[test]
    fn a_user_with_only_a_username_gets_no_invitation_and_no_error() {
        assert_eq!(invitation_channels(&input(None), &user(&[])).unwrap(), vec![]);
    }

    #[test]
    fn default_medium_is_sms_then_email() {
        let both = user(&[("email", "a@example.com"), ("phone_number", "+15555550100")]);
        assert_eq!(
            invitation_channels(&input(None), &both).unwrap(),
            vec![(Channel::Sms, "+15555550100".to_string())]
        );
        let email_only = user(&[("email", "a@example.com")]);
        assert_eq!(
            invitation_channels(&input(None), &email_only).unwrap(),
            vec![(Channel::Email, "a@example.com".to_string())]
        );
    }

    #[test]
    fn every_named_medium_is_used_and_a_missing_one_is_refused_in_cognitos_words() {
        let both = user(&[("email", "a@example.com"), ("phone_number", "+15555550100")]);
        assert_eq!(
            invitation_channels(&input(Some(&["EMAIL", "SMS"])), &both).unwrap(),
            vec![
                (Channel::Email, "a@example.com".to_string()),
                (Channel::Sms, "+15555550100".to_string())
            ]
        );
        let phone_only = user(&[("phone_number", "+15555550100")]);
        let e = invitation_channels(&input(Some(&["EMAIL", "SMS"])), &phone_only).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidParameterException);
        assert_eq!(
            e.message(),
            "No email provided but desired delivery medium was Email"
        );
        let e =
            invitation_channels(&input(Some(&["SMS"])), &user(&[("email", "a@example.com")])).unwrap_err();
        assert_eq!(
            e.message(),
            "No phone_number provided but desired delivery medium was Sms"
        );
    }
}
