//! Users and their lookup and search indexes.

use latchkey_core::store::{NewUserRows, Store, UserFilter};
use latchkey_core::users::User;

use super::{is_conflict, is_duplicate};
use crate::fixtures::{entry, lookups, pool, search, user};
use crate::harness::TestDb;

pub(super) const P: &str = "us-east-1_Users";

pub(super) async fn add(store: &dyn Store, user: &User) {
    store
        .insert_user(user, &lookups(user), &search(user))
        .await
        .unwrap();
}

pub(super) fn filter(attribute: &str, value: &str, prefix: bool) -> UserFilter {
    UserFilter {
        attribute: attribute.into(),
        value: value.into(),
        prefix,
    }
}

pub async fn user_round_trips(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool(P)).await.unwrap();
    store.insert_pool(&pool("us-east-1_Other")).await.unwrap();
    let alice = user(P, "Alice");
    add(&*store, &alice).await;

    let back = store
        .get_user(P, "Alice")
        .await
        .unwrap()
        .expect("inserted user is found");
    assert_eq!(back, alice);
    assert_eq!(back.version, 1);
    assert_eq!(
        store.get_user(P, "alice").await.unwrap(),
        None,
        "usernames are exact"
    );
    assert_eq!(store.get_user("us-east-1_Other", "Alice").await.unwrap(), None);

    for (kind, key) in [("username", "alice"), ("email", "alice@example.com")] {
        assert_eq!(
            store.find_user(P, kind, key).await.unwrap(),
            Some(alice.clone()),
            "{kind}"
        );
    }
    // Search entries are not lookups, and lookups belong to one pool.
    assert_eq!(
        store.find_user(P, "given_name", "Given Alice — ✓").await.unwrap(),
        None
    );
    assert_eq!(
        store.find_user(P, "email", "bob@example.com").await.unwrap(),
        None
    );
    assert_eq!(
        store
            .find_user("us-east-1_Other", "username", "alice")
            .await
            .unwrap(),
        None
    );

    assert_eq!(store.count_users(P).await.unwrap(), 1);
    assert_eq!(store.count_users("us-east-1_Other").await.unwrap(), 0);
}

pub async fn duplicate_username_is_duplicate(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool(P)).await.unwrap();
    add(&*store, &user(P, "alice")).await;
    let mut again = user(P, "alice");
    again
        .attributes
        .insert("email".into(), "other@example.com".into());
    assert!(is_duplicate(
        store.insert_user(&again, &lookups(&again), &search(&again)).await,
        "username"
    ));
    assert_eq!(store.get_user(P, "alice").await.unwrap(), Some(user(P, "alice")));
    assert_eq!(
        store.find_user(P, "email", "other@example.com").await.unwrap(),
        None
    );
}

pub async fn duplicate_lookup_names_the_kind(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool(P)).await.unwrap();
    store.insert_pool(&pool("us-east-1_Other")).await.unwrap();
    let alice = user(P, "alice");
    let phone = entry("phone_number", "+15550100");
    let mut alice_lookups = lookups(&alice);
    alice_lookups.push(phone.clone());
    store
        .insert_user(&alice, &alice_lookups, &search(&alice))
        .await
        .unwrap();

    let mut bob = user(P, "bob");
    bob.attributes.insert("email".into(), "alice@example.com".into());
    assert!(is_duplicate(
        store.insert_user(&bob, &lookups(&bob), &search(&bob)).await,
        "email"
    ));
    let carol = user(P, "carol");
    let mut carol_lookups = lookups(&carol);
    carol_lookups.push(phone.clone());
    assert!(is_duplicate(
        store.insert_user(&carol, &carol_lookups, &search(&carol)).await,
        "phone_number"
    ));
    // Nothing of a refused user remains: not its row, nor the lookups inserted before the clash.
    assert_eq!(store.count_users(P).await.unwrap(), 1);
    for (kind, key) in [
        ("username", "bob"),
        ("username", "carol"),
        ("email", "carol@example.com"),
    ] {
        assert_eq!(store.find_user(P, kind, key).await.unwrap(), None, "{kind} {key}");
    }
    assert_eq!(
        store.find_user(P, "email", "alice@example.com").await.unwrap(),
        Some(alice)
    );

    // Keys are unique per pool and kind only; a user may also list one entry twice.
    add(&*store, &bob_in("us-east-1_Other")).await;
    let dave = user(P, "dave");
    let same_key_other_kind = entry("preferred_username", "alice@example.com");
    let dave_lookups = [
        entry("username", "dave"),
        entry("username", "dave"),
        same_key_other_kind,
    ];
    store
        .insert_user(&dave, &dave_lookups, &search(&dave))
        .await
        .unwrap();
    assert_eq!(
        store
            .find_user(P, "preferred_username", "alice@example.com")
            .await
            .unwrap(),
        Some(dave)
    );
}

