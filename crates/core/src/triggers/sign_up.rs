//! PreSignUp (before a user is stored, from SignUp, AdminCreateUser and federation) and PostConfirmation (once a
//! user is confirmed, or has reset a forgotten password).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::invoke::{flag, user_attributes, TriggerCall};
use super::Trigger;
use crate::error::Result;
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::users::User;

/// Where a PreSignUp comes from (its `triggerSource`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PreSignUpSource {
    SignUp,
    AdminCreateUser,
    /// A federated user's first sign-in; federation (identity providers) does not exist yet to fire it.
    #[allow(dead_code)]
    ExternalProvider,
}

/// What a PreSignUp function decided. AdminCreateUser ignores it (the administrator decides).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PreSignUpAnswer {
    pub(crate) auto_confirm_user: bool,
    pub(crate) auto_verify_email: bool,
    pub(crate) auto_verify_phone: bool,
}

/// Where a PostConfirmation comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PostConfirmationSource {
    ConfirmSignUp,
    ConfirmForgotPassword,
}

/// `{name: value}` of name/value pairs (ValidationData), `null` when none were given, as events carry them.
pub(crate) fn name_values(pairs: &[(String, String)]) -> Value {
    if pairs.is_empty() {
        return Value::Null;
    }
    json!(pairs.iter().cloned().collect::<BTreeMap<_, _>>())
}

impl Latchkey {
    /// Fires PreSignUp for a user about to be created as `username` with `attributes`; a refusal is the
    /// operation's error and nothing is stored. Without a PreSignUp function, every flag is false.
    pub(crate) async fn pre_sign_up(
        &self,
        pool: &UserPool,
        source: PreSignUpSource,
        client_id: Option<&str>,
        username: &str,
        attributes: &BTreeMap<String, String>,
        validation_data: &[(String, String)],
    ) -> Result<PreSignUpAnswer> {
        let mut request = Map::new();
        request.insert("userAttributes".into(), json!(attributes));
        request.insert("validationData".into(), name_values(validation_data));
        let source_name = match source {
            PreSignUpSource::SignUp => "PreSignUp_SignUp",
            PreSignUpSource::AdminCreateUser => "PreSignUp_AdminCreateUser",
            PreSignUpSource::ExternalProvider => "PreSignUp_ExternalProvider",
        };
        let trigger = Trigger::PreSignUp;
        let Some(response) = self
            .fire(TriggerCall {
                trigger,
                source: source_name,
                pool,
                client_id,
                username,
                request,
                version: "1",
            })
            .await?
        else {
            return Ok(PreSignUpAnswer::default());
        };
        if source == PreSignUpSource::AdminCreateUser {
            return Ok(PreSignUpAnswer::default());
        }
        Ok(PreSignUpAnswer {
            auto_confirm_user: flag(trigger, &response, "autoConfirmUser")?,
            auto_verify_email: flag(trigger, &response, "autoVerifyEmail")?,
            auto_verify_phone: flag(trigger, &response, "autoVerifyPhone")?,
        })
    }

    /// Fires PostConfirmation for `user`, who is confirmed already: a failure is the operation's error, but the
    /// confirmation stands (as in Cognito, where the user is confirmed even when this function fails).
    pub(crate) async fn post_confirmation(
        &self,
        pool: &UserPool,
        source: PostConfirmationSource,
        client_id: Option<&str>,
        user: &User,
    ) -> Result<()> {
        let mut request = Map::new();
        request.insert("userAttributes".into(), json!(user_attributes(user)));
        let source = match source {
            PostConfirmationSource::ConfirmSignUp => "PostConfirmation_ConfirmSignUp",
            PostConfirmationSource::ConfirmForgotPassword => "PostConfirmation_ConfirmForgotPassword",
        };
        self.fire(TriggerCall {
            trigger: Trigger::PostConfirmation,
            source,
            pool,
            client_id,
            username: &user.username,
            request,
            version: "1",
        })
        .await?;
        Ok(())
    }
}
