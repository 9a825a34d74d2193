//! The logins of identities: a login belongs to at most one identity of a pool whatever the races, linking is
//! all-or-nothing, a merge moves one provider's logins, and deleting identities frees their logins.

use latchkey_core::store::StoreError;

use super::identities::{at, cognito_provider, id, identity, login, logins_of, two_pools, GOOGLE, REGION};
use super::{is_conflict, is_duplicate};
use crate::harness::TestDb;

pub async fn concurrent_identities_for_one_login_one_wins(db: TestDb) {
    let (store, a, _) = two_pools(db).await;
    for round in 0..8 {
        let shared = login(&cognito_provider(), &format!("sub-{round}"));
        let tasks: Vec<_> = [0, 1]
            .into_iter()
            .map(|k| {
                // Each contender also brings a login of its own, which must not survive a loss.
                let own = login(GOOGLE, &format!("{round}-{k}"));
                let contender = identity(&a, 10 * round + k, &[shared.clone(), own]);
                let store = store.clone();
                tokio::spawn(async move { (store.insert_identity(&contender).await, contender) })
            })
            .collect();
        let mut winners = Vec::new();
        for task in tasks {
            match task.await.unwrap() {
                (Ok(()), contender) => winners.push(contender),
                (Err(StoreError::Duplicate { kind }), contender) if kind == "login" => {
                    assert_eq!(store.get_identity(&contender.id).await.unwrap(), None);
                    assert_eq!(
                        store.identity_for_login(&a, &contender.logins[1]).await.unwrap(),
                        None
                    );
                }
                (other, _) => panic!("unexpected outcome {other:?}"),
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: exactly one insert wins");
        let found = store.identity_for_login(&a, &shared).await.unwrap().unwrap();
        assert_eq!(found.id, winners[0].id);
    }
}

pub async fn link_logins_is_all_or_nothing(db: TestDb) {
    let (store, a, b) = two_pools(db).await;
    let mine = identity(&a, 1, &[login(GOOGLE, "1")]);
    let theirs = identity(&a, 2, &[login(GOOGLE, "2")]);
    let other_pool = identity(&b, 3, &[]);
    for i in [&mine, &theirs, &other_pool] {
        store.insert_identity(i).await.unwrap();
    }
    let dev = |s: &str| login("login.example.dev", s);

    // Already linked to this identity: left alone; new ones are linked and the identity is modified.
    store
        .link_logins(&mine.id, &[dev("u1"), login(GOOGLE, "1"), dev("u1")], at(1))
        .await
        .unwrap();
    let got = store.get_identity(&mine.id).await.unwrap().unwrap();
    assert_eq!(got.logins, [login(GOOGLE, "1"), dev("u1")]);
    assert_eq!((got.created, got.last_modified), (mine.created, at(1)));

    // One login of the batch belongs to another identity: nothing of the batch is linked, nothing modified.
    let batch = [dev("u2"), login(GOOGLE, "2")];
    assert!(is_duplicate(
        store.link_logins(&mine.id, &batch, at(2)).await,
        "login"
    ));
    let got = store.get_identity(&mine.id).await.unwrap().unwrap();
    assert_eq!((got.logins.len(), got.last_modified), (2, at(1)));
    assert_eq!(store.identity_for_login(&a, &dev("u2")).await.unwrap(), None);
    assert_eq!(
        logins_of(&*store, &theirs.id).await,
        Some(vec![login(GOOGLE, "2")])
    );

    // The same login in another pool is another login.
    store
        .link_logins(&other_pool.id, &[dev("u1")], at(3))
        .await
        .unwrap();
    assert_eq!(
        store
            .identity_for_login(&b, &dev("u1"))
            .await
            .unwrap()
            .unwrap()
            .id,
        other_pool.id
    );

    let ghost = id(REGION, 5000);
    assert!(is_conflict(store.link_logins(&ghost, &[dev("u3")], at(4)).await));
    assert_eq!(store.identity_for_login(&a, &dev("u3")).await.unwrap(), None);
    assert_eq!(store.get_identity(&ghost).await.unwrap(), None);
}

pub async fn unlink_logins_counts_what_was_linked(db: TestDb) {
    let (store, a, _) = two_pools(db).await;
    let mine = identity(
        &a,
        1,
        &[login(GOOGLE, "1"), login(GOOGLE, "2"), login(GOOGLE, "3")],
    );
    let theirs = identity(&a, 2, &[login(GOOGLE, "4")]);
    store.insert_identity(&mine).await.unwrap();
    store.insert_identity(&theirs).await.unwrap();

    // Another identity's login and an unknown one do not count, and are left alone.
    let asked = [
        login(GOOGLE, "1"),
        login(GOOGLE, "4"),
        login(GOOGLE, "9"),
        login(GOOGLE, "3"),
    ];
    assert_eq!(store.unlink_logins(&mine.id, &asked, at(1)).await.unwrap(), 2);
    let got = store.get_identity(&mine.id).await.unwrap().unwrap();
    assert_eq!((got.logins, got.last_modified), (vec![login(GOOGLE, "2")], at(1)));
    assert_eq!(
        logins_of(&*store, &theirs.id).await,
        Some(vec![login(GOOGLE, "4")])
    );
    assert_eq!(
        store.identity_for_login(&a, &login(GOOGLE, "1")).await.unwrap(),
        None
    );

    assert_eq!(store.unlink_logins(&mine.id, &asked, at(2)).await.unwrap(), 0);
    let got = store.get_identity(&mine.id).await.unwrap().unwrap();
    assert_eq!(got.last_modified, at(1), "nothing unlinked, nothing modified");
    // The last login goes: the identity stays, unauthenticated.
    assert_eq!(
        store.unlink_logins(&mine.id, &got.logins, at(3)).await.unwrap(),
        1
    );
    assert_eq!(logins_of(&*store, &mine.id).await, Some(vec![]));
    assert_eq!(
        store
            .unlink_logins(&id(REGION, 5000), &asked, at(4))
            .await
            .unwrap(),
        0
    );
    // An unlinked login is free for another identity.
    store
        .link_logins(&theirs.id, &[login(GOOGLE, "1")], at(5))
        .await
        .unwrap();
}

pub async fn merge_moves_one_provider_and_deletes_an_empty_source(db: TestDb) {
    let (store, a, b) = two_pools(db).await;
    let dev = |s: &str| login("login.example.dev", s);
    let source = identity(&a, 1, &[dev("u1"), dev("u2"), login(GOOGLE, "1")]);
    let destination = identity(&a, 2, &[dev("u3")]);
    let anonymous = identity(&a, 3, &[]);
    let elsewhere = identity(&b, 4, &[dev("u1")]);
    for i in [&source, &destination, &anonymous, &elsewhere] {
        store.insert_identity(i).await.unwrap();
    }

    store
        .merge_identities(&source.id, &destination.id, "login.example.dev", at(1))
        .await
        .unwrap();
    let src = store.get_identity(&source.id).await.unwrap().unwrap();
    assert_eq!(
        src.logins,
        [login(GOOGLE, "1")],
        "other providers stay with the source"
    );
    let dst = store.get_identity(&destination.id).await.unwrap().unwrap();
    assert_eq!(
        (dst.logins, dst.last_modified),
        (vec![dev("u1"), dev("u2"), dev("u3")], at(1))
    );
    assert_eq!(
        store
            .identity_for_login(&a, &dev("u1"))
            .await
            .unwrap()
            .unwrap()
            .id,
        destination.id
    );
    assert_eq!(logins_of(&*store, &elsewhere.id).await, Some(vec![dev("u1")]));

    // A provider the source has no login of moves nothing; the source keeps its login and stays.
    store
        .merge_identities(&source.id, &destination.id, "graph.facebook.com", at(2))
        .await
        .unwrap();
    assert_eq!(
        logins_of(&*store, &source.id).await,
        Some(vec![login(GOOGLE, "1")])
    );
    // Its last login moved, the source is gone.
    store
        .merge_identities(&source.id, &destination.id, GOOGLE, at(3))
        .await
        .unwrap();
    assert_eq!(store.get_identity(&source.id).await.unwrap(), None);
    assert_eq!(logins_of(&*store, &destination.id).await.unwrap().len(), 4);
    // A source without logins has none left either.
    store
        .merge_identities(&anonymous.id, &destination.id, GOOGLE, at(4))
        .await
        .unwrap();
    assert_eq!(store.get_identity(&anonymous.id).await.unwrap(), None);

    // Either identity gone, or the two in different pools: nothing moves.
    for (from, to) in [
        (&source.id, &destination.id),
        (&destination.id, &source.id),
        (&destination.id, &elsewhere.id),
    ] {
        assert!(is_conflict(
            store.merge_identities(from, to, "login.example.dev", at(5)).await
        ));
    }
    let dst = store.get_identity(&destination.id).await.unwrap().unwrap();
    assert_eq!((dst.logins.len(), dst.last_modified), (4, at(4)));
    // Into itself: nothing moves and the identity stays.
    store
        .merge_identities(&destination.id, &destination.id, GOOGLE, at(6))
        .await
        .unwrap();
    assert_eq!(logins_of(&*store, &destination.id).await.unwrap().len(), 4);
}

pub async fn delete_identities_reports_the_missing(db: TestDb) {
    let (store, a, _) = two_pools(db).await;
    let one = identity(&a, 1, &[login(GOOGLE, "1")]);
    let two = identity(&a, 2, &[login(GOOGLE, "2")]);
    let three = identity(&a, 3, &[]);
    for i in [&one, &two, &three] {
        store.insert_identity(i).await.unwrap();
    }
    let ghost = id(REGION, 5000);
    let asked = [one.id.clone(), ghost.clone(), three.id.clone(), one.id.clone()];
    assert_eq!(store.delete_identities(&asked).await.unwrap(), [ghost]);
    assert_eq!(store.get_identity(&one.id).await.unwrap(), None);
    assert_eq!(store.get_identity(&three.id).await.unwrap(), None);
    assert_eq!(
        store.identity_for_login(&a, &login(GOOGLE, "1")).await.unwrap(),
        None
    );
    assert_eq!(logins_of(&*store, &two.id).await, Some(vec![login(GOOGLE, "2")]));
    assert_eq!(
        store
            .delete_identities(std::slice::from_ref(&one.id))
            .await
            .unwrap(),
        [one.id.as_str()]
    );
    assert!(store.delete_identities(&[]).await.unwrap().is_empty());
    // The deleted identity's login is free again.
    store
        .insert_identity(&identity(&a, 4, &[login(GOOGLE, "1")]))
        .await
        .unwrap();
}
