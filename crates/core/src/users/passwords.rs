//! Password operations: ForgotPassword / ConfirmForgotPassword (self-service reset by code), ChangePassword
//! (token-authorised), AdminSetUserPassword and AdminResetUserPassword.

use serde_json::Value;

use super::{
    User, STATUS_CONFIRMED, STATUS_FORCE_CHANGE_PASSWORD, STATUS_RESET_REQUIRED, STATUS_UNCONFIRMED,
};
use crate::auth::names_for;
use crate::codes::PURPOSE_FORGOT_PASSWORD;
use crate::error::{CognitoError, ErrorKind, Result};
use crate::mail::{compose, delivery_details, Channel, Template};
use crate::passwords::check_policy;
use crate::phantom::{CONFIRM_FORGOT_PASSWORD_PER_HOUR, FORGOT_PASSWORD_PER_HOUR};
use crate::pools::UserPool;
use crate::service::Latchkey;

/// Where a reset code goes: the pool's AccountRecoverySetting order, else a verified email, else a verified phone.
fn recovery_target(pool: &UserPool, user: &User) -> Option<(Channel, &'static str, String)> {
    let mut order: Vec<&str> = pool
        .account_recovery_setting
        .as_ref()
        .and_then(|s| s.get("RecoveryMechanisms"))
        .and_then(Value::as_array)
        .map(|mechs| {
            let mut m: Vec<(i64, &str)> = mechs
                .iter()
                .filter_map(|x| Some((x.get("Priority")?.as_i64()?, x.get("Name")?.as_str()?)))
                .collect();
            m.sort();
            m.into_iter().map(|(_, n)| n).collect()
        })
        .unwrap_or_default();
    if order.is_empty() {
        order = vec!["verified_email", "verified_phone_number"];
    }
    for mechanism in order {
        let (attr, channel) = match mechanism {
            "verified_email" => ("email", Channel::Email),
            "verified_phone_number" => ("phone_number", Channel::Sms),
            _ => continue,
        };
        if user.is_verified(attr) {
            if let Some(v) = user.attributes.get(attr) {
                return Some((channel, attr, v.clone()));
            }
        }
    }
    None
}

/// Whether `user` could be sent a reset code: enabled, with a verified address to send it to.
fn may_reset(pool: &UserPool, user: &User) -> bool {
    user.enabled && recovery_target(pool, user).is_some()
}

pub(crate) fn not_found() -> CognitoError {
    CognitoError::new(
        ErrorKind::UserNotFoundException,
        "Username/client id combination not found.",
    )
}

fn no_recovery() -> CognitoError {
    CognitoError::invalid_parameter(
        "Cannot reset password for the user as there is no registered/verified email or phone_number",
    )
}

impl Latchkey {
    async fn send_reset_code(&self, pool: &UserPool, user: &User) -> Result<Value> {
        let (channel, attr, to) = recovery_target(pool, user).ok_or_else(no_recovery)?;
        let code = self
            .issue_code(&pool.id, &user.username, PURPOSE_FORGOT_PASSWORD)
            .await?;
        self.deliver(compose(
            pool,
            Template::Verification,
            channel,
            &to,
            &code,
            &user.username,
        ));
        Ok(delivery_details(channel, attr, &to))
    }

    pub async fn forgot_password(
        &self,
        client_id: &str,
        name: &str,
        secret_hash: Option<&str>,
    ) -> Result<Value> {
        let (client, pool) = self.client_and_pool(client_id).await?;
        let hide = client.hides_user_existence();
        let user = match self.find_by_sign_in_name(&pool, name).await? {
            // Hiding users, one who could not get a code (disabled, no verified address) is a phantom too.
            Some(u) if !hide || may_reset(&pool, &u) => u,
            Some(u) => {
                self.check_secret_hash(&client, &names_for(name, &u), secret_hash)?;
                return self.phantom_forgot_password(&pool, name).await;
            }
            None => {
                self.check_secret_hash(&client, &[name], secret_hash)?;
                if hide {
                    return self.phantom_forgot_password(&pool, name).await;
                }
                return Err(not_found());
            }
        };
        self.check_secret_hash(&client, &names_for(name, &user), secret_hash)?;
        if !user.enabled {
            return Err(CognitoError::new(
                ErrorKind::NotAuthorizedException,
                "User is disabled.",
            ));
        }
        self.limit_per_hour(
            "ForgotPassword",
            &pool.id,
            &user.username,
            FORGOT_PASSWORD_PER_HOUR,
        )
        .await?;
        self.send_reset_code(&pool, &user).await
    }

