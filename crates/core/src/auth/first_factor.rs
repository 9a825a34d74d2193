//! The one decision after a proven first factor (a password or an SRP proof): the user's state alone says
//! whether the sign-in goes on to tokens, to a NEW_PASSWORD_REQUIRED challenge, or ends in Cognito's error for that
//! state. The API's `after_first_factor` and the hosted UI's sign-in both follow it.

use crate::error::{CognitoError, ErrorKind, Result};
use crate::service::Latchkey;
use crate::users::{
    user_disabled, User, STATUS_CONFIRMED, STATUS_FORCE_CHANGE_PASSWORD, STATUS_RESET_REQUIRED,
    STATUS_UNCONFIRMED,
};

/// Where a sign-in goes once the first factor is proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FirstFactorStep {
    /// The user may sign in: tokens (or a device challenge) come next.
    SignIn,
    /// The user holds a temporary password and must choose their own first.
    NewPasswordRequired,
}

impl Latchkey {
    /// What a user who proved their first factor may do next. A disabled user, an unconfirmed one
    /// (`UserNotConfirmedException`), one whose password must be reset (`PasswordResetRequiredException`) or whose
    /// temporary password has lapsed is refused with Cognito's error.
    pub(crate) fn first_factor_step(&self, user: &User) -> Result<FirstFactorStep> {
        if !user.enabled {
            return Err(user_disabled());
        }
        match user.status.as_str() {
            STATUS_UNCONFIRMED => Err(CognitoError::new(
                ErrorKind::UserNotConfirmedException,
                "User is not confirmed.",
            )),
            STATUS_RESET_REQUIRED => Err(CognitoError::new(
                ErrorKind::PasswordResetRequiredException,
                "Password reset required for the user",
            )),
            STATUS_FORCE_CHANGE_PASSWORD => {
                if user
                    .temporary_password_expires
                    .is_some_and(|t| t <= self.clock.now())
                {
                    return Err(CognitoError::new(
                        ErrorKind::NotAuthorizedException,
                        "Temporary password has expired and must be reset by an administrator.",
                    ));
                }
                Ok(FirstFactorStep::NewPasswordRequired)
            }
            STATUS_CONFIRMED => Ok(FirstFactorStep::SignIn),
            other => Err(CognitoError::new(
                ErrorKind::NotAuthorizedException,
                format!("User cannot sign in in status {other}."),
            )),
        }
    }
}
