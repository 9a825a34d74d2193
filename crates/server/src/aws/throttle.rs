//! The abuse limits and the optional Cognito quotas on `POST /` (see `crate::limits` for what is limited and
//! why). Decided from the operation name and a glance at the body (`ClientId`, `AuthFlow`) before SigV4, model
//! validation or any store work; a refused request answers TooManyRequestsException in Cognito's dialect and
//! never reaches the dispatcher. Every other operation passes through untouched, its body unread.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, FromRequest, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use latchkey_core::{CognitoError, ErrorKind};
use serde::Deserialize;

use super::dispatch::{IDENTITY_TARGET_PREFIX, IDP_TARGET_PREFIX};
use super::error::AwsJsonError;
use crate::limits::Throttled;
use crate::AppState;

/// What an operation costs the node, and so which buckets it spends from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cost {
    /// No password hash, no SRP, no message: not limited.
    Free,
    /// Hashes or sends, and names no app client (it carries an access token): limited by address.
    ByAddress,
    /// Hashes, computes SRP or sends, for the app client the body names: limited by address and client.
    ByAddressAndClient,
    /// InitiateAuth: as above, except the refresh flows, which hash nothing.
    UnlessRefresh,
}

fn cost(prefix: &str, op: &str) -> Cost {
    if prefix == IDENTITY_TARGET_PREFIX {
        // GetId stores a new identity whenever it names no login of an unauthenticated pool: an unsigned write
        // anyone can repeat, limited by address like the paths that send messages.
        return if op == "GetId" {
            Cost::ByAddress
        } else {
            Cost::Free
        };
    }
    match op {
        "InitiateAuth" => Cost::UnlessRefresh,
        "RespondToAuthChallenge"
        | "SignUp"
        | "ResendConfirmationCode"
        | "ForgotPassword"
        | "ConfirmForgotPassword" => Cost::ByAddressAndClient,
        "ChangePassword" | "UpdateUserAttributes" | "GetUserAttributeVerificationCode" => Cost::ByAddress,
        _ => Cost::Free,
    }
}

/// The per-client bucket of requests whose client cannot be read before validation.
pub const UNREADABLE_CLIENT: &str = "(unreadable)";

/// The two members the decision needs; the rest of the body is skipped, not built.
#[derive(Deserialize)]
pub struct Glance<'a> {
    #[serde(rename = "ClientId", borrow, default)]
    pub client_id: Option<std::borrow::Cow<'a, str>>,
    #[serde(rename = "AuthFlow", borrow, default)]
    pub auth_flow: Option<std::borrow::Cow<'a, str>>,
}

impl<'a> Glance<'a> {
    /// `None` when the body is not a JSON object with string members there (validation will say why).
    pub fn parse(body: &'a [u8]) -> Option<Self> {
        serde_json::from_slice(body).ok()
    }
}

