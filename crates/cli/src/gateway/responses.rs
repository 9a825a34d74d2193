//! The gateway's own answers (API Gateway's default "gateway responses"): `{"message": …}` JSON with the status
//! and `x-amzn-ErrorType` API Gateway sends, and the outcome each is counted under.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;

/// What became of a request, the `outcome` label of the metrics and logs (a small, fixed set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The integration answered (its own status may be anything).
    Integrated,
    /// A CORS preflight the gateway answered itself.
    Preflight,
    MissingRoute,
    Unauthorized,
    /// The authorizer could not check the token (the pool's JWKS unreachable): API Gateway's
    /// AUTHORIZER_CONFIGURATION_ERROR.
    AuthorizerFailure,
    TooLarge,
    IntegrationFailure,
    IntegrationTimeout,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Integrated => "integrated",
            Outcome::Preflight => "preflight",
            Outcome::MissingRoute => "missing_route",
            Outcome::Unauthorized => "unauthorized",
            Outcome::AuthorizerFailure => "authorizer_failure",
            Outcome::TooLarge => "too_large",
            Outcome::IntegrationFailure => "integration_failure",
            Outcome::IntegrationTimeout => "integration_timeout",
        }
    }
}

/// A gateway response for an outcome the gateway decided itself (not `Integrated` or `Preflight`).
pub fn gateway_response(outcome: Outcome) -> Response {
    // API Gateway's default messages and error types; 5xx answers carry no error type.
    let (status, message, error_type) = match outcome {
        Outcome::MissingRoute => (
            StatusCode::FORBIDDEN,
            "Missing Authentication Token",
            Some("MissingAuthenticationTokenException"),
        ),
        Outcome::Unauthorized => (
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            Some("UnauthorizedException"),
        ),
        Outcome::AuthorizerFailure => (StatusCode::INTERNAL_SERVER_ERROR, "Internal server error", None),
        Outcome::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "Request Too Long", None),
        Outcome::IntegrationTimeout => (StatusCode::GATEWAY_TIMEOUT, "Endpoint request timed out", None),
        Outcome::IntegrationFailure | Outcome::Integrated | Outcome::Preflight => {
            (StatusCode::BAD_GATEWAY, "Internal server error", None)
        }
    };
    let body = serde_json::json!({ "message": message }).to_string();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Some(error_type) = error_type {
        headers.insert("x-amzn-ErrorType", HeaderValue::from_static(error_type));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(r: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(r.into_body(), 1024).await.unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn gateway_responses_match_api_gateway() {
        let r = gateway_response(Outcome::MissingRoute);
        assert_eq!(r.status(), 403);
        assert_eq!(
            r.headers()["x-amzn-errortype"],
            "MissingAuthenticationTokenException"
        );
        assert_eq!(r.headers()["content-type"], "application/json");
        assert_eq!(body(r).await["message"], "Missing Authentication Token");

        let r = gateway_response(Outcome::Unauthorized);
        assert_eq!(r.status(), 401);
        assert_eq!(r.headers()["x-amzn-errortype"], "UnauthorizedException");
        assert_eq!(body(r).await["message"], "Unauthorized");

        let r = gateway_response(Outcome::IntegrationFailure);
        assert_eq!(r.status(), 502);
        assert_eq!(body(r).await["message"], "Internal server error");

        let r = gateway_response(Outcome::IntegrationTimeout);
        assert_eq!(r.status(), 504);
        assert_eq!(body(r).await["message"], "Endpoint request timed out");
    }
}
