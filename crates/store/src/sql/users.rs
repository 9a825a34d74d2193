//! Users, their lookup and search indexes, and one-time codes (`UserStore`), stamped out per backend (see
//! `crate::sql`).

/// Everything of a user, deleted with it (see `delete_owned`): the rows matching `OF_USER`.
pub(crate) const USER_TABLES: [&str; 6] = [
    "devices",
    "group_members",
    "codes",
    "refresh_tokens",
    "user_search",
    "user_lookups",
];

/// The condition on a user's own rows in the tables that hold them.
pub(crate) const OF_USER: &str = "pool_id = $1 AND username = $2";

/// A user's index rows: a clash on a lookup key is a clash with another user.
pub(crate) const INSERT_LOOKUP: &str =
    "INSERT INTO user_lookups (pool_id, kind, key, username) VALUES ($1, $2, $3, $4)";
pub(crate) const INSERT_SEARCH: &str =
    "INSERT INTO user_search (pool_id, kind, key, username) VALUES ($1, $2, $3, $4)";

// ListUsers (see `UserListing`). Filtered listings walk the search index's primary key (pool, kind, key, username)
// and fetch each listed user by its own key, so a page costs one index range whatever the pool's size.
pub(crate) const LIST_ALL: &str = "SELECT doc, version, username FROM users \
     WHERE pool_id = $1 AND username > $2 ORDER BY username LIMIT $3";
pub(crate) const LIST_EXACT: &str = "SELECT u.doc, u.version, s.key FROM user_search s \
     JOIN users u ON u.pool_id = s.pool_id AND u.username = s.username \
     WHERE s.pool_id = $1 AND s.kind = $2 AND s.key = $3 AND s.username > $4 \
     ORDER BY s.username LIMIT $5";
pub(crate) const LIST_PREFIX_FIRST: &str = "SELECT u.doc, u.version, s.key FROM user_search s \
     JOIN users u ON u.pool_id = s.pool_id AND u.username = s.username \
     WHERE s.pool_id = $1 AND s.kind = $2 AND s.key >= $3 AND s.key < $4 \
     ORDER BY s.key, s.username LIMIT $5";
pub(crate) const LIST_PREFIX_AFTER: &str = "SELECT u.doc, u.version, s.key FROM user_search s \
     JOIN users u ON u.pool_id = s.pool_id AND u.username = s.username \
     WHERE s.pool_id = $1 AND s.kind = $2 AND (s.key, s.username) > ($3, $4) AND s.key < $5 \
     ORDER BY s.key, s.username LIMIT $6";

