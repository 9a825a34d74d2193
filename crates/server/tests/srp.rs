//! USER_SRP_AUTH and DEVICE_SRP_AUTH end to end in process: the client side is computed with the same formulas
//! amazon-cognito-identity-js uses (and that the core pins to the reference vector), the server side runs
//! through the real dispatcher and store, under a fixed clock.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::claims;
use crypto_bigint::U256;
use latchkey_core::srp::math;
use serde_json::{json, Value};

const PASSWORD: &str = "Passw0rd!";

/// `Tue Mar 5 07:04:09 UTC 2024` for the test clock, day unpadded as JavaScript clients send it.
fn timestamp(ms: i64) -> String {
    let dt = time::OffsetDateTime::from_unix_timestamp(ms / 1000).unwrap();
    let wd =
        ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][dt.weekday().number_days_from_monday() as usize];
    let mon = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][dt.month() as usize - 1];
    format!(
        "{wd} {mon} {} {:02}:{:02}:{:02} UTC {}",
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second(),
        dt.year()
    )
}

fn a_secret(seed: u8) -> U256 {
    U256::from_be_slice(&[seed; 32])
}

/// The client's PASSWORD_CLAIM_SIGNATURE for a PASSWORD_VERIFIER-style challenge.
fn proof(params: &Value, a: &U256, pool_name: &str, user_id: &str, password: &str, ts: &str) -> String {
    let salt = math::from_hex(params["SALT"].as_str().unwrap()).unwrap();
    let b_pub = math::from_hex(params["SRP_B"].as_str().unwrap()).unwrap();
    let a_pub = math::client_public(a);
    let x = math::private_key(&salt, pool_name, user_id, password);
    let u = math::scrambler(&a_pub, &b_pub);
    let key = math::session_key(&math::client_secret(&b_pub, &x, a, &u), &u);
    let block = STANDARD.decode(params["SECRET_BLOCK"].as_str().unwrap()).unwrap();
    STANDARD.encode(math::claim_signature(&key, pool_name, user_id, &block, ts))
}

struct Setup {
    app: common::TestApp,
    pool: String,
    client: String,
}

async fn setup(device_configuration: Option<Value>) -> Setup {
    let app = common::app().await;
    let mut pool_body = json!({"PoolName": "srp"});
    if let Some(d) = device_configuration {
        pool_body["DeviceConfiguration"] = d;
    }
    let pool = app.create_pool(pool_body).await;
    let client = app
        .create_client(json!({"UserPoolId": pool, "ClientName": "js"}))
        .await;
    app.create_confirmed_user(&pool, "bob", PASSWORD).await;
    Setup { app, pool, client }
}

impl Setup {
    fn pool_name(&self) -> &str {
        self.pool.split_once('_').unwrap().1
    }

    async fn initiate(&self, a: &U256, extra: Value) -> Value {
        let mut params = json!({"USERNAME": "bob", "SRP_A": math::to_hex(&math::client_public(a))});
        params
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        self.app
            .ok(
                "InitiateAuth",
                json!({"ClientId": self.client, "AuthFlow": "USER_SRP_AUTH", "AuthParameters": params}),
                false,
            )
            .await
    }

    async fn respond(&self, challenge: &Value, a: &U256, password: &str, extra: Value) -> (u16, Value) {
        let p = &challenge["ChallengeParameters"];
        let ts = timestamp(self.app.clock_ms());
        let user_id = p["USER_ID_FOR_SRP"].as_str().unwrap();
        let mut responses = json!({
            "USERNAME": user_id,
            "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"],
            "TIMESTAMP": ts,
            "PASSWORD_CLAIM_SIGNATURE": proof(p, a, self.pool_name(), user_id, password, &ts),
        });
        responses
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let (status, v) = self
            .app
            .call(
                "RespondToAuthChallenge",
                json!({"ClientId": self.client, "ChallengeName": "PASSWORD_VERIFIER", "ChallengeResponses": responses}),
                false,
            )
            .await;
        (status.as_u16(), v)
    }
}

