//! The reads of the token check and the refresh path, which a backend may serve off its usual connections
//! (SQLite reads them inline on read-only connections of its own): each must see every write committed before.

use crate::fixtures::{group, lookups, pool, refresh, search, user};
use crate::harness::TestDb;

const P: &str = "us-east-1_HotReads";

pub async fn hot_reads_see_every_committed_write(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool(P)).await.unwrap();
    let mut alice = user(P, "alice");
    store
        .insert_user(&alice, &lookups(&alice), &search(&alice))
        .await
        .unwrap();
    let mut groups = Vec::new();
    for i in 0..40 {
        // A changed user: the token check reads the new document and version.
        alice.attributes.insert("custom:tier".into(), i.to_string());
        alice.version += 1;
        store
            .update_user(&alice, &lookups(&alice), &search(&alice))
            .await
            .unwrap();
        let origin = format!("origin-{i}");
        let found = store
            .get_user_and_origin_revoked(P, "alice", &origin)
            .await
            .unwrap();
        assert_eq!(found, Some((alice.clone(), false)), "update {i}");

        // A new refresh token, then its sign-in revoked: each read sees the latest state.
        let handle = format!("h-{i}");
        let mut token = refresh(P, "alice", &handle, &origin);
        store.insert_refresh_token(&token).await.unwrap();
        let found = store.get_refresh_token_and_user(&handle).await.unwrap();
        assert_eq!(found, Some((token.clone(), alice.clone())), "insert {i}");
        assert_eq!(store.revoke_origin(&origin).await.unwrap(), 1);
        token.revoked = true;
        let found = store.get_refresh_token_and_user(&handle).await.unwrap();
        assert_eq!(found, Some((token, alice.clone())), "revoke {i}");
        let found = store
            .get_user_and_origin_revoked(P, "alice", &origin)
            .await
            .unwrap();
        assert_eq!(found, Some((alice.clone(), true)), "revoked {i}");

        // A new membership, then a removed one every third round: the groups the refresh path reads.
        let name = format!("g{i:02}");
        store.insert_group(&group(P, &name)).await.unwrap();
        store.add_user_to_group(P, &name, "alice").await.unwrap();
        groups.push(group(P, &name));
        if i % 3 == 2 {
            let gone = groups.remove(0);
            assert!(store
                .remove_user_from_group(P, &gone.group_name, "alice")
                .await
                .unwrap());
        }
        let page = store.list_groups_for_user(P, "alice", None, 100).await.unwrap();
        assert_eq!(page.items, groups, "groups {i}");
    }
    // A deleted user is gone for the token check at once.
    assert!(store.delete_user(P, "alice").await.unwrap());
    assert_eq!(
        store
            .get_user_and_origin_revoked(P, "alice", "origin-0")
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.get_refresh_token_and_user("h-0").await.unwrap(), None);
}
