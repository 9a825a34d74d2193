//! The tower middleware that protects routes: it takes the token from `Authorization`, verifies it, and either
//! hands the request on with the [`Claims`] in its extensions or answers the RFC 6750 refusal itself.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use tower::{Layer, Service};

use crate::error::VerifyError;
use crate::requirements::Requirements;
use crate::verifier::Verifier;

/// Adds token verification in front of a service. Build it from a [`Verifier`]; it applies the verifier's
/// requirements unless given others with [`VerifyLayer::requirements`].
///
/// Accepted: `Authorization: Bearer <jwt>`, and the bare `<jwt>` as API Gateway's Cognito authorizer accepts it.
/// Refused with `401` and `WWW-Authenticate: Bearer` (no token) or `Bearer error="invalid_token"` (a bad one);
/// `403` with `Bearer error="insufficient_scope"` when the token lacks a required scope or group; `503` when the
/// JWKS cannot be fetched (the token is not at fault, so clients should not discard it).
#[derive(Clone, Debug)]
pub struct VerifyLayer {
    verifier: Verifier,
    requirements: Option<Arc<Requirements>>,
}

impl VerifyLayer {
    pub fn new(verifier: Verifier) -> VerifyLayer {
        VerifyLayer {
            verifier,
            requirements: None,
        }
    }

    /// Checks `req` instead of the verifier's own requirements (e.g. one verifier, a stricter scope on some routes).
    pub fn requirements(mut self, req: Requirements) -> VerifyLayer {
        self.requirements = Some(Arc::new(req));
        self
    }
}

impl<S> Layer<S> for VerifyLayer {
    type Service = VerifyService<S>;

    fn layer(&self, inner: S) -> VerifyService<S> {
        VerifyService {
            inner,
            verifier: self.verifier.clone(),
            requirements: self.requirements.clone(),
        }
    }
}

/// The service [`VerifyLayer`] wraps around a route.
#[derive(Clone, Debug)]
pub struct VerifyService<S> {
    inner: S,
    verifier: Verifier,
    requirements: Option<Arc<Requirements>>,
}

impl<S, B, ResBody> Service<Request<B>> for VerifyService<S>
where
    S: Service<Request<B>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    B: Send + 'static,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<ResBody>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        // The clone that was polled ready serves this request; a fresh clone stays behind for the next one.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let verifier = self.verifier.clone();
        let requirements = self.requirements.clone();
        Box::pin(async move {
            let verdict = match bearer_token(req.headers()) {
                None => Err(Refusal::NoToken),
                Some(token) => {
                    let result = match &requirements {
                        Some(r) => verifier.verify_for(token, r).await,
                        None => verifier.verify(token).await,
                    };
                    result.map_err(Refusal::Invalid)
                }
            };
            match verdict {
                Ok(claims) => {
                    req.extensions_mut().insert(claims);
                    inner.call(req).await
                }
                Err(refusal) => Ok(refusal.response()),
            }
        })
    }
}

/// The token in an `Authorization` header: after the `Bearer` scheme (case-insensitive), or the whole value when
/// it is a bare compact JWS. Anything else (no header, another scheme, non-ASCII) is no token.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    if let Some((scheme, rest)) = value.split_once(' ') {
        let token = rest.trim_start();
        return (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token);
    }
    (value.bytes().filter(|&b| b == b'.').count() == 2).then_some(value)
}

/// Why a request was turned away, and how to say so (RFC 6750 §3).
#[derive(Debug)]
pub(crate) enum Refusal {
    NoToken,
    Invalid(VerifyError),
}

impl Refusal {
    pub(crate) fn status_and_challenge(&self) -> (StatusCode, Option<&'static str>) {
        match self {
            Refusal::NoToken => (StatusCode::UNAUTHORIZED, Some("Bearer")),
            Refusal::Invalid(e) if e.is_insufficient_scope() => (
                StatusCode::FORBIDDEN,
                Some(r#"Bearer error="insufficient_scope""#),
            ),
            Refusal::Invalid(e) if e.is_unavailable() => (StatusCode::SERVICE_UNAVAILABLE, None),
            Refusal::Invalid(_) => (StatusCode::UNAUTHORIZED, Some(r#"Bearer error="invalid_token""#)),
        }
    }

    pub(crate) fn response<Body: Default>(&self) -> Response<Body> {
        let (status, challenge) = self.status_and_challenge();
        let mut resp = Response::new(Body::default());
        *resp.status_mut() = status;
        if let Some(challenge) = challenge {
            resp.headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        }
        resp
    }
}
