//! The address-flood scenario (issue 10): one address floods InitiateAuth with made-up usernames on 64
//! connections while another address signs in normally, at a few sign-ins a second; both success rates are
//! reported. It runs on a server of its own with the default rate limits, and once more with the limits off to
//! show what they prevent. Loopback has a whole /8, so the flood comes from 127.0.0.2 and the user from 127.0.0.3.

use std::net::IpAddr;

use crate::http::Conn;
use crate::jobs::{Job, XorShift};
use crate::load::{closed_loop, open_loop};
use crate::report::{f2, Row};
use crate::runs::FreshServers;
use crate::setup::{self, PASSWORD};

pub const S_FLOOD: &str = "address flood: 64 conns of made-up sign-ins from one address";
pub const S_FLOOD_USER: &str = "address flood: sign-ins from another address at 5/s";
pub const OFF: &str = " (limits off)";

const FLOOD_CONNS: usize = 64;
const USER_RATE: f64 = 5.0;
const USERS: u64 = 100;

fn pct(part: u64, whole: u64) -> String {
    if whole == 0 {
        "-".into()
    } else {
        format!("{:.1}%", 100.0 * part as f64 / whole as f64)
    }
}

/// Both rows of one run (limits on, or off with `OFF` appended to the scenario names).
pub async fn run(fresh: &FreshServers<'_>, rows: &mut Vec<Row>) -> Result<(), String> {
    let (label, timing) = (fresh.label, fresh.timing);
    for limits in [true, false] {
        let suffix = if limits { "" } else { OFF };
        let serve_args = if limits {
            // The defaults: 10 a second per address after a burst of 20, 100 a second per app client.
            Vec::new()
        } else {
            ["--limit-per-address", "0", "--limit-per-client", "0"]
                .map(String::from)
                .to_vec()
        };
        let (cmd, server) = fresh
            .start(if limits { "flood" } else { "flood-off" }, Some(serve_args))
            .await?;
        let ep = server.endpoint();
        let mut admin = Conn::new(ep.clone());
        // Made-up usernames cost a full hash each where existence is hidden: that makes the flood expensive.
        let (_, client) = setup::pool_hiding_users(&cmd, &mut admin, "bench-flood", USERS).await?;
        let flood_ep = ep.reached_from(IpAddr::from([127, 0, 0, 2]));
        let user_ep = ep.reached_from(IpAddr::from([127, 0, 0, 3]));
        let flood_jobs = (0..FLOOD_CONNS)
            .map(|i| Job::PasswordSignIn {
                client_id: client.clone(),
                prefix: "ghost".into(),
                users: u64::MAX / 2,
                password: "Not-the-passw0rd!".into(),
                rng: XorShift::new(7000 + i as u64),
            })
            .collect();
        let user = Job::PasswordSignIn {
            client_id: client.clone(),
            prefix: "u".into(),
            users: USERS,
            password: PASSWORD.into(),
            rng: XorShift::new(1),
        };
        let scenario = format!("{S_FLOOD}{suffix}");
        let user_scenario = format!("{S_FLOOD_USER}{suffix}");
        eprintln!("  {label} · {scenario} + {user_scenario}");
        let (flood, users) = tokio::join!(
            closed_loop(&flood_ep, flood_jobs, timing, Some(server.pid)),
            open_loop(&user_ep, user, USER_RATE, 32, timing, None)
        );
        server.stop();

        // The flood's requests were either judged (hashed, then NotAuthorized) or refused with
        // TooManyRequestsException, by the rate limits or, without them, by the full hashing pool.
        let sent = flood.m.ok + flood.m.throttled + flood.m.failed;
        let judged = sent - flood.m.throttled;
        let mut row = Row::from_run(label, &scenario, &flood, None);
        row.ops_per_s = Some(judged as f64 / flood.seconds);
        row.note = format!(
            "{} of {sent} requests judged ({}; ops/s counts them), {} answered TooManyRequestsException in p50 {} ms, p99 {} ms",
            judged,
            pct(judged, sent),
            pct(flood.m.throttled, sent),
            f2(row.throttled_p50_ms),
            f2(row.throttled_p99_ms)
        );
        eprintln!("    flood: {}", row.note);
        rows.push(row);

        let offered = users.m.ok + users.m.throttled + users.m.failed + users.dropped;
        let mut row = Row::from_run(label, &user_scenario, &users, None);
        row.note = format!(
            "{} of {offered} sign-ins succeeded ({}); {} TooManyRequestsException, {} other errors, {} not sent",
            users.m.ok,
            pct(users.m.ok, offered),
            users.m.throttled,
            users.m.failed,
            users.dropped
        );
        eprintln!(
            "    user: {}; p50 {} ms, p99 {} ms",
            row.note,
            f2(row.p50_ms),
            f2(row.p99_ms)
        );
        rows.push(row);
    }
    Ok(())
}

/// The share of the normal user's sign-ins that succeeded during the flood (limits on), for the targets.
pub fn user_success(row: &Row) -> Option<f64> {
    let offered = row.ok + row.throttled + row.failed;
    (offered > 0).then(|| row.ok as f64 / offered as f64)
}
