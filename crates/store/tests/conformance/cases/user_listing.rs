//! ListUsers: pagination by username, `=` and prefix filters over search entries.

use latchkey_core::store::{search_position, Store, UserFilter};

use super::users::{add, filter, P};
use super::{ids, names, pages};
use crate::fixtures::{entry, lookups, pool, user};
use crate::harness::TestDb;

pub async fn list_users_paginates(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool(P)).await.unwrap();
    store.insert_pool(&pool("us-east-1_Other")).await.unwrap();
    let expected = names(25, |i| format!("user{i:02}"));
    // Inserted in a scrambled order (7 is coprime to 25), beside another pool's users.
    for i in 0..25 {
        add(&*store, &user(P, &expected[(i * 7) % 25])).await;
    }
    add(&*store, &user("us-east-1_Other", "user05x")).await;
    assert_eq!(store.count_users(P).await.unwrap(), 25);

    let got = pages(
        |after| {
            let store = store.clone();
            async move { store.list_users(P, None, after.as_deref(), 10).await }
        },
        |u| &u.username,
    )
    .await;
    assert_eq!(got, [&expected[..10], &expected[10..20], &expected[20..]]);
    let one = store.list_users(P, None, Some("user23"), 10).await.unwrap();
    assert_eq!(
        one.items,
        vec![user(P, "user24")],
        "listed users are whole, with their version"
    );
    assert_eq!(one.next, None);
}

/// 25 users whose email starts with "ann" for every third, and whose status alternates.
async fn filter_population(store: &dyn Store) {
    for i in 0..25 {
        let mut u = user(P, &format!("u{i:02}"));
        let email = if i % 3 == 0 {
            format!("ann{i}@example.com")
        } else {
            format!("bob{i}@corp.example")
        };
        u.attributes.insert("email".into(), email);
        if i % 2 == 1 {
            u.status = "UNCONFIRMED".into();
        }
        add(store, &u).await;
    }
}

pub async fn list_users_filters_and_paginates(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool(P)).await.unwrap();
    store.insert_pool(&pool("us-east-1_Other")).await.unwrap();
    filter_population(&*store).await;
    let mut stranger = user("us-east-1_Other", "u99");
    stranger
        .attributes
        .insert("email".into(), "ann99@example.com".into());
    add(&*store, &stranger).await;

    let list = |f: UserFilter, limit| {
        let store = store.clone();
        move |after: Option<String>| {
            let (store, f) = (store.clone(), f.clone());
            async move { store.list_users(P, Some(&f), after.as_deref(), limit).await }
        }
    };
    // Prefix matches come in key order: ann0@, ann12@, ann15@, ..., ann3@, ann6@, ann9@.
    let email_order = |mut users: Vec<String>| {
        let email = |u: &String| {
            let i: u32 = u[1..].parse().unwrap();
            let host = if i.is_multiple_of(3) { "ann" } else { "bob" };
            format!("{host}{i}@")
        };
        users.sort_by_key(email);
        users
    };
    let anns = email_order(names(9, |k| format!("u{:02}", k * 3)));
    let got = pages(list(filter("email", "ann", true), 4), |u| &u.username).await;
    assert_eq!(got, [&anns[..4], &anns[4..8], &anns[8..]]);
    let unconfirmed = names(12, |k| format!("u{:02}", k * 2 + 1));
    let got = pages(
        list(filter("cognito:user_status", "UNCONFIRMED", false), 5),
        |u| &u.username,
    )
    .await;
    assert_eq!(got, [&unconfirmed[..5], &unconfirmed[5..10], &unconfirmed[10..]]);

    let exact = store
        .list_users(P, Some(&filter("email", "ann12@example.com", false)), None, 10)
        .await
        .unwrap();
    assert_eq!(ids(&exact, |u| &u.username), ["u12"]);
    assert_eq!(exact.items[0].attribute("email"), Some("ann12@example.com"));
    // `=` is not a prefix match, and a prefix does not cross into other kinds.
    let partial = store
        .list_users(P, Some(&filter("email", "ann12", false)), None, 10)
        .await
        .unwrap();
    assert_eq!(partial.items, vec![]);
    let other_kind = store
        .list_users(P, Some(&filter("given_name", "ann", true)), None, 10)
        .await
        .unwrap();
    assert_eq!(other_kind.items, vec![]);
    // The empty prefix matches every user with an entry of that kind.
    let all = pages(list(filter("email", "", true), 10), |u| &u.username).await;
    assert_eq!(all.concat(), email_order(names(25, |i| format!("u{i:02}"))));
}

