//! `latchkey-bench`: measures this machine's raw crypto limits, then drives `latchkey serve` (SQLite, and
//! PostgreSQL when given a URL) and, side by side, moto_server and cognito-local with the same load generator,
//! and prints one table (and writes it as JSON). `scripts/bench.sh` builds, installs the peers and runs this.

mod existence;
mod flood;
mod http;
mod load;
mod procfs;
mod raw;
mod report;
mod servers;
mod setup;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use clap::Parser;
use serde_json::json;

use crate::http::{Conn, Endpoint};
use crate::load::{closed_loop, open_loop, Job, SrpClient, Timing, XorShift};
use crate::raw::RawLimits;
use crate::report::{Row, Target};
use crate::servers::{LatchkeyCmd, Server};
use crate::setup::PASSWORD;

#[derive(Parser)]
#[command(
    name = "latchkey-bench",
    about = "Latchkey's benchmark (see scripts/bench.sh)."
)]
struct Cli {
    /// The latchkey binary (a release build).
    #[arg(long, default_value = "target/release/latchkey")]
    latchkey: PathBuf,
    /// Also run every scenario on this PostgreSQL database (use a scratch database: the run leaves its pools in
    /// it).
    #[arg(long)]
    database_url: Option<String>,
    /// Short durations and a small scale pool, for iterating.
    #[arg(long)]
    quick: bool,
    /// moto_server's executable; the moto comparison is skipped without it.
    #[arg(long)]
    moto: Option<PathBuf>,
    /// cognito-local's executable; that comparison is skipped without it.
    #[arg(long)]
    cognito_local: Option<PathBuf>,
    /// Users in the scale pool [default: 1,000,000; 20,000 with --quick].
    #[arg(long)]
    scale_users: Option<u64>,
    /// Skip the SQLite runs (with --database-url: PostgreSQL only).
    #[arg(long)]
    no_sqlite: bool,
    /// Where the JSON results go.
    #[arg(long, default_value = "bench/last-run.json")]
    out: PathBuf,
    /// Scratch directory for data dirs and logs (emptied first, removed at the end unless --keep).
    #[arg(long, default_value = "bench/.work")]
    work_dir: PathBuf,
    #[arg(long)]
    keep: bool,
    /// Run only these scenario groups (comma-separated): 500, password, srp, refresh, oauth, getuser, list,
    /// signup, admin, overload, flood, existence, scale. Setup, start-to-ready and memory always run.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Extra environment for `latchkey serve`, NAME=VALUE (repeatable), e.g. MALLOC_ARENA_MAX=2.
    #[arg(long = "server-env", value_name = "NAME=VALUE")]
    server_env: Vec<String>,
}

impl Cli {
    fn wants(&self, group: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|o| o == group)
    }

    fn server_env(&self) -> Vec<(String, String)> {
        self.server_env
            .iter()
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
}

const S_READY: &str = "start→ready (fresh data dir)";
const S_IDLE: &str = "idle RSS after start";
const S_PW: &str = "USER_PASSWORD_AUTH sign-in";
const S_SRP: &str = "USER_SRP_AUTH sign-in (2 round trips)";
const S_REFRESH: &str = "REFRESH_TOKEN_AUTH";
const S_GETUSER: &str = "GetUser";
const S_SIGNUP: &str = "SignUp";
const S_ADMIN: &str = "AdminCreateUser";
const S_LIST_BROAD: &str = "ListUsers email ^= \"u<d>\" (60 of 11%)";
const S_LIST_NARROW: &str = "ListUsers email ^= \"u<i>@\" (1 match)";
const S_500: &str = "GetUser, 500 connections";
const S_GU_BASE: &str = "GetUser baseline (4 conns)";
const S_OVER: &str = "overload: password sign-in at 2× sustainable";
const S_OVER_GU: &str = "overload: GetUser alongside (4 conns)";
const S_SEED: &str = "bulk seed (bench-seed)";
const S_PW2: &str = "USER_PASSWORD_AUTH sign-in, 2 conns";
const S_OAUTH_REFRESH: &str = "/oauth2/token refresh_token";
const S_CLIENT_CREDENTIALS: &str = "/oauth2/token client_credentials";
const S_RSS_AFTER: &str = "RSS after the hashing scenarios";
const S_RSS_SETUP: &str = "RSS after setup";
const GETUSER_CONNS: usize = 8;

const NOTES: &str = "ops/s = successful operations per second of the measured window (after a warm-up); \
ops/s/core = successful operations ÷ the server process's CPU seconds (utime + stime from /proc) over the same window \
— for latchkey/postgres that leaves out PostgreSQL's own CPU; p50/p99 = latency of the successful operations; \
peak RSS = VmHWM over the window (reset at its start); vs limit = ops/s/core ÷ the raw per-core limit measured \
on this machine (mean of the measurements before and after the Latchkey runs). The load generator runs on the \
same 2 cores as the server.";

