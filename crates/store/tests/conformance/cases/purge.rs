//! The background purge: expired rows go, live ones stay, in bounded batches, and nodes purging at once
//! delete each row exactly once. Time comes from a `FixedClock` and core's own policy (`purge::cutoffs`), so
//! nothing sleeps.

use std::sync::Arc;

use latchkey_core::ports::{Clock, FixedClock};
use latchkey_core::purge::{cutoffs, TOKEN_MAX_LIFETIME_SECONDS};
use latchkey_core::store::{PurgeCutoffs, Purged, Store};
use latchkey_core::time::Timestamp;

use crate::fixtures::{code, lookups, outbox, pool, refresh, search, user};
use crate::harness::TestDb;

const P: &str = "us-east-1_Purge";
const NOW_MS: i64 = 1_800_000_000_000;
const WEEK: i64 = 7 * 86_400;

async fn with_user(db: &TestDb) -> Arc<dyn Store> {
    let store = db.open().await;
    store.insert_pool(&pool(P)).await.unwrap();
    for name in ["alice", "bob"] {
        let u = user(P, name);
        store.insert_user(&u, &lookups(&u), &search(&u)).await.unwrap();
    }
    store
}

fn at(ms: i64) -> Timestamp {
    Timestamp::from_millis(ms)
}

/// Purges at the clock's now until nothing is left, as `Latchkey::purge_expired` does.
async fn purge_all(store: &dyn Store, clock: &FixedClock) -> Purged {
    let c = cutoffs(clock.now(), WEEK);
    let mut total = Purged::default();
    loop {
        let p = store.purge_expired(&c, 2).await.unwrap();
        total.refresh_tokens += p.refresh_tokens;
        total.codes += p.codes;
        total.counters += p.counters;
        total.outbox += p.outbox;
        if !p.any_full(2) {
            return total;
        }
    }
}

