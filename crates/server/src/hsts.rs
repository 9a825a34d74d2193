//! `Strict-Transport-Security` on every response when the public URL is https: a browser that reached the hosted
//! UI over TLS once never again sends its cookies or passwords over plain HTTP to that host (the header means
//! nothing on an http origin, so it is sent only for https).

use axum::http::header::STRICT_TRANSPORT_SECURITY;
use axum::http::HeaderValue;
use tower_http::set_header::SetResponseHeaderLayer;

/// One year, subdomains included: what Cognito's hosted UI sends.
const POLICY: &str = "max-age=31536000; includeSubDomains";

/// The layer adding the header, or `None` for an http public URL.
pub fn layer(public_url: &str) -> Option<SetResponseHeaderLayer<HeaderValue>> {
    let https = public_url
        .get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"));
    https.then(|| {
        SetResponseHeaderLayer::overriding(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(POLICY))
    })
}
