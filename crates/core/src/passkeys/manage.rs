//! ListWebAuthnCredentials and DeleteWebAuthnCredential: a signed-in user's passkeys, by access token. Neither
//! needs the pool to allow passkeys, so a user can still see and remove theirs after the pool stops offering
//! them.

use serde_json::{json, Value};

use super::errors::credential_not_found;
use super::model::StoredPasskey;
use crate::error::{CognitoError, Result};
use crate::service::pagination;
use crate::service::Latchkey;

/// The most credentials one page holds (and the page size when MaxResults is absent or 0).
pub const MAX_LIST_RESULTS: u32 = 20;

/// The kind a ListWebAuthnCredentials pagination token is made for.
const PAGE_KIND: &str = "webauthn";

/// `WebAuthnCredentialDescription`.
fn description(c: &StoredPasskey) -> Value {
    let mut out = json!({
        "CredentialId": c.credential_id,
        "FriendlyCredentialName": c.friendly_name,
        "RelyingPartyId": c.relying_party_id,
        "AuthenticatorTransports": c.transports,
        "CreatedAt": c.created,
    });
    if let Some(a) = &c.authenticator_attachment {
        out["AuthenticatorAttachment"] = json!(a);
    }
    out
}

/// One page of `credentials` (in registration order) after the credential `token` names, and the token of the
/// next page when there is one.
fn page(
    credentials: &[StoredPasskey],
    max_results: Option<u32>,
    token: Option<&str>,
) -> Result<(Vec<Value>, Option<String>)> {
    let size = match max_results {
        None | Some(0) => MAX_LIST_RESULTS,
        Some(n) => n.min(MAX_LIST_RESULTS),
    } as usize;
    let start = match token {
        None => 0,
        Some(t) => {
            let after = pagination::decode(PAGE_KIND, t)?;
            credentials
                .iter()
                .position(|c| c.credential_id == after)
                .map(|i| i + 1)
                .ok_or_else(|| CognitoError::invalid_parameter("Invalid pagination token."))?
        }
    };
    let rest = credentials.get(start..).unwrap_or_default();
    let items: Vec<Value> = rest.iter().take(size).map(description).collect();
    let next = (rest.len() > size)
        .then(|| rest.get(size - 1))
        .flatten()
        .map(|last| pagination::encode(PAGE_KIND, &last.credential_id));
    Ok((items, next))
}

impl Latchkey {
    /// ListWebAuthnCredentials: the user's passkeys as `WebAuthnCredentialDescription`s, and the next page's
    /// token.
    pub async fn list_web_authn_credentials(
        &self,
        access_token: &str,
        max_results: Option<u32>,
        next_token: Option<&str>,
    ) -> Result<(Vec<Value>, Option<String>)> {
        let ctx = self.authenticate_access_token(access_token).await?;
        page(&ctx.user.passkeys.credentials, max_results, next_token)
    }

    /// DeleteWebAuthnCredential: removes one of the user's passkeys; ResourceNotFoundException when the user
    /// has none with that id.
    pub async fn delete_web_authn_credential(&self, access_token: &str, credential_id: &str) -> Result<()> {
        let ctx = self.authenticate_access_token(access_token).await?;
        if ctx.user.passkeys.find(credential_id).is_none() {
            return Err(credential_not_found());
        }
        self.mutate_user(&ctx.pool, &ctx.user.username, |u| {
            let before = u.passkeys.credentials.len();
            u.passkeys
                .credentials
                .retain(|c| c.credential_id != credential_id);
            if u.passkeys.credentials.len() == before {
                return Err(credential_not_found());
            }
            Ok(())
        })
        .await?;
        Ok(())
    }
}
