//! Refresh-token handles and token-signing keys.

use std::sync::Arc;

use latchkey_core::store::{RefreshTokenRecord, SigningKeyRecord, Store, StoreError};
use latchkey_core::time::Timestamp;

use super::{is_conflict, is_duplicate};
use crate::fixtures::{count_wins, lookups, pool, refresh, search, signing_key, user};
use crate::harness::TestDb;

const P: &str = "us-east-1_Tokens";

/// A store holding `pools`, each with `users`.
async fn with_users(db: &TestDb, pools: &[&str], users: &[&str]) -> Arc<dyn Store> {
    let store = db.open().await;
    for p in pools {
        store.insert_pool(&pool(p)).await.unwrap();
        for name in users {
            let u = user(p, name);
            store.insert_user(&u, &lookups(&u), &search(&u)).await.unwrap();
        }
    }
    store
}

pub async fn refresh_token_round_trips(db: TestDb) {
    let store = with_users(&db, &[P], &["alice"]).await;
    let full = refresh(P, "alice", "h-full", "origin-1");
    let mut bare = refresh(P, "alice", "h-bare", "origin-2");
    bare.device_key = None;
    bare.scopes = None;
    for t in [&full, &bare] {
        store.insert_refresh_token(t).await.unwrap();
        assert_eq!(
            store.get_refresh_token(&t.handle_hash).await.unwrap().as_ref(),
            Some(t)
        );
    }
    assert_eq!(store.get_refresh_token("h-none").await.unwrap(), None);
    assert_eq!(store.get_refresh_token_and_user("h-none").await.unwrap(), None);
    let (token, owner) = store.get_refresh_token_and_user("h-full").await.unwrap().unwrap();
    assert_eq!((token, owner), (full.clone(), user(P, "alice")));
    assert!(is_duplicate(
        store
            .insert_refresh_token(&refresh(P, "alice", "h-full", "origin-9"))
            .await,
        "refresh_token"
    ));
    assert_eq!(store.get_refresh_token("h-full").await.unwrap(), Some(full));
    assert!(is_conflict(
        store
            .insert_refresh_token(&refresh(P, "nobody", "h-orphan", "origin-3"))
            .await
    ));
    assert_eq!(store.get_refresh_token("h-orphan").await.unwrap(), None);
}

pub async fn replaced_tokens_keep_their_first_instant(db: TestDb) {
    let store = with_users(&db, &[P], &["alice"]).await;
    let t = refresh(P, "alice", "h-rotating", "origin-1");
    store.insert_refresh_token(&t).await.unwrap();
    let first = Timestamp::from_millis(1_800_000_000_000);
    store
        .mark_refresh_token_replaced("h-rotating", first)
        .await
        .unwrap();
    // A retry within the grace period replaces it again: the first instant stands.
    store
        .mark_refresh_token_replaced("h-rotating", first.plus_seconds(30))
        .await
        .unwrap();
    let expected = RefreshTokenRecord {
        replaced: Some(first),
        ..t.clone()
    };
    assert_eq!(
        store.get_refresh_token("h-rotating").await.unwrap(),
        Some(expected.clone())
    );
    let (read, _) = store
        .get_refresh_token_and_user("h-rotating")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read, expected);
    // Unknown handles are nothing to mark.
    store.mark_refresh_token_replaced("h-none", first).await.unwrap();
    assert_eq!(store.get_refresh_token("h-none").await.unwrap(), None);
}

