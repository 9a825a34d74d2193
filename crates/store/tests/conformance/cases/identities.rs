//! Identity pools and their identities: stored as given, a login held once per pool, listed by id; everything
//! goes with its identity pool, and nothing with a user pool the identity pool trusts. The helpers here serve
//! `identity_logins` too.

use std::collections::BTreeMap;
use std::sync::Arc;

use latchkey_core::identity::{
    AmbiguousRoleResolution, CognitoProvider, Identity, IdentityPool, Login, MappingRule, MatchType,
    PrincipalTagMap, RoleMapping, RoleMappingType, RulesConfiguration,
};
use latchkey_core::store::Store;
use latchkey_core::time::Timestamp;

use super::{ids, is_conflict, is_duplicate, names, pages};
use crate::fixtures::pool;
use crate::harness::TestDb;

pub(super) const REGION: &str = "us-east-1";
const USER_POOL: &str = "us-east-1_IdUsers";
pub(super) const GOOGLE: &str = "accounts.google.com";

pub(super) fn cognito_provider() -> String {
    format!("cognito-idp.{REGION}.amazonaws.com/{USER_POOL}")
}

/// A realistic id, `<region>:<uuid>`, ordered by `n`.
pub(super) fn id(region: &str, n: usize) -> String {
    format!("{region}:{n:08x}-7c1e-4b0d-9a52-3f6e8d2c1b0a")
}

pub(super) fn identity_pool(id: &str) -> IdentityPool {
    IdentityPool {
        id: id.into(),
        name: format!("pool {id}"),
        allow_unauthenticated: true,
        allow_classic_flow: false,
        supported_login_providers: BTreeMap::from([(GOOGLE.into(), "123.apps.googleusercontent.com".into())]),
        developer_provider_name: Some("login.example.dev".into()),
        open_id_connect_provider_arns: vec!["arn:aws:iam::000000000000:oidc-provider/id.example.com".into()],
        saml_provider_arns: vec![],
        cognito_identity_providers: vec![CognitoProvider {
            provider_name: cognito_provider(),
            client_id: "5h3lk2j4h5lk2j3h4l5k2j3h4".into(),
            server_side_token_check: true,
        }],
        tags: BTreeMap::from([("team".into(), "identity — ✓".into())]),
        roles: BTreeMap::from([(
            "authenticated".into(),
            "arn:aws:iam::000000000000:role/Auth".into(),
        )]),
        role_mappings: BTreeMap::from([(
            format!("{}:5h3lk2j4h5lk2j3h4l5k2j3h4", cognito_provider()),
            RoleMapping {
                kind: RoleMappingType::Rules,
                ambiguous_role_resolution: Some(AmbiguousRoleResolution::Deny),
                rules_configuration: Some(RulesConfiguration {
                    rules: vec![MappingRule {
                        claim: "custom:tier".into(),
                        match_type: MatchType::StartsWith,
                        value: "gold".into(),
                        role_arn: "arn:aws:iam::000000000000:role/Gold".into(),
                    }],
                }),
            },
        )]),
        principal_tags: BTreeMap::from([(
            cognito_provider(),
            PrincipalTagMap {
                use_defaults: false,
                tags: BTreeMap::from([("tier".into(), "custom:tier".into())]),
            },
        )]),
        created: Timestamp::from_millis(1_700_000_000_123),
        version: 1,
    }
}

pub(super) fn login(provider: &str, subject: &str) -> Login {
    Login {
        provider: provider.into(),
        subject: subject.into(),
    }
}

pub(super) fn identity(pool_id: &str, n: usize, logins: &[Login]) -> Identity {
    Identity {
        id: id(REGION, 1000 + n),
        pool_id: pool_id.into(),
        logins: logins.to_vec(),
        created: Timestamp::from_millis(1_700_000_100_000),
        last_modified: Timestamp::from_millis(1_700_000_100_000),
    }
}

pub(super) fn at(ms: i64) -> Timestamp {
    Timestamp::from_millis(1_700_000_200_000 + ms)
}

