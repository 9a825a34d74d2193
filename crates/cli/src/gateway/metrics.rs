//! The gateway's Prometheus metrics — requests and latency by route and outcome, the server's shape — served on
//! their own listener (`--metrics-listen`), so that no path of the API the gateway stands in for is taken.

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
    /// `GET /items/{id}` (the configured template, so the set stays bounded) or `unmatched`.
    route: String,
    outcome: String,
}

type HistogramFamily = Family<RequestLabels, Histogram, fn() -> Histogram>;

pub struct GatewayMetrics {
    registry: Mutex<Registry>,
    requests: Family<RequestLabels, Counter>,
    latency: HistogramFamily,
}

fn latency_histogram() -> Histogram {
    // 1 ms to ~33 s: integrations are slower than the server's own operations, up to the 29 s timeout.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

impl Default for GatewayMetrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("latchkey_gateway");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: HistogramFamily = Family::new_with_constructor(latency_histogram);
        registry.register(
            "requests",
            "Gateway requests by route and outcome",
            requests.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "Gateway request latency by route and outcome",
            latency.clone(),
        );
        Self {
            registry: Mutex::new(registry),
            requests,
            latency,
        }
    }
}

impl GatewayMetrics {
    pub fn observe(&self, route: &str, outcome: &str, elapsed: Duration) {
        let labels = RequestLabels {
            route: route.to_string(),
            outcome: outcome.to_string(),
        };
        self.requests.get_or_create(&labels).inc();
        self.latency.get_or_create(&labels).observe(elapsed.as_secs_f64());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_route_and_outcome() {
        let m = GatewayMetrics::default();
        m.observe("GET /items/{id}", "integrated", Duration::from_millis(3));
        m.observe("GET /items/{id}", "integrated", Duration::from_millis(3));
        m.observe("unmatched", "missing_route", Duration::from_millis(1));
        let text = m.render();
        assert!(text
            .contains(r#"latchkey_gateway_requests_total{route="GET /items/{id}",outcome="integrated"} 2"#));
        assert!(
            text.contains(r#"latchkey_gateway_requests_total{route="unmatched",outcome="missing_route"} 1"#)
        );
        assert!(text.contains("latchkey_gateway_request_duration_seconds_bucket"));
    }
}
