//! Routing by `Host`: on a pool's domain (its prefix domain, e.g. `myapp.auth.us-east-1.amazoncognito.com` or
//! `myapp.localhost`, or its custom domain), the hosted UI serves only that pool's clients. On any other host the
//! pool is found from `client_id` alone, so `http://localhost:9229/oauth2/authorize?client_id=...` works with no DNS.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::ui::PageError;
use crate::AppState;

pub async fn route_by_host(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string);
    let client_id = req
        .uri()
        .query()
        .and_then(|q| serde_urlencoded::from_str::<BTreeMap<String, String>>(q).ok())
        .and_then(|q| q.get("client_id").cloned());
    if let (Some(host), Some(client_id)) = (host, client_id) {
        let lk = &st.latchkey;
        match lk.pool_for_host(&host).await {
            Ok(Some(domain_pool)) => {
                let client_pool = lk
                    .client_and_pool(&client_id)
                    .await
                    .ok()
                    .map(|(_, p)| p.id.clone());
                if client_pool.as_deref() != Some(domain_pool.as_str()) {
                    return PageError::bad_request("The client does not belong to this domain.")
                        .into_response();
                }
            }
            Ok(None) => {}
            Err(e) => return PageError::from(e).into_response(),
        }
    }
    next.run(req).await
}
