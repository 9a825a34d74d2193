//! StartWebAuthnRegistration and CompleteWebAuthnRegistration: a signed-in user (access token) registers a
//! passkey. Start hands out the PublicKeyCredentialCreationOptions a browser's `navigator.credentials.create`
//! takes and keeps the ceremony's state, sealed, in the user's document for five minutes; Complete verifies the
//! browser's RegistrationResponseJSON against it. The pending registration is spent by the first Complete,
//! whatever its outcome.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;
use webauthn_rs::prelude::{Passkey, PasskeyRegistration, RegisterPublicKeyCredential, Uuid};

use super::errors::{
    already_registered, challenge_not_found, client_mismatch, limit_exceeded, malformed_credential,
    registration_refused,
};
use super::model::{PendingRegistration, StoredPasskey, MAX_PASSKEYS};
use crate::error::{CognitoError, Result};
use crate::service::Latchkey;
use crate::time::Timestamp;
use crate::users::User;

/// The master-key purpose a pending registration's state is sealed under.
const REGISTRATION_PURPOSE: &str = "passkey-registration";

/// How long a started registration may be completed.
const REGISTRATION_SECONDS: i64 = 300;

/// The WebAuthn user handle: the `sub` UUID's bytes (any other `sub` is hashed to 16 bytes).
pub(crate) fn user_handle(user: &User) -> Uuid {
    Uuid::parse_str(&user.sub).unwrap_or_else(|_| {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, user.sub.as_bytes());
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest.as_ref()[..16]);
        Uuid::from_bytes(bytes)
    })
}

/// What an authenticator shows for the account: the email when there is one, else the username.
fn display_name(user: &User) -> &str {
    user.attribute("email")
        .filter(|e| !e.is_empty())
        .unwrap_or(&user.username)
}

/// The name a new passkey is listed under, from the kind of authenticator that holds it.
fn friendly_name(attachment: Option<&str>) -> &'static str {
    match attachment {
        Some("platform") => "Platform authenticator",
        Some("cross-platform") => "Security key",
        _ => "Passkey",
    }
}