    pub async fn confirm_forgot_password(
        &self,
        client_id: &str,
        name: &str,
        code: &str,
        password: &str,
        secret_hash: Option<&str>,
    ) -> Result<()> {
        let (client, pool) = self.client_and_pool(client_id).await?;
        let hide = client.hides_user_existence();
        let user = match self.find_by_sign_in_name(&pool, name).await? {
            Some(u) if !hide || may_reset(&pool, &u) => u,
            Some(u) => {
                self.check_secret_hash(&client, &names_for(name, &u), secret_hash)?;
                return Err(self.phantom_confirm_forgot_password(&pool, name, password).await);
            }
            None => {
                self.check_secret_hash(&client, &[name], secret_hash)?;
                if hide {
                    return Err(self.phantom_confirm_forgot_password(&pool, name, password).await);
                }
                return Err(not_found());
            }
        };
        self.check_secret_hash(&client, &names_for(name, &user), secret_hash)?;
        if !user.enabled {
            return Err(CognitoError::new(
                ErrorKind::NotAuthorizedException,
                "User is disabled.",
            ));
        }
        self.limit_per_hour(
            "ConfirmForgotPassword",
            &pool.id,
            &user.username,
            CONFIRM_FORGOT_PASSWORD_PER_HOUR,
        )
        .await?;
        check_policy(&pool.policies.password_policy, password)?;
        self.consume_code(&pool.id, &user.username, PURPOSE_FORGOT_PASSWORD, code)
            .await?;
        let material = self.password_material(&pool.id, &user.username, password).await?;
        let target = recovery_target(&pool, &user).map(|(_, attr, _)| attr);
        self.mutate_user(&pool, &user.username, |u| {
            material.apply(u);
            // The code reached an address the user controls: that confirms them and proves the address.
            if matches!(
                u.status.as_str(),
                STATUS_RESET_REQUIRED | STATUS_UNCONFIRMED | STATUS_FORCE_CHANGE_PASSWORD
            ) {
                u.status = STATUS_CONFIRMED.into();
            }
            if let Some(attr) = target {
                u.attributes.insert(format!("{attr}_verified"), "true".into());
            }
            u.temporary_password_expires = None;
            Ok(())
        })
        .await?;
        // A new password starts with a clean slate.
        self.clear_lockout(&pool.id, &user.username).await
    }

    pub async fn change_password(&self, access_token: &str, previous: &str, proposed: &str) -> Result<()> {
        let ctx = self.authenticate_access_token(access_token).await?;
        let (pool, user) = (&ctx.pool, &ctx.user);
        self.limit_per_hour("ChangePassword", &pool.id, &user.username, 5)
            .await?;
        let stored = user.password_hash.clone();
        self.judge_attempt(pool, user.clone(), |_| async move {
            match stored {
                Some(phc) => self.hasher.verify(previous, &phc).await,
                None => Ok(false),
            }
        })
        .await?;
        check_policy(&pool.policies.password_policy, proposed)?;
        let material = self.password_material(&pool.id, &user.username, proposed).await?;
        self.mutate_user(pool, &user.username, |u| {
            material.apply(u);
            Ok(())
        })
        .await?;
        Ok(())
    }

    pub async fn admin_set_user_password(
        &self,
        pool_id: &str,
        name: &str,
        password: &str,
        permanent: bool,
    ) -> Result<()> {
        let pool = self.pool(pool_id).await?;
        let user = self.admin_user(&pool, name).await?;
        check_policy(&pool.policies.password_policy, password)?;
        let material = self.password_material(&pool.id, &user.username, password).await?;
        let days = i64::from(
            pool.policies
                .password_policy
                .temporary_password_validity_days
                .max(1),
        );
        let now = self.clock.now();
        self.mutate_user(&pool, &user.username, |u| {
            material.apply(u);
            if permanent {
                u.status = STATUS_CONFIRMED.into();
                u.temporary_password_expires = None;
            } else {
                u.status = STATUS_FORCE_CHANGE_PASSWORD.into();
                u.temporary_password_expires = Some(now.plus_seconds(days * 86_400));
            }
            Ok(())
        })
        .await?;
        self.clear_lockout(&pool.id, &user.username).await
    }

    /// Invalidates the password: the user must reset it with a code, which is sent now when they have a verified
    /// address.
    pub async fn admin_reset_user_password(&self, pool_id: &str, name: &str) -> Result<()> {
        let pool = self.pool(pool_id).await?;
        let user = self.admin_user(&pool, name).await?;
        if recovery_target(&pool, &user).is_none() {
            return Err(no_recovery());
        }
        let (user, ()) = self
            .mutate_user(&pool, &user.username, |u| {
                u.status = STATUS_RESET_REQUIRED.into();
                Ok(())
            })
            .await?;
        self.send_reset_code(&pool, &user).await?;
        Ok(())
    }
}
