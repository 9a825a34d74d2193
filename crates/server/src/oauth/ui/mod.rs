//! The hosted UI's pages, one file per family: sign-in, new password, MFA, sign-up and confirmation, password
//! reset.
//! Each handler takes a checked request (`HostedRequest`) or a CSRF-checked form (`HostedForm<T>`), calls the
//! same core use case as the API, and shows a page (its struct embeds the shared `Frame`) or moves on.

mod assets;
mod login;
mod mfa;
mod new_password;
mod page;
mod passkey;
mod request;
mod reset;
mod sign_up;

pub use page::{secure_headers, PageError};
pub use request::{Fields, HostedRequest};

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use latchkey_core::pools::UserPool;
use latchkey_core::users::names::is_username_attribute;

use crate::AppState;

/// The pages' routes, and the stylesheet, logo and error page they use.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/login", get(login::login_form).post(login::login_submit))
        .route("/newPassword", post(new_password::new_password_submit))
        .route("/mfa", post(mfa::mfa_submit))
        .route("/passkey", post(passkey::passkey_submit))
        .route("/signup", get(sign_up::signup_form).post(sign_up::signup_submit))
        .route(
            "/confirm",
            get(sign_up::confirm_form).post(sign_up::confirm_submit),
        )
        .route(
            "/forgotPassword",
            get(reset::forgot_form).post(reset::forgot_submit),
        )
        .route(
            "/confirmForgotPassword",
            get(reset::confirm_forgot_form).post(reset::confirm_forgot_submit),
        )
        .route("/error", get(page::error_route))
        .route("/ui/style.css", get(assets::stylesheet))
        .route("/ui/passkey.js", get(assets::passkey_script))
        .route("/ui/custom.css", get(assets::custom_css))
        .route("/ui/logo", get(assets::logo))
}

/// The label of the sign-in name field.
fn username_label(pool: &UserPool) -> &'static str {
    if is_username_attribute(pool, "email") {
        "Email"
    } else {
        "Username"
    }
}