pub async fn limit(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let limits = &st.limits;
    let target = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.split_once('.'))
        .filter(|(prefix, _)| *prefix == IDP_TARGET_PREFIX || *prefix == IDENTITY_TARGET_PREFIX)
        .map(|(prefix, op)| (op, cost(prefix, op)));
    let Some((op, cost)) = target else {
        return next.run(req).await;
    };
    let by_source = cost != Cost::Free && limits.limits_sources();
    if !by_source && !limits.enforces_quotas() {
        // The common case: a header lookup and a match, and the request goes on untouched.
        return next.run(req).await;
    }
    let op = op.to_string();
    let started = Instant::now();
    let mut req = req;
    if by_source {
        let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
        let addr = limits.client_addr(peer, req.headers());
        let verdict = if cost == Cost::ByAddress {
            limits.admit(addr, None)
        } else {
            // The body is read here instead of in the dispatcher, with the same extractor and limits, and
            // handed on.
            let (parts, body) = req.into_parts();
            let bytes = match Bytes::from_request(Request::from_parts(parts.clone(), body), &()).await {
                Ok(b) => b,
                Err(rejection) => return rejection.into_response(),
            };
            let glance = Glance::parse(&bytes);
            let is_refresh = glance
                .as_ref()
                .and_then(|g| g.auth_flow.as_deref())
                .is_some_and(|f| matches!(f, "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN"));
            let verdict = if cost == Cost::UnlessRefresh && is_refresh {
                Ok(())
            } else {
                // A body that does not parse here (duplicate members, say, which the dispatcher would resolve to
                // the last) is charged to one shared stand-in client, so it cannot skip the per-client limit.
                let client_id = match &glance {
                    Some(g) => g.client_id.as_deref(),
                    None => Some(UNREADABLE_CLIENT),
                };
                limits.admit(addr, client_id)
            };
            req = Request::from_parts(parts, Body::from(bytes));
            verdict
        };
        if let Err(t) = verdict {
            return refuse(&st, &op, started, t);
        }
    }
    if let Err(t) = limits.admit_quota(&op) {
        return refuse(&st, &op, started, t);
    }
    next.run(req).await
}

fn refuse(st: &AppState, op: &str, started: Instant, t: Throttled) -> Response {
    let request_id = latchkey_core::ids::new_uuid(st.latchkey.rng());
    // Only operations of the fixed lists above get here, so the metric's label set stays bounded. Refusals are
    // counted, not logged one by one: a flood would otherwise become a flood of log lines.
    st.metrics
        .observe(op, ErrorKind::TooManyRequestsException.name(), started.elapsed());
    tracing::debug!(operation = %op, request_id = %request_id, limit = t.limit, "throttled");
    AwsJsonError::new(
        &request_id,
        CognitoError::new(ErrorKind::TooManyRequestsException, "Rate exceeded"),
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unauthenticated_identity_creation_is_limited_by_address() {
        assert_eq!(cost(IDENTITY_TARGET_PREFIX, "GetId"), Cost::ByAddress);
        assert_eq!(
            cost(IDENTITY_TARGET_PREFIX, "GetCredentialsForIdentity"),
            Cost::Free
        );
        // The same name in the other service is another operation.
        assert_eq!(cost(IDENTITY_TARGET_PREFIX, "ChangePassword"), Cost::Free);
    }

    #[test]
    fn every_operation_that_hashes_or_sends_is_limited() {
        for op in [
            "RespondToAuthChallenge",
            "SignUp",
            "ResendConfirmationCode",
            "ForgotPassword",
            "ConfirmForgotPassword",
        ] {
            assert_eq!(cost(IDP_TARGET_PREFIX, op), Cost::ByAddressAndClient, "{op}");
        }
        assert_eq!(cost(IDP_TARGET_PREFIX, "InitiateAuth"), Cost::UnlessRefresh);
        for op in [
            "ChangePassword",
            "UpdateUserAttributes",
            "GetUserAttributeVerificationCode",
        ] {
            assert_eq!(cost(IDP_TARGET_PREFIX, op), Cost::ByAddress, "{op}");
        }
        // Signed (operator) operations and cheap ones are not.
        for op in [
            "AdminInitiateAuth",
            "AdminCreateUser",
            "AdminSetUserPassword",
            "GetUser",
            "ConfirmSignUp",
        ] {
            assert_eq!(cost(IDP_TARGET_PREFIX, op), Cost::Free, "{op}");
        }
    }

    #[test]
    fn the_glance_reads_two_members_and_tolerates_escapes() {
        let g: Glance = serde_json::from_slice(
            br#"{"AuthParameters":{"USERNAME":"a"},"ClientId":"ab\u0063","AuthFlow":"USER_SRP_AUTH"}"#,
        )
        .unwrap();
        assert_eq!(g.client_id.as_deref(), Some("abc"));
        assert_eq!(g.auth_flow.as_deref(), Some("USER_SRP_AUTH"));
    }
}