fn bob_in(pool_id: &str) -> User {
    let mut bob = user(pool_id, "bob");
    bob.attributes.insert("email".into(), "alice@example.com".into());
    bob
}

pub async fn user_of_missing_pool_is_conflict(db: TestDb) {
    let store = db.open().await;
    let orphan = user("us-east-1_Gone", "orphan");
    assert!(is_conflict(
        store
            .insert_user(&orphan, &lookups(&orphan), &search(&orphan))
            .await
    ));
    assert_eq!(store.get_user("us-east-1_Gone", "orphan").await.unwrap(), None);
}

pub async fn update_user_checks_version(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool(P)).await.unwrap();
    add(&*store, &user(P, "alice")).await;
    let stale = store.get_user(P, "alice").await.unwrap().unwrap();

    let mut fresh = stale.clone();
    fresh.status = "RESET_REQUIRED".into();
    fresh.version += 1;
    store
        .update_user(&fresh, &lookups(&fresh), &search(&fresh))
        .await
        .unwrap();
    assert_eq!(store.get_user(P, "alice").await.unwrap(), Some(fresh.clone()));

    let mut late = stale;
    late.enabled = false;
    late.attributes.insert("email".into(), "late@example.com".into());
    late.version += 1;
    assert!(is_conflict(
        store.update_user(&late, &lookups(&late), &search(&late)).await
    ));
    let mut skipping = fresh.clone();
    skipping.version += 2;
    assert!(is_conflict(
        store.update_user(&skipping, &lookups(&skipping), &[]).await
    ));
    let mut ghost = user(P, "ghost");
    ghost.version = 2;
    assert!(is_conflict(
        store.update_user(&ghost, &lookups(&ghost), &[]).await
    ));

    // A refused update leaves the index alone too.
    assert_eq!(store.get_user(P, "alice").await.unwrap(), Some(fresh.clone()));
    assert_eq!(
        store.find_user(P, "email", "late@example.com").await.unwrap(),
        None
    );
    assert_eq!(
        store.find_user(P, "email", "alice@example.com").await.unwrap(),
        Some(fresh)
    );
    assert_eq!(store.get_user(P, "ghost").await.unwrap(), None);
}

