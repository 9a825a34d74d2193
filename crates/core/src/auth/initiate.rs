//! InitiateAuth and AdminInitiateAuth: the app client a sign-in is addressed to, which flows each operation
//! accepts, whether the client allows the flow, and the flow's first step (a password check, an SRP challenge, or
//! a refresh).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::client::ClientProof;
use super::outcome::{required, AuthOutcome};
use super::srp::SrpStart;
use crate::clients::AppClient;
use crate::error::{CognitoError, ErrorKind, Result};
use crate::pools::UserPool;
use crate::service::Latchkey;

/// Who drives a sign-in, and so how its app client is found: an app (InitiateAuth, RespondToAuthChallenge;
/// unsigned) names the client alone, an administrator (AdminInitiateAuth, AdminRespondToAuthChallenge; SigV4)
/// the pool as well. Each has a password flow of its own; SRP and refresh are open to both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Initiator<'a> {
    App,
    Admin { pool_id: &'a str },
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
    /// The app client `client_id` and its pool, as `initiator` addresses them: an administrator's client must
    /// belong to the pool named.
    pub(crate) async fn sign_in_client(
        &self,
        initiator: Initiator<'_>,
        client_id: &str,
    ) -> Result<(Arc<AppClient>, Arc<UserPool>)> {
        match initiator {
            Initiator::App => self.client_and_pool(client_id).await,
            Initiator::Admin { pool_id } => {
                let pool = self.pool(pool_id).await?;
                let client = self.client_in_pool(pool_id, client_id).await?;
                Ok((Arc::new(client), Arc::new(pool)))
            }
        }
    }

    /// The first step of a sign-in by `auth_flow` with its AuthParameters.
    pub async fn initiate_auth(
        &self,
        initiator: Initiator<'_>,
        client_id: &str,
        auth_flow: &str,
        parameters: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        let (client, pool) = self.sign_in_client(initiator, client_id).await?;
        let (client, pool) = (client.as_ref(), pool.as_ref());
        let optional = |name: &str| parameters.get(name).map(String::as_str);
        let (secret_hash, device_key) = (optional("SECRET_HASH"), optional("DEVICE_KEY"));
        match (initiator, auth_flow) {
            (Initiator::App, "USER_PASSWORD_AUTH")
            | (Initiator::Admin { .. }, "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH") => {
                let allow = match initiator {
                    Initiator::App => "ALLOW_USER_PASSWORD_AUTH",
                    Initiator::Admin { .. } => "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                };
                require_flow(client, allow, auth_flow)?;
                let (name, password) = (
                    required(parameters, "USERNAME")?,
                    required(parameters, "PASSWORD")?,
                );
                let proof = ClientProof::SecretHash(secret_hash);
                let user = self
                    .authenticate_password(pool, client, name, password, proof, true)
                    .await?;
                self.after_first_factor(
                    pool,
                    client,
                    user,
                    device_key,
                    crate::triggers::TokenSource::Authentication,
                )
                .await
            }
            (_, "USER_SRP_AUTH") => {
                require_flow(client, "ALLOW_USER_SRP_AUTH", "USER_SRP_AUTH")?;
                let (name, srp_a) = (required(parameters, "USERNAME")?, required(parameters, "SRP_A")?);
                let start = SrpStart {
                    name,
                    srp_a,
                    secret_hash,
                    device_key,
                    pre_authentication: true,
                };
                self.srp_initiate(pool, client, start).await
            }
            (_, "CUSTOM_AUTH") => {
                require_flow(client, "ALLOW_CUSTOM_AUTH", "CUSTOM_AUTH")?;
                self.custom_auth(pool, client, parameters).await
            }
            (_, "USER_AUTH") => {
                require_flow(client, "ALLOW_USER_AUTH", "USER_AUTH")?;
                self.user_auth(pool, client, parameters).await
            }
            (_, "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN") => {
                require_flow(client, "ALLOW_REFRESH_TOKEN_AUTH", "REFRESH_TOKEN_AUTH")?;
                // A rotating client refreshes only where a new refresh token can be answered.
                if client.refresh_rotation_grace_seconds().is_some() {
                    return Err(CognitoError::invalid_parameter(
                        "Refresh token rotation is enabled for this client: refresh with GetTokensFromRefreshToken.",
                    ));
                }
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