/// A store with identity pools `id(REGION, 1)` and `id(REGION, 2)`, returned with their ids.
pub(super) async fn two_pools(db: TestDb) -> (Arc<dyn Store>, String, String) {
    let store = db.open().await;
    let (a, b) = (id(REGION, 1), id(REGION, 2));
    for p in [&a, &b] {
        store.insert_identity_pool(&identity_pool(p)).await.unwrap();
    }
    (store, a, b)
}

pub(super) async fn logins_of(store: &dyn Store, identity_id: &str) -> Option<Vec<Login>> {
    store.get_identity(identity_id).await.unwrap().map(|i| i.logins)
}

pub async fn identity_pool_round_trips_and_updates(db: TestDb) {
    let store = db.open().await;
    let p = identity_pool(&id(REGION, 1));
    store.insert_identity_pool(&p).await.unwrap();
    assert_eq!(store.get_identity_pool(&p.id).await.unwrap(), Some(p.clone()));
    assert_eq!(store.get_identity_pool(&id(REGION, 2)).await.unwrap(), None);
    assert_eq!(
        store.get_identity_pool(&p.id.to_uppercase()).await.unwrap(),
        None,
        "ids are exact"
    );

    let mut next = p.clone();
    next.name = "renamed".into();
    next.allow_unauthenticated = false;
    next.version = 2;
    store.update_identity_pool(&next).await.unwrap();
    assert_eq!(store.get_identity_pool(&p.id).await.unwrap(), Some(next.clone()));

    // From the version-1 copy, without a version step, skipping one, or of a pool that does not exist.
    let mut stale = p.clone();
    stale.version = 2;
    stale.name = "stale".into();
    assert!(is_conflict(store.update_identity_pool(&stale).await));
    assert!(is_conflict(store.update_identity_pool(&next).await));
    let mut skipping = next.clone();
    skipping.version = 4;
    assert!(is_conflict(store.update_identity_pool(&skipping).await));
    let mut ghost = identity_pool(&id(REGION, 9));
    ghost.version = 2;
    assert!(is_conflict(store.update_identity_pool(&ghost).await));
    assert_eq!(store.get_identity_pool(&p.id).await.unwrap(), Some(next));
    assert_eq!(store.get_identity_pool(&ghost.id).await.unwrap(), None);

    assert!(store.delete_identity_pool(&p.id).await.unwrap());
    assert!(!store.delete_identity_pool(&p.id).await.unwrap());
    assert_eq!(store.get_identity_pool(&p.id).await.unwrap(), None);
}

pub async fn duplicate_identity_pool_is_duplicate(db: TestDb) {
    let store = db.open().await;
    let p = identity_pool(&id(REGION, 1));
    store.insert_identity_pool(&p).await.unwrap();
    let mut again = identity_pool(&p.id);
    again.name = "second".into();
    assert!(is_duplicate(
        store.insert_identity_pool(&again).await,
        "identity_pool"
    ));
    assert_eq!(store.get_identity_pool(&p.id).await.unwrap(), Some(p));
}

pub async fn list_identity_pools_filters_prefix_and_paginates(db: TestDb) {
    let store = db.open().await;
    let mut expected = names(7, |n| id(REGION, n * 10));
    // Other regions, one whose name extends this one's ("us-east-10") and one sorting just below the prefix.
    let others = [
        id("us-east-10", 15),
        id("us-east-2", 5),
        id("eu-west-1", 25),
        id("us-east-0", 35),
    ];
    for p in expected.iter().rev().chain(&others) {
        store.insert_identity_pool(&identity_pool(p)).await.unwrap();
    }
    expected.sort();
    let prefix = format!("{REGION}:");
    let got = pages(
        |after| {
            let (store, prefix) = (store.clone(), prefix.clone());
            async move { store.list_identity_pools(&prefix, after.as_deref(), 3).await }
        },
        |p| &p.id,
    )
    .await;
    assert_eq!(got, [&expected[..3], &expected[3..6], &expected[6..]]);

    let all = store.list_identity_pools(&prefix, None, 7).await.unwrap();
    assert_eq!((all.items.len(), all.next), (7, None));
    assert!(all
        .items
        .iter()
        .all(|p| p.version == 1 && p.name == format!("pool {}", p.id)));
    let rest = store
        .list_identity_pools(&prefix, Some(&expected[4]), 10)
        .await
        .unwrap();
    assert_eq!(ids(&rest, |p| &p.id), &expected[5..]);
    // A position below the prefix does not widen the range.
    let below = store.list_identity_pools(&prefix, Some("a"), 10).await.unwrap();
    assert_eq!(ids(&below, |p| &p.id), expected);
    let none = store.list_identity_pools("ap-south-1:", None, 10).await.unwrap();
    assert_eq!((none.items.len(), none.next), (0, None));
    let every = store.list_identity_pools("", None, 100).await.unwrap();
    assert_eq!(every.items.len(), expected.len() + others.len());
}

