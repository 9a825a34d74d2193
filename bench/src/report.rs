//! Results: one row per scenario and server, printed as one table and written as JSON, and the targets checked
//! against them.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::load::RunResult;
use crate::raw::RawLimits;

#[derive(Debug, Clone, Serialize, Default)]
pub struct Row {
    /// "latchkey/sqlite", "latchkey/postgres", "moto_server", "cognito-local".
    pub server: String,
    pub scenario: String,
    pub conns: usize,
    pub ok: u64,
    pub throttled: u64,
    pub failed: u64,
    pub ops_per_s: Option<f64>,
    /// ops / server CPU seconds over the same window.
    pub ops_per_core_s: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    /// Latency of the TooManyRequestsException answers, when there were any.
    pub throttled_p50_ms: Option<f64>,
    pub throttled_p99_ms: Option<f64>,
    pub server_cpu_s: Option<f64>,
    pub client_cpu_s: Option<f64>,
    pub peak_rss_mb: Option<f64>,
    /// VmRSS in the middle of the measured window.
    pub mid_rss_mb: Option<f64>,
    /// Which raw limit this scenario is compared with (a `RawLimits::limit` name), that limit per core, and
    /// ops_per_core_s over it; filled in at the end of the run from the raw limits measured before and after.
    pub limit_kind: Option<String>,
    pub limit_per_core: Option<f64>,
    pub ratio_to_limit: Option<f64>,
    pub errors: BTreeMap<String, u64>,
    pub note: String,
}

/// Microseconds (the histograms' unit) in milliseconds.
pub fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

/// Kibibytes (as /proc gives them) in mebibytes.
pub fn mb(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// `1k`, `20k`, `1M`: a round count of users as rows and targets name it.
pub fn human(n: u64) -> String {
    match n {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

/// A measured value in notes and targets: two decimals, `-` when there is none.
pub fn f2(v: Option<f64>) -> String {
    v.map_or("-".into(), |x| format!("{x:.2}"))
}

/// `server`'s row for `scenario`.
pub fn find<'a>(rows: &'a [Row], server: &str, scenario: &str) -> Option<&'a Row> {
    rows.iter().find(|r| r.server == server && r.scenario == scenario)
}

impl Row {
    pub fn from_run(server: &str, scenario: &str, r: &RunResult, limit_kind: Option<&str>) -> Row {
        let ops = r.m.ok as f64 / r.seconds.max(1e-9);
        let per_core = r.server_cpu.filter(|c| *c > 0.0).map(|c| r.m.ok as f64 / c);
        let (p50, p99) = if r.m.ok > 0 {
            (
                Some(ms(r.m.ok_us.value_at_quantile(0.5))),
                Some(ms(r.m.ok_us.value_at_quantile(0.99))),
            )
        } else {
            (None, None)
        };
        let (t50, t99) = if r.m.throttled > 0 {
            (
                Some(ms(r.m.throttled_us.value_at_quantile(0.5))),
                Some(ms(r.m.throttled_us.value_at_quantile(0.99))),
            )
        } else {
            (None, None)
        };
        Row {
            server: server.into(),
            scenario: scenario.into(),
            conns: r.conns,
            throttled_p50_ms: t50,
            throttled_p99_ms: t99,
            ok: r.m.ok,
            throttled: r.m.throttled,
            failed: r.m.failed,
            ops_per_s: Some(ops),
            ops_per_core_s: per_core,
            p50_ms: p50,
            p99_ms: p99,
            server_cpu_s: r.server_cpu,
            client_cpu_s: Some(r.client_cpu),
            peak_rss_mb: r.peak_rss_kb.map(mb),
            mid_rss_mb: r.mid_rss_kb.map(mb),
            limit_kind: limit_kind.map(str::to_string),
            limit_per_core: None,
            ratio_to_limit: None,
            errors: r.m.errors.clone(),
            note: String::new(),
        }
    }

    /// A row that is one measured value (ready time, idle memory) rather than a load run.
    pub fn fact(server: &str, scenario: &str) -> Row {
        Row {
            server: server.into(),
            scenario: scenario.into(),
            ..Row::default()
        }
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Row {
        self.note = note.into();
        self
    }
}

/// Sets each row's raw limit and its ratio to it.
pub fn apply_limits(rows: &mut [Row], raw: &RawLimits) {
    for r in rows {
        r.limit_per_core = r.limit_kind.as_deref().and_then(|k| raw.limit(k));
        r.ratio_to_limit = match (r.ops_per_core_s, r.limit_per_core) {
            (Some(p), Some(l)) if l > 0.0 => Some(p / l),
            _ => None,
        };
    }
}

fn num(v: Option<f64>) -> String {
    match v {
        None => "-".into(),
        Some(x) if x >= 100.0 => format!("{x:.0}"),
        Some(x) if x >= 10.0 => format!("{x:.1}"),
        Some(x) => format!("{x:.2}"),
    }
}

/// A share as a whole percentage, `-` when there is none.
pub fn pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |x| format!("{:.0}%", x * 100.0))
}

/// The table, as Markdown (readable in a terminal and pasteable into RESULTS.md).
pub fn table(rows: &[Row]) -> String {
    let header = [
        "server",
        "scenario",
        "conns",
        "ops/s",
        "ops/s/core",
        "p50 ms",
        "p99 ms",
        "srv CPU s",
        "peak RSS MB",
        "vs limit",
        "errors",
        "note",
    ];
    let mut lines: Vec<Vec<String>> = Vec::new();
    for r in rows {
        let mut errors = String::new();
        if r.throttled > 0 {
            let _ = write!(errors, "{} throttled", r.throttled);
        }
        for (k, v) in &r.errors {
            if !errors.is_empty() {
                errors.push_str(", ");
            }
            let _ = write!(errors, "{v} {k}");
        }
        lines.push(vec![
            r.server.clone(),
            r.scenario.clone(),
            if r.conns > 0 {
                r.conns.to_string()
            } else {
                "-".into()
            },
            num(r.ops_per_s),
            num(r.ops_per_core_s),
            num(r.p50_ms),
            num(r.p99_ms),
            num(r.server_cpu_s),
            num(r.peak_rss_mb),
            pct(r.ratio_to_limit),
            if errors.is_empty() { "-".into() } else { errors },
            r.note.clone(),
        ]);
    }
    let mut out = String::new();
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
    for l in lines {
        let _ = writeln!(out, "| {} |", l.join(" | "));
    }
    out
}

#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub name: String,
    pub target: String,
    pub measured: String,
    pub met: Option<bool>,
}

impl Target {
    pub fn new(name: &str, target: &str, measured: String, met: Option<bool>) -> Target {
        Target {
            name: name.into(),
            target: target.into(),
            measured,
            met,
        }
    }
}

pub fn targets_text(targets: &[Target]) -> String {
    let mut out = String::new();
    for t in targets {
        let mark = match t.met {
            Some(true) => "MET   ",
            Some(false) => "MISSED",
            None => "n/a   ",
        };
        let _ = writeln!(out, "- {mark} {}: {} (target {})", t.name, t.measured, t.target);
    }
    out
}
