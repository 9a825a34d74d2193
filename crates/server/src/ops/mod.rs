//! Cognito operations, one small file per family. Each handler takes the validated JSON input, calls the
//! domain, and shapes the response exactly as Cognito's output shape.

mod clients;
mod user_pools;

use latchkey_core::{CognitoError, ErrorKind};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::AppState;

/// What the dispatcher learned about the request.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The credential scope's region: always present on signed operations.
    pub region: Option<String>,
    pub request_id: String,
}

impl Ctx {
    /// The signing region; admin operations are always signed, so this only fails on a wiring mistake.
    pub fn region(&self) -> Result<&str, CognitoError> {
        self.region
            .as_deref()
            .ok_or_else(|| CognitoError::internal("signed operation without a region"))
    }

    /// Pools belong to a region: a client signing for another region does not see them.
    pub fn check_pool_region(&self, pool_id: &str) -> Result<(), CognitoError> {
        match (&self.region, latchkey_core::ids::region_of_pool(pool_id)) {
            (Some(signed), Some(pool_region)) if signed != pool_region => {
                Err(CognitoError::pool_not_found(pool_id))
            }
            _ => Ok(()),
        }
    }
}

/// Deserialises a validated input into its typed form.
pub fn input<T: DeserializeOwned>(body: Value) -> Result<T, CognitoError> {
    serde_json::from_value(body)
        .map_err(|e| CognitoError::new(ErrorKind::SerializationException, format!("Invalid request: {e}")))
}

/// A required string member (the model validation has already checked presence).
pub fn string_member<'a>(body: &'a Value, name: &str) -> Result<&'a str, CognitoError> {
    body.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| CognitoError::invalid_parameter(format!("{name} is required.")))
}

/// Runs the named operation, or `None` when Latchkey does not implement it.
pub async fn call(op: &str, st: &AppState, ctx: &Ctx, body: Value) -> Option<Result<Value, CognitoError>> {
    let lk = &st.latchkey;
    Some(match op {
        "CreateUserPool" => user_pools::create(lk, ctx, body).await,
        "DescribeUserPool" => user_pools::describe(lk, ctx, body).await,
        "ListUserPools" => user_pools::list(lk, ctx, body).await,
        "UpdateUserPool" => user_pools::update(lk, ctx, body).await,
        "DeleteUserPool" => user_pools::delete(lk, ctx, body).await,
        "AddCustomAttributes" => user_pools::add_custom_attributes(lk, ctx, body).await,
        "GetUserPoolMfaConfig" => user_pools::get_mfa_config(lk, ctx, body).await,
        "SetUserPoolMfaConfig" => user_pools::set_mfa_config(lk, ctx, body).await,
        "TagResource" => user_pools::tag(lk, ctx, body).await,
        "UntagResource" => user_pools::untag(lk, ctx, body).await,
        "ListTagsForResource" => user_pools::list_tags(lk, ctx, body).await,
        "GetCSVHeader" => user_pools::csv_header(lk, ctx, body).await,
        "CreateUserPoolClient" => clients::create(lk, ctx, body).await,
        "DescribeUserPoolClient" => clients::describe(lk, ctx, body).await,
        "ListUserPoolClients" => clients::list(lk, ctx, body).await,
        "UpdateUserPoolClient" => clients::update(lk, ctx, body).await,
        "DeleteUserPoolClient" => clients::delete(lk, ctx, body).await,
        _ => return None,
    })
}