pub async fn update_user_replaces_index_rows(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool(P)).await.unwrap();
    let mut alice = user(P, "alice");
    add(&*store, &alice).await;
    add(&*store, &user(P, "bob")).await;

    alice.attributes.insert("email".into(), "new@example.com".into());
    alice.attributes.insert("given_name".into(), "Alicia".into());
    alice.version += 1;
    store
        .update_user(&alice, &lookups(&alice), &search(&alice))
        .await
        .unwrap();
    assert_eq!(
        store.find_user(P, "email", "alice@example.com").await.unwrap(),
        None
    );
    assert_eq!(
        store.find_user(P, "email", "new@example.com").await.unwrap(),
        Some(alice.clone())
    );
    assert_eq!(
        store.find_user(P, "username", "alice").await.unwrap(),
        Some(alice.clone()),
        "kept keys stay"
    );
    let by = |value: &str| filter("given_name", value, false);
    let listed = store
        .list_users(P, Some(&by("Given alice — ✓")), None, 10)
        .await
        .unwrap();
    assert_eq!(listed.items, vec![]);
    let listed = store.list_users(P, Some(&by("Alicia")), None, 10).await.unwrap();
    assert_eq!(listed.items, vec![alice.clone()]);

    // A key given up is free for another user at once.
    let mut bob = store.get_user(P, "bob").await.unwrap().unwrap();
    bob.attributes.insert("email".into(), "alice@example.com".into());
    bob.version += 1;
    store
        .update_user(&bob, &lookups(&bob), &search(&bob))
        .await
        .unwrap();
    assert_eq!(
        store.find_user(P, "email", "alice@example.com").await.unwrap(),
        Some(bob)
    );
}

pub async fn update_user_clash_changes_nothing(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool(P)).await.unwrap();
    add(&*store, &user(P, "alice")).await;
    let bob = user(P, "bob");
    add(&*store, &bob).await;

    let mut taking = bob.clone();
    taking
        .attributes
        .insert("email".into(), "alice@example.com".into());
    taking.attributes.insert("given_name".into(), "Robert".into());
    taking.version += 1;
    let result = store
        .update_user(&taking, &lookups(&taking), &search(&taking))
        .await;
    assert!(is_duplicate(result, "email"));
    assert_eq!(store.get_user(P, "bob").await.unwrap(), Some(bob.clone()));
    assert_eq!(
        store.find_user(P, "email", "bob@example.com").await.unwrap(),
        Some(bob.clone())
    );
    assert_eq!(
        store
            .find_user(P, "email", "alice@example.com")
            .await
            .unwrap()
            .unwrap()
            .username,
        "alice"
    );
    let robert = filter("given_name", "Robert", false);
    assert_eq!(
        store.list_users(P, Some(&robert), None, 10).await.unwrap().items,
        vec![]
    );
    let old = filter("given_name", "Given bob — ✓", false);
    assert_eq!(
        store.list_users(P, Some(&old), None, 10).await.unwrap().items,
        vec![bob.clone()]
    );

    // The version did not move, so the caller's corrected retry applies.
    taking
        .attributes
        .insert("email".into(), "robert@example.com".into());
    store
        .update_user(&taking, &lookups(&taking), &search(&taking))
        .await
        .unwrap();
    assert_eq!(
        store.find_user(P, "email", "robert@example.com").await.unwrap(),
        Some(taking)
    );
}

pub async fn insert_users_is_all_or_nothing(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool(P)).await.unwrap();
    let rows = |names: &[&str]| -> Vec<NewUserRows> {
        names
            .iter()
            .map(|n| {
                let u = user(P, n);
                let l = lookups(&u);
                (u, l, vec![entry("email", &format!("{n}@bulk.example"))])
            })
            .collect()
    };
    store.insert_users(&rows(&["b1", "b2", "b3"])).await.unwrap();
    assert_eq!(store.count_users(P).await.unwrap(), 3);
    assert_eq!(store.get_user(P, "b2").await.unwrap(), Some(user(P, "b2")));
    let listed = store
        .list_users(P, Some(&filter("email", "b", true)), None, 10)
        .await
        .unwrap();
    assert_eq!(super::ids(&listed, |u| &u.username), ["b1", "b2", "b3"]);

    // One taken username fails the whole batch, and nothing of it stays.
    assert!(is_duplicate(
        store.insert_users(&rows(&["b4", "b2", "b5"])).await,
        "username"
    ));
    assert_eq!(store.count_users(P).await.unwrap(), 3);
    assert_eq!(store.get_user(P, "b4").await.unwrap(), None);
    assert_eq!(store.find_user(P, "username", "b4").await.unwrap(), None);
}