/// Implements `UserStore` for `$store`.
macro_rules! user_store {
    ($store:ident) => {
        /// Users, their indexes and one-time codes.
        mod users {
            use async_trait::async_trait;
            use latchkey_core::store::{
                CodeRecord, IndexEntry, NewUserRows, Page, StoreResult, UserFilter, UserStore,
            };
            use latchkey_core::users::User;

            use super::run::{delete_rows, versioned_update, Connection};
            use super::$store;
            use crate::common::{
                attempts_of, backend, changed_or_gone, code_doc, code_from_row, count, distinct, fetch_limit,
                insert_error, user_doc, user_from_row, UserListing,
            };
            use crate::sql::users::{
                INSERT_LOOKUP, INSERT_SEARCH, LIST_ALL, LIST_EXACT, LIST_PREFIX_AFTER, LIST_PREFIX_FIRST,
                OF_USER, USER_TABLES,
            };

            /// Writes a user's index rows, one statement per lookup so a clash names its kind. Search rows
            /// cannot clash: they are deduplicated, the user's old ones are gone, and no one else writes this
            /// user's rows meanwhile.
            async fn insert_index(
                tx: &mut Connection,
                user: &User,
                lookups: &[IndexEntry],
                search: &[IndexEntry],
            ) -> StoreResult<()> {
                for entry in distinct(lookups) {
                    insert_index_row(tx, INSERT_LOOKUP, user, entry)
                        .await
                        .map_err(|e| insert_error(e, &entry.kind, &format!("user {}", user.username)))?;
                }
                for entry in distinct(search) {
                    insert_index_row(tx, INSERT_SEARCH, user, entry).await.map_err(backend)?;
                }
                Ok(())
            }

            /// Runs `insert` (`INSERT_LOOKUP` or `INSERT_SEARCH`) for one of a user's index entries.
            async fn insert_index_row(
                tx: &mut Connection,
                insert: &str,
                user: &User,
                entry: &IndexEntry,
            ) -> Result<(), sqlx::Error> {
                sqlx::query(insert)
                    .bind(&user.pool_id)
                    .bind(&entry.kind)
                    .bind(&entry.key)
                    .bind(&user.username)
                    .execute(&mut *tx)
                    .await?;
                Ok(())
            }

            /// Writes a user's own row; a taken username is `Duplicate { kind: "username" }`.
            async fn insert_user_row(tx: &mut Connection, user: &User) -> StoreResult<()> {
                sqlx::query("INSERT INTO users (pool_id, username, version, doc) VALUES ($1, $2, $3, $4)")
                    .bind(&user.pool_id)
                    .bind(&user.username)
                    .bind(user.version)
                    .bind(user_doc(user)?)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| insert_error(e, "username", &format!("user pool {}", user.pool_id)))?;
                Ok(())
            }

            #[async_trait]
            impl UserStore for $store {
                async fn insert_user(
                    &self,
                    user: &User,
                    lookups: &[IndexEntry],
                    search: &[IndexEntry],
                ) -> StoreResult<()> {
                    let mut tx = self.begin_write().await?;
                    insert_user_row(&mut tx, user).await?;
                    insert_index(&mut tx, user, lookups, search).await?;
                    tx.commit().await.map_err(backend)
                }

                async fn insert_users(&self, users: &[NewUserRows]) -> StoreResult<()> {
                    let mut tx = self.begin_write().await?;
                    for (user, lookups, search) in users {
                        insert_user_row(&mut tx, user).await?;
                        insert_index(&mut tx, user, lookups, search).await?;
                    }
                    tx.commit().await.map_err(backend)
                }

                async fn get_user(&self, pool_id: &str, username: &str) -> StoreResult<Option<User>> {
                    let query = sqlx::query_as("SELECT doc, version FROM users WHERE pool_id = $1 AND username = $2")
                        .bind(pool_id)
                        .bind(username);
                    self.optional(query, user_from_row).await
                }

                async fn find_user(&self, pool_id: &str, kind: &str, key: &str) -> StoreResult<Option<User>> {
                    let query = sqlx::query_as(
                        "SELECT u.doc, u.version FROM user_lookups l \
                         JOIN users u ON u.pool_id = l.pool_id AND u.username = l.username \
                         WHERE l.pool_id = $1 AND l.kind = $2 AND l.key = $3",
                    )
                    .bind(pool_id)
                    .bind(kind)
                    .bind(key);
                    self.optional(query, user_from_row).await
                }

                async fn update_user(
                    &self,
                    user: &User,
                    lookups: &[IndexEntry],
                    search: &[IndexEntry],
                ) -> StoreResult<()> {
                    let mut tx = self.begin_write().await?;
                    let keys = [user.pool_id.as_str(), &user.username];
                    let done = versioned_update(
                        "UPDATE users SET doc = $1, version = $2 \
                         WHERE pool_id = $3 AND username = $4 AND version = $5",
                        user_doc(user)?,
                        user.version,
                        &keys,
                    )
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                    if done.rows_affected() == 0 {
                        return Err(changed_or_gone(&format!("user {}", user.username)));
                    }
                    // Replace rather than diff: the user's own old keys must not clash with its new ones, and a
                    // clash with another user rolls the whole update back.
                    delete_rows(&mut tx, &["user_lookups", "user_search"], OF_USER, &keys).await?;
                    insert_index(&mut tx, user, lookups, search).await?;
                    tx.commit().await.map_err(backend)
                }

                async fn delete_user(&self, pool_id: &str, username: &str) -> StoreResult<bool> {
                    let record = "DELETE FROM users WHERE pool_id = $1 AND username = $2";
                    self.delete_owned(&USER_TABLES, OF_USER, record, &[pool_id, username])
                        .await
                }

                async fn list_users(
                    &self,
                    pool_id: &str,
                    filter: Option<&UserFilter>,
                    after: Option<&str>,
                    limit: u32,
                ) -> StoreResult<Page<User>> {
                    let listing = UserListing::plan(filter, after);
                    let query = |sql: &'static str| sqlx::query_as::<_, (String, i64, String)>(sql).bind(pool_id);
                    let query = match &listing {
                        UserListing::All { after } => query(LIST_ALL).bind(*after),
                        UserListing::Exact { kind, key, after } => {
                            query(LIST_EXACT).bind(*kind).bind(*key).bind(*after)
                        }
                        UserListing::PrefixFirst { kind, start, end } => query(LIST_PREFIX_FIRST)
                            .bind(*kind)
                            .bind(*start)
                            .bind(end.as_str()),
                        UserListing::PrefixAfter {
                            kind,
                            key,
                            username,
                            end,
                        } => query(LIST_PREFIX_AFTER)
                            .bind(*kind)
                            .bind(*key)
                            .bind(*username)
                            .bind(end.as_str()),
                    };
                    let rows = query
                        .bind(fetch_limit(limit))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(backend)?;
                    listing.page(rows, limit)
                }

                async fn count_users(&self, pool_id: &str) -> StoreResult<u64> {
                    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users WHERE pool_id = $1")
                        .bind(pool_id)
                        .fetch_one(&self.pool)
                        .await
                        .map_err(backend)?;
                    count(n)
                }

                async fn put_code(&self, code: &CodeRecord) -> StoreResult<()> {
                    let upsert = sqlx::query(
                        "INSERT INTO codes (pool_id, username, purpose, attempts, doc, expires_ms) \
                         VALUES ($1, $2, $3, $4, $5, $6) \
                         ON CONFLICT (pool_id, username, purpose) \
                         DO UPDATE SET attempts = excluded.attempts, doc = excluded.doc, \
                         expires_ms = excluded.expires_ms",
                    )
                    .bind(&code.pool_id)
                    .bind(&code.username)
                    .bind(&code.purpose)
                    .bind(i64::from(code.attempts))
                    .bind(code_doc(code)?)
                    .bind(code.expires.millis());
                    self.insert(upsert, "code", || format!("user {}", code.username))
                        .await
                }

                async fn get_code(
                    &self,
                    pool_id: &str,
                    username: &str,
                    purpose: &str,
                ) -> StoreResult<Option<CodeRecord>> {
                    let query = sqlx::query_as(
                        "SELECT doc, attempts FROM codes WHERE pool_id = $1 AND username = $2 AND purpose = $3",
                    )
                    .bind(pool_id)
                    .bind(username)
                    .bind(purpose);
                    self.optional(query, code_from_row).await
                }

                async fn add_code_attempt(
                    &self,
                    pool_id: &str,
                    username: &str,
                    purpose: &str,
                ) -> StoreResult<u32> {
                    // One statement: concurrent wrong guesses each count, none is lost to a read-modify-write
                    // race.
                    let query = sqlx::query_as(
                        "UPDATE codes SET attempts = attempts + 1 \
                         WHERE pool_id = $1 AND username = $2 AND purpose = $3 RETURNING attempts",
                    )
                    .bind(pool_id)
                    .bind(username)
                    .bind(purpose);
                    let attempts = self.optional(query, |(n,): (i64,)| attempts_of(n)).await?;
                    Ok(attempts.unwrap_or(0))
                }

                async fn take_code(&self, pool_id: &str, username: &str, purpose: &str) -> StoreResult<bool> {
                    let delete =
                        sqlx::query("DELETE FROM codes WHERE pool_id = $1 AND username = $2 AND purpose = $3")
                            .bind(pool_id)
                            .bind(username)
                            .bind(purpose);
                    self.delete(delete).await
                }
            }
        }
    };
}
pub(crate) use user_store;
