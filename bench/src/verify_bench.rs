//! Issue 13's verifier figures: `latchkey-verify` verifications per CPU second on one thread (a current-thread
//! tokio runtime, a tight loop over the benchmark's ID tokens with the JWKS preloaded), against the raw RS256
//! verification (`raw::rs256_verify`) on the same tokens and the same thread, in interleaved rounds; and
//! aws-jwt-verify on the same tokens, through `bench/node/verify_rate.mjs`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use latchkey_verify::{TokenUse, Verifier};
use serde::Serialize;
use serde_json::{json, Value};

use crate::id_tokens::TokenSet;
use crate::{procfs, raw};

/// The aws-jwt-verify script, embedded so the benchmark runs from any directory.
const NODE_SCRIPT: &str = include_str!("../node/verify_rate.mjs");

/// Timed rounds of one way of verifying: how many verifications, in how much CPU and wall time.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Rounds {
    pub counts: Vec<u64>,
    /// CPU seconds of the measuring thread (`procfs::thread_cpu_seconds`), or wall seconds where unreadable.
    pub cpu_s: Vec<f64>,
    pub wall_s: Vec<f64>,
}

impl Rounds {
    fn push(&mut self, count: u64, cpu_s: f64, wall_s: f64) {
        self.counts.push(count);
        self.cpu_s.push(cpu_s);
        self.wall_s.push(wall_s);
    }

    /// Verifications per CPU second of the fastest round (as `raw` keeps the fastest of its rounds: the machine is
    /// shared, and other work only ever slows a round down).
    pub fn best_per_cpu_s(&self) -> Option<f64> {
        self.counts
            .iter()
            .zip(&self.cpu_s)
            .filter(|(_, s)| **s > 0.0)
            .map(|(n, s)| *n as f64 / s)
            .reduce(f64::max)
    }

    /// Verifications per wall second of the fastest round.
    pub fn best_per_wall_s(&self) -> Option<f64> {
        self.counts
            .iter()
            .zip(&self.wall_s)
            .filter(|(_, s)| **s > 0.0)
            .map(|(n, s)| *n as f64 / s)
            .reduce(f64::max)
    }
}

/// The verifier an application would build for these tokens: the issuer, its JWKS URI, ID tokens for the app
/// client; its keys preloaded, so no round fetches anything.
fn verifier_for(set: &TokenSet) -> Result<Verifier, String> {
    let verifier = Verifier::builder(&set.issuer)
        .jwks_uri(set.jwks_uri())
        .token_use(TokenUse::Id)
        .client_id(&set.client_id)
        .build()
        .map_err(|e| format!("latchkey-verify: building the verifier: {e}"))?;
    verifier
        .cache_jwks(&set.jwks_text())
        .map_err(|e| format!("latchkey-verify: cache_jwks: {e}"))?;
    Ok(verifier)
}

/// Runs `one(i)` for `i = 0, 1, …` for `length` of wall time; its count, thread CPU and wall seconds. Fails at
/// the first verification that fails.
async fn round<F, Fut>(length: Duration, mut one: F) -> Result<(u64, f64, f64), String>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    let cpu0 = procfs::thread_cpu_seconds();
    let mut n = 0u64;
    while start.elapsed() < length {
        if !one(n as usize).await {
            return Err(format!("verification {n} failed"));
        }
        n += 1;
    }
    let wall = start.elapsed().as_secs_f64();
    let cpu = match (cpu0, procfs::thread_cpu_seconds()) {
        (Some(a), Some(b)) if b > a => b - a,
        _ => wall,
    };
    Ok((n, cpu, wall))
}

