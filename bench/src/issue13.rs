//! Issue 13's scenarios (`--only verify,gateway`): the token-verifying library and the API Gateway stand-in,
//! measured on one set of tokens. Makes the tokens (issued by a pool that lives on the trivial upstream, which
//! serves their JWKS), runs `verify_bench` and `gateway_bench`, and turns their figures into the report's rows,
//! targets and JSON section.

use serde::Serialize;
use serde_json::{json, Value};

use crate::cli::{Cli, Plan};
use crate::gateway_bench::{self, GatewayFigures};
use crate::id_tokens::{TokenSet, CLIENT_ID, POOL_ID};
use crate::raw::RawLimits;
use crate::report::{f2, pct, Row, Target};
use crate::upstream::Upstream;
use crate::verify_bench::{self, NodeRates, NodeSetup, Rounds};

/// The `--only` groups of this file.
pub const GROUPS: [&str; 2] = ["verify", "gateway"];

/// Issue 13's targets, as the issue states them.
const VERIFY_SHARE: f64 = 0.8;
const VERSUS_AWS_JWT_VERIFY: f64 = 1.5;
const GATEWAY_P99_OVERHEAD_MS: f64 = 1.0;

/// The verifier figures, per CPU second of one thread.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyFigures {
    pub tokens: usize,
    pub round_s: f64,
    pub latchkey_verify: Rounds,
    /// `raw::rs256_verify` on the same tokens, in rounds interleaved with latchkey-verify's.
    pub raw_rs256_verify: Rounds,
    pub latchkey_verify_per_cpu_s: Option<f64>,
    pub raw_per_cpu_s: Option<f64>,
    /// latchkey_verify_per_cpu_s ÷ raw_per_cpu_s.
    pub share_of_raw: Option<f64>,
    /// The run's raw-limits measurement of RS256 verify (one access-token-sized token), for reference.
    pub raw_limits_rs256_verify_per_core: f64,
    pub aws_jwt_verify: Option<NodeRates>,
    /// The mode of aws-jwt-verify compared (its faster), and latchkey-verify ÷ that mode's rate.
    pub aws_jwt_verify_mode: Option<String>,
    pub aws_jwt_verify_per_cpu_s: Option<f64>,
    pub versus_aws_jwt_verify: Option<f64>,
    /// Why the aws-jwt-verify comparison is missing, when it is.
    pub aws_jwt_verify_skipped: Option<String>,
}

/// What issue 13's scenarios add to the run.
#[derive(Default)]
pub struct Issue13 {
    pub rows: Vec<Row>,
    pub targets: Vec<Target>,
    pub json: Value,
    pub failures: Vec<String>,
}

/// Whether the command line asks for any of issue 13's scenarios.
pub fn wanted(cli: &Cli) -> bool {
    GROUPS.iter().any(|g| cli.wants(g))
}

async fn verify_figures(
    cli: &Cli,
    plan: &Plan,
    set: &TokenSet,
    raw: &RawLimits,
) -> Result<VerifyFigures, String> {
    // Three rounds each, as the raw limits take; a third of the raw-limit budget per round.
    let round = plan.raw_budget / 3;
    eprintln!(
        "  latchkey-verify and raw RS256 verify, {} tokens, 3 interleaved rounds of {:.1} s each, one thread",
        set.tokens.len(),
        round.as_secs_f64()
    );
    let (lib, raw_rounds) = verify_bench::measure_latchkey_verify(set, 3, round).await?;
    let (lib_rate, raw_rate) = (lib.best_per_cpu_s(), raw_rounds.best_per_cpu_s());
    let share = match (lib_rate, raw_rate) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    };
    eprintln!(
        "    latchkey-verify {}/s per core, raw {}/s per core: {}",
        f2(lib_rate),
        f2(raw_rate),
        pct(share)
    );
    let work_dir = cli.work_dir.join("verify");
    let setup = NodeSetup {
        node: &cli.node,
        modules: &cli.node_modules,
        work_dir: &work_dir,
    };
    let seconds = plan.raw_budget.as_secs_f64();
    eprintln!(
        "  aws-jwt-verify on the same tokens (node, 3 rounds of {:.1} s per mode)",
        seconds / 3.0
    );
    let node = verify_bench::measure_aws_jwt_verify(&setup, set, seconds).await?;
    let best = node.as_ref().and_then(NodeRates::best);
    let versus = match (lib_rate, best) {
        (Some(a), Some((_, b))) if b > 0.0 => Some(a / b),
        _ => None,
    };
    if let (Some(n), Some((mode, rate))) = (&node, best) {
        eprintln!(
            "    aws-jwt-verify {} ({mode}) {rate:.0}/s per core; latchkey-verify is {}×",
            n.aws_jwt_verify,
            f2(versus)
        );
    }
    Ok(VerifyFigures {
        tokens: set.tokens.len(),
        round_s: round.as_secs_f64(),
        latchkey_verify_per_cpu_s: lib_rate,
        raw_per_cpu_s: raw_rate,
        share_of_raw: share,
        latchkey_verify: lib,
        raw_rs256_verify: raw_rounds,
        raw_limits_rs256_verify_per_core: 1.0 / raw.rs256_verify_s,
        aws_jwt_verify_mode: best.map(|(m, _)| m.to_string()),
        aws_jwt_verify_per_cpu_s: best.map(|(_, r)| r),
        versus_aws_jwt_verify: versus,
        aws_jwt_verify_skipped: node
            .is_none()
            .then(|| "node or aws-jwt-verify not found (see the run's log)".to_string()),
        aws_jwt_verify: node,
    })
}

