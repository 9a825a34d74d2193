//! Groups and group membership.

use super::{ids, is_conflict, is_duplicate, pages};
use crate::fixtures::{group, lookups, pool, search, user};
use crate::harness::TestDb;

const P: &str = "us-east-1_Groups";

pub async fn group_round_trips_and_updates(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool(P)).await.unwrap();
    store.insert_pool(&pool("us-east-1_Other")).await.unwrap();
    let admins = group(P, "admins");
    store.insert_group(&admins).await.unwrap();
    assert_eq!(store.get_group(P, "admins").await.unwrap(), Some(admins.clone()));
    assert_eq!(
        store.get_group(P, "Admins").await.unwrap(),
        None,
        "names are exact"
    );
    assert_eq!(store.get_group("us-east-1_Other", "admins").await.unwrap(), None);

    let mut bare = group(P, "bare");
    (bare.description, bare.role_arn, bare.precedence) = (None, None, None);
    store.insert_group(&bare).await.unwrap();
    assert_eq!(store.get_group(P, "bare").await.unwrap(), Some(bare));

    let mut again = group(P, "admins");
    again.description = Some("second".into());
    assert!(is_duplicate(store.insert_group(&again).await, "group"));
    store
        .insert_group(&group("us-east-1_Other", "admins"))
        .await
        .unwrap();
    assert!(is_conflict(
        store.insert_group(&group("us-east-1_Gone", "admins")).await
    ));

    let mut fresh = admins.clone();
    fresh.precedence = Some(1);
    fresh.version += 1;
    store.update_group(&fresh).await.unwrap();
    assert_eq!(store.get_group(P, "admins").await.unwrap(), Some(fresh.clone()));
    let mut stale = admins;
    stale.version += 1;
    assert!(is_conflict(store.update_group(&stale).await));
    let mut skipping = fresh.clone();
    skipping.version += 2;
    assert!(is_conflict(store.update_group(&skipping).await));
    let mut ghost = group(P, "ghost");
    ghost.version = 2;
    assert!(is_conflict(store.update_group(&ghost).await));
    assert_eq!(store.get_group(P, "admins").await.unwrap(), Some(fresh));
    assert_eq!(store.get_group(P, "ghost").await.unwrap(), None);
}

pub async fn list_groups_paginates_by_name(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool(P)).await.unwrap();
    store.insert_pool(&pool("us-east-1_Other")).await.unwrap();
    // Byte order: upper case before lower case.
    let mut expected = vec!["beta", "Alpha", "alpha", "Zulu", "_admin"];
    for name in &expected {
        store.insert_group(&group(P, name)).await.unwrap();
    }
    store
        .insert_group(&group("us-east-1_Other", "aardvark"))
        .await
        .unwrap();
    expected.sort();
    let got = pages(
        |after| {
            let store = store.clone();
            async move { store.list_groups(P, after.as_deref(), 2).await }
        },
        |g| &g.group_name,
    )
    .await;
    assert_eq!(got, [&expected[..2], &expected[2..4], &expected[4..]]);
    let last = store.list_groups(P, Some("alpha"), 10).await.unwrap();
    assert_eq!(last.items, vec![group(P, "beta")]);
    assert_eq!(last.next, None);
}

pub async fn memberships(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool(P)).await.unwrap();
    for name in ["carol", "alice", "bob"] {
        let u = user(P, name);
        store.insert_user(&u, &lookups(&u), &search(&u)).await.unwrap();
    }
    for name in ["g2", "g1", "g3"] {
        store.insert_group(&group(P, name)).await.unwrap();
    }
    for (g, u) in [
        ("g1", "carol"),
        ("g1", "alice"),
        ("g2", "alice"),
        ("g1", "bob"),
        ("g1", "alice"),
    ] {
        store.add_user_to_group(P, g, u).await.unwrap();
    }

    let of_alice = store.list_groups_for_user(P, "alice", None, 10).await.unwrap();
    assert_eq!(
        of_alice.items,
        vec![group(P, "g1"), group(P, "g2")],
        "whole groups, once each"
    );
    assert_eq!(of_alice.next, None);
    let first = store.list_groups_for_user(P, "alice", None, 1).await.unwrap();
    assert_eq!(
        (ids(&first, |g| &g.group_name), first.next.as_deref()),
        (vec!["g1".into()], Some("g1"))
    );
    let rest = store
        .list_groups_for_user(P, "alice", Some("g1"), 1)
        .await
        .unwrap();
    assert_eq!(
        (ids(&rest, |g| &g.group_name), rest.next),
        (vec!["g2".into()], None)
    );

    let members = pages(
        |after| {
            let store = store.clone();
            async move { store.list_users_in_group(P, "g1", after.as_deref(), 2).await }
        },
        |u| &u.username,
    )
    .await;
    assert_eq!(members, [vec!["alice", "bob"], vec!["carol"]]);
    let g2 = store.list_users_in_group(P, "g2", None, 10).await.unwrap();
    assert_eq!(g2.items, vec![user(P, "alice")], "whole users");
    assert_eq!(
        store.list_users_in_group(P, "g3", None, 10).await.unwrap().items,
        vec![]
    );

    assert!(store.remove_user_from_group(P, "g1", "bob").await.unwrap());
    assert!(!store.remove_user_from_group(P, "g1", "bob").await.unwrap());
    assert!(!store.remove_user_from_group(P, "g3", "alice").await.unwrap());
    let g1 = store.list_users_in_group(P, "g1", None, 10).await.unwrap();
    assert_eq!(ids(&g1, |u| &u.username), ["alice", "carol"]);
    assert_eq!(
        store
            .list_groups_for_user(P, "bob", None, 10)
            .await
            .unwrap()
            .items,
        vec![]
    );

    assert!(is_conflict(store.add_user_to_group(P, "nogroup", "alice").await));
    assert!(is_conflict(store.add_user_to_group(P, "g1", "nobody").await));
    assert!(is_conflict(
        store.add_user_to_group("us-east-1_Other", "g1", "alice").await
    ));
    assert_eq!(
        store
            .list_groups_for_user(P, "nobody", None, 10)
            .await
            .unwrap()
            .items,
        vec![]
    );
}

pub async fn delete_group_removes_memberships(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool(P)).await.unwrap();
    let alice = user(P, "alice");
    store
        .insert_user(&alice, &lookups(&alice), &search(&alice))
        .await
        .unwrap();
    for name in ["g1", "g2"] {
        store.insert_group(&group(P, name)).await.unwrap();
        store.add_user_to_group(P, name, "alice").await.unwrap();
    }
    assert!(store.delete_group(P, "g1").await.unwrap());
    assert!(!store.delete_group(P, "g1").await.unwrap());
    assert_eq!(store.get_group(P, "g1").await.unwrap(), None);
    let left = store.list_groups_for_user(P, "alice", None, 10).await.unwrap();
    assert_eq!(ids(&left, |g| &g.group_name), ["g2"]);
    assert_eq!(
        store.get_user(P, "alice").await.unwrap(),
        Some(alice),
        "members stay"
    );

    // A group recreated under the name starts empty.
    store.insert_group(&group(P, "g1")).await.unwrap();
    assert_eq!(
        store.list_users_in_group(P, "g1", None, 10).await.unwrap().items,
        vec![]
    );
}
