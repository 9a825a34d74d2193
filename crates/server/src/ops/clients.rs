//! App-client operations: Create/Describe/List/Update/DeleteUserPoolClient.

use latchkey_core::clients::{CreateClientInput, UpdateClientInput};
use latchkey_core::{CognitoError, Latchkey};
use serde_json::{json, Value};

use super::{input, page_answer, string_member, Paging, PoolId};

fn client_answer(client: impl serde::Serialize) -> Value {
    json!({ "UserPoolClient": client })
}

pub async fn create(lk: &Latchkey, _pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    let input = input::<CreateClientInput>(body)?;
    Ok(client_answer(lk.create_user_pool_client(input).await?))
}

pub async fn describe(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    let client_id = string_member(&body, "ClientId")?;
    Ok(client_answer(
        lk.describe_user_pool_client(&pool, client_id).await?,
    ))
}

pub async fn list(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    let req: Paging = input(body)?;
    let page = lk
        .list_user_pool_clients(&pool, req.max_results.unwrap_or(60), req.next_token.as_deref())
        .await?;
    let clients = page.items.iter().map(|c| c.to_description()).collect();
    Ok(page_answer("UserPoolClients", clients, "NextToken", page.next))
}

pub async fn update(lk: &Latchkey, _pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    let input = input::<UpdateClientInput>(body)?;
    Ok(client_answer(lk.update_user_pool_client(input).await?))
}

pub async fn delete(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    lk.delete_user_pool_client(&pool, string_member(&body, "ClientId")?)
        .await?;
    Ok(json!({}))
}
