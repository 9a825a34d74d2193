//! Finishing a sign-in with devices in mind (NewDeviceMetadata for an unknown device, DEVICE_SRP_AUTH for a
//! known one), ConfirmDevice, and the device operations (GetDevice, ListDevices, UpdateDeviceStatus,
//! ForgetDevice) with their Admin twins.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Map};

use super::Device;
use crate::auth::AuthOutcome;
use crate::clients::AppClient;
use crate::error::{CognitoError, Result};
use crate::ids::{new_uuid, random_string};
use crate::pools::UserPool;
use crate::service::pagination::{page_of, page_size};
use crate::service::{landed, Latchkey, MAX_CONFLICT_RETRIES};
use crate::srp::math;
use crate::store::{Page, StoreError};
use crate::tokens::Grant;
use crate::triggers::TokenSource;
use crate::users::{User, UserRef};

pub fn device_not_found() -> CognitoError {
    CognitoError::not_found("Device does not exist.")
}

impl Latchkey {
    /// The user proved their password and may have tokens: a confirmed device of theirs must now prove itself
    /// (DEVICE_SRP_AUTH); otherwise tokens, with NewDeviceMetadata when the pool tracks devices and the client
    /// named none.
    pub(crate) async fn complete_sign_in(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        device_key: Option<&str>,
        source: TokenSource,
    ) -> Result<AuthOutcome> {
        if let Some(key) = device_key {
            let device = self.user_device(pool, user, key).await?;
            if device.confirmed() {
                let mut parameters = Map::new();
                parameters.insert("USERNAME".into(), json!(user.username));
                parameters.insert("DEVICE_KEY".into(), json!(device.device_key));
                let session =
                    self.seal_device_session(client, &user.username, &device.device_key, "DEVICE_SRP_AUTH");
                self.note_device_challenge(pool, client, &user.username, &device.device_key)
                    .await?;
                return Ok(AuthOutcome::Challenge {
                    name: "DEVICE_SRP_AUTH".into(),
                    session: Some(session),
                    parameters,
                });
            }
            self.post_authentication(pool, &client.client_id, user, false)
                .await?;
            return self
                .tokens_for_device(pool, client, user, Some(&device.device_key), source)
                .await
                .map(AuthOutcome::Tokens);
        }
        self.post_authentication(pool, &client.client_id, user, pool.device_configuration.is_some())
            .await?;
        let mut new_device = None;
        if pool.device_configuration.is_some() {
            new_device = Some(self.register_device(pool, user).await?);
        }
        let mut tokens = self
            .tokens_for_device(
                pool,
                client,
                user,
                new_device.as_ref().map(|d| d.device_key.as_str()),
                source,
            )
            .await?;
        tokens.new_device_metadata =
            new_device.map(|d| json!({"DeviceKey": d.device_key, "DeviceGroupKey": d.device_group_key}));
        Ok(AuthOutcome::Tokens(tokens))
    }

    fn device_challenge_key(pool: &UserPool, client: &AppClient, username: &str, device_key: &str) -> String {
        format!(
            "device-challenge:{}:{}:{username}:{device_key}",
            pool.id, client.client_id
        )
    }

    /// Records that `username` just proved their password and was asked to prove `device_key`.
    async fn note_device_challenge(
        &self,
        pool: &UserPool,
        client: &AppClient,
        username: &str,
        device_key: &str,
    ) -> Result<()> {
        let now = self.clock.now();
        let expires = client.session_expiry(now);
        self.store
            .increment_counter(
                &Self::device_challenge_key(pool, client, username, device_key),
                now,
                expires,
            )
            .await?;
        Ok(())
    }

    /// Whether such a challenge is still open (its counter exists and has not expired).
    pub(crate) async fn recent_device_challenge(
        &self,
        pool: &UserPool,
        client: &AppClient,
        username: &str,
        device_key: &str,
    ) -> Result<bool> {
        let now = self.clock.now();
        let key = Self::device_challenge_key(pool, client, username, device_key);
        // Incrementing a missing or expired counter starts it at 1, expiring at once, so it stays absent.
        Ok(self.store.increment_counter(&key, now, now).await? > 1)
    }

    pub(crate) async fn tokens_for_device(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        device_key: Option<&str>,
        source: TokenSource,
    ) -> Result<crate::tokens::AuthenticationResult> {
        self.issue_tokens(Grant {
            pool,
            client,
            user,
            auth_time: self.clock.now(),
            refresh_of: None,
            device_key,
            scopes: None,
            nonce: None,
            origin_jti: None,
            with_refresh_token: true,
            source,
        })
        .await
    }

    /// A new, not yet confirmed device for the user.
    async fn register_device(&self, pool: &UserPool, user: &User) -> Result<Device> {
        let now = self.clock.now();
        let device = Device {
            pool_id: pool.id.clone(),
            username: user.username.clone(),
            device_key: format!("{}_{}", pool.region(), new_uuid(self.rng.as_ref())),
            device_group_key: format!(
                "-{}",
                random_string(
                    self.rng.as_ref(),
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                    9
                )
            ),
            salt: None,
            verifier: None,
            name: None,
            remembered: false,
            last_ip: None,
            created: now,
            modified: now,
            last_authenticated: now,
            version: 1,
        };
        self.store.insert_device(&device).await?;
        Ok(device)
    }

