//! The peers' runs (moto_server, cognito-local), as rows: start-up, memory and the scenarios they share with
//! latchkey, on a small pool seeded through their API.

use std::time::Instant;

use crate::cli::{Cli, Plan};
use crate::report::Row;
use crate::runs::{Gathered, Pools, UnderTest};
use crate::scenarios::{Fixture, SCENARIOS};
use crate::servers::{self, Server};
use crate::setup;

/// moto_server and cognito-local, those the command line names, one after the other, into `out`: the names of the
/// peers run.
pub async fn run_peers(cli: &Cli, plan: &Plan, out: &mut Gathered) -> Vec<String> {
    let mut peers = Vec::new();
    for name in [MOTO, COGNITO_LOCAL] {
        let Some(started) = start_peer(cli, name).await else {
            continue;
        };
        let run = match started {
            Ok(s) => {
                peers.push(s.name.clone());
                run_peer(plan, s, &mut out.rows).await.inspect_err(|e| {
                    eprintln!("latchkey-bench: {name}: {e}");
                })
            }
            Err(e) => Err(e),
        };
        if let Err(e) = run {
            out.failed(name, &e);
        }
    }
    peers
}

const MOTO: &str = "moto_server";
const COGNITO_LOCAL: &str = "cognito-local";

/// Starts the peer `name`, when the command line gives its executable.
async fn start_peer(cli: &Cli, name: &str) -> Option<Result<Server, String>> {
    if name == MOTO {
        let bin = cli.moto.as_ref()?;
        let _ = std::fs::create_dir_all(&cli.work_dir);
        Some(servers::moto(bin, &cli.work_dir.join("moto_server.log")).await)
    } else {
        let bin = cli.cognito_local.as_ref()?;
        let dir = cli.work_dir.join("cognito-local");
        Some(servers::cognito_local(bin, &dir, &cli.work_dir.join("cognito-local.log")).await)
    }
}

async fn run_peer(plan: &Plan, server: Server, rows: &mut Vec<Row>) -> Result<(), String> {
    let label = server.name.clone();
    eprintln!("\n== {label}");
    let mut row = Row::fact(&label, "start→ready").with_note("one start");
    row.p50_ms = Some(server.ready.as_secs_f64() * 1000.0);
    rows.push(row);
    let ut = UnderTest::new(&label, &server);
    rows.push(ut.idle_rss("VmRSS 1 s after ready").await);

    let (pool_id, client_id) = ut.prepare(plan.peer_users).await?;
    let ep = ut.ep.clone();
    let t = Instant::now();
    setup::seed_via_api(&ep, &pool_id, plan.peer_users, 4).await?;
    eprintln!(
        "  seeded {} users through AdminCreateUser + AdminSetUserPassword in {:.1} s",
        plan.peer_users,
        t.elapsed().as_secs_f64()
    );
    let mut small = Fixture::new(pool_id, client_id, plan.peer_users, "peer");
    small.tokens = setup::tokens(&ep, &small.client_id, 16).await?;
    let pools = Pools {
        small,
        scale: None,
        mfa: None,
        triggers: None,
    };
    for scenario in SCENARIOS {
        if let Some(note) = &scenario.peer_note {
            ut.run_scenario(scenario, &pools, plan.timing, None, note, rows)
                .await;
        }
    }
    server.stop();
    Ok(())
}