/// A verified credential as the user's document keeps it, with what the browser said of its authenticator.
fn stored_passkey(passkey: Passkey, credential: &Value, rp_id: &str, now: Timestamp) -> StoredPasskey {
    let attachment = credential
        .get("authenticatorAttachment")
        .and_then(Value::as_str)
        .filter(|a| matches!(*a, "platform" | "cross-platform"))
        .map(str::to_string);
    let transports = credential
        .pointer("/response/transports")
        .and_then(Value::as_array)
        .map(|ts| ts.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    StoredPasskey {
        credential_id: URL_SAFE_NO_PAD.encode(passkey.cred_id()),
        friendly_name: friendly_name(attachment.as_deref()).to_string(),
        relying_party_id: rp_id.to_string(),
        authenticator_attachment: attachment,
        transports,
        created: now,
        passkey,
    }
}

fn internal(what: &str, e: impl std::fmt::Display) -> CognitoError {
    CognitoError::internal(format!("{what}: {e}"))
}

impl Latchkey {
    /// StartWebAuthnRegistration: the PublicKeyCredentialCreationOptions (the bare options, not wrapped in
    /// `publicKey`) for a new passkey of the token's user, excluding the passkeys the user already has.
    pub async fn start_web_authn_registration(&self, access_token: &str) -> Result<Value> {
        let ctx = self.authenticate_access_token(access_token).await?;
        let (rp, _) = self.relying_party(&ctx.pool)?;
        let user = &ctx.user;
        if user.passkeys.credentials.len() >= MAX_PASSKEYS {
            return Err(limit_exceeded());
        }
        let exclude = user
            .passkeys
            .credentials
            .iter()
            .filter_map(|c| URL_SAFE_NO_PAD.decode(&c.credential_id).ok())
            .collect::<Vec<_>>();
        let (ccr, state) = rp
            .start_passkey_registration(
                user_handle(user),
                &user.username,
                display_name(user),
                (!exclude.is_empty()).then_some(exclude),
            )
            .map_err(|e| internal("passkey registration start", e))?;
        let options = serde_json::to_value(&ccr.public_key).map_err(|e| internal("creation options", e))?;
        let state = serde_json::to_vec(&state).map_err(|e| internal("registration state", e))?;
        let pending = PendingRegistration {
            state: self
                .secrets
                .master_key
                .seal(self.rng.as_ref(), REGISTRATION_PURPOSE, &state),
            client_id: ctx.client_id.clone(),
            expires: self.clock.now().plus_seconds(REGISTRATION_SECONDS),
        };
        self.mutate_user(&ctx.pool, &user.username, |u| {
            u.passkeys.pending = Some(pending.clone());
            Ok(())
        })
        .await?;
        Ok(options)
    }

    /// CompleteWebAuthnRegistration: verifies the browser's RegistrationResponseJSON against the registration
    /// the same app client started, and stores the passkey.
    pub async fn complete_web_authn_registration(
        &self,
        access_token: &str,
        credential: &Value,
    ) -> Result<()> {
        let ctx = self.authenticate_access_token(access_token).await?;
        let (rp, rp_id) = self.relying_party(&ctx.pool)?;
        let now = self.clock.now();
        let pending = ctx
            .user
            .passkeys
            .pending
            .clone()
            .filter(|p| p.expires > now)
            .ok_or_else(challenge_not_found)?;
        if pending.client_id != ctx.client_id {
            return Err(client_mismatch());
        }
        let state: PasskeyRegistration = self
            .secrets
            .master_key
            .open(REGISTRATION_PURPOSE, &pending.state)
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(challenge_not_found)?;
        let verified = serde_json::from_value::<RegisterPublicKeyCredential>(credential.clone())
            .map_err(malformed_credential)
            .and_then(|response| {
                rp.finish_passkey_registration(&response, &state)
                    .map_err(|e| registration_refused(&e))
            })
            .map(|passkey| stored_passkey(passkey, credential, &rp_id, now));
        // The registration is spent whatever the outcome; an error out of the closure means another Complete
        // spent it first, and nothing is written.
        let (_, outcome) = self
            .mutate_user(&ctx.pool, &ctx.user.username, |u| {
                if u.passkeys.pending.as_ref() != Some(&pending) {
                    return Err(challenge_not_found());
                }
                u.passkeys.pending = None;
                let stored = match &verified {
                    Ok(stored) => stored.clone(),
                    Err(e) => return Ok(Err(e.clone())),
                };
                if u.passkeys.find(&stored.credential_id).is_some() {
                    return Ok(Err(already_registered()));
                }
                if u.passkeys.credentials.len() >= MAX_PASSKEYS {
                    return Ok(Err(limit_exceeded()));
                }
                u.passkeys.credentials.push(stored);
                Ok(Ok(()))
            })
            .await?;
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_handle_is_the_sub_uuid() {
        let mut user = User::new(
            "us-east-1_P",
            "alice".into(),
            "0f8fad5b-d9cb-469f-a165-70867728950e".into(),
            Default::default(),
            crate::users::STATUS_CONFIRMED,
            Timestamp(0),
        );
        assert_eq!(
            user_handle(&user).to_string(),
            "0f8fad5b-d9cb-469f-a165-70867728950e"
        );
        assert_eq!(display_name(&user), "alice");
        user.attributes.insert("email".into(), "alice@example.com".into());
        assert_eq!(display_name(&user), "alice@example.com");
        user.sub = "not-a-uuid".into();
        assert_eq!(user_handle(&user), user_handle(&user.clone()));
    }

    #[test]
    fn creation_options_are_the_bare_public_key_options() {
        let rp = super::super::relying_party::webauthn("localhost").unwrap();
        let user_id = Uuid::parse_str("0f8fad5b-d9cb-469f-a165-70867728950e").unwrap();
        let (ccr, state) = rp
            .start_passkey_registration(user_id, "alice", "alice@example.com", Some(vec![vec![1, 2, 3]]))
            .unwrap();
        let options = serde_json::to_value(&ccr.public_key).unwrap();
        assert!(options.get("publicKey").is_none());
        for member in ["challenge", "user", "rp", "pubKeyCredParams"] {
            assert!(options.get(member).is_some(), "{member} in {options}");
        }
        assert_eq!(options["rp"]["id"], "localhost");
        assert_eq!(options["user"]["name"], "alice");
        assert_eq!(options["user"]["displayName"], "alice@example.com");
        // base64url without padding, as PublicKeyCredential.parseCreationOptionsFromJSON reads it.
        assert_eq!(options["user"]["id"], URL_SAFE_NO_PAD.encode(user_id.as_bytes()));
        assert_eq!(options["excludeCredentials"][0]["id"], "AQID");
        assert_eq!(options["authenticatorSelection"]["userVerification"], "required");
        // The state survives the trip through the user's document.
        let json = serde_json::to_vec(&state).unwrap();
        let _: PasskeyRegistration = serde_json::from_slice(&json).unwrap();
    }

    #[test]
    fn passkeys_are_named_by_their_authenticator() {
        assert_eq!(friendly_name(Some("platform")), "Platform authenticator");
        assert_eq!(friendly_name(Some("cross-platform")), "Security key");
        assert_eq!(friendly_name(Some("other")), "Passkey");
        assert_eq!(friendly_name(None), "Passkey");
    }
}
