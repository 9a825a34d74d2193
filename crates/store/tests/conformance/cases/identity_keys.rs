//! The identity-token key ring: one service-wide ring, at most one active key, rotations ordered like a pool's.

use latchkey_core::store::SigningKeyRecord;
use latchkey_core::time::Timestamp;

use super::is_conflict;
use crate::fixtures::{count_wins, pool, signing_key};
use crate::harness::TestDb;

const RING: &str = "cognito-identity";

fn key(kid: &str, created_ms: i64) -> SigningKeyRecord {
    signing_key(RING, kid, "id", created_ms)
}

fn active(keys: &[SigningKeyRecord]) -> Vec<String> {
    keys.iter()
        .filter(|k| k.retired.is_none())
        .map(|k| k.kid.clone())
        .collect()
}

pub async fn identity_keys_rotate(db: TestDb) {
    let store = db.open().await;
    assert_eq!(store.list_identity_keys().await.unwrap(), vec![]);
    let first = key("ik-1", 1_000);
    store
        .rotate_identity_keys(&[], &first, Timestamp::from_millis(1_000))
        .await
        .unwrap();
    assert_eq!(
        store.list_identity_keys().await.unwrap(),
        std::slice::from_ref(&first)
    );

    let second = key("ik-2", 2_000);
    store
        .rotate_identity_keys(&["ik-1".into()], &second, Timestamp::from_millis(2_500))
        .await
        .unwrap();
    let mut retired = first;
    retired.retired = Some(Timestamp::from_millis(2_500));
    assert_eq!(store.list_identity_keys().await.unwrap(), [second, retired]);

    // A stale view of the active key fails and changes nothing, as does a kid already in the ring.
    let before = store.list_identity_keys().await.unwrap();
    let at = Timestamp::from_millis(3_000);
    for stale in [
        vec![],
        vec!["ik-1".to_string()],
        vec!["ik-2".into(), "ik-1".into()],
    ] {
        let result = store.rotate_identity_keys(&stale, &key("ik-3", 3_000), at).await;
        assert!(is_conflict(result), "{stale:?}");
    }
    let reused = store
        .rotate_identity_keys(&["ik-2".into()], &key("ik-1", 3_000), at)
        .await;
    assert!(is_conflict(reused));
    assert_eq!(store.list_identity_keys().await.unwrap(), before);
}

pub async fn identity_keys_are_apart_from_user_pool_keys(db: TestDb) {
    // A user pool named like the ring, with keys of its own: neither list sees the other's keys, and deleting
    // the pool leaves the ring alone.
    let store = db.open().await;
    store.insert_pool(&pool("us-east-1_Ring")).await.unwrap();
    let pool_key = signing_key("us-east-1_Ring", "pk-1", "id", 1_000);
    store
        .rotate_signing_keys(
            "us-east-1_Ring",
            &[],
            std::slice::from_ref(&pool_key),
            Timestamp::from_millis(1_000),
        )
        .await
        .unwrap();
    let ring_key = key("ik-1", 1_000);
    store
        .rotate_identity_keys(&[], &ring_key, Timestamp::from_millis(1_000))
        .await
        .unwrap();
    assert_eq!(
        store.list_signing_keys("us-east-1_Ring").await.unwrap(),
        [pool_key]
    );
    assert_eq!(
        store.list_identity_keys().await.unwrap(),
        std::slice::from_ref(&ring_key)
    );
    assert!(store.delete_pool("us-east-1_Ring").await.unwrap());
    assert_eq!(store.list_identity_keys().await.unwrap(), [ring_key]);
}

pub async fn concurrent_identity_key_rotations_one_wins(db: TestDb) {
    let store = db.open().await;
    // Round 0 creates the first key (nodes starting together), later rounds rotate it: each time exactly one of
    // the racing nodes wins and the ring keeps one active key.
    for round in 0..10_i64 {
        let expected = active(&store.list_identity_keys().await.unwrap());
        let tasks: Vec<_> = (0..8_i64)
            .map(|i| {
                let (store, expected) = (store.clone(), expected.clone());
                tokio::spawn(async move {
                    let created = 1_000 * (round + 1);
                    let new = key(&format!("r{round}-k{i}"), created);
                    store
                        .rotate_identity_keys(&expected, &new, Timestamp::from_millis(created))
                        .await
                })
            })
            .collect();
        assert_eq!(count_wins(tasks).await, 1, "round {round}");
        let keys = store.list_identity_keys().await.unwrap();
        assert_eq!(active(&keys).len(), 1, "round {round}");
        assert_eq!(keys.len(), usize::try_from(round + 1).unwrap());
    }
}
