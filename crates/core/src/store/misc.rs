//! The development outbox and rate counters.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::StoreResult;
use crate::time::Timestamp;

/// An email kept in the store instead of sent, when no SMTP server is configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub id: String,
    pub pool_id: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created: Timestamp,
}

#[async_trait]
pub trait MiscStore: Send + Sync {
    async fn insert_outbox(&self, message: &OutboxMessage) -> StoreResult<()>;
    /// The newest messages first.
    async fn list_outbox(&self, limit: u32) -> StoreResult<Vec<OutboxMessage>>;
    /// Adds one to the counter `key` and returns the new value. A counter that `expires` before `now` starts
    /// again from zero with the new `expires`; so a key per time window gives a fixed-window rate limit.
    async fn increment_counter(&self, key: &str, now: Timestamp, expires: Timestamp) -> StoreResult<u64>;
    /// Takes one off the counter `key` if it is live at `now` and above zero; otherwise does nothing. With
    /// `increment_counter` this counts things in progress across nodes (sign-in attempts being judged).
    async fn decrement_counter(&self, key: &str, now: Timestamp) -> StoreResult<()>;
    /// Like `increment_counter`, but every increment moves the expiry to `expires`: a count of events that lapses
    /// after a quiet period since the last one (lockout's fifteen quiet minutes).
    async fn increment_counter_sliding(
        &self,
        key: &str,
        now: Timestamp,
        expires: Timestamp,
    ) -> StoreResult<u64>;
    /// The value and expiry of the counter `key` if it is live at `now`.
    async fn get_counter(&self, key: &str, now: Timestamp) -> StoreResult<Option<(u64, Timestamp)>>;
    /// Sets the counter `key` to `value` until `expires`, whatever it held.
    async fn put_counter(&self, key: &str, value: u64, expires: Timestamp) -> StoreResult<()>;
}
