//! PreAuthentication (before a sign-in's password or proof is judged) and PostAuthentication (once every factor
//! is proven, before tokens are issued).

use serde_json::{json, Map, Value};

use super::invoke::{user_attributes, TriggerCall};
use super::{Trigger, TriggerContext};
use crate::error::Result;
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::users::User;

/// ClientMetadata as PreAuthentication and UserMigration see it: their `validationData` (InitiateAuth has no
/// ValidationData of its own), `null` without any.
pub(crate) fn client_metadata_as_validation_data() -> Value {
    let context = TriggerContext::current();
    if context.client_metadata.is_empty() {
        Value::Null
    } else {
        json!(context.client_metadata)
    }
}

impl Latchkey {
    /// Fires PreAuthentication for a sign-in of `user` (or, when the client hides user existence, of the name
    /// given for a user who does not exist: `userNotFound`); a refusal ends the sign-in with its error.
    pub(crate) async fn pre_authentication(
        &self,
        pool: &UserPool,
        client_id: &str,
        user: Option<&User>,
        name: &str,
    ) -> Result<()> {
        let mut request = Map::new();
        match user {
            Some(u) => {
                request.insert("userAttributes".into(), json!(user_attributes(u)));
            }
            None => {
                request.insert("userAttributes".into(), json!({}));
                request.insert("userNotFound".into(), json!(true));
            }
        }
        request.insert("validationData".into(), client_metadata_as_validation_data());
        self.fire(TriggerCall {
            trigger: Trigger::PreAuthentication,
            source: "PreAuthentication_Authentication",
            pool,
            client_id: Some(client_id),
            username: user.map_or(name, |u| u.username.as_str()),
            request,
            version: "1",
        })
        .await?;
        Ok(())
    }

    /// Fires PostAuthentication for `user`, who proved every factor; `new_device` when this sign-in comes from a
    /// device the pool did not know. A failure refuses the tokens.
    pub(crate) async fn post_authentication(
        &self,
        pool: &UserPool,
        client_id: &str,
        user: &User,
        new_device: bool,
    ) -> Result<()> {
        let mut request = Map::new();
        request.insert("userAttributes".into(), json!(user_attributes(user)));
        request.insert("newDeviceUsed".into(), json!(new_device));
        self.fire(TriggerCall {
            trigger: Trigger::PostAuthentication,
            source: "PostAuthentication_Authentication",
            pool,
            client_id: Some(client_id),
            username: &user.username,
            request,
            version: "1",
        })
        .await?;
        Ok(())
    }
}
