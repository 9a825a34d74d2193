//! A user's own profile (token-authorised: GetUser, UpdateUserAttributes, DeleteUserAttributes,
//! GetUserAttributeVerificationCode, VerifyUserAttribute) and the administrator's twins.

use std::sync::Arc;

use serde_json::Value;

use super::attributes::{check_mutable, check_required, validate_writes, AttributeInput, Writer};
use super::delivery::{attribute_target, channel_of};
use super::{User, UserRef};
use crate::codes::purpose_verify;
use crate::error::{CognitoError, Result};
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::tokens::AccessContext;
use crate::triggers::{MessageSource, Occasion};

impl Latchkey {
    /// The user behind an access token, with the client that token was issued to.
    pub async fn get_user_by_token(
        &self,
        access_token: &str,
    ) -> Result<(AccessContext, Option<Arc<crate::clients::AppClient>>)> {
        let ctx = self.authenticate_access_token(access_token).await?;
        // The client only says which attributes it may read: a copy up to a second old serves (`cached_client`).
        let client = self.cached_client(&ctx.client_id).await?;
        Ok((ctx, client))
    }

    /// UpdateUserAttributes and AdminUpdateUserAttributes: a user writes their own attributes, as the client
    /// their access token was issued to may; an administrator writes any. Returns CodeDeliveryDetails for the codes
    /// sent.
    pub async fn update_user_attributes(
        &self,
        who: UserRef<'_>,
        attrs: &[AttributeInput],
    ) -> Result<Vec<Value>> {
        match who {
            UserRef::AccessToken(token) => {
                let ctx = self.authenticate_access_token(token).await?;
                let client = self
                    .store
                    .get_client(&ctx.client_id)
                    .await?
                    .ok_or_else(|| CognitoError::client_not_found(&ctx.client_id))?;
                self.update_attributes(&ctx.pool, &ctx.user, Writer::Client(&client), attrs)
                    .await
            }
            UserRef::Named { pool_id, username } => {
                let (pool, user) = self.admin_target(pool_id, username).await?;
                self.update_attributes(&pool, &user, Writer::Admin, attrs).await
            }
        }
    }

    /// DeleteUserAttributes and AdminDeleteUserAttributes.
    pub async fn delete_user_attributes(&self, who: UserRef<'_>, names: &[String]) -> Result<()> {
        let (pool, user) = self.resolve_user(who).await?;
        self.delete_attributes(&pool, &user.username, names).await
    }

    /// Applies attribute writes; a changed email or phone number becomes unverified unless the same request
    /// verifies it, and gets a verification code when the pool verifies it automatically. Returns
    /// CodeDeliveryDetails for the codes sent.
    async fn update_attributes(
        &self,
        pool: &UserPool,
        user: &User,
        writer: Writer<'_>,
        attrs: &[AttributeInput],
    ) -> Result<Vec<Value>> {
        let writes = validate_writes(pool, writer, attrs)?;
        // The codes' message is worded (once, for every code this update sends) before the update is stored, so a
        // CustomMessage function that fails leaves the attributes as they were; what Cognito stores then is not
        // documented. The function sees the user as the update leaves them.
        let client_id = match writer {
            Writer::Client(client) => Some(client.client_id.as_str()),
            _ => None,
        };
        let occasion = Occasion::new(MessageSource::UpdateUserAttribute, client_id);
        let mut updated = user.clone();
        let planned = apply_writes(pool, &mut updated, &writes)?;
        let mut wording = if codes_owed(pool, &updated, &planned).is_empty() {
            None
        } else {
            Some(self.custom_message(pool, occasion, &updated).await?)
        };
        let (user, changed) = self
            .mutate_user(pool, &user.username, |u| apply_writes(pool, u, &writes))
            .await?;
        let owed = codes_owed(pool, &user, &changed);
        if !owed.is_empty() && wording.is_none() {
            // Another writer changed the user in between: this update owes a code the plan did not.
            wording = Some(self.custom_message(pool, occasion, &user).await?);
        }
        let wording = wording.unwrap_or_default();
        let mut details = Vec::new();
        for name in owed {
            let destination = attribute_target(&user, name)?;
            details.push(
                self.send_worded_code(
                    pool,
                    &user,
                    &purpose_verify(name),
                    &destination,
                    &wording,
                    occasion,
                )
                .await?,
            );
        }
        Ok(details)
    }