/// latchkey-verify and the raw verification, `rounds` rounds of `length` each, interleaved (raw, library, raw,
/// library, …) so that whatever else the machine does falls on both alike.
async fn interleaved(set: &TokenSet, rounds: usize, length: Duration) -> Result<(Rounds, Rounds), String> {
    let verifier = verifier_for(set)?;
    let tokens = &set.tokens;
    let pick = |i: usize| tokens[i % tokens.len()].as_str();
    // Every token must pass both before anything is timed.
    for t in tokens {
        verifier
            .verify(t)
            .await
            .map_err(|e| format!("latchkey-verify refused a benchmark token: {e}"))?;
        if !raw::rs256_verify(t, &set.n, &set.e) {
            return Err("the raw verification refused a benchmark token".into());
        }
    }
    let (mut lib, mut raw_rounds) = (Rounds::default(), Rounds::default());
    for _ in 0..rounds {
        let (n, cpu, wall) = round(length, |i| {
            let ok = raw::rs256_verify(pick(i), &set.n, &set.e);
            async move { ok }
        })
        .await
        .map_err(|e| format!("raw RS256: {e}"))?;
        raw_rounds.push(n, cpu, wall);
        let (n, cpu, wall) = round(length, |i| {
            let v = &verifier;
            async move { v.verify(pick(i)).await.is_ok() }
        })
        .await
        .map_err(|e| format!("latchkey-verify: {e}"))?;
        lib.push(n, cpu, wall);
    }
    // The keys were preloaded: a fetch would mean the rounds timed something else than verifying.
    if verifier.jwks_fetches() != 0 {
        return Err("latchkey-verify fetched the JWKS although it was preloaded".into());
    }
    Ok((lib, raw_rounds))
}

/// Measures on a thread of its own with a current-thread runtime (one core's worth, nothing else scheduled on
/// it): latchkey-verify's rounds and the raw verification's.
pub async fn measure_latchkey_verify(
    set: &TokenSet,
    rounds: usize,
    length: Duration,
) -> Result<(Rounds, Rounds), String> {
    let set = set.clone();
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("bench-verify".into())
        .spawn(move || {
            let result = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("runtime: {e}"))
                .and_then(|rt| rt.block_on(interleaved(&set, rounds, length)));
            let _ = tx.send(result);
        })
        .map_err(|e| format!("verify thread: {e}"))?;
    rx.await
        .map_err(|_| "the verify thread ended without a result".to_string())?
}

/// Where node and aws-jwt-verify are.
pub struct NodeSetup<'a> {
    pub node: &'a Path,
    /// A `node_modules` directory holding aws-jwt-verify (tests/compat/node's).
    pub modules: &'a Path,
    /// Where the script and its input are written.
    pub work_dir: &'a Path,
}

/// aws-jwt-verify's rounds, per mode ("async": `await verify()`, "sync": `verifySync()`), as the script
/// printed them, with the thread CPU seconds as `cpu_s` (the process's where unreadable).
#[derive(Debug, Clone, Serialize)]
pub struct NodeRates {
    pub node: String,
    pub aws_jwt_verify: String,
    pub modes: Vec<(String, Rounds)>,
    /// The script's output as it printed it (process CPU seconds included).
    pub printed: Value,
}

impl NodeRates {
    /// The faster mode and its best verifications per CPU second: the comparison gives aws-jwt-verify its best.
    pub fn best(&self) -> Option<(&str, f64)> {
        self.modes
            .iter()
            .filter_map(|(m, r)| Some((m.as_str(), r.best_per_cpu_s()?)))
            .reduce(|a, b| if b.1 > a.1 { b } else { a })
    }
}

/// The script's input: the tokens, the JWKS, and what the verifier checks.
pub fn node_input(set: &TokenSet, seconds: f64) -> Value {
    json!({
        "issuer": set.issuer,
        "audience": set.client_id,
        "jwksUri": set.jwks_uri(),
        "jwks": set.jwks,
        "tokens": set.tokens,
        "seconds": seconds,
    })
}

