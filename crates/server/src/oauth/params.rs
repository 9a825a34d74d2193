//! The parameters of an authorization request, and their validation in Cognito's order: an unknown client or an
//! unregistered redirect URI is shown as an error page (never redirected to); everything else is reported to the
//! redirect URI as `error=...`.

use std::sync::Arc;

use latchkey_core::clients::AppClient;
use latchkey_core::oauth::scopes;
use latchkey_core::pools::UserPool;
use latchkey_core::Latchkey;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AuthorizeParams {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub state: Option<String>,
    pub scope: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub identity_provider: Option<String>,
}

impl AuthorizeParams {
    /// The same request as a query string, to carry through the hosted-UI forms.
    pub fn to_query(&self) -> String {
        serde_urlencoded::to_string(self).unwrap_or_default()
    }
}

/// A request that passed validation.
pub struct Checked {
    pub pool: Arc<UserPool>,
    pub client: Arc<AppClient>,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub code_flow: bool,
}

pub enum Rejection {
    /// Shown on the error page: the redirect URI cannot be trusted.
    Page(String),
    /// Sent back to the (registered) redirect URI.
    Redirect {
        redirect_uri: String,
        error: &'static str,
        description: String,
        state: Option<String>,
    },
}

pub async fn check(lk: &Latchkey, p: &AuthorizeParams) -> Result<Checked, Rejection> {
    let page = |m: &str| Rejection::Page(m.to_string());
    let client_id = p
        .client_id
        .as_deref()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| page("client_id is required."))?;
    let (client, pool) = lk
        .client_and_pool(client_id)
        .await
        .map_err(|_| page("The client does not exist."))?;
    let redirect_uri = p
        .redirect_uri
        .as_deref()
        .filter(|r| !r.is_empty())
        .ok_or_else(|| page("redirect_uri is required."))?;
    if !client.callback_urls.iter().flatten().any(|c| c == redirect_uri) {
        return Err(page("The redirect_uri is not registered for this client."));
    }
    let redirect = |error: &'static str, description: &str| Rejection::Redirect {
        redirect_uri: redirect_uri.to_string(),
        error,
        description: description.to_string(),
        state: p.state.clone(),
    };
    let code_flow = match p.response_type.as_deref() {
        Some("code") => true,
        Some("token") => false,
        Some(_) => {
            return Err(redirect(
                "unsupported_response_type",
                "response_type must be code or token.",
            ))
        }
        None => return Err(redirect("invalid_request", "response_type is required.")),
    };
    let flow = if code_flow { "code" } else { "implicit" };
    if !client.allowed_oauth_flows_user_pool_client
        || !client.allowed_oauth_flows.iter().flatten().any(|f| f == flow)
    {
        return Err(redirect(
            "unauthorized_client",
            "The client may not use this flow.",
        ));
    }
    match (p.code_challenge.as_deref(), p.code_challenge_method.as_deref()) {
        (Some(_), Some("S256")) | (None, None) => {}
        (Some(_), None) => {
            return Err(redirect(
                "invalid_request",
                "code_challenge_method is required with code_challenge.",
            ))
        }
        (_, Some(_)) => {
            return Err(redirect(
                "invalid_request",
                "Only the S256 code_challenge_method is supported.",
            ))
        }
    }
    if let Some(idp) = p.identity_provider.as_deref() {
        if idp != "COGNITO" {
            return Err(redirect(
                "invalid_request",
                "The identity provider is not configured for this client.",
            ));
        }
    }
    let scopes = scopes::grant(&client, p.scope.as_deref());
    if scopes.is_empty() {
        return Err(redirect(
            "invalid_scope",
            "None of the requested scopes is allowed for this client.",
        ));
    }
    Ok(Checked {
        pool,
        client,
        redirect_uri: redirect_uri.to_string(),
        scopes,
        code_flow,
    })
}
