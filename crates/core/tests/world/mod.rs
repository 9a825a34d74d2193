//! The world core's use-case tests run in: the real SQLite store (a temp file: the store's in-memory URL leaves a
//! stray file behind), a fixed clock, a seeded random source and a mailer that hands each message to the test;
//! one user pool that verifies email, with one public client allowing password and refresh sign-in.

#![allow(dead_code)]

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
use latchkey_core::{Latchkey, Ports, Secrets, Settings};
use serde_json::{json, Value};
use tokio::sync::{mpsc, Mutex};

pub const NOW_MS: i64 = 1_800_000_000_000;
pub const PASSWORD: &str = "Passw0rd!";

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

pub struct World {
    pub lk: Latchkey,
    pub clock: Arc<FixedClock>,
    outbox: Mutex<mpsc::UnboundedReceiver<OutgoingMessage>>,
    pub pool: Arc<UserPool>,
    pub client: Arc<AppClient>,
    _database: TempDatabase,
}

impl World {
    /// A pool that verifies email, with one public client allowing password and refresh sign-in.
    pub async fn new(seed: u64) -> Self {
        static DATABASES: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "lk-use-cases-{}-{}.db",
            std::process::id(),
            DATABASES.fetch_add(1, Ordering::Relaxed)
        ));
        let database = TempDatabase(path);
        let clock = Arc::new(FixedClock::at(NOW_MS));
        let (sender, outbox) = mpsc::unbounded_channel();
        let lk = node_on(&database.0, clock.clone(), seed, sender).await;
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

    /// A second node: another `Latchkey` on the same database, clock and master key, with caches of its own (as
    /// another `latchkey serve` on the same PostgreSQL). Its messages are dropped.
    pub async fn other_node(&self) -> Latchkey {
        let (sender, _) = mpsc::unbounded_channel();
        node_on(&self._database.0, self.clock.clone(), 1_000, sender).await
    }

    /// The next message sent, as `(to, subject, body)`.
    pub async fn next_message(&self) -> (String, String, String) {
        let mut outbox = self.outbox.lock().await;
        let m = tokio::time::timeout(Duration::from_secs(5), outbox.recv())
            .await
            .expect("a message within five seconds")
            .unwrap();
        (m.to, m.subject, m.body)
    }

    pub async fn sign_up(&self, username: &str, email: &str) -> Value {
        let input = serde_json::from_value(json!({"ClientId": self.client.client_id, "Username": username,
            "Password": PASSWORD, "UserAttributes": [{"Name": "email", "Value": email}]}))
        .unwrap();
        let outcome = self.lk.sign_up(input).await.unwrap();
        assert!(!outcome.user_confirmed);
        let user = self.lk.admin_get_user(&self.pool.id, username).await.unwrap();
        assert_eq!(outcome.user_sub, user.sub);
        outcome.code_delivery.expect("a code is sent")
    }

    /// A confirmed user `name` with a verified email `{name}@example.com` and the world's password, created
    /// without a message.
    pub async fn confirmed_user(&self, name: &str) {
        let input = serde_json::from_value(json!({"UserPoolId": self.pool.id, "Username": name,
            "MessageAction": "SUPPRESS", "UserAttributes": [
                {"Name": "email", "Value": format!("{name}@example.com")},
                {"Name": "email_verified", "Value": "true"}]}))
        .unwrap();
        self.lk.admin_create_user(input).await.unwrap();
        self.lk
            .admin_set_user_password(&self.pool.id, name, PASSWORD, true)
            .await
            .unwrap();
    }

    pub async fn refresh(
        &self,
        refresh_token: &str,
    ) -> Result<AuthenticationResult, latchkey_core::CognitoError> {
        let proof = ClientProof::SecretHash(None);
        self.lk
            .refresh_sign_in(&self.pool, &self.client, refresh_token, proof, None)
            .await
    }

    pub async fn sign_in(
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

/// A `Latchkey` on the SQLite database at `path` (created when missing), with cheap password hashing.
async fn node_on(
    path: &std::path::Path,
    clock: Arc<FixedClock>,
    seed: u64,
    sender: mpsc::UnboundedSender<OutgoingMessage>,
) -> Latchkey {
    let store = latchkey_store::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let settings = Settings {
        // Cheap hashing: these tests are about the flows, not the cost.
        hashing: HashingParams {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        },
        ..Settings::default()
    };
    Latchkey::new(
        Ports {
            store,
            clock,
            rng: Arc::new(SeededRng(AtomicU64::new(seed))),
            mailer: Arc::new(MessageQueue(sender)),
        },
        settings,
        Secrets {
            master_key: MasterKey::from_bytes([7; 32]),
        },
    )
    .unwrap()
}

/// The six-digit code in a message.
pub fn code_in(body: &str) -> String {
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(digits.len(), 6, "{body}");
    digits
}

pub fn tokens(outcome: AuthOutcome) -> AuthenticationResult {
    match outcome {
        AuthOutcome::Tokens(t) => t,
        other => panic!("expected tokens, got {other:?}"),
    }
}
