//! User-pool domains: prefix and custom domains, unique across every pool, listed per pool, and gone with
//! their pool.

use std::sync::Arc;

use latchkey_core::store::Store;
use serde_json::json;

use super::{is_conflict, is_duplicate};
use crate::fixtures::{custom_domain, pool, prefix_domain};
use crate::harness::TestDb;

const P: &str = "us-east-1_Domains";
const OTHER: &str = "us-east-1_OtherDomains";

async fn with_pools(store: &dyn Store) {
    for p in [P, OTHER] {
        store.insert_pool(&pool(p)).await.unwrap();
    }
}

/// Both pools, with P holding the prefix domain "myapp" and the custom domain "auth.example.com".
async fn with_both_domains(db: TestDb) -> Arc<dyn Store> {
    let store = db.open().await;
    with_pools(&*store).await;
    store.insert_domain(&prefix_domain(P, "myapp")).await.unwrap();
    store
        .insert_domain(&custom_domain(P, "auth.example.com"))
        .await
        .unwrap();
    store
}

async fn domain_names(store: &dyn Store, pool_id: &str) -> Vec<String> {
    let domains = store.domains_of_pool(pool_id).await.unwrap();
    assert!(domains.iter().all(|d| d.pool_id == pool_id));
    domains.into_iter().map(|d| d.domain).collect()
}

pub async fn domain_round_trips(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool(P)).await.unwrap();

    let prefix = prefix_domain(P, "myapp-login");
    store.insert_domain(&prefix).await.unwrap();
    let got = store.get_domain("myapp-login").await.unwrap();
    assert_eq!(got, Some(prefix.clone()));
    let got = got.unwrap();
    assert!(!got.is_custom() && got.custom_domain_config.is_none());

    let custom = custom_domain(P, "auth.example.com");
    store.insert_domain(&custom).await.unwrap();
    let got = store.get_domain("auth.example.com").await.unwrap();
    assert_eq!(got, Some(custom.clone()));
    let got = got.unwrap();
    assert!(got.is_custom());
    assert_eq!(
        got.custom_domain_config
            .as_ref()
            .and_then(|c| c["CertificateArn"].as_str()),
        custom
            .custom_domain_config
            .as_ref()
            .and_then(|c| c["CertificateArn"].as_str()),
    );
    assert_eq!(got.managed_login_version, Some(2));

    assert_eq!(store.get_domain("other-app").await.unwrap(), None);
    assert_eq!(
        store.get_domain("AUTH.example.com").await.unwrap(),
        None,
        "domains are exact"
    );
    // A record without a managed login version comes back without one.
    let mut bare = prefix_domain(P, "bare");
    bare.managed_login_version = None;
    store.insert_domain(&bare).await.unwrap();
    assert_eq!(store.get_domain("bare").await.unwrap(), Some(bare));

    // The records survive reopening the store.
    let reopened = db.open().await;
    assert_eq!(reopened.get_domain("myapp-login").await.unwrap(), Some(prefix));
    assert_eq!(
        reopened.get_domain("auth.example.com").await.unwrap(),
        Some(custom)
    );
}

pub async fn duplicate_domain_is_duplicate_across_pools(db: TestDb) {
    let store = db.open().await;
    with_pools(&*store).await;
    let first = prefix_domain(P, "shared");
    store.insert_domain(&first).await.unwrap();
    let custom = custom_domain(P, "auth.example.com");
    store.insert_domain(&custom).await.unwrap();

    assert!(is_duplicate(store.insert_domain(&first).await, "domain"));
    // A domain is unique across every pool, prefix or custom.
    assert!(is_duplicate(
        store.insert_domain(&prefix_domain(OTHER, "shared")).await,
        "domain"
    ));
    assert!(is_duplicate(
        store.insert_domain(&custom_domain(OTHER, "shared")).await,
        "domain"
    ));
    assert!(is_duplicate(
        store
            .insert_domain(&prefix_domain(OTHER, "auth.example.com"))
            .await,
        "domain"
    ));

    assert_eq!(store.get_domain("shared").await.unwrap(), Some(first));
    assert_eq!(store.get_domain("auth.example.com").await.unwrap(), Some(custom));
    assert_eq!(domain_names(&*store, OTHER).await, Vec::<String>::new());
}

pub async fn domain_of_missing_pool_is_conflict(db: TestDb) {
    let store = db.open().await;
    store.insert_pool(&pool(OTHER)).await.unwrap();
    assert!(is_conflict(
        store.insert_domain(&prefix_domain(P, "orphan")).await
    ));
    assert!(is_conflict(
        store
            .insert_domain(&custom_domain(P, "auth.orphan.example"))
            .await
    ));
    assert_eq!(store.get_domain("orphan").await.unwrap(), None);
    assert_eq!(store.get_domain("auth.orphan.example").await.unwrap(), None);
    assert_eq!(domain_names(&*store, P).await, Vec::<String>::new());
}

