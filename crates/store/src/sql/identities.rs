//! Identity pools, their identities and the logins linked to them (`IdentityStore`), stamped out per backend
//! (see `crate::sql`).

// An identity is read with its logins in one statement (one snapshot): a LEFT JOIN gives one row per login, or
// one row without a login, ordered by login (see `IdentityRow`).

pub(crate) const GET_IDENTITY: &str =
    "SELECT i.id, i.pool_id, i.created_ms, i.modified_ms, l.provider, l.subject \
     FROM identities i LEFT JOIN identity_logins l ON l.identity_id = i.id \
     WHERE i.id = $1 ORDER BY l.provider, l.subject";
pub(crate) const IDENTITY_FOR_LOGIN: &str =
    "SELECT i.id, i.pool_id, i.created_ms, i.modified_ms, l.provider, l.subject \
     FROM identity_logins k JOIN identities i ON i.id = k.identity_id \
     LEFT JOIN identity_logins l ON l.identity_id = i.id \
     WHERE k.pool_id = $1 AND k.provider = $2 AND k.subject = $3 ORDER BY l.provider, l.subject";
/// The page's identities are chosen first (the limit counts identities, not logins), then joined.
pub(crate) const LIST_IDENTITIES: &str =
    "SELECT i.id, i.pool_id, i.created_ms, i.modified_ms, l.provider, l.subject \
     FROM (SELECT id, pool_id, created_ms, modified_ms FROM identities \
           WHERE pool_id = $1 AND id > $2 ORDER BY id LIMIT $3) i \
     LEFT JOIN identity_logins l ON l.identity_id = i.id \
     ORDER BY i.id, l.provider, l.subject";

// ListIdentityPools: ids in [prefix, prefix_end(prefix)) after the caller's position, an index range. An empty
// prefix (or one with no upper bound) has no end.
pub(crate) const LIST_POOLS_BOUNDED: &str = "SELECT doc, version FROM identity_pools \
     WHERE id >= $1 AND id > $2 AND id < $3 ORDER BY id LIMIT $4";
pub(crate) const LIST_POOLS_UNBOUNDED: &str = "SELECT doc, version FROM identity_pools \
     WHERE id >= $1 AND id > $2 ORDER BY id LIMIT $3";

/// Sets an identity's last-modified time and finds its pool: none when the identity is gone. On PostgreSQL the
/// update also locks the row, so a concurrent delete or merge of the identity waits for the caller's commit.
pub(crate) const TOUCH_IDENTITY: &str =
    "UPDATE identities SET modified_ms = $1 WHERE id = $2 RETURNING pool_id";
pub(crate) const INSERT_LOGIN: &str =
    "INSERT INTO identity_logins (pool_id, provider, subject, identity_id) VALUES ($1, $2, $3, $4)";