fn verify_rows_and_targets(v: &VerifyFigures, out: &mut Issue13) {
    let mut row = Row::fact("issue13", "latchkey-verify, 1 thread (current-thread runtime)");
    row.ops_per_s = v.latchkey_verify.best_per_wall_s();
    row.ops_per_core_s = v.latchkey_verify_per_cpu_s;
    row.limit_per_core = v.raw_per_cpu_s;
    row.ratio_to_limit = v.share_of_raw;
    row.note = format!(
        "{} ID tokens, JWKS preloaded; vs limit = raw RS256 verify on the same tokens and thread, interleaved ({}/s per core)",
        v.tokens,
        f2(v.raw_per_cpu_s)
    );
    out.rows.push(row);
    if let Some(n) = &v.aws_jwt_verify {
        for (mode, rounds) in &n.modes {
            let mut row = Row::fact(
                "issue13",
                &format!("aws-jwt-verify {} ({mode}), node {}", n.aws_jwt_verify, n.node),
            );
            row.ops_per_s = rounds.best_per_wall_s();
            row.ops_per_core_s = rounds.best_per_cpu_s();
            row.note =
                "JwtRsaVerifier (issuer, audience, token_use check), cacheJwks; per core = main thread CPU"
                    .into();
            out.rows.push(row);
        }
    }
    out.targets.push(Target::new(
        "latchkey-verify per core vs raw RS256 verify (same tokens, same thread)",
        "≥ 80%",
        format!(
            "{} ({}/s vs {}/s per core; the run's raw-limits figure: {:.0}/s)",
            pct(v.share_of_raw),
            f2(v.latchkey_verify_per_cpu_s),
            f2(v.raw_per_cpu_s),
            v.raw_limits_rs256_verify_per_core
        ),
        v.share_of_raw.map(|s| s >= VERIFY_SHARE),
    ));
    out.targets.push(Target::new(
        "latchkey-verify vs aws-jwt-verify per core (same tokens)",
        "≥ 1.5×",
        match (&v.aws_jwt_verify_skipped, &v.aws_jwt_verify_mode) {
            (Some(why), _) => format!("not measured: {why}"),
            (None, mode) => format!(
                "{}× ({}/s vs {}/s per core, aws-jwt-verify's faster mode: {})",
                f2(v.versus_aws_jwt_verify),
                f2(v.latchkey_verify_per_cpu_s),
                f2(v.aws_jwt_verify_per_cpu_s),
                mode.as_deref().unwrap_or("-")
            ),
        },
        v.versus_aws_jwt_verify.map(|x| x >= VERSUS_AWS_JWT_VERIFY),
    ));
}

fn gateway_target(g: &GatewayFigures) -> Target {
    let clean =
        g.gateway.failed == 0 && g.direct.failed == 0 && g.gateway.dropped == 0 && g.direct.dropped == 0;
    Target::new(
        &format!(
            "latchkey gateway p99 overhead over the upstream directly at {:.0}/s",
            g.rate_per_s
        ),
        "≤ 1 ms",
        format!(
            "{} ms (p99 {} vs {} ms; p50 {} vs {} ms; {} errors, {} not sent)",
            f2(g.p99_overhead_ms),
            f2(g.gateway.p99_ms),
            f2(g.direct.p99_ms),
            f2(g.gateway.p50_ms),
            f2(g.direct.p50_ms),
            g.gateway.failed + g.direct.failed,
            g.gateway.dropped + g.direct.dropped
        ),
        g.p99_overhead_ms.map(|o| clean && o <= GATEWAY_P99_OVERHEAD_MS),
    )
}

/// Runs the issue-13 scenarios the command line asks for; `now` is the tokens' issue time (Unix seconds).
pub async fn run(cli: &Cli, plan: &Plan, raw: &RawLimits, now: i64) -> Issue13 {
    let mut out = Issue13::default();
    if !wanted(cli) {
        return out;
    }
    eprintln!("\n== token verification and the gateway (issue 13)");
    let mut doc = json!({});
    // The upstream's address is the issuer's: bind it before making the tokens.
    let prepared = Upstream::bind().and_then(|listener| {
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let issuer = format!("http://{addr}/{POOL_ID}");
        let set = TokenSet::generate(&issuer, CLIENT_ID, cli.verify_tokens as usize, now)?;
        Ok((listener, set))
    });
    let (listener, set) = match prepared {
        Ok(p) => p,
        Err(e) => {
            out.failures.push(format!("issue 13: {e}"));
            return out;
        }
    };
    doc["issuer"] = json!(set.issuer);
    doc["tokens"] = json!(set.tokens.len());
    if cli.wants("verify") {
        match verify_figures(cli, plan, &set, raw).await {
            Ok(v) => {
                verify_rows_and_targets(&v, &mut out);
                doc["verify"] = json!(v);
            }
            Err(e) => out.failures.push(format!("verify: {e}")),
        }
    }
    if cli.wants("gateway") {
        let run = match Upstream::start(listener, set.jwks_text()) {
            Ok(upstream) => {
                let r = gateway_bench::run(
                    &cli.latchkey,
                    &cli.server_env(),
                    &cli.work_dir.join("gateway"),
                    &set,
                    upstream.addr,
                    cli.gateway_rate,
                    plan.timing,
                )
                .await;
                drop(upstream);
                r
            }
            Err(e) => Err(e),
        };
        match run {
            Ok((rows, g)) => {
                out.rows.extend(rows);
                out.targets.push(gateway_target(&g));
                doc["gateway"] = json!(g);
            }
            Err(e) => out.failures.push(format!("gateway: {e}")),
        }
    }
    out.json = doc;
    out
}
