//! Latchkey's runs, as rows: on each store, start-up and memory facts, the scenario tables, the overload, the
//! flood, user existence, the scale pool, the MFA pool and the triggers' pools. The peers' runs are in `peers`.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::cli::{Cli, Plan};
use crate::http::{Conn, Endpoint};
use crate::jobs::Job;
use crate::load::{closed_loop, open_loop, Timing};
use crate::raw::RawLimits;
use crate::report::{f2, find, human, mb, Row};
use crate::scenarios::{
    at, Fixture, Note, Pool, Scenario, Work, MFA_SCENARIOS, SCALE_SCENARIOS, SCENARIOS, S_GU_BASE, S_IDLE,
    S_OVER, S_OVER_GU, S_PW, S_READY, S_RSS_AFTER, S_RSS_SETUP, S_SEED,
};
use crate::servers::{LatchkeyCmd, Server};
use crate::setup::{self, PASSWORD};
use crate::{existence, flood, lambda, mfa, procfs, triggers};

/// A server under load: the rows' label, where to reach it, and the process to watch.
pub(crate) struct UnderTest {
    pub(crate) label: String,
    pub(crate) ep: Arc<Endpoint>,
    pub(crate) pid: u32,
}

/// The pools a run's scenarios use.
pub(crate) struct Pools {
    pub(crate) small: Fixture,
    pub(crate) scale: Option<Fixture>,
    pub(crate) mfa: Option<Fixture>,
    /// The triggers group's pools: with the PreTokenGeneration function, and without.
    pub(crate) triggers: Option<(Fixture, Fixture)>,
}

impl Pools {
    /// `pool`, when this run made it.
    pub(crate) fn get(&self, pool: Pool) -> Option<&Fixture> {
        match pool {
            Pool::Small => Some(&self.small),
            Pool::Scale => self.scale.as_ref(),
            Pool::Mfa => self.mfa.as_ref(),
            Pool::WithTrigger => self.triggers.as_ref().map(|t| &t.0),
            Pool::WithoutTrigger => self.triggers.as_ref().map(|t| &t.1),
        }
    }
}

impl UnderTest {
    pub(crate) fn new(label: &str, server: &Server) -> UnderTest {
        UnderTest {
            label: label.into(),
            ep: server.endpoint(),
            pid: server.pid,
        }
    }

    /// A pool of `users` and its app client: their ids.
    pub(crate) async fn prepare(&self, users: u64) -> Result<(String, String), String> {
        let mut admin = Conn::new(self.ep.clone());
        let pool_id = setup::create_pool(&mut admin, &format!("bench-{}", human(users))).await?;
        let client_id = setup::create_client(&mut admin, &pool_id).await?;
        eprintln!("  {}: pool {pool_id}, client {client_id}", self.label);
        Ok((pool_id, client_id))
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

    /// Runs `scenario` and adds its row, compared with `limit` and noted with `note`; nothing where its pool is
    /// not there.
    pub(crate) async fn run_scenario(
        &self,
        scenario: &Scenario,
        pools: &Pools,
        timing: Timing,
        limit: Option<&str>,
        note: &Note,
        rows: &mut Vec<Row>,
    ) {
        let Some(pool) = pools.get(scenario.pool) else {
            return;
        };
        let name = scenario.row_name(pool.users);
        let jobs = scenario.work.jobs(scenario.conns, pool);
        if jobs.is_empty() {
            eprintln!(
                "  {} · {name}: skipped (the pool lacks what it needs)",
                self.label
            );
            return;
        }
        let row = self.run(&name, jobs, timing, limit).await;
        let text = note.text(&row, pool.users, pools.small.users, rows);
        rows.push(row.with_note(text));
    }

    /// Runs `scenarios` in turn with latchkey's raw limits and notes.
    async fn run_latchkey_scenarios(
        &self,
        scenarios: impl IntoIterator<Item = &Scenario>,
        pools: &Pools,
        timing: Timing,
        rows: &mut Vec<Row>,
    ) {
        for s in scenarios {
            self.run_scenario(s, pools, timing, s.limit, &s.note, rows).await;
        }
    }

    /// The server's memory a second after it is ready, before any request.
    pub(crate) async fn idle_rss(&self, note: &str) -> Row {
        tokio::time::sleep(Duration::from_secs(1)).await;
        self.rss_now(S_IDLE, note)
    }

    /// A row of the server's memory now.
    fn rss_now(&self, scenario: &str, note: &str) -> Row {
        let mut row = Row::fact(&self.label, scenario).with_note(note);
        row.peak_rss_mb = procfs::rss_kb(self.pid).map(mb);
        row
    }
}

/// Where a store's scenarios that want a server of their own start it: the store's `latchkey serve` command,
/// its scratch directory, the rows' label, and the scenarios' timing.
pub struct FreshServers<'a> {
    pub cmd: &'a LatchkeyCmd,
    pub dir: &'a Path,
    pub label: &'a str,
    pub timing: Timing,
}

