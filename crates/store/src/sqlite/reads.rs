//! The hot point reads (the access-token check, the refresh path) run inline on the calling task, on a few
//! read-only rusqlite connections to the same database file. sqlx's SQLite driver runs every statement on its
//! connection's own thread: a channel send, a futex wake of that thread, rows sent back and the task woken
//! again, which cost GetUser about a fifth of its CPU for one indexed read of microseconds. In WAL mode readers
//! never wait for the writer, so such a read may block the calling task as any short computation does.

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use latchkey_core::store::{StoreError, StoreResult};
use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::sql::InlineRow;

/// How long an inline read waits for a lock (only WAL recovery or a restarting checkpoint takes one a reader
/// must wait for) before it gives up and the read goes through sqlx, whose thread may wait out the busy timeout.
const INLINE_BUSY_TIMEOUT: Duration = Duration::from_millis(20);

/// Read-only connections, each used by one read at a time; a read that finds none idle goes through sqlx.
pub(super) struct ReadPool {
    /// `None` once the store is closed: reads then go through sqlx, which fails them.
    idle: Mutex<Option<Vec<Connection>>>,
}

impl ReadPool {
    /// Opens `size` connections to the database file `path` after migrations, or `None` when `url` names a
    /// database other connections cannot open (in memory) or that is not in WAL mode, where readers can wait
    /// for the writer: its reads stay on sqlx.
    pub(super) fn open(url: &str, path: &Path, size: usize) -> StoreResult<Option<Self>> {
        if !shares_file(url, path) {
            return Ok(None);
        }
        let mut connections = Vec::with_capacity(size);
        for _ in 0..size {
            match open_reader(path).map_err(inline_error)? {
                Some(connection) => connections.push(connection),
                None => return Ok(None),
            }
        }
        Ok(Some(Self {
            idle: Mutex::new(Some(connections)),
        }))
    }

    /// Closes the connections; later reads go through sqlx.
    pub(super) fn close(&self) {
        if let Ok(mut idle) = self.idle.lock() {
            *idle = None;
        }
    }

    /// The rows (at most `max_rows`) `sql` selects with `keys` bound to `$1`… and `limit`, if any, to the
    /// parameter after them; `None` when no connection is idle or the database is locked, for the caller to
    /// read through sqlx instead.
    pub(super) fn read<R: InlineRow>(
        &self,
        sql: &str,
        keys: &[&str],
        limit: Option<i64>,
        max_rows: usize,
    ) -> Option<StoreResult<Vec<R>>> {
        let connection = self.idle.lock().ok()?.as_mut()?.pop()?;
        let rows = select(&connection, sql, keys, limit, max_rows);
        if let Ok(mut idle) = self.idle.lock() {
            if let Some(idle) = idle.as_mut() {
                idle.push(connection);
            }
        }
        match rows {
            Err(e)
                if matches!(
                    e.sqlite_error_code(),
                    Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
                ) =>
            {
                None
            }
            rows => Some(rows.map_err(inline_error)),
        }
    }
}

/// Whether a second connection opening `path` reaches the database `url` names: not for in-memory databases
/// (`sqlite::memory:`, `mode=memory`), nor for a custom VFS the URL picks.
fn shares_file(url: &str, path: &Path) -> bool {
    let name = path.to_string_lossy();
    if name.is_empty() || name == ":memory:" || name.starts_with("file:") {
        return false;
    }
    let query = url.split_once('?').map_or("", |(_, query)| query);
    !query.split('&').any(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == "mode" && value == "memory") || key == "vfs"
    })
}

/// One read-only connection, or `None` when the database is not in WAL mode.
fn open_reader(path: &Path) -> rusqlite::Result<Option<Connection>> {
    // Read-write flags but `query_only`: a read-only open of a WAL database fails when it cannot create the
    // shared-memory file, and sqlx's own connections open it read-write too.
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    connection.pragma_update(None, "query_only", true)?;
    connection.busy_timeout(INLINE_BUSY_TIMEOUT)?;
    let mode: String = connection.pragma_query_value(None, "journal_mode", |row| row.get(0))?;
    Ok(mode.eq_ignore_ascii_case("wal").then_some(connection))
}