pub async fn revoke_origin_revokes_one_sign_in(db: TestDb) {
    let store = with_users(&db, &[P], &["alice"]).await;
    // Two tokens of one sign-in (a rotated refresh token keeps its origin) and one of another sign-in.
    for (h, origin) in [("h1", "o1"), ("h2", "o1"), ("h3", "o2")] {
        store
            .insert_refresh_token(&refresh(P, "alice", h, origin))
            .await
            .unwrap();
    }
    assert!(!store.is_origin_revoked("o1").await.unwrap());
    assert_eq!(store.revoke_origin("o1").await.unwrap(), 2);
    for (h, origin, revoked) in [("h1", "o1", true), ("h2", "o1", true), ("h3", "o2", false)] {
        let mut expected = refresh(P, "alice", h, origin);
        expected.revoked = revoked;
        assert_eq!(store.get_refresh_token(h).await.unwrap(), Some(expected), "{h}");
    }
    assert!(store.is_origin_revoked("o1").await.unwrap());
    assert!(!store.is_origin_revoked("o2").await.unwrap());
    assert!(!store.is_origin_revoked("unknown").await.unwrap());
    // The access-token check's combined read agrees, and knows missing users.
    for (origin, revoked) in [("o1", true), ("o2", false), ("", false)] {
        let (u, r) = store
            .get_user_and_origin_revoked(P, "alice", origin)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((u, r), (user(P, "alice"), revoked), "{origin}");
    }
    assert_eq!(
        store
            .get_user_and_origin_revoked(P, "nobody", "o1")
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.revoke_origin("o1").await.unwrap(), 0, "already revoked");
    assert_eq!(store.revoke_origin("unknown").await.unwrap(), 0);
    assert!(store.is_origin_revoked("o1").await.unwrap());
}

pub async fn revoke_user_tokens_is_per_user(db: TestDb) {
    let other = "eu-west-1_Tokens";
    let store = with_users(&db, &[P, other], &["alice", "bob"]).await;
    for (p, u, h, o) in [
        (P, "alice", "a1", "oa1"),
        (P, "alice", "a2", "oa2"),
        (P, "bob", "b1", "ob1"),
        (other, "alice", "x1", "ox1"),
    ] {
        store.insert_refresh_token(&refresh(p, u, h, o)).await.unwrap();
    }
    store.revoke_origin("oa2").await.unwrap();
    assert_eq!(
        store.revoke_user_tokens(P, "alice").await.unwrap(),
        1,
        "a2 was revoked already"
    );
    for (h, revoked) in [("a1", true), ("a2", true), ("b1", false), ("x1", false)] {
        assert_eq!(
            store.get_refresh_token(h).await.unwrap().unwrap().revoked,
            revoked,
            "{h}"
        );
    }
    assert!(store.is_origin_revoked("oa1").await.unwrap());
    assert!(!store.is_origin_revoked("ox1").await.unwrap());
    assert_eq!(store.revoke_user_tokens(P, "alice").await.unwrap(), 0);
    assert_eq!(store.revoke_user_tokens(P, "nobody").await.unwrap(), 0);
}

fn kids(keys: &[SigningKeyRecord]) -> Vec<&str> {
    keys.iter().map(|k| k.kid.as_str()).collect()
}