impl FreshServers<'_> {
    /// A server on a fresh data dir `<dir>/<name>`, logging to `<dir>/<name>.log`, with `serve_args` instead of
    /// the store's flags when given. Returns its command too (to seed it).
    pub async fn start(
        &self,
        name: &str,
        serve_args: Option<Vec<String>>,
    ) -> Result<(LatchkeyCmd, Server), String> {
        let cmd = LatchkeyCmd {
            data_dir: self.dir.join(name),
            serve_args: serve_args.unwrap_or_else(|| self.cmd.serve_args.clone()),
            ..self.cmd.clone()
        };
        let server = cmd.serve(&self.dir.join(format!("{name}.log"))).await?;
        Ok((cmd, server))
    }
}

/// The median and the slowest, in milliseconds.
fn median_ms(v: &mut [Duration]) -> (f64, f64) {
    v.sort();
    let med = v.get(v.len() / 2).map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    let max = v.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    (med, max)
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

/// What the runs gather: every row, and what failed (a failed server is noted and the run goes on).
#[derive(Default)]
pub struct Gathered {
    pub rows: Vec<Row>,
    pub failures: Vec<String>,
}

impl Gathered {
    pub(crate) fn failed(&mut self, what: &str, e: &str) {
        self.failures.push(format!("{what}: {e}"));
    }
}

/// Every latchkey store the command line asks for (SQLite, PostgreSQL), into `out`: the labels of the stores run.
pub async fn run_stores(cli: &Cli, plan: &Plan, raw: &RawLimits, out: &mut Gathered) -> Vec<String> {
    let mut stores = Vec::new();
    let sqlite = (!cli.no_sqlite).then(|| ("latchkey/sqlite".to_string(), None));
    let postgres = cli
        .database_url
        .clone()
        .map(|url| ("latchkey/postgres".to_string(), Some(url)));
    for (label, database_url) in sqlite.into_iter().chain(postgres) {
        if let Err(e) = run_latchkey(cli, plan, raw, &label, database_url, &mut out.rows).await {
            eprintln!("latchkey-bench: {label}: {e}");
            out.failed(&label, &e);
        }
        stores.push(label);
    }
    stores
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
    let cmd = LatchkeyCmd {
        bin: cli.latchkey.clone(),
        data_dir: dir.join("data"),
        database_url,
        env: cli.server_env(),
        serve_args: unthrottled(),
    };
    let fresh = FreshServers {
        cmd: &cmd,
        dir: &dir,
        label,
        timing: plan.timing,
    };

    // Start to ready, each time on a fresh data dir (a new master key; migrations on a new SQLite file).
    let mut readies = Vec::new();
    for i in 0..plan.ready_starts {
        let (_, s) = fresh.start(&format!("ready-{i}"), None).await?;
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

    // The triggers group's function answers on a Lambda Invoke endpoint in this process, named by this server only.
    let lambda = cli.wants("triggers").then(lambda::Lambda::start).transpose()?;
    let mut serve_cmd = cmd.clone();
    if let Some(l) = &lambda {
        serve_cmd
            .serve_args
            .extend(["--lambda-endpoint".to_string(), l.endpoint()]);
    }
    let server = serve_cmd.serve(&dir.join("server.log")).await?;
    let ut = UnderTest::new(label, &server);
    rows.push(ut.idle_rss("VmRSS 1 s after ready, before any request").await);

    let (pool_id, client_id) = ut.prepare(plan.small_users).await?;
    let ep = ut.ep.clone();
    let t = Instant::now();
    cmd.seed(&pool_id, plan.small_users, PASSWORD, plan.small_users)?;
    eprintln!(
        "  seeded {} users with SRP verifiers in {:.1} s",
        plan.small_users,
        t.elapsed().as_secs_f64()
    );
    let tokens = setup::tokens(&ep, &client_id, 16).await?;
    let (m2m_id, m2m_secret, scope) = setup::oauth_client(&mut Conn::new(ep.clone()), &pool_id).await?;
    let identities = if cli.wants("identity") {
        let id_tokens: Vec<String> = tokens.iter().map(|t| t.2.clone()).collect();
        let mut admin = Conn::new(ep.clone());
        Some(setup::identity_pool(&mut admin, &pool_id, &client_id, &id_tokens).await?)
    } else {
        None
    };
    let mut small = Fixture::new(pool_id, client_id, plan.small_users, "lk").with_client_credentials(
        &m2m_id,
        &m2m_secret,
        scope,
    );
    small.tokens = tokens;
    small.identities = identities;
    let mut pools = Pools {
        small,
        scale: None,
        mfa: None,
        triggers: None,
    };
    rows.push(ut.rss_now(
        S_RSS_SETUP,
        "VmRSS after creating the pools, seeding, 16 sign-ins for tokens and their identities",
    ));

    let wanted = SCENARIOS.iter().filter(|s| cli.wants(s.group));
    ut.run_latchkey_scenarios(wanted, &pools, plan.timing, rows).await;
    if cli.wants("mfa") {
        pools.mfa = Some(mfa_pool(&ut, &cmd, raw, plan, rows).await?);
        ut.run_latchkey_scenarios(MFA_SCENARIOS, &pools, plan.timing, rows)
            .await;
    }
    if let Some(lambda) = &lambda {
        pools.triggers = Some(triggers::pools(&ut.ep, &cmd, plan.small_users).await?);
        triggers::run(&ut, &pools, lambda, plan.timing, rows).await;
    }
    rows.push(ut.rss_now(S_RSS_AFTER, "VmRSS once the hashing scenarios are over"));

    if cli.wants("overload") {
        // Twice what the password scenario sustained (or the raw limit on every core, without it).
        let sustainable = find(rows, label, S_PW)
            .and_then(|r| r.ops_per_s)
            .unwrap_or(raw.password_sign_in() * procfs::machine().1 as f64);
        overload(&ut, &pools.small, sustainable, plan, rows).await;
    }

    // One address floods sign-ins while another signs in normally, on servers of their own (default limits, then
    // none).
    if cli.wants("flood") {
        flood::run(&fresh, rows).await?;
    }

    // A wrong password for a real user and any password for a missing name, when existence is hidden: the times
    // must not tell them apart.
    if cli.wants("existence") {
        existence::run(&fresh, rows).await?;
    }

    // Scale: sign-in and ListUsers on a pool of scale_users users, seeded through the bulk path.
    if cli.wants("scale") {
        pools.scale = Some(seed_scale_pool(&ut, &cmd, plan.scale_users, rows).await?);
        ut.run_latchkey_scenarios(SCALE_SCENARIOS, &pools, plan.timing, rows)
            .await;
    }

    let mut row = Row::fact(label, "whole run")
        .with_note("server CPU seconds in all; peak RSS (VmHWM) since the last scenario's reset");
    row.server_cpu_s = procfs::cpu_seconds(server.pid);
    row.peak_rss_mb = procfs::peak_rss_kb(server.pid).map(mb);
    rows.push(row);
    server.stop();
    Ok(())
}

/// GetUser alone, then the same GetUser load beside password sign-ins offered at twice `sustainable`.
async fn overload(ut: &UnderTest, pool: &Fixture, sustainable: f64, plan: &Plan, rows: &mut Vec<Row>) {
    let label = &ut.label;
    let base = ut
        .run(S_GU_BASE, Work::GetUser.jobs(4, pool), plan.short, None)
        .await;
    let base_p99 = base.p99_ms;
    rows.push(base);
    let rate = (2.0 * sustainable).max(2.0);
    eprintln!("  {label} · {S_OVER} ({rate:.0}/s offered) + {S_OVER_GU}");
    let Some(proto) = Work::PasswordSignIn { seed: 900 }.jobs(1, pool).pop() else {
        return;
    };
    let (over, gu) = tokio::join!(
        open_loop(&ut.ep, proto, rate, 512, plan.timing, Some(ut.pid)),
        closed_loop(&ut.ep, Work::GetUser.jobs(4, pool), plan.timing, None)
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

/// The MFA pool, enrolled users and all. Each user can sign in once per 30-second TOTP step, so it holds twice the
/// sign-ins the measured run may make in one step: the password sign-in's rate in this run (or, without it, the raw
/// limit on every core), over the warm-up and measured window (at most one step), plus a few per connection.
async fn mfa_pool(
    ut: &UnderTest,
    cmd: &LatchkeyCmd,
    raw: &RawLimits,
    plan: &Plan,
    rows: &[Row],
) -> Result<Fixture, String> {
    let rate = find(rows, &ut.label, S_PW)
        .and_then(|r| r.ops_per_s)
        .filter(|r| *r > 0.0)
        .unwrap_or(raw.password_sign_in() * procfs::machine().1 as f64);
    let window = (plan.timing.warmup + plan.timing.duration)
        .as_secs_f64()
        .min(30.0);
    let conns = MFA_SCENARIOS.iter().map(|s| s.conns).max().unwrap_or(8) as u64;
    let users = (2.0 * rate * window).ceil() as u64 + 4 * conns;
    eprintln!(
        "  {} · MFA pool: {users} users enrolled with TOTP (for {rate:.0} sign-ins/s over {window:.0} s) …",
        ut.label
    );
    let t = Instant::now();
    let pool = mfa::pool(&ut.ep, cmd, users, 4).await?;
    eprintln!(
        "    pool {}, enrolled in {:.1} s (waited for the next TOTP step)",
        pool.pool_id,
        t.elapsed().as_secs_f64()
    );
    Ok(pool)
}

/// The scale pool: `n` users through `latchkey bench-seed` (a row of how fast), and its app client.
async fn seed_scale_pool(
    ut: &UnderTest,
    cmd: &LatchkeyCmd,
    n: u64,
    rows: &mut Vec<Row>,
) -> Result<Fixture, String> {
    let mut admin = Conn::new(ut.ep.clone());
    let big_pool = setup::create_pool(&mut admin, &format!("bench-{}", human(n))).await?;
    let big_client = setup::create_client(&mut admin, &big_pool).await?;
    eprintln!("  seeding {} users into {big_pool} …", human(n));
    let t = Instant::now();
    let seeded = cmd.seed(&big_pool, n, PASSWORD, 0)?;
    let secs = t.elapsed().as_secs_f64();
    let mut row = Row::fact(&ut.label, &at(S_SEED, n)).with_note(format!(
        "{} users inserted in {secs:.0} s through Store::insert_user (password hashed once, no SRP verifiers)",
        seeded.get("inserted").and_then(|v| v.as_u64()).unwrap_or(0)
    ));
    row.ops_per_s = Some(n as f64 / secs);
    eprintln!("    {:.0} users/s; {}", n as f64 / secs, row.note);
    rows.push(row);
    Ok(Fixture::new(big_pool, big_client, n, "lk"))
}
