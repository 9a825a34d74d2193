//! `latchkey-bench`: measures this machine's raw crypto limits, then drives `latchkey serve` (SQLite, and
//! PostgreSQL when given a URL) and, side by side, moto_server and cognito-local with the same load generator,
//! and prints one table (and writes it as JSON). `scripts/bench.sh` builds, installs the peers and runs this.
//! The scenarios are data (`scenarios`), run server by server (`runs`) and checked against `targets`; issue 13's
//! (the verifying library and the gateway, `issue13`) run after the stores, inside the same raw-limit bracket.

mod cli;
mod existence;
mod flood;
mod gateway_bench;
mod http;
mod id_tokens;
mod issue13;
mod jobs;
mod lambda;
mod load;
mod mfa;
mod peers;
mod procfs;
mod raw;
mod report;
mod runs;
mod scenarios;
mod servers;
mod setup;
mod targets;
mod triggers;
mod upstream;
mod verify_bench;

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use serde_json::json;

use crate::cli::{Cli, Plan};
use crate::raw::RawLimits;

const NOTES: &str = "ops/s = successful operations per second of the measured window (after a warm-up); \
ops/s/core = successful operations ÷ the server process's CPU seconds (utime + stime from /proc) over the same window \
— for latchkey/postgres that leaves out PostgreSQL's own CPU; p50/p99 = latency of the successful operations; \
peak RSS = VmHWM over the window (reset at its start); vs limit = ops/s/core ÷ the raw per-core limit measured \
on this machine (mean of the measurements before and after the Latchkey runs). The load generator runs on the \
same 2 cores as the server.";

fn git(args: &[&str]) -> String {
    std::process::Command::new("git")
        .args(args)
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// The commit measured, marked when the work tree differs from it.
fn commit() -> String {
    let c = git(&["rev-parse", "--short", "HEAD"]);
    if git(&["status", "--porcelain", "--untracked-files=no"]).is_empty() {
        c
    } else {
        format!("{c} (with uncommitted changes)")
    }
}

fn write_json(path: &Path, value: &serde_json::Value) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    std::fs::write(path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))
}

/// The raw limits as the JSON document gives them: per operation, and the per-core ceilings made of them.
fn raw_limits_json(raw: &RawLimits) -> serde_json::Value {
    json!({
        "argon2_verify_s": raw.argon2_verify_s,
        "rs256_sign_s": raw.rs256_sign_s,
        "rs256_verify_s": raw.rs256_verify_s,
        "srp_server_s": raw.srp_server_s,
        "aes_gcm_seal_s": raw.aes_gcm_seal_s,
        "argon2": raw.argon2,
        "per_core": {
            "password_sign_in": raw.password_sign_in(),
            "refresh": raw.refresh(),
            "srp_sign_in": raw.srp_sign_in(),
            "get_user": raw.get_user(),
            "create_user": raw.create_user(),
            "credentials_for_identity": raw.credentials_for_identity(),
        },
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::from_args();
    let plan = Plan::new(&cli);
    if !cli.latchkey.exists() {
        eprintln!(
            "latchkey-bench: {} does not exist (cargo build --release -p latchkey)",
            cli.latchkey.display()
        );
        return ExitCode::from(2);
    }
    let started = Instant::now();
    let (cpu, cores, mem_kb) = procfs::machine();
    let date = time::OffsetDateTime::now_utc();
    let commit = commit();
    eprintln!(
        "latchkey-bench: {cores} cores, {cpu}, {:.1} GiB, commit {commit}",
        mem_kb as f64 / 1048576.0
    );

    eprintln!("\n== raw limits (one thread each)");
    let raw_before = match raw::measure_and_print(plan.raw_budget).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("latchkey-bench: raw limits: {e}");
            return ExitCode::FAILURE;
        }
    };

    let _ = std::fs::remove_dir_all(&cli.work_dir);
    let mut gathered = runs::Gathered::default();
    let stores = if cli.wants_stores() {
        runs::run_stores(&cli, &plan, &raw_before, &mut gathered).await
    } else {
        Vec::new()
    };
    let issue13 = issue13::run(
        &cli,
        &plan,
        &raw_before,
        time::OffsetDateTime::now_utc().unix_timestamp(),
    )
    .await;
    eprintln!("\n== raw limits again (the machine is shared: the ratios use the mean of both measurements)");
    let raw_after = raw::measure_and_print(plan.raw_budget)
        .await
        .unwrap_or_else(|_| raw_before.clone());
    let raw = RawLimits::mean(&raw_before, &raw_after);
    report::apply_limits(&mut gathered.rows, &raw);
    let peers = peers::run_peers(&cli, &plan, &mut gathered).await;
    let runs::Gathered {
        mut rows,
        mut failures,
    } = gathered;
    // After apply_limits: these rows carry their own limit (the raw verification measured beside them).
    rows.extend(issue13.rows);
    failures.extend(issue13.failures);

    let mut targets = targets::targets(&rows, &plan, &stores, &peers);
    targets.extend(issue13.targets);
    let table = report::table(&rows);
    println!("\n{table}");
    println!("{NOTES}\n");
    println!("Targets:\n{}", report::targets_text(&targets));
    if !failures.is_empty() {
        println!("Failures:");
        for f in &failures {
            println!("- {f}");
        }
    }
    let total = started.elapsed().as_secs_f64();
    println!(
        "Raw limits per core: Argon2id verify {:.1}/s ({}), RS256 sign {:.0}/s, RS256 verify {:.0}/s, SRP server side {:.0}/s, AES-256-GCM seal {:.0}/s. Whole run {:.0} s.",
        1.0 / raw.argon2_verify_s,
        raw.argon2,
        1.0 / raw.rs256_sign_s,
        1.0 / raw.rs256_verify_s,
        1.0 / raw.srp_server_s,
        1.0 / raw.aes_gcm_seal_s,
        total
    );
    let doc = json!({
        "date": date.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        "machine": {"cpu": cpu, "cores": cores, "memory_kib": mem_kb},
        "commit": commit,
        "quick": cli.quick,
        "timing": {"warmup_s": plan.timing.warmup.as_secs_f64(), "measured_s": plan.timing.duration.as_secs_f64()},
        "raw_limits_before": raw_before,
        "raw_limits_after": raw_after,
        "raw_limits": raw_limits_json(&raw),
        "rows": rows,
        "targets": targets,
        "issue13": issue13.json,
        "failures": failures,
        "not_measured": [
            "OAuth authorization-code flow (browser pages): not part of the issue's scenarios",
        ],
        "run_seconds": total,
        "table_markdown": table,
    });
    if let Err(e) = write_json(&cli.out, &doc) {
        eprintln!("latchkey-bench: {e}");
    } else {
        eprintln!("wrote {}", cli.out.display());
    }
    if !cli.keep {
        let _ = std::fs::remove_dir_all(&cli.work_dir);
    }
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
