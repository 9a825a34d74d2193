//! Password operations: ForgotPassword / ConfirmForgotPassword (self-service reset by code), ChangePassword
//! (token-authorised), AdminSetUserPassword and AdminResetUserPassword.

use serde_json::Value;

use super::admin::temporary_password_expiry;
use super::delivery::recovery_target;
use super::{
    user_disabled, User, STATUS_CONFIRMED, STATUS_FORCE_CHANGE_PASSWORD, STATUS_RESET_REQUIRED,
    STATUS_UNCONFIRMED,
};
use crate::codes::PURPOSE_FORGOT_PASSWORD;
use crate::error::{CognitoError, Result};
use crate::passwords::check_policy;
use crate::phantom::{CONFIRM_FORGOT_PASSWORD_PER_HOUR, FORGOT_PASSWORD_PER_HOUR};
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::triggers::{MessageSource, Occasion, PostConfirmationSource};

/// Whether `user` could be sent a reset code: enabled, with a verified address to send it to.
fn may_reset(pool: &UserPool, user: &User) -> bool {
    user.enabled && recovery_target(pool, user).is_some()
}

fn no_recovery() -> CognitoError {
    CognitoError::invalid_parameter(
        "Cannot reset password for the user as there is no registered/verified email or phone_number",
    )
}

impl Latchkey {
    /// ForgotPassword's and ConfirmForgotPassword's checks on a real user: enabled, and within `what`'s hourly
    /// limit.
    async fn may_request_reset(&self, what: &str, pool: &UserPool, user: &User, per_hour: u64) -> Result<()> {
        if !user.enabled {
            return Err(user_disabled());
        }
        self.limit_per_hour(what, &pool.id, &user.username, per_hour)
            .await
    }

    pub async fn forgot_password(
        &self,
        client_id: &str,
        name: &str,
        secret_hash: Option<&str>,
    ) -> Result<Value> {
        self.migrate_for_reset(client_id, name, secret_hash).await?;
        // Hiding users, one who could not get a code (disabled, no verified address) is a phantom too.
        let (pool, user) = self
            .user_named_by_client(client_id, name, secret_hash, may_reset)
            .await?;
        let Some(user) = user else {
            return self.phantom_forgot_password(&pool, name).await;
        };
        self.may_request_reset("ForgotPassword", &pool, &user, FORGOT_PASSWORD_PER_HOUR)
            .await?;
        let destination = recovery_target(&pool, &user).ok_or_else(no_recovery)?;
        let occasion = Occasion::new(MessageSource::ForgotPassword, Some(client_id));
        self.send_code(&pool, &user, PURPOSE_FORGOT_PASSWORD, &destination, occasion)
            .await
    }

    /// ForgotPassword for a name the pool does not know asks the pool's UserMigration function, which may bring
    /// the user over (RESET_REQUIRED) so the reset goes on as for any user.
    async fn migrate_for_reset(&self, client_id: &str, name: &str, secret_hash: Option<&str>) -> Result<()> {
        let (client, pool) = self.client_and_pool(client_id).await?;
        if !crate::triggers::configured(&pool, crate::triggers::Trigger::UserMigration)
            || self.find_by_sign_in_name(&pool, name).await?.is_some()
        {
            return Ok(());
        }
        self.check_secret_hash(&client, &[name], secret_hash)?;
        self.migrate_user(&pool, client_id, name, None).await?;
        Ok(())
    }

    pub async fn confirm_forgot_password(
        &self,
        client_id: &str,
        name: &str,
        code: &str,
        password: &str,
        secret_hash: Option<&str>,
    ) -> Result<()> {
        let (pool, user) = self
            .user_named_by_client(client_id, name, secret_hash, may_reset)
            .await?;
        let Some(user) = user else {
            return Err(self.phantom_confirm_forgot_password(&pool, name, password).await);
        };
        self.may_request_reset(
            "ConfirmForgotPassword",
            &pool,
            &user,
            CONFIRM_FORGOT_PASSWORD_PER_HOUR,
        )
        .await?;
        check_policy(&pool.policies.password_policy, password)?;
        self.consume_code(&pool.id, &user.username, PURPOSE_FORGOT_PASSWORD, code)
            .await?;
        let material = self.password_material(&pool.id, &user.username, password).await?;
        let target = recovery_target(&pool, &user).map(|d| d.attribute);
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
        self.clear_lockout(&pool.id, &user.username).await?;
        let Some(user) = self.store.get_user(&pool.id, &user.username).await? else {
            return Ok(());
        };
        self.post_confirmation(
            &pool,
            PostConfirmationSource::ConfirmForgotPassword,
            Some(client_id),
            &user,
        )
        .await
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
        let (pool, user) = self.admin_target(pool_id, name).await?;
        check_policy(&pool.policies.password_policy, password)?;
        let material = self.password_material(&pool.id, &user.username, password).await?;
        let expires = temporary_password_expiry(&pool, self.clock.now());
        self.mutate_user(&pool, &user.username, |u| {
            material.apply(u);
            if permanent {
                u.status = STATUS_CONFIRMED.into();
                u.temporary_password_expires = None;
            } else {
                u.status = STATUS_FORCE_CHANGE_PASSWORD.into();
                u.temporary_password_expires = Some(expires);
            }
            Ok(())
        })
        .await?;
        self.clear_lockout(&pool.id, &user.username).await
    }

    /// Invalidates the password: the user must reset it with a code, which is sent now when they have a verified
    /// address.
    pub async fn admin_reset_user_password(&self, pool_id: &str, name: &str) -> Result<()> {
        let (pool, user) = self.admin_target(pool_id, name).await?;
        let destination = recovery_target(&pool, &user).ok_or_else(no_recovery)?;
        // The message is worded before the password is invalidated, so a CustomMessage function that fails leaves
        // the user as they were (what Cognito stores then is not documented). The function sees the user as the
        // reset leaves them.
        let mut reset = user.clone();
        reset.status = STATUS_RESET_REQUIRED.into();
        let occasion = Occasion::new(MessageSource::ForgotPassword, None);
        let wording = self
            .wording_for(&pool, occasion, &reset, destination.channel)
            .await?;
        let (user, ()) = self
            .mutate_user(&pool, &user.username, |u| {
                u.status = STATUS_RESET_REQUIRED.into();
                Ok(())
            })
            .await?;
        self.send_worded_code(
            &pool,
            &user,
            PURPOSE_FORGOT_PASSWORD,
            &destination,
            &wording,
            occasion,
        )
        .await?;
        Ok(())
    }
}
