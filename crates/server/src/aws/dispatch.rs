//! `POST /`: the AWS JSON 1.1 dispatcher for both Cognito services — user pools
//! (`AWSCognitoIdentityProviderService.<Op>`) and identity pools (`AWSCognitoIdentityService.<Op>`). It names the
//! service and operation from `X-Amz-Target`, authenticates it (SigV4 for admin operations; unsigned operations
//! are authorised later by ClientId, Session, token or Logins), parses and validates the body against that
//! service's API model, runs the operation, and answers in Cognito's dialect. KMS's targets (`TrentService.<Op>`)
//! go to `kms`; STS's form posts, which name no `X-Amz-Target`, go to `crate::sts`.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use latchkey_core::triggers::{with_context, TriggerContext};
use latchkey_core::{CognitoError, ErrorKind};
use serde_json::Value;

use super::error::{capped, success, AwsJsonError};
use super::{kms, model, sigv4};
use crate::ops::{self, Ctx};
use crate::AppState;

pub const IDP_TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService";
pub const IDENTITY_TARGET_PREFIX: &str = "AWSCognitoIdentityService";

/// One of the AWS JSON services on `POST /`: its model, the service name requests are signed for, and its
/// operations.
#[derive(Clone, Copy)]
enum Service {
    UserPools,
    IdentityPools,
}

impl Service {
    fn of_target(target: &str) -> Option<(Self, &str)> {
        let (prefix, op) = target.split_once('.')?;
        let service = match prefix {
            IDP_TARGET_PREFIX => Service::UserPools,
            IDENTITY_TARGET_PREFIX => Service::IdentityPools,
            _ => return None,
        };
        service.model().operation(op).is_some().then_some((service, op))
    }

    fn model(self) -> &'static model::ApiModel {
        match self {
            Service::UserPools => model::cognito_idp(),
            Service::IdentityPools => model::cognito_identity(),
        }
    }

    fn signing_name(self) -> &'static str {
        match self {
            Service::UserPools => "cognito-idp",
            Service::IdentityPools => "cognito-identity",
        }
    }
}

pub async fn handle(
    State(st): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if crate::sts::is_sts_request(&headers, &uri) {
        return crate::sts::handle(&st, &method, &uri, &headers, &body).await;
    }
    let started = Instant::now();
    let request_id = latchkey_core::ids::new_uuid(st.latchkey.rng());
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (op_name, result) = match Service::of_target(target) {
        Some((service, op)) => (
            op.to_string(),
            run(&st, service, op, &request_id, &method, &uri, &headers, &body).await,
        ),
        None if kms::is_kms_target(target) => {
            let op = target.rsplit('.').next().unwrap_or_default();
            (
                op.to_string(),
                kms::run(&st, op, &method, &uri, &headers, &body).await,
            )
        }
        _ => (
            "unknown".to_string(),
            Err(CognitoError::new(
                ErrorKind::UnknownOperationException,
                if target.is_empty() {
                    "Missing X-Amz-Target header naming the operation.".to_string()
                } else {
                    format!("Unknown operation: {target}")
                },
            )),
        ),
    };
    let outcome = match &result {
        Ok(_) => "success",
        Err(e) => e.kind().name(),
    };
    st.metrics.observe(&op_name, outcome, started.elapsed());
    match result {
        Ok(body) => {
            tracing::debug!(operation = %op_name, request_id = %request_id, "ok");
            success(&request_id, body)
        }
        Err(e) => {
            if e.kind() == ErrorKind::InternalErrorException {
                tracing::error!(operation = %op_name, request_id = %request_id, error = %capped(e.detail()).escape_debug(), "internal error");
            } else {
                // Messages may repeat what the client sent: capped, and escaped so a newline cannot forge a line.
                tracing::info!(operation = %op_name, request_id = %request_id, error = e.kind().name(), message = %capped(e.message()).escape_debug(), "request refused");
            }
            AwsJsonError::new(&request_id, e).into_response()
        }
    }
}

/// What the triggers an operation fires tell their functions: its `ClientMetadata` (the model has checked it is a
/// map of strings where the operation takes one) and the SDK named in the `User-Agent`.
fn trigger_context(op_name: &str, input: &Value, headers: &HeaderMap) -> TriggerContext {
    let client_metadata = input
        .get("ClientMetadata")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let agent = headers
        .get("x-amz-user-agent")
        .or_else(|| headers.get(axum::http::header::USER_AGENT))
        .and_then(|v| v.to_str().ok());
    TriggerContext {
        client_metadata,
        metadata_to_functions: !matches!(op_name, "InitiateAuth" | "AdminInitiateAuth"),
        sdk_version: TriggerContext::sdk_version_of(agent),
    }
}

#[allow(clippy::too_many_arguments)]
async fn run(
    st: &AppState,
    service: Service,
    op_name: &str,
    request_id: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, CognitoError> {
    let model = service.model();
    let Some(op) = model.operation(op_name) else {
        return Err(CognitoError::new(
            ErrorKind::UnknownOperationException,
            format!("Unknown operation: {op_name}"),
        ));
    };
    let region = if op.unsigned {
        // A client may sign an unsigned operation; that signature is not required, so it is not checked.
        sigv4::unverified_region(headers)
    } else {
        let signed = sigv4::verify(
            &st.keys,
            method,
            uri,
            headers,
            body,
            st.latchkey.clock().now(),
            service.signing_name(),
        )?;
        Some(signed.region)
    };
    let input: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Default::default())
    } else {
        serde_json::from_slice(body).map_err(|e| {
            CognitoError::new(
                ErrorKind::SerializationException,
                format!("The request body is not valid JSON: {e}"),
            )
        })?
    };
    if !input.is_object() {
        return Err(CognitoError::new(
            ErrorKind::SerializationException,
            "The request body must be a JSON object.",
        ));
    }
    model.validate(op, &input)?;
    let ctx = Ctx {
        region,
        request_id: request_id.to_string(),
    };
    let outcome = match service {
        Service::UserPools => {
            let triggers = trigger_context(op_name, &input, headers);
            with_context(triggers, ops::call(op_name, &st.latchkey, &ctx, input)).await
        }
        Service::IdentityPools => ops::identity::call(op_name, &st.latchkey, &ctx, input).await,
    };
    match outcome {
        Some(result) => result,
        None => Err(CognitoError::new(
            ErrorKind::UnsupportedOperationException,
            format!("Latchkey does not implement {op_name} yet."),
        )),
    }
}
