//! The hosted UI's passkey sign-in: the sign-in page's "Sign in with a passkey" button starts USER_AUTH's
//! WEB_AUTHN challenge for the name typed (the same user lookup, availability and sealed Session as the API's), the
//! passkey page hands its CREDENTIAL_REQUEST_OPTIONS to the browser, and the browser's AuthenticationResponseJSON
//! is checked as RespondToAuthChallenge WEB_AUTHN checks it (the Session used once). A passkey is the whole
//! sign-in: no MFA follows.

use std::collections::BTreeMap;

use super::sign_in::HostedSignIn;
use crate::auth::{AuthOutcome, ChallengeAnswer, ClientProof};
use crate::clients::AppClient;
use crate::error::{CognitoError, ErrorKind, Result};
use crate::pools::UserPool;
use crate::service::Latchkey;

/// The passkey page to show: the user it is for (the internal username), the sealed WEB_AUTHN Session, and the
/// PublicKeyCredentialRequestOptions JSON for `navigator.credentials.get` (binary members base64url-encoded).
#[derive(Debug, Clone)]
pub struct PasskeyPrompt {
    pub username: String,
    pub session: String,
    pub options_json: String,
}

/// The refusal when the name typed has no passkey to sign in with. A name without a user gets the same words
/// when the client hides user existence, so the page does not tell them apart.
fn no_passkey() -> CognitoError {
    CognitoError::new(
        ErrorKind::NotAuthorizedException,
        "Passkey sign-in is not available for this user. Sign in with your password.",
    )
}

impl Latchkey {
    /// The sign-in page's passkey button for the name typed: the passkey page, or why there is none.
    pub async fn hosted_passkey_start(
        &self,
        pool: &UserPool,
        client: &AppClient,
        name: &str,
    ) -> Result<PasskeyPrompt> {
        let name = name.trim();
        if name.is_empty() {
            return Err(CognitoError::invalid_parameter(
                "Enter your username to sign in with a passkey.",
            ));
        }
        let Some(user) = self.user_for_sign_in(pool, client, name).await? else {
            return Err(no_passkey());
        };
        self.pre_authentication(pool, &client.client_id, Some(&user), name)
            .await?;
        if !self.passkey_sign_in_available(pool, &user) {
            return Err(no_passkey());
        }
        match self.web_authn_challenge(pool, client, &user, None)? {
            AuthOutcome::Challenge {
                session: Some(session),
                parameters,
                ..
            } => {
                let options_json = parameters
                    .get("CREDENTIAL_REQUEST_OPTIONS")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string();
                Ok(PasskeyPrompt {
                    username: user.username,
                    session,
                    options_json,
                })
            }
            _ => Err(CognitoError::internal(
                "the WEB_AUTHN challenge came without a session",
            )),
        }
    }

    /// The passkey page's post: the browser's AuthenticationResponseJSON for the WEB_AUTHN `session` of
    /// `username`, checked as RespondToAuthChallenge checks it (without SECRET_HASH, which the browser never has).
    pub async fn hosted_passkey_finish(
        &self,
        pool: &UserPool,
        client: &AppClient,
        session: &str,
        username: &str,
        credential_json: &str,
    ) -> Result<HostedSignIn> {
        let mut responses = BTreeMap::new();
        responses.insert("USERNAME".to_string(), username.to_string());
        responses.insert("CREDENTIAL".to_string(), credential_json.to_string());
        let answer = ChallengeAnswer {
            pool,
            client,
            session: Some(session),
            responses: &responses,
        };
        let (user, _) = self.web_authn_answer(answer, ClientProof::HostedUi).await?;
        self.hosted_signed_in(pool, client, user).await
    }
}
