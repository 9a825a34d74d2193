//! OAuth configuration operations (SigV4): resource servers and user-pool domains.

use latchkey_core::oauth::ResourceServerInput;
use latchkey_core::{CognitoError, Latchkey};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{input, string_member, Ctx};

fn pool_id<'a>(ctx: &Ctx, body: &'a Value) -> Result<&'a str, CognitoError> {
    let id = string_member(body, "UserPoolId")?;
    ctx.check_pool_region(id)?;
    Ok(id)
}

pub async fn create_resource_server(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let id = pool_id(ctx, &body)?.to_string();
    let rs = lk
        .create_resource_server(input::<ResourceServerInput>(body)?)
        .await?;
    Ok(json!({"ResourceServer": rs.to_wire(&id)}))
}

pub async fn describe_resource_server(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let id = pool_id(ctx, &body)?;
    let rs = lk
        .describe_resource_server(id, string_member(&body, "Identifier")?)
        .await?;
    Ok(json!({"ResourceServer": rs.to_wire(id)}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListInput {
    max_results: Option<u32>,
    next_token: Option<String>,
}

pub async fn list_resource_servers(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let id = pool_id(ctx, &body)?.to_string();
    let r: ListInput = input(body)?;
    let page = lk
        .list_resource_servers(&id, r.max_results.unwrap_or(50), r.next_token.as_deref())
        .await?;
    let mut out = json!({"ResourceServers": page.items.iter().map(|s| s.to_wire(&id)).collect::<Vec<_>>()});
    if let Some(t) = page.next {
        out["NextToken"] = json!(t);
    }
    Ok(out)
}

pub async fn update_resource_server(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let id = pool_id(ctx, &body)?.to_string();
    let rs = lk
        .update_resource_server(input::<ResourceServerInput>(body)?)
        .await?;
    Ok(json!({"ResourceServer": rs.to_wire(&id)}))
}

pub async fn delete_resource_server(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    lk.delete_resource_server(pool_id(ctx, &body)?, string_member(&body, "Identifier")?)
        .await?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DomainInput {
    custom_domain_config: Option<Value>,
    managed_login_version: Option<i64>,
}

pub async fn create_domain(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let (id, domain) = (
        pool_id(ctx, &body)?.to_string(),
        string_member(&body, "Domain")?.to_string(),
    );
    let r: DomainInput = input(body)?;
    lk.create_user_pool_domain(&id, &domain, r.custom_domain_config, r.managed_login_version)
        .await
}

pub async fn describe_domain(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    Ok(json!({"DomainDescription": lk.describe_user_pool_domain(string_member(&body, "Domain")?).await?}))
}

pub async fn update_domain(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let (id, domain) = (
        pool_id(ctx, &body)?.to_string(),
        string_member(&body, "Domain")?.to_string(),
    );
    let r: DomainInput = input(body)?;
    lk.update_user_pool_domain(&id, &domain, r.custom_domain_config, r.managed_login_version)
        .await
}

pub async fn delete_domain(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    lk.delete_user_pool_domain(pool_id(ctx, &body)?, string_member(&body, "Domain")?)
        .await?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UiInput {
    client_id: Option<String>,
    #[serde(rename = "CSS")]
    css: Option<String>,
    image_file: Option<String>,
}

pub async fn set_ui_customization(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let id = pool_id(ctx, &body)?.to_string();
    let r: UiInput = input(body)?;
    let ui = lk
        .set_ui_customization(&id, r.client_id.as_deref(), r.css, r.image_file.as_deref())
        .await?;
    Ok(json!({"UICustomization": ui}))
}

pub async fn get_ui_customization(lk: &Latchkey, ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let id = pool_id(ctx, &body)?.to_string();
    let r: UiInput = input(body)?;
    Ok(json!({"UICustomization": lk.get_ui_customization(&id, r.client_id.as_deref()).await?}))
}
