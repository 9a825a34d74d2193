//! Passkey operations, all by access token: StartWebAuthnRegistration, CompleteWebAuthnRegistration,
//! ListWebAuthnCredentials and DeleteWebAuthnCredential.

use latchkey_core::{CognitoError, Latchkey};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{input, page_answer, string_member, Ctx, Paging};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CompleteInput {
    access_token: String,
    credential: Value,
}

pub async fn start_registration(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let token = string_member(&body, "AccessToken")?;
    let options = lk.start_web_authn_registration(token).await?;
    Ok(json!({"CredentialCreationOptions": options}))
}

pub async fn complete_registration(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let r: CompleteInput = input(body)?;
    lk.complete_web_authn_registration(&r.access_token, &r.credential)
        .await?;
    Ok(json!({}))
}

pub async fn list_credentials(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let token = string_member(&body, "AccessToken")?.to_string();
    let paging: Paging = input(body)?;
    let (items, next) = lk
        .list_web_authn_credentials(&token, paging.max_results, paging.next_token.as_deref())
        .await?;
    Ok(page_answer("Credentials", items, "NextToken", next))
}

pub async fn delete_credential(lk: &Latchkey, _ctx: &Ctx, body: Value) -> Result<Value, CognitoError> {
    let token = string_member(&body, "AccessToken")?;
    let credential_id = string_member(&body, "CredentialId")?;
    lk.delete_web_authn_credential(token, credential_id).await?;
    Ok(json!({}))
}
