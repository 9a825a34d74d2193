//! Store backends for Latchkey: `connect` turns a database URL into a migrated `Store` (embedded SQLite or
//! PostgreSQL). Everything backend-specific about persistence belongs in this crate; the `Store` trait and
//! its semantics live in `latchkey-core`.

use std::sync::Arc;

use latchkey_core::store::{Store, StoreError};

mod common;
pub mod postgres;
mod sql;
pub mod sqlite;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// The backends a URL can name.
enum Backend {
    Sqlite,
    Postgres,
}

fn backend_of(url: &str) -> Result<Backend, StoreError> {
    // Only the scheme is ever echoed back: the rest of a URL may hold a password.
    let scheme = url
        .split_once(':')
        .map(|(s, _)| s.to_ascii_lowercase())
        .unwrap_or_default();
    match scheme.as_str() {
        "sqlite" => Ok(Backend::Sqlite),
        "postgres" | "postgresql" => Ok(Backend::Postgres),
        _ => Err(StoreError::Backend(format!(
            "unsupported store URL scheme {scheme:?}: expected sqlite://, postgres:// or postgresql://"
        ))),
    }
}

/// Opens the store a URL names and brings its schema up to date.
///
/// `sqlite://path/to/file.db` creates the file when missing. `postgres://` and `postgresql://` take the usual
/// libpq-style URL; a schema other than `public` is chosen with `?options=-c%20search_path%3D<schema>`.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    Ok(match backend_of(url)? {
        Backend::Sqlite => Arc::new(SqliteStore::connect(url).await?),
        Backend::Postgres => Arc::new(PostgresStore::connect(url).await?),
    })
}

/// Applies pending migrations and closes the connections again (for a `migrate` step at deploy time).
pub async fn migrate(url: &str) -> Result<(), StoreError> {
    match backend_of(url)? {
        Backend::Sqlite => SqliteStore::connect(url).await?.close().await,
        Backend::Postgres => PostgresStore::connect(url).await?.close().await,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_backend_by_scheme() {
        assert!(matches!(backend_of("sqlite://x.db"), Ok(Backend::Sqlite)));
        assert!(matches!(backend_of("postgres://h/db"), Ok(Backend::Postgres)));
        assert!(matches!(backend_of("PostgreSQL://h/db"), Ok(Backend::Postgres)));
        let err = backend_of("mysql://user:secret@h/db")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("\"mysql\"") && !err.contains("secret"), "{err}");
    }
}
