//! One-time codes: upsert, attempt counting and single use.

use std::collections::BTreeSet;

use latchkey_core::store::StoreError;

use super::users::{add, P};
use crate::fixtures::{code, pool, user};
use crate::harness::TestDb;

pub async fn code_round_trips_and_upserts(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool(P)).await.unwrap();
    add(&*store, &user(P, "alice")).await;
    let signup = code(P, "alice", "SIGN_UP");
    store.put_code(&signup).await.unwrap();
    assert_eq!(
        store.get_code(P, "alice", "SIGN_UP").await.unwrap(),
        Some(signup.clone())
    );
    assert_eq!(store.get_code(P, "alice", "FORGOT_PASSWORD").await.unwrap(), None);

    let verify = code(P, "alice", "VERIFY:email");
    store.put_code(&verify).await.unwrap();
    assert_eq!(store.add_code_attempt(P, "alice", "SIGN_UP").await.unwrap(), 1);
    // A new code replaces the old one entirely, attempts included.
    let mut resent = code(P, "alice", "SIGN_UP");
    resent.code_hash = "hmac-sha256:SIGN_UP:0c1d2e".into();
    resent.expires = resent.expires.plus_seconds(3600);
    store.put_code(&resent).await.unwrap();
    assert_eq!(store.get_code(P, "alice", "SIGN_UP").await.unwrap(), Some(resent));
    assert_eq!(
        store.get_code(P, "alice", "VERIFY:email").await.unwrap(),
        Some(verify)
    );
}

pub async fn code_attempts_count_atomically(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool(P)).await.unwrap();
    add(&*store, &user(P, "alice")).await;
    store
        .put_code(&code(P, "alice", "FORGOT_PASSWORD"))
        .await
        .unwrap();
    assert_eq!(
        store
            .add_code_attempt(P, "alice", "FORGOT_PASSWORD")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .add_code_attempt(P, "alice", "FORGOT_PASSWORD")
            .await
            .unwrap(),
        2
    );

    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.add_code_attempt(P, "alice", "FORGOT_PASSWORD").await })
        })
        .collect();
    let mut seen = BTreeSet::new();
    for t in tasks {
        seen.insert(t.await.unwrap().unwrap());
    }
    assert_eq!(seen, (3..=12).collect(), "every attempt counted once");
    let stored = store
        .get_code(P, "alice", "FORGOT_PASSWORD")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.attempts, 12);

    assert_eq!(store.add_code_attempt(P, "alice", "SIGN_UP").await.unwrap(), 0);
    assert_eq!(
        store.get_code(P, "alice", "SIGN_UP").await.unwrap(),
        None,
        "no code is created"
    );
}

pub async fn take_code_succeeds_once(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool(P)).await.unwrap();
    add(&*store, &user(P, "alice")).await;
    for round in 0..3 {
        store.put_code(&code(P, "alice", "SIGN_UP")).await.unwrap();
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move { store.take_code(P, "alice", "SIGN_UP").await })
            })
            .collect();
        let mut taken = 0;
        for t in tasks {
            taken += usize::from(t.await.unwrap().unwrap());
        }
        assert_eq!(taken, 1, "round {round}");
        assert_eq!(store.get_code(P, "alice", "SIGN_UP").await.unwrap(), None);
        assert!(!store.take_code(P, "alice", "SIGN_UP").await.unwrap());
    }
}

pub async fn code_of_missing_user_is_conflict(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool(P)).await.unwrap();
    assert!(matches!(
        store.put_code(&code(P, "nobody", "SIGN_UP")).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.get_code(P, "nobody", "SIGN_UP").await.unwrap(), None);
}
