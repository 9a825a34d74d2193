//! Devices: registered at sign-in, confirmed with an SRP verifier, listed per user, and gone with their user
//! or pool.

use std::sync::Arc;

use latchkey_core::store::Store;

use super::{is_conflict, is_duplicate, names, pages};
use crate::fixtures::{confirmed, device, lookups, pool, search, user};
use crate::harness::TestDb;

const P: &str = "us-east-1_Devices";
const OTHER: &str = "us-east-1_OtherDevices";

async fn with_user(store: &dyn Store, pool_id: &str, username: &str) {
    let u = user(pool_id, username);
    store.insert_user(&u, &lookups(&u), &search(&u)).await.unwrap();
}

/// Pools P and OTHER, with alice and bob in P and another alice in OTHER.
async fn alice_and_bob_in_two_pools(db: TestDb) -> Arc<dyn Store> {
    let store = db.open().await;
    store.insert_pool(&pool(P)).await.unwrap();
    store.insert_pool(&pool(OTHER)).await.unwrap();
    for name in ["alice", "bob"] {
        with_user(&*store, P, name).await;
    }
    with_user(&*store, OTHER, "alice").await;
    store
}

/// A realistic device key: `{region}_{uuid}`.
fn key(n: usize) -> String {
    format!("us-east-1_{n:08x}-5e2a-4c1b-9d3f-7a6b5c4d3e2f")
}

pub async fn device_round_trips_and_updates(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool(P)).await.unwrap();
    with_user(&*store, P, "alice").await;

    let new = device(P, "alice", &key(1));
    store.insert_device(&new).await.unwrap();
    let got = store.get_device(P, &key(1)).await.unwrap();
    assert_eq!(got, Some(new.clone()));
    let got = got.unwrap();
    assert!(!got.confirmed() && got.salt.is_none() && got.name.is_none() && got.last_ip.is_none());
    assert_eq!(got.version, 1);
    assert_eq!(store.get_device(P, &key(2)).await.unwrap(), None);
    assert_eq!(
        store.get_device(P, &key(1).to_uppercase()).await.unwrap(),
        None,
        "keys are exact"
    );
    assert_eq!(store.get_device(OTHER, &key(1)).await.unwrap(), None);

    let done = confirmed(&new);
    store.update_device(&done).await.unwrap();
    let got = store.get_device(P, &key(1)).await.unwrap();
    assert_eq!(got, Some(done.clone()));
    let got = got.unwrap();
    assert!(got.confirmed() && got.remembered);
    assert_eq!(got.version, 2);
    assert_eq!(got.last_ip.as_deref(), Some("2001:db8::17"));

    // Forgetting a device clears the flag and keeps the verifier.
    let mut forgotten = done.clone();
    (forgotten.remembered, forgotten.version) = (false, done.version + 1);
    store.update_device(&forgotten).await.unwrap();
    assert_eq!(store.get_device(P, &key(1)).await.unwrap(), Some(forgotten));
}

pub async fn duplicate_device_is_duplicate(db: TestDb) {
    let store = alice_and_bob_in_two_pools(db).await;
    let first = device(P, "alice", &key(1));
    store.insert_device(&first).await.unwrap();

    assert!(is_duplicate(
        store.insert_device(&confirmed(&first)).await,
        "device"
    ));
    // A key is unique across the pool, whoever registers it.
    assert!(is_duplicate(
        store.insert_device(&device(P, "bob", &key(1))).await,
        "device"
    ));
    assert_eq!(store.get_device(P, &key(1)).await.unwrap(), Some(first));
    // Another pool may hold the same key.
    store
        .insert_device(&device(OTHER, "alice", &key(1)))
        .await
        .unwrap();
}

pub async fn device_of_missing_user_is_conflict(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool(P)).await.unwrap();
    store.insert_pool(&pool(OTHER)).await.unwrap();
    with_user(&*store, OTHER, "alice").await;
    assert!(is_conflict(
        store.insert_device(&device(P, "alice", &key(1))).await
    ));
    assert!(is_conflict(
        store
            .insert_device(&device("us-east-1_Gone", "alice", &key(1)))
            .await
    ));
    assert_eq!(store.get_device(P, &key(1)).await.unwrap(), None);
}

pub async fn update_device_checks_version(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool(P)).await.unwrap();
    with_user(&*store, P, "alice").await;
    let new = device(P, "alice", &key(1));
    store.insert_device(&new).await.unwrap();
    let fresh = confirmed(&new);
    store.update_device(&fresh).await.unwrap();

    // Written from the version-1 copy: stale.
    let mut stale = confirmed(&new);
    stale.name = Some("stale".into());
    assert!(is_conflict(store.update_device(&stale).await));
    let mut unchanged = fresh.clone();
    unchanged.name = Some("unchanged version".into());
    assert!(is_conflict(store.update_device(&unchanged).await));
    let mut skipping = fresh.clone();
    skipping.version += 2;
    assert!(is_conflict(store.update_device(&skipping).await));
    let ghost = confirmed(&device(P, "alice", &key(9)));
    assert!(is_conflict(store.update_device(&ghost).await));
    let mut elsewhere = confirmed(&new);
    elsewhere.pool_id = OTHER.into();
    assert!(is_conflict(store.update_device(&elsewhere).await));

    assert_eq!(store.get_device(P, &key(1)).await.unwrap(), Some(fresh));
    assert_eq!(store.get_device(P, &key(9)).await.unwrap(), None);
}

