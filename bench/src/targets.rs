//! The targets the rows are checked against: a table of the targets read off one row of each latchkey store,
//! then those that compare rows (the scale pool with the small one, the overload with its baseline, the flood,
//! user existence, latchkey with the peers), in the order the report lists them.

use crate::cli::Plan;
use crate::report::{f2, find, human, pct, Row, Target};
use crate::scenarios::{
    at, S_500, S_ADMIN, S_CLIENT_CREDENTIALS, S_CREDENTIALS, S_GETUSER, S_GU_BASE, S_IDLE, S_LIST_BROAD,
    S_LIST_NARROW, S_OAUTH_REFRESH, S_OVER, S_OVER_GU, S_PW, S_PW2, S_READY, S_REFRESH, S_SIGNUP, S_SRP,
};
use crate::{existence, flood};

/// A target read off one row of `scenario`: `<store>: <name>`, wanted `target`.
struct RowTarget {
    scenario: &'static str,
    name: &'static str,
    target: &'static str,
    check: Check,
}

/// How a row is checked: what was measured, and whether it meets the target (`None`: not measured).
enum Check {
    /// Operations per core as a share of the raw limit, at least this.
    ShareOfLimit(f64),
    Custom(fn(&Row) -> (String, Option<bool>)),
}

impl Check {
    fn run(&self, r: &Row) -> (String, Option<bool>) {
        match self {
            Check::ShareOfLimit(min) => (
                format!(
                    "{} ({}/s per core, limit {})",
                    pct(r.ratio_to_limit),
                    f2(r.ops_per_core_s),
                    f2(r.limit_per_core)
                ),
                r.ratio_to_limit.map(|x| x >= *min),
            ),
            Check::Custom(check) => check(r),
        }
    }
}

/// A target on the share of the raw limit that `scenario` reaches per core.
const fn share_of_limit(
    scenario: &'static str,
    name: &'static str,
    target: &'static str,
    min: f64,
) -> RowTarget {
    RowTarget {
        scenario,
        name,
        target,
        check: Check::ShareOfLimit(min),
    }
}

/// The row's memory, at most `max` MB.
fn rss_at_most(r: &Row, prefix: &str, max: f64) -> (String, Option<bool>) {
    (
        format!("{prefix}{} MB", f2(r.peak_rss_mb)),
        r.peak_rss_mb.map(|x| x <= max),
    )
}

const ROW_TARGETS: &[RowTarget] = &[
    share_of_limit(
        S_PW,
        "password sign-in per core vs raw Argon2id + 2×RS256",
        "≥ 90%",
        0.9,
    ),
    share_of_limit(S_REFRESH, "refresh per core vs raw 2×RS256", "≥ 70%", 0.7),
    share_of_limit(
        S_OAUTH_REFRESH,
        "/oauth2/token refresh per core vs raw 2×RS256",
        "≥ 70%",
        0.7,
    ),
    share_of_limit(
        S_CLIENT_CREDENTIALS,
        "client_credentials per core vs raw 1×RS256",
        "≥ 70%",
        0.7,
    ),
    share_of_limit(
        S_CREDENTIALS,
        "GetCredentialsForIdentity per core vs raw RS256 verify + AES-256-GCM seal",
        "≥ 8%",
        0.08,
    ),
    RowTarget {
        scenario: S_SRP,
        name: "SRP sign-ins per core",
        target: "≥ 150/s",
        check: Check::Custom(|r| {
            (
                format!(
                    "{}/s per core ({} of the raw limit {})",
                    f2(r.ops_per_core_s),
                    pct(r.ratio_to_limit),
                    f2(r.limit_per_core)
                ),
                r.ops_per_core_s.map(|x| x >= 150.0),
            )
        }),
    },
    RowTarget {
        scenario: S_GETUSER,
        name: "GetUser on 2 cores",
        target: "≥ 5,000/s, p99 ≤ 10 ms",
        check: Check::Custom(|r| {
            (
                format!(
                    "{}/s, p99 {} ms ({} conns; the load generator shares the 2 cores)",
                    f2(r.ops_per_s),
                    f2(r.p99_ms),
                    r.conns
                ),
                match (r.ops_per_s, r.p99_ms) {
                    (Some(o), Some(p)) => Some(o >= 5000.0 && p <= 10.0),
                    _ => None,
                },
            )
        }),
    },
    RowTarget {
        scenario: S_IDLE,
        name: "idle RSS",
        target: "≤ 30 MB",
        check: Check::Custom(|r| rss_at_most(r, "", 30.0)),
    },
    RowTarget {
        scenario: S_500,
        name: "RSS at 500 connections",
        target: "≤ 150 MB",
        check: Check::Custom(|r| rss_at_most(r, "peak ", 150.0)),
    },
    RowTarget {
        scenario: S_READY,
        name: "start to ready",
        target: "≤ 300 ms",
        check: Check::Custom(|r| {
            (
                format!("median {} ms, slowest {} ms", f2(r.p50_ms), f2(r.p99_ms)),
                r.p50_ms.map(|x| x <= 300.0),
            )
        }),
    },
];

/// The peers' scenarios latchkey's throughput is compared with, in the report's order.
const PEER_COMPARED: [&str; 6] = [S_SIGNUP, S_ADMIN, S_PW, S_GETUSER, S_LIST_BROAD, S_LIST_NARROW];

/// `a / b`, when `b` is positive.
fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) if y > 0.0 => Some(x / y),
        _ => None,
    }
}

