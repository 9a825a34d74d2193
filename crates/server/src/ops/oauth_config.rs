//! OAuth configuration operations (SigV4): resource servers, user-pool domains and UI customization.

use latchkey_core::oauth::{ResourceServer, ResourceServerInput};
use latchkey_core::{CognitoError, Latchkey};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{input, page_answer, string_member, Ctx, Paging, PoolId};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DomainInput {
    custom_domain_config: Option<Value>,
    managed_login_version: Option<i64>,
}

/// CreateUserPoolDomain and UpdateUserPoolDomain: the domain and its settings.
fn domain_request(body: Value) -> Result<(String, DomainInput), CognitoError> {
    let domain = string_member(&body, "Domain")?.to_string();
    Ok((domain, input(body)?))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UiInput {
    client_id: Option<String>,
    #[serde(rename = "CSS")]
    css: Option<String>,
    image_file: Option<String>,
}

fn resource_server_answer(rs: &ResourceServer, pool: &PoolId) -> Value {
    json!({"ResourceServer": rs.to_wire(pool)})
}

pub async fn create_resource_server(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    let rs = lk
        .create_resource_server(input::<ResourceServerInput>(body)?)
        .await?;
    Ok(resource_server_answer(&rs, &pool))
}

pub async fn describe_resource_server(
    lk: &Latchkey,
    pool: PoolId,
    body: Value,
) -> Result<Value, CognitoError> {
    let rs = lk
        .describe_resource_server(&pool, string_member(&body, "Identifier")?)
        .await?;
    Ok(resource_server_answer(&rs, &pool))
}

pub async fn list_resource_servers(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    let r: Paging = input(body)?;
    let page = lk
        .list_resource_servers(&pool, r.max_results.unwrap_or(50), r.next_token.as_deref())
        .await?;
    let servers = page.items.iter().map(|s| s.to_wire(&pool)).collect();
    Ok(page_answer("ResourceServers", servers, "NextToken", page.next))
}

pub async fn update_resource_server(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    let rs = lk
        .update_resource_server(input::<ResourceServerInput>(body)?)
        .await?;
    Ok(resource_server_answer(&rs, &pool))
}

pub async fn delete_resource_server(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    lk.delete_resource_server(&pool, string_member(&body, "Identifier")?)
        .await?;
    Ok(json!({}))
}

pub async fn create_domain(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    let (domain, r) = domain_request(body)?;
    lk.create_user_pool_domain(&pool, &domain, r.custom_domain_config, r.managed_login_version)
        .await
}

pub async fn describe_domain(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    Ok(json!({"DomainDescription": lk.describe_user_pool_domain(string_member(&body, "Domain")?).await?}))
}

pub async fn update_domain(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    let (domain, r) = domain_request(body)?;
    lk.update_user_pool_domain(&pool, &domain, r.custom_domain_config, r.managed_login_version)
        .await
}

pub async fn delete_domain(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    lk.delete_user_pool_domain(&pool, string_member(&body, "Domain")?)
        .await?;
    Ok(json!({}))
}

pub async fn set_ui_customization(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    let r: UiInput = input(body)?;
    let ui = lk
        .set_ui_customization(&pool, r.client_id.as_deref(), r.css, r.image_file.as_deref())
        .await?;
    Ok(json!({"UICustomization": ui}))
}

pub async fn get_ui_customization(lk: &Latchkey, pool: PoolId, body: Value) -> Result<Value, CognitoError> {
    let r: UiInput = input(body)?;
    Ok(json!({"UICustomization": lk.get_ui_customization(&pool, r.client_id.as_deref()).await?}))
}
