//! The PostgreSQL backend, for several Latchkey nodes sharing one database. The store traits are the shared ones
//! of `crate::sql`; this module connects and says how PostgreSQL begins a write, serializes key rotations and
//! picks the rows of a purge batch.

use std::str::FromStr;

use latchkey_core::store::StoreResult;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};

use crate::common::{backend, migration};
use crate::sql::purge::PurgedTable;
use crate::sql::InlineRow;

/// A pooled connection idle this long is pinged before it is handed out.
const IDLE_BEFORE_PING: std::time::Duration = std::time::Duration::from_secs(5);
const MAX_CONNECTIONS: u32 = 10;

pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to the database a `postgres://` URL names and applies pending migrations. The URL may carry
    /// `options=-c search_path=<schema>` (percent-encoded) to keep Latchkey's tables in their own schema.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        Self::connect_with(PgConnectOptions::from_str(url).map_err(backend)?).await
    }

    /// As `connect`, from options built in code (e.g. `.options([("search_path", "latchkey")])`).
    pub async fn connect_with(options: PgConnectOptions) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            // Fail start-up and requests within seconds when the server is unreachable, not after sqlx's 30 s.
            .acquire_timeout(std::time::Duration::from_secs(10))
            // sqlx pings every connection it hands out by default — a network round trip before each query.
            // Only connections idle for a while are checked (a server restart or a dropped link shows there);
            // one in steady use proves itself by its last query.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for < IDLE_BEFORE_PING {
                        return Ok(true);
                    }
                    Ok(sqlx::Connection::ping(conn).await.is_ok())
                })
            })
            .connect_with(options)
            .await
            .map_err(backend)?;
        // sqlx serializes concurrent migrators with an advisory lock, so several nodes may start at once.
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .map_err(migration)?;
        tracing::debug!("postgres store ready");
        Ok(Self { pool })
    }

    /// Closes every connection. Further calls fail.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A transaction that writes, at READ COMMITTED: row locks and unique indexes order concurrent writers,
    /// and a read-check-write that needs more (key rotation) locks what it depends on explicitly.
    async fn begin_write(&self) -> StoreResult<Transaction<'static, Postgres>> {
        self.pool.begin().await.map_err(backend)
    }

    /// Run first in a key rotation's transaction, it finds and locks the pool row. At READ COMMITTED two
    /// rotations could both read the same active set and both insert; the lock queues them, so the second
    /// reads the active set only after the first committed, and fails the check. NO KEY UPDATE still lets
    /// inserts elsewhere reference the pool meanwhile.
    const LOCK_POOL_FOR_ROTATION: &'static str = "SELECT 1 FROM user_pools WHERE id = $1 FOR NO KEY UPDATE";

    /// A purge batch: the oldest expired rows by `column`, by primary key. `FOR UPDATE SKIP LOCKED` lets nodes
    /// purging at the same time take different rows instead of waiting for each other, and a sign-in writing a
    /// row being purged waits for one batch at most.
    fn purge_statement(purged: &PurgedTable) -> String {
        let PurgedTable { table, key, column } = purged;
        format!(
            "DELETE FROM {table} WHERE ({key}) IN \
             (SELECT {key} FROM {table} WHERE {column} < $1 ORDER BY {column} LIMIT $2 FOR UPDATE SKIP LOCKED)"
        )
    }

    /// PostgreSQL reads only through sqlx: the network round trip dwarfs the driver's work.
    fn read_inline<R: InlineRow>(
        &self,
        _sql: &str,
        _keys: &[&str],
        _limit: Option<i64>,
        _max_rows: usize,
    ) -> Option<StoreResult<Vec<R>>> {
        None
    }
}

crate::sql::store_traits!(PostgresStore, sqlx::Postgres);
