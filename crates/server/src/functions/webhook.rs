//! Signed webhooks, as Standard Webhooks sign them: the event is POSTed with `webhook-id`,
//! `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`; the
//! answer is the event with its `response` filled. A function that refuses answers a non-2xx status with
//! `{"errorMessage": "..."}`, as a Lambda runtime reports a thrown error.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use latchkey_core::ports::Rng;
use latchkey_core::time::Timestamp;
use latchkey_core::triggers::FunctionFailure;

use super::lambda::read_limited;
use super::{error_message, parse_answer, Attempt, WebhookTarget, MAX_ANSWER_BYTES};

/// Webhook URLs must be http(s) and name a host.
pub fn check_url(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("{url:?} is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(format!("{url:?} is not an http(s) URL"));
    }
    Ok(())
}

/// The HMAC key of a secret: Standard Webhooks' `whsec_<base64>`, else the text's own bytes.
fn key_of(secret: &str) -> Vec<u8> {
    secret
        .strip_prefix("whsec_")
        .and_then(|b| STANDARD.decode(b).ok())
        .unwrap_or_else(|| secret.as_bytes().to_vec())
}

/// The `webhook-signature` value for a message.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &key_of(secret));
    let mut ctx = aws_lc_rs::hmac::Context::with_key(&key);
    ctx.update(format!("{id}.{timestamp}.").as_bytes());
    ctx.update(body);
    format!("v1,{}", STANDARD.encode(ctx.sign().as_ref()))
}

/// A message id: unique per attempt's message (retries of one invocation share it, so receivers can
/// deduplicate, as the spec intends).
fn message_id(rng: &dyn Rng) -> String {
    let mut b = [0u8; 16];
    rng.fill(&mut b);
    format!("msg_{}", hex::encode(b))
}

pub(crate) async fn call(
    http: &reqwest::Client,
    target: &WebhookTarget,
    body: &[u8],
    now: Timestamp,
    rng: &dyn Rng,
) -> Attempt {
    let id = message_id(rng);
    let timestamp = now.seconds();
    let response = match http
        .post(&target.url)
        .header("Content-Type", "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header(
            "webhook-signature",
            signature(&target.secret, &id, timestamp, body),
        )
        .body(body.to_vec())
        .send()
        .await
    {
        Ok(r) => r,
        Err(e) if e.is_timeout() => return Attempt::Timeout(format!("{} timed out", target.url)),
        Err(e) => return Attempt::Retry(format!("cannot reach {}: {e}", target.url)),
    };
    let status = response.status();
    let payload = match read_limited(response, MAX_ANSWER_BYTES).await {
        Ok(p) => p,
        Err(e) if status.is_success() => return Attempt::Final(FunctionFailure::Malformed(e)),
        Err(e) => return Attempt::Final(FunctionFailure::Unreachable(e)),
    };
    if status.is_success() {
        return parse_answer(&payload);
    }
    if let Some(message) = error_message(&payload) {
        return Attempt::Final(FunctionFailure::Failed(message));
    }
    if status.as_u16() == 429 {
        return Attempt::Retry(format!("{} answered {status}", target.url));
    }
    Attempt::Final(FunctionFailure::Unreachable(format!(
        "{} answered {status}",
        target.url
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Standard Webhooks specification's example: secret, id, timestamp, payload and signature.
    #[test]
    fn signs_as_the_specification_example() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn only_http_urls() {
        assert!(check_url("https://hooks.example.com/t").is_ok());
        assert!(check_url("http://127.0.0.1:8080/").is_ok());
        assert!(check_url("file:///etc/passwd").is_err());
        assert!(check_url("nonsense").is_err());
    }
}
