//! The hosted UI's password reset: ForgotPassword and ConfirmForgotPassword, with the SECRET_HASH the browser
//! cannot compute.

use super::hosted_secret_hash;
use crate::clients::AppClient;
use crate::error::Result;
use crate::service::Latchkey;

impl Latchkey {
    /// Sends a reset code to the user `name`.
    pub async fn hosted_forgot_password(&self, client: &AppClient, name: &str) -> Result<()> {
        let hash = hosted_secret_hash(client, name);
        self.forgot_password(&client.client_id, name, hash.as_deref())
            .await?;
        Ok(())
    }

    /// Sets the new `password` of the user `name`, who proved the reset `code`.
    pub async fn hosted_confirm_forgot_password(
        &self,
        client: &AppClient,
        name: &str,
        code: &str,
        password: &str,
    ) -> Result<()> {
        let hash = hosted_secret_hash(client, name);
        self.confirm_forgot_password(&client.client_id, name, code, password, hash.as_deref())
            .await
    }
}