/// Reads the script's output line into rates.
pub fn parse_node_output(stdout: &str) -> Result<NodeRates, String> {
    let printed: Value = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .ok_or_else(|| format!("the aws-jwt-verify script printed no result: {stdout}"))?;
    let mut modes = Vec::new();
    for mode in ["async", "sync"] {
        let mut r = Rounds::default();
        for round in printed["modes"][mode].as_array().into_iter().flatten() {
            let count = round["count"].as_u64().unwrap_or(0);
            let wall = round["wall_s"].as_f64().unwrap_or(0.0);
            let cpu = round["thread_cpu_s"]
                .as_f64()
                .or_else(|| round["process_cpu_s"].as_f64())
                .unwrap_or(wall);
            r.push(count, cpu, wall);
        }
        if !r.counts.is_empty() {
            modes.push((mode.to_string(), r));
        }
    }
    if modes.is_empty() {
        return Err(format!("the aws-jwt-verify script measured nothing: {printed}"));
    }
    Ok(NodeRates {
        node: printed["node"].as_str().unwrap_or("").into(),
        aws_jwt_verify: printed["aws_jwt_verify"].as_str().unwrap_or("").into(),
        modes,
        printed,
    })
}

/// Runs the aws-jwt-verify script on `set` for about `seconds` per mode. `Ok(None)` (after saying so loudly)
/// when node or aws-jwt-verify is not there.
pub async fn measure_aws_jwt_verify(
    setup: &NodeSetup<'_>,
    set: &TokenSet,
    seconds: f64,
) -> Result<Option<NodeRates>, String> {
    let modules = std::fs::canonicalize(setup.modules).unwrap_or_else(|_| setup.modules.to_path_buf());
    if !modules.join("aws-jwt-verify").is_dir() {
        eprintln!(
            "\n!!! SKIPPED aws-jwt-verify comparison: no aws-jwt-verify in {} (npm ci in tests/compat/node) !!!\n",
            modules.display()
        );
        return Ok(None);
    }
    std::fs::create_dir_all(setup.work_dir).map_err(|e| format!("{}: {e}", setup.work_dir.display()))?;
    let script = setup.work_dir.join("verify_rate.mjs");
    let input = setup.work_dir.join("verify_rate_input.json");
    std::fs::write(&script, NODE_SCRIPT).map_err(|e| format!("{}: {e}", script.display()))?;
    std::fs::write(&input, node_input(set, seconds).to_string())
        .map_err(|e| format!("{}: {e}", input.display()))?;
    let node: PathBuf = setup.node.to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(&node)
            .arg(&script)
            .arg(&input)
            .arg(&modules)
            .output()
            .map_err(|e| (e.kind(), format!("{}: {e}", node.display())))
    })
    .await
    .map_err(|e| e.to_string())?;
    let out = match out {
        Ok(out) => out,
        Err((std::io::ErrorKind::NotFound, e)) => {
            eprintln!("\n!!! SKIPPED aws-jwt-verify comparison: node not found ({e}) !!!\n");
            return Ok(None);
        }
        Err((_, e)) => return Err(format!("cannot run node: {e}")),
    };
    if !out.status.success() {
        return Err(format!(
            "the aws-jwt-verify script failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    parse_node_output(&String::from_utf8_lossy(&out.stdout)).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_best_round_is_the_fastest_per_cpu_second() {
        let mut r = Rounds::default();
        r.push(100, 1.0, 1.2);
        r.push(300, 2.0, 2.0);
        r.push(50, 0.0, 0.5);
        assert_eq!(r.best_per_cpu_s(), Some(150.0));
        assert_eq!(r.best_per_wall_s(), Some(150.0));
        assert_eq!(Rounds::default().best_per_cpu_s(), None);
    }

    #[test]
    fn the_node_output_is_read_with_thread_cpu_first() {
        let line = r#"{"node":"v20.1.0","aws_jwt_verify":"5.2.1","modes":{
            "async":[{"count":1000,"wall_s":1.0,"process_cpu_s":1.1,"thread_cpu_s":0.5}],
            "sync":[{"count":1000,"wall_s":1.0,"process_cpu_s":0.8,"thread_cpu_s":null}]}}"#
            .replace('\n', "");
        let rates = parse_node_output(&format!("noise\n{line}\n")).unwrap();
        assert_eq!(rates.aws_jwt_verify, "5.2.1");
        assert_eq!(rates.best(), Some(("async", 2000.0)));
        let sync = &rates.modes[1].1;
        assert_eq!(sync.cpu_s, [0.8], "process CPU where the thread's is unknown");
    }

    #[test]
    fn output_without_a_result_is_an_error() {
        assert!(parse_node_output("Error: boom").is_err());
        assert!(parse_node_output(r#"{"modes":{}}"#).is_err());
    }

    #[test]
    fn the_node_input_carries_the_tokens_and_the_checks() {
        let set = TokenSet::generate("http://127.0.0.1:9/us-east-1_X", "client1", 3, 1_800_000_000).unwrap();
        let input = node_input(&set, 2.0);
        assert_eq!(input["tokens"].as_array().unwrap().len(), 3);
        assert_eq!(input["audience"], "client1");
        assert_eq!(
            input["jwksUri"],
            "http://127.0.0.1:9/us-east-1_X/.well-known/jwks.json"
        );
        assert_eq!(input["jwks"], set.jwks);
    }

    #[tokio::test]
    async fn latchkey_verify_and_the_raw_verification_both_verify_every_token() {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let set = TokenSet::generate("http://127.0.0.1:9/us-east-1_X", "client1", 4, now).unwrap();
        let (lib, raw) = measure_latchkey_verify(&set, 2, Duration::from_millis(30))
            .await
            .unwrap();
        assert_eq!(lib.counts.len(), 2);
        assert_eq!(raw.counts.len(), 2);
        assert!(lib.counts.iter().chain(&raw.counts).all(|n| *n > 0));

        // An expired token is refused before anything is timed.
        let mut old = TokenSet::generate("http://127.0.0.1:9/us-east-1_X", "client1", 1, now - 7200).unwrap();
        old.tokens.extend(set.tokens.clone());
        let err = measure_latchkey_verify(&old, 1, Duration::from_millis(10))
            .await
            .unwrap_err();
        assert!(err.contains("refused a benchmark token"), "{err}");
    }

    /// tests/compat/node's modules, where the compatibility suite installs aws-jwt-verify.
    fn compat_node_modules() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/compat/node/node_modules")
    }

    fn node_present() -> bool {
        Command::new("node").arg("--version").output().is_ok()
            && compat_node_modules().join("aws-jwt-verify").is_dir()
    }

    #[tokio::test]
    async fn aws_jwt_verify_accepts_the_benchmark_tokens_and_refuses_others() {
        if !node_present() {
            eprintln!("SKIPPED: node or tests/compat/node/node_modules/aws-jwt-verify is missing");
            return;
        }
        let dir = std::env::temp_dir().join(format!("lk-bench-node-{}", std::process::id()));
        let modules = compat_node_modules();
        let setup = NodeSetup {
            node: Path::new("node"),
            modules: &modules,
            work_dir: &dir,
        };
        // A real time: aws-jwt-verify checks exp against the clock.
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let set = TokenSet::generate("http://127.0.0.1:9/us-east-1_X", "client1", 4, now).unwrap();
        let rates = measure_aws_jwt_verify(&setup, &set, 0.3).await.unwrap().unwrap();
        assert!(!rates.aws_jwt_verify.is_empty());
        assert_eq!(rates.modes.len(), 2);
        assert!(rates
            .modes
            .iter()
            .all(|(_, r)| r.counts.len() == 3 && r.counts.iter().all(|n| *n > 0)));

        // A token of another key and app client fails verification: the script refuses to time the set.
        let other = TokenSet::generate("http://127.0.0.1:9/us-east-1_X", "client2", 1, now).unwrap();
        let mut mixed = set.clone();
        mixed.tokens.push(other.tokens[0].clone());
        let err = measure_aws_jwt_verify(&setup, &mixed, 0.3).await.unwrap_err();
        assert!(err.contains("refused a benchmark token"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
