//! Pools and app clients.

use latchkey_core::store::Page;

use super::{ids, is_conflict, is_duplicate};
use crate::fixtures::{client, count_wins, lookups, pool, search, user};
use crate::harness::TestDb;

pub async fn ping_answers(db: TestDb) {
    db.open().await.ping().await.unwrap();
}

pub async fn pool_round_trips(db: TestDb) {
    let store = db.open().await;
    let p = pool("us-east-1_RoundTrip");
    store.insert_pool(&p).await.unwrap();
    let back = store
        .get_pool(&p.id)
        .await
        .unwrap()
        .expect("inserted pool is found");
    assert_eq!(back, p);
    assert_eq!(back.version, 1);
    assert_eq!(
        back.other.get("KeyConfiguration"),
        p.other.get("KeyConfiguration")
    );
}

pub async fn missing_pool_is_none(db: TestDb) {
    let store = db.open().await;
    assert_eq!(store.get_pool("us-east-1_Nope").await.unwrap(), None);
    assert!(!store.delete_pool("us-east-1_Nope").await.unwrap());
}

pub async fn duplicate_pool_is_duplicate(db: TestDb) {
    let store = db.open().await;
    let p = pool("us-east-1_Dup");
    store.insert_pool(&p).await.unwrap();
    let mut again = pool("us-east-1_Dup");
    again.name = "other".into();
    assert!(is_duplicate(store.insert_pool(&again).await, "user_pool"));
    assert_eq!(
        store.get_pool(&p.id).await.unwrap().unwrap().name,
        p.name,
        "the first insert is kept"
    );
}

pub async fn update_pool_checks_version(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool("us-east-1_Upd")).await.unwrap();

    let stale = store.get_pool("us-east-1_Upd").await.unwrap().unwrap();
    let mut fresh = stale.clone();
    fresh.name = "renamed".into();
    fresh.version += 1;
    store.update_pool(&fresh).await.unwrap();
    let back = store.get_pool("us-east-1_Upd").await.unwrap().unwrap();
    assert_eq!((back.name.as_str(), back.version), ("renamed", 2));

    // A writer that read version 1 must not overwrite version 2.
    let mut late = stale;
    late.name = "lost update".into();
    late.version += 1;
    assert!(is_conflict(store.update_pool(&late).await));
    // Nor may a caller skip versions, or update what does not exist.
    let mut skipping = back.clone();
    skipping.version += 2;
    assert!(is_conflict(store.update_pool(&skipping).await));
    let mut ghost = pool("us-east-1_Ghost");
    ghost.version = 2;
    assert!(is_conflict(store.update_pool(&ghost).await));

    assert_eq!(store.get_pool("us-east-1_Upd").await.unwrap().unwrap(), back);
}

pub async fn concurrent_pool_updates_one_wins(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool("us-east-1_Race")).await.unwrap();
    let base = store.get_pool("us-east-1_Race").await.unwrap().unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let (store, mut p) = (store.clone(), base.clone());
            tokio::spawn(async move {
                p.name = format!("writer {i}");
                p.version += 1;
                store.update_pool(&p).await
            })
        })
        .collect();
    let wins = count_wins(tasks).await;
    assert_eq!(wins, 1);
    assert_eq!(
        store.get_pool("us-east-1_Race").await.unwrap().unwrap().version,
        2
    );
}

