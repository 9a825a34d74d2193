//! The development outbox and rate counters.

use std::collections::BTreeSet;

use latchkey_core::time::Timestamp;

use super::is_duplicate;
use crate::fixtures::outbox;
use crate::harness::TestDb;

const P: &str = "us-east-1_Misc";

pub async fn outbox_lists_newest_first(db: TestDb) {
    let store = db.open().await;
    assert_eq!(store.list_outbox(10).await.unwrap(), vec![]);
    for (id, at) in [("m1", 1_000), ("m3", 3_000), ("m2", 2_000), ("m4", 3_000)] {
        store.insert_outbox(&outbox(id, P, at)).await.unwrap();
    }
    let all = store.list_outbox(10).await.unwrap();
    // Messages of the same instant come in a stable order (by id, descending).
    let expected = [
        outbox("m4", P, 3_000),
        outbox("m3", P, 3_000),
        outbox("m2", P, 2_000),
        outbox("m1", P, 1_000),
    ];
    assert_eq!(all, expected);
    assert_eq!(store.list_outbox(2).await.unwrap(), expected[..2]);
    assert!(is_duplicate(
        store.insert_outbox(&outbox("m1", P, 9_000)).await,
        "outbox_message"
    ));
    assert_eq!(store.list_outbox(10).await.unwrap(), expected);
}

pub async fn counters_count_within_a_window_and_restart(db: TestDb) {
    let store = db.open().await;
    let t = Timestamp::from_millis;
    let mut seen = Vec::new();
    // (now, expires): within the window the caller's `expires` is ignored; at the expiry instant the window
    // is over and the next one starts from the new `expires`.
    for (now, expires) in [
        (1_000, 2_000),
        (1_500, 2_500),
        (1_999, 9_999),
        (2_000, 3_000),
        (2_999, 4_000),
        (3_000, 4_000),
    ] {
        seen.push(
            store
                .increment_counter("signin:alice", t(now), t(expires))
                .await
                .unwrap(),
        );
    }
    assert_eq!(seen, [1, 2, 3, 1, 2, 1]);
    assert_eq!(
        store
            .increment_counter("signin:bob", t(3_000), t(4_000))
            .await
            .unwrap(),
        1,
        "keys are independent"
    );
    assert_eq!(
        store
            .increment_counter("signin:alice", t(3_001), t(5_000))
            .await
            .unwrap(),
        2
    );
}

pub async fn concurrent_counter_increments_all_count(db: TestDb) {
    let store = db.open().await;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .increment_counter(
                        "ip:192.0.2.1",
                        Timestamp::from_millis(1_000),
                        Timestamp::from_millis(61_000),
                    )
                    .await
            })
        })
        .collect();
    let mut seen = BTreeSet::new();
    for t in tasks {
        seen.insert(t.await.unwrap().unwrap());
    }
    assert_eq!(seen, (1..=20).collect());
}

pub async fn counters_decrement_while_live_and_never_below_zero(db: TestDb) {
    let store = db.open().await;
    let t = Timestamp::from_millis;
    for _ in 0..3 {
        store
            .increment_counter("pending:alice", t(1_000), t(5_000))
            .await
            .unwrap();
    }
    store.decrement_counter("pending:alice", t(1_500)).await.unwrap();
    let next = store.increment_counter("pending:alice", t(1_600), t(5_000));
    assert_eq!(next.await.unwrap(), 3, "3 - 1 + 1");
    for _ in 0..5 {
        store.decrement_counter("pending:alice", t(1_700)).await.unwrap();
    }
    let next = store.increment_counter("pending:alice", t(1_800), t(5_000));
    assert_eq!(next.await.unwrap(), 1, "stops at zero");
    // An expired counter is left alone (the next increment restarts it), and a missing one is not created.
    store.decrement_counter("pending:alice", t(5_000)).await.unwrap();
    store.decrement_counter("pending:nobody", t(1_000)).await.unwrap();
    let next = store.increment_counter("pending:nobody", t(1_000), t(5_000));
    assert_eq!(next.await.unwrap(), 1);
}

pub async fn sliding_counters_read_and_put(db: TestDb) {
    let store = db.open().await;
    let t = Timestamp::from_millis;
    assert_eq!(store.get_counter("fails:x", t(0)).await.unwrap(), None);
    // Every increment moves the expiry; a lapse restarts the count.
    let mut seen = Vec::new();
    for (now, expires) in [(1_000, 2_000), (1_900, 2_900), (2_800, 3_800), (3_800, 4_800)] {
        seen.push(
            store
                .increment_counter_sliding("fails:x", t(now), t(expires))
                .await
                .unwrap(),
        );
    }
    assert_eq!(seen, [1, 2, 3, 1]);
    assert_eq!(
        store.get_counter("fails:x", t(4_000)).await.unwrap(),
        Some((1, t(4_800)))
    );
    assert_eq!(
        store.get_counter("fails:x", t(4_800)).await.unwrap(),
        None,
        "expired"
    );
    // put overwrites value and expiry, live or not.
    store.put_counter("fails:x", 7, t(9_000)).await.unwrap();
    assert_eq!(
        store.get_counter("fails:x", t(5_000)).await.unwrap(),
        Some((7, t(9_000)))
    );
    store.put_counter("fails:x", 0, t(9_500)).await.unwrap();
    assert_eq!(
        store.get_counter("fails:x", t(5_000)).await.unwrap(),
        Some((0, t(9_500)))
    );
    let next = store.increment_counter("fails:x", t(5_000), t(1));
    assert_eq!(
        next.await.unwrap(),
        1,
        "a fixed-window increment keeps the put expiry"
    );
    assert_eq!(
        store.get_counter("fails:x", t(5_000)).await.unwrap(),
        Some((1, t(9_500)))
    );
}
