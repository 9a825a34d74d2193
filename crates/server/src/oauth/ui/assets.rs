//! The hosted UI's stylesheet and passkey script, and the pool's (or client's) checked CSS and logo from SetUICustomization.

use std::sync::Arc;

use super::request::Fields;
use crate::AppState;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use latchkey_core::oauth::ui::UiCustomization;

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../templates/style.css"),
    )
        .into_response()
}

/// The passkey page's script (the only script of the hosted UI).
pub async fn passkey_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        include_str!("../../../templates/passkey.js"),
    )
        .into_response()
}

/// The customization `?pool=..&client=..` names, as `Ui::of` writes the URLs (`v` only busts caches).
async fn customization(st: &AppState, raw: Option<String>) -> Option<UiCustomization> {
    let query: Fields = serde_urlencoded::from_str(&raw.unwrap_or_default()).ok()?;
    st.latchkey
        .hosted_ui_customization(query.get("pool")?, query.get("client").map(String::as_str))
        .await
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
