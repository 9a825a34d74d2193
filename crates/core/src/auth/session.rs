//! The `Session` of a challenge: the state of an unfinished sign-in, sealed with the master key so any node can
//! continue it and no client can alter it. It expires after the client's AuthSessionValidity.

use serde::{Deserialize, Serialize};

use super::outcome::session_expired;
use crate::clients::AppClient;
use crate::error::Result;
use crate::service::Latchkey;
use crate::time::Timestamp;

const PURPOSE: &str = "auth-session";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionState {
    pub pool_id: String,
    pub client_id: String,
    pub username: String,
    pub challenge: String,
    pub expires: Timestamp,
    /// The device a DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER step is about.
    #[serde(default)]
    pub device_key: Option<String>,
}

impl Latchkey {
    pub(crate) fn seal_session(&self, client: &AppClient, username: &str, challenge: &str) -> String {
        self.seal_session_state(client, username, challenge, None)
    }

    pub(crate) fn seal_device_session(
        &self,
        client: &AppClient,
        username: &str,
        device_key: &str,
        challenge: &str,
    ) -> String {
        self.seal_session_state(client, username, challenge, Some(device_key))
    }

    fn seal_session_state(
        &self,
        client: &AppClient,
        username: &str,
        challenge: &str,
        device_key: Option<&str>,
    ) -> String {
        let state = SessionState {
            pool_id: client.user_pool_id.clone(),
            client_id: client.client_id.clone(),
            username: username.into(),
            challenge: challenge.into(),
            expires: client.session_expiry(self.clock.now()),
            device_key: device_key.map(str::to_string),
        };
        let json = serde_json::to_vec(&state).unwrap_or_default();
        self.secrets.master_key.seal(self.rng.as_ref(), PURPOSE, &json)
    }

    /// Opens a session for `client` and `challenge`; anything else (forged, foreign, expired) is refused.
    pub(crate) fn open_session(
        &self,
        client: &AppClient,
        challenge: &str,
        session: Option<&str>,
    ) -> Result<SessionState> {
        let sealed = session.ok_or_else(session_expired)?;
        let plain = self
            .secrets
            .master_key
            .open(PURPOSE, sealed)
            .ok_or_else(session_expired)?;
        let state: SessionState = serde_json::from_slice(&plain).map_err(|_| session_expired())?;
        if state.client_id != client.client_id
            || state.challenge != challenge
            || state.expires <= self.clock.now()
        {
            return Err(session_expired());
        }
        Ok(state)
    }
}
