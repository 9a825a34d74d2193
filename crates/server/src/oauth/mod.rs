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
        .route("/login", get(ui::login_form).post(ui::login_submit))
        .route("/newPassword", post(ui::new_password_submit))
        .route("/signup", get(ui::signup_form).post(ui::signup_submit))
        .route("/confirm", get(ui::confirm_form).post(ui::confirm_submit))
        .route("/forgotPassword", get(ui::forgot_form).post(ui::forgot_submit))
        .route(
            "/confirmForgotPassword",
            get(ui::confirm_forgot_form).post(ui::confirm_forgot_submit),
        )
        .route("/logout", get(logout::logout))
        .route("/error", get(ui::error_route))
        .route("/oauth2/token", post(endpoints::token))
        .route(
            "/oauth2/userInfo",
            get(endpoints::userinfo).post(endpoints::userinfo),
        )
        .route("/oauth2/revoke", post(endpoints::revoke))
        .route("/ui/style.css", get(ui::stylesheet))
        .route("/ui/custom.css", get(ui::custom_css))
        .route("/ui/logo", get(ui::logo))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            host::route_by_host,
        ))
        .layer(axum::middleware::from_fn(input::refuse_nul))
        // Outermost, so a refused post costs no body check and no pool lookup.
        .layer(axum::middleware::from_fn_with_state(state, throttle::limit))
}
