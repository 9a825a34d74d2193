//! The user-existence timing scenario (issue 10): with PreventUserExistenceErrors ENABLED, a wrong password for a
//! real user and any password for a missing name must take the same time, or the time says which names exist.
//! Both run at once on one server of their own, one connection each of wrong-password sign-ins to a random one of
//! 10,000 names (real users `u<i>`, or names `ghost<i>` nobody has), so names rarely repeat and neither side reaches
//! the lockout. The rows report the latency of those refusals.

use crate::http::Conn;
use crate::jobs::{Job, XorShift};
use crate::load::{closed_loop, RunResult};
use crate::report::{ms, Row};
use crate::runs::FreshServers;
use crate::setup;

pub const S_REAL: &str = "wrong password, real users (existence hidden)";
pub const S_MISSING: &str = "any password, missing names (existence hidden)";

const NAMES: u64 = 10_000;

/// The refusals' p50 and p99, in milliseconds.
fn refusal_latency(r: &RunResult) -> (Option<f64>, Option<f64>) {
    if r.m.failed == 0 {
        return (None, None);
    }
    (
        Some(ms(r.m.failed_us.value_at_quantile(0.5))),
        Some(ms(r.m.failed_us.value_at_quantile(0.99))),
    )
}

pub async fn run(fresh: &FreshServers<'_>, rows: &mut Vec<Row>) -> Result<(), String> {
    let (label, timing) = (fresh.label, fresh.timing);
    let (cmd, server) = fresh.start("existence", None).await?;
    let ep = server.endpoint();
    let mut admin = Conn::new(ep.clone());
    let (_, client) = setup::pool_hiding_users(&cmd, &mut admin, "bench-existence", NAMES).await?;
    // Both sides at once, one connection each, so they share every condition of the machine.
    let jobs = |prefix: &str, seed: u64| {
        vec![Job::PasswordSignIn {
            client_id: client.clone(),
            prefix: prefix.into(),
            users: NAMES,
            password: "Not-the-passw0rd!".into(),
            rng: XorShift::new(seed),
        }]
    };
    eprintln!("  {label} · {S_REAL} + {S_MISSING} (1 conn each, at once)");
    let (real, missing) = tokio::join!(
        closed_loop(&ep, jobs("u", 9001), timing, Some(server.pid)),
        closed_loop(&ep, jobs("ghost", 9002), timing, None)
    );
    for (scenario, r) in [(S_REAL, real), (S_MISSING, missing)] {
        let mut row = Row::from_run(label, scenario, &r, None);
        let (p50, p99) = refusal_latency(&r);
        row.p50_ms = p50;
        row.p99_ms = p99;
        row.ops_per_s = Some(r.m.failed as f64 / r.seconds.max(1e-9));
        row.ops_per_core_s = None;
        row.note = format!(
            "{} refusals (p50/p99 are theirs), {} other answers; both sides ran together, srv CPU is the sum",
            r.m.failed,
            r.m.ok + r.m.throttled
        );
        eprintln!(
            "    {scenario}: {}; p50 {:.2} ms, p99 {:.2} ms",
            row.note,
            p50.unwrap_or(f64::NAN),
            p99.unwrap_or(f64::NAN)
        );
        rows.push(row);
    }
    server.stop();
    Ok(())
}

/// How far apart the two sides' median refusal times are, as a fraction of the real users' (None when either
/// side has no refusals).
pub fn median_gap(real: &Row, missing: &Row) -> Option<f64> {
    match (real.p50_ms, missing.p50_ms) {
        (Some(a), Some(b)) if a > 0.0 => Some((a - b).abs() / a),
        _ => None,
    }
}
