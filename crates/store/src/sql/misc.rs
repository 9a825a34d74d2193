//! The development outbox and rate counters (`MiscStore`), stamped out per backend (see `crate::sql`).

/// The counter increment with `$expiry` as the new `expires_ms`, written out whole at compile time so that an
/// increment (on every sign-in attempt and rate check) builds no SQL at run time.
macro_rules! bump_counter_sql {
    ($expiry:literal) => {
        concat!(
            "INSERT INTO counters (key, value, expires_ms) VALUES ($1, 1, $3) ",
            "ON CONFLICT (key) DO UPDATE SET ",
            "value = CASE WHEN counters.expires_ms <= $2 THEN 1 ELSE counters.value + 1 END, ",
            "expires_ms = ",
            $expiry,
            " RETURNING value"
        )
    };
}

/// An increment that keeps a live window's expiry (and gives an ended one the caller's).
pub(crate) const BUMP_FIXED_WINDOW: &str = bump_counter_sql!(
    "CASE WHEN counters.expires_ms <= $2 THEN excluded.expires_ms ELSE counters.expires_ms END"
);
/// An increment that always moves the expiry to the caller's.
pub(crate) const BUMP_SLIDING: &str = bump_counter_sql!("excluded.expires_ms");

/// Implements `MiscStore` for `$store`.
macro_rules! misc_store {
    ($store:ident) => {
        /// The development outbox and rate counters.
        mod misc {
            use async_trait::async_trait;
            use latchkey_core::store::{MiscStore, OutboxMessage, StoreError, StoreResult};
            use latchkey_core::time::Timestamp;

            use super::$store;
            use crate::common::{backend, count, outbox_doc, outbox_from_doc};
            use crate::sql::misc::{BUMP_FIXED_WINDOW, BUMP_SLIDING};

            #[async_trait]
            impl MiscStore for $store {
                async fn insert_outbox(&self, message: &OutboxMessage) -> StoreResult<()> {
                    let insert =
                        sqlx::query("INSERT INTO outbox (id, pool_id, created_ms, doc) VALUES ($1, $2, $3, $4)")
                            .bind(&message.id)
                            .bind(&message.pool_id)
                            .bind(message.created.millis())
                            .bind(outbox_doc(message)?);
                    self.insert(insert, "outbox_message", || "outbox".into()).await
                }

                async fn list_outbox(&self, limit: u32) -> StoreResult<Vec<OutboxMessage>> {
                    let rows: Vec<(String,)> =
                        sqlx::query_as("SELECT doc FROM outbox ORDER BY created_ms DESC, id DESC LIMIT $1")
                            .bind(i64::from(limit))
                            .fetch_all(&self.pool)
                            .await
                            .map_err(backend)?;
                    rows.iter().map(|(doc,)| outbox_from_doc(doc)).collect()
                }

                async fn increment_counter(
                    &self,
                    key: &str,
                    now: Timestamp,
                    expires: Timestamp,
                ) -> StoreResult<u64> {
                    // A window that has ended (expires_ms <= now) restarts at 1 with the caller's new expiry;
                    // within it the expiry stays.
                    self.bump_counter(key, now, expires, BUMP_FIXED_WINDOW).await
                }

                async fn decrement_counter(&self, key: &str, now: Timestamp) -> StoreResult<()> {
                    let decrement = sqlx::query(
                        "UPDATE counters SET value = value - 1 WHERE key = $1 AND value > 0 AND expires_ms > $2",
                    )
                    .bind(key)
                    .bind(now.millis());
                    self.changed(decrement).await.map_err(backend)?;
                    Ok(())
                }

                async fn increment_counter_sliding(
                    &self,
                    key: &str,
                    now: Timestamp,
                    expires: Timestamp,
                ) -> StoreResult<u64> {
                    self.bump_counter(key, now, expires, BUMP_SLIDING).await
                }

                async fn get_counter(&self, key: &str, now: Timestamp) -> StoreResult<Option<(u64, Timestamp)>> {
                    let query =
                        sqlx::query_as("SELECT value, expires_ms FROM counters WHERE key = $1 AND expires_ms > $2")
                            .bind(key)
                            .bind(now.millis());
                    let convert = |(value, expires): (i64, i64)| Ok((count(value)?, Timestamp::from_millis(expires)));
                    self.optional(query, convert).await
                }

                async fn put_counter(&self, key: &str, value: u64, expires: Timestamp) -> StoreResult<()> {
                    let value = i64::try_from(value)
                        .map_err(|_| StoreError::Backend("counter value out of range".into()))?;
                    let upsert = sqlx::query(
                        "INSERT INTO counters (key, value, expires_ms) VALUES ($1, $2, $3) \
                         ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_ms = excluded.expires_ms",
                    )
                    .bind(key)
                    .bind(value)
                    .bind(expires.millis());
                    self.changed(upsert).await.map_err(backend)?;
                    Ok(())
                }
            }

            impl $store {
                /// One upsert (`sql`: `BUMP_FIXED_WINDOW` or `BUMP_SLIDING`), so concurrent increments serialize on
                /// the row and none is lost; an expired counter restarts at 1.
                async fn bump_counter(
                    &self,
                    key: &str,
                    now: Timestamp,
                    expires: Timestamp,
                    sql: &'static str,
                ) -> StoreResult<u64> {
                    let (value,): (i64,) = sqlx::query_as(sql)
                        .bind(key)
                        .bind(now.millis())
                        .bind(expires.millis())
                        .fetch_one(&self.pool)
                        .await
                        .map_err(backend)?;
                    count(value)
                }
            }
        }
    };
}
pub(crate) use misc_store;
