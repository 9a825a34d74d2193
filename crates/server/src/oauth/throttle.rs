//! The abuse limits on the hosted UI's form posts that hash a password or send a message (see `crate::limits`):
//! by client address and by the `client_id` of the page, checked before the pool lookup, the CSRF check or any
//! hashing. A refused post gets a 429 page with `Retry-After`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::ui::PageError;
use crate::limits::retry_after_secs;
use crate::AppState;

const LIMITED_POSTS: &[&str] = &[
    "/login",
    "/newPassword",
    // An MFA page's post may send a code (email setup, a chosen email factor) or judge one.
    "/mfa",
    // The passkey button's post is /login's; the passkey page's post judges an assertion.
    "/passkey",
    "/signup",
    "/confirm",
    "/forgotPassword",
    "/confirmForgotPassword",
];

#[derive(Deserialize)]
struct PageQuery {
    client_id: Option<String>,
}

pub async fn limit(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let limits = &st.limits;
    if req.method() != Method::POST || !limits.limits_sources() {
        return next.run(req).await;
    }
    let Some(path) = LIMITED_POSTS.iter().find(|p| **p == req.uri().path()) else {
        return next.run(req).await;
    };
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let addr = limits.client_addr(peer, req.headers());
    // A query that does not parse (a repeated client_id, say) is charged to one shared stand-in client.
    let client_id = match req.uri().query().map(serde_urlencoded::from_str::<PageQuery>) {
        Some(Ok(q)) => q.client_id,
        Some(Err(_)) => Some(crate::aws::throttle::UNREADABLE_CLIENT.to_string()),
        None => None,
    };
    match limits.admit(addr, client_id.as_deref()) {
        Ok(()) => next.run(req).await,
        Err(t) => {
            st.metrics.observe(
                &format!("hostedui{path}"),
                "TooManyRequestsException",
                std::time::Duration::ZERO,
            );
            tracing::debug!(path = %path, limit = t.limit, "throttled");
            let mut page = PageError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts from your network. Wait a moment, then try again.",
            )
            .into_response();
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs(t.retry_after).to_string()) {
                page.headers_mut().insert(header::RETRY_AFTER, v);
            }
            page
        }
    }
}
