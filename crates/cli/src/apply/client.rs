//! A small AWS JSON 1.1 client for the two Cognito APIs `latchkey apply` drives (user pools: `cognito-idp`,
//! identity pools: `cognito-identity`), signed with SigV4 so the same calls work against Latchkey and real Cognito.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use latchkey_core::ports::Clock;
use serde_json::Value;

use super::credentials::AwsCredentials;

const JSON_1_1: &str = "application/x-amz-json-1.1";

/// Which of the two Cognito APIs a call goes to: its target prefix and SigV4 signing name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    UserPools,
    IdentityPools,
}

impl Service {
    fn target_prefix(self) -> &'static str {
        match self {
            Service::UserPools => "AWSCognitoIdentityProviderService",
            Service::IdentityPools => "AWSCognitoIdentityService",
        }
    }

    fn signing_name(self) -> &'static str {
        match self {
            Service::UserPools => "cognito-idp",
            Service::IdentityPools => "cognito-identity",
        }
    }
}

/// A failed call: Cognito's own `__type` and message when it answered with one, else what went wrong on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The exception name (`ResourceNotFoundException`), or `HTTP <status>` / `Transport` when there was none.
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn is(&self, code: &str) -> bool {
        self.code == code
    }

    fn transport(message: String) -> Self {
        Self {
            code: "Transport".into(),
            message,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}", self.code)
        } else {
            write!(f, "{}: {}", self.code, self.message)
        }
    }
}

/// Where and as whom the calls are made.
pub struct CognitoClient {
    http: reqwest::Client,
    endpoint: String,
    region: String,
    credentials: AwsCredentials,
    clock: Arc<dyn Clock>,
}

impl CognitoClient {
    pub fn new(
        endpoint: &str,
        region: &str,
        credentials: AwsCredentials,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Self {
            http,
            endpoint: endpoint.trim_end_matches('/').to_string() + "/",
            region: region.to_string(),
            credentials,
            clock,
        })
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    /// The endpoint without its trailing slash.
    pub fn endpoint(&self) -> &str {
        self.endpoint.trim_end_matches('/')
    }

    /// A user pools (`cognito-idp`) operation.
    pub async fn idp(&self, operation: &str, body: Value) -> Result<Value, ApiError> {
        self.call(Service::UserPools, operation, body).await
    }

    /// An identity pools (`cognito-identity`) operation.
    pub async fn identity(&self, operation: &str, body: Value) -> Result<Value, ApiError> {
        self.call(Service::IdentityPools, operation, body).await
    }

    pub async fn call(&self, service: Service, operation: &str, body: Value) -> Result<Value, ApiError> {
        let payload = serde_json::to_vec(&body).map_err(|e| ApiError::transport(e.to_string()))?;
        let target = format!("{}.{operation}", service.target_prefix());
        let signed = self
            .signature_headers(service, &target, &payload)
            .map_err(ApiError::transport)?;
        let mut request = self
            .http
            .post(&self.endpoint)
            .header("content-type", JSON_1_1)
            .header("x-amz-target", &target);
        for (name, value) in signed {
            request = request.header(name, value);
        }
        let response = request
            .body(payload)
            .send()
            .await
            .map_err(|e| ApiError::transport(format!("cannot reach {}: {e}", self.endpoint())))?;
        let status = response.status();
        let error_header = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let text = response
            .text()
            .await
            .map_err(|e| ApiError::transport(format!("reading the answer to {operation}: {e}")))?;
        let parsed: Option<Value> = serde_json::from_str(&text).ok();
        if status.is_success() {
            return match parsed {
                Some(v) => Ok(v),
                None if text.trim().is_empty() => Ok(Value::Object(Default::default())),
                None => Err(ApiError::transport(format!(
                    "{operation} answered with something other than JSON"
                ))),
            };
        }
        Err(error_from(
            status.as_u16(),
            error_header.as_deref(),
            parsed.as_ref(),
        ))
    }

    /// The SigV4 headers (`authorization`, `x-amz-date`, and `x-amz-security-token` with session credentials).
    fn signature_headers(
        &self,
        service: Service,
        target: &str,
        payload: &[u8],
    ) -> Result<Vec<(String, String)>, String> {
        let identity = Credentials::new(
            self.credentials.access_key_id.clone(),
            self.credentials.secret_access_key.clone(),
            self.credentials.session_token.clone(),
            None,
            "latchkey-apply",
        )
        .into();
        let millis = u64::try_from(self.clock.now().millis()).unwrap_or(0);
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(service.signing_name())
            .time(UNIX_EPOCH + Duration::from_millis(millis))
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| format!("cannot sign the request: {e}"))?
            .into();
        let headers = [("content-type", JSON_1_1), ("x-amz-target", target)];
        let signable = SignableRequest::new(
            "POST",
            &self.endpoint,
            headers.into_iter(),
            SignableBody::Bytes(payload),
        )
        .map_err(|e| format!("cannot sign the request: {e}"))?;
        let (instructions, _signature) = sign(signable, &params)
            .map_err(|e| format!("cannot sign the request: {e}"))?
            .into_parts();
        Ok(instructions
            .headers()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect())
    }
}

/// The error of a non-2xx answer, the way the SDKs read it: `__type` (after any `#`), else the
/// `x-amzn-ErrorType` header (before any `:`); `message` or `Message`.
fn error_from(status: u16, header: Option<&str>, body: Option<&Value>) -> ApiError {
    let from_body = body
        .and_then(|b| b.get("__type").or_else(|| b.get("code")))
        .and_then(Value::as_str)
        .map(|t| t.rsplit('#').next().unwrap_or(t).to_string());
    let from_header = header.map(|h| h.split(':').next().unwrap_or(h).to_string());
    let code = from_body
        .or(from_header)
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| format!("HTTP {status}"));
    let message = body
        .and_then(|b| b.get("message").or_else(|| b.get("Message")))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    ApiError { code, message }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn errors_read_like_the_sdks_read_them() {
        let e = error_from(
            400,
            None,
            Some(&json!({"__type": "com.amazonaws.cognito#ResourceNotFoundException", "message": "no pool"})),
        );
        assert_eq!(e.to_string(), "ResourceNotFoundException: no pool");
        let e = error_from(
            403,
            Some("UnrecognizedClientException:http://x"),
            Some(&json!({"Message": "bad"})),
        );
        assert_eq!(e.code, "UnrecognizedClientException");
        assert_eq!(e.message, "bad");
        let e = error_from(502, None, None);
        assert_eq!(e.to_string(), "HTTP 502");
    }
}
