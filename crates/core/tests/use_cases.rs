//! Core's use cases driven as the server drives them, without HTTP: sign-up → confirmation → password sign-in →
//! refresh → global sign-out; forgotten password → new password; an administrator's new user → the
//! NEW_PASSWORD_REQUIRED challenge. They run on the real SQLite store (a temp file: the store's in-memory URL
//! leaves a stray file behind) with a fixed clock, a seeded random source and a mailer that hands each message to
//! the test. They live in core, with the store as a dev-dependency (a cycle Cargo allows for integration tests),
//! because they pin core's public surface: a use case made private breaks them here, not in a server test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use latchkey_core::auth::{AuthOutcome, ClientProof, Initiator};
use latchkey_core::clients::AppClient;
use latchkey_core::mail::{Mailer, OutgoingMessage};
use latchkey_core::passwords::HashingParams;
use latchkey_core::pools::UserPool;
use latchkey_core::ports::{FixedClock, Rng};
use latchkey_core::secrets::MasterKey;
use latchkey_core::tokens::AuthenticationResult;
use latchkey_core::{ErrorKind, Latchkey, Ports, Secrets, Settings};
use serde_json::{json, Value};
use tokio::sync::{mpsc, Mutex};

const NOW_MS: i64 = 1_800_000_000_000;
const PASSWORD: &str = "Passw0rd!";

/// SplitMix64 from a seed: every run draws the same bytes.
struct SeededRng(AtomicU64);

impl Rng for SeededRng {
    fn fill(&self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let mut z = self
                .0
                .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
                .wrapping_add(0x9E37_79B9_7F4A_7C15);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
    }
}

/// Hands every message to the test, which waits for it: delivery runs on a task of its own.
struct MessageQueue(mpsc::UnboundedSender<OutgoingMessage>);

#[async_trait]
impl Mailer for MessageQueue {
    async fn send(&self, message: &OutgoingMessage) -> Result<(), String> {
        self.0.send(message.clone()).map_err(|e| e.to_string())
    }
}

/// A database file removed, with its WAL files, when the test ends.
struct TempDatabase(PathBuf);

impl Drop for TempDatabase {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut file = self.0.clone().into_os_string();
            file.push(suffix);
            let _ = std::fs::remove_file(file);
        }
    }
}

struct World {
    lk: Latchkey,
    clock: Arc<FixedClock>,
    outbox: Mutex<mpsc::UnboundedReceiver<OutgoingMessage>>,
    pool: Arc<UserPool>,
    client: Arc<AppClient>,
    _database: TempDatabase,
}

