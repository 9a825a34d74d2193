//! Fresh, throw-away databases for each test: a temp SQLite file, or a new PostgreSQL schema.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use latchkey_core::store::Store;
use sqlx::{Connection, Executor, PgConnection};

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Where a case's database lives; `open` may be called again to reconnect to the same data.
pub struct TestDb {
    url: String,
}

impl TestDb {
    /// The database's URL, for cases that must reach behind the store (rows as an older version wrote them).
    pub fn url(&self) -> &str {
        &self.url
    }

    pub async fn open(&self) -> Arc<dyn Store> {
        match latchkey_store::connect(&self.url).await {
            Ok(store) => store,
            Err(e) => panic!("cannot open test store: {e}"),
        }
    }
}

fn unique_name() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Runs `case` on its own task so its panic can be caught, cleans up, then re-raises the panic.
async fn run<F, Fut>(case: F, db: TestDb, cleanup: impl Future<Output = ()>)
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let outcome = tokio::spawn(case(db)).await;
    cleanup.await;
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("test task failed: {e}");
    }
}

pub async fn on_sqlite<F, Fut>(case: F)
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    // A file, not `sqlite::memory:`: the pool's connections must all see the same database.
    let path = std::env::temp_dir().join(format!("latchkey-store-test-{}.db", unique_name()));
    let db = TestDb {
        url: format!("sqlite://{}", path.display()),
    };
    run(case, db, async {
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.clone().into_os_string();
            file.push(suffix);
            let _ = std::fs::remove_file(file);
        }
    })
    .await;
}

pub async fn on_postgres<F, Fut>(case: F)
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let base = std::env::var("LATCHKEY_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.into());
    let mut admin = match tokio::time::timeout(Duration::from_secs(10), PgConnection::connect(&base)).await {
        Ok(Ok(conn)) => conn,
        failed => {
            let why = match failed {
                Ok(Err(e)) => e.to_string(),
                _ => "timed out".into(),
            };
            let msg = format!(
                "PostgreSQL at LATCHKEY_TEST_POSTGRES_URL (default {DEFAULT_POSTGRES_URL}) \
                 is unreachable: {why}"
            );
            if std::env::var("CI").is_ok_and(|v| !v.is_empty()) {
                panic!("{msg}; CI is set, so the PostgreSQL conformance tests must run");
            }
            eprintln!("SKIPPED: {msg}");
            return;
        }
    };
    // Each test gets its own schema: tests run in parallel and must never see each other's rows.
    let schema = format!("lk_test_{}", unique_name());
    if let Err(e) = admin.execute(format!("CREATE SCHEMA {schema}").as_str()).await {
        panic!("cannot create test schema {schema}: {e}");
    }
    let sep = if base.contains('?') { '&' } else { '?' };
    let db = TestDb {
        url: format!("{base}{sep}options=-c%20search_path%3D{schema}"),
    };
    run(case, db, async {
        // Best effort: a leftover schema only costs space.
        if let Err(e) = admin
            .execute(format!("DROP SCHEMA {schema} CASCADE").as_str())
            .await
        {
            eprintln!("could not drop test schema {schema}: {e}");
        }
        let _ = admin.close().await;
    })
    .await;
}
