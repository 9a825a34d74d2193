//! Every operation of the model whose input names a pool goes through `on_pool`: signed for another region than
//! the pool's, it is refused before anything else, as Cognito refuses a pool it cannot see.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use latchkey_core::mail::{Mailer, OutgoingMessage};
use latchkey_core::ports::{FixedClock, Rng};
use latchkey_core::secrets::MasterKey;
use latchkey_core::{ErrorKind, Latchkey, Ports, Secrets, Settings};
use serde_json::{json, Value};

use super::{call, Ctx};

struct StepRng(AtomicU8);

impl Rng for StepRng {
    fn fill(&self, buf: &mut [u8]) {
        for b in buf {
            *b = self.0.fetch_add(37, Ordering::Relaxed);
        }
    }
}

struct NoMail;

#[async_trait]
impl Mailer for NoMail {
    async fn send(&self, _: &OutgoingMessage) -> Result<(), String> {
        Ok(())
    }
}

async fn latchkey() -> (Latchkey, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!("lk-ops-region-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let store = latchkey_store::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let ports = Ports {
        store,
        clock: Arc::new(FixedClock::at(1_800_000_000_000)),
        rng: Arc::new(StepRng(AtomicU8::new(1))),
        mailer: Arc::new(NoMail),
    };
    let secrets = Secrets {
        master_key: MasterKey::from_bytes([7; 32]),
    };
    (Latchkey::new(ports, Settings::default(), secrets).unwrap(), path)
}

fn signed_for(region: &str) -> Ctx {
    Ctx {
        region: Some(region.into()),
        request_id: "test".into(),
    }
}

/// The operations of the Cognito model whose input has a `UserPoolId` member.
fn operations_on_a_pool() -> Vec<String> {
    let model: Value = serde_json::from_str(include_str!("../aws/model/cognito-idp.json")).unwrap();
    let shapes = &model["shapes"];
    let mut ops: Vec<String> = model["operations"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, op)| {
            op["input"]
                .as_str()
                .is_some_and(|input| shapes[input]["members"].get("UserPoolId").is_some())
        })
        .map(|(name, _)| name.clone())
        .collect();
    ops.sort();
    ops
}

#[tokio::test]
async fn every_operation_on_a_pool_refuses_a_pool_of_another_region() {
    let (lk, path) = latchkey().await;
    let created = call(
        "CreateUserPool",
        &lk,
        &signed_for("eu-west-1"),
        json!({"PoolName": "p"}),
    )
    .await
    .unwrap()
    .unwrap();
    let pool_id = created["UserPool"]["Id"].as_str().unwrap().to_string();
    let mut implemented = 0;
    for op in operations_on_a_pool() {
        let body = json!({"UserPoolId": pool_id});
        let Some(result) = call(&op, &lk, &signed_for("us-east-1"), body).await else {
            continue;
        };
        implemented += 1;
        let e = result.expect_err(&op);
        assert_eq!(e.kind(), ErrorKind::ResourceNotFoundException, "{op}");
        assert_eq!(
            e.message(),
            format!("User pool {pool_id} does not exist."),
            "{op}"
        );
    }
    assert!(implemented >= 49, "{implemented} operations on a pool checked");
    let _ = std::fs::remove_file(path);
}