    /// The user's device `key`; ResourceNotFoundException for another user's or an unknown one (clients then
    /// retry without DEVICE_KEY).
    pub(crate) async fn user_device(&self, pool: &UserPool, user: &User, key: &str) -> Result<Device> {
        self.store
            .get_device(&pool.id, key)
            .await?
            .filter(|d| d.username == user.username)
            .ok_or_else(device_not_found)
    }

    /// Read-modify-write of a device with retry.
    async fn mutate_device(
        &self,
        pool: &UserPool,
        user: &User,
        key: &str,
        change: impl Fn(&mut Device),
    ) -> Result<Device> {
        for _ in 0..MAX_CONFLICT_RETRIES {
            let mut d = self.user_device(pool, user, key).await?;
            change(&mut d);
            d.modified = self.clock.now();
            d.version += 1;
            if landed(self.store.update_device(&d).await)? {
                return Ok(d);
            }
        }
        Err(StoreError::Conflict(format!("Device {key}")).into())
    }

    /// Records that the device just authenticated.
    pub(crate) async fn touch_device(&self, pool: &UserPool, user: &User, key: &str) -> Result<Device> {
        let now = self.clock.now();
        self.mutate_device(pool, user, key, |d| d.last_authenticated = now)
            .await
    }

    /// ConfirmDevice: stores the device's SRP verifier; returns UserConfirmationNecessary.
    pub async fn confirm_device(
        &self,
        access_token: &str,
        key: &str,
        verifier_b64: &str,
        salt_b64: &str,
        name: Option<&str>,
    ) -> Result<bool> {
        let ctx = self.authenticate_access_token(access_token).await?;
        let invalid = || {
            CognitoError::invalid_parameter(
                "DeviceSecretVerifierConfig is not valid base64 of an SRP verifier and salt.",
            )
        };
        let verifier = STANDARD.decode(verifier_b64).map_err(|_| invalid())?;
        let salt = STANDARD.decode(salt_b64).map_err(|_| invalid())?;
        if verifier.is_empty()
            || verifier.len() > math::ELEMENT_BYTES + 1
            || salt.is_empty()
            || salt.len() > 64
        {
            return Err(invalid());
        }
        let v = math::u3072_from_be(&verifier);
        if !math::valid_public(&v) {
            return Err(invalid());
        }
        let prompt = ctx
            .pool
            .device_configuration
            .as_ref()
            .is_some_and(|c| c.device_only_remembered_on_user_prompt);
        let (v_hex, s_hex) = (math::to_hex(&v), math::to_hex(&math::u3072_from_be(&salt)));
        self.mutate_device(&ctx.pool, &ctx.user, key, |d| {
            d.verifier = Some(v_hex.clone());
            d.salt = Some(s_hex.clone());
            d.name = name.map(str::to_string).or(d.name.take());
            d.remembered = !prompt;
        })
        .await?;
        Ok(prompt)
    }

    /// GetDevice / AdminGetDevice.
    pub async fn get_device(&self, owner: UserRef<'_>, key: &str) -> Result<Device> {
        let (pool, user) = self.resolve_user(owner).await?;
        self.user_device(&pool, &user, key).await
    }

    /// UpdateDeviceStatus / AdminUpdateDeviceStatus: `remembered` or `not_remembered`.
    pub async fn update_device_status(&self, owner: UserRef<'_>, key: &str, status: &str) -> Result<()> {
        let (pool, user) = self.resolve_user(owner).await?;
        let remembered = match status {
            "remembered" => true,
            "not_remembered" => false,
            other => {
                return Err(CognitoError::invalid_parameter(format!(
                    "Invalid DeviceRememberedStatus: {other}"
                )))
            }
        };
        self.mutate_device(&pool, &user, key, |d| d.remembered = remembered)
            .await?;
        Ok(())
    }

    /// ForgetDevice / AdminForgetDevice.
    pub async fn forget_device(&self, owner: UserRef<'_>, key: &str) -> Result<()> {
        let (pool, user) = self.resolve_user(owner).await?;
        self.user_device(&pool, &user, key).await?;
        if !self.store.delete_device(&pool.id, key).await? {
            return Err(device_not_found());
        }
        Ok(())
    }

    /// ListDevices / AdminListDevices.
    pub async fn list_devices(
        &self,
        owner: UserRef<'_>,
        limit: Option<u32>,
        token: Option<&str>,
    ) -> Result<Page<Device>> {
        let (pool, user) = self.resolve_user(owner).await?;
        let (pool_id, username) = (&pool.id, &user.username);
        page_of("device", token, |after| async move {
            self.store
                .list_devices(pool_id, username, after.as_deref(), page_size(limit))
                .await
        })
        .await
    }
}
