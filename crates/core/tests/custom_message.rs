//! CustomMessage in a fixed world: a scripted function (it records every event and answers as the test says)
//! words the message of every source, the real code goes into its templates and works; a function that fails
//! fails the operation with Cognito's error and leaves stored only what Cognito leaves; answers without the
//! code's placeholder fall back to the pool's templates.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod world;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use latchkey_core::auth::{AuthOutcome, Initiator};
use latchkey_core::mfa::MfaPreferenceInput;
use latchkey_core::pools::SetMfaConfigInput;
use latchkey_core::triggers::{with_context, FunctionFailure, Functions, Trigger, TriggerContext};
use latchkey_core::users::attributes::AttributeInput;
use latchkey_core::users::{AdminCreateUserInput, UserRef};
use latchkey_core::{CognitoError, ErrorKind};
use serde_json::{json, Value};
use world::{code_in, tokens, World, PASSWORD};

const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:customMessage";

type Answer = fn(Value) -> Result<Value, FunctionFailure>;

/// The pool's CustomMessage function: records each event and answers with the test's script.
struct Scripted {
    events: Mutex<Vec<Value>>,
    answer: Mutex<Answer>,
}

impl Scripted {
    fn answer_with(&self, answer: Answer) {
        *self.answer.lock().unwrap() = answer;
    }

    fn count(&self) -> usize {
        self.events.lock().unwrap().len()
    }

    fn last(&self) -> Value {
        self.events.lock().unwrap().last().cloned().expect("an event")
    }
}

#[async_trait]
impl Functions for Scripted {
    async fn invoke(&self, trigger: Trigger, arn: &str, event: &Value) -> Result<Value, FunctionFailure> {
        assert_eq!((trigger, arn), (Trigger::CustomMessage, ARN));
        self.events.lock().unwrap().push(event.clone());
        let answer = *self.answer.lock().unwrap();
        answer(event.clone())
    }
}

/// Brands every message as AWS's examples do: the subject names the source, the bodies use the placeholders the
/// event offers.
fn branded(mut event: Value) -> Result<Value, FunctionFailure> {
    let source = event["triggerSource"].as_str().unwrap().to_string();
    let code = event["request"]["codeParameter"].as_str().unwrap().to_string();
    let name = match event["request"]["usernameParameter"].as_str() {
        Some(u) => format!("{u} / "),
        None => String::new(),
    };
    event["response"]["emailSubject"] = json!(format!("Acme: {source}"));
    event["response"]["emailMessage"] = json!(format!("<p>{name}Acme code {code}</p>"));
    event["response"]["smsMessage"] = json!(format!("Acme {code}"));
    Ok(event)
}

fn failing(_: Value) -> Result<Value, FunctionFailure> {
    Err(FunctionFailure::Failed("Mail is down".into()))
}

/// The world's pool with a CustomMessage function that brands its messages.
async fn world() -> (World, Arc<Scripted>) {
    let mut w = World::new(17).await;
    let f = Arc::new(Scripted {
        events: Mutex::default(),
        answer: Mutex::new(branded),
    });
    let input = serde_json::from_value(json!({"UserPoolId": w.pool.id,
        "AutoVerifiedAttributes": ["email"], "LambdaConfig": {"CustomMessage": ARN}}))
    .unwrap();
    w.lk.update_user_pool(input).await.unwrap();
    // Past the node's one-second pool cache.
    w.clock.advance_seconds(2);
    w.lk = w.lk.clone().with_functions(f.clone());
    (w, f)
}

fn refused_by_the_function(e: CognitoError) {
    assert_eq!(e.kind(), ErrorKind::UserLambdaValidationException);
    assert_eq!(e.message(), "CustomMessage failed with error Mail is down.");
}

async fn status(w: &World, name: &str) -> String {
    w.lk.admin_get_user(&w.pool.id, name).await.unwrap().status
}

