//! Prometheus metrics: request count and latency per operation and outcome, served at `/metrics`.

use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    operation: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeliveryLabels {
    channel: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TriggerLabels {
    trigger: String,
    transport: String,
    outcome: String,
}

type TriggerHistogramFamily = Family<TriggerLabels, Histogram, fn() -> Histogram>;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PurgeLabels {
    kind: String,
}

type HistogramFamily = Family<RequestLabels, Histogram, fn() -> Histogram>;

pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<RequestLabels, Counter>,
    latency: HistogramFamily,
    deliveries: Family<DeliveryLabels, Counter>,
    purged: Family<PurgeLabels, Counter>,
    trigger_calls: Family<TriggerLabels, Counter>,
    trigger_latency: TriggerHistogramFamily,
}

fn latency_histogram() -> Histogram {
    // 100 µs to ~3 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 15))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("latchkey");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: HistogramFamily = Family::new_with_constructor(latency_histogram);
        registry.register(
            "requests",
            "API requests by operation and outcome",
            requests.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "API request latency by operation and outcome",
            latency.clone(),
        );
        let deliveries = Family::<DeliveryLabels, Counter>::default();
        registry.register(
            "message_deliveries",
            "Codes and invitations handed to the mailer, by channel and outcome",
            deliveries.clone(),
        );
        let purged = Family::<PurgeLabels, Counter>::default();
        registry.register(
            "purged_rows",
            "Expired rows the background purge deleted, by kind",
            purged.clone(),
        );
        let trigger_calls = Family::<TriggerLabels, Counter>::default();
        registry.register(
            "trigger_invocations",
            "Lambda trigger invocations by trigger, transport (lambda, webhook) and outcome",
            trigger_calls.clone(),
        );
        let trigger_latency: TriggerHistogramFamily = Family::new_with_constructor(latency_histogram);
        registry.register(
            "trigger_duration_seconds",
            "Lambda trigger invocation latency (all attempts) by trigger, transport and outcome",
            trigger_latency.clone(),
        );
        Self {
            registry: Mutex::new(registry),
            trigger_calls,
            trigger_latency,
            requests,
            latency,
            deliveries,
            purged,
        }
    }
}

impl Metrics {
    /// `outcome` is "success" or the exception name: a bounded set, so label cardinality stays bounded.
    pub fn observe(&self, operation: &str, outcome: &str, elapsed: Duration) {
        let labels = RequestLabels {
            operation: operation.to_string(),
            outcome: outcome.to_string(),
        };
        self.requests.get_or_create(&labels).inc();
        self.latency.get_or_create(&labels).observe(elapsed.as_secs_f64());
    }

    /// A message delivery (`ok` false when the mail server refused it or was unreachable).
    pub fn delivery(&self, channel: &str, ok: bool) {
        let labels = DeliveryLabels {
            channel: channel.to_string(),
            outcome: if ok { "sent" } else { "failed" }.to_string(),
        };
        self.deliveries.get_or_create(&labels).inc();
    }

    /// A trigger invocation: `outcome` is "success", "failed", "malformed" or "unreachable".
    pub fn trigger(&self, trigger: &str, transport: &str, outcome: &str, elapsed: Duration) {
        let labels = TriggerLabels {
            trigger: trigger.to_string(),
            transport: transport.to_string(),
            outcome: outcome.to_string(),
        };
        self.trigger_calls.get_or_create(&labels).inc();
        self.trigger_latency
            .get_or_create(&labels)
            .observe(elapsed.as_secs_f64());
    }

    /// Rows of one kind ("refresh_tokens", "codes", "counters", "outbox") the background purge deleted.
    pub fn purged(&self, kind: &str, rows: u64) {
        let labels = PurgeLabels {
            kind: kind.to_string(),
        };
        self.purged.get_or_create(&labels).inc_by(rows);
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        let registry = match self.registry.lock() {
            Ok(r) => r,
            Err(poisoned) => poisoned.into_inner(),
        };
        if encode(&mut out, &registry).is_err() {
            out.clear();
        }
        out
    }
}
