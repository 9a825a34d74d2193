//! Running one statement on a store's pool, in the shapes every capability repeats: the rows it changed, the
//! row it finds, a page of records. Stamped out per backend (see `crate::sql`).

/// Adds the statement runners to `$store` (whose pool is `sqlx::Pool<$db>`), for the capability modules.
macro_rules! runners {
    ($store:ident, $db:ty) => {
        /// Statement runners of this backend's store, shared by its capability modules.
        mod run {
            use latchkey_core::store::{Page, StoreResult};
            use sqlx::query::{Query, QueryAs};
            use sqlx::{Database, FromRow};

            use super::$store;
            use crate::common::{backend, fetch_limit, page_of};

            type Arguments<'q> = <$db as Database>::Arguments<'q>;

            impl $store {
                /// Runs `statement` for the number of rows it changed. The error is the caller's to map: an
                /// insert names what clashed.
                pub(super) async fn changed<'q>(
                    &self,
                    statement: Query<'q, $db, Arguments<'q>>,
                ) -> Result<u64, sqlx::Error> {
                    Ok(statement.execute(&self.pool).await?.rows_affected())
                }

                /// The row `query` finds, if any, through `convert`.
                pub(super) async fn optional<'q, R, T>(
                    &self,
                    query: QueryAs<'q, $db, R, Arguments<'q>>,
                    convert: impl FnOnce(R) -> StoreResult<T> + Send,
                ) -> StoreResult<Option<T>>
                where
                    R: for<'r> FromRow<'r, <$db as Database>::Row> + Send + Unpin,
                {
                    query
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(backend)?
                        .map(convert)
                        .transpose()
                }

                /// A page of versioned records in `key` order: `query` selects `(doc, version)` rows after the
                /// caller's position, and its last parameter, bound here, is the row limit.
                pub(super) async fn page<'q, T>(
                    &self,
                    query: QueryAs<'q, $db, (String, i64), Arguments<'q>>,
                    convert: fn((String, i64)) -> StoreResult<T>,
                    limit: u32,
                    key: impl Fn(&T) -> &str + Send,
                ) -> StoreResult<Page<T>> {
                    let rows = query
                        .bind(fetch_limit(limit))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(backend)?;
                    page_of(rows, convert, limit, key)
                }
            }
        }
    };
}
pub(crate) use runners;