pub async fn identity_round_trips(db: TestDb) {
    let (store, a, b) = two_pools(db).await;
    // Logins come back ordered by (provider, subject), whatever order they were given in.
    let logins = [
        login(GOOGLE, "1170"),
        login(&cognito_provider(), "sub-2"),
        login(GOOGLE, "0042"),
    ];
    let signed_in = identity(&a, 1, &logins);
    store.insert_identity(&signed_in).await.unwrap();
    let mut sorted = logins.to_vec();
    sorted.sort();
    let expected = Identity {
        logins: sorted,
        ..signed_in.clone()
    };
    assert_eq!(
        store.get_identity(&signed_in.id).await.unwrap(),
        Some(expected.clone())
    );
    for l in &logins {
        assert_eq!(
            store.identity_for_login(&a, l).await.unwrap(),
            Some(expected.clone())
        );
        assert_eq!(
            store.identity_for_login(&b, l).await.unwrap(),
            None,
            "logins are per pool"
        );
    }
    assert_eq!(
        store
            .identity_for_login(&a, &login(GOOGLE, "9999"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .identity_for_login(&a, &login("graph.facebook.com", "1170"))
            .await
            .unwrap(),
        None
    );

    // An unauthenticated identity has no logins; another pool may link the same login to its own identity.
    let anonymous = identity(&a, 2, &[]);
    store.insert_identity(&anonymous).await.unwrap();
    assert_eq!(store.get_identity(&anonymous.id).await.unwrap(), Some(anonymous));
    let elsewhere = identity(&b, 3, &[login(GOOGLE, "1170")]);
    store.insert_identity(&elsewhere).await.unwrap();
    assert_eq!(
        store.identity_for_login(&b, &logins[0]).await.unwrap(),
        Some(elsewhere)
    );
    assert_eq!(store.get_identity(&id(REGION, 5000)).await.unwrap(), None);

    // The identity's own id is unique, and a pool that does not exist takes no identities.
    assert!(is_duplicate(
        store.insert_identity(&identity(&b, 1, &[])).await,
        "identity"
    ));
    let orphan = identity(&id(REGION, 9), 4, &[login(GOOGLE, "7")]);
    assert!(is_conflict(store.insert_identity(&orphan).await));
    assert_eq!(store.get_identity(&orphan.id).await.unwrap(), None);
}

pub async fn taken_login_is_duplicate_and_inserts_nothing(db: TestDb) {
    let (store, a, _) = two_pools(db).await;
    store
        .insert_identity(&identity(&a, 1, &[login(GOOGLE, "1")]))
        .await
        .unwrap();
    let second = identity(&a, 2, &[login(GOOGLE, "2"), login(GOOGLE, "1")]);
    assert!(is_duplicate(store.insert_identity(&second).await, "login"));
    assert_eq!(store.get_identity(&second.id).await.unwrap(), None);
    assert_eq!(
        store.identity_for_login(&a, &login(GOOGLE, "2")).await.unwrap(),
        None
    );
    // A login listed twice is one login.
    let twice = identity(&a, 3, &[login(GOOGLE, "3"), login(GOOGLE, "3")]);
    store.insert_identity(&twice).await.unwrap();
    assert_eq!(
        logins_of(&*store, &twice.id).await,
        Some(vec![login(GOOGLE, "3")])
    );
}

pub async fn list_identities_paginates_per_pool(db: TestDb) {
    let (store, a, b) = two_pools(db).await;
    // Several logins per identity: the limit counts identities, not rows.
    let mut expected: Vec<Identity> = (0..7)
        .map(|n| {
            let logins: Vec<Login> = (0..n % 3).map(|k| login(GOOGLE, &format!("{n}-{k}"))).collect();
            identity(&a, 70 - n * 10, &logins)
        })
        .collect();
    for i in &expected {
        store.insert_identity(i).await.unwrap();
    }
    for n in [15, 45] {
        store
            .insert_identity(&identity(&b, n, &[login(GOOGLE, &format!("x{n}"))]))
            .await
            .unwrap();
    }
    expected.sort_by(|x, y| x.id.cmp(&y.id));
    let keys: Vec<String> = expected.iter().map(|i| i.id.clone()).collect();

    let got = pages(
        |after| {
            let (store, a) = (store.clone(), a.clone());
            async move { store.list_identities(&a, after.as_deref(), 3).await }
        },
        |i| &i.id,
    )
    .await;
    assert_eq!(got, [&keys[..3], &keys[3..6], &keys[6..]]);
    let all = store.list_identities(&a, None, 7).await.unwrap();
    assert_eq!((all.items, all.next), (expected.clone(), None));
    let rest = store.list_identities(&a, Some(&keys[4]), 10).await.unwrap();
    assert_eq!(rest.items, &expected[5..]);
    let other = store.list_identities(&b, None, 10).await.unwrap();
    assert_eq!(ids(&other, |i| &i.id), [id(REGION, 1015), id(REGION, 1045)]);
    let none = store.list_identities(&id(REGION, 9), None, 10).await.unwrap();
    assert_eq!((none.items, none.next), (vec![], None));
}

pub async fn delete_identity_pool_cascades(db: TestDb) {
    let (store, a, b) = two_pools(db).await;
    let shared = login(GOOGLE, "1");
    let gone = [
        identity(&a, 1, std::slice::from_ref(&shared)),
        identity(&a, 2, &[]),
    ];
    let kept = identity(&b, 3, std::slice::from_ref(&shared));
    for i in gone.iter().chain([&kept]) {
        store.insert_identity(i).await.unwrap();
    }
    assert!(store.delete_identity_pool(&a).await.unwrap());
    for i in &gone {
        assert_eq!(store.get_identity(&i.id).await.unwrap(), None);
    }
    assert_eq!(store.identity_for_login(&a, &shared).await.unwrap(), None);
    assert_eq!(store.get_identity(&kept.id).await.unwrap(), Some(kept.clone()));
    assert!(is_conflict(store.insert_identity(&identity(&a, 4, &[])).await));

    // A pool re-created under the id starts empty, and the login is free in it.
    store.insert_identity_pool(&identity_pool(&a)).await.unwrap();
    let listed = store.list_identities(&a, None, 10).await.unwrap();
    assert_eq!((listed.items, listed.next), (vec![], None));
    assert_eq!(store.identity_for_login(&a, &shared).await.unwrap(), None);
    store.insert_identity(&identity(&a, 1, &[shared])).await.unwrap();
    assert_eq!(store.list_identities(&b, None, 10).await.unwrap().items, [kept]);
}

pub async fn delete_user_pool_leaves_identity_pools(db: TestDb) {
    let (store, a, _) = two_pools(db).await;
    store.insert_pool(&pool(USER_POOL)).await.unwrap();
    let signed_in = identity(&a, 1, &[login(&cognito_provider(), "sub-1")]);
    store.insert_identity(&signed_in).await.unwrap();
    assert!(store.delete_pool(USER_POOL).await.unwrap());
    assert_eq!(
        store.get_identity_pool(&a).await.unwrap(),
        Some(identity_pool(&a))
    );
    assert_eq!(
        store.get_identity(&signed_in.id).await.unwrap(),
        Some(signed_in.clone())
    );
    let found = store.identity_for_login(&a, &signed_in.logins[0]).await.unwrap();
    assert_eq!(found, Some(signed_in));
}
