//! The background purge (`PurgeStore`), stamped out per backend (see `crate::sql`): one bounded DELETE per
//! kind, each its own short transaction, so a sign-in waiting on a row being purged waits for one batch at
//! most. How a batch picks its rows is the backend's `purge_statement`.

/// What the purge deletes of one kind: its table, primary key and the time column that expires it. Table and
/// column names reach SQL only from these constants, never from input.
pub(crate) struct PurgedTable {
    pub(crate) table: &'static str,
    pub(crate) key: &'static str,
    pub(crate) column: &'static str,
}

impl PurgedTable {
    const fn new(table: &'static str, key: &'static str, column: &'static str) -> Self {
        Self { table, key, column }
    }
}

pub(crate) const REFRESH_TOKENS: PurgedTable =
    PurgedTable::new("refresh_tokens", "handle_hash", "expires_ms");
pub(crate) const CODES: PurgedTable = PurgedTable::new("codes", "pool_id, username, purpose", "expires_ms");
pub(crate) const COUNTERS: PurgedTable = PurgedTable::new("counters", "key", "expires_ms");
pub(crate) const OUTBOX: PurgedTable = PurgedTable::new("outbox", "id", "created_ms");

/// Implements `PurgeStore` for `$store`.
macro_rules! purge_store {
    ($store:ident) => {
        /// The background purge.
        mod purge {
            use async_trait::async_trait;
            use latchkey_core::store::{PurgeCutoffs, PurgeStore, Purged, StoreResult};
            use latchkey_core::time::Timestamp;

            use super::$store;
            use crate::common::backend;
            use crate::sql::purge::{PurgedTable, CODES, COUNTERS, OUTBOX, REFRESH_TOKENS};

            impl $store {
                /// Deletes at most `limit` rows of `purged` that expired before `cutoff`.
                async fn delete_before(
                    &self,
                    purged: &PurgedTable,
                    cutoff: Timestamp,
                    limit: u32,
                ) -> StoreResult<u64> {
                    let sql = Self::purge_statement(purged);
                    let delete = sqlx::query(&sql)
                        .bind(cutoff.millis())
                        .bind(i64::from(limit));
                    self.changed(delete).await.map_err(backend)
                }
            }

            #[async_trait]
            impl PurgeStore for $store {
                async fn purge_expired(&self, cutoffs: &PurgeCutoffs, limit: u32) -> StoreResult<Purged> {
                    Ok(Purged {
                        refresh_tokens: self
                            .delete_before(&REFRESH_TOKENS, cutoffs.refresh_tokens, limit)
                            .await?,
                        codes: self.delete_before(&CODES, cutoffs.codes, limit).await?,
                        counters: self
                            .delete_before(&COUNTERS, cutoffs.counters, limit)
                            .await?,
                        outbox: self.delete_before(&OUTBOX, cutoffs.outbox, limit).await?,
                    })
                }
            }
        }
    };
}
pub(crate) use purge_store;