pub async fn list_pools_filters_region_and_paginates(db: TestDb) {
    let store = db.open().await;
    let east = [
        "us-east-1_P1",
        "us-east-1_P2",
        "us-east-1_P3",
        "us-east-1_P4",
        "us-east-1_P5",
    ];
    // Inserted out of order: listing order must not depend on insertion order.
    for id in [
        east[3],
        east[0],
        east[4],
        east[2],
        east[1],
        "eu-west-1_W1",
        "eu-west-1_W2",
        "us-east-10_X",
    ] {
        store.insert_pool(&pool(id)).await.unwrap();
    }

    let first = store.list_pools("us-east-1", None, 2).await.unwrap();
    assert_eq!(ids(&first, |p| &p.id), east[..2]);
    assert_eq!(first.next.as_deref(), Some(east[1]));
    let second = store
        .list_pools("us-east-1", first.next.as_deref(), 2)
        .await
        .unwrap();
    assert_eq!(ids(&second, |p| &p.id), east[2..4]);
    assert_eq!(second.next.as_deref(), Some(east[3]));
    let last = store
        .list_pools("us-east-1", second.next.as_deref(), 2)
        .await
        .unwrap();
    assert_eq!(ids(&last, |p| &p.id), east[4..]);
    assert_eq!(last.next, None);
    assert_eq!(
        last.items[0],
        pool(east[4]),
        "listed pools are whole, with their version"
    );

    // A page that ends exactly at the last row has no next key.
    let west = store.list_pools("eu-west-1", None, 2).await.unwrap();
    assert_eq!(ids(&west, |p| &p.id), ["eu-west-1_W1", "eu-west-1_W2"]);
    assert_eq!(west.next, None);

    let all = store.list_pools("us-east-1", None, 60).await.unwrap();
    assert_eq!(ids(&all, |p| &p.id), east);
    assert_eq!(all.next, None);
    assert_eq!(
        store.list_pools("ap-south-1", None, 10).await.unwrap(),
        Page {
            items: vec![],
            next: None
        }
    );
}

pub async fn list_pools_orders_by_byte_value(db: TestDb) {
    let store = db.open().await;
    // Pool ids mix cases; a locale collation would interleave them, breaking pagination across backends.
    let mut expected = vec![
        "us-east-1_abc",
        "us-east-1_ABD",
        "us-east-1_b00",
        "us-east-1_Baa",
        "us-east-1_0zz",
    ];
    for id in &expected {
        store.insert_pool(&pool(id)).await.unwrap();
    }
    expected.sort();
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store.list_pools("us-east-1", after.as_deref(), 2).await.unwrap();
        seen.extend(ids(&page, |p| &p.id));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, expected);
}

pub async fn client_lifecycle(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool("us-east-1_Cli")).await.unwrap();
    let c = client("us-east-1_Cli", "clientaaaaaaaaaaaaaaaaaaaa");
    store.insert_client(&c).await.unwrap();
    assert_eq!(store.get_client(&c.client_id).await.unwrap(), Some(c.clone()));
    assert_eq!(store.get_client("nosuchclient").await.unwrap(), None);
    assert_eq!(store.count_clients("us-east-1_Cli").await.unwrap(), 1);

    let mut updated = c.clone();
    updated.client_name = "renamed".into();
    updated.version += 1;
    store.update_client(&updated).await.unwrap();
    assert_eq!(
        store.get_client(&c.client_id).await.unwrap(),
        Some(updated.clone())
    );
    let mut stale = c.clone();
    stale.version += 1;
    assert!(is_conflict(store.update_client(&stale).await));
    let mut ghost = client("us-east-1_Cli", "ghostclient");
    ghost.version = 2;
    assert!(is_conflict(store.update_client(&ghost).await));

    // Deleting names the pool: a client is not deleted through another pool's id.
    assert!(!store
        .delete_client("us-east-1_Other", &c.client_id)
        .await
        .unwrap());
    assert!(store.delete_client("us-east-1_Cli", &c.client_id).await.unwrap());
    assert!(!store.delete_client("us-east-1_Cli", &c.client_id).await.unwrap());
    assert_eq!(store.get_client(&c.client_id).await.unwrap(), None);
    assert_eq!(store.count_clients("us-east-1_Cli").await.unwrap(), 0);
    assert!(
        store.get_pool("us-east-1_Cli").await.unwrap().is_some(),
        "the pool stays"
    );
}

