//! Triggers as the use cases fire them, with a scripted `Functions` in place of a Lambda runtime (the transports
//! and real handlers are tested in the server crate and the compatibility suite): what each event carries, what
//! each answer changes, and that a refusal stores nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod world;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use latchkey_core::auth::Initiator;
use latchkey_core::triggers::{FunctionFailure, Functions, Trigger};
use serde_json::{json, Value};
use world::{tokens, World, PASSWORD};

type Script = dyn Fn(&str, &Value) -> Result<Value, FunctionFailure> + Send + Sync;

/// Answers every invocation with `script(function name, event)` and keeps the events.
struct Scripted {
    script: Box<Script>,
    events: Mutex<Vec<Value>>,
}

#[async_trait]
impl Functions for Scripted {
    async fn invoke(&self, _trigger: Trigger, arn: &str, event: &Value) -> Result<Value, FunctionFailure> {
        self.events.lock().unwrap().push(event.clone());
        let name = arn.rsplit(':').next().unwrap();
        (self.script)(name, event)
    }
}

fn arn(name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:123456789012:function:{name}")
}

/// A world whose pool names the given functions and whose functions run `script`.
async fn world_with(
    lambda_config: Value,
    script: impl Fn(&str, &Value) -> Result<Value, FunctionFailure> + Send + Sync + 'static,
) -> (World, Arc<Scripted>) {
    let mut w = World::new(17).await;
    let functions = Arc::new(Scripted {
        script: Box::new(script),
        events: Mutex::new(Vec::new()),
    });
    w.lk = w.lk.clone().with_functions(functions.clone());
    w.lk.update_user_pool(
        serde_json::from_value(json!({"UserPoolId": w.pool.id, "LambdaConfig": lambda_config,
                "AutoVerifiedAttributes": ["email"]}))
        .unwrap(),
    )
    .await
    .unwrap();
    let (client, pool) = w.lk.client_and_pool(&w.client.client_id).await.unwrap();
    (w.client, w.pool) = (client, pool);
    (w, functions)
}

fn with_response(event: &Value, response: Value) -> Result<Value, FunctionFailure> {
    let mut e = event.clone();
    e["response"] = response;
    Ok(e)
}

async fn sign_up(w: &World, name: &str, email: &str) -> Result<bool, latchkey_core::CognitoError> {
    let input = serde_json::from_value(json!({"ClientId": w.client.client_id, "Username": name,
        "Password": PASSWORD, "UserAttributes": [{"Name": "email", "Value": email}]}))
    .unwrap();
    w.lk.sign_up(input).await.map(|o| o.user_confirmed)
}

#[tokio::test]
async fn a_refusing_pre_sign_up_stores_nothing_and_a_malformed_answer_is_refused() {
    let (w, _) = world_with(json!({"PreSignUp": arn("gate")}), |_, event| {
        match event["request"]["userAttributes"]["email"].as_str().unwrap() {
            "no@x.example" => Err(FunctionFailure::Failed("not you".into())),
            "odd@x.example" => with_response(event, json!({"autoConfirmUser": "yes"})),
            _ => with_response(event, json!({"autoConfirmUser": true, "autoVerifyPhone": true})),
        }
    })
    .await;
    let e = sign_up(&w, "no", "no@x.example").await.unwrap_err();
    assert_eq!(e.kind().name(), "UserLambdaValidationException");
    assert_eq!(e.message(), "PreSignUp failed with error not you.");
    let e = sign_up(&w, "odd", "odd@x.example").await.unwrap_err();
    assert_eq!(e.kind().name(), "InvalidLambdaResponseException");
    for name in ["no", "odd"] {
        assert!(
            w.lk.admin_get_user(&w.pool.id, name).await.is_err(),
            "{name} was stored"
        );
    }
    assert!(sign_up(&w, "yes", "yes@x.example").await.unwrap());
    let user = w.lk.admin_get_user(&w.pool.id, "yes").await.unwrap();
    assert_eq!(user.status, "CONFIRMED");
    // autoVerifyPhone without a phone number verifies nothing; the email was not asked to be verified.
    assert!(!user.attributes.contains_key("phone_number_verified"));
    assert!(!user.attributes.contains_key("email_verified"));
}

