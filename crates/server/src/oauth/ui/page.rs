//! What every hosted-UI page shares: the frame `layout.html` draws around its form (customization, error, notice)
//! and the values every form carries (the authorization request's parameters, the CSRF token); rendering with the
//! headers every page has (strict CSP, no framing, no caching); and the HTML surface's error type, a page with one
//! message, which is where a domain error becomes page text.

use askama::Template;
use axum::extract::RawQuery;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use latchkey_core::oauth::ui::effective;
use latchkey_core::pools::UserPool;
use latchkey_core::{CognitoError, ErrorKind};

use super::request::Fields;

/// The pool's or client's stylesheet and logo, when set.
#[derive(Default)]
pub struct Ui {
    pub css_url: Option<String>,
    pub logo_url: Option<String>,
}

impl Ui {
    /// The customization for a page of `client_id` in `pool`.
    pub fn of(pool: &UserPool, client_id: &str) -> Self {
        let (_, found) = effective(&pool.ui_customizations, Some(client_id));
        let Some(c) = found else {
            return Self::default();
        };
        let q = format!("pool={}&client={client_id}&v={}", pool.id, c.css_version);
        Self {
            css_url: c.css.as_ref().map(|_| format!("/ui/custom.css?{q}")),
            logo_url: c.image.as_ref().map(|_| format!("/ui/logo?{q}")),
        }
    }
}

/// What every page has; each page struct embeds one as `frame`.
#[derive(Default)]
pub struct Frame {
    pub ui: Ui,
    /// The authorization request's parameters as a query string, carried through every form and link.
    pub q: String,
    pub csrf: String,
    pub error: Option<String>,
    pub notice: Option<String>,
}

impl Frame {
    pub fn notice(self, text: &str) -> Self {
        Self {
            notice: Some(text.to_string()),
            ..self
        }
    }

    /// The page shown again with the reason its form was refused.
    pub fn refused(self, e: CognitoError) -> Self {
        Self {
            error: Some(PageError::from(e).message),
            ..self
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    frame: Frame,
}

/// The HTML surface's error: the error page, showing one message with a status.
#[derive(Debug)]
pub struct PageError {
    status: StatusCode,
    message: String,
}

impl PageError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        let message = message.into();
        Self { status, message }
    }

    /// The answer to a request the page cannot serve as asked (the common case).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
}

/// Cognito's message, which a user may read; a server fault shows a fixed message and logs its detail.
impl From<CognitoError> for PageError {
    fn from(e: CognitoError) -> Self {
        if e.kind() == ErrorKind::InternalErrorException {
            tracing::error!(error = %e.detail().escape_debug(), "a hosted-UI page failed");
            return Self::new(StatusCode::INTERNAL_SERVER_ERROR, e.message());
        }
        Self::bad_request(e.message())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let frame = Frame {
            error: Some(self.message),
            ..Frame::default()
        };
        render(self.status, &ErrorPage { frame })
    }
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

/// `/error`: shows the message it is given.
pub async fn error_route(RawQuery(raw): RawQuery) -> PageError {
    let query: Fields = serde_urlencoded::from_str(&raw.unwrap_or_default()).unwrap_or_default();
    let message = query
        .get("error")
        .cloned()
        .unwrap_or_else(|| "Something went wrong.".into());
    PageError::bad_request(message)
}
