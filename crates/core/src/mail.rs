//! Messages: the `Mailer` port, messages built from the pool's templates (`{####}`, `{username}`), and the masked
//! destinations Cognito reports in CodeDeliveryDetails. Which code goes where, and its delivery in the background,
//! is `users::delivery`.

use async_trait::async_trait;
use serde_json::{json, Value};

use crate::pools::UserPool;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Sms,
}

#[derive(Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    pub pool_id: String,
    pub channel: Channel,
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// The body holds a code or a temporary password: never in Debug output.
impl std::fmt::Debug for OutgoingMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutgoingMessage")
            .field("pool_id", &self.pool_id)
            .field("channel", &self.channel)
            .field("to", &mask_destination(self.channel, &self.to))
            .finish_non_exhaustive()
    }
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, message: &OutgoingMessage) -> Result<(), String>;
}

/// Which message a code travels in; each has Cognito's default wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    Verification,
    Invitation,
    /// A sign-in code (EMAIL_OTP, SMS_MFA): SetUserPoolMfaConfig's EmailMfaConfiguration and the pool's
    /// SmsAuthenticationMessage.
    Mfa,
}

/// A message's own wording in place of the pool's templates: what a CustomMessage function answered. Each part
/// holds the same placeholders as the templates (`{####}`, `{username}`); a part left `None` keeps the pool's
/// template for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wording {
    pub email_subject: Option<String>,
    pub email_message: Option<String>,
    pub sms_message: Option<String>,
}

fn template_member<'a>(v: Option<&'a Value>, key: &str) -> Option<&'a str> {
    v.and_then(|t| t.get(key)).and_then(Value::as_str)
}

/// Builds the message for `code` (and `username` for invitations) from `wording`, and from the pool's templates
/// where `wording` leaves a part to them.
pub fn compose(
    pool: &UserPool,
    template: Template,
    wording: &Wording,
    channel: Channel,
    to: &str,
    code: &str,
    username: &str,
) -> OutgoingMessage {
    let vmt = Some(&pool.verification_message_template);
    let invite = pool.admin_create_user_config.invite_message_template.as_ref();
    let (subject, body) = match (template, channel) {
        (Template::Verification, Channel::Email) => (
            template_member(vmt, "EmailSubject").unwrap_or("Your verification code"),
            template_member(vmt, "EmailMessage").unwrap_or("Your verification code is {####}. "),
        ),
        (Template::Verification, Channel::Sms) => (
            "",
            template_member(vmt, "SmsMessage").unwrap_or("Your verification code is {####}. "),
        ),
        (Template::Invitation, Channel::Email) => (
            template_member(invite, "EmailSubject").unwrap_or("Your temporary password"),
            template_member(invite, "EmailMessage")
                .unwrap_or("Your username is {username} and temporary password is {####}. "),
        ),
        (Template::Invitation, Channel::Sms) => (
            "",
            template_member(invite, "SMSMessage")
                .unwrap_or("Your username is {username} and temporary password is {####}. "),
        ),
        (Template::Mfa, Channel::Email) => {
            let email = pool.mfa_settings.email_mfa_configuration.as_ref();
            (
                template_member(email, "Subject").unwrap_or("Your sign-in code"),
                template_member(email, "Message").unwrap_or("Your authentication code is {####}. "),
            )
        }
        (Template::Mfa, Channel::Sms) => (
            "",
            pool.sms_authentication_message
                .as_deref()
                .unwrap_or("Your authentication code is {####}. "),
        ),
    };
    let (subject, body) = match channel {
        Channel::Email => (
            wording.email_subject.as_deref().unwrap_or(subject),
            wording.email_message.as_deref().unwrap_or(body),
        ),
        Channel::Sms => (subject, wording.sms_message.as_deref().unwrap_or(body)),
    };
    let fill = |s: &str| s.replace("{####}", code).replace("{username}", username);
    OutgoingMessage {
        pool_id: pool.id.clone(),
        channel,
        to: to.into(),
        subject: fill(subject),
        body: fill(body),
    }
}

/// `alice@example.com` → `a***@e***`; `+15555550388` → `+*******0388`, as Cognito masks them.
pub fn mask_destination(channel: Channel, to: &str) -> String {
    match channel {
        Channel::Email => match to.split_once('@') {
            Some((local, domain)) => {
                let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
                format!("{}***@{}***", first(local), first(domain))
            }
            None => "***".into(),
        },
        Channel::Sms => {
            let digits: Vec<char> = to.chars().collect();
            let keep = digits.len().saturating_sub(4);
            let masked: String = digits
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if i >= keep || (i == 0 && *c == '+') {
                        *c
                    } else {
                        '*'
                    }
                })
                .collect();
            masked
        }
    }
}

/// Cognito's `CodeDeliveryDetailsType` for a message.
pub fn delivery_details(channel: Channel, attribute: &str, to: &str) -> Value {
    json!({
        "Destination": mask_destination(channel, to),
        "DeliveryMedium": if channel == Channel::Email { "EMAIL" } else { "SMS" },
        "AttributeName": attribute,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(mask_destination(Channel::Email, "alice@example.com"), "a***@e***");
        assert_eq!(mask_destination(Channel::Sms, "+15555550388"), "+*******0388");
    }
}