impl World {
    /// A pool that verifies email, with one public client allowing password and refresh sign-in.
    async fn new(seed: u64) -> Self {
        static DATABASES: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "lk-use-cases-{}-{}.db",
            std::process::id(),
            DATABASES.fetch_add(1, Ordering::Relaxed)
        ));
        let database = TempDatabase(path);
        let store = latchkey_store::connect(&format!("sqlite://{}", database.0.display()))
            .await
            .unwrap();
        let clock = Arc::new(FixedClock::at(NOW_MS));
        let (sender, outbox) = mpsc::unbounded_channel();
        let settings = Settings {
            // Cheap hashing: these tests are about the flows, not the cost.
            hashing: HashingParams {
                memory_kib: 64,
                iterations: 1,
                parallelism: 1,
            },
            ..Settings::default()
        };
        let lk = Latchkey::new(
            Ports {
                store,
                clock: clock.clone(),
                rng: Arc::new(SeededRng(AtomicU64::new(seed))),
                mailer: Arc::new(MessageQueue(sender)),
            },
            settings,
            Secrets {
                master_key: MasterKey::from_bytes([7; 32]),
            },
        )
        .unwrap();
        let pool = lk
            .create_user_pool(
                "us-east-1",
                serde_json::from_value(json!({"PoolName": "core", "AutoVerifiedAttributes": ["email"]}))
                    .unwrap(),
            )
            .await
            .unwrap();
        let client = lk
            .create_user_pool_client(
                serde_json::from_value(json!({"UserPoolId": pool.id, "ClientName": "app",
                    "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}))
                .unwrap(),
            )
            .await
            .unwrap();
        let (client, pool) = lk.client_and_pool(&client.client_id).await.unwrap();
        Self {
            lk,
            clock,
            outbox: Mutex::new(outbox),
            pool,
            client,
            _database: database,
        }
    }

    /// The next message sent, as `(to, subject, body)`.
    async fn next_message(&self) -> (String, String, String) {
        let mut outbox = self.outbox.lock().await;
        let m = tokio::time::timeout(Duration::from_secs(5), outbox.recv())
            .await
            .expect("a message within five seconds")
            .unwrap();
        (m.to, m.subject, m.body)
    }

    async fn sign_up(&self, username: &str, email: &str) -> Value {
        let input = serde_json::from_value(json!({"ClientId": self.client.client_id, "Username": username,
            "Password": PASSWORD, "UserAttributes": [{"Name": "email", "Value": email}]}))
        .unwrap();
        let outcome = self.lk.sign_up(input).await.unwrap();
        assert!(!outcome.user_confirmed);
        let user = self.lk.admin_get_user(&self.pool.id, username).await.unwrap();
        assert_eq!(outcome.user_sub, user.sub);
        outcome.code_delivery.expect("a code is sent")
    }

    async fn refresh(
        &self,
        refresh_token: &str,
    ) -> Result<AuthenticationResult, latchkey_core::CognitoError> {
        let proof = ClientProof::SecretHash(None);
        self.lk
            .refresh_sign_in(&self.pool, &self.client, refresh_token, proof, None)
            .await
    }

    async fn sign_in(
        &self,
        username: &str,
        password: &str,
    ) -> Result<AuthOutcome, latchkey_core::CognitoError> {
        let parameters = BTreeMap::from([
            ("USERNAME".to_string(), username.to_string()),
            ("PASSWORD".to_string(), password.to_string()),
        ]);
        let client_id = &self.client.client_id;
        self.lk
            .initiate_auth(Initiator::App, client_id, "USER_PASSWORD_AUTH", &parameters)
            .await
    }
}

/// The six-digit code in a message.
fn code_in(body: &str) -> String {
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(digits.len(), 6, "{body}");
    digits
}

fn tokens(outcome: AuthOutcome) -> AuthenticationResult {
    match outcome {
        AuthOutcome::Tokens(t) => t,
        other => panic!("expected tokens, got {other:?}"),
    }
}

#[tokio::test]
async fn sign_up_confirm_sign_in_refresh_and_sign_out_everywhere() {
    let w = World::new(1).await;
    let delivery = w.sign_up("alice", "alice@example.com").await;
    assert_eq!(
        delivery,
        json!({"AttributeName": "email", "DeliveryMedium": "EMAIL", "Destination": "a***@e***"})
    );
    let (to, subject, body) = w.next_message().await;
    assert_eq!(
        (to.as_str(), subject.as_str()),
        ("alice@example.com", "Your verification code")
    );
    let code = code_in(&body);
    assert_eq!(body, format!("Your verification code is {code}. "));

    let unconfirmed = w.sign_in("alice", PASSWORD).await.unwrap_err();
    assert_eq!(unconfirmed.kind(), ErrorKind::UserNotConfirmedException);
    let wrong =
        w.lk.confirm_sign_up(&w.client.client_id, "alice", "000000", None, false)
            .await
            .unwrap_err();
    assert_eq!(
        (wrong.kind(), wrong.message()),
        (
            ErrorKind::CodeMismatchException,
            "Invalid verification code provided, please try again."
        )
    );
    let confirmed =
        w.lk.confirm_sign_up(&w.client.client_id, "alice", &code, None, false)
            .await
            .unwrap();
    assert_eq!(confirmed.status, "CONFIRMED");
    assert_eq!(confirmed.attributes["email_verified"], "true");

    let signed_in = tokens(w.sign_in("alice", PASSWORD).await.unwrap());
    assert_eq!((signed_in.expires_in, signed_in.token_type), (3600, "Bearer"));
    assert!(signed_in.id_token.is_some());
    let refresh_token = signed_in.refresh_token.clone().expect("a refresh token");
    let (access, _) = w.lk.get_user_by_token(&signed_in.access_token).await.unwrap();
    assert_eq!(access.user.username, "alice");

    w.clock.advance_seconds(600);
    let refreshed = w.refresh(&refresh_token).await.unwrap();
    assert!(
        refreshed.refresh_token.is_none(),
        "a refresh issues no new refresh token"
    );
    assert_ne!(refreshed.access_token, signed_in.access_token);

    w.lk.global_sign_out(&refreshed.access_token).await.unwrap();
    for token in [&signed_in.access_token, &refreshed.access_token] {
        let Err(e) = w.lk.get_user_by_token(token).await else {
            panic!("a token of a signed-out user still works");
        };
        assert_eq!(
            (e.kind(), e.message()),
            (ErrorKind::NotAuthorizedException, "Access Token has been revoked")
        );
    }
    let e = w.refresh(&refresh_token).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.message()),
        (
            ErrorKind::NotAuthorizedException,
            "Refresh Token has been revoked"
        )
    );
    // Signing in again after a global sign-out works.
    tokens(w.sign_in("alice", PASSWORD).await.unwrap());
}

