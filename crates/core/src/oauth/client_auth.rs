//! How the token and revocation endpoints know their caller: an app client that presents its secret
//! (client_secret_basic or client_secret_post), or a public client, which has none to present.

use std::sync::Arc;

use super::OAuthError;
use crate::clients::AppClient;
use crate::pools::UserPool;
use crate::secrets::constant_time_eq;
use crate::service::Latchkey;

impl Latchkey {
    /// The app client `client_id` and its pool, when `secret` is the client's secret (a client without one needs
    /// none). Anything else, an unknown client included, is `invalid_client`.
    pub async fn authenticate_oauth_client(
        &self,
        client_id: &str,
        secret: Option<&str>,
    ) -> Result<(Arc<AppClient>, Arc<UserPool>), OAuthError> {
        let invalid = || OAuthError::new("invalid_client", "Client authentication failed.");
        if client_id.is_empty() {
            return Err(invalid());
        }
        let (client, pool) = self.client_and_pool(client_id).await.map_err(|_| invalid())?;
        if let Some(expected) = &client.client_secret {
            let given = secret.unwrap_or_default();
            if !constant_time_eq(expected.as_bytes(), given.as_bytes()) {
                return Err(invalid());
            }
        }
        Ok((client, pool))
    }
}