pub async fn update_domain_replaces_and_checks_existence(db: TestDb) {
    let store = db.open().await;
    with_pools(&*store).await;
    let custom = custom_domain(P, "auth.example.com");
    store.insert_domain(&custom).await.unwrap();

    // UpdateUserPoolDomain: a new certificate and managed login version.
    let mut updated = custom.clone();
    updated.custom_domain_config = Some(json!({
        "CertificateArn": "arn:aws:acm:us-east-1:000000000000:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    }));
    updated.managed_login_version = Some(1);
    store.update_domain(&updated).await.unwrap();
    assert_eq!(
        store.get_domain("auth.example.com").await.unwrap(),
        Some(updated.clone())
    );
    assert_eq!(domain_names(&*store, P).await, ["auth.example.com"]);

    let ghost = prefix_domain(P, "never-created");
    assert!(is_conflict(store.update_domain(&ghost).await));
    assert_eq!(store.get_domain("never-created").await.unwrap(), None);

    // Updated under another pool, the record does not move the domain there.
    let mut elsewhere = updated.clone();
    elsewhere.pool_id = OTHER.into();
    elsewhere.managed_login_version = Some(9);
    assert!(is_conflict(store.update_domain(&elsewhere).await));
    assert_eq!(
        store.get_domain("auth.example.com").await.unwrap(),
        Some(updated.clone())
    );
    assert_eq!(domain_names(&*store, OTHER).await, Vec::<String>::new());

    // A deleted domain cannot be updated.
    assert!(store.delete_domain("auth.example.com").await.unwrap());
    assert!(is_conflict(store.update_domain(&updated).await));
    assert_eq!(store.get_domain("auth.example.com").await.unwrap(), None);
}

pub async fn delete_domain_reports_existence(db: TestDb) {
    let store = with_both_domains(db).await;

    assert!(store.delete_domain("myapp").await.unwrap());
    assert!(!store.delete_domain("myapp").await.unwrap());
    assert!(!store.delete_domain("never-created").await.unwrap());
    assert_eq!(store.get_domain("myapp").await.unwrap(), None);
    assert_eq!(domain_names(&*store, P).await, ["auth.example.com"]);

    // The domain is free again, for any pool.
    store.insert_domain(&prefix_domain(OTHER, "myapp")).await.unwrap();
    assert_eq!(domain_names(&*store, OTHER).await, ["myapp"]);
}

pub async fn domains_of_pool_are_ordered_and_isolated(db: TestDb) {
    let store = db.open().await;
    with_pools(&*store).await;
    // Inserted out of order; byte order puts upper case and digits before lower case.
    for d in ["zeta", "auth.example.com", "Alpha", "9lives"] {
        store.insert_domain(&prefix_domain(P, d)).await.unwrap();
    }
    store
        .insert_domain(&custom_domain(P, "login.example.org"))
        .await
        .unwrap();
    for d in ["beta", "auth.other.example"] {
        store.insert_domain(&prefix_domain(OTHER, d)).await.unwrap();
    }

    assert_eq!(
        domain_names(&*store, P).await,
        ["9lives", "Alpha", "auth.example.com", "login.example.org", "zeta"]
    );
    assert_eq!(domain_names(&*store, OTHER).await, ["auth.other.example", "beta"]);
    let of_p = store.domains_of_pool(P).await.unwrap();
    assert_eq!(
        of_p.iter().filter(|d| d.is_custom()).count(),
        1,
        "the custom domain keeps its config"
    );
    assert_eq!(
        of_p.iter().find(|d| d.domain == "login.example.org"),
        Some(&custom_domain(P, "login.example.org"))
    );
    assert_eq!(
        domain_names(&*store, "us-east-1_Nobody").await,
        Vec::<String>::new()
    );
}

pub async fn delete_pool_removes_domains(db: TestDb) {
    let store = with_both_domains(db).await;
    store.insert_domain(&prefix_domain(OTHER, "other")).await.unwrap();

    assert!(store.delete_pool(P).await.unwrap());
    assert_eq!(store.get_domain("myapp").await.unwrap(), None);
    assert_eq!(store.get_domain("auth.example.com").await.unwrap(), None);
    assert_eq!(domain_names(&*store, P).await, Vec::<String>::new());
    assert_eq!(domain_names(&*store, OTHER).await, ["other"]);

    // The domains are free again, and a pool recreated under the id starts with none.
    store.insert_pool(&pool(P)).await.unwrap();
    assert_eq!(domain_names(&*store, P).await, Vec::<String>::new());
    store.insert_domain(&prefix_domain(OTHER, "myapp")).await.unwrap();
    store
        .insert_domain(&custom_domain(P, "auth.example.com"))
        .await
        .unwrap();
    assert_eq!(domain_names(&*store, OTHER).await, ["myapp", "other"]);
}
