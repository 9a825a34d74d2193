//! The hosted UI's use cases: what its pages do, as core operations, so the server renders pages and never decides
//! sign-in steps, reads the store or seals with the master key itself. They are the API's use cases with what a
//! browser cannot supply filled in: the browser never holds the client secret, so SECRET_HASH is computed here.

mod browser;
mod mfa;
mod passkey;
mod reset;
mod sign_in;
mod sign_up;

pub use browser::{CsrfToken, SESSION_SECONDS, SIGN_UP_MARKER_SECONDS};
pub use mfa::{MfaPageAnswer, MfaPrompt, TotpSetup};
pub use passkey::PasskeyPrompt;
pub use sign_in::{HostedSignIn, NewPasswordPrompt};
pub use sign_up::{HostedSignUp, SignedUp};

use crate::auth::secret_hash;
use crate::clients::AppClient;
use crate::time::Timestamp;
use crate::users::User;

/// A user the hosted UI has signed in, and when they proved who they are (the `auth_time` of their tokens).
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub user: User,
    pub auth_time: Timestamp,
}

impl crate::service::Latchkey {
    /// A hosted-UI sign-in that proved every factor just now: PostAuthentication may still refuse it.
    pub(crate) async fn hosted_signed_in(
        &self,
        pool: &crate::pools::UserPool,
        client: &AppClient,
        user: User,
    ) -> crate::error::Result<sign_in::HostedSignIn> {
        self.post_authentication(pool, &client.client_id, &user, false)
            .await?;
        Ok(sign_in::HostedSignIn::SignedIn(Box::new(Authenticated {
            user,
            auth_time: self.clock.now(),
        })))
    }
}

/// SECRET_HASH for `username`, which the hosted UI computes for the browser from the client's own secret.
fn hosted_secret_hash(client: &AppClient, username: &str) -> Option<String> {
    client
        .client_secret
        .as_ref()
        .map(|s| secret_hash(s, username, &client.client_id))
}
