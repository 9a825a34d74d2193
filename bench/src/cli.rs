//! The command line and what it makes of it: which servers and scenario groups to run, and the run's plan
//! (durations, pool sizes) for a full or a `--quick` run.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::load::Timing;

#[derive(Parser)]
#[command(
    name = "latchkey-bench",
    about = "Latchkey's benchmark (see scripts/bench.sh)."
)]
pub struct Cli {
    /// The latchkey binary (a release build).
    #[arg(long, default_value = "target/release/latchkey")]
    pub latchkey: PathBuf,
    /// Also run every scenario on this PostgreSQL database (use a scratch database: the run leaves its pools in
    /// it).
    #[arg(long)]
    pub database_url: Option<String>,
    /// Short durations and a small scale pool, for iterating.
    #[arg(long)]
    pub quick: bool,
    /// moto_server's executable; the moto comparison is skipped without it.
    #[arg(long)]
    pub moto: Option<PathBuf>,
    /// cognito-local's executable; that comparison is skipped without it.
    #[arg(long)]
    pub cognito_local: Option<PathBuf>,
    /// Users in the scale pool [default: 1,000,000; 20,000 with --quick].
    #[arg(long)]
    pub scale_users: Option<u64>,
    /// Skip the SQLite runs (with --database-url: PostgreSQL only).
    #[arg(long)]
    pub no_sqlite: bool,
    /// Where the JSON results go.
    #[arg(long, default_value = "bench/last-run.json")]
    pub out: PathBuf,
    /// Scratch directory for data dirs and logs (emptied first, removed at the end unless --keep).
    #[arg(long, default_value = "bench/.work")]
    pub work_dir: PathBuf,
    #[arg(long)]
    pub keep: bool,
    /// Run only these scenario groups (comma-separated): 500, password, srp, refresh, oauth, getuser, identity,
    /// list, signup, admin, mfa, triggers, overload, flood, existence, scale; verify, gateway (issue 13's, which
    /// need no `latchkey serve`: with only these, no store runs). Setup, start-to-ready and memory run with any
    /// store group.
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// node, for the aws-jwt-verify comparison (skipped, loudly, when it is not found).
    #[arg(long, default_value = "node")]
    pub node: PathBuf,
    /// The node_modules directory holding aws-jwt-verify.
    #[arg(long, default_value = "tests/compat/node/node_modules")]
    pub node_modules: PathBuf,
    /// Distinct ID tokens the verify and gateway scenarios cycle through.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..))]
    pub verify_tokens: u64,
    /// Requests per second offered to the upstream and to the gateway (open loop).
    #[arg(long, default_value_t = 1000.0)]
    pub gateway_rate: f64,
    /// Extra environment for `latchkey serve` and `latchkey gateway`, NAME=VALUE (repeatable), e.g.
    /// MALLOC_ARENA_MAX=2 or RUST_LOG=warn.
    #[arg(long = "server-env", value_name = "NAME=VALUE")]
    pub server_env: Vec<String>,
}

impl Cli {
    /// Parses the command line, with the executables' paths made absolute (cognito-local runs in its own
    /// working directory).
    pub fn from_args() -> Cli {
        let mut cli = Cli::parse();
        for p in [&mut cli.moto, &mut cli.cognito_local].into_iter().flatten() {
            if let Ok(abs) = std::fs::canonicalize(&*p) {
                *p = abs;
            }
        }
        if let Ok(abs) = std::fs::canonicalize(&cli.latchkey) {
            cli.latchkey = abs;
        }
        cli
    }

    pub fn wants(&self, group: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|o| o == group)
    }

    /// Whether any `latchkey serve` group is asked for (all are, without `--only`).
    pub fn wants_stores(&self) -> bool {
        self.only.is_empty()
            || self
                .only
                .iter()
                .any(|o| !crate::issue13::GROUPS.contains(&o.as_str()))
    }

    pub fn server_env(&self) -> Vec<(String, String)> {
        self.server_env
            .iter()
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
}

/// How long and how large the run is.
pub struct Plan {
    /// Warm-up and measured window of each scenario.
    pub timing: Timing,
    /// The same for the overload scenario's GetUser baseline.
    pub short: Timing,
    /// Starts on a fresh data dir for start→ready.
    pub ready_starts: usize,
    /// Users in the pool most scenarios run on (with SRP verifiers).
    pub small_users: u64,
    pub scale_users: u64,
    /// Users seeded into the peers, through their API.
    pub peer_users: u64,
    /// Time given to each raw-limit measurement.
    pub raw_budget: Duration,
}

impl Plan {
    pub fn new(cli: &Cli) -> Plan {
        if cli.quick {
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
        }
    }
}
