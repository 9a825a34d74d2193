//! The hosted UI's password reset: ForgotPassword and ConfirmForgotPassword, with the SECRET_HASH the browser
//! cannot compute.

use super::hosted_secret_hash;
use crate::clients::AppClient;
use crate::error::Result;
use crate::service::Latchkey;

impl Latchkey {
    /// Sends a reset code to the user `name`.
    pub async fn hosted_forgot_password(&self, client: &AppClient, name: &str) -> Result<()> {
        self.forgot_password(
            &client.client_id,
            name,
            hosted_secret_hash(client, name).as_deref(),
        )
        .await
        .map(|_| ())
    }

    /// Sets the new `password` of the user `name`, who proved the reset `code`.
    pub async fn hosted_confirm_forgot_password(
        &self,
        client: &AppClient,
        name: &str,
        code: &str,
        password: &str,
    ) -> Result<()> {
        self.confirm_forgot_password(
            &client.client_id,
            name,
            code,
            password,
            hosted_secret_hash(client, name).as_deref(),
        )
        .await
    }
}