pub async fn list_clients_paginates(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool("us-east-1_Lst")).await.unwrap();
    store.insert_pool(&pool("us-east-1_Oth")).await.unwrap();
    let ids_in_order = ["c1", "c2", "c3", "c4", "c5"];
    for id in [
        ids_in_order[2],
        ids_in_order[4],
        ids_in_order[0],
        ids_in_order[3],
        ids_in_order[1],
    ] {
        store.insert_client(&client("us-east-1_Lst", id)).await.unwrap();
    }
    store.insert_client(&client("us-east-1_Oth", "c0")).await.unwrap();
    assert_eq!(store.count_clients("us-east-1_Lst").await.unwrap(), 5);
    assert_eq!(store.count_clients("us-east-1_Oth").await.unwrap(), 1);
    assert_eq!(store.count_clients("us-east-1_None").await.unwrap(), 0);

    let mut pages = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store
            .list_clients("us-east-1_Lst", after.as_deref(), 2)
            .await
            .unwrap();
        pages.push(ids(&page, |c| &c.client_id));
        after = page.next.clone();
        if let Some(next) = &page.next {
            assert_eq!(
                Some(next),
                pages.last().and_then(|p| p.last()),
                "next is the page's last key"
            );
        } else {
            break;
        }
    }
    assert_eq!(pages, [vec!["c1", "c2"], vec!["c3", "c4"], vec!["c5"]]);
    let one = store.list_clients("us-east-1_Lst", Some("c4"), 10).await.unwrap();
    assert_eq!(one.items, vec![client("us-east-1_Lst", "c5")]);
    assert_eq!(one.next, None);
}

pub async fn duplicate_client_is_duplicate(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool("us-east-1_A")).await.unwrap();
    store.insert_pool(&pool("eu-west-1_B")).await.unwrap();
    store
        .insert_client(&client("us-east-1_A", "sameid"))
        .await
        .unwrap();
    assert!(is_duplicate(
        store.insert_client(&client("us-east-1_A", "sameid")).await,
        "client"
    ));
    // Client ids are unique across pools and regions.
    assert!(is_duplicate(
        store.insert_client(&client("eu-west-1_B", "sameid")).await,
        "client"
    ));
    assert_eq!(
        store.get_client("sameid").await.unwrap().unwrap().user_pool_id,
        "us-east-1_A"
    );
}

pub async fn client_of_missing_pool_is_conflict(db: TestDb) {
    let store = db.open().await;
    assert!(is_conflict(
        store.insert_client(&client("us-east-1_Gone", "orphan")).await
    ));
    assert_eq!(store.get_client("orphan").await.unwrap(), None);
}

pub async fn delete_pool_cascades_to_clients(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool("us-east-1_Del")).await.unwrap();
    store.insert_pool(&pool("us-east-1_Keep")).await.unwrap();
    for id in ["d1", "d2", "d3"] {
        store.insert_client(&client("us-east-1_Del", id)).await.unwrap();
    }
    store
        .insert_client(&client("us-east-1_Keep", "k1"))
        .await
        .unwrap();

    assert!(store.delete_pool("us-east-1_Del").await.unwrap());
    assert_eq!(store.get_pool("us-east-1_Del").await.unwrap(), None);
    for id in ["d1", "d2", "d3"] {
        assert_eq!(store.get_client(id).await.unwrap(), None);
    }
    assert_eq!(store.count_clients("us-east-1_Del").await.unwrap(), 0);
    assert!(!store.delete_pool("us-east-1_Del").await.unwrap());

    assert!(store.get_pool("us-east-1_Keep").await.unwrap().is_some());
    assert!(store.get_client("k1").await.unwrap().is_some());
    // The id is free again, and a recreated pool starts with no clients.
    store.insert_pool(&pool("us-east-1_Del")).await.unwrap();
    assert_eq!(
        store.list_clients("us-east-1_Del", None, 10).await.unwrap().items,
        vec![]
    );
}

pub async fn data_survives_reopening(db: TestDb) {
    let mut p = pool("eu-west-1_Durable");
    let c = client(&p.id, "durableclient");
    let u = user(&p.id, "durable");
    {
        let store = db.open().await;
        store.insert_pool(&p).await.unwrap();
        store.insert_client(&c).await.unwrap();
        store.insert_user(&u, &lookups(&u), &search(&u)).await.unwrap();
        p.version += 1;
        p.name = "after update".into();
        store.update_pool(&p).await.unwrap();
    }
    // Reopening re-runs the migrator, which must find every migration applied.
    let store = db.open().await;
    assert_eq!(store.get_pool(&p.id).await.unwrap(), Some(p.clone()));
    assert_eq!(store.get_client(&c.client_id).await.unwrap(), Some(c));
    let found = store
        .find_user(&p.id, "email", "durable@example.com")
        .await
        .unwrap();
    assert_eq!(found, Some(u));
    assert_eq!(
        ids(&store.list_pools("eu-west-1", None, 10).await.unwrap(), |p| &p.id),
        [p.id]
    );
}
