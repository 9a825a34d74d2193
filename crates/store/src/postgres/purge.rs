//! The background purge in PostgreSQL: one bounded DELETE per kind, each its own short transaction. The rows to
//! delete are picked with `FOR UPDATE SKIP LOCKED`, so nodes purging at the same time take different rows
//! instead of waiting for each other, and a sign-in writing a row being purged waits for one batch at most.

use async_trait::async_trait;
use latchkey_core::store::{PurgeCutoffs, PurgeStore, Purged, StoreResult};
use latchkey_core::time::Timestamp;

use super::PostgresStore;
use crate::common::backend;

impl PostgresStore {
    /// Deletes at most `limit` rows of `table` (primary key `key`) whose `column` is before `cutoff`.
    async fn delete_before(
        &self,
        table: &str,
        key: &str,
        column: &str,
        cutoff: Timestamp,
        limit: u32,
    ) -> StoreResult<u64> {
        // Table and column names come from the constants below, never from input.
        let sql = format!(
            "DELETE FROM {table} WHERE ({key}) IN \
             (SELECT {key} FROM {table} WHERE {column} < $1 ORDER BY {column} LIMIT $2 FOR UPDATE SKIP LOCKED)"
        );
        let done = sqlx::query(&sql)
            .bind(cutoff.millis())
            .bind(i64::from(limit))
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected())
    }
}

#[async_trait]
impl PurgeStore for PostgresStore {
    async fn purge_expired(&self, cutoffs: &PurgeCutoffs, limit: u32) -> StoreResult<Purged> {
        Ok(Purged {
            refresh_tokens: self
                .delete_before(
                    "refresh_tokens",
                    "handle_hash",
                    "expires_ms",
                    cutoffs.refresh_tokens,
                    limit,
                )
                .await?,
            codes: self
                .delete_before(
                    "codes",
                    "pool_id, username, purpose",
                    "expires_ms",
                    cutoffs.codes,
                    limit,
                )
                .await?,
            counters: self
                .delete_before("counters", "key", "expires_ms", cutoffs.counters, limit)
                .await?,
            outbox: self
                .delete_before("outbox", "id", "created_ms", cutoffs.outbox, limit)
                .await?,
        })
    }
}
