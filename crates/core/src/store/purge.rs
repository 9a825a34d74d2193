//! Deleting what nobody can use any more: expired refresh tokens, codes and counters, and old outbox messages.
//! Which instant makes a row useless is core's decision (`crate::purge`); the store deletes by cutoff, in bounded
//! batches, so several nodes may purge one database at once and no delete holds its locks for long.

use async_trait::async_trait;

use super::StoreResult;
use crate::time::Timestamp;

/// Rows strictly before these instants go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PurgeCutoffs {
    /// Refresh tokens whose `expires` is earlier.
    pub refresh_tokens: Timestamp,
    /// Codes whose `expires` is earlier.
    pub codes: Timestamp,
    /// Counters whose window (`expires`) ended earlier.
    pub counters: Timestamp,
    /// Outbox messages `created` earlier.
    pub outbox: Timestamp,
}

/// How many rows of each kind one call deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub refresh_tokens: u64,
    pub codes: u64,
    pub counters: u64,
    pub outbox: u64,
}

impl Purged {
    pub fn total(&self) -> u64 {
        self.refresh_tokens + self.codes + self.counters + self.outbox
    }

    /// Whether some kind filled its batch, so more rows may be waiting.
    pub fn any_full(&self, limit: u32) -> bool {
        let limit = u64::from(limit);
        [self.refresh_tokens, self.codes, self.counters, self.outbox]
            .iter()
            .any(|&n| n >= limit)
    }
}

#[async_trait]
pub trait PurgeStore: Send + Sync {
    /// Deletes at most `limit` rows of each kind that lie before its cutoff, each kind in its own short
    /// statement. Safe to run from several nodes at once: a row is deleted by one of them, and none waits for
    /// rows another is deleting. Rows written by a version without the expiry columns are never deleted.
    async fn purge_expired(&self, cutoffs: &PurgeCutoffs, limit: u32) -> StoreResult<Purged>;
}