/// Runs `sql` in autocommit mode: its read transaction begins with the statement, so it sees every commit made
/// before, and ends when `rows` is dropped (which resets the statement) before the connection is reused.
fn select<R: InlineRow>(
    connection: &Connection,
    sql: &str,
    keys: &[&str],
    limit: Option<i64>,
    max_rows: usize,
) -> rusqlite::Result<Vec<R>> {
    let mut statement = connection.prepare_cached(sql)?;
    // The statements number their parameters `$N` as for PostgreSQL. SQLite numbers named parameters by first
    // appearance, so `$3` may be its first: bind by the number in the name, as sqlx's driver does.
    for index in 1..=statement.parameter_count() {
        let name = statement.parameter_name(index).unwrap_or_default();
        let n = name.strip_prefix('$').and_then(|n| n.parse::<usize>().ok());
        match (n.and_then(|n| n.checked_sub(1)).and_then(|i| keys.get(i)), limit) {
            (Some(key), _) => statement.raw_bind_parameter(index, key)?,
            (None, Some(limit)) if n == Some(keys.len() + 1) => statement.raw_bind_parameter(index, limit)?,
            _ => return Err(rusqlite::Error::InvalidParameterName(name.to_owned())),
        }
    }
    let mut rows = statement.raw_query();
    let mut found = Vec::new();
    while found.len() < max_rows {
        match rows.next()? {
            Some(row) => found.push(R::try_from(row)?),
            None => break,
        }
    }
    Ok(found)
}

/// A rusqlite failure, as `backend` maps sqlx's.
fn inline_error(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqliteStore;

    /// A store on a fresh temp file, and the files to remove afterwards.
    async fn file_store() -> (SqliteStore, Vec<std::path::PathBuf>) {
        let name = format!("latchkey-inline-{}.db", uuid::Uuid::new_v4().simple());
        let path = std::env::temp_dir().join(name);
        let store = SqliteStore::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        let files = ["", "-wal", "-shm"]
            .iter()
            .map(|s| format!("{}{s}", path.display()).into())
            .collect();
        (store, files)
    }

    #[tokio::test]
    async fn inline_reads_see_every_sqlx_commit() {
        let (store, files) = file_store().await;
        let reads = store.reads.as_ref().expect("a file database reads inline");
        sqlx::query("CREATE TABLE probe (k TEXT PRIMARY KEY, v INTEGER NOT NULL)")
            .execute(&store.pool)
            .await
            .unwrap();
        // `$2` before `$1`: bound by the number in the name, not by order of appearance.
        let select = "SELECT v, $2 FROM probe WHERE k = $1";
        for i in 0..300_i64 {
            sqlx::query(
                "INSERT INTO probe (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
            )
            .bind("k")
            .bind(i)
            .execute(&store.pool)
            .await
            .unwrap();
            let rows = reads.read::<(i64, String)>(select, &["k", "tag"], None, 1);
            assert_eq!(rows.unwrap().unwrap(), vec![(i, "tag".to_owned())], "write {i}");
        }
        let limited = "SELECT v FROM probe WHERE k > $1 ORDER BY k LIMIT $2";
        let rows = reads.read::<(i64,)>(limited, &[""], Some(5), usize::MAX);
        assert_eq!(rows.unwrap().unwrap(), vec![(299,)]);
        let unbound = reads.read::<(i64,)>(limited, &[], None, 1);
        assert!(matches!(unbound, Some(Err(StoreError::Backend(_)))));
        assert!(
            matches!(
                reads.read::<(i64,)>("UPDATE probe SET v = 0", &[], None, 1),
                Some(Err(_))
            ),
            "the readers are query_only"
        );
        store.close().await;
        assert!(
            reads.read::<(i64,)>(limited, &[""], Some(5), 1).is_none(),
            "closed: sqlx fails it"
        );
        for file in files {
            let _ = std::fs::remove_file(file);
        }
    }

    #[test]
    fn only_files_are_shared() {
        let shared = |url: &str, path: &str| shares_file(url, Path::new(path));
        assert!(shared("sqlite://data/latchkey.db", "data/latchkey.db"));
        assert!(shared("sqlite:latchkey.db?mode=rwc", "latchkey.db"));
        assert!(!shared("sqlite::memory:", "file:sqlx-in-memory-0"));
        assert!(!shared("sqlite://mem.db?mode=memory&cache=shared", "mem.db"));
        assert!(!shared("sqlite://x.db?vfs=unix-dotfile", "x.db"));
        assert!(!shared("sqlite://", ""));
    }
}
