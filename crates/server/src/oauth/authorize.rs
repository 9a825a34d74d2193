//! `/oauth2/authorize`: validates the request, then either answers at once from a live hosted-UI session or sends
//! the browser to the sign-in page; and `finish`, which ends every successful sign-in by redirecting to the app
//! with a code (query) or tokens (fragment).

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use latchkey_core::time::Timestamp;
use latchkey_core::tokens::Grant;
use latchkey_core::users::User;

use super::cookies;
use super::params::{check, AuthorizeParams, Checked, Rejection};
use super::views::{error_page, secure_headers};
use crate::AppState;

/// Splits a raw query into the authorization parameters and everything else (username, notice, ...).
pub fn parse_query(raw: Option<String>) -> (AuthorizeParams, std::collections::BTreeMap<String, String>) {
    let raw = raw.unwrap_or_default();
    let params: AuthorizeParams = serde_urlencoded::from_str(&raw).unwrap_or_default();
    let all = serde_urlencoded::from_str(&raw).unwrap_or_default();
    (params, all)
}

/// `base` with `pairs` appended after `sep` ('?' query or '#' fragment).
pub fn with_params(base: &str, sep: char, pairs: &[(&str, &str)]) -> String {
    let encoded = serde_urlencoded::to_string(pairs).unwrap_or_default();
    let joiner = if sep == '?' && base.contains('?') {
        '&'
    } else {
        sep
    };
    format!("{base}{joiner}{encoded}")
}

pub fn redirect(location: &str) -> Response {
    secure_headers((StatusCode::FOUND, [(header::LOCATION, location.to_string())]).into_response())
}

pub fn reject(r: Rejection) -> Response {
    match r {
        Rejection::Page(message) => error_page(StatusCode::BAD_REQUEST, &message),
        Rejection::Redirect {
            redirect_uri,
            error,
            description,
            state,
        } => {
            let mut pairs = vec![("error", error), ("error_description", description.as_str())];
            if let Some(s) = state.as_deref() {
                pairs.push(("state", s));
            }
            redirect(&with_params(&redirect_uri, '?', &pairs))
        }
    }
}

pub async fn authorize(State(st): State<Arc<AppState>>, jar: CookieJar, RawQuery(raw): RawQuery) -> Response {
    let (params, _) = parse_query(raw);
    let checked = match check(&st.latchkey, &params).await {
        Ok(c) => c,
        Err(r) => return reject(r),
    };
    if let Some(session) = cookies::session(&st.latchkey, &jar, &checked.pool.id).await {
        if let Ok(Some(user)) = st
            .latchkey
            .store
            .get_user(&checked.pool.id, &session.username)
            .await
        {
            if user.may_start_session() {
                return finish(&st, jar, &checked, &params, &user, session.auth_time).await;
            }
        }
    }
    redirect(&format!("/login?{}", params.to_query()))
}

/// Completes a sign-in: starts (or renews) the hosted-UI session and returns to the app.
pub async fn finish(
    st: &AppState,
    jar: CookieJar,
    checked: &Checked,
    params: &AuthorizeParams,
    user: &User,
    auth_time: Timestamp,
) -> Response {
    let lk = &st.latchkey;
    if !user.may_start_session() {
        // Every caller has checked this already; a session for an unconfirmed or disabled account must never
        // start, whatever path led here.
        return error_page(StatusCode::FORBIDDEN, "User cannot sign in.");
    }
    let jar = cookies::start_session(lk, jar, &checked.pool.id, &user.username, auth_time);
    let state = params.state.as_deref();
    let location = if checked.code_flow {
        let code = lk.issue_authorization_code(
            &checked.pool,
            &checked.client,
            &user.username,
            &checked.redirect_uri,
            checked.scopes.clone(),
            params.nonce.clone(),
            params.code_challenge.clone(),
            auth_time,
        );
        let mut pairs = vec![("code", code.as_str())];
        if let Some(s) = state {
            pairs.push(("state", s));
        }
        with_params(&checked.redirect_uri, '?', &pairs)
    } else {
        let grant = Grant {
            pool: &checked.pool,
            client: &checked.client,
            user,
            auth_time,
            refresh_of: None,
            device_key: None,
            scopes: Some(&checked.scopes),
            nonce: params.nonce.as_deref(),
            origin_jti: None,
            with_refresh_token: false,
        };
        let tokens = match lk.issue_tokens(grant).await {
            Ok(t) => t,
            Err(e) => {
                tracing::error!(error = %e.detail().escape_debug(), "issuing implicit-flow tokens failed");
                return reject(Rejection::Redirect {
                    redirect_uri: checked.redirect_uri.clone(),
                    error: "server_error",
                    description: "The tokens could not be issued.".into(),
                    state: params.state.clone(),
                });
            }
        };
        let expires = tokens.expires_in.to_string();
        let mut pairs = vec![("access_token", tokens.access_token.as_str())];
        if let Some(id) = tokens.id_token.as_deref() {
            pairs.push(("id_token", id));
        }
        pairs.push(("token_type", "Bearer"));
        pairs.push(("expires_in", expires.as_str()));
        if let Some(s) = state {
            pairs.push(("state", s));
        }
        with_params(&checked.redirect_uri, '#', &pairs)
    };
    (jar, redirect(&location)).into_response()
}