/// Implements `IdentityStore` for `$store`.
macro_rules! identity_store {
    ($store:ident) => {
        /// Identity pools, identities and their logins.
        mod identities {
            use std::collections::{BTreeSet, HashSet};

            use async_trait::async_trait;
            use latchkey_core::identity::{Identity, IdentityPool, Login};
            use latchkey_core::store::{IdentityStore, Page, StoreError, StoreResult};
            use latchkey_core::time::Timestamp;

            use super::run::{versioned_update, Connection};
            use super::$store;
            use crate::common::{
                backend, changed_or_gone, count, fetch_limit, identities_from_rows, identity_pool_doc,
                identity_pool_from_row, insert_error, page, prefix_end, IdentityRow,
            };
            use crate::sql::identities::{
                GET_IDENTITY, IDENTITY_FOR_LOGIN, INSERT_LOGIN, LIST_IDENTITIES, LIST_POOLS_BOUNDED,
                LIST_POOLS_UNBOUNDED, TOUCH_IDENTITY,
            };

            /// The logins without repeats, sorted: a login listed twice must not clash with itself, and
            /// writers that take the logins' keys in one order cannot deadlock on them (PostgreSQL).
            fn distinct(logins: &[Login]) -> BTreeSet<&Login> {
                logins.iter().collect()
            }

            fn login_taken() -> StoreError {
                StoreError::Duplicate {
                    kind: "login".into(),
                }
            }

            /// See `TOUCH_IDENTITY`.
            async fn touch(tx: &mut Connection, identity_id: &str, now: Timestamp) -> StoreResult<Option<String>> {
                let pool: Option<(String,)> = sqlx::query_as(TOUCH_IDENTITY)
                    .bind(now.millis())
                    .bind(identity_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(backend)?;
                Ok(pool.map(|(pool_id,)| pool_id))
            }

            /// Links `login` to the identity unless it is linked to it already; `Duplicate` when another
            /// identity holds it. DO NOTHING waits for a concurrent writer of the same key to finish, so the
            /// owner read next is committed.
            async fn link(
                tx: &mut Connection,
                pool_id: &str,
                identity_id: &str,
                login: &Login,
            ) -> StoreResult<()> {
                let inserted = sqlx::query(
                    "INSERT INTO identity_logins (pool_id, provider, subject, identity_id) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (pool_id, provider, subject) DO NOTHING",
                )
                .bind(pool_id)
                .bind(&login.provider)
                .bind(&login.subject)
                .bind(identity_id)
                .execute(&mut *tx)
                .await
                .map_err(|e| insert_error(e, "login", &format!("identity {identity_id}")))?;
                if inserted.rows_affected() > 0 {
                    return Ok(());
                }
                let owner: Option<(String,)> = sqlx::query_as(
                    "SELECT identity_id FROM identity_logins WHERE pool_id = $1 AND provider = $2 AND subject = $3",
                )
                .bind(pool_id)
                .bind(&login.provider)
                .bind(&login.subject)
                .fetch_optional(&mut *tx)
                .await
                .map_err(backend)?;
                match owner {
                    Some((owner,)) if owner == identity_id => Ok(()),
                    Some(_) => Err(login_taken()),
                    // Unlinked between the two statements: a lost race the caller may retry.
                    None => Err(StoreError::Conflict(format!(
                        "a login of identity pool {pool_id} changed concurrently"
                    ))),
                }
            }

            #[async_trait]
            impl IdentityStore for $store {
                async fn insert_identity_pool(&self, pool: &IdentityPool) -> StoreResult<()> {
                    let insert = sqlx::query("INSERT INTO identity_pools (id, version, doc) VALUES ($1, $2, $3)")
                        .bind(&pool.id)
                        .bind(pool.version)
                        .bind(identity_pool_doc(pool)?);
                    self.insert(insert, "identity_pool", || "identity pool".into()).await
                }

                async fn get_identity_pool(&self, id: &str) -> StoreResult<Option<IdentityPool>> {
                    let query = sqlx::query_as("SELECT doc, version FROM identity_pools WHERE id = $1").bind(id);
                    self.optional(query, identity_pool_from_row).await
                }

                async fn update_identity_pool(&self, pool: &IdentityPool) -> StoreResult<()> {
                    let update = versioned_update(
                        "UPDATE identity_pools SET doc = $1, version = $2 WHERE id = $3 AND version = $4",
                        identity_pool_doc(pool)?,
                        pool.version,
                        &[&pool.id],
                    );
                    self.update(update, || changed_or_gone(&format!("identity pool {}", pool.id)))
                        .await
                }

                async fn delete_identity_pool(&self, id: &str) -> StoreResult<bool> {
                    let record = "DELETE FROM identity_pools WHERE id = $1";
                    self.delete_owned(&["identity_logins", "identities"], "pool_id = $1", record, &[id])
                        .await
                }

                async fn list_identity_pools(
                    &self,
                    id_prefix: &str,
                    after: Option<&str>,
                    limit: u32,
                ) -> StoreResult<Page<IdentityPool>> {
                    let end = prefix_end(id_prefix);
                    let sql = if end.is_some() { LIST_POOLS_BOUNDED } else { LIST_POOLS_UNBOUNDED };
                    let mut query = sqlx::query_as(sql).bind(id_prefix).bind(after.unwrap_or(""));
                    if let Some(end) = end {
                        query = query.bind(end);
                    }
                    self.page(query, identity_pool_from_row, limit, |p| &p.id).await
                }

                async fn insert_identity(&self, identity: &Identity) -> StoreResult<()> {
                    let mut tx = self.begin_write().await?;
                    sqlx::query(
                        "INSERT INTO identities (id, pool_id, created_ms, modified_ms) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(&identity.id)
                    .bind(&identity.pool_id)
                    .bind(identity.created.millis())
                    .bind(identity.last_modified.millis())
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| insert_error(e, "identity", &format!("identity pool {}", identity.pool_id)))?;
                    for login in distinct(&identity.logins) {
                        sqlx::query(INSERT_LOGIN)
                            .bind(&identity.pool_id)
                            .bind(&login.provider)
                            .bind(&login.subject)
                            .bind(&identity.id)
                            .execute(&mut *tx)
                            .await
                            .map_err(|e| insert_error(e, "login", &format!("identity {}", identity.id)))?;
                    }
                    tx.commit().await.map_err(backend)
                }

                async fn get_identity(&self, identity_id: &str) -> StoreResult<Option<Identity>> {
                    let rows: Vec<IdentityRow> = sqlx::query_as(GET_IDENTITY)
                        .bind(identity_id)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(backend)?;
                    Ok(identities_from_rows(rows).into_iter().next())
                }

                async fn identity_for_login(&self, pool_id: &str, login: &Login) -> StoreResult<Option<Identity>> {
                    let rows: Vec<IdentityRow> = sqlx::query_as(IDENTITY_FOR_LOGIN)
                        .bind(pool_id)
                        .bind(&login.provider)
                        .bind(&login.subject)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(backend)?;
                    Ok(identities_from_rows(rows).into_iter().next())
                }

                async fn link_logins(&self, identity_id: &str, logins: &[Login], now: Timestamp) -> StoreResult<()> {
                    let mut tx = self.begin_write().await?;
                    let Some(pool_id) = touch(&mut tx, identity_id, now).await? else {
                        return Err(StoreError::Conflict(format!("identity {identity_id} does not exist")));
                    };
                    // An early return drops the transaction, which rolls back what was linked before.
                    for login in distinct(logins) {
                        link(&mut tx, &pool_id, identity_id, login).await?;
                    }
                    tx.commit().await.map_err(backend)
                }

                async fn unlink_logins(
                    &self,
                    identity_id: &str,
                    logins: &[Login],
                    now: Timestamp,
                ) -> StoreResult<u64> {
                    let mut tx = self.begin_write().await?;
                    let mut unlinked = 0;
                    for login in distinct(logins) {
                        let done = sqlx::query(
                            "DELETE FROM identity_logins WHERE identity_id = $1 AND provider = $2 AND subject = $3",
                        )
                        .bind(identity_id)
                        .bind(&login.provider)
                        .bind(&login.subject)
                        .execute(&mut *tx)
                        .await
                        .map_err(backend)?;
                        unlinked += done.rows_affected();
                    }
                    // Only a change is a modification.
                    if unlinked > 0 {
                        touch(&mut tx, identity_id, now).await?;
                    }
                    tx.commit().await.map_err(backend)?;
                    Ok(unlinked)
                }

                async fn merge_identities(
                    &self,
                    source: &str,
                    destination: &str,
                    provider: &str,
                    now: Timestamp,
                ) -> StoreResult<()> {
                    let mut tx = self.begin_write().await?;
                    // Touched in id order, so that every merge locks the two rows in the same order (PostgreSQL).
                    let (first, second) = if source <= destination {
                        (source, destination)
                    } else {
                        (destination, source)
                    };
                    let pools = (touch(&mut tx, first, now).await?, touch(&mut tx, second, now).await?);
                    match pools {
                        (Some(a), Some(b)) if a == b => {}
                        (Some(_), Some(_)) => {
                            return Err(StoreError::Conflict(format!(
                                "identities {source} and {destination} belong to different pools"
                            )))
                        }
                        _ => {
                            return Err(StoreError::Conflict(format!(
                                "identity {source} or {destination} does not exist"
                            )))
                        }
                    }
                    // Merging an identity into itself moves nothing (and must not delete it).
                    if source != destination {
                        sqlx::query(
                            "UPDATE identity_logins SET identity_id = $1 WHERE identity_id = $2 AND provider = $3",
                        )
                        .bind(destination)
                        .bind(source)
                        .bind(provider)
                        .execute(&mut *tx)
                        .await
                        .map_err(backend)?;
                        let (left,): (i64,) =
                            sqlx::query_as("SELECT COUNT(*) FROM identity_logins WHERE identity_id = $1")
                                .bind(source)
                                .fetch_one(&mut *tx)
                                .await
                                .map_err(backend)?;
                        if count(left)? == 0 {
                            sqlx::query("DELETE FROM identities WHERE id = $1")
                                .bind(source)
                                .execute(&mut *tx)
                                .await
                                .map_err(backend)?;
                        }
                    }
                    tx.commit().await.map_err(backend)
                }

                async fn delete_identities(&self, identity_ids: &[String]) -> StoreResult<Vec<String>> {
                    let mut tx = self.begin_write().await?;
                    let mut seen = HashSet::new();
                    let mut missing = Vec::new();
                    for id in identity_ids.iter().filter(|id| seen.insert(id.as_str())) {
                        // The logins first, as `delete_owned` does: explicit rather than left to the cascade.
                        sqlx::query("DELETE FROM identity_logins WHERE identity_id = $1")
                            .bind(id)
                            .execute(&mut *tx)
                            .await
                            .map_err(backend)?;
                        let done = sqlx::query("DELETE FROM identities WHERE id = $1")
                            .bind(id)
                            .execute(&mut *tx)
                            .await
                            .map_err(backend)?;
                        if done.rows_affected() == 0 {
                            missing.push(id.clone());
                        }
                    }
                    tx.commit().await.map_err(backend)?;
                    Ok(missing)
                }

                async fn list_identities(
                    &self,
                    pool_id: &str,
                    after: Option<&str>,
                    limit: u32,
                ) -> StoreResult<Page<Identity>> {
                    let rows: Vec<IdentityRow> = sqlx::query_as(LIST_IDENTITIES)
                        .bind(pool_id)
                        .bind(after.unwrap_or(""))
                        .bind(fetch_limit(limit))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(backend)?;
                    Ok(page(identities_from_rows(rows), limit, |i| &i.id))
                }
            }
        }
    };
}
pub(crate) use identity_store;