pub async fn purge_deletes_expired_rows_and_keeps_live_ones(db: TestDb) {
    let store = with_user(&db).await;
    let clock = FixedClock::at(NOW_MS);
    let hour = 3_600_000;
    let day = TOKEN_MAX_LIFETIME_SECONDS * 1000;

    // Refresh tokens: expired more than a day ago (revoked or not) go; expired within the day stay, because
    // access tokens of their sign-in may still be checked against their revocation; live ones stay.
    let mut tokens = Vec::new();
    for (handle, expires, revoked) in [
        ("gone-old", NOW_MS - day - hour, false),
        ("gone-revoked", NOW_MS - day - 1, true),
        ("kept-recently-expired-revoked", NOW_MS - day + hour, true),
        ("kept-just-expired", NOW_MS - 1, false),
        ("kept-live", NOW_MS + day, false),
    ] {
        let mut t = refresh(P, "alice", handle, &format!("origin-{handle}"));
        t.expires = at(expires);
        store.insert_refresh_token(&t).await.unwrap();
        if revoked {
            store.revoke_origin(&t.origin_jti).await.unwrap();
        }
        tokens.push(t);
    }
    // Codes: a missing code answers as an expired one, so expired codes go at once.
    for (user, purpose, expires) in [
        ("alice", "SIGN_UP", NOW_MS - 1),
        ("alice", "FORGOT_PASSWORD", NOW_MS + hour),
        ("bob", "VERIFY:email", NOW_MS - day),
    ] {
        let mut c = code(P, user, purpose);
        c.expires = at(expires);
        store.put_code(&c).await.unwrap();
    }
    // Counters: an ended window counts from zero again, as a missing counter does.
    for (key, expires) in [
        ("srp-used:a", NOW_MS - 1),
        ("srp-used:b", NOW_MS - day),
        ("srp-used:c", NOW_MS + 1),
    ] {
        store
            .increment_counter(key, at(NOW_MS - 2 * day), at(expires))
            .await
            .unwrap();
    }
    // Outbox: kept for the retention (a week here).
    for (id, created) in [
        ("old", NOW_MS - WEEK * 1000 - 1),
        ("recent", NOW_MS - WEEK * 1000 + hour),
    ] {
        store.insert_outbox(&outbox(id, P, created)).await.unwrap();
    }

    let purged = purge_all(&*store, &clock).await;
    assert_eq!(
        purged,
        Purged {
            refresh_tokens: 2,
            codes: 2,
            counters: 2,
            outbox: 1,
        }
    );
    for t in &tokens {
        let kept = store.get_refresh_token(&t.handle_hash).await.unwrap();
        assert_eq!(
            kept.is_some(),
            t.handle_hash.starts_with("kept"),
            "{}",
            t.handle_hash
        );
    }
    assert!(
        store
            .is_origin_revoked("origin-kept-recently-expired-revoked")
            .await
            .unwrap(),
        "the revocation of a sign-in whose access tokens may still be live is kept"
    );
    assert_eq!(store.get_code(P, "alice", "SIGN_UP").await.unwrap(), None);
    assert!(store
        .get_code(P, "alice", "FORGOT_PASSWORD")
        .await
        .unwrap()
        .is_some());
    assert_eq!(store.get_code(P, "bob", "VERIFY:email").await.unwrap(), None);
    // The live counter kept its count; the purged ones start again.
    assert_eq!(
        store
            .increment_counter("srp-used:c", clock.now(), at(NOW_MS + 1))
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .increment_counter("srp-used:b", clock.now(), at(NOW_MS + 1))
            .await
            .unwrap(),
        1
    );
    let ids: Vec<_> = store
        .list_outbox(10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(ids, ["recent"]);

    // Nothing more to do now; a day and a week later, everything has expired.
    assert_eq!(purge_all(&*store, &clock).await, Purged::default());
    clock.advance_seconds(WEEK + 2 * 86_400);
    let later = purge_all(&*store, &clock).await;
    assert_eq!((later.refresh_tokens, later.codes, later.outbox), (3, 1, 1));
    assert_eq!(store.get_refresh_token("kept-live").await.unwrap(), None);
}

pub async fn purge_works_in_bounded_batches(db: TestDb) {
    let store = with_user(&db).await;
    for i in 0..7 {
        let mut t = refresh(P, "bob", &format!("h{i}"), &format!("o{i}"));
        t.expires = at(1_000 + i);
        store.insert_refresh_token(&t).await.unwrap();
        store
            .increment_counter(&format!("k{i}"), at(0), at(1_000 + i))
            .await
            .unwrap();
    }
    let everything = PurgeCutoffs {
        refresh_tokens: at(i64::MAX),
        codes: at(i64::MAX),
        counters: at(i64::MAX),
        outbox: at(i64::MAX),
    };
    let mut seen = Vec::new();
    loop {
        let p = store.purge_expired(&everything, 3).await.unwrap();
        seen.push((p.refresh_tokens, p.counters));
        if !p.any_full(3) {
            break;
        }
    }
    assert_eq!(seen, [(3, 3), (3, 3), (1, 1)]);
    // The cutoff is exclusive: a row expiring at the cutoff is not before it.
    let mut t = refresh(P, "bob", "edge", "o-edge");
    t.expires = at(5_000);
    store.insert_refresh_token(&t).await.unwrap();
    let edge = PurgeCutoffs {
        refresh_tokens: at(5_000),
        ..everything
    };
    assert_eq!(store.purge_expired(&edge, 10).await.unwrap().refresh_tokens, 0);
    assert_eq!(
        store
            .purge_expired(
                &PurgeCutoffs {
                    refresh_tokens: at(5_001),
                    ..edge
                },
                10
            )
            .await
            .unwrap()
            .refresh_tokens,
        1
    );
}

pub async fn concurrent_purges_delete_each_row_once(db: TestDb) {
    let store = with_user(&db).await;
    for i in 0..60 {
        let mut t = refresh(P, "alice", &format!("h{i:02}"), &format!("o{i}"));
        t.expires = at(1_000);
        store.insert_refresh_token(&t).await.unwrap();
        store
            .insert_outbox(&outbox(&format!("m{i:02}"), P, 1_000))
            .await
            .unwrap();
    }
    let c = cutoffs(at(1_000 + 86_400_000 + 1), 0);
    // Four "nodes" purging the same rows in small batches at once: no errors, and the counts add up exactly.
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut total = (0, 0);
                loop {
                    let p = store.purge_expired(&c, 5).await.unwrap();
                    total.0 += p.refresh_tokens;
                    total.1 += p.outbox;
                    if !p.any_full(5) {
                        return total;
                    }
                }
            })
        })
        .collect();
    let mut total = (0, 0);
    for t in tasks {
        let (r, o) = t.await.unwrap();
        total = (total.0 + r, total.1 + o);
    }
    assert_eq!(total, (60, 60));
    assert!(store.list_outbox(100).await.unwrap().is_empty());
    assert_eq!(store.get_refresh_token("h00").await.unwrap(), None);
}

