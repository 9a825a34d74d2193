//! Issue 13's gateway figure: what `latchkey gateway` adds to a request's latency. At one fixed offered rate
//! (open loop), GET the trivial upstream directly, then the same route through the gateway with a valid ID token
//! (a Cognito authorizer on the tokens' issuer, an HTTP proxy integration to the upstream); the p99 overhead is
//! the difference of the two p99s.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use crate::http::{Conn, Endpoint};
use crate::id_tokens::TokenSet;
use crate::jobs::Job;
use crate::load::{open_loop, RunResult, Timing};
use crate::report::{f2, Row};
use crate::servers;
use crate::upstream::SUB_HEADER;

/// The one route, on the upstream and on the gateway.
pub const ROUTE: &str = "/items";
/// The authorizer's name in the gateway's configuration.
const AUTHORIZER: &str = "bench";
/// At most this many requests in flight (the open loop's connections).
const MAX_INFLIGHT: usize = 64;

/// The gateway's TOML configuration (the shape of `crates/cli/src/gateway/config.rs`, which a binary crate
/// cannot lend): one Cognito authorizer and one route proxied to the upstream.
#[derive(Debug, Serialize)]
pub struct GatewayToml {
    pub authorizers: BTreeMap<String, AuthorizerToml>,
    pub route: Vec<RouteToml>,
}

#[derive(Debug, Serialize)]
pub struct AuthorizerToml {
    pub issuers: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct RouteToml {
    pub method: String,
    pub path: String,
    pub authorizer: String,
    pub integration: HttpIntegrationToml,
}

/// `integration = { type = "http", url = "...", claim_headers = { header = claim } }`.
#[derive(Debug, Serialize)]
pub struct HttpIntegrationToml {
    #[serde(rename = "type")]
    pub kind: String,
    pub url: String,
    pub claim_headers: BTreeMap<String, String>,
}

/// `GET ROUTE`, authorized by the tokens of `issuer`, proxied to `upstream` with the `sub` claim in
/// `SUB_HEADER`.
pub fn config(issuer: &str, upstream: SocketAddr) -> GatewayToml {
    GatewayToml {
        authorizers: BTreeMap::from([(
            AUTHORIZER.to_string(),
            AuthorizerToml {
                issuers: vec![issuer.to_string()],
            },
        )]),
        route: vec![RouteToml {
            method: "GET".into(),
            path: ROUTE.into(),
            authorizer: AUTHORIZER.into(),
            integration: HttpIntegrationToml {
                kind: "http".into(),
                url: format!("http://{upstream}{ROUTE}"),
                claim_headers: BTreeMap::from([(SUB_HEADER.to_string(), "sub".to_string())]),
            },
        }],
    }
}

pub fn config_text(issuer: &str, upstream: SocketAddr) -> Result<String, String> {
    toml::to_string(&config(issuer, upstream)).map_err(|e| format!("gateway config: {e}"))
}

/// One side of the comparison, as the JSON results give it.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub ok: u64,
    pub failed: u64,
    pub dropped: u64,
    pub errors: BTreeMap<String, u64>,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub p999_ms: Option<f64>,
}

impl Side {
    fn of(r: &RunResult) -> Side {
        let q = |x: f64| (r.m.ok > 0).then(|| r.m.ok_us.value_at_quantile(x) as f64 / 1000.0);
        Side {
            ok: r.m.ok,
            failed: r.m.failed,
            dropped: r.dropped,
            errors: r.m.errors.clone(),
            p50_ms: q(0.5),
            p99_ms: q(0.99),
            p999_ms: q(0.999),
        }
    }
}

/// The gateway scenario's figures.
#[derive(Debug, Clone, Serialize)]
pub struct GatewayFigures {
    pub rate_per_s: f64,
    pub warmup_s: f64,
    pub measured_s: f64,
    pub direct: Side,
    pub gateway: Side,
    /// gateway p99 − direct p99 (and the same at p50), in milliseconds.
    pub p99_overhead_ms: Option<f64>,
    pub p50_overhead_ms: Option<f64>,
    /// The gateway process's CPU per proxied request over the measured window, in microseconds.
    pub gateway_cpu_us_per_request: Option<f64>,
    /// What the gateway answered without a token and with a token of another key (both must be refused).
    pub refused_statuses: Vec<u16>,
}

/// Before timing anything: the route refuses a request without a token and one with a token signed by another
/// key, and passes a valid token's `sub` to the upstream.
async fn check_gateway(gw: &Arc<Endpoint>, set: &TokenSet) -> Result<Vec<u16>, String> {
    let mut conn = Conn::new(gw.clone());
    let mut refused = Vec::new();
    let stranger = TokenSet::generate(&set.issuer, &set.client_id, 1, 0)?;
    let forged = stranger.tokens.first().cloned().unwrap_or_default();
    for headers in [vec![], vec![("authorization", forged.as_str())]] {
        let r = conn.get(ROUTE, &headers).await?;
        if r.status == 200 {
            return Err(format!(
                "the gateway let a request with {} through: its authorizer is not checking",
                if headers.is_empty() {
                    "no token"
                } else {
                    "a token of another key"
                }
            ));
        }
        refused.push(r.status);
    }
    let token = set.tokens.first().map(String::as_str).unwrap_or_default();
    // The first request makes the gateway fetch the JWKS from the upstream.
    let r = conn.get(ROUTE, &[("authorization", token)]).await?;
    if r.status != 200 || r.body.get("sub").and_then(|s| s.as_str()).is_none() {
        return Err(format!(
            "the gateway answered a valid token with {} {} (the upstream's answer carries the sub claim)",
            r.status, r.body
        ));
    }
    Ok(refused)
}

