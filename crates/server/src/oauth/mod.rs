//! OAuth 2.0 / OIDC endpoints and the hosted UI: `/oauth2/authorize` (and `/authorize`), the sign-in, sign-up,
//! confirmation, password-reset and new-password pages, `/oauth2/token`, `/oauth2/userInfo`, `/oauth2/revoke`,
//! `/logout` and `/error`. Pages are server-rendered, need no JavaScript, and carry a CSRF token; the hosted-UI
//! session is a sealed, HttpOnly, SameSite cookie.

mod authorize;
mod cookies;
mod endpoints;
mod host;
mod input;
mod pages;
mod params;
mod throttle;
mod views;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;

use crate::AppState;

pub fn routes(state: Arc<AppState>) -> Router<Arc<AppState>> {
    Router::new()
        .route("/oauth2/authorize", get(authorize::authorize))
        .route("/authorize", get(authorize::authorize))
        .route("/login", get(pages::login_form).post(pages::login_submit))
        .route("/newPassword", post(pages::new_password_submit))
        .route("/signup", get(pages::signup_form).post(pages::signup_submit))
        .route("/confirm", get(pages::confirm_form).post(pages::confirm_submit))
        .route(
            "/forgotPassword",
            get(pages::forgot_form).post(pages::forgot_submit),
        )
        .route(
            "/confirmForgotPassword",
            get(pages::confirm_forgot_form).post(pages::confirm_forgot_submit),
        )
        .route("/logout", get(endpoints::logout))
        .route("/error", get(pages::error_route))
        .route("/oauth2/token", post(endpoints::token))
        .route(
            "/oauth2/userInfo",
            get(endpoints::userinfo).post(endpoints::userinfo),
        )
        .route("/oauth2/revoke", post(endpoints::revoke))
        .route("/ui/style.css", get(views::stylesheet))
        .route("/ui/custom.css", get(views::custom_css))
        .route("/ui/logo", get(views::logo))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            host::route_by_host,
        ))
        .layer(axum::middleware::from_fn(input::refuse_nul))
        // Outermost, so a refused post costs no body check and no pool lookup.
        .layer(axum::middleware::from_fn_with_state(state, throttle::limit))
}