pub async fn list_users_prefix_is_literal_and_byte_ordered(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool(P)).await.unwrap();
    let keys = [
        ("a1", vec!["50%_off@shop.example"]),
        ("a2", vec!["50x@shop.example"]),
        ("a3", vec!["Zoë"]),
        ("a4", vec!["Zoe"]),
        ("a5", vec!["ab\u{10FFFF}z"]),
        ("a6", vec!["ac"]),
        ("a7", vec!["annex"]),
        ("a8", vec!["ann.alias@example.com"]),
    ];
    for (name, entries) in &keys {
        let u = user(P, name);
        let search: Vec<_> = entries.iter().map(|k| entry("nickname", k)).collect();
        store.insert_user(&u, &lookups(&u), &search).await.unwrap();
    }
    let matching = |prefix: &'static str| {
        let store = store.clone();
        async move {
            let page = store
                .list_users(P, Some(&filter("nickname", prefix, true)), None, 50)
                .await
                .unwrap();
            assert_eq!(page.next, None);
            ids(&page, |u| &u.username)
        }
    };
    // LIKE's wildcards are plain characters here.
    assert_eq!(matching("50%").await, ["a1"]);
    assert_eq!(matching("50_").await, Vec::<String>::new());
    assert_eq!(matching("50").await, ["a1", "a2"]);
    // Prefix matches come in key order ('.' < 'e'; "Zoe" < "Zoë"), not username order.
    assert_eq!(matching("ann").await, ["a8", "a7"]);
    assert_eq!(matching("Zo").await, ["a4", "a3"]);
    assert_eq!(matching("Zoë").await, ["a3"]);
    assert_eq!(
        matching("zo").await,
        Vec::<String>::new(),
        "keys are compared exactly"
    );
    // The last code point right after the prefix is still inside the range, and the next key is not.
    assert_eq!(matching("ab").await, ["a5"]);
    assert_eq!(matching("ab\u{10FFFF}").await, ["a5"]);
    assert_eq!(matching("a").await, ["a5", "a6", "a8", "a7"]);
}

pub async fn list_users_prefix_pages_through_equal_keys(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool(P)).await.unwrap();
    // Seven users share the key "Sam", around them "Sa" and "Samuel"; "Sb" is outside the prefix.
    let mut expected = vec![];
    for (name, key) in [("z0", "Sa"), ("m9", "Samuel"), ("x", "Sb")]
        .into_iter()
        .chain((0..7).map(|i| (["k3", "k1", "k6", "k0", "k5", "k2", "k4"][i], "Sam")))
    {
        let u = user(P, name);
        store
            .insert_user(&u, &lookups(&u), &[entry("given_name", key)])
            .await
            .unwrap();
    }
    expected.extend(["k0", "k1", "k2", "k3", "k4", "k5", "k6", "m9"].map(String::from));
    let f = filter("given_name", "Sam", true);
    let list = |after: Option<String>| {
        let (store, f) = (store.clone(), f.clone());
        async move { store.list_users(P, Some(&f), after.as_deref(), 3).await }
    };
    let got = pages(list, |u| &u.username).await;
    assert_eq!(got, [&expected[..3], &expected[3..6], &expected[6..]]);
    // A cursor that is not a position, or one before the prefix, starts again rather than widening the range.
    for cursor in ["k2", &search_position("Sa", "z0"), &search_position("", "")] {
        let page = store.list_users(P, Some(&f), Some(cursor), 3).await.unwrap();
        assert_eq!(ids(&page, |u| &u.username), &expected[..3], "{cursor}");
    }
    // A cursor past the range ends it.
    let past = store
        .list_users(P, Some(&f), Some(&search_position("Sb", "")), 3)
        .await
        .unwrap();
    assert_eq!((past.items, past.next), (vec![], None));
}