#[tokio::test]
async fn forgot_password_then_confirm_with_the_code() {
    let w = World::new(2).await;
    w.sign_up("bob", "bob@example.com").await;
    let code = code_in(&w.next_message().await.2);
    w.lk.confirm_sign_up(&w.client.client_id, "bob", &code, None, false)
        .await
        .unwrap();

    let delivery =
        w.lk.forgot_password(&w.client.client_id, "bob", None)
            .await
            .unwrap();
    assert_eq!(
        delivery,
        json!({"AttributeName": "email", "DeliveryMedium": "EMAIL", "Destination": "b***@e***"})
    );
    let (to, _, body) = w.next_message().await;
    assert_eq!(to, "bob@example.com");
    let code = code_in(&body);
    let new_password = "N3w-passw0rd";
    let wrong =
        w.lk.confirm_forgot_password(&w.client.client_id, "bob", "000000", new_password, None)
            .await
            .unwrap_err();
    assert_eq!(wrong.kind(), ErrorKind::CodeMismatchException);
    let weak =
        w.lk.confirm_forgot_password(&w.client.client_id, "bob", &code, "short", None)
            .await
            .unwrap_err();
    assert_eq!(weak.kind(), ErrorKind::InvalidPasswordException);
    w.lk.confirm_forgot_password(&w.client.client_id, "bob", &code, new_password, None)
        .await
        .unwrap();
    let reused =
        w.lk.confirm_forgot_password(&w.client.client_id, "bob", &code, "An0ther-passw0rd", None)
            .await
            .unwrap_err();
    assert_eq!(
        reused.kind(),
        ErrorKind::ExpiredCodeException,
        "{}",
        reused.message()
    );

    let old = w.sign_in("bob", PASSWORD).await.unwrap_err();
    assert_eq!(
        (old.kind(), old.message()),
        (
            ErrorKind::NotAuthorizedException,
            "Incorrect username or password."
        )
    );
    tokens(w.sign_in("bob", new_password).await.unwrap());

    let unknown =
        w.lk.forgot_password(&w.client.client_id, "nobody", None)
            .await
            .unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::UserNotFoundException);
}

#[tokio::test]
async fn an_administrators_new_user_must_choose_a_password() {
    let w = World::new(3).await;
    let input = serde_json::from_value(json!({"UserPoolId": w.pool.id, "Username": "carol",
        "TemporaryPassword": "Temp-passw0rd",
        "UserAttributes": [{"Name": "email", "Value": "carol@example.com"}]}))
    .unwrap();
    let created = w.lk.admin_create_user(input).await.unwrap();
    assert_eq!(created.status, "FORCE_CHANGE_PASSWORD");
    let (to, subject, body) = w.next_message().await;
    assert_eq!(
        (to.as_str(), subject.as_str(), body.as_str()),
        (
            "carol@example.com",
            "Your temporary password",
            "Your username is carol and temporary password is Temp-passw0rd. "
        )
    );

    let challenge = w.sign_in("carol", "Temp-passw0rd").await.unwrap();
    let AuthOutcome::Challenge {
        name,
        session: Some(session),
        ..
    } = &challenge
    else {
        panic!("expected a challenge with a session, got {challenge:?}");
    };
    assert_eq!(name, "NEW_PASSWORD_REQUIRED");
    let mut wire = challenge.to_wire();
    assert_eq!(wire["Session"].as_str(), Some(session.as_str()));
    wire["Session"] = json!("[sealed]");
    assert_eq!(
        wire,
        json!({"ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": "[sealed]",
               "ChallengeParameters": {"USER_ID_FOR_SRP": "carol", "requiredAttributes": "[]",
                                       "userAttributes": "{\"email\":\"carol@example.com\"}"}})
    );

    let respond = |password: &str| {
        let responses = BTreeMap::from([
            ("USERNAME".to_string(), "carol".to_string()),
            ("NEW_PASSWORD".to_string(), password.to_string()),
        ]);
        let session = session.clone();
        let w = &w;
        async move {
            let client_id = &w.client.client_id;
            w.lk.respond_to_auth_challenge(
                Initiator::App,
                client_id,
                "NEW_PASSWORD_REQUIRED",
                Some(&session),
                &responses,
            )
            .await
        }
    };
    let weak = respond("short").await.unwrap_err();
    assert_eq!(weak.kind(), ErrorKind::InvalidPasswordException);
    tokens(respond("Chosen-passw0rd").await.unwrap());
    let user = w.lk.admin_get_user(&w.pool.id, "carol").await.unwrap();
    assert_eq!(user.status, "CONFIRMED");
    tokens(w.sign_in("carol", "Chosen-passw0rd").await.unwrap());

    // A temporary password stops working after the pool's validity (seven days by default).
    let input = serde_json::from_value(json!({"UserPoolId": w.pool.id, "Username": "dave",
        "TemporaryPassword": "Temp-passw0rd", "MessageAction": "SUPPRESS"}))
    .unwrap();
    w.lk.admin_create_user(input).await.unwrap();
    w.clock.advance_seconds(7 * 24 * 3600 + 1);
    let expired = w.sign_in("dave", "Temp-passw0rd").await.unwrap_err();
    assert_eq!(
        (expired.kind(), expired.message()),
        (
            ErrorKind::NotAuthorizedException,
            "Temporary password has expired and must be reset by an administrator."
        )
    );
}
