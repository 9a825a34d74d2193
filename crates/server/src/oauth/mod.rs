//! OAuth 2.0 / OIDC endpoints and the hosted UI: `/oauth2/authorize` (and `/authorize`), the sign-in, sign-up,
//! confirmation, password-reset and new-password pages, `/oauth2/token`, `/oauth2/userInfo`, `/oauth2/revoke`,
//! `/logout` and `/error`. Pages are server-rendered, need no JavaScript, and carry a CSRF token; the hosted-UI
//! session is a sealed, HttpOnly, SameSite cookie. Errors leave as RFC 6749 JSON (`error`) or as a page
//! (`ui::PageError`).

mod authorize;
mod cookies;
mod endpoints;
mod error;
mod host;
mod input;
mod logout;
mod params;
mod throttle;
mod ui;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;

use crate::AppState;

pub fn routes(state: Arc<AppState>) -> Router<Arc<AppState>> {
    Router::new()
        .route("/oauth2/authorize", get(authorize::authorize))
        .route("/authorize", get(authorize::authorize))
        .merge(ui::routes())
        .route("/logout", get(logout::logout))
        .route("/oauth2/token", post(endpoints::token))
        .route(
            "/oauth2/userInfo",
            get(endpoints::userinfo).post(endpoints::userinfo),
        )
        .route("/oauth2/revoke", post(endpoints::revoke))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            host::route_by_host,
        ))
        .layer(axum::middleware::from_fn(input::refuse_nul))
        // Outermost, so a refused post costs no body check and no pool lookup.
        .layer(axum::middleware::from_fn_with_state(state, throttle::limit))
}