#[tokio::test]
async fn the_sign_up_code_travels_in_the_functions_words_and_its_event_is_cognitos() {
    let (w, f) = world().await;
    w.sign_up("ann", "ann@example.com").await;
    let (to, subject, body) = w.next_message().await;
    assert_eq!(
        (to.as_str(), subject.as_str()),
        ("ann@example.com", "Acme: CustomMessage_SignUp")
    );
    let code = code_in(&body);
    assert_eq!(body, format!("<p>Acme code {code}</p>"));

    let event = f.last();
    let sub = w.lk.admin_get_user(&w.pool.id, "ann").await.unwrap().sub;
    assert_eq!(
        event,
        json!({"version": "1", "triggerSource": "CustomMessage_SignUp", "region": "us-east-1",
            "userPoolId": w.pool.id, "userName": "ann",
            "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": w.client.client_id},
            "request": {"userAttributes": {"email": "ann@example.com", "sub": sub,
                    "cognito:user_status": "UNCONFIRMED"},
                "codeParameter": "{####}", "linkParameter": "{##Click Here##}", "usernameParameter": null},
            "response": {"smsMessage": null, "emailMessage": null, "emailSubject": null}})
    );
    w.lk.confirm_sign_up(&w.client.client_id, "ann", &code, None, false)
        .await
        .unwrap();
    assert_eq!(status(&w, "ann").await, "CONFIRMED");
}

#[tokio::test]
async fn a_failing_function_fails_sign_up_but_keeps_the_user_who_can_ask_for_a_code_again() {
    let (w, f) = world().await;
    f.answer_with(failing);
    let input = serde_json::from_value(json!({"ClientId": w.client.client_id, "Username": "bob",
        "Password": PASSWORD, "UserAttributes": [{"Name": "email", "Value": "bob@example.com"}]}))
    .unwrap();
    refused_by_the_function(w.lk.sign_up(input).await.err().expect("refused"));
    assert_eq!(status(&w, "bob").await, "UNCONFIRMED");

    f.answer_with(branded);
    w.lk.resend_confirmation_code(&w.client.client_id, "bob", None)
        .await
        .unwrap();
    // The first message to arrive is the resent one: the failed sign-up sent nothing.
    let (_, subject, body) = w.next_message().await;
    assert_eq!(subject, "Acme: CustomMessage_ResendCode");
    assert_eq!(f.last()["callerContext"]["clientId"], json!(w.client.client_id));
    w.lk.confirm_sign_up(&w.client.client_id, "bob", &code_in(&body), None, false)
        .await
        .unwrap();
}

#[tokio::test]
async fn reset_codes_are_worded_and_a_failing_function_changes_nothing() {
    let (w, f) = world().await;
    w.confirmed_user("cat").await;
    let metadata = TriggerContext {
        client_metadata: BTreeMap::from([("lang".into(), "fr".into())]),
        metadata_to_functions: true,
        sdk_version: "aws-sdk-js-3.1.0".into(),
    };
    with_context(metadata, w.lk.forgot_password(&w.client.client_id, "cat", None))
        .await
        .unwrap();
    let (_, subject, body) = w.next_message().await;
    assert_eq!(subject, "Acme: CustomMessage_ForgotPassword");
    let event = f.last();
    assert_eq!(event["request"]["clientMetadata"], json!({"lang": "fr"}));
    assert_eq!(event["callerContext"]["awsSdkVersion"], "aws-sdk-js-3.1.0");

    // A second request the function fails: the error, and the code already mailed still works.
    f.answer_with(failing);
    refused_by_the_function(
        w.lk.forgot_password(&w.client.client_id, "cat", None)
            .await
            .unwrap_err(),
    );
    w.lk.confirm_forgot_password(&w.client.client_id, "cat", &code_in(&body), "N3w-Passw0rd!", None)
        .await
        .unwrap();

    // AdminResetUserPassword: refused, the password stays valid; allowed, the user resets with the code.
    refused_by_the_function(
        w.lk.admin_reset_user_password(&w.pool.id, "cat")
            .await
            .unwrap_err(),
    );
    assert_eq!(status(&w, "cat").await, "CONFIRMED");
    f.answer_with(branded);
    w.lk.admin_reset_user_password(&w.pool.id, "cat").await.unwrap();
    let (_, subject, body) = w.next_message().await;
    assert_eq!(subject, "Acme: CustomMessage_ForgotPassword");
    let event = f.last();
    assert_eq!(event["callerContext"]["clientId"], "CLIENT_ID_NOT_APPLICABLE");
    assert_eq!(
        event["request"]["userAttributes"]["cognito:user_status"],
        "RESET_REQUIRED"
    );
    assert_eq!(status(&w, "cat").await, "RESET_REQUIRED");
    w.lk.confirm_forgot_password(
        &w.client.client_id,
        "cat",
        &code_in(&body),
        "Th1rd-Passw0rd!",
        None,
    )
    .await
    .unwrap();
    tokens(w.sign_in("cat", "Th1rd-Passw0rd!").await.unwrap());
}

