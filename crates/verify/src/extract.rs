//! axum extractors: [`Claims`] put in the request by [`crate::VerifyLayer`], and [`Authenticated`], which verifies
//! the bearer token itself with the [`Verifier`] in the router's state (no layer needed).

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::claims::Claims;
use crate::error::VerifyError;
use crate::layer::{bearer_token, Refusal};
use crate::verifier::Verifier;

/// Why an extractor refused the request. Its response is the RFC 6750 one [`crate::VerifyLayer`] sends.
#[derive(Debug)]
pub struct AuthRejection(RejectionKind);

#[derive(Debug)]
enum RejectionKind {
    Refused(Refusal),
    /// `Claims` was extracted on a route without `VerifyLayer`: a wiring mistake, not the client's.
    LayerMissing,
}

impl AuthRejection {
    /// The verification error, when a token was present and refused.
    pub fn error(&self) -> Option<&VerifyError> {
        match &self.0 {
            RejectionKind::Refused(Refusal::Invalid(e)) => Some(e),
            _ => None,
        }
    }
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        match self.0 {
            RejectionKind::Refused(refusal) => refusal.response(),
            RejectionKind::LayerMissing => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Claims extracted on a route that VerifyLayer does not protect",
            )
                .into_response(),
        }
    }
}

/// The claims [`crate::VerifyLayer`] verified for this request.
impl<S: Send + Sync> FromRequestParts<S> for Claims {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Claims>()
            .cloned()
            .ok_or(AuthRejection(RejectionKind::LayerMissing))
    }
}

/// Verifies the request's bearer token with the [`Verifier`] taken from the state (`Verifier: FromRef<S>`),
/// applying the verifier's own requirements.
///
/// ```no_run
/// use axum::{routing::get, Router};
/// use latchkey_verify::{Authenticated, Verifier};
///
/// async fn me(Authenticated(claims): Authenticated) -> String {
///     claims.sub
/// }
///
/// # fn app(verifier: Verifier) -> Router {
/// Router::new().route("/me", get(me)).with_state(verifier)
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Authenticated(pub Claims);

impl<S> FromRequestParts<S> for Authenticated
where
    Verifier: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(claims) = parts.extensions.get::<Claims>() {
            return Ok(Authenticated(claims.clone()));
        }
        let token =
            bearer_token(&parts.headers).ok_or(AuthRejection(RejectionKind::Refused(Refusal::NoToken)))?;
        Verifier::from_ref(state)
            .verify(token)
            .await
            .map(Authenticated)
            .map_err(|e| AuthRejection(RejectionKind::Refused(Refusal::Invalid(e))))
    }
}
