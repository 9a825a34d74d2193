//! InitiateAuth and AdminInitiateAuth: which flows each accepts, whether the app client allows the flow, and the
//! flow's first step (a password check, an SRP challenge, or a refresh).

use std::collections::BTreeMap;

use super::client::ClientProof;
use super::outcome::{required, AuthOutcome};
use crate::clients::AppClient;
use crate::error::{CognitoError, ErrorKind, Result};
use crate::pools::UserPool;
use crate::service::Latchkey;

/// Who starts a sign-in: an app (InitiateAuth, unsigned) or an administrator (AdminInitiateAuth, SigV4). Each has a
/// password flow of its own; SRP and refresh are open to both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Initiator {
    App,
    Admin,
}

/// The client must list `allow` (e.g. ALLOW_USER_SRP_AUTH) among its ExplicitAuthFlows for `flow`.
pub(crate) fn require_flow(client: &AppClient, allow: &str, flow: &str) -> Result<()> {
    if client.allows_flow(allow) {
        Ok(())
    } else {
        Err(CognitoError::invalid_parameter(format!(
            "{flow} flow not enabled for this client"
        )))
    }
}

impl Latchkey {
    /// The first step of a sign-in by `auth_flow` with its AuthParameters.
    pub async fn initiate_auth(
        &self,
        pool: &UserPool,
        client: &AppClient,
        initiator: Initiator,
        auth_flow: &str,
        parameters: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        let optional = |name: &str| parameters.get(name).map(String::as_str);
        let (secret_hash, device_key) = (optional("SECRET_HASH"), optional("DEVICE_KEY"));
        match (initiator, auth_flow) {
            (Initiator::App, "USER_PASSWORD_AUTH")
            | (Initiator::Admin, "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH") => {
                let allow = match initiator {
                    Initiator::App => "ALLOW_USER_PASSWORD_AUTH",
                    Initiator::Admin => "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                };
                require_flow(client, allow, auth_flow)?;
                let (name, password) = (
                    required(parameters, "USERNAME")?,
                    required(parameters, "PASSWORD")?,
                );
                let proof = ClientProof::SecretHash(secret_hash);
                let user = self
                    .authenticate_password(pool, client, name, password, proof)
                    .await?;
                self.after_first_factor(pool, client, user, device_key).await
            }
            (_, "USER_SRP_AUTH") => {
                require_flow(client, "ALLOW_USER_SRP_AUTH", "USER_SRP_AUTH")?;
                let (name, srp_a) = (required(parameters, "USERNAME")?, required(parameters, "SRP_A")?);
                self.srp_initiate(pool, client, name, srp_a, secret_hash, device_key)
                    .await
            }
            (_, "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN") => {
                require_flow(client, "ALLOW_REFRESH_TOKEN_AUTH", "REFRESH_TOKEN_AUTH")?;
                let token = required(parameters, "REFRESH_TOKEN")?;
                let proof = ClientProof::SecretHash(secret_hash);
                let tokens = self
                    .refresh_sign_in(pool, client, token, proof, device_key)
                    .await?;
                Ok(AuthOutcome::Tokens(tokens))
            }
            // The other initiator's password flow.
            (_, "USER_PASSWORD_AUTH" | "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH") => Err(
                CognitoError::invalid_parameter("Initiate Auth method not supported."),
            ),
            (_, other) => Err(CognitoError::new(
                ErrorKind::UnsupportedOperationException,
                format!("Latchkey does not implement the {other} flow yet."),
            )),
        }
    }
}