#[tokio::test]
async fn invitations_name_the_user_and_carry_the_temporary_password() {
    let (w, f) = world().await;
    let create = |name: &str, action: Option<&str>| -> AdminCreateUserInput {
        let mut input = json!({"UserPoolId": w.pool.id, "Username": name, "TemporaryPassword": "Temp0rary!Pass",
            "UserAttributes": [{"Name": "email", "Value": format!("{name}@example.com")}]});
        if let Some(a) = action {
            input["MessageAction"] = json!(a);
        }
        serde_json::from_value(input).unwrap()
    };
    w.lk.admin_create_user(create("dan", None)).await.unwrap();
    let (to, subject, body) = w.next_message().await;
    assert_eq!(
        (to.as_str(), subject.as_str()),
        ("dan@example.com", "Acme: CustomMessage_AdminCreateUser")
    );
    assert_eq!(body, "<p>dan / Acme code Temp0rary!Pass</p>");
    let event = f.last();
    assert_eq!(event["callerContext"]["clientId"], "CLIENT_ID_NOT_APPLICABLE");
    assert_eq!(event["request"]["usernameParameter"], "{username}");
    assert_eq!(
        event["request"]["userAttributes"]["cognito:user_status"],
        "FORCE_CHANGE_PASSWORD"
    );

    // No invitation, no function.
    let seen = f.count();
    w.lk.admin_create_user(create("eva", Some("SUPPRESS")))
        .await
        .unwrap();
    assert_eq!(f.count(), seen);

    // A function that fails creates nobody, and a RESEND it fails keeps the password that was sent.
    f.answer_with(failing);
    refused_by_the_function(w.lk.admin_create_user(create("fay", None)).await.unwrap_err());
    let missing = w.lk.admin_get_user(&w.pool.id, "fay").await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::UserNotFoundException);
    let mut resend = create("dan", Some("RESEND"));
    resend.temporary_password = Some("0ther!Password".into());
    refused_by_the_function(w.lk.admin_create_user(resend).await.unwrap_err());
    let first = w.sign_in("dan", "Temp0rary!Pass").await.unwrap();
    assert!(matches!(first, AuthOutcome::Challenge { ref name, .. } if name == "NEW_PASSWORD_REQUIRED"));
}

#[tokio::test]
async fn attribute_codes_are_worded_and_a_failing_function_keeps_the_old_address() {
    let (w, f) = world().await;
    w.confirmed_user("gus").await;
    let access = tokens(w.sign_in("gus", PASSWORD).await.unwrap()).access_token;
    let new_email = |value: &str| -> Vec<AttributeInput> {
        vec![serde_json::from_value(json!({"Name": "email", "Value": value})).unwrap()]
    };

    f.answer_with(failing);
    let refused =
        w.lk.update_user_attributes(UserRef::AccessToken(&access), &new_email("gus@new.example"))
            .await
            .unwrap_err();
    refused_by_the_function(refused);
    let user = w.lk.admin_get_user(&w.pool.id, "gus").await.unwrap();
    assert_eq!(user.attributes["email"], "gus@example.com");
    assert_eq!(user.attributes["email_verified"], "true");

    f.answer_with(branded);
    w.lk.update_user_attributes(UserRef::AccessToken(&access), &new_email("gus@new.example"))
        .await
        .unwrap();
    let (to, subject, body) = w.next_message().await;
    assert_eq!(
        (to.as_str(), subject.as_str()),
        ("gus@new.example", "Acme: CustomMessage_UpdateUserAttribute")
    );
    let event = f.last();
    assert_eq!(event["callerContext"]["clientId"], json!(w.client.client_id));
    assert_eq!(event["request"]["userAttributes"]["email"], "gus@new.example");
    assert_eq!(event["request"]["userAttributes"]["email_verified"], "false");
    w.lk.verify_user_attribute(&access, "email", &code_in(&body))
        .await
        .unwrap();

    w.lk.get_user_attribute_verification_code(&access, "email")
        .await
        .unwrap();
    let (_, subject, _) = w.next_message().await;
    assert_eq!(subject, "Acme: CustomMessage_VerifyUserAttribute");

    // An administrator's update: no app client.
    let admin = UserRef::Named {
        pool_id: &w.pool.id,
        username: "gus",
    };
    w.lk.update_user_attributes(admin, &new_email("gus@third.example"))
        .await
        .unwrap();
    let (_, subject, _) = w.next_message().await;
    assert_eq!(subject, "Acme: CustomMessage_UpdateUserAttribute");
    assert_eq!(f.last()["callerContext"]["clientId"], "CLIENT_ID_NOT_APPLICABLE");
}

