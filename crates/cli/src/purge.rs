//! The background purge on every node: every `purge_interval`, delete what core's policy says is no longer
//! useful (`Latchkey::purge_expired`) and count it in `/metrics`. Nodes sharing a database may purge at the same
//! time: the store's batches skip each other's rows.

use std::sync::Arc;
use std::time::Duration;

use latchkey_core::Latchkey;
use latchkey_server::metrics::Metrics;

use crate::config::Config;
use crate::transport::duration;

/// The purge settings, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub interval: Duration,
    pub outbox_retention: Duration,
}

impl Schedule {
    pub fn from_config(config: &Config) -> Result<Self, String> {
        Ok(Self {
            interval: duration("purge_interval", &config.purge_interval)?,
            outbox_retention: duration("outbox_retention", &config.outbox_retention)?,
        })
    }
}

/// Runs until the process ends. The first purge runs one interval after start, not during start-up.
pub async fn run(latchkey: Latchkey, metrics: Arc<Metrics>, schedule: Schedule) {
    let retention = i64::try_from(schedule.outbox_retention.as_secs()).unwrap_or(i64::MAX);
    let mut ticks =
        tokio::time::interval_at(tokio::time::Instant::now() + schedule.interval, schedule.interval);
    // A purge that took longer than the interval is not followed by a burst of catch-up runs.
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match latchkey.purge_expired(retention).await {
            Ok(purged) => {
                for (kind, rows) in [
                    ("refresh_tokens", purged.refresh_tokens),
                    ("codes", purged.codes),
                    ("counters", purged.counters),
                    ("outbox", purged.outbox),
                ] {
                    metrics.purged(kind, rows);
                }
                if purged.total() > 0 {
                    tracing::info!(
                        refresh_tokens = purged.refresh_tokens,
                        codes = purged.codes,
                        counters = purged.counters,
                        outbox = purged.outbox,
                        "purged expired rows"
                    );
                }
            }
            // The next tick tries again; a database that is down is reported by /health/ready.
            Err(e) => tracing::warn!(error = %e, "purging expired rows failed"),
        }
    }
}
