//! `/oauth2/authorize`: validates the request, then either answers at once from a live hosted-UI session or sends
//! the browser to the sign-in page; and `finish`, which ends every successful sign-in by redirecting to the app
//! with a code (query) or tokens (fragment).

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use latchkey_core::oauth::hosted::Authenticated;
use latchkey_core::tokens::Grant;

use super::cookies;
use super::params::Rejection;
use super::ui::{secure_headers, HostedRequest, PageError};

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
        Rejection::Page(message) => PageError::bad_request(message).into_response(),
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

pub async fn authorize(request: HostedRequest) -> Response {
    if let Some(signed_in) = request.session_user().await {
        return finish(request, &signed_in).await;
    }
    redirect(&format!("/login?{}", request.params.to_query()))
}

/// Completes a sign-in: starts (or renews) the hosted-UI session and returns to the app.
pub async fn finish(request: HostedRequest, signed_in: &Authenticated) -> Response {
    let lk = request.lk();
    let user = &signed_in.user;
    if !user.may_start_session() {
        // Every caller has checked this already; a session for an unconfirmed or disabled account must never
        // start, whatever path led here.
        return PageError::new(StatusCode::FORBIDDEN, "User cannot sign in.").into_response();
    }
    let jar = cookies::start_session(lk, request.jar.clone(), &request.checked.pool.id, signed_in);
    let (checked, params) = (&request.checked, &request.params);
    let auth_time = signed_in.auth_time;
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
            source: latchkey_core::triggers::TokenSource::HostedAuth,
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
