//! DEVICE_SRP_AUTH → DEVICE_PASSWORD_VERIFIER: the device proves it holds the random password it registered
//! with ConfirmDevice, by the same SRP exchange as a user's password with the device group key as the "pool
//! name" and the device key as the "user".

use serde::{Deserialize, Serialize};
use serde_json::{json, Map};

use crate::auth::{incorrect, required, session_expired, AuthOutcome, ChallengeAnswer};
use crate::error::{CognitoError, Result};
use crate::service::Latchkey;
use crate::srp::math;
use crate::srp::wire::{check_timestamp, open_block, random_exponent, seal_block, ServerValues};
use crate::time::Timestamp;
use crate::users::user_disabled;

const PURPOSE: &str = "device-srp-secret-block";

#[derive(Serialize, Deserialize)]
struct DeviceSrpState {
    pool_id: String,
    client_id: String,
    username: String,
    device_key: String,
    #[serde(flatten)]
    exchange: ServerValues,
    expires: Timestamp,
}

impl Latchkey {
    /// DEVICE_SRP_AUTH: the client sends SRP_A for its device; the answer is DEVICE_PASSWORD_VERIFIER.
    pub(crate) async fn device_srp_auth(&self, answer: ChallengeAnswer<'_>) -> Result<AuthOutcome> {
        let (pool, client) = (answer.pool, answer.client);
        let (session, responses) = (answer.session, answer.responses);
        let device_key = required(responses, "DEVICE_KEY")?;
        let username = match session {
            Some(_) => {
                let state = self.open_session(client, "DEVICE_SRP_AUTH", session)?;
                if state.device_key.as_deref() != Some(device_key) {
                    return Err(session_expired());
                }
                state.username
            }
            // Some clients (pycognito, AWS's Java example) send this step without the Session: accept it only
            // right after this user's password proof named this device.
            None => {
                let user = self
                    .find_by_sign_in_name(pool, required(responses, "USERNAME")?)
                    .await?
                    .ok_or_else(session_expired)?;
                if !self
                    .recent_device_challenge(pool, client, &user.username, device_key)
                    .await?
                {
                    return Err(session_expired());
                }
                user.username
            }
        };
        let user = self
            .store
            .get_user(&pool.id, &username)
            .await?
            .ok_or_else(incorrect)?;
        let device = self.user_device(pool, &user, device_key).await?;
        let (Some(v), Some(salt)) = (
            device.verifier.as_deref().and_then(math::from_hex),
            device.salt.clone(),
        ) else {
            return Err(super::device_not_found());
        };
        let a_pub = math::from_hex(required(responses, "SRP_A")?)
            .filter(math::valid_public)
            .ok_or_else(|| CognitoError::invalid_parameter("SRP_A is not a valid SRP public value."))?;
        let b = random_exponent(self.rng.as_ref());
        let b_pub = math::server_public(&v, &b);
        let sealed = DeviceSrpState {
            pool_id: pool.id.clone(),
            client_id: client.client_id.clone(),
            username: user.username.clone(),
            device_key: device_key.into(),
            exchange: ServerValues::new(&b, &a_pub, &b_pub),
            expires: client.session_expiry(self.clock.now()),
        };
        let block = seal_block(&self.secrets.master_key, self.rng.as_ref(), PURPOSE, &sealed)?;
        let mut parameters = Map::new();
        parameters.insert("SRP_B".into(), json!(math::to_hex(&b_pub)));
        parameters.insert("SALT".into(), json!(salt));
        parameters.insert("SECRET_BLOCK".into(), json!(block));
        parameters.insert("USERNAME".into(), json!(user.username));
        parameters.insert("DEVICE_KEY".into(), json!(device_key));
        let session =
            self.seal_device_session(client, &user.username, device_key, "DEVICE_PASSWORD_VERIFIER");
        Ok(AuthOutcome::Challenge {
            name: "DEVICE_PASSWORD_VERIFIER".into(),
            session: Some(session),
            parameters,
        })
    }

    /// DEVICE_PASSWORD_VERIFIER: checks the device's proof; tokens carry its `device_key`.
    pub(crate) async fn device_password_verifier(&self, answer: ChallengeAnswer<'_>) -> Result<AuthOutcome> {
        let (pool, client) = (answer.pool, answer.client);
        let (session, responses) = (answer.session, answer.responses);
        // The SECRET_BLOCK carries the state; a Session, when sent, must agree with it.
        let session_state = match session {
            Some(_) => Some(self.open_session(client, "DEVICE_PASSWORD_VERIFIER", session)?),
            None => None,
        };
        let block_text = required(responses, "PASSWORD_CLAIM_SECRET_BLOCK")?;
        let (block, state): (_, DeviceSrpState) =
            open_block(&self.secrets.master_key, PURPOSE, block_text).ok_or_else(session_expired)?;
        let now = self.clock.now();
        if state.client_id != client.client_id
            || state.pool_id != pool.id
            || state.expires <= now
            || session_state.as_ref().is_some_and(|s| {
                s.device_key.as_deref() != Some(state.device_key.as_str()) || s.username != state.username
            })
        {
            return Err(session_expired());
        }
        let timestamp = required(responses, "TIMESTAMP")?;
        check_timestamp(timestamp, now)?;
        let use_key = format!("device-srp-block:{}", crate::secrets::sha256_hex(&block));
        if self.store.increment_counter(&use_key, now, state.expires).await? > 1 {
            return Err(session_expired());
        }
        let user = self
            .store
            .get_user(&pool.id, &state.username)
            .await?
            .ok_or_else(incorrect)?;
        let device = self.user_device(pool, &user, &state.device_key).await?;
        let signature = required(responses, "PASSWORD_CLAIM_SIGNATURE")?;
        let (group_key, key) = (&device.device_group_key, &device.device_key);
        let ok = state
            .exchange
            .check_claim(
                device.verifier.as_deref(),
                group_key,
                key,
                &block,
                timestamp,
                signature,
            )
            .ok_or_else(session_expired)?;
        if !ok {
            return Err(incorrect());
        }
        if !user.enabled {
            return Err(user_disabled());
        }
        let device = self.touch_device(pool, &user, &device.device_key).await?;
        self.post_authentication(pool, &client.client_id, &user, false)
            .await?;
        let tokens = self
            .tokens_for_device(
                pool,
                client,
                &user,
                Some(&device.device_key),
                crate::triggers::TokenSource::AuthenticateDevice,
            )
            .await?;
        Ok(AuthOutcome::Tokens(tokens))
    }
}
