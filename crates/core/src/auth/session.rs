//! The `Session` of a challenge: the state of an unfinished sign-in, sealed with the master key so any node can
//! continue it and no client can alter it. It expires after the client's AuthSessionValidity.

use serde::{Deserialize, Serialize};

use super::outcome::session_expired;
use crate::clients::AppClient;
use crate::error::Result;
use crate::mfa::MfaFactor;
use crate::service::Latchkey;
use crate::time::Timestamp;

const PURPOSE: &str = "auth-session";

fn spent_key(session: &str) -> String {
    format!("spent-session:{}", crate::secrets::sha256_hex(session.as_bytes()))
}

fn session_spent() -> crate::error::CognitoError {
    crate::error::CognitoError::new(
        crate::error::ErrorKind::NotAuthorizedException,
        "Invalid session for the user, session can only be used once.",
    )
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionState {
    pub pool_id: String,
    pub client_id: String,
    pub username: String,
    pub challenge: String,
    pub expires: Timestamp,
    /// The device a DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER step is about, or that an MFA step's sign-in
    /// goes on with.
    #[serde(default)]
    pub device_key: Option<String>,
    /// MFA_SETUP: the factor set up during this sign-in (VerifySoftwareToken with the Session).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_set_up: Option<MfaFactor>,
    /// MFA_SETUP by email: the address the EMAIL_OTP code went to, which becomes the user's verified email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setup_email: Option<String>,
    /// WEB_AUTHN: the passkey ceremony's state (the challenge and the credentials allowed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webauthn: Option<String>,
    /// CUSTOM_AUTH: the session history and the open challenge's private parameters (see `custom`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom: Option<super::custom::CustomAuthState>,
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

    /// A session state for `username`'s next step `challenge`, valid for the client's AuthSessionValidity.
    pub(crate) fn session_state(
        &self,
        client: &AppClient,
        username: &str,
        challenge: &str,
        device_key: Option<&str>,
    ) -> SessionState {
        SessionState {
            pool_id: client.user_pool_id.clone(),
            client_id: client.client_id.clone(),
            username: username.into(),
            challenge: challenge.into(),
            expires: client.session_expiry(self.clock.now()),
            device_key: device_key.map(str::to_string),
            mfa_set_up: None,
            setup_email: None,
            webauthn: None,
            custom: None,
        }
    }

    fn seal_session_state(
        &self,
        client: &AppClient,
        username: &str,
        challenge: &str,
        device_key: Option<&str>,
    ) -> String {
        self.seal_state(&self.session_state(client, username, challenge, device_key))
    }

    /// The sealed `Session` carrying `state`.
    pub(crate) fn seal_state(&self, state: &SessionState) -> String {
        let json = serde_json::to_vec(state).unwrap_or_default();
        self.secrets.master_key.seal(self.rng.as_ref(), PURPOSE, &json)
    }

    /// Opens a session for `challenge` whichever client it belongs to (AssociateSoftwareToken and
    /// VerifySoftwareToken name no client); forged or expired ones are refused.
    pub(crate) fn open_any_session(&self, challenge: &str, session: Option<&str>) -> Result<SessionState> {
        let sealed = session.ok_or_else(session_expired)?;
        let plain = self
            .secrets
            .master_key
            .open(PURPOSE, sealed)
            .ok_or_else(session_expired)?;
        let state: SessionState = serde_json::from_slice(&plain).map_err(|_| session_expired())?;
        if state.challenge != challenge || state.expires <= self.clock.now() {
            return Err(session_expired());
        }
        Ok(state)
    }

    /// Opens a session for `client` and `challenge`; anything else (forged, foreign, expired) is refused.
    pub(crate) fn open_session(
        &self,
        client: &AppClient,
        challenge: &str,
        session: Option<&str>,
    ) -> Result<SessionState> {
        let state = self.open_any_session(challenge, session)?;
        if state.client_id != client.client_id {
            return Err(session_expired());
        }
        Ok(state)
    }

    /// Refuses a sealed `session` that already finished a sign-in (`spend_session`), before anything is judged.
    pub(crate) async fn check_unspent(&self, session: &str) -> Result<()> {
        match self
            .store
            .get_counter(&spent_key(session), self.clock.now())
            .await?
        {
            Some((n, _)) if n > 0 => Err(session_spent()),
            _ => Ok(()),
        }
    }

    /// Marks the sealed `session` (whose state expires at `expires`) as used to finish a sign-in: the first use
    /// passes, any later one — a replay, even with a new code — is refused, as Cognito refuses a spent session.
    pub(crate) async fn spend_session(&self, session: &str, expires: Timestamp) -> Result<()> {
        if self
            .store
            .increment_counter(&spent_key(session), self.clock.now(), expires)
            .await?
            > 1
        {
            return Err(session_spent());
        }
        Ok(())
    }
}
