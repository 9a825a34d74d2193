//! Deleting a user or a pool removes everything that belongs to it, and nothing else.

use latchkey_core::store::{Store, UserFilter};
use latchkey_core::time::Timestamp;

use super::ids;
use crate::fixtures::{
    client, code, device, group, lookups, outbox, pool, refresh, search, signing_key, user,
};
use crate::harness::TestDb;

/// Gives `pool_id` a client, users alice and bob with codes, refresh tokens, devices and a group, and a
/// signing key.
async fn populate(store: &dyn Store, pool_id: &str) {
    store.insert_pool(&pool(pool_id)).await.unwrap();
    store
        .insert_client(&client(pool_id, &format!("client-{pool_id}")))
        .await
        .unwrap();
    store.insert_group(&group(pool_id, "staff")).await.unwrap();
    for name in ["alice", "bob"] {
        let u = user(pool_id, name);
        store.insert_user(&u, &lookups(&u), &search(&u)).await.unwrap();
        store.put_code(&code(pool_id, name, "SIGN_UP")).await.unwrap();
        let handle = format!("{pool_id}-{name}");
        store
            .insert_refresh_token(&refresh(pool_id, name, &handle, &handle))
            .await
            .unwrap();
        store.add_user_to_group(pool_id, "staff", name).await.unwrap();
        store
            .insert_device(&device(pool_id, name, &device_key(name)))
            .await
            .unwrap();
    }
    let key = signing_key(pool_id, "kid-1", "id", 1_000);
    store
        .rotate_signing_keys(pool_id, &[], &[key], Timestamp::from_millis(1_000))
        .await
        .unwrap();
    store
        .insert_outbox(&outbox(&format!("mail-{pool_id}"), pool_id, 1_000))
        .await
        .unwrap();
}

fn device_key(name: &str) -> String {
    format!("us-east-1_device-of-{name}")
}

/// A user recreated as "alice" leaves only its own traces: no old code, token, group or device applies to it.
async fn alice_again_starts_clean(store: &dyn Store, pool_id: &str) {
    let again = user(pool_id, "alice");
    store
        .insert_user(&again, &lookups(&again), &search(&again))
        .await
        .unwrap();
    assert_eq!(
        user_traces(store, pool_id, "alice").await,
        ["user", "lookup", "search"]
    );
}

/// What of user `name` in `pool_id` can still be found.
async fn user_traces(store: &dyn Store, pool_id: &str, name: &str) -> Vec<&'static str> {
    let handle = format!("{pool_id}-{name}");
    let by_email = UserFilter {
        attribute: "email".into(),
        value: format!("{name}@example.com"),
        prefix: false,
    };
    let mut traces = Vec::new();
    if store.get_user(pool_id, name).await.unwrap().is_some() {
        traces.push("user");
    }
    if store
        .find_user(pool_id, "email", &format!("{name}@example.com"))
        .await
        .unwrap()
        .is_some()
    {
        traces.push("lookup");
    }
    if !store
        .list_users(pool_id, Some(&by_email), None, 10)
        .await
        .unwrap()
        .items
        .is_empty()
    {
        traces.push("search");
    }
    if store.get_code(pool_id, name, "SIGN_UP").await.unwrap().is_some() {
        traces.push("code");
    }
    if store.get_refresh_token(&handle).await.unwrap().is_some() {
        traces.push("refresh token");
    }
    if !store
        .list_groups_for_user(pool_id, name, None, 10)
        .await
        .unwrap()
        .items
        .is_empty()
    {
        traces.push("membership");
    }
    if store
        .get_device(pool_id, &device_key(name))
        .await
        .unwrap()
        .is_some()
    {
        traces.push("device");
    }
    traces
}

const ALL: [&str; 7] = [
    "user",
    "lookup",
    "search",
    "code",
    "refresh token",
    "membership",
    "device",
];

pub async fn delete_user_cascades(db: TestDb) {
    let store = db.open().await;
    let (p, other) = ("us-east-1_Cascade", "us-east-1_Bystander");
    populate(&*store, p).await;
    populate(&*store, other).await;
    assert_eq!(user_traces(&*store, p, "alice").await, ALL);

    assert!(store.delete_user(p, "alice").await.unwrap());
    assert!(!store.delete_user(p, "alice").await.unwrap());
    assert_eq!(user_traces(&*store, p, "alice").await, Vec::<&str>::new());
    assert_eq!(
        user_traces(&*store, p, "bob").await,
        ALL,
        "other users keep theirs"
    );
    assert_eq!(
        user_traces(&*store, other, "alice").await,
        ALL,
        "namesakes in other pools keep theirs"
    );
    assert!(
        store.get_group(p, "staff").await.unwrap().is_some(),
        "groups stay"
    );
    let staff = store.list_users_in_group(p, "staff", None, 10).await.unwrap();
    assert_eq!(ids(&staff, |u| &u.username), ["bob"]);
    assert_eq!(store.count_users(p).await.unwrap(), 1);

    // A user recreated under the name starts clean: no old code, token, group or device applies to it.
    alice_again_starts_clean(&*store, p).await;
}

pub async fn delete_pool_cascades_everything(db: TestDb) {
    let store = db.open().await;
    let (p, other) = ("us-east-1_Doomed", "us-east-1_Kept");
    populate(&*store, p).await;
    populate(&*store, other).await;

    assert!(store.delete_pool(p).await.unwrap());
    assert!(!store.delete_pool(p).await.unwrap());
    assert_eq!(store.get_pool(p).await.unwrap(), None);
    assert_eq!(store.get_client(&format!("client-{p}")).await.unwrap(), None);
    for name in ["alice", "bob"] {
        assert_eq!(user_traces(&*store, p, name).await, Vec::<&str>::new(), "{name}");
        assert_eq!(user_traces(&*store, other, name).await, ALL, "{name} elsewhere");
    }
    assert_eq!(store.count_users(p).await.unwrap(), 0);
    assert_eq!(store.get_group(p, "staff").await.unwrap(), None);
    assert_eq!(store.list_signing_keys(p).await.unwrap(), vec![]);
    assert_eq!(store.list_signing_keys(other).await.unwrap().len(), 1);
    assert!(!store.is_origin_revoked(&format!("{p}-alice")).await.unwrap());
    // The outbox is a development log, kept across deletions.
    assert_eq!(store.list_outbox(10).await.unwrap().len(), 2);

    // The id is free again, and a recreated pool starts empty.
    store.insert_pool(&pool(p)).await.unwrap();
    assert_eq!(store.list_users(p, None, None, 10).await.unwrap().items, vec![]);
    assert_eq!(store.list_groups(p, None, 10).await.unwrap().items, vec![]);
    assert_eq!(store.list_clients(p, None, 10).await.unwrap().items, vec![]);
    assert_eq!(store.list_signing_keys(p).await.unwrap(), vec![]);
    alice_again_starts_clean(&*store, p).await;
}
