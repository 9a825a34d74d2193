//! Latchkey's HTTP surface: one axum router serving the Cognito AWS JSON API on `POST /`, health checks and
//! Prometheus metrics. It never names a concrete store: it is handed a `Latchkey` built on `Arc<dyn Store>`.

pub mod aws;
pub mod functions;
mod health;
mod hsts;
pub mod limits;
pub mod mail;
pub mod metrics;
mod oauth;
mod oidc;
pub mod ops;
pub mod sts;

use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, HeaderName, Method};
use axum::routing::{get, post};
use axum::Router;
use latchkey_core::Latchkey;
use tower_http::cors::{Any, CorsLayer};

pub use aws::sigv4::AccessKeys;

pub struct AppState {
    pub latchkey: Latchkey,
    pub keys: AccessKeys,
    pub metrics: Arc<metrics::Metrics>,
    pub limits: limits::Limits,
}

impl AppState {
    /// `metrics` is shared with the mailer wrapper that counts deliveries. The abuse limits start at their
    /// defaults; `with_limits` replaces them.
    pub fn new(latchkey: Latchkey, keys: AccessKeys, metrics: Arc<metrics::Metrics>) -> Self {
        Self {
            latchkey,
            keys,
            metrics,
            limits: limits::Limits::new(limits::LimitSettings::default())
                .unwrap_or_else(|_| limits::Limits::off()),
        }
    }

    pub fn with_limits(self, limits: limits::Limits) -> Self {
        Self { limits, ..self }
    }
}

/// Browsers (Amplify, amazon-cognito-identity-js) call the API cross-origin: allow the headers the SDKs send and
/// expose the ones they read.
fn cors() -> CorsLayer {
    let allow = [
        "content-type",
        "x-amz-target",
        "x-amz-user-agent",
        "x-amz-date",
        "x-amz-security-token",
        "x-amz-content-sha256",
        "authorization",
        "cache-control",
        "amz-sdk-invocation-id",
        "amz-sdk-request",
    ];
    let expose = [
        "x-amzn-requestid",
        "x-amzn-errortype",
        "x-amzn-errormessage",
        "date",
    ];
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers(allow.map(HeaderName::from_static))
        .expose_headers(expose.map(HeaderName::from_static))
        .max_age(Duration::from_secs(86_400))
}

pub fn router(state: Arc<AppState>) -> Router {
    let hsts = hsts::layer(&state.latchkey.settings().public_url);
    let router = Router::new()
        .route(
            "/",
            post(aws::dispatch::handle)
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    aws::throttle::limit,
                ))
                .get(sts::get),
        )
        .route("/health/live", get(health::live))
        .route("/health/ready", get(health::ready))
        .route("/metrics", get(metrics_text))
        .route("/{pool_id}/.well-known/jwks.json", get(oidc::jwks))
        .route("/cognito-identity/.well-known/jwks_uri", get(oidc::identity_jwks))
        .route(
            "/cognito-identity/.well-known/openid-configuration",
            get(oidc::identity_openid_configuration),
        )
        .route(
            "/{pool_id}/.well-known/openid-configuration",
            get(oidc::openid_configuration),
        )
        .merge(oauth::routes(state.clone()))
        .layer(cors())
        .with_state(state);
    match hsts {
        Some(hsts) => router.layer(hsts),
        None => router,
    }
}

async fn metrics_text(
    axum::extract::State(st): axum::extract::State<Arc<AppState>>,
) -> impl axum::response::IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        st.metrics.render(),
    )
}