/// Starts the gateway from `bin` (with `env` added to its environment) in front of the upstream at `upstream` (which serves `set`'s JWKS) and runs both
/// sides at `rate`. Returns the rows and the figures.
pub async fn run(
    bin: &Path,
    env: &[(String, String)],
    work_dir: &Path,
    set: &TokenSet,
    upstream: SocketAddr,
    rate: f64,
    timing: Timing,
) -> Result<(Vec<Row>, GatewayFigures), String> {
    std::fs::create_dir_all(work_dir).map_err(|e| format!("{}: {e}", work_dir.display()))?;
    let config_path = work_dir.join("gateway.toml");
    std::fs::write(&config_path, config_text(&set.issuer, upstream)?)
        .map_err(|e| format!("{}: {e}", config_path.display()))?;
    let gateway = servers::gateway(bin, &config_path, env, &work_dir.join("gateway.log")).await?;
    let gw = gateway.endpoint();
    let refused_statuses = check_gateway(&gw, set).await?;

    let direct_ep = Endpoint::new(upstream, "", "");
    let tokens: Arc<[String]> = set.tokens.clone().into();
    let get = |tokens: Arc<[String]>, want_sub| Job::Get {
        path: ROUTE.into(),
        tokens,
        next: 0,
        want_sub,
    };
    eprintln!("  upstream directly, {rate:.0}/s");
    let direct = open_loop(
        &direct_ep,
        get(Arc::from([]), false),
        rate,
        MAX_INFLIGHT,
        timing,
        None,
    )
    .await;
    eprintln!(
        "  through latchkey gateway, {rate:.0}/s, {} ID tokens in turn",
        tokens.len()
    );
    let through = open_loop(
        &gw,
        get(tokens, true),
        rate,
        MAX_INFLIGHT,
        timing,
        Some(gateway.pid),
    )
    .await;
    gateway.stop();

    let (d, g) = (Side::of(&direct), Side::of(&through));
    let diff = |a: Option<f64>, b: Option<f64>| Some(b? - a?);
    let figures = GatewayFigures {
        rate_per_s: rate,
        warmup_s: timing.warmup.as_secs_f64(),
        measured_s: timing.duration.as_secs_f64(),
        p99_overhead_ms: diff(d.p99_ms, g.p99_ms),
        p50_overhead_ms: diff(d.p50_ms, g.p50_ms),
        gateway_cpu_us_per_request: through
            .server_cpu
            .filter(|_| through.m.ok > 0)
            .map(|c| c * 1e6 / through.m.ok as f64),
        direct: d,
        gateway: g,
        refused_statuses,
    };
    let label = "issue13";
    let mut direct_row = Row::from_run(label, &format!("GET {ROUTE}, upstream directly"), &direct, None);
    direct_row.note = format!("{rate:.0}/s offered, open loop; {} not sent", direct.dropped);
    let mut gateway_row = Row::from_run(
        label,
        &format!("GET {ROUTE} through latchkey gateway (ID token)"),
        &through,
        None,
    );
    gateway_row.note = format!(
        "{rate:.0}/s offered, open loop; {} not sent; p99 overhead {} ms, p50 overhead {} ms; gateway CPU {} µs/request",
        through.dropped,
        f2(figures.p99_overhead_ms),
        f2(figures.p50_overhead_ms),
        f2(figures.gateway_cpu_us_per_request)
    );
    eprintln!(
        "    directly p50 {} / p99 {} ms; through the gateway p50 {} / p99 {} ms",
        f2(figures.direct.p50_ms),
        f2(figures.direct.p99_ms),
        f2(figures.gateway.p50_ms),
        f2(figures.gateway.p99_ms)
    );
    Ok((vec![direct_row, gateway_row], figures))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_has_one_authorized_route_proxied_to_the_upstream() {
        let upstream: SocketAddr = "127.0.0.1:4000".parse().unwrap();
        let text = config_text("http://127.0.0.1:4000/us-east-1_X", upstream).unwrap();
        let v: toml::Value = toml::from_str(&text).unwrap();
        assert_eq!(
            v["authorizers"]["bench"]["issuers"][0].as_str(),
            Some("http://127.0.0.1:4000/us-east-1_X")
        );
        let routes = v["route"].as_array().unwrap();
        assert_eq!(routes.len(), 1);
        let route = &routes[0];
        assert_eq!(route["method"].as_str(), Some("GET"));
        assert_eq!(route["path"].as_str(), Some(ROUTE));
        assert_eq!(route["authorizer"].as_str(), Some("bench"));
        let integration = &route["integration"];
        assert_eq!(integration["type"].as_str(), Some("http"));
        assert_eq!(integration["url"].as_str(), Some("http://127.0.0.1:4000/items"));
        assert_eq!(integration["claim_headers"][SUB_HEADER].as_str(), Some("sub"));
        // Nothing else: the gateway's configuration refuses unknown fields.
        let mut keys: Vec<&str> = v.as_table().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["authorizers", "route"]);
    }
}
