//! `/logout`: ends the browser's hosted-UI session for good, then sends it to a registered `logout_uri`, or back
//! to the sign-in page for a new authorization request.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;

use super::authorize::{redirect, with_params};
use super::cookies;
use super::ui::{Fields, PageError};
use crate::AppState;

pub async fn logout(
    State(st): State<Arc<AppState>>,
    jar: CookieJar,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let query: Fields = serde_urlencoded::from_str(&raw.unwrap_or_default()).unwrap_or_default();
    let lk = &st.latchkey;
    let client_id = query
        .get("client_id")
        .ok_or_else(|| PageError::bad_request("client_id is required."))?;
    let (client, _) = lk
        .client_and_pool(client_id)
        .await
        .map_err(|_| PageError::bad_request("The client does not exist."))?;
    let jar = cookies::end_session(lk, jar).await;
    if let Some(uri) = query.get("logout_uri") {
        if !client.logout_urls.iter().flatten().any(|u| u == uri) {
            return Err(PageError::bad_request(
                "The logout_uri is not registered for this client.",
            ));
        }
        return Ok((jar, redirect(uri)).into_response());
    }
    if query.contains_key("redirect_uri") && query.contains_key("response_type") {
        let pairs: Vec<(&str, &str)> = query
            .iter()
            .filter(|(k, _)| {
                matches!(
                    k.as_str(),
                    "client_id" | "redirect_uri" | "response_type" | "state" | "scope" | "nonce"
                )
            })
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        return Ok((jar, redirect(&with_params("/login", '?', &pairs))).into_response());
    }
    Err(PageError::bad_request(
        "logout_uri or redirect_uri with response_type is required.",
    ))
}
