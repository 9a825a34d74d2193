//! The passkey half of a USER_AUTH sign-in's WEB_AUTHN challenge, for the sign-in flow to call: the
//! PublicKeyCredentialRequestOptions to hand the browser (CREDENTIAL_REQUEST_OPTIONS) with the ceremony's
//! state, and the verification of the browser's AuthenticationResponseJSON against that state.
//!
//! The state returned by `passkey_authentication_start` is plain JSON: the caller must carry it sealed (in the
//! sign-in's Session), never hand it out as it is.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use webauthn_rs::prelude::{Passkey, PasskeyAuthentication, PublicKeyCredential};

use super::errors::{from_webauthn, malformed_credential, sign_in_refused};
use crate::error::{CognitoError, Result};
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::users::User;

impl Latchkey {
    /// Whether the sign-in may offer WEB_AUTHN to `user`: the pool allows it and the user has a passkey for its
    /// relying party.
    pub(crate) fn passkey_sign_in_available(&self, pool: &UserPool, user: &User) -> bool {
        super::web_authn_allowed(pool)
            && super::relying_party_id(pool, &self.settings).is_some_and(|rp_id| {
                user.passkeys
                    .credentials
                    .iter()
                    .any(|c| c.relying_party_id == rp_id)
            })
    }

    /// Starts a passkey sign-in for `user`: the CREDENTIAL_REQUEST_OPTIONS JSON (the bare
    /// PublicKeyCredentialRequestOptions, allowing the user's passkeys for this relying party) and the
    /// serialised ceremony state to keep, sealed, until `passkey_authentication_finish`.
    pub(crate) fn passkey_authentication_start(
        &self,
        pool: &UserPool,
        user: &User,
    ) -> Result<(String, String)> {
        let (rp, rp_id) = self.relying_party(pool)?;
        let passkeys: Vec<Passkey> = user
            .passkeys
            .credentials
            .iter()
            .filter(|c| c.relying_party_id == rp_id)
            .map(|c| c.passkey.clone())
            .collect();
        if passkeys.is_empty() {
            return Err(sign_in_refused());
        }
        let (rcr, state) = rp
            .start_passkey_authentication(&passkeys)
            .map_err(|e| CognitoError::internal(format!("passkey authentication start: {e}")))?;
        let options = serde_json::to_string(&rcr.public_key)
            .map_err(|e| CognitoError::internal(format!("request options: {e}")))?;
        let state = serde_json::to_string(&state)
            .map_err(|e| CognitoError::internal(format!("authentication state: {e}")))?;
        Ok((options, state))
    }

    /// Finishes a passkey sign-in: verifies the browser's AuthenticationResponseJSON against `state`, records
    /// the passkey's new signature counter and backup state, and returns the user as saved. A response that does
    /// not verify is refused as a wrong password is (NotAuthorizedException), except for the wrong origin or
    /// relying party, which are Cognito's WebAuthn exceptions.
    pub(crate) async fn passkey_authentication_finish(
        &self,
        pool: &UserPool,
        user: &User,
        state: &str,
        credential_json: &str,
    ) -> Result<User> {
        let (rp, _) = self.relying_party(pool)?;
        let state: PasskeyAuthentication = serde_json::from_str(state).map_err(|_| sign_in_refused())?;
        let credential: PublicKeyCredential =
            serde_json::from_str(credential_json).map_err(malformed_credential)?;
        let result = rp
            .finish_passkey_authentication(&credential, &state)
            .map_err(|e| from_webauthn(&e, sign_in_refused))?;
        let credential_id = URL_SAFE_NO_PAD.encode(result.cred_id());
        let (saved, ()) = self
            .mutate_user(pool, &user.username, |u| {
                // Deleted since the challenge went out: no longer a way in.
                let stored = u
                    .passkeys
                    .credentials
                    .iter_mut()
                    .find(|c| c.credential_id == credential_id)
                    .ok_or_else(sign_in_refused)?;
                stored.passkey.update_credential(&result);
                Ok(())
            })
            .await?;
        Ok(saved)
    }
}