    async fn delete_attributes(&self, pool: &UserPool, username: &str, names: &[String]) -> Result<()> {
        self.mutate_user(pool, username, |u| {
            for name in names {
                if name == "sub" {
                    return Err(CognitoError::invalid_parameter(
                        "Cannot delete an immutable attribute: sub",
                    ));
                }
                check_mutable(pool, u, name)?;
                u.attributes.remove(name);
                if channel_of(name).is_some() {
                    u.attributes.remove(&format!("{name}_verified"));
                }
            }
            check_required(pool, &u.attributes)
        })
        .await?;
        Ok(())
    }

    pub async fn get_user_attribute_verification_code(
        &self,
        access_token: &str,
        attribute: &str,
    ) -> Result<Value> {
        let ctx = self.authenticate_access_token(access_token).await?;
        self.limit_per_hour(
            "GetUserAttributeVerificationCode",
            &ctx.pool.id,
            &ctx.user.username,
            5,
        )
        .await?;
        let destination = attribute_target(&ctx.user, attribute)?;
        let occasion = Occasion::new(MessageSource::VerifyUserAttribute, Some(&ctx.client_id));
        self.send_code(
            &ctx.pool,
            &ctx.user,
            &purpose_verify(attribute),
            &destination,
            occasion,
        )
        .await
    }

    pub async fn verify_user_attribute(&self, access_token: &str, attribute: &str, code: &str) -> Result<()> {
        let ctx = self.authenticate_access_token(access_token).await?;
        if channel_of(attribute).is_none() {
            return Err(CognitoError::invalid_parameter(format!(
                "Attribute {attribute} cannot be verified."
            )));
        }
        self.limit_per_hour("VerifyUserAttribute", &ctx.pool.id, &ctx.user.username, 15)
            .await?;
        self.consume_code(&ctx.pool.id, &ctx.user.username, &purpose_verify(attribute), code)
            .await?;
        self.mutate_user(&ctx.pool, &ctx.user.username, |u| {
            u.attributes
                .insert(format!("{attribute}_verified"), "true".into());
            Ok(())
        })
        .await?;
        Ok(())
    }
}

/// Writes `writes` into `u`: changed values (each checked mutable), and a changed email or phone number
/// unverified unless the writes verify it too. Returns the names of the attributes changed.
fn apply_writes(pool: &UserPool, u: &mut User, writes: &[(String, String)]) -> Result<Vec<String>> {
    let mut changed = Vec::new();
    for (name, value) in writes {
        if u.attributes.get(name) == Some(value) {
            continue;
        }
        check_mutable(pool, u, name)?;
        u.attributes.insert(name.clone(), value.clone());
        changed.push(name.clone());
    }
    for name in ["email", "phone_number"] {
        let flag = format!("{name}_verified");
        if changed.iter().any(|c| c == name) && !writes.iter().any(|(n, _)| *n == flag) {
            u.attributes.insert(flag, "false".into());
        }
    }
    Ok(changed)
}

/// Which of the `changed` attributes of `user` get a verification code: an email or phone number left
/// unverified that the pool verifies automatically.
fn codes_owed<'a>(pool: &UserPool, user: &User, changed: &'a [String]) -> Vec<&'a str> {
    changed
        .iter()
        .map(String::as_str)
        .filter(|n| channel_of(n).is_some())
        .filter(|n| !user.is_verified(n) && pool.auto_verified_attributes.iter().any(|a| a == n))
        .collect()
}