fn retired(mut key: SigningKeyRecord, at: i64) -> SigningKeyRecord {
    key.retired = Some(Timestamp::from_millis(at));
    key
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

pub async fn signing_keys_rotate(db: TestDb) {
    let store = with_users(&db, &[P], &[]).await;
    assert_eq!(store.list_signing_keys(P).await.unwrap(), vec![]);
    let first = rotate_in_first_keys(&*store).await;
    let listed = store.list_signing_keys(P).await.unwrap();
    assert_eq!(
        kids(&listed),
        ["id-1", "access-1"],
        "same instant: by kid, descending"
    );
    assert!(listed.iter().all(|k| k.retired.is_none()));

    let second = [
        signing_key(P, "id-2", "id", 2_000),
        signing_key(P, "access-2", "access", 2_000),
    ];
    // The expected set is compared as a set.
    let seen = strings(&["access-1", "id-1"]);
    store
        .rotate_signing_keys(P, &seen, &second, Timestamp::from_millis(2_500))
        .await
        .unwrap();
    let listed = store.list_signing_keys(P).await.unwrap();
    let [id1, access1] = first;
    let [id2, access2] = second;
    assert_eq!(
        listed,
        [id2, access2, retired(id1, 2_500), retired(access1, 2_500)]
    );

    // A retired key stays retired at its first instant through later rotations.
    let third = [signing_key(P, "id-3", "id", 3_000)];
    store
        .rotate_signing_keys(
            P,
            &strings(&["id-2", "access-2"]),
            &third,
            Timestamp::from_millis(3_000),
        )
        .await
        .unwrap();
    let listed = store.list_signing_keys(P).await.unwrap();
    assert_eq!(kids(&listed), ["id-3", "id-2", "access-2", "id-1", "access-1"]);
    let retired_at: Vec<_> = listed.iter().map(|k| k.retired.map(Timestamp::millis)).collect();
    assert_eq!(
        retired_at,
        [None, Some(3_000), Some(3_000), Some(2_500), Some(2_500)]
    );
}

pub async fn stale_rotation_is_conflict(db: TestDb) {
    let store = with_users(&db, &[P, "us-east-1_Else"], &[]).await;
    rotate_in_first_keys(&*store).await;
    let before = store.list_signing_keys(P).await.unwrap();

    let next = [signing_key(P, "id-2", "id", 2_000)];
    let at = Timestamp::from_millis(2_000);
    for stale in [
        vec![],
        strings(&["id-1"]),
        strings(&["id-1", "access-1", "id-0"]),
        strings(&["id-0"]),
    ] {
        let result = store.rotate_signing_keys(P, &stale, &next, at).await;
        assert!(is_conflict(result), "{stale:?}");
    }
    // A duplicate kid fails the whole rotation: the old keys stay active.
    let dup = [
        signing_key(P, "id-9", "id", 2_000),
        signing_key(P, "id-1", "id", 2_000),
    ];
    let active = strings(&["id-1", "access-1"]);
    assert!(is_duplicate(
        store.rotate_signing_keys(P, &active, &dup, at).await,
        "kid"
    ));
    // Keys of another pool are refused rather than filed under this one.
    let foreign = [signing_key("us-east-1_Else", "id-2", "id", 2_000)];
    assert!(is_conflict(
        store.rotate_signing_keys(P, &active, &foreign, at).await
    ));
    assert_eq!(store.list_signing_keys(P).await.unwrap(), before);
    assert_eq!(store.list_signing_keys("us-east-1_Else").await.unwrap(), vec![]);

    let gone = [signing_key("us-east-1_Gone", "id-1", "id", 1_000)];
    let result = store.rotate_signing_keys("us-east-1_Gone", &[], &gone, at).await;
    assert!(matches!(result, Err(StoreError::Conflict(_))));
    assert_eq!(store.list_signing_keys("us-east-1_Gone").await.unwrap(), vec![]);
}

pub async fn concurrent_rotations_one_wins(db: TestDb) {
    let store = with_users(&db, &[P], &[]).await;
    // Round 0 creates the pool's first keys (nothing active to compare), later rounds rotate them: either
    // way exactly one of the racing nodes wins. Several rounds make a missing lock show up reliably.
    for round in 0..10_i64 {
        let keys = store.list_signing_keys(P).await.unwrap();
        let active: Vec<String> = keys
            .iter()
            .filter(|k| k.retired.is_none())
            .map(|k| k.kid.clone())
            .collect();
        let tasks: Vec<_> = (0..8_i64)
            .map(|i| {
                let (store, active) = (store.clone(), active.clone());
                tokio::spawn(async move {
                    let created = 1_000 * (round + 1);
                    let new = [signing_key(P, &format!("r{round}-k{i}"), "id", created)];
                    let at = Timestamp::from_millis(created);
                    store.rotate_signing_keys(P, &active, &new, at).await
                })
            })
            .collect();
        let wins = count_wins(tasks).await;
        assert_eq!(wins, 1, "round {round}");
        let keys = store.list_signing_keys(P).await.unwrap();
        let active = keys.iter().filter(|k| k.retired.is_none()).count();
        assert_eq!(active, 1, "round {round}: only the winner's key is active");
        assert_eq!(keys.len(), usize::try_from(round + 1).unwrap());
    }
}

/// The pool's first ID and access keys ("id-1", "access-1", created at 1 s), rotated in over no keys.
async fn rotate_in_first_keys(store: &dyn Store) -> [SigningKeyRecord; 2] {
    let first = [
        signing_key(P, "id-1", "id", 1_000),
        signing_key(P, "access-1", "access", 1_000),
    ];
    store
        .rotate_signing_keys(P, &[], &first, Timestamp::from_millis(1_000))
        .await
        .unwrap();
    first
}
