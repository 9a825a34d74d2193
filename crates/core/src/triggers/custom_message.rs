//! CustomMessage: before Latchkey sends a code or a temporary password (sign-up, invitation, resent code, password
//! reset, attribute verification, sign-in code), the pool's function may word the message. Its event carries
//! placeholders, never the code: the function answers templates holding `{####}` (and `{username}` for an
//! invitation), which Latchkey fills in once it has the answer, as Cognito does.

use serde_json::{json, Map, Value};

use super::invoke::{invocation_error, user_attributes, TriggerCall};
use super::{FunctionFailure, Trigger};
use crate::error::Result;
use crate::mail::Wording;
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::users::User;

use super::occasion::{MessageSource, Occasion};

/// The placeholders the event offers, Cognito's own values.
const CODE_PARAMETER: &str = "{####}";
const USERNAME_PARAMETER: &str = "{username}";
/// Offered as Cognito offers it. Latchkey sends codes, not verification links, so a message built on it has no
/// link to carry.
const LINK_PARAMETER: &str = "{##Click Here##}";
/// The longest messages Cognito sends, in characters (the AWS developer guide's custom message page).
const EMAIL_LIMIT: usize = 20_000;
const SMS_LIMIT: usize = 140;

impl Latchkey {
    /// The wording of the message about to go to `user` for `occasion`: the pool's CustomMessage function's
    /// answer, or nothing of its own (the pool's templates) when the pool names no function. A function that
    /// fails fails the operation with its error, and nothing is sent.
    pub(crate) async fn custom_message(
        &self,
        pool: &UserPool,
        occasion: Occasion<'_>,
        user: &User,
    ) -> Result<Wording> {
        let mut request = Map::new();
        request.insert("userAttributes".into(), json!(user_attributes(user)));
        request.insert("codeParameter".into(), json!(CODE_PARAMETER));
        request.insert("linkParameter".into(), json!(LINK_PARAMETER));
        let username_parameter = match occasion.source {
            MessageSource::AdminCreateUser => json!(USERNAME_PARAMETER),
            _ => Value::Null,
        };
        request.insert("usernameParameter".into(), username_parameter);
        // Cognito sends the answer's members as nulls for the function to fill in.
        let prefilled: Map<String, Value> = ["smsMessage", "emailMessage", "emailSubject"]
            .into_iter()
            .map(|member| (member.to_string(), Value::Null))
            .collect();
        let call = TriggerCall {
            trigger: Trigger::CustomMessage,
            source: occasion.source.custom_message(),
            pool,
            client_id: occasion.client_id,
            username: &user.username,
            request,
            version: "1",
        };
        match self.fire_prefilled(call, prefilled).await? {
            Some(response) => wording_of(&pool.id, occasion.source, &response),
            None => Ok(Wording::default()),
        }
    }
}

/// A member of the answer that must be a string when present; an empty one is as good as absent.
fn text(response: &Map<String, Value>, name: &str) -> Result<Option<String>> {
    match response.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invocation_error(
            Trigger::CustomMessage,
            &FunctionFailure::Malformed(format!("{name} is not a string")),
        )),
    }
}

