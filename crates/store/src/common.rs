//! What both SQL backends share: the JSON document form of records, the mapping from sqlx errors to
//! `StoreError`, and keyset pagination.

use latchkey_core::clients::AppClient;
use latchkey_core::pools::UserPool;
use latchkey_core::store::{Page, StoreError};
use sqlx::error::ErrorKind;

/// The documents stored for records. `version` is serde-skipped and lives in its own column.
pub(crate) fn pool_doc(pool: &UserPool) -> Result<String, StoreError> {
    serde_json::to_string(pool).map_err(|e| StoreError::Backend(format!("cannot serialize user pool: {e}")))
}

pub(crate) fn client_doc(client: &AppClient) -> Result<String, StoreError> {
    serde_json::to_string(client)
        .map_err(|e| StoreError::Backend(format!("cannot serialize app client: {e}")))
}

pub(crate) fn pool_from_row((doc, version): (String, i64)) -> Result<UserPool, StoreError> {
    let mut pool: UserPool =
        serde_json::from_str(&doc).map_err(|e| StoreError::Backend(format!("corrupt user pool row: {e}")))?;
    pool.version = version;
    Ok(pool)
}

pub(crate) fn client_from_row((doc, version): (String, i64)) -> Result<AppClient, StoreError> {
    let mut client: AppClient = serde_json::from_str(&doc)
        .map_err(|e| StoreError::Backend(format!("corrupt app client row: {e}")))?;
    client.version = version;
    Ok(client)
}

/// Any sqlx failure that is not a constraint the caller should hear about.
pub(crate) fn backend(e: sqlx::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

pub(crate) fn migration(e: sqlx::migrate::MigrateError) -> StoreError {
    StoreError::Backend(format!("migration failed: {e}"))
}

/// Errors of an insert: a taken key, or a missing parent row (the pool was deleted), are `Conflict`s naming
/// `what`.
pub(crate) fn insert_error(e: sqlx::Error, what: &str) -> StoreError {
    match e.as_database_error().map(|d| d.kind()) {
        Some(ErrorKind::UniqueViolation) => StoreError::Conflict(format!("{what} already exists")),
        Some(ErrorKind::ForeignKeyViolation) => {
            StoreError::Conflict(format!("{what}: its user pool does not exist"))
        }
        _ => backend(e),
    }
}

/// The version an update expects to find stored: the caller has already incremented it.
pub(crate) fn previous_version(version: i64) -> i64 {
    version.saturating_sub(1)
}

/// Rows to fetch for a page: one beyond `limit`, which only proves there is more. A limit of 0 is read as 1
/// so that a page with a `next` key is never empty.
pub(crate) fn fetch_limit(limit: u32) -> i64 {
    i64::from(limit.max(1)) + 1
}

/// Trims rows fetched with `fetch_limit` to a page; `next` is the last item's key when rows remain.
pub(crate) fn page<T>(mut items: Vec<T>, limit: u32, key: impl Fn(&T) -> &str) -> Page<T> {
    let limit = usize::try_from(limit.max(1)).unwrap_or(usize::MAX);
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|item| key(item).to_owned())
    } else {
        None
    };
    Page { items, next }
}

pub(crate) fn count(n: i64) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Backend(format!("negative row count {n}")))
}
