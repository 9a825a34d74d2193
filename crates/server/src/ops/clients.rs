//! App-client operations: Create/Describe/List/Update/DeleteUserPoolClient.

use latchkey_core::clients::{CreateClientInput, UpdateClientInput};
use latchkey_core::{CognitoError, Latchkey};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{input, string_member, Ctx};

fn pool_id<'a>(ctx: &Ctx, body: &'a Value) -> Result<&'a str, CognitoError> {
    let id = string_member(body, "UserPoolId")?;
    ctx.check_pool_region(id)?;
    Ok(id)
}

pub async fn create(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    pool_id(ctx, &body)?;
    let client = lk
        .create_user_pool_client(input::<CreateClientInput>(body)?)
        .await?;
    Ok(json!({"UserPoolClient": client}))
}

pub async fn describe(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let client = lk
        .client_in_pool(pool_id(ctx, &body)?, string_member(&body, "ClientId")?)
        .await?;
    Ok(json!({"UserPoolClient": client}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListInput {
    max_results: Option<u32>,
    next_token: Option<String>,
}

pub async fn list(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let id = pool_id(ctx, &body)?.to_string();
    let req: ListInput = input(body)?;
    let page = lk
        .list_user_pool_clients(&id, req.max_results.unwrap_or(60), req.next_token.as_deref())
        .await?;
    let mut out =
        json!({"UserPoolClients": page.items.iter().map(|c| c.to_description()).collect::<Vec<_>>()});
    if let Some(next) = page.next {
        out["NextToken"] = Value::String(next);
    }
    Ok(out)
}

pub async fn update(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    pool_id(ctx, &body)?;
    let client = lk
        .update_user_pool_client(input::<UpdateClientInput>(body)?)
        .await?;
    Ok(json!({"UserPoolClient": client}))
}

pub async fn delete(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    lk.delete_user_pool_client(pool_id(ctx, &body)?, string_member(&body, "ClientId")?)
        .await?;
    Ok(json!({}))
}
