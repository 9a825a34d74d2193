//! Running statements on a store's pool, in the shapes every capability repeats: an insert, a versioned update,
//! a delete, the row a query finds, a page of records, a record deleted with what it owns. Stamped out per
//! backend (see `crate::sql`).

/// Adds the statement runners to `$store` (whose pool is `sqlx::Pool<$db>`), for the capability modules.
macro_rules! runners {
    ($store:ident, $db:ty) => {
        /// Statement runners of this backend's store, shared by its capability modules.
        mod run {
            use latchkey_core::store::{Page, StoreError, StoreResult};
            use sqlx::query::{Query, QueryAs};
            use sqlx::{Database, FromRow};

            use super::$store;
            use crate::common::{backend, fetch_limit, insert_error, page_of, previous_version};
            use crate::sql::InlineRow;

            type Arguments<'q> = <$db as Database>::Arguments<'q>;
            pub(super) type Connection = <$db as Database>::Connection;

            /// `statement` with `keys` bound in order.
            fn bind_keys<'q>(
                statement: Query<'q, $db, Arguments<'q>>,
                keys: &[&'q str],
            ) -> Query<'q, $db, Arguments<'q>> {
                keys.iter()
                    .fold(statement, |statement, key| statement.bind(*key))
            }

            /// Deletes the rows of each of `tables` that match `condition`, which binds `keys` in order.
            pub(super) async fn delete_rows(
                tx: &mut Connection,
                tables: &[&str],
                condition: &str,
                keys: &[&str],
            ) -> StoreResult<()> {
                for table in tables {
                    let sql = format!("DELETE FROM {table} WHERE {condition}");
                    bind_keys(sqlx::query(&sql), keys)
                        .execute(&mut *tx)
                        .await
                        .map_err(backend)?;
                }
                Ok(())
            }

            /// `query` with `keys` bound in order.
            fn bind_keys_as<'q, R>(
                query: QueryAs<'q, $db, R, Arguments<'q>>,
                keys: &[&'q str],
            ) -> QueryAs<'q, $db, R, Arguments<'q>> {
                keys.iter().fold(query, |query, key| query.bind(*key))
            }

            /// A versioned update (optimistic concurrency): `sql` binds the record's new `doc` and `version`, then
            /// `keys`, then the version it expects stored, the one before.
            pub(super) fn versioned_update<'q>(
                sql: &'q str,
                doc: String,
                version: i64,
                keys: &[&'q str],
            ) -> Query<'q, $db, Arguments<'q>> {
                bind_keys(sqlx::query(sql).bind(doc).bind(version), keys).bind(previous_version(version))
            }

            impl $store {
                /// Runs `statement` for the number of rows it changed. The error is the caller's to map.
                pub(super) async fn changed<'q>(
                    &self,
                    statement: Query<'q, $db, Arguments<'q>>,
                ) -> Result<u64, sqlx::Error> {
                    Ok(statement.execute(&self.pool).await?.rows_affected())
                }

                /// Runs an insert: a taken key is `Duplicate { kind: clash }`, a missing referenced row a
                /// `Conflict` naming `parent()` (see `insert_error`).
                pub(super) async fn insert<'q>(
                    &self,
                    statement: Query<'q, $db, Arguments<'q>>,
                    clash: &str,
                    parent: impl FnOnce() -> String + Send,
                ) -> StoreResult<()> {
                    match self.changed(statement).await {
                        Ok(_) => Ok(()),
                        Err(e) => Err(insert_error(e, clash, &parent())),
                    }
                }

                /// Runs an update that checks what it changes (a version, an owner): `gone()` when no row
                /// matched.
                pub(super) async fn update<'q>(
                    &self,
                    statement: Query<'q, $db, Arguments<'q>>,
                    gone: impl FnOnce() -> StoreError + Send,
                ) -> StoreResult<()> {
                    match self.changed(statement).await.map_err(backend)? {
                        0 => Err(gone()),
                        _ => Ok(()),
                    }
                }

                /// Runs a delete: whether there was anything to delete.
                pub(super) async fn delete<'q>(
                    &self,
                    statement: Query<'q, $db, Arguments<'q>>,
                ) -> StoreResult<bool> {
                    Ok(self.changed(statement).await.map_err(backend)? > 0)
                }

                /// Deletes a record and the rows it owns in one write transaction, the owned rows first: the
                /// foreign keys cascade too, but the explicit list keeps what goes visible, and complete should
                /// a SQLite connection run with foreign_keys off. `owner` is the condition on the `owned`
                /// tables and `record` deletes the record itself; both bind `keys` in order. Whether the record
                /// existed.
                pub(super) async fn delete_owned(
                    &self,
                    owned: &[&str],
                    owner: &str,
                    record: &str,
                    keys: &[&str],
                ) -> StoreResult<bool> {
                    let mut tx = self.begin_write().await?;
                    delete_rows(&mut tx, owned, owner, keys).await?;
                    let done = bind_keys(sqlx::query(record), keys)
                        .execute(&mut *tx)
                        .await
                        .map_err(backend)?;
                    tx.commit().await.map_err(backend)?;
                    Ok(done.rows_affected() > 0)
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

                /// The row `sql` finds with `keys` bound to `$1`…, through `convert`: as `optional`, but the
                /// backend may read it inline (`read_inline`).
                pub(super) async fn find<'q, R, T>(
                    &self,
                    sql: &'q str,
                    keys: &[&'q str],
                    convert: impl FnOnce(R) -> StoreResult<T> + Send,
                ) -> StoreResult<Option<T>>
                where
                    R: for<'r> FromRow<'r, <$db as Database>::Row> + InlineRow + Send + Unpin,
                {
                    if let Some(rows) = self.read_inline::<R>(sql, keys, None, 1) {
                        return rows?.into_iter().next().map(convert).transpose();
                    }
                    self.optional(bind_keys_as(sqlx::query_as(sql), keys), convert)
                        .await
                }

                /// A page of versioned records that `sql` selects with `keys` bound to `$1`… and the row limit
                /// after them: as `page`, but the backend may read it inline (`read_inline`).
                pub(super) async fn find_page<'q, T>(
                    &self,
                    sql: &'q str,
                    keys: &[&'q str],
                    convert: fn((String, i64)) -> StoreResult<T>,
                    limit: u32,
                    key: impl Fn(&T) -> &str + Send,
                ) -> StoreResult<Page<T>> {
                    let rows = self.read_inline(sql, keys, Some(fetch_limit(limit)), usize::MAX);
                    if let Some(rows) = rows {
                        return page_of(rows?, convert, limit, key);
                    }
                    self.page(bind_keys_as(sqlx::query_as(sql), keys), convert, limit, key)
                        .await
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
