//! The background purge's policy: when each kind of row stops being useful, so deleting it changes no answer.
//! Every node runs it periodically (the binary schedules it); the store deletes in bounded batches.
//!
//! - Refresh tokens: a token's row also tells access tokens minted from its sign-in whether that sign-in was
//!   revoked (RevokeToken), and such an access token may outlive the refresh token by up to a day (Cognito's
//!   longest access-token validity). So a row goes one day after its refresh token expired, revoked or not.
//! - Codes: a missing code answers exactly as an expired one (ExpiredCodeException), so it goes at expiry.
//! - Counters (SRP and device replay guards, per-hour limits, ended hosted-UI sessions, used OAuth codes): a
//!   counter whose window has ended counts from zero again, as a missing one does, so it goes at expiry.
//! - Outbox messages: kept for a retention the operator chooses (`latchkey outbox` reads them).

use crate::store::{PurgeCutoffs, Purged, StoreResult};
use crate::time::Timestamp;

/// Rows of each kind one statement deletes at most: small enough that no delete holds locks for long.
pub const BATCH: u32 = 500;

/// The longest an access or ID token can live (AccessTokenValidity and IdTokenValidity allow at most one day).
pub const TOKEN_MAX_LIFETIME_SECONDS: i64 = 86_400;

/// The cutoffs at `now`, keeping outbox messages for `outbox_retention_seconds`.
pub fn cutoffs(now: Timestamp, outbox_retention_seconds: i64) -> PurgeCutoffs {
    PurgeCutoffs {
        refresh_tokens: now.plus_seconds(-TOKEN_MAX_LIFETIME_SECONDS),
        codes: now,
        counters: now,
        outbox: now.plus_seconds(-outbox_retention_seconds),
    }
}

impl crate::service::Latchkey {
    /// Deletes, batch after batch, every row that is no longer useful at the clock's `now`; returns how many
    /// of each kind went.
    pub async fn purge_expired(&self, outbox_retention_seconds: i64) -> StoreResult<Purged> {
        let cutoffs = cutoffs(self.clock.now(), outbox_retention_seconds);
        let mut total = Purged::default();
        loop {
            let batch = self.store.purge_expired(&cutoffs, BATCH).await?;
            total.refresh_tokens += batch.refresh_tokens;
            total.codes += batch.codes;
            total.counters += batch.counters;
            total.outbox += batch.outbox;
            if !batch.any_full(BATCH) {
                return Ok(total);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_tokens_outlive_their_expiry_by_the_longest_access_token() {
        let now = Timestamp::from_millis(10_000_000_000);
        let c = cutoffs(now, 7 * 86_400);
        assert_eq!(
            c.refresh_tokens,
            Timestamp::from_millis(10_000_000_000 - 86_400_000)
        );
        assert_eq!(c.codes, now);
        assert_eq!(c.counters, now);
        assert_eq!(c.outbox, Timestamp::from_millis(10_000_000_000 - 7 * 86_400_000));
    }
}
