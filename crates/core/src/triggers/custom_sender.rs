//! CustomEmailSender and CustomSMSSender: when a pool names a sender function for a medium, Cognito sends no
//! message by that medium itself; it hands the function the code or temporary password, encrypted as an AWS
//! Encryption SDK message under the pool's `KMSKeyID` (see `kms`), and the function delivers it.
//!
//! Cognito invokes these two asynchronously (they are the exception to its synchronous triggers), so the
//! operation that sends the message neither waits for the function nor fails with it, and the function's answer
//! means nothing. A failed invocation is logged here and counted by the `Functions` the binary wires in, as a
//! failed delivery is by the mailer.

use serde_json::{json, Map, Value};

use super::invoke::{function_of, user_attributes};
use super::{Trigger, TriggerContext};
use crate::kms::sender_key;
use crate::mail::Channel;
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::users::User;

use super::occasion::Occasion;

impl Latchkey {
    /// Hands `secret` (a code or temporary password) for `user` to the pool's sender function for `channel`, in
    /// the background. Returns whether the pool has one: when it does not, the caller sends the message itself.
    pub(crate) fn custom_send(
        &self,
        pool: &UserPool,
        occasion: Occasion<'_>,
        user: &User,
        channel: Channel,
        secret: &str,
    ) -> bool {
        let (trigger, request_type) = match channel {
            Channel::Email => (Trigger::CustomEmailSender, "customEmailSenderRequestV1"),
            Channel::Sms => (Trigger::CustomSmsSender, "customSMSSenderRequestV1"),
        };
        let Some(arn) = function_of(pool, trigger) else {
            return false;
        };
        let source = format!("{}_{}", trigger.name(), occasion.source.name());
        let code = match sender_key(pool) {
            Some(key) => self.encrypt_for_sender(pool, key, secret),
            None => Err(crate::CognitoError::internal("the pool names no KMSKeyID")),
        };
        let code = match code {
            Ok(code) => code,
            Err(e) => {
                // Cognito never sends the message itself once a sender is named: without the key it is lost.
                tracing::error!(pool_id = %pool.id, trigger = trigger.name(), source = %source, error = %e.detail().escape_debug(), "custom sender not invoked");
                return true;
            }
        };
        let context = TriggerContext::current();
        let client_metadata = if context.metadata_to_functions && !context.client_metadata.is_empty() {
            json!(context.client_metadata)
        } else {
            Value::Null
        };
        let mut request = Map::new();
        request.insert("type".into(), json!(request_type));
        request.insert("code".into(), json!(code));
        request.insert("clientMetadata".into(), client_metadata);
        request.insert("userAttributes".into(), json!(user_attributes(user)));
        // The event as Cognito sends it to a sender: the common envelope, without a `response` to fill.
        let event = json!({
            "version": "1",
            "triggerSource": source,
            "region": pool.region(),
            "userPoolId": pool.id,
            "userName": user.username,
            "callerContext": {
                "awsSdkVersion": context.sdk_version_or_unknown(),
                "clientId": occasion.client_id.unwrap_or("CLIENT_ID_NOT_APPLICABLE"),
            },
            "request": request,
        });
        let functions = self.functions.clone();
        let (pool_id, arn) = (pool.id.clone(), arn.to_string());
        tokio::spawn(async move {
            if let Err(failure) = functions.invoke(trigger, &arn, &event).await {
                tracing::warn!(pool_id = %pool_id, trigger = trigger.name(), source = %source, function = %arn.escape_debug(), detail = ?failure, "custom sender failed");
            }
        });
        true
    }
}