pub async fn list_devices_paginates_per_user(db: TestDb) {
    let store = alice_and_bob_in_two_pools(db).await;
    // Inserted out of order. Bob's keys interleave with alice's, and the other pool's alice holds one of
    // hers (keys are unique per pool only) and one between them.
    let mut expected = names(7, |i| key(i * 10));
    for k in expected.iter().rev() {
        store.insert_device(&device(P, "alice", k)).await.unwrap();
    }
    for n in [15, 45] {
        store.insert_device(&device(P, "bob", &key(n))).await.unwrap();
    }
    for n in [20, 25] {
        store
            .insert_device(&device(OTHER, "alice", &key(n)))
            .await
            .unwrap();
    }
    expected.sort();

    let got = pages(
        |after| {
            let store = store.clone();
            async move { store.list_devices(P, "alice", after.as_deref(), 3).await }
        },
        |d| &d.device_key,
    )
    .await;
    assert_eq!(got, [&expected[..3], &expected[3..6], &expected[6..]]);

    let all = store.list_devices(P, "alice", None, 7).await.unwrap();
    assert_eq!(all.next, None, "no next key when nothing remains");
    assert_eq!(all.items.len(), 7);
    assert!(all
        .items
        .iter()
        .all(|d| d.username == "alice" && d.pool_id == P && d.version == 1));
    let rest = store
        .list_devices(P, "alice", Some(&expected[4]), 10)
        .await
        .unwrap();
    assert_eq!(super::ids(&rest, |d| &d.device_key), &expected[5..]);
    assert_eq!(rest.next, None);
    let bob = store.list_devices(P, "bob", None, 10).await.unwrap();
    assert_eq!(super::ids(&bob, |d| &d.device_key), [key(15), key(45)]);
    let nobody = store.list_devices(P, "carol", None, 10).await.unwrap();
    assert_eq!((nobody.items, nobody.next), (vec![], None));
}

pub async fn delete_device_reports_existence(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool(P)).await.unwrap();
    with_user(&*store, P, "alice").await;
    for n in [1, 2] {
        store.insert_device(&device(P, "alice", &key(n))).await.unwrap();
    }
    assert!(store.delete_device(P, &key(1)).await.unwrap());
    assert!(!store.delete_device(P, &key(1)).await.unwrap());
    assert!(!store.delete_device(OTHER, &key(2)).await.unwrap());
    assert_eq!(store.get_device(P, &key(1)).await.unwrap(), None);
    let left = store.list_devices(P, "alice", None, 10).await.unwrap();
    assert_eq!(super::ids(&left, |d| &d.device_key), [key(2)]);
    // The key is free again.
    store.insert_device(&device(P, "alice", &key(1))).await.unwrap();
}

/// Gives alice and bob in `P`, and alice in `OTHER`, two devices each (keys unique per pool).
async fn populate(store: &dyn Store) {
    for p in [P, OTHER] {
        store.insert_pool(&pool(p)).await.unwrap();
    }
    for (i, (p, name)) in [(P, "alice"), (P, "bob"), (OTHER, "alice")]
        .into_iter()
        .enumerate()
    {
        with_user(store, p, name).await;
        for n in [2 * i, 2 * i + 1] {
            let d = device(p, name, &key(n));
            store.insert_device(&d).await.unwrap();
            store.update_device(&confirmed(&d)).await.unwrap();
        }
    }
}

async fn device_keys(store: &dyn Store, pool_id: &str, username: &str) -> Vec<String> {
    let page = store.list_devices(pool_id, username, None, 10).await.unwrap();
    super::ids(&page, |d| &d.device_key)
}

pub async fn delete_user_removes_devices(db: TestDb) {
    let store = db.open().await;
    populate(&*store).await;
    assert!(store.delete_user(P, "alice").await.unwrap());
    assert_eq!(device_keys(&*store, P, "alice").await, Vec::<String>::new());
    for n in [0, 1] {
        assert_eq!(store.get_device(P, &key(n)).await.unwrap(), None);
    }
    assert_eq!(device_keys(&*store, P, "bob").await, [key(2), key(3)]);
    assert_eq!(device_keys(&*store, OTHER, "alice").await, [key(4), key(5)]);

    // A user recreated under the name has no devices, and the keys are free.
    with_user(&*store, P, "alice").await;
    assert_eq!(device_keys(&*store, P, "alice").await, Vec::<String>::new());
    store.insert_device(&device(P, "alice", &key(0))).await.unwrap();
}

pub async fn delete_pool_removes_devices(db: TestDb) {
    let store = db.open().await;
    populate(&*store).await;
    assert!(store.delete_pool(P).await.unwrap());
    for n in 0..4 {
        assert_eq!(store.get_device(P, &key(n)).await.unwrap(), None);
    }
    assert_eq!(device_keys(&*store, OTHER, "alice").await, [key(4), key(5)]);

    store.insert_pool(&pool(P)).await.unwrap();
    with_user(&*store, P, "bob").await;
    assert_eq!(device_keys(&*store, P, "bob").await, Vec::<String>::new());
    store.insert_device(&device(P, "bob", &key(2))).await.unwrap();
}