/// The wording a function answered for a message from `source`.
///
/// A message must hold the code's placeholder (and an invitation the username's too), within Cognito's length
/// limits. What Cognito does with one that does not is not documented and reports disagree: one saw an
/// InvalidParameterException naming `emailBody`'s pattern (amazon-cognito-identity-js#99), most saw the pool's own
/// template sent instead (an AdminCreateUser body without `{username}`: Stack Overflow 56865198 and
/// amplify-cli#12911; a body over the limit: amazon-cognito-identity-js#396). Latchkey does the latter, the most
/// reported: such a message is set aside for the pool's template, and the operation goes on.
///
/// The developer guide also says Cognito refuses `emailMessage` and `emailSubject` unless the pool's
/// EmailSendingAccount is DEVELOPER. Latchkey always sends through the operator's own mail server — DEVELOPER in
/// effect — and accepts the pool's own email templates on the same terms, so it accepts them here too.
fn wording_of(pool_id: &str, source: MessageSource, response: &Map<String, Value>) -> Result<Wording> {
    let needed: &[&str] = match source {
        MessageSource::AdminCreateUser => &[CODE_PARAMETER, USERNAME_PARAMETER],
        _ => &[CODE_PARAMETER],
    };
    let message = |name: &str, limit: usize| -> Result<Option<String>> {
        let Some(m) = text(response, name)? else {
            return Ok(None);
        };
        let missing = needed.iter().find(|p| !m.contains(*p));
        if missing.is_none() && m.chars().count() <= limit {
            return Ok(Some(m));
        }
        tracing::warn!(
            pool_id = %pool_id,
            source = source.custom_message(),
            member = name,
            missing = missing.copied().unwrap_or_default(),
            length = m.chars().count(),
            "CustomMessage answer set aside for the pool's template"
        );
        Ok(None)
    };
    Ok(Wording {
        email_subject: text(response, "emailSubject")?,
        email_message: message("emailMessage", EMAIL_LIMIT)?,
        sms_message: message("smsMessage", SMS_LIMIT)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    const POOL: &str = "us-east-1_test";

    fn answer(v: Value) -> Map<String, Value> {
        serde_json::from_value(v).expect("an object")
    }

    #[test]
    fn messages_with_the_placeholders_are_taken_as_they_are() {
        let w = wording_of(
            POOL,
            MessageSource::SignUp,
            &answer(json!({"emailSubject": "Welcome", "emailMessage": "<b>{####}</b>",
                "smsMessage": "Code {####}"})),
        )
        .unwrap();
        assert_eq!(w.email_subject.as_deref(), Some("Welcome"));
        assert_eq!(w.email_message.as_deref(), Some("<b>{####}</b>"));
        assert_eq!(w.sms_message.as_deref(), Some("Code {####}"));
    }

    #[test]
    fn nulls_empty_strings_and_absent_members_keep_the_pools_templates() {
        for a in [
            json!({}),
            json!({"emailSubject": null, "emailMessage": null, "smsMessage": null}),
            json!({"emailSubject": "", "emailMessage": "", "smsMessage": ""}),
        ] {
            assert_eq!(
                wording_of(POOL, MessageSource::ForgotPassword, &answer(a)).unwrap(),
                Wording::default()
            );
        }
    }

    #[test]
    fn a_message_without_its_placeholders_or_too_long_is_set_aside() {
        let w = wording_of(
            POOL,
            MessageSource::AdminCreateUser,
            &answer(
                json!({"emailSubject": "Hi", "emailMessage": "Your password is {####}",
                "smsMessage": "{username} {####}"}),
            ),
        )
        .unwrap();
        assert_eq!(
            w.email_subject.as_deref(),
            Some("Hi"),
            "the subject stands on its own"
        );
        assert_eq!(w.email_message, None, "an invitation must name the user");
        assert_eq!(w.sms_message.as_deref(), Some("{username} {####}"));

        let long_sms = format!("{{####}}{}", "x".repeat(SMS_LIMIT));
        let long_email = format!("{{####}}{}", "x".repeat(EMAIL_LIMIT));
        let w = wording_of(
            POOL,
            MessageSource::Authentication,
            &answer(json!({"emailMessage": long_email, "smsMessage": long_sms})),
        )
        .unwrap();
        assert_eq!(w, Wording::default());
        let w = wording_of(
            POOL,
            MessageSource::VerifyUserAttribute,
            &answer(json!({"emailMessage": "no code here"})),
        )
        .unwrap();
        assert_eq!(w.email_message, None);
    }

    #[test]
    fn members_that_are_not_strings_are_an_unrecognizable_answer() {
        let e = wording_of(POOL, MessageSource::SignUp, &answer(json!({"emailMessage": 42}))).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidLambdaResponseException);
    }
}