/// Runs SQL on the test database directly, as an older version of Latchkey would have written it.
async fn raw(db: &TestDb, statements: &[&str]) {
    use sqlx::{Connection, Executor};
    if db.url().starts_with("sqlite") {
        let mut conn = sqlx::SqliteConnection::connect(db.url()).await.unwrap();
        for s in statements {
            conn.execute(*s).await.unwrap();
        }
        conn.close().await.unwrap();
    } else {
        let mut conn = sqlx::PgConnection::connect(db.url()).await.unwrap();
        for s in statements {
            conn.execute(*s).await.unwrap();
        }
        conn.close().await.unwrap();
    }
}

/// The backfill statements of migration 0005 for the database's backend.
fn backfill(db: &TestDb) -> Vec<&'static str> {
    let migration = if db.url().starts_with("sqlite") {
        include_str!("../../../migrations/sqlite/0005_purge.sql")
    } else {
        include_str!("../../../migrations/postgres/0005_purge.sql")
    };
    migration.lines().filter(|l| l.starts_with("UPDATE")).collect()
}

pub async fn migration_fills_expiry_columns_from_documents(db: TestDb) {
    let store = with_user(&db).await;
    // An expiry with milliseconds, which the documents keep as fractional seconds.
    let expires = 1_700_000_000_123;
    let mut t = refresh(P, "alice", "h-old", "o-old");
    t.expires = at(expires);
    store.insert_refresh_token(&t).await.unwrap();
    let mut c = code(P, "alice", "SIGN_UP");
    c.expires = at(expires);
    store.put_code(&c).await.unwrap();
    // Rows as the previous version wrote them: no expiry column. The purge leaves them alone...
    raw(
        &db,
        &[
            "UPDATE refresh_tokens SET expires_ms = NULL",
            "UPDATE codes SET expires_ms = NULL",
        ],
    )
    .await;
    let all = PurgeCutoffs {
        refresh_tokens: at(i64::MAX),
        codes: at(i64::MAX),
        counters: at(0),
        outbox: at(0),
    };
    assert_eq!(store.purge_expired(&all, 10).await.unwrap(), Purged::default());
    // ...until the migration's backfill gives them their expiry, to the millisecond.
    let statements = backfill(&db);
    assert_eq!(statements.len(), 2, "{statements:?}");
    raw(&db, &statements).await;
    let at_expiry = PurgeCutoffs {
        refresh_tokens: at(expires),
        codes: at(expires),
        ..all
    };
    assert_eq!(
        store.purge_expired(&at_expiry, 10).await.unwrap(),
        Purged::default()
    );
    let just_after = PurgeCutoffs {
        refresh_tokens: at(expires + 1),
        codes: at(expires + 1),
        ..all
    };
    let purged = store.purge_expired(&just_after, 10).await.unwrap();
    assert_eq!((purged.refresh_tokens, purged.codes), (1, 1));
}