struct Plan {
    timing: Timing,
    short: Timing,
    ready_starts: usize,
    small_users: u64,
    scale_users: u64,
    peer_users: u64,
    raw_budget: Duration,
}

fn human(n: u64) -> String {
    match n {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

fn at(scenario: &str, users: u64) -> String {
    format!("{scenario} @{} users", human(users))
}

fn rng(seed: u64) -> XorShift {
    XorShift::new(seed)
}

/// What a server under test offers the scenarios.
struct Target0 {
    label: String,
    ep: Arc<Endpoint>,
    pid: u32,
    pool_id: String,
    client_id: String,
    users: u64,
    tokens: Vec<(String, String)>,
}

impl Target0 {
    fn sign_in_jobs(&self, n: usize, users: u64, client_id: &str, seed: u64) -> Vec<Job> {
        (0..n)
            .map(|i| Job::PasswordSignIn {
                client_id: client_id.into(),
                prefix: "u".into(),
                users,
                password: PASSWORD.into(),
                rng: rng(seed + i as u64),
            })
            .collect()
    }

    fn get_user_jobs(&self, n: usize) -> Vec<Job> {
        (0..n)
            .map(|i| Job::GetUser {
                access_token: self.tokens[i % self.tokens.len()].0.clone(),
            })
            .collect()
    }

    fn list_jobs(&self, n: usize, pool_id: &str, users: u64, broad: bool) -> Vec<Job> {
        (0..n)
            .map(|i| Job::ListUsers {
                pool_id: pool_id.into(),
                prefix: "u".into(),
                broad,
                users,
                rng: rng(100 + i as u64),
            })
            .collect()
    }

    fn sign_up_jobs(&self, n: usize, tag: &str) -> Vec<Job> {
        (0..n)
            .map(|i| Job::SignUp {
                client_id: self.client_id.clone(),
                prefix: format!("s{tag}w{i}n"),
                n: 0,
                password: PASSWORD.into(),
            })
            .collect()
    }

    fn admin_create_jobs(&self, n: usize, tag: &str) -> Vec<Job> {
        (0..n)
            .map(|i| Job::AdminCreate {
                pool_id: self.pool_id.clone(),
                prefix: format!("a{tag}w{i}n"),
                n: 0,
                password: PASSWORD.into(),
            })
            .collect()
    }

    async fn run(&self, scenario: &str, jobs: Vec<Job>, timing: Timing, limit: Option<&str>) -> Row {
        eprintln!("  {} · {scenario} ({} conns)", self.label, jobs.len());
        let r = closed_loop(&self.ep, jobs, timing, Some(self.pid)).await;
        let row = Row::from_run(&self.label, scenario, &r, limit);
        eprintln!(
            "    {} ok/s, p50 {} ms, p99 {} ms{}",
            row.ops_per_s.map_or("-".into(), |v| format!("{v:.0}")),
            row.p50_ms.map_or("-".into(), |v| format!("{v:.2}")),
            row.p99_ms.map_or("-".into(), |v| format!("{v:.2}")),
            if row.failed + row.throttled > 0 {
                format!(", {} throttled, errors {:?}", row.throttled, row.errors)
            } else {
                String::new()
            }
        );
        row
    }
}

async fn prepare(
    label: &str,
    server: &Server,
    users: u64,
) -> Result<(Arc<Endpoint>, String, String), String> {
    let ep = server.endpoint();
    let mut admin = Conn::new(ep.clone());
    let pool_id = setup::create_pool(&mut admin, &format!("bench-{}", human(users))).await?;
    let client_id = setup::create_client(&mut admin, &pool_id).await?;
    eprintln!("  {label}: pool {pool_id}, client {client_id}");
    Ok((ep, pool_id, client_id))
}

fn median_ms(v: &mut [Duration]) -> (f64, f64) {
    v.sort();
    let med = v.get(v.len() / 2).map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    let max = v.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    (med, max)
}

async fn run_latchkey(
    cli: &Cli,
    plan: &Plan,
    raw: &RawLimits,
    label: &str,
    database_url: Option<String>,
    rows: &mut Vec<Row>,
) -> Result<(), String> {
    eprintln!("\n== {label}");
    let dir = cli.work_dir.join(label.replace('/', "-"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;

    // Start to ready, each time on a fresh data dir (a new master key; migrations on a new SQLite file).
    let mut readies = Vec::new();
    for i in 0..plan.ready_starts {
        let cmd = LatchkeyCmd {
            bin: cli.latchkey.clone(),
            data_dir: dir.join(format!("ready-{i}")),
            database_url: database_url.clone(),
            env: cli.server_env(),
            serve_args: unthrottled(),
        };
        let s = cmd.serve(&dir.join(format!("ready-{i}.log"))).await?;
        readies.push(s.ready);
        s.stop();
    }
    let (med, max) = median_ms(&mut readies);
    let mut row = Row::fact(label, S_READY).with_note(format!(
        "median of {} starts (p50 column); slowest in the p99 column",
        readies.len()
    ));
    row.p50_ms = Some(med);
    row.p99_ms = Some(max);
    eprintln!("  ready: median {med:.1} ms, max {max:.1} ms");
    rows.push(row);

    let cmd = LatchkeyCmd {
        bin: cli.latchkey.clone(),
        data_dir: dir.join("data"),
        database_url: database_url.clone(),
        env: cli.server_env(),
        serve_args: unthrottled(),
    };
    let server = cmd.serve(&dir.join("server.log")).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut row = Row::fact(label, S_IDLE).with_note("VmRSS 1 s after ready, before any request");
    row.peak_rss_mb = procfs::rss_kb(server.pid).map(|k| k as f64 / 1024.0);
    rows.push(row);

    let (ep, pool_id, client_id) = prepare(label, &server, plan.small_users).await?;
    let t = Instant::now();
    cmd.seed(&pool_id, plan.small_users, PASSWORD, plan.small_users)?;
    eprintln!(
        "  seeded {} users with SRP verifiers in {:.1} s",
        plan.small_users,
        t.elapsed().as_secs_f64()
    );
    let tokens = setup::tokens(&ep, &client_id, 16).await?;
    let (m2m_id, m2m_secret, scope) = setup::oauth_client(&mut Conn::new(ep.clone()), &pool_id).await?;
    let tg = Target0 {
        label: label.into(),
        ep: ep.clone(),
        pid: server.pid,
        pool_id: pool_id.clone(),
        client_id: client_id.clone(),
        users: plan.small_users,
        tokens,
    };
    let pool_name = pool_id
        .split_once('_')
        .map_or(pool_id.as_str(), |(_, n)| n)
        .to_string();
    let users = tg.users;
    let timing = plan.timing;
    let mut row = Row::fact(label, S_RSS_SETUP)
        .with_note("VmRSS after creating the pools, seeding and 16 sign-ins for tokens");
    row.peak_rss_mb = procfs::rss_kb(server.pid).map(|k| k as f64 / 1024.0);
    rows.push(row);

    // First, while little hashing has happened: memory with 500 open connections.
    if cli.wants("500") {
        let row = tg
            .run(S_500, tg.get_user_jobs(500), timing, Some("get_user"))
            .await;
        let note = format!("VmRSS mid-run {} MB", f2(row.mid_rss_mb));
        rows.push(row.with_note(note));
    }

    let mut sustainable = raw.password_sign_in() * procfs::machine().1 as f64;
    if cli.wants("password") {
        let pw = tg
            .run(
                S_PW,
                tg.sign_in_jobs(8, users, &client_id, 1),
                timing,
                Some("password_sign_in"),
            )
            .await;
        sustainable = pw.ops_per_s.unwrap_or(sustainable);
        rows.push(pw.with_note(format!("random user of {}", human(users))));
    }

    if cli.wants("srp") {
        let srp_jobs = (0..4)
            .map(|i| {
                let mut r = rng(500 + i);
                Job::Srp {
                    client_id: client_id.clone(),
                    pool_name: pool_name.clone(),
                    prefix: "u".into(),
                    users,
                    password: PASSWORD.into(),
                    client: Box::new(SrpClient::new(&mut r)),
                    rng: r,
                }
            })
            .collect();
        let row = tg.run(S_SRP, srp_jobs, timing, Some("srp_sign_in")).await;
        rows.push(row.with_note("client math runs in the load generator; latency includes it"));
    }

    if cli.wants("refresh") {
        let jobs = (0..16)
            .map(|i| Job::Refresh {
                client_id: client_id.clone(),
                refresh_token: tg.tokens[i % tg.tokens.len()].1.clone(),
            })
            .collect();
        rows.push(tg.run(S_REFRESH, jobs, timing, Some("refresh")).await);
    }

    if cli.wants("oauth") {
        let jobs = (0..16)
            .map(|i| Job::OAuthRefresh {
                client_id: client_id.clone(),
                refresh_token: tg.tokens[i % tg.tokens.len()].1.clone(),
            })
            .collect();
        rows.push(tg.run(S_OAUTH_REFRESH, jobs, timing, Some("refresh")).await);
        let basic = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{m2m_id}:{m2m_secret}"))
        );
        let jobs = (0..16)
            .map(|_| Job::ClientCredentials {
                basic: basic.clone(),
                scope: scope.clone(),
            })
            .collect();
        rows.push(
            tg.run(S_CLIENT_CREDENTIALS, jobs, timing, Some("client_credentials"))
                .await
                .with_note("confidential client, HTTP Basic, scope bench/read"),
        );
    }

    if cli.wants("getuser") {
        rows.push(
            tg.run(
                S_GETUSER,
                tg.get_user_jobs(GETUSER_CONNS),
                timing,
                Some("get_user"),
            )
            .await,
        );
    }

    let mut list_p99_small = None;
    let mut list_narrow_p99_small = None;
    if cli.wants("list") {
        let row = tg
            .run(S_LIST_BROAD, tg.list_jobs(8, &pool_id, users, true), timing, None)
            .await;
        list_p99_small = row.p99_ms;
        rows.push(row.with_note(format!("pool of {}", human(users))));
        let row = tg
            .run(
                S_LIST_NARROW,
                tg.list_jobs(8, &pool_id, users, false),
                timing,
                None,
            )
            .await;
        list_narrow_p99_small = row.p99_ms;
        rows.push(row.with_note(format!("pool of {}", human(users))));
    }

    if cli.wants("signup") {
        rows.push(
            tg.run(S_SIGNUP, tg.sign_up_jobs(8, "lk"), timing, Some("create_user"))
                .await
                .with_note("email auto-verified: a code goes to the outbox"),
        );
    }
    if cli.wants("admin") {
        rows.push(
            tg.run(
                S_ADMIN,
                tg.admin_create_jobs(8, "lk"),
                timing,
                Some("create_user"),
            )
            .await
            .with_note("MessageAction SUPPRESS, TemporaryPassword (hashed)"),
        );
    }
    let mut row = Row::fact(label, S_RSS_AFTER).with_note("VmRSS once the hashing scenarios are over");
    row.peak_rss_mb = procfs::rss_kb(server.pid).map(|k| k as f64 / 1024.0);
    rows.push(row);

    // Overload: GetUser alone, then the same GetUser load beside sign-ins offered at twice the sustainable rate.
    if cli.wants("overload") {
        let base = tg.run(S_GU_BASE, tg.get_user_jobs(4), plan.short, None).await;
        let base_p99 = base.p99_ms;
        rows.push(base);
        let rate = (2.0 * sustainable).max(2.0);
        eprintln!("  {label} · {S_OVER} ({rate:.0}/s offered) + {S_OVER_GU}");
        let proto = tg.sign_in_jobs(1, users, &client_id, 900).remove(0);
        let (over, gu) = tokio::join!(
            open_loop(&ep, proto, rate, 512, timing, Some(server.pid)),
            closed_loop(&ep, tg.get_user_jobs(4), timing, None)
        );
        let mut row = Row::from_run(label, S_OVER, &over, Some("password_sign_in"));
        row.note = format!(
            "{rate:.0}/s offered, open loop (conns = connections it used); TooManyRequestsException answers p50 {} ms, p99 {} ms; {} not sent",
            f2(row.throttled_p50_ms),
            f2(row.throttled_p99_ms),
            over.dropped
        );
        eprintln!(
            "    {} ok, {} throttled; {}",
            over.m.ok, over.m.throttled, row.note
        );
        rows.push(row);
        let mut row = Row::from_run(label, S_OVER_GU, &gu, None);
        row.note = format!("alone: p99 {} ms", f2(base_p99));
        eprintln!(
            "    GetUser alongside: p50 {} p99 {} ms",
            f2(row.p50_ms),
            f2(row.p99_ms)
        );
        rows.push(row);
    }

    // One address floods sign-ins while another signs in normally, on servers of their own (default limits, then
    // none).
    if cli.wants("flood") {
        flood::run(&cmd, &dir, label, plan.timing, rows).await?;
    }

    // A wrong password for a real user and any password for a missing name, when existence is hidden: the times
    // must not tell them apart.
    if cli.wants("existence") {
        existence::run(&cmd, &dir, label, plan.timing, rows).await?;
    }

    // Scale: sign-in and ListUsers on a pool of scale_users users, seeded through the bulk path.
    if cli.wants("scale") {
        let n = plan.scale_users;
        let mut admin = Conn::new(ep.clone());
        let big_pool = setup::create_pool(&mut admin, &format!("bench-{}", human(n))).await?;
        let big_client = setup::create_client(&mut admin, &big_pool).await?;
        eprintln!("  seeding {} users into {big_pool} …", human(n));
        let t = Instant::now();
        let seeded = cmd.seed(&big_pool, n, PASSWORD, 0)?;
        let secs = t.elapsed().as_secs_f64();
        let mut row = Row::fact(label, &at(S_SEED, n)).with_note(format!(
            "{} users inserted in {secs:.0} s through Store::insert_user (password hashed once, no SRP verifiers)",
            seeded.get("inserted").and_then(|v| v.as_u64()).unwrap_or(0)
        ));
        row.ops_per_s = Some(n as f64 / secs);
        eprintln!("    {:.0} users/s; {}", n as f64 / secs, row.note);
        rows.push(row);
        // Sign-in latency without queueing (2 connections = the 2 hashing workers), both pools back to back.
        let small = tg
            .run(
                &at(S_PW2, users),
                tg.sign_in_jobs(2, users, &client_id, 11),
                timing,
                Some("password_sign_in"),
            )
            .await;
        let small_p50 = small.p50_ms;
        rows.push(small);
        let big = tg
            .run(
                &at(S_PW2, n),
                tg.sign_in_jobs(2, n, &big_client, 7),
                timing,
                Some("password_sign_in"),
            )
            .await;
        let note = ratio_note("p50", big.p50_ms, small_p50, users);
        rows.push(big.with_note(note));
        let big = tg
            .run(
                &at(S_LIST_BROAD, n),
                tg.list_jobs(8, &big_pool, n, true),
                timing,
                None,
            )
            .await;
        let note = ratio_note("p99", big.p99_ms, list_p99_small, users);
        rows.push(big.with_note(note));
        let big = tg
            .run(
                &at(S_LIST_NARROW, n),
                tg.list_jobs(8, &big_pool, n, false),
                timing,
                None,
            )
            .await;
        let note = ratio_note("p99", big.p99_ms, list_narrow_p99_small, users);
        rows.push(big.with_note(note));
    }

    let mut row = Row::fact(label, "whole run")
        .with_note("server CPU seconds in all; peak RSS (VmHWM) since the last scenario's reset");
    row.server_cpu_s = procfs::cpu_seconds(server.pid);
    row.peak_rss_mb = procfs::peak_rss_kb(server.pid).map(|k| k as f64 / 1024.0);
    rows.push(row);
    server.stop();
    Ok(())
}

/// The load generator sends everything from one address (127.0.0.1), so the scenarios' server raises the
/// per-address and per-client rate limits out of reach; they stay on, so every request pays for the check.
fn unthrottled() -> Vec<String> {
    [
        "--limit-per-address",
        "1000000",
        "--limit-per-address-burst",
        "1000000",
        "--limit-per-client",
        "1000000",
        "--limit-per-client-burst",
        "1000000",
    ]
    .map(String::from)
    .to_vec()
}

fn ratio_note(what: &str, big: Option<f64>, small: Option<f64>, small_users: u64) -> String {
    match (big, small) {
        (Some(b), Some(s)) if s > 0.0 => {
            format!("{what} {:.2}× the {}-user pool's", b / s, human(small_users))
        }
        _ => String::new(),
    }
}

async fn run_peer(plan: &Plan, server: Server, rows: &mut Vec<Row>) -> Result<(), String> {
    let label = server.name.clone();
    eprintln!("\n== {label}");
    let mut row = Row::fact(&label, "start→ready").with_note("one start");
    row.p50_ms = Some(server.ready.as_secs_f64() * 1000.0);
    rows.push(row);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut row = Row::fact(&label, S_IDLE).with_note("VmRSS 1 s after ready");
    row.peak_rss_mb = procfs::rss_kb(server.pid).map(|k| k as f64 / 1024.0);
    rows.push(row);

    let (ep, pool_id, client_id) = prepare(&label, &server, plan.peer_users).await?;
    let t = Instant::now();
    setup::seed_via_api(&ep, &pool_id, plan.peer_users, 4).await?;
    eprintln!(
        "  seeded {} users through AdminCreateUser + AdminSetUserPassword in {:.1} s",
        plan.peer_users,
        t.elapsed().as_secs_f64()
    );
    let tokens = setup::tokens(&ep, &client_id, 16).await?;
    let tg = Target0 {
        label: label.clone(),
        ep,
        pid: server.pid,
        pool_id: pool_id.clone(),
        client_id: client_id.clone(),
        users: plan.peer_users,
        tokens,
    };
    let users = tg.users;
    let timing = plan.timing;
    rows.push(
        tg.run(S_PW, tg.sign_in_jobs(8, users, &client_id, 1), timing, None)
            .await
            .with_note(format!("random user of {}", human(users))),
    );
    rows.push(
        tg.run(S_GETUSER, tg.get_user_jobs(GETUSER_CONNS), timing, None)
            .await,
    );
    rows.push(
        tg.run(S_LIST_BROAD, tg.list_jobs(8, &pool_id, users, true), timing, None)
            .await
            .with_note(format!("pool of {}", human(users))),
    );
    rows.push(
        tg.run(
            S_LIST_NARROW,
            tg.list_jobs(8, &pool_id, users, false),
            timing,
            None,
        )
        .await
        .with_note(format!("pool of {}", human(users))),
    );
    rows.push(tg.run(S_SIGNUP, tg.sign_up_jobs(8, "peer"), timing, None).await);
    rows.push(
        tg.run(S_ADMIN, tg.admin_create_jobs(8, "peer"), timing, None)
            .await,
    );
    server.stop();
    Ok(())
}

fn find<'a>(rows: &'a [Row], server: &str, scenario: &str) -> Option<&'a Row> {
    rows.iter().find(|r| r.server == server && r.scenario == scenario)
}

fn f2(v: Option<f64>) -> String {
    v.map_or("-".into(), |x| format!("{x:.2}"))
}

fn targets(rows: &[Row], plan: &Plan, stores: &[String], peers: &[String]) -> Vec<Target> {
    let mut out = Vec::new();
    for s in stores {
        let t = |name: &str| format!("{s}: {name}");
        if let Some(r) = find(rows, s, S_PW) {
            out.push(Target::new(
                &t("password sign-in per core vs raw Argon2id + 2×RS256"),
                "≥ 90%",
                format!(
                    "{} ({}/s per core, limit {})",
                    report_pct(r.ratio_to_limit),
                    f2(r.ops_per_core_s),
                    f2(r.limit_per_core)
                ),
                r.ratio_to_limit.map(|x| x >= 0.9),
            ));
        }
        if let Some(r) = find(rows, s, S_REFRESH) {
            out.push(Target::new(
                &t("refresh per core vs raw 2×RS256"),
                "≥ 70%",
                format!(
                    "{} ({}/s per core, limit {})",
                    report_pct(r.ratio_to_limit),
                    f2(r.ops_per_core_s),
                    f2(r.limit_per_core)
                ),
                r.ratio_to_limit.map(|x| x >= 0.7),
            ));
        }
        if let Some(r) = find(rows, s, S_OAUTH_REFRESH) {
            out.push(Target::new(
                &t("/oauth2/token refresh per core vs raw 2×RS256"),
                "≥ 70%",
                format!(
                    "{} ({}/s per core, limit {})",
                    report_pct(r.ratio_to_limit),
                    f2(r.ops_per_core_s),
                    f2(r.limit_per_core)
                ),
                r.ratio_to_limit.map(|x| x >= 0.7),
            ));
        }
        if let Some(r) = find(rows, s, S_CLIENT_CREDENTIALS) {
            out.push(Target::new(
                &t("client_credentials per core vs raw 1×RS256"),
                "≥ 70%",
                format!(
                    "{} ({}/s per core, limit {})",
                    report_pct(r.ratio_to_limit),
                    f2(r.ops_per_core_s),
                    f2(r.limit_per_core)
                ),
                r.ratio_to_limit.map(|x| x >= 0.7),
            ));
        }
        if let Some(r) = find(rows, s, S_SRP) {
            out.push(Target::new(
                &t("SRP sign-ins per core"),
                "≥ 150/s",
                format!(
                    "{}/s per core ({} of the raw limit {})",
                    f2(r.ops_per_core_s),
                    report_pct(r.ratio_to_limit),
                    f2(r.limit_per_core)
                ),
                r.ops_per_core_s.map(|x| x >= 150.0),
            ));
        }
        if let Some(r) = find(rows, s, S_GETUSER) {
            out.push(Target::new(
                &t("GetUser on 2 cores"),
                "≥ 5,000/s, p99 ≤ 10 ms",
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
            ));
        }
        if let Some(r) = find(rows, s, S_IDLE) {
            out.push(Target::new(
                &t("idle RSS"),
                "≤ 30 MB",
                format!("{} MB", f2(r.peak_rss_mb)),
                r.peak_rss_mb.map(|x| x <= 30.0),
            ));
        }
        if let Some(r) = find(rows, s, S_500) {
            out.push(Target::new(
                &t("RSS at 500 connections"),
                "≤ 150 MB",
                format!("peak {} MB", f2(r.peak_rss_mb)),
                r.peak_rss_mb.map(|x| x <= 150.0),
            ));
        }
        if let Some(r) = find(rows, s, S_READY) {
            out.push(Target::new(
                &t("start to ready"),
                "≤ 300 ms",
                format!("median {} ms, slowest {} ms", f2(r.p50_ms), f2(r.p99_ms)),
                r.p50_ms.map(|x| x <= 300.0),
            ));
        }
        let n = plan.scale_users;
        let small_n = plan.small_users;
        if let (Some(big), Some(small)) = (find(rows, s, &at(S_PW2, n)), find(rows, s, &at(S_PW2, small_n))) {
            let ratio = match (big.p50_ms, small.p50_ms) {
                (Some(b), Some(a)) if a > 0.0 => Some(b / a),
                _ => None,
            };
            out.push(Target::new(
                &t(&format!(
                    "sign-in p50 at {} users vs {} users",
                    human(n),
                    human(small_n)
                )),
                "≤ 1.2×",
                format!(
                    "{}× ({} ms vs {} ms)",
                    f2(ratio),
                    f2(big.p50_ms),
                    f2(small.p50_ms)
                ),
                ratio.map(|x| x <= 1.2),
            ));
        }
        for sc in [S_LIST_BROAD, S_LIST_NARROW] {
            if let Some(big) = find(rows, s, &at(sc, n)) {
                out.push(Target::new(
                    &t(&format!("{sc} p99 at {} users", human(n))),
                    "≤ 20 ms",
                    format!("{} ms", f2(big.p99_ms)),
                    big.p99_ms.map(|x| x <= 20.0),
                ));
            }
        }
        if let (Some(o), Some(g), Some(b)) = (
            find(rows, s, S_OVER),
            find(rows, s, S_OVER_GU),
            find(rows, s, S_GU_BASE),
        ) {
            let sheds = o.throttled > 0;
            let flat = match (g.p99_ms, b.p99_ms) {
                (Some(x), Some(y)) => x <= 10.0_f64.max(2.0 * y),
                _ => false,
            };
            out.push(Target::new(
                &t("overload at 2× sign-in rate"),
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
            ));
        }
    }
    for s in stores {
        if let (Some(u), Some(f)) = (find(rows, s, flood::S_FLOOD_USER), find(rows, s, flood::S_FLOOD)) {
            let off = find(rows, s, &format!("{}{}", flood::S_FLOOD_USER, flood::OFF));
            let share = flood::user_success(u);
            out.push(Target::new(
                &format!("{s}: one address floods sign-ins, another signs in at 5/s"),
                "≥ 95% of the other address's sign-ins succeed; the flood is throttled",
                format!(
                    "{} succeeded ({} without the limits); {} flood requests throttled, {} got through",
                    report_pct(share),
                    report_pct(off.and_then(flood::user_success)),
                    f.throttled,
                    f.failed + f.ok
                ),
                share.map(|x| x >= 0.95 && f.throttled > 0),
            ));
        }
    }
    for s in stores {
        if let (Some(real), Some(missing)) = (
            find(rows, s, existence::S_REAL),
            find(rows, s, existence::S_MISSING),
        ) {
            let gap = existence::median_gap(real, missing);
            out.push(Target::new(
                &format!("{s}: refusal time, real user vs missing name (existence hidden)"),
                "medians within 5% of each other",
                format!(
                    "p50 {} ms vs {} ms ({} apart); p99 {} ms vs {} ms",
                    f2(real.p50_ms),
                    f2(missing.p50_ms),
                    report_pct(gap),
                    f2(real.p99_ms),
                    f2(missing.p99_ms)
                ),
                gap.map(|g| g <= 0.05),
            ));
        }
    }
    if let Some(lk) = stores.first() {
        for p in peers {
            for sc in [S_SIGNUP, S_ADMIN, S_PW, S_GETUSER, S_LIST_BROAD, S_LIST_NARROW] {
                if let (Some(a), Some(b)) = (find(rows, lk, sc), find(rows, p, sc)) {
                    let ratio = match (a.ops_per_s, b.ops_per_s) {
                        (Some(x), Some(y)) if y > 0.0 => Some(x / y),
                        _ => None,
                    };
                    let per_core = match (a.ops_per_core_s, b.ops_per_core_s) {
                        (Some(x), Some(y)) if y > 0.0 => Some(x / y),
                        _ => None,
                    };
                    out.push(Target::new(
                        &format!("{lk} vs {p}: {sc}"),
                        "≥ 10× throughput",
                        format!(
                            "{}× ops/s ({} vs {}), {}× per CPU second",
                            f2(ratio),
                            f2(a.ops_per_s),
                            f2(b.ops_per_s),
                            f2(per_core)
                        ),
                        ratio.map(|x| x >= 10.0),
                    ));
                }
            }
        }
    }
    out
}

/// The raw limits on a blocking thread, printed as they are measured.
async fn measure_raw(budget: Duration) -> Result<RawLimits, String> {
    let raw = tokio::task::spawn_blocking(move || raw::measure(budget))
        .await
        .map_err(|e| e.to_string())??;
    eprintln!(
        "  per operation (CPU time, best of 3 rounds): Argon2id verify {:.2} ms, RS256 sign {:.0} µs, RS256 verify {:.1} µs, SRP server side {:.2} ms",
        raw.argon2_verify_s * 1e3,
        raw.rs256_sign_s * 1e6,
        raw.rs256_verify_s * 1e6,
        raw.srp_server_s * 1e3,
    );
    eprintln!(
        "  rate limits per limited request: address + client buckets {:.0} ns, body glance {:.0} ns",
        raw.limit_check_s * 1e9,
        raw.limit_glance_s * 1e9,
    );
    eprintln!(
        "  per-core ceilings: password sign-in {:.1}/s, refresh {:.0}/s, client_credentials {:.0}/s, SRP sign-in {:.0}/s, GetUser (verify) {:.0}/s",
        raw.password_sign_in(),
        raw.refresh(),
        raw.client_credentials(),
        raw.srp_sign_in(),
        raw.get_user()
    );
    Ok(raw)
}

fn report_pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |x| format!("{:.0}%", x * 100.0))
}

