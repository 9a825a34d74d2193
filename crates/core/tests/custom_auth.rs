//! CUSTOM_AUTH in a fixed world with scripted functions: the passwordless code sign-in AWS's sample builds (three
//! tries, then failAuthentication), the events each function receives, Latchkey's bound on rounds, the Session's
//! expiry and single use, forged and foreign Sessions, user existence, and the refusals of a pool or client that
//! is not set up for it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod world;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use latchkey_core::auth::{AuthOutcome, Initiator, MAX_CUSTOM_ROUNDS};
use latchkey_core::clients::AppClient;
use latchkey_core::pools::UserPool;
use latchkey_core::triggers::{FunctionFailure, Functions, Trigger};
use latchkey_core::{CognitoError, ErrorKind};
use serde_json::{json, Map, Value};
use world::{tokens, World};

const CODE: &str = "246810";

type Handler = dyn Fn(Trigger, &Value) -> Result<Value, FunctionFailure> + Send + Sync;

/// Functions that answer as `handler` says and remember every event, as a Lambda runtime's log would.
struct Script {
    handler: Box<Handler>,
    events: Mutex<Vec<(Trigger, Value)>>,
}

#[async_trait]
impl Functions for Script {
    async fn invoke(&self, trigger: Trigger, _arn: &str, event: &Value) -> Result<Value, FunctionFailure> {
        self.events.lock().unwrap().push((trigger, event.clone()));
        (self.handler)(trigger, event)
    }
}

impl Script {
    fn new(
        handler: impl Fn(Trigger, &Value) -> Result<Value, FunctionFailure> + Send + Sync + 'static,
    ) -> Arc<Self> {
        Arc::new(Self {
            handler: Box::new(handler),
            events: Mutex::new(Vec::new()),
        })
    }

    fn requests(&self, trigger: Trigger) -> Vec<Value> {
        let events = self.events.lock().unwrap();
        events
            .iter()
            .filter(|(t, _)| *t == trigger)
            .map(|(_, e)| e.clone())
            .collect()
    }
}

/// The event with `response` filled in, as a function returns it.
fn answer(event: &Value, response: Value) -> Result<Value, FunctionFailure> {
    let mut event = event.clone();
    event["response"] = response;
    Ok(event)
}

