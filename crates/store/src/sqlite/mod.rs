//! The embedded SQLite backend: one database file, opened in WAL mode behind a small connection pool. The store
//! traits are the shared ones of `crate::sql`; this module opens the database and says how SQLite begins a
//! write, serializes key rotations, picks the rows of a purge batch and serves the hot reads inline (`reads`).

use std::str::FromStr;
use std::time::Duration;

use latchkey_core::store::StoreResult;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};

use crate::common::{backend, migration};
use crate::sql::purge::PurgedTable;
use crate::sql::InlineRow;

mod file_mode;
mod reads;

/// WAL lets readers proceed while one connection writes; more connections would only queue to write.
const MAX_CONNECTIONS: u32 = 8;
/// How long a statement waits for another connection's write lock before failing with "database is locked".
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Fewest read-only connections for the inline reads (see `reads`); more cores get one each.
const MIN_INLINE_READERS: usize = 2;

pub struct SqliteStore {
    pool: SqlitePool,
    /// `None` for an in-memory database, which only sqlx's connections can reach.
    reads: Option<reads::ReadPool>,
}

impl SqliteStore {
    /// Opens (creating when missing) the database a `sqlite://` URL names and applies pending migrations.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url).map_err(backend)?;
        let path = options.get_filename().to_path_buf();
        file_mode::secure(&path);
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // In WAL mode NORMAL cannot corrupt the database; a power loss may only drop the latest commits.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            // sqlx pings every connection it hands out by default: for an embedded database that is a pointless
            // extra hand-off to the connection's thread on every query (a third of GetUser's CPU went to such
            // hand-offs).
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .map_err(backend)?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&pool)
            .await
            .map_err(migration)?;
        // One inline reader per core: the reads run on tokio's workers, one per core.
        let readers = std::thread::available_parallelism().map_or(MIN_INLINE_READERS, |n| n.get());
        let reads = reads::ReadPool::open(url, &path, readers.max(MIN_INLINE_READERS))?;
        tracing::debug!(inline_reads = reads.is_some(), "sqlite store ready");
        Ok(Self { pool, reads })
    }

    /// Closes every connection, checkpointing the WAL. Further calls fail.
    pub async fn close(&self) {
        if let Some(reads) = &self.reads {
            reads.close();
        }
        self.pool.close().await;
    }

    /// A transaction that writes. IMMEDIATE takes the write lock up front, so the busy timeout applies
    /// instead of a mid-transaction SQLITE_BUSY when another connection wrote after our first read; it also
    /// makes read-check-write sequences (key rotation) serializable.
    async fn begin_write(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(backend)
    }

    /// Run first in a key rotation's transaction, it finds the pool. No lock is needed beyond the write lock
    /// BEGIN IMMEDIATE took: it holds from the check of the active keys to the commit.
    const LOCK_POOL_FOR_ROTATION: &'static str = "SELECT 1 FROM user_pools WHERE id = $1";

    /// A purge batch: the oldest expired rows by `column`'s index, addressed by rowid. Each batch is its own
    /// write transaction, so sign-ins waiting for the write lock wait for one batch at most.
    fn purge_statement(purged: &PurgedTable) -> String {
        let PurgedTable { table, column, .. } = purged;
        format!(
            "DELETE FROM {table} WHERE rowid IN \
             (SELECT rowid FROM {table} WHERE {column} < $1 ORDER BY {column} LIMIT $2)"
        )
    }

    /// The rows a hot read selects, read on the calling task (see `reads`); `None` sends it through sqlx.
    fn read_inline<R: InlineRow>(
        &self,
        sql: &str,
        keys: &[&str],
        limit: Option<i64>,
        max_rows: usize,
    ) -> Option<StoreResult<Vec<R>>> {
        self.reads.as_ref()?.read(sql, keys, limit, max_rows)
    }
}

crate::sql::store_traits!(SqliteStore, sqlx::Sqlite);