/// Every target that `rows` measured: each store's, then the flood's and user existence's for each store, then
/// the first store against each peer.
pub fn targets(rows: &[Row], plan: &Plan, stores: &[String], peers: &[String]) -> Vec<Target> {
    let mut out = Vec::new();
    for s in stores {
        for t in ROW_TARGETS {
            if let Some(r) = find(rows, s, t.scenario) {
                let (measured, met) = t.check.run(r);
                out.push(Target::new(&format!("{s}: {}", t.name), t.target, measured, met));
            }
        }
        scale_targets(rows, plan, s, &mut out);
        if let Some(t) = overload_target(rows, s) {
            out.push(t);
        }
    }
    out.extend(stores.iter().filter_map(|s| flood_target(rows, s)));
    out.extend(stores.iter().filter_map(|s| existence_target(rows, s)));
    if let Some(lk) = stores.first() {
        for p in peers {
            for sc in PEER_COMPARED {
                if let (Some(a), Some(b)) = (find(rows, lk, sc), find(rows, p, sc)) {
                    let times = ratio(a.ops_per_s, b.ops_per_s);
                    out.push(Target::new(
                        &format!("{lk} vs {p}: {sc}"),
                        "≥ 10× throughput",
                        format!(
                            "{}× ops/s ({} vs {}), {}× per CPU second",
                            f2(times),
                            f2(a.ops_per_s),
                            f2(b.ops_per_s),
                            f2(ratio(a.ops_per_core_s, b.ops_per_core_s))
                        ),
                        times.map(|x| x >= 10.0),
                    ));
                }
            }
        }
    }
    out
}

/// Sign-in p50 on the scale pool against the small one's, and ListUsers p99 on the scale pool.
fn scale_targets(rows: &[Row], plan: &Plan, s: &str, out: &mut Vec<Target>) {
    let (n, small_n) = (plan.scale_users, plan.small_users);
    if let (Some(big), Some(small)) = (find(rows, s, &at(S_PW2, n)), find(rows, s, &at(S_PW2, small_n))) {
        let times = ratio(big.p50_ms, small.p50_ms);
        out.push(Target::new(
            &format!(
                "{s}: sign-in p50 at {} users vs {} users",
                human(n),
                human(small_n)
            ),
            "≤ 1.2×",
            format!(
                "{}× ({} ms vs {} ms)",
                f2(times),
                f2(big.p50_ms),
                f2(small.p50_ms)
            ),
            times.map(|x| x <= 1.2),
        ));
    }
    for sc in [S_LIST_BROAD, S_LIST_NARROW] {
        if let Some(big) = find(rows, s, &at(sc, n)) {
            out.push(Target::new(
                &format!("{s}: {sc} p99 at {} users", human(n)),
                "≤ 20 ms",
                format!("{} ms", f2(big.p99_ms)),
                big.p99_ms.map(|x| x <= 20.0),
            ));
        }
    }
}

/// Sign-ins offered at twice the sustainable rate are shed fast, and GetUser beside them stays flat.
fn overload_target(rows: &[Row], s: &str) -> Option<Target> {
    let (o, g, b) = (
        find(rows, s, S_OVER)?,
        find(rows, s, S_OVER_GU)?,
        find(rows, s, S_GU_BASE)?,
    );
    let sheds = o.throttled > 0;
    let flat = match (g.p99_ms, b.p99_ms) {
        (Some(x), Some(y)) => x <= 10.0_f64.max(2.0 * y),
        _ => false,
    };
    Some(Target::new(
        &format!("{s}: overload at 2× sign-in rate"),
        "sheds with TooManyRequestsException fast; GetUser p99 stays flat (≤ max(10 ms, 2× baseline))",
        format!(
            "{} throttled (answered in p50 {} ms, p99 {} ms), {} ok; GetUser p99 {} ms alongside vs {} ms alone",
            o.throttled,
            f2(o.throttled_p50_ms),
            f2(o.throttled_p99_ms),
            o.ok,
            f2(g.p99_ms),
            f2(b.p99_ms)
        ),
        Some(sheds && flat),
    ))
}

/// Another address's sign-ins get through an address flood, which is throttled.
fn flood_target(rows: &[Row], s: &str) -> Option<Target> {
    let (u, f) = (
        find(rows, s, flood::S_FLOOD_USER)?,
        find(rows, s, flood::S_FLOOD)?,
    );
    let off = find(rows, s, &format!("{}{}", flood::S_FLOOD_USER, flood::OFF));
    let share = flood::user_success(u);
    Some(Target::new(
        &format!("{s}: one address floods sign-ins, another signs in at 5/s"),
        "≥ 95% of the other address's sign-ins succeed; the flood is throttled",
        format!(
            "{} succeeded ({} without the limits); {} flood requests throttled, {} got through",
            pct(share),
            pct(off.and_then(flood::user_success)),
            f.throttled,
            f.failed + f.ok
        ),
        share.map(|x| x >= 0.95 && f.throttled > 0),
    ))
}

/// A real user's refusal takes as long as a missing name's, when existence is hidden.
fn existence_target(rows: &[Row], s: &str) -> Option<Target> {
    let (real, missing) = (
        find(rows, s, existence::S_REAL)?,
        find(rows, s, existence::S_MISSING)?,
    );
    let gap = existence::median_gap(real, missing);
    Some(Target::new(
        &format!("{s}: refusal time, real user vs missing name (existence hidden)"),
        "medians within 5% of each other",
        format!(
            "p50 {} ms vs {} ms ({} apart); p99 {} ms vs {} ms",
            f2(real.p50_ms),
            f2(missing.p50_ms),
            pct(gap),
            f2(real.p99_ms),
            f2(missing.p99_ms)
        ),
        gap.map(|g| g <= 0.05),
    ))
}