/// AWS's passwordless sample: a code by email, the same code for three tries, then failAuthentication.
fn passwordless(trigger: Trigger, event: &Value) -> Result<Value, FunctionFailure> {
    let session = event["request"]["session"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let last = session.last().map(|s| s["challengeResult"] == json!(true));
    match trigger {
        Trigger::DefineAuthChallenge => answer(
            event,
            match last {
                Some(true) => json!({"issueTokens": true, "failAuthentication": false}),
                Some(false) if session.len() >= 3 => {
                    json!({"issueTokens": false, "failAuthentication": true})
                }
                _ => {
                    json!({"issueTokens": false, "failAuthentication": false, "challengeName": "CUSTOM_CHALLENGE"})
                }
            },
        ),
        Trigger::CreateAuthChallenge => answer(
            event,
            json!({"publicChallengeParameters": {"email": event["request"]["userAttributes"]["email"]},
                   "privateChallengeParameters": {"code": CODE}, "challengeMetadata": format!("CODE-{CODE}")}),
        ),
        Trigger::VerifyAuthChallengeResponse => {
            let right =
                event["request"]["challengeAnswer"] == event["request"]["privateChallengeParameters"]["code"];
            answer(event, json!({"answerCorrect": right}))
        }
        _ => answer(event, json!({})),
    }
}

struct Fixture {
    w: World,
    pool: Arc<UserPool>,
    client: Arc<AppClient>,
    script: Arc<Script>,
}

/// A pool with the three challenge functions (or `lambda_config`) and a client allowing CUSTOM_AUTH.
async fn fixture(script: Arc<Script>, lambda_config: Option<Value>, client_extra: Value) -> Fixture {
    let mut w = World::new(7).await;
    w.lk = w.lk.clone().with_functions(script.clone());
    let arn = |name: &str| format!("arn:aws:lambda:us-east-1:123456789012:function:{name}");
    let config = lambda_config.unwrap_or_else(|| {
        json!({"DefineAuthChallenge": arn("define"), "CreateAuthChallenge": arn("create"),
               "VerifyAuthChallengeResponse": arn("verify")})
    });
    let pool =
        w.lk.create_user_pool(
            "us-east-1",
            serde_json::from_value(json!({"PoolName": "custom", "LambdaConfig": config})).unwrap(),
        )
        .await
        .unwrap();
    let mut client = json!({"UserPoolId": pool.id, "ClientName": "app",
        "ExplicitAuthFlows": ["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]});
    for (k, v) in client_extra.as_object().unwrap() {
        client[k] = v.clone();
    }
    let client =
        w.lk.create_user_pool_client(serde_json::from_value(client).unwrap())
            .await
            .unwrap();
    let (client, pool) = w.lk.client_and_pool(&client.client_id).await.unwrap();
    Fixture {
        w,
        pool,
        client,
        script,
    }
}

impl Fixture {
    async fn user(&self, name: &str) {
        let input = serde_json::from_value(json!({"UserPoolId": self.pool.id, "Username": name,
            "MessageAction": "SUPPRESS", "UserAttributes": [
                {"Name": "email", "Value": format!("{name}@example.com")},
                {"Name": "email_verified", "Value": "true"}]}))
        .unwrap();
        self.w.lk.admin_create_user(input).await.unwrap();
        self.w
            .lk
            .admin_set_user_password(&self.pool.id, name, world::PASSWORD, true)
            .await
            .unwrap();
    }

    async fn initiate(&self, name: &str) -> Result<AuthOutcome, CognitoError> {
        let parameters = BTreeMap::from([("USERNAME".to_string(), name.to_string())]);
        self.w
            .lk
            .initiate_auth(Initiator::App, &self.client.client_id, "CUSTOM_AUTH", &parameters)
            .await
    }

    async fn respond(&self, session: &str, name: &str, reply: &str) -> Result<AuthOutcome, CognitoError> {
        let responses = BTreeMap::from([
            ("USERNAME".to_string(), name.to_string()),
            ("ANSWER".to_string(), reply.to_string()),
        ]);
        self.w
            .lk
            .respond_to_auth_challenge(
                Initiator::App,
                &self.client.client_id,
                "CUSTOM_CHALLENGE",
                Some(session),
                &responses,
            )
            .await
    }
}

fn custom_challenge(outcome: AuthOutcome) -> (String, Map<String, Value>) {
    match outcome {
        AuthOutcome::Challenge {
            name,
            session,
            parameters,
        } => {
            assert_eq!(name, "CUSTOM_CHALLENGE", "{parameters:?}");
            (session.expect("a Session"), parameters)
        }
        other => panic!("expected CUSTOM_CHALLENGE, got {other:?}"),
    }
}

fn refusal(r: Result<AuthOutcome, CognitoError>) -> (ErrorKind, String) {
    let e = r.expect_err("refused");
    (e.kind(), e.message().to_string())
}

fn incorrect() -> (ErrorKind, String) {
    (
        ErrorKind::NotAuthorizedException,
        "Incorrect username or password.".into(),
    )
}

#[tokio::test]
async fn a_code_by_email_signs_in_after_a_wrong_try_and_the_functions_see_the_history() {
    let fx = fixture(Script::new(passwordless), None, json!({})).await;
    fx.user("ann").await;
    let (session, parameters) = custom_challenge(fx.initiate("ann").await.unwrap());
    // Public parameters reach the app with the user's internal username; private ones never do.
    assert_eq!(
        Value::Object(parameters),
        json!({"email": "ann@example.com", "USERNAME": "ann"})
    );
    assert!(!session.contains(CODE));
    let (retry, _) = custom_challenge(fx.respond(&session, "ann", "000000").await.unwrap());
    assert_ne!(retry, session);
    let result = tokens(fx.respond(&retry, "ann", CODE).await.unwrap());
    assert!(!result.access_token.is_empty());

    let defines = fx.script.requests(Trigger::DefineAuthChallenge);
    let sessions: Vec<Value> = defines.iter().map(|e| e["request"]["session"].clone()).collect();
    let wrong = json!({"challengeName": "CUSTOM_CHALLENGE", "challengeResult": false, "challengeMetadata": "CODE-246810"});
    let right = json!({"challengeName": "CUSTOM_CHALLENGE", "challengeResult": true, "challengeMetadata": "CODE-246810"});
    assert_eq!(sessions, vec![json!([]), json!([wrong]), json!([wrong, right])]);
    let first = &defines[0];
    assert_eq!(first["triggerSource"], "DefineAuthChallenge_Authentication");
    assert_eq!(first["userName"], "ann");
    assert_eq!(first["request"]["userAttributes"]["email"], "ann@example.com");
    // Only a client that hides user existence populates userNotFound.
    assert!(first["request"].get("userNotFound").is_none());
    let creates = fx.script.requests(Trigger::CreateAuthChallenge);
    assert_eq!(creates[0]["triggerSource"], "CreateAuthChallenge_Authentication");
    assert_eq!(creates[0]["request"]["challengeName"], "CUSTOM_CHALLENGE");
    assert_eq!(creates[1]["request"]["session"], json!([wrong]));
    let verifies = fx.script.requests(Trigger::VerifyAuthChallengeResponse);
    assert_eq!(
        verifies[0]["triggerSource"],
        "VerifyAuthChallengeResponse_Authentication"
    );
    assert_eq!(
        verifies[0]["request"]["privateChallengeParameters"],
        json!({"code": CODE})
    );
    assert_eq!(verifies[0]["request"]["challengeAnswer"], "000000");
}

#[tokio::test]
async fn three_wrong_codes_fail_the_sign_in_and_do_not_lock_the_user_out() {
    let fx = fixture(Script::new(passwordless), None, json!({})).await;
    fx.user("bob").await;
    for _ in 0..3 {
        let (mut session, _) = custom_challenge(fx.initiate("bob").await.unwrap());
        for attempt in 1..=3 {
            let r = fx.respond(&session, "bob", "111111").await;
            if attempt < 3 {
                session = custom_challenge(r.unwrap()).0;
            } else {
                assert_eq!(refusal(r), incorrect());
            }
        }
    }
    // Nine wrong answers later the right code still works: custom answers are the functions' to count.
    let (session, _) = custom_challenge(fx.initiate("bob").await.unwrap());
    tokens(fx.respond(&session, "bob", CODE).await.unwrap());
}

#[tokio::test]
async fn sessions_are_used_once_expire_and_cannot_be_forged_or_moved() {
    let fx = fixture(Script::new(passwordless), None, json!({"AuthSessionValidity": 5})).await;
    fx.user("cat").await;
    let (session, _) = custom_challenge(fx.initiate("cat").await.unwrap());
    custom_challenge(fx.respond(&session, "cat", "000000").await.unwrap());
    let replayed = refusal(fx.respond(&session, "cat", CODE).await);
    assert_eq!(
        replayed,
        (
            ErrorKind::NotAuthorizedException,
            "Invalid session for the user, session can only be used once.".into()
        )
    );
    let expired = (
        ErrorKind::NotAuthorizedException,
        "Invalid session for the user, session is expired.".to_string(),
    );
    // Altered by one character.
    let (session, _) = custom_challenge(fx.initiate("cat").await.unwrap());
    let mut forged = session.clone().into_bytes();
    forged[40] = if forged[40] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    assert_eq!(refusal(fx.respond(&forged, "cat", CODE).await), expired);
    // Another user's name with this user's Session.
    fx.user("dan").await;
    assert_eq!(refusal(fx.respond(&session, "dan", CODE).await), expired);
    // Another client of the pool.
    let other =
        fx.w.lk
            .create_user_pool_client(
                serde_json::from_value(json!({"UserPoolId": fx.pool.id, "ClientName": "other",
                "ExplicitAuthFlows": ["ALLOW_CUSTOM_AUTH"]}))
                .unwrap(),
            )
            .await
            .unwrap();
    let responses = BTreeMap::from([
        ("USERNAME".to_string(), "cat".to_string()),
        ("ANSWER".to_string(), CODE.to_string()),
    ]);
    let moved =
        fx.w.lk
            .respond_to_auth_challenge(
                Initiator::App,
                &other.client_id,
                "CUSTOM_CHALLENGE",
                Some(&session),
                &responses,
            )
            .await;
    assert_eq!(refusal(moved), expired);
    // No Session at all.
    let missing =
        fx.w.lk
            .respond_to_auth_challenge(
                Initiator::App,
                &fx.client.client_id,
                "CUSTOM_CHALLENGE",
                None,
                &responses,
            )
            .await;
    assert_eq!(
        refusal(missing),
        (
            ErrorKind::InvalidParameterException,
            "Missing required parameter Session".into()
        )
    );
    // The client's AuthSessionValidity (five minutes) holds for each step.
    fx.w.clock.advance_seconds(4 * 60);
    let (next, _) = custom_challenge(fx.respond(&session, "cat", "000000").await.unwrap());
    fx.w.clock.advance_seconds(5 * 60 + 1);
    assert_eq!(refusal(fx.respond(&next, "cat", CODE).await), expired);
}

#[tokio::test]
async fn a_function_that_never_decides_is_stopped_after_latchkeys_most_rounds() {
    let endless = |trigger: Trigger, event: &Value| match trigger {
        Trigger::DefineAuthChallenge => answer(event, json!({"challengeName": "CUSTOM_CHALLENGE"})),
        Trigger::CreateAuthChallenge => answer(event, json!({"privateChallengeParameters": {"n": 1}})),
        _ => answer(event, json!({"answerCorrect": false})),
    };
    let fx = fixture(Script::new(endless), None, json!({})).await;
    fx.user("eve").await;
    let (mut session, _) = custom_challenge(fx.initiate("eve").await.unwrap());
    for _ in 1..MAX_CUSTOM_ROUNDS {
        session = custom_challenge(fx.respond(&session, "eve", "x").await.unwrap()).0;
    }
    assert_eq!(refusal(fx.respond(&session, "eve", "x").await), incorrect());
    let last = fx.script.requests(Trigger::DefineAuthChallenge).pop().unwrap();
    assert_eq!(
        last["request"]["session"].as_array().unwrap().len(),
        MAX_CUSTOM_ROUNDS
    );
    // Numbers in the parameters are read as text.
    let verify = fx
        .script
        .requests(Trigger::VerifyAuthChallengeResponse)
        .pop()
        .unwrap();
    assert_eq!(verify["request"]["privateChallengeParameters"], json!({"n": "1"}));
}

#[tokio::test]
async fn defines_decisions_and_failures_reach_the_caller_as_cognito_words_them() {
    let fail_at_once = |trigger: Trigger, event: &Value| match trigger {
        Trigger::DefineAuthChallenge => {
            answer(event, json!({"issueTokens": true, "failAuthentication": true}))
        }
        _ => answer(event, json!({})),
    };
    let fx = fixture(Script::new(fail_at_once), None, json!({})).await;
    fx.user("fay").await;
    assert_eq!(refusal(fx.initiate("fay").await), incorrect());

    let tokens_at_once = |_: Trigger, event: &Value| answer(event, json!({"issueTokens": true}));
    let fx = fixture(Script::new(tokens_at_once), None, json!({})).await;
    fx.user("gus").await;
    tokens(fx.initiate("gus").await.unwrap());

    let throws = |_: Trigger, _: &Value| Err(FunctionFailure::Failed("no sign-in today".into()));
    let fx = fixture(Script::new(throws), None, json!({})).await;
    fx.user("hal").await;
    assert_eq!(
        refusal(fx.initiate("hal").await),
        (
            ErrorKind::UserLambdaValidationException,
            "DefineAuthChallenge failed with error no sign-in today.".into()
        )
    );

    let undecided = |_: Trigger, event: &Value| answer(event, json!({"issueTokens": false}));
    let fx = fixture(Script::new(undecided), None, json!({})).await;
    fx.user("ida").await;
    assert_eq!(
        refusal(fx.initiate("ida").await).0,
        ErrorKind::InvalidLambdaResponseException
    );
}

#[tokio::test]
async fn a_pool_without_the_functions_or_a_client_without_the_flow_is_refused() {
    let fx = fixture(Script::new(passwordless), Some(json!({})), json!({})).await;
    fx.user("jay").await;
    assert_eq!(
        refusal(fx.initiate("jay").await),
        (
            ErrorKind::InvalidParameterException,
            "Custom auth lambda trigger is not configured for the user pool.".into()
        )
    );
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:define";
    let fx = fixture(
        Script::new(passwordless),
        Some(json!({"DefineAuthChallenge": arn})),
        json!({}),
    )
    .await;
    fx.user("kim").await;
    assert_eq!(
        refusal(fx.initiate("kim").await).1,
        "Custom auth lambda trigger is not configured for the user pool."
    );
    let fx = fixture(
        Script::new(passwordless),
        None,
        json!({"ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH"]}),
    )
    .await;
    fx.user("lee").await;
    assert_eq!(
        refusal(fx.initiate("lee").await),
        (
            ErrorKind::InvalidParameterException,
            "CUSTOM_AUTH flow not enabled for this client".into()
        )
    );
}

#[tokio::test]
async fn a_name_without_a_user_is_told_to_the_functions_and_never_signs_in() {
    let fx = fixture(Script::new(passwordless), None, json!({})).await;
    assert_eq!(
        refusal(fx.initiate("nobody").await).0,
        ErrorKind::UserNotFoundException
    );

    let believe_anything = |trigger: Trigger, event: &Value| match trigger {
        Trigger::DefineAuthChallenge if event["request"]["session"] == json!([]) => {
            answer(event, json!({"challengeName": "CUSTOM_CHALLENGE"}))
        }
        Trigger::DefineAuthChallenge => answer(event, json!({"issueTokens": true})),
        _ => answer(event, json!({"answerCorrect": true})),
    };
    let fx = fixture(
        Script::new(believe_anything),
        None,
        json!({"PreventUserExistenceErrors": "ENABLED"}),
    )
    .await;
    fx.user("mia").await;
    let (session, parameters) = custom_challenge(fx.initiate("ghost").await.unwrap());
    assert_eq!(parameters["USERNAME"], "ghost");
    assert_eq!(refusal(fx.respond(&session, "ghost", "x").await), incorrect());
    let define = &fx.script.requests(Trigger::DefineAuthChallenge)[0];
    assert_eq!(define["request"]["userNotFound"], true);
    assert_eq!(define["request"]["userAttributes"], json!({}));
    // A user who exists is reported as found to the same client's functions.
    let (session, _) = custom_challenge(fx.initiate("mia").await.unwrap());
    tokens(fx.respond(&session, "mia", "x").await.unwrap());
    let define = fx.script.requests(Trigger::DefineAuthChallenge).pop().unwrap();
    assert_eq!(define["request"]["userNotFound"], false);
}