#[tokio::test]
async fn user_srp_sign_in_replay_and_wrong_password() {
    let s = setup(None).await;
    let a = a_secret(0x11);
    let challenge = s.initiate(&a, json!({})).await;
    assert_eq!(challenge["ChallengeName"], "PASSWORD_VERIFIER");
    assert!(
        challenge.get("Session").is_none(),
        "Cognito sends no Session with PASSWORD_VERIFIER"
    );
    let p = &challenge["ChallengeParameters"];
    assert_eq!(p["USER_ID_FOR_SRP"], "bob");
    assert_eq!(p["USERNAME"], "bob");
    let (status, ok) = s.respond(&challenge, &a, PASSWORD, json!({})).await;
    assert_eq!(status, 200, "{ok}");
    assert_eq!(
        claims(&ok["AuthenticationResult"]["AccessToken"])["username"],
        "bob"
    );

    // The same response again is a replay.
    let (status, replay) = s.respond(&challenge, &a, PASSWORD, json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(replay["__type"], "NotAuthorizedException");

    let a2 = a_secret(0x33);
    let challenge = s.initiate(&a2, json!({})).await;
    let (_, wrong) = s.respond(&challenge, &a2, "Wr0ng!pass", json!({})).await;
    assert_eq!(
        wrong,
        json!({"__type": "NotAuthorizedException", "message": "Incorrect username or password."})
    );

    // A stale TIMESTAMP is refused even with the right proof.
    let a3 = a_secret(0x44);
    let challenge = s.initiate(&a3, json!({})).await;
    s.app.clock.advance_seconds(301);
    let (_, stale) = s
        .respond(
            &challenge,
            &a3,
            PASSWORD,
            json!({"TIMESTAMP": timestamp(s.app.clock_ms() - 301_000)}),
        )
        .await;
    assert_eq!(stale["__type"], "NotAuthorizedException");
}

#[tokio::test]
async fn remembered_device_signs_in_with_device_srp() {
    let s = setup(Some(
        json!({"ChallengeRequiredOnNewDevice": true, "DeviceOnlyRememberedOnUserPrompt": true}),
    ))
    .await;
    let a = a_secret(0x21);
    let challenge = s.initiate(&a, json!({})).await;
    let (status, first) = s.respond(&challenge, &a, PASSWORD, json!({})).await;
    assert_eq!(status, 200, "{first}");
    let result = &first["AuthenticationResult"];
    let meta = &result["NewDeviceMetadata"];
    let device_key = meta["DeviceKey"].as_str().unwrap().to_string();
    let group_key = meta["DeviceGroupKey"].as_str().unwrap().to_string();
    assert!(device_key.starts_with("us-east-1_"), "{device_key}");
    assert_eq!(claims(&result["AccessToken"])["device_key"], device_key.as_str());

    // The client registers a random device password's verifier, as amazon-cognito-identity-js does.
    let device_password = "device-random-password";
    let salt = math::u3072_from_be(&[0x5a; 16]);
    let x = math::private_key(&salt, &group_key, &device_key, device_password);
    let verifier = math::verifier(&x);
    let access = result["AccessToken"].clone();
    let confirmed = s
        .app
        .ok(
            "ConfirmDevice",
            json!({"AccessToken": access, "DeviceKey": device_key, "DeviceName": "laptop",
                   "DeviceSecretVerifierConfig": {
                       "PasswordVerifier": STANDARD.encode(math::pad(&verifier)),
                       "Salt": STANDARD.encode(math::pad(&salt))}}),
            false,
        )
        .await;
    assert_eq!(confirmed["UserConfirmationNecessary"], true);
    s.app
        .ok(
            "UpdateDeviceStatus",
            json!({"AccessToken": access, "DeviceKey": device_key, "DeviceRememberedStatus": "remembered"}),
            false,
        )
        .await;
    let listed = s
        .app
        .ok("ListDevices", json!({"AccessToken": access}), false)
        .await;
    assert_eq!(listed["Devices"][0]["DeviceKey"], device_key.as_str());

    // Second sign-in from the remembered device: password proof, then the device proves itself.
    let a = a_secret(0x22);
    let challenge = s.initiate(&a, json!({"DEVICE_KEY": device_key})).await;
    let (status, next) = s
        .respond(&challenge, &a, PASSWORD, json!({"DEVICE_KEY": device_key}))
        .await;
    assert_eq!(status, 200, "{next}");
    assert_eq!(next["ChallengeName"], "DEVICE_SRP_AUTH");
    let da = a_secret(0x23);
    let dev = s
        .app
        .ok(
            "RespondToAuthChallenge",
            json!({"ClientId": s.client, "ChallengeName": "DEVICE_SRP_AUTH", "Session": next["Session"],
                   "ChallengeResponses": {"USERNAME": "bob", "DEVICE_KEY": device_key,
                                          "SRP_A": math::to_hex(&math::client_public(&da))}}),
            false,
        )
        .await;
    assert_eq!(dev["ChallengeName"], "DEVICE_PASSWORD_VERIFIER");
    let ts = timestamp(s.app.clock_ms());
    let sig = proof(
        &dev["ChallengeParameters"],
        &da,
        &group_key,
        &device_key,
        device_password,
        &ts,
    );
    let done = s
        .app
        .ok(
            "RespondToAuthChallenge",
            json!({"ClientId": s.client, "ChallengeName": "DEVICE_PASSWORD_VERIFIER", "Session": dev["Session"],
                   "ChallengeResponses": {"USERNAME": "bob", "DEVICE_KEY": device_key, "TIMESTAMP": ts,
                       "PASSWORD_CLAIM_SECRET_BLOCK": dev["ChallengeParameters"]["SECRET_BLOCK"],
                       "PASSWORD_CLAIM_SIGNATURE": sig}}),
            false,
        )
        .await;
    let result = &done["AuthenticationResult"];
    assert!(result.get("NewDeviceMetadata").is_none());
    assert_eq!(claims(&result["AccessToken"])["device_key"], device_key.as_str());

    // A forgotten device is unknown at the next sign-in (clients then retry without it).
    s.app
        .ok(
            "ForgetDevice",
            json!({"AccessToken": result["AccessToken"], "DeviceKey": device_key}),
            false,
        )
        .await;
    let a = a_secret(0x24);
    let challenge = s.initiate(&a, json!({"DEVICE_KEY": device_key})).await;
    let (_, gone) = s
        .respond(&challenge, &a, PASSWORD, json!({"DEVICE_KEY": device_key}))
        .await;
    assert_eq!(
        gone,
        json!({"__type": "ResourceNotFoundException", "message": "Device does not exist."})
    );
}
