//! The background purge in SQLite: one bounded DELETE per kind, each its own short write transaction, so
//! sign-ins waiting for the write lock wait for one batch at most.

use async_trait::async_trait;
use latchkey_core::store::{PurgeCutoffs, PurgeStore, Purged, StoreResult};
use latchkey_core::time::Timestamp;

use super::SqliteStore;
use crate::common::backend;

impl SqliteStore {
    /// Deletes at most `limit` rows of `table` whose `column` is before `cutoff` (oldest first, by its index).
    async fn delete_before(
        &self,
        table: &str,
        column: &str,
        cutoff: Timestamp,
        limit: u32,
    ) -> StoreResult<u64> {
        // Table and column names come from the constants below, never from input.
        let sql = format!(
            "DELETE FROM {table} WHERE rowid IN \
             (SELECT rowid FROM {table} WHERE {column} < ? ORDER BY {column} LIMIT ?)"
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
impl PurgeStore for SqliteStore {
    async fn purge_expired(&self, cutoffs: &PurgeCutoffs, limit: u32) -> StoreResult<Purged> {
        Ok(Purged {
            refresh_tokens: self
                .delete_before("refresh_tokens", "expires_ms", cutoffs.refresh_tokens, limit)
                .await?,
            codes: self
                .delete_before("codes", "expires_ms", cutoffs.codes, limit)
                .await?,
            counters: self
                .delete_before("counters", "expires_ms", cutoffs.counters, limit)
                .await?,
            outbox: self
                .delete_before("outbox", "created_ms", cutoffs.outbox, limit)
                .await?,
        })
    }
}
