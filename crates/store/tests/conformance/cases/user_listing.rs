//! ListUsers: pagination by username, `=` and prefix filters over search entries.

use latchkey_core::store::{Store, UserFilter};

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
    let anns = names(9, |k| format!("u{:02}", k * 3));
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
    assert_eq!(all.concat(), names(25, |i| format!("u{i:02}")));
}

pub async fn list_users_prefix_is_literal_and_byte_ordered(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool(P)).await.unwrap();
    let keys = [
        ("a1", vec!["50%_off@shop.example"]),
        (
            "a2",
            vec![
                "50x@shop.example",
                "ann.alias@example.com",
                "ann.other@example.com",
            ],
        ),
        ("a3", vec!["Zoë"]),
        ("a4", vec!["Zoe"]),
        ("a5", vec!["ab\u{10FFFF}z"]),
        ("a6", vec!["ac"]),
        ("a7", vec!["annex"]),
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
    // A user with several matching entries is listed once.
    assert_eq!(matching("ann").await, ["a2", "a7"]);
    assert_eq!(matching("Zo").await, ["a3", "a4"]);
    assert_eq!(matching("Zoë").await, ["a3"]);
    assert_eq!(
        matching("zo").await,
        Vec::<String>::new(),
        "keys are compared exactly"
    );
    // The last code point right after the prefix is still inside the range, and the next key is not.
    assert_eq!(matching("ab").await, ["a5"]);
    assert_eq!(matching("ab\u{10FFFF}").await, ["a5"]);
    assert_eq!(matching("a").await, ["a2", "a5", "a6", "a7"]);
}