#[tokio::test]
async fn answers_without_the_code_keep_the_pools_template_and_nonsense_is_refused() {
    let (w, f) = world().await;
    f.answer_with(|mut event| {
        event["response"]["emailSubject"] = json!("Hello");
        event["response"]["emailMessage"] = json!("Welcome aboard, no code here");
        Ok(event)
    });
    w.sign_up("hal", "hal@example.com").await;
    let (_, subject, body) = w.next_message().await;
    assert_eq!(subject, "Hello");
    let code = code_in(&body);
    assert_eq!(body, format!("Your verification code is {code}. "));

    f.answer_with(|mut event| {
        event["response"]["emailMessage"] = json!(42);
        Ok(event)
    });
    let e =
        w.lk.resend_confirmation_code(&w.client.client_id, "hal", None)
            .await
            .unwrap_err();
    assert_eq!(
        (e.kind(), e.message()),
        (
            ErrorKind::InvalidLambdaResponseException,
            "Unrecognizable lambda output"
        )
    );
}

#[tokio::test]
async fn sign_in_codes_are_worded_as_authentication_messages() {
    let (w, f) = world().await;
    let mfa: SetMfaConfigInput = serde_json::from_value(json!({"UserPoolId": w.pool.id,
        "MfaConfiguration": "OPTIONAL", "EmailMfaConfiguration": {"Message": "Code {####}", "Subject": "Code"}}))
    .unwrap();
    w.lk.set_user_pool_mfa_config(mfa).await.unwrap();
    w.clock.advance_seconds(2);
    w.confirmed_user("ivy").await;
    let prefer: MfaPreferenceInput =
        serde_json::from_value(json!({"EmailMfaSettings": {"Enabled": true, "PreferredMfa": true}})).unwrap();
    let ivy = UserRef::Named {
        pool_id: &w.pool.id,
        username: "ivy",
    };
    w.lk.set_user_mfa_preference(ivy, &prefer).await.unwrap();

    let session = match w.sign_in("ivy", PASSWORD).await.unwrap() {
        AuthOutcome::Challenge { name, session, .. } if name == "EMAIL_OTP" => session.unwrap(),
        other => panic!("expected EMAIL_OTP, got {other:?}"),
    };
    let (_, subject, body) = w.next_message().await;
    assert_eq!(subject, "Acme: CustomMessage_Authentication");
    assert_eq!(f.last()["callerContext"]["clientId"], json!(w.client.client_id));
    let responses = BTreeMap::from([
        ("USERNAME".to_string(), "ivy".to_string()),
        ("EMAIL_OTP_CODE".to_string(), code_in(&body)),
    ]);
    let outcome =
        w.lk.respond_to_auth_challenge(
            Initiator::App,
            &w.client.client_id,
            "EMAIL_OTP",
            Some(&session),
            &responses,
        )
        .await
        .unwrap();
    tokens(outcome);

    f.answer_with(failing);
    refused_by_the_function(w.sign_in("ivy", PASSWORD).await.unwrap_err());
}