#[tokio::test]
async fn pre_authentication_runs_before_the_password_is_judged_and_post_authentication_after() {
    let (w, functions) = world_with(
        json!({"PreAuthentication": arn("pre"), "PostAuthentication": arn("post")}),
        |name, event| match name {
            "post" if event["userName"] == "mallory" => Err(FunctionFailure::Failed("no tokens".into())),
            _ => with_response(event, json!({})),
        },
    )
    .await;
    w.sign_up("alice", "alice@example.com").await;
    let (_, _, body) = w.next_message().await;
    w.lk.confirm_sign_up(&w.client.client_id, "alice", &world::code_in(&body), None, false)
        .await
        .unwrap();
    tokens(w.sign_in("alice", PASSWORD).await.unwrap());
    let events = functions.events.lock().unwrap().clone();
    let sources: Vec<&str> = events
        .iter()
        .map(|e| e["triggerSource"].as_str().unwrap())
        .collect();
    assert_eq!(
        sources,
        [
            "PreAuthentication_Authentication",
            "PostAuthentication_Authentication"
        ]
    );
    assert_eq!(events[0]["request"]["validationData"], Value::Null);
    assert_eq!(events[1]["request"]["newDeviceUsed"], json!(false));
    assert_eq!(events[1]["callerContext"]["clientId"], json!(w.client.client_id));

    // A wrong password still fires PreAuthentication (first), but never PostAuthentication.
    functions.events.lock().unwrap().clear();
    assert!(w.sign_in("alice", "Wrong-Passw0rd!").await.is_err());
    let events = functions.events.lock().unwrap().clone();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["triggerSource"], "PreAuthentication_Authentication");
}

#[tokio::test]
async fn pre_token_generation_sources_and_a_refusal_withholds_every_token() {
    let (w, functions) = world_with(
        json!({"PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": arn("claims")}}),
        |_, event| {
            if event["triggerSource"] == "TokenGeneration_RefreshTokens"
                && event["request"]["userAttributes"]["email"] == "blocked@example.com"
            {
                return Err(FunctionFailure::Failed("refresh denied".into()));
            }
            with_response(
                event,
                json!({"claimsAndScopeOverrideDetails": {"accessTokenGeneration": {
                    "claimsToAddOrOverride": {"plan": "pro", "token_use": "id"}}}}),
            )
        },
    )
    .await;
    w.sign_up("bob", "blocked@example.com").await;
    let (_, _, body) = w.next_message().await;
    w.lk.confirm_sign_up(&w.client.client_id, "bob", &world::code_in(&body), None, false)
        .await
        .unwrap();
    let t = tokens(w.sign_in("bob", PASSWORD).await.unwrap());
    let claims = latchkey_core::tokens::jwt::Unverified::parse(&t.access_token)
        .unwrap()
        .claims;
    assert_eq!(claims["plan"], "pro");
    assert_eq!(claims["token_use"], "access", "reserved claims stay");
    let e = w.refresh(t.refresh_token.as_deref().unwrap()).await.unwrap_err();
    assert_eq!(
        e.message(),
        "PreTokenGeneration failed with error refresh denied."
    );
    let sources: Vec<String> = functions
        .events
        .lock()
        .unwrap()
        .iter()
        .map(|e| e["triggerSource"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        sources,
        ["TokenGeneration_Authentication", "TokenGeneration_RefreshTokens"]
    );
}

#[tokio::test]
async fn user_migration_creates_the_user_with_the_password_just_checked() {
    let (w, functions) = world_with(json!({"UserMigration": arn("legacy")}), |_, event| {
        if event["request"]["password"] != "Legacy-Passw0rd!" {
            return Err(FunctionFailure::Failed("Bad password".into()));
        }
        with_response(
            event,
            json!({"userAttributes": {"email": "old@example.com", "email_verified": "true"},
                "finalUserStatus": "CONFIRMED", "messageAction": "SUPPRESS"}),
        )
    })
    .await;
    let params = |p: &str| {
        std::collections::BTreeMap::from([
            ("USERNAME".to_string(), "olduser".to_string()),
            ("PASSWORD".to_string(), p.to_string()),
        ])
    };
    let refused =
        w.lk.initiate_auth(
            Initiator::App,
            &w.client.client_id,
            "USER_PASSWORD_AUTH",
            &params("nope"),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.kind().name(), "UserLambdaValidationException");
    assert!(w.lk.admin_get_user(&w.pool.id, "olduser").await.is_err());
    let outcome =
        w.lk.initiate_auth(
            Initiator::App,
            &w.client.client_id,
            "USER_PASSWORD_AUTH",
            &params("Legacy-Passw0rd!"),
        )
        .await
        .unwrap();
    tokens(outcome);
    let user = w.lk.admin_get_user(&w.pool.id, "olduser").await.unwrap();
    assert_eq!(user.status, "CONFIRMED");
    assert_eq!(user.attributes["email"], "old@example.com");
    assert!(user.password_hash.is_some() && user.srp_verifier.is_some());
    // The next sign-in is the pool's own: the function is not asked again.
    tokens(w.sign_in("olduser", "Legacy-Passw0rd!").await.unwrap());
    assert_eq!(functions.events.lock().unwrap().len(), 2);
}