fn git(args: &[&str]) -> String {
    std::process::Command::new("git")
        .args(args)
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

fn write_json(path: &Path, value: &serde_json::Value) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    std::fs::write(path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let mut cli = Cli::parse();
    // Absolute paths: cognito-local runs in its own working directory.
    for p in [&mut cli.moto, &mut cli.cognito_local].into_iter().flatten() {
        if let Ok(abs) = std::fs::canonicalize(&*p) {
            *p = abs;
        }
    }
    if let Ok(abs) = std::fs::canonicalize(&cli.latchkey) {
        cli.latchkey = abs;
    }
    let plan = if cli.quick {
        Plan {
            timing: Timing {
                warmup: Duration::from_secs(1),
                duration: Duration::from_secs(3),
            },
            short: Timing {
                warmup: Duration::from_millis(500),
                duration: Duration::from_secs(2),
            },
            ready_starts: 2,
            small_users: 1000,
            scale_users: cli.scale_users.unwrap_or(20_000),
            peer_users: 100,
            raw_budget: Duration::from_millis(1500),
        }
    } else {
        Plan {
            timing: Timing {
                warmup: Duration::from_secs(3),
                duration: Duration::from_secs(12),
            },
            short: Timing {
                warmup: Duration::from_secs(1),
                duration: Duration::from_secs(5),
            },
            ready_starts: 5,
            small_users: 1000,
            scale_users: cli.scale_users.unwrap_or(1_000_000),
            peer_users: 1000,
            raw_budget: Duration::from_secs(3),
        }
    };
    if !cli.latchkey.exists() {
        eprintln!(
            "latchkey-bench: {} does not exist (cargo build --release -p latchkey)",
            cli.latchkey.display()
        );
        return std::process::ExitCode::from(2);
    }
    let started = Instant::now();
    let (cpu, cores, mem_kb) = procfs::machine();
    let date = time::OffsetDateTime::now_utc();
    let commit = {
        let c = git(&["rev-parse", "--short", "HEAD"]);
        if git(&["status", "--porcelain", "--untracked-files=no"]).is_empty() {
            c
        } else {
            format!("{c} (with uncommitted changes)")
        }
    };
    eprintln!(
        "latchkey-bench: {cores} cores, {cpu}, {:.1} GiB, commit {commit}",
        mem_kb as f64 / 1048576.0
    );

    eprintln!("\n== raw limits (one thread each)");
    let raw_before = match measure_raw(plan.raw_budget).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("latchkey-bench: raw limits: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let raw = raw_before.clone();

    let _ = std::fs::remove_dir_all(&cli.work_dir);
    let mut rows = Vec::new();
    let mut stores = Vec::new();
    let mut failures = Vec::new();
    if !cli.no_sqlite {
        let label = "latchkey/sqlite".to_string();
        if let Err(e) = run_latchkey(&cli, &plan, &raw, &label, None, &mut rows).await {
            eprintln!("latchkey-bench: {label}: {e}");
            failures.push(format!("{label}: {e}"));
        }
        stores.push(label);
    }
    if let Some(url) = cli.database_url.clone() {
        let label = "latchkey/postgres".to_string();
        if let Err(e) = run_latchkey(&cli, &plan, &raw, &label, Some(url), &mut rows).await {
            eprintln!("latchkey-bench: {label}: {e}");
            failures.push(format!("{label}: {e}"));
        }
        stores.push(label);
    }
    eprintln!("\n== raw limits again (the machine is shared: the ratios use the mean of both measurements)");
    let raw_after = measure_raw(plan.raw_budget)
        .await
        .unwrap_or_else(|_| raw_before.clone());
    let raw = RawLimits::mean(&raw_before, &raw_after);
    report::apply_limits(&mut rows, &raw);

    let mut peers = Vec::new();
    if let Some(bin) = &cli.moto {
        let log = cli.work_dir.join("moto_server.log");
        let _ = std::fs::create_dir_all(&cli.work_dir);
        match servers::moto(bin, &log).await {
            Ok(s) => {
                peers.push(s.name.clone());
                if let Err(e) = run_peer(&plan, s, &mut rows).await {
                    eprintln!("latchkey-bench: moto_server: {e}");
                    failures.push(format!("moto_server: {e}"));
                }
            }
            Err(e) => failures.push(format!("moto_server: {e}")),
        }
    }
    if let Some(bin) = &cli.cognito_local {
        let dir = cli.work_dir.join("cognito-local");
        match servers::cognito_local(bin, &dir, &cli.work_dir.join("cognito-local.log")).await {
            Ok(s) => {
                peers.push(s.name.clone());
                if let Err(e) = run_peer(&plan, s, &mut rows).await {
                    eprintln!("latchkey-bench: cognito-local: {e}");
                    failures.push(format!("cognito-local: {e}"));
                }
            }
            Err(e) => failures.push(format!("cognito-local: {e}")),
        }
    }

    let targets = targets(&rows, &plan, &stores, &peers);
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
        "Raw limits per core: Argon2id verify {:.1}/s ({}), RS256 sign {:.0}/s, RS256 verify {:.0}/s, SRP server side {:.0}/s. Whole run {:.0} s.",
        1.0 / raw.argon2_verify_s,
        raw.argon2,
        1.0 / raw.rs256_sign_s,
        1.0 / raw.rs256_verify_s,
        1.0 / raw.srp_server_s,
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
        "raw_limits": {
            "argon2_verify_s": raw.argon2_verify_s,
            "rs256_sign_s": raw.rs256_sign_s,
            "rs256_verify_s": raw.rs256_verify_s,
            "srp_server_s": raw.srp_server_s,
            "argon2": raw.argon2,
            "per_core": {
                "password_sign_in": raw.password_sign_in(),
                "refresh": raw.refresh(),
                "srp_sign_in": raw.srp_sign_in(),
                "get_user": raw.get_user(),
                "create_user": raw.create_user(),
            },
        },
        "rows": rows,
        "targets": targets,
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
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
