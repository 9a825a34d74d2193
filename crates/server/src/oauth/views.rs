//! The hosted UI's pages (askama templates under `templates/`, compiled into the binary), their security headers
//! (strict CSP, no framing, no caching) and the stylesheet.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{RawQuery, State};
use base64::Engine;
use latchkey_core::oauth::ui::effective;

use crate::AppState;
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

/// The customization for a page of `client_id` in `pool`, as stylesheet and logo URLs.
pub fn ui_for(pool: &latchkey_core::pools::UserPool, client_id: &str) -> Ui {
    let (_, found) = effective(&pool.ui_customizations, Some(client_id));
    let Some(c) = found else { return Ui::default() };
    let q = format!("pool={}&client={client_id}&v={}", pool.id, c.css_version);
    Ui {
        css_url: c.css.as_ref().map(|_| format!("/ui/custom.css?{q}")),
        logo_url: c.image.as_ref().map(|_| format!("/ui/logo?{q}")),
    }
}

async fn customization(
    st: &AppState,
    raw: Option<String>,
) -> Option<latchkey_core::oauth::ui::UiCustomization> {
    let q: BTreeMap<String, String> = serde_urlencoded::from_str(&raw.unwrap_or_default()).ok()?;
    let pool = st.latchkey.store.get_pool(q.get("pool")?).await.ok()??;
    let client = q
        .get("client")
        .map(String::as_str)
        .filter(|c| *c != latchkey_core::oauth::ui::ALL_CLIENTS);
    effective(&pool.ui_customizations, client).1.cloned()
}

/// `/ui/custom.css?pool=..&client=..`: the pool's (or client's) checked CSS.
pub async fn custom_css(State(st): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> Response {
    match customization(&st, raw).await.and_then(|c| c.css) {
        Some(css) => (
            [
                (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            css,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `/ui/logo?pool=..&client=..`: the logo image.
pub async fn logo(State(st): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> Response {
    let Some(c) = customization(&st, raw).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match (
        c.image
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok()),
        c.image_type,
    ) {
        (Some(bytes), Some(ty)) => {
            let mut resp = ([(header::CACHE_CONTROL, "public, max-age=300")], bytes).into_response();
            if let Ok(v) = HeaderValue::from_str(&ty) {
                resp.headers_mut().insert(header::CONTENT_TYPE, v);
            }
            resp.headers_mut().insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            resp
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}
