//! Finding the user a request names: by access token or, for administrators, by any sign-in name (`UserRef`), and
//! for the unsigned code operations (ConfirmSignUp, ResendConfirmationCode, ForgotPassword,
//! ConfirmForgotPassword) by app client and name, with SECRET_HASH checked and — when the client hides user
//! existence — no answer that tells a missing user apart.

use std::sync::Arc;

use super::{user_not_found, User};
use crate::auth::names_of;
use crate::error::{CognitoError, ErrorKind, Result};
use crate::pools::UserPool;
use crate::service::Latchkey;

fn client_not_found() -> CognitoError {
    CognitoError::new(
        ErrorKind::UserNotFoundException,
        "Username/client id combination not found.",
    )
}

/// Whose account an operation is about: the user an access token speaks for (GetDevice, UpdateUserAttributes,
/// ...) or the user an administrator names in a pool (their Admin twins).
#[derive(Debug, Clone, Copy)]
pub enum UserRef<'a> {
    AccessToken(&'a str),
    Named { pool_id: &'a str, username: &'a str },
}

impl Latchkey {
    /// The pool and user `who` denotes: the access token checked, or the pool and then the user looked up.
    pub(crate) async fn resolve_user(&self, who: UserRef<'_>) -> Result<(Arc<UserPool>, User)> {
        match who {
            UserRef::AccessToken(token) => {
                let ctx = self.authenticate_access_token(token).await?;
                Ok((ctx.pool, ctx.user))
            }
            UserRef::Named { pool_id, username } => {
                let (pool, user) = self.admin_target(pool_id, username).await?;
                Ok((Arc::new(pool), user))
            }
        }
    }

    /// The user an administrator names (username or alias); UserNotFoundException otherwise.
    pub(crate) async fn admin_user(&self, pool: &UserPool, name: &str) -> Result<User> {
        self.find_by_sign_in_name(pool, name)
            .await?
            .ok_or_else(user_not_found)
    }

    /// The pool `pool_id` and the user an administrator names in it: ResourceNotFoundException for a missing
    /// pool, then UserNotFoundException for a missing user.
    pub(crate) async fn admin_target(&self, pool_id: &str, name: &str) -> Result<(UserPool, User)> {
        let pool = self.pool(pool_id).await?;
        let user = self.admin_user(&pool, name).await?;
        Ok((pool, user))
    }

    /// The pool of `client_id` and the user `name` denotes in it, SECRET_HASH checked over every name of that user
    /// (or over the typed name when there is none). `None` means "answer as for a phantom": the client hides user
    /// existence and there is no such user, or `answers_as_itself` says this user's state would give them away.
    /// A client that does not hide user existence gets UserNotFoundException for a missing user.
    pub(crate) async fn user_named_by_client(
        &self,
        client_id: &str,
        name: &str,
        secret_hash: Option<&str>,
        answers_as_itself: impl FnOnce(&UserPool, &User) -> bool,
    ) -> Result<(Arc<UserPool>, Option<User>)> {
        let (client, pool) = self.client_and_pool(client_id).await?;
        let user = self.find_by_sign_in_name(&pool, name).await?;
        match &user {
            Some(u) => self.check_secret_hash(&client, &names_of(name, u), secret_hash)?,
            None => self.check_secret_hash(&client, &[name], secret_hash)?,
        }
        let hide = client.hides_user_existence();
        match user {
            Some(u) if !hide || answers_as_itself(&pool, &u) => Ok((pool, Some(u))),
            None if !hide => Err(client_not_found()),
            _ => Ok((pool, None)),
        }
    }
}
