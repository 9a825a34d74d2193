//! UserMigration: a sign-in (USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, the hosted UI's form) or a
//! ForgotPassword that names a user this pool does not have asks the pool's function, which looks the user up in
//! the old system; the user it returns is created here, with the password that was just checked.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::authentication::client_metadata_as_validation_data;
use super::invoke::{flag, invocation_error, TriggerCall};
use super::{FunctionFailure, Trigger};
use crate::error::{CognitoError, ErrorKind, Result};
use crate::ids::new_uuid;
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::users::attributes::{validate_writes, AttributeInput, Writer};
use crate::users::{User, STATUS_CONFIRMED, STATUS_RESET_REQUIRED};

/// A user the function brought over.
pub(crate) struct Migrated {
    pub(crate) user: User,
}

fn malformed(why: &str) -> CognitoError {
    invocation_error(Trigger::UserMigration, &FunctionFailure::Malformed(why.into()))
}

impl Latchkey {
    /// Asks the pool's UserMigration function about `name`, which this pool does not know. `password` is the
    /// one the user signed in with (`None` for ForgotPassword). `None` when there is no function, or it did not
    /// return the user; otherwise the user, created (CONFIRMED with `password`, or RESET_REQUIRED).
    pub(crate) async fn migrate_user(
        &self,
        pool: &UserPool,
        client_id: &str,
        name: &str,
        password: Option<&str>,
    ) -> Result<Option<Migrated>> {
        let mut request = Map::new();
        if let Some(p) = password {
            request.insert("password".into(), json!(p));
        }
        request.insert("validationData".into(), client_metadata_as_validation_data());
        let source = if password.is_some() {
            "UserMigration_Authentication"
        } else {
            "UserMigration_ForgotPassword"
        };
        let Some(response) = self
            .fire(TriggerCall {
                trigger: Trigger::UserMigration,
                source,
                pool,
                client_id: Some(client_id),
                username: name,
                request,
                version: "1",
            })
            .await?
        else {
            return Ok(None);
        };
        let attributes = match response.get("userAttributes") {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Object(a)) => a,
            Some(_) => return Err(malformed("userAttributes is not an object")),
        };
        let inputs: Vec<AttributeInput> = attributes
            .iter()
            .filter(|(k, _)| k.as_str() != "sub" && k.as_str() != "username")
            .map(|(k, v)| {
                let value = match v {
                    Value::String(s) => Ok(s.clone()),
                    Value::Bool(b) => Ok(b.to_string()),
                    Value::Number(n) => Ok(n.to_string()),
                    _ => Err(malformed("an attribute value is not a string")),
                }?;
                Ok(AttributeInput {
                    name: k.clone(),
                    value: Some(value),
                })
            })
            .collect::<Result<_>>()?;
        let mut attributes: BTreeMap<String, String> = validate_writes(pool, Writer::Admin, &inputs)?
            .into_iter()
            .collect();
        let status = match response.get("finalUserStatus").and_then(Value::as_str) {
            None | Some("CONFIRMED") if password.is_some() => STATUS_CONFIRMED,
            None | Some("RESET_REQUIRED") | Some("CONFIRMED") => STATUS_RESET_REQUIRED,
            Some(_) => {
                return Err(malformed(
                    "finalUserStatus is neither CONFIRMED nor RESET_REQUIRED",
                ))
            }
        };
        match response.get("messageAction").and_then(Value::as_str) {
            None | Some("SUPPRESS" | "RESEND") => {}
            Some(_) => return Err(malformed("messageAction is neither SUPPRESS nor RESEND")),
        }
        let force_alias = flag(Trigger::UserMigration, &response, "forceAliasCreation")?;
        let sub = new_uuid(self.rng.as_ref());
        // In pools whose sign-in name is an email or phone, the name given must be one (and becomes it).
        let username = match self.internal_username(pool, name, &sub, &mut attributes) {
            Ok(u) => u,
            Err(_) => {
                return Err(CognitoError::new(
                    ErrorKind::UserNotFoundException,
                    format!("Exception migrating user in app client {client_id}"),
                ))
            }
        };
        let mut user = User::new(&pool.id, username, sub, attributes, status, self.clock.now());
        if let Some(p) = password.filter(|_| status == STATUS_CONFIRMED) {
            self.password_material(&pool.id, &user.username, p)
                .await?
                .apply(&mut user);
        }
        self.insert_user(pool, &user, force_alias).await?;
        tracing::info!(pool_id = %pool.id, username = %user.username.escape_debug(), "user migrated");
        Ok(Some(Migrated { user }))
    }
}
