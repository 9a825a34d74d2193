//! The hosted UI's pages (askama templates under `templates/`, compiled into the binary), their security headers
//! (strict CSP, no framing, no caching) and the stylesheet.

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Per-page customization: the pool's or client's stylesheet and logo, when set.
#[derive(Default)]
pub struct Ui {
    pub css_url: Option<String>,
    pub logo_url: Option<String>,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub ui: Ui,
    pub q: String,
    pub csrf: String,
    pub error: Option<String>,
    pub notice: Option<String>,
    pub username: String,
    pub username_label: &'static str,
    pub signup_allowed: bool,
}

#[derive(Template)]
#[template(path = "signup.html")]
pub struct SignupPage {
    pub ui: Ui,
    pub q: String,
    pub csrf: String,
    pub error: Option<String>,
    pub notice: Option<String>,
    pub username: String,
    pub email: String,
    pub email_is_username: bool,
    pub extra_fields: Vec<String>,
    pub password_rules: String,
}

#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub ui: Ui,
    pub q: String,
    pub csrf: String,
    pub error: Option<String>,
    pub notice: Option<String>,
    pub username: String,
}

#[derive(Template)]
#[template(path = "forgot.html")]
pub struct ForgotPage {
    pub ui: Ui,
    pub q: String,
    pub csrf: String,
    pub error: Option<String>,
    pub notice: Option<String>,
    pub username: String,
    pub username_label: &'static str,
}

#[derive(Template)]
#[template(path = "confirm_forgot.html")]
pub struct ConfirmForgotPage {
    pub ui: Ui,
    pub q: String,
    pub csrf: String,
    pub error: Option<String>,
    pub notice: Option<String>,
    pub username: String,
}

#[derive(Template)]
#[template(path = "new_password.html")]
pub struct NewPasswordPage {
    pub ui: Ui,
    pub q: String,
    pub csrf: String,
    pub error: Option<String>,
    pub notice: Option<String>,
    pub session: String,
    pub username: String,
    pub required_fields: Vec<String>,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub ui: Ui,
    pub error: Option<String>,
    pub notice: Option<String>,
}

const CSP: &str =
    "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'";

/// Adds the headers every hosted-UI response carries.
pub fn secure_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

pub fn render(status: StatusCode, page: &impl Template) -> Response {
    let resp = match page.render() {
        Ok(html) => (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering a hosted-UI page failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Internal server error").into_response()
        }
    };
    secure_headers(resp)
}

pub fn error_page(status: StatusCode, message: &str) -> Response {
    render(
        status,
        &ErrorPage {
            ui: Ui::default(),
            error: Some(message.to_string()),
            notice: None,
        },
    )
}

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../templates/style.css"),
    )
        .into_response()
}
