//! A PreTokenGeneration trigger's cost (issue 17): the same sign-in and refresh on two pools that differ only in
//! `LambdaConfig.PreTokenGenerationConfig` (V2_0), on one server, compared per core. The function answers on a
//! Lambda Invoke endpoint in this process (`lambda`), so the rows show Latchkey's side of a trigger.
//!
//! Every answer's access token is checked for the function's claim and scope — present on the trigger's pool,
//! absent on its twin — so a trigger that did not run fails the operation instead of making the ratio look good.
//! Each pair is measured in rounds, without and with the trigger in turn, so that the drifting load of a shared
//! machine weighs on both alike.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Map, Value};

use crate::http::{Conn, Endpoint, Reply};
use crate::jobs::{classify, password_auth_body, refresh_body, Outcome, XorShift};
use crate::lambda::{self, Lambda, CLAIM_NAME, CLAIM_VALUE, SCOPE};
use crate::load::{closed_loop, RunResult, Timing};
use crate::report::{f2, find, Row};
use crate::runs::{Pools, UnderTest};
use crate::scenarios::{Fixture, Note, Pool, Scenario, Work};
use crate::servers::LatchkeyCmd;
use crate::setup::{self, PASSWORD};

pub const S_PW_WITHOUT: &str = "USER_PASSWORD_AUTH sign-in, twin pool without the trigger";
pub const S_PW_WITH: &str = "USER_PASSWORD_AUTH sign-in + PreTokenGeneration V2_0";
pub const S_REFRESH_WITHOUT: &str = "REFRESH_TOKEN_AUTH, twin pool without the trigger";
pub const S_REFRESH_WITH: &str = "REFRESH_TOKEN_AUTH + PreTokenGeneration V2_0";

/// Tokens kept per pool for the refresh scenarios (one per connection).
const TOKENS: usize = 16;

/// Rounds each pair is measured in (the measured window split between them), each with its own warm-up of at
/// most a second (new connections, on a server already warm).
const ROUNDS: u32 = 4;

const fn scenario(name: &'static str, pool: Pool, conns: usize, work: Work, limit: &'static str) -> Scenario {
    let note = match pool {
        Pool::WithoutTrigger => Note::Fixed("the same pool but for LambdaConfig"),
        _ => Note::None,
    };
    Scenario {
        group: "triggers",
        name,
        sized: false,
        pool,
        conns,
        work,
        limit: Some(limit),
        note,
        peer_note: None,
    }
}

/// The with-trigger scenario of a pair: its note compares it per core with the twin's (`of`).
const fn with_trigger(of: &Scenario, name: &'static str) -> Scenario {
    Scenario {
        name,
        pool: Pool::WithTrigger,
        note: Note::PerCoreVersus {
            text: "function in the bench process",
            of: of.name,
        },
        ..*of
    }
}

const PW_WITHOUT: Scenario = scenario(
    S_PW_WITHOUT,
    Pool::WithoutTrigger,
    8,
    Work::CheckedSignIn { seed: 1700 },
    "password_sign_in",
);
const REFRESH_WITHOUT: Scenario = scenario(
    S_REFRESH_WITHOUT,
    Pool::WithoutTrigger,
    TOKENS,
    Work::CheckedRefresh,
    "refresh",
);

/// Each flow without, then with, the trigger: the sign-ins against the raw password limit as the other sign-ins
/// are (both draw the same users), the refreshes against the raw refresh limit, where no Argon2id hides the
/// trigger's cost.
pub const PAIRS: &[[Scenario; 2]] = &[
    [PW_WITHOUT, with_trigger(&PW_WITHOUT, S_PW_WITH)],
    [REFRESH_WITHOUT, with_trigger(&REFRESH_WITHOUT, S_REFRESH_WITH)],
];

/// A JWT's claims, unverified (the server signed it; only what it says is checked here).
fn claims(jwt: &str) -> Option<Map<String, Value>> {
    let payload = URL_SAFE_NO_PAD.decode(jwt.split('.').nth(1)?).ok()?;
    serde_json::from_slice(&payload).ok()
}

/// Whether `access_token` carries the function's claim and scope exactly when the pool has the trigger.
pub fn check_token(access_token: &str, trigger: bool) -> Result<(), String> {
    let claims = claims(access_token).ok_or("the access token is not a readable JWT")?;
    let claimed = claims.get(CLAIM_NAME).and_then(Value::as_str) == Some(CLAIM_VALUE);
    let scoped = claims
        .get("scope")
        .and_then(Value::as_str)
        .is_some_and(|s| s.split(' ').any(|x| x == SCOPE));
    match (trigger, claimed, scoped) {
        (true, true, true) | (false, false, false) => Ok(()),
        (true, ..) => Err("the access token lacks the function's claim or scope".into()),
        (false, ..) => Err("the access token has the function's claim or scope without a trigger".into()),
    }
}

/// One connection's work on a triggers-group pool: a sign-in as a random user, or a refresh with its token.
#[derive(Clone)]
pub struct TokenJob {
    client_id: String,
    flow: Flow,
    /// Whether the pool has the trigger (the access tokens must carry its claim).
    trigger: bool,
}

#[derive(Clone)]
enum Flow {
    SignIn { users: u64, rng: XorShift },
    Refresh { token: String },
}

impl TokenJob {
    /// USER_PASSWORD_AUTH as a random one of `u0..u{users-1}`.
    pub fn sign_in(client_id: String, users: u64, rng: XorShift, trigger: bool) -> TokenJob {
        TokenJob {
            client_id,
            flow: Flow::SignIn { users, rng },
            trigger,
        }
    }

    /// REFRESH_TOKEN_AUTH with `token`.
    pub fn refresh(client_id: String, token: String, trigger: bool) -> TokenJob {
        TokenJob {
            client_id,
            flow: Flow::Refresh { token },
            trigger,
        }
    }

    pub async fn step(&mut self, conn: &mut Conn) -> Outcome {
        let body = match &mut self.flow {
            Flow::SignIn { users, rng } => {
                password_auth_body(&self.client_id, &format!("u{}", rng.below(*users)), PASSWORD)
            }
            Flow::Refresh { token } => refresh_body(&self.client_id, token),
        };
        let reply = conn.call("InitiateAuth", &body, false).await;
        if let Ok(r) = &reply {
            if let Err(e) = checked(r, self.trigger) {
                return Outcome::Failed(e);
            }
        }
        classify(reply)
    }
}

/// A successful answer's access token checked (`check_token`); error answers are left to `classify`.
fn checked(reply: &Reply, trigger: bool) -> Result<(), String> {
    if reply.status != 200 {
        return Ok(());
    }
    let token = reply
        .str_at(&["AuthenticationResult", "AccessToken"])
        .ok_or("no access token in the answer")?;
    check_token(&token, trigger)
}

/// A pool named `name` with CreateUserPool's `extra` members, its app client, `users` bulk-seeded users
/// (`u<i>`, no SRP verifiers) and the tokens of the first `TOKENS`, which must show whether the function ran.
async fn pool(
    ep: &Arc<Endpoint>,
    cmd: &LatchkeyCmd,
    name: &str,
    extra: Value,
    users: u64,
    trigger: bool,
) -> Result<Fixture, String> {
    let mut admin = Conn::new(ep.clone());
    let pool_id = setup::create_pool_with(&mut admin, name, extra).await?;
    let client_id = setup::create_client(&mut admin, &pool_id).await?;
    cmd.seed(&pool_id, users, PASSWORD, 0)?;
    let tokens = setup::tokens(ep, &client_id, TOKENS).await?;
    // Stop here, before any measurement, if the function did not run (or ran where it should not).
    for (access, ..) in &tokens {
        check_token(access, trigger).map_err(|e| format!("{name} ({pool_id}): {e}"))?;
    }
    eprintln!("  {name}: pool {pool_id}, client {client_id}, {users} users");
    let mut fixture = Fixture::new(pool_id, client_id, users, "lk");
    fixture.tokens = tokens;
    fixture.trigger = Some(trigger);
    Ok(fixture)
}

/// The pool with the PreTokenGeneration V2_0 function and its twin without, `users` users each: (with, without).
pub async fn pools(ep: &Arc<Endpoint>, cmd: &LatchkeyCmd, users: u64) -> Result<(Fixture, Fixture), String> {
    let config = json!({"LambdaConfig": {"PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": lambda::arn()}}});
    let with = pool(ep, cmd, "bench-trigger", config, users, true).await?;
    let without = pool(ep, cmd, "bench-trigger-twin", json!({}), users, false).await?;
    Ok((with, without))
}

/// `123 TokenGeneration_Authentication`, or `none`.
fn events_text(events: &BTreeMap<String, u64>) -> String {
    if events.is_empty() {
        return "none".into();
    }
    let parts: Vec<String> = events.iter().map(|(k, n)| format!("{n} {k}")).collect();
    parts.join(", ")
}

/// How `row` differs from its twin's: the median answer's delay, and the server CPU per operation (the inverse of
/// ops per core) added: `; p50 +2.54 ms; server CPU +157 µs per op`.
fn versus_twin(row: &Row, twin: &Row) -> String {
    let mut out = String::new();
    if let (Some(a), Some(b)) = (row.p50_ms, twin.p50_ms) {
        out.push_str(&format!("; p50 {:+.2} ms", a - b));
    }
    if let (Some(a), Some(b)) = (row.ops_per_core_s, twin.ops_per_core_s) {
        if a > 0.0 && b > 0.0 {
            out.push_str(&format!("; server CPU {:+.0} µs per op", 1e6 / a - 1e6 / b));
        }
    }
    out
}

/// One scenario of a pair over all its rounds: what was measured, and the function's events (warm-ups included).
#[derive(Default)]
struct Rounds {
    result: Option<RunResult>,
    events: BTreeMap<String, u64>,
}

impl Rounds {
    fn add(&mut self, r: RunResult, events: BTreeMap<String, u64>) {
        self.result = Some(match self.result.take() {
            Some(mut all) => {
                all.absorb(&r);
                all
            }
            None => r,
        });
        for (source, n) in events {
            *self.events.entry(source).or_default() += n;
        }
    }
}

/// The pairs in turn, each in `ROUNDS` alternating rounds sharing `timing`'s measured window: a row per scenario,
/// whose note adds the function's events during it and, for the with-trigger row, its p50 minus its twin's.
pub async fn run(ut: &UnderTest, pools: &Pools, lambda: &Lambda, timing: Timing, rows: &mut Vec<Row>) {
    let round = Timing {
        warmup: timing.warmup.min(Duration::from_secs(1)),
        duration: timing.duration / ROUNDS,
    };
    for pair in PAIRS {
        let (Some(without), Some(with)) = (pools.get(pair[0].pool), pools.get(pair[1].pool)) else {
            continue;
        };
        eprintln!(
            "  {} · {} ⇄ {} ({ROUNDS} rounds, {} conns)",
            ut.label, pair[0].name, pair[1].name, pair[0].conns
        );
        let mut measured = [Rounds::default(), Rounds::default()];
        for _ in 0..ROUNDS {
            for (k, (s, pool)) in pair.iter().zip([without, with]).enumerate() {
                let before = lambda.seen();
                let r = closed_loop(&ut.ep, s.work.jobs(s.conns, pool), round, Some(ut.pid)).await;
                measured[k].add(r, lambda::added(&before, &lambda.seen()));
            }
        }
        for (s, m) in pair.iter().zip(measured) {
            let Some(r) = m.result else {
                continue;
            };
            let row = Row::from_run(&ut.label, s.name, &r, s.limit);
            let twin = match s.note {
                Note::PerCoreVersus { of, .. } => find(rows, &ut.label, of),
                _ => None,
            };
            let later = twin.map(|t| versus_twin(&row, t)).unwrap_or_default();
            let note = format!(
                "{}{later}; {ROUNDS} rounds; function events (warm-ups included): {}",
                s.note.text(&row, without.users, pools.small.users, rows),
                events_text(&m.events)
            );
            eprintln!(
                "    {}: {} ok/s, {} per core, p50 {} ms, {} failed; {note}",
                s.name,
                f2(row.ops_per_s),
                f2(row.ops_per_core_s),
                f2(row.p50_ms),
                row.failed
            );
            rows.push(row.with_note(note));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: Value) -> String {
        format!(
            "eyJhbGciOiJSUzI1NiJ9.{}.c2ln",
            URL_SAFE_NO_PAD.encode(claims.to_string())
        )
    }

    #[test]
    fn tokens_must_carry_the_claim_exactly_when_the_pool_has_the_trigger() {
        let with = jwt(json!({"tenant": "acme", "scope": "aws.cognito.signin.user.admin orders/read"}));
        let without = jwt(json!({"scope": "aws.cognito.signin.user.admin"}));
        let claim_only = jwt(json!({"tenant": "acme", "scope": "aws.cognito.signin.user.admin"}));
        assert_eq!(check_token(&with, true), Ok(()));
        assert_eq!(check_token(&without, false), Ok(()));
        assert!(check_token(&without, true).is_err());
        assert!(check_token(&claim_only, true).is_err());
        assert!(check_token(&with, false).is_err());
        assert!(check_token(&claim_only, false).is_err());
        assert!(check_token("not-a-jwt", false).is_err());
    }

    #[test]
    fn the_pairs_are_twins_but_for_the_pool() {
        for [without, with] in PAIRS {
            assert!(matches!(without.pool, Pool::WithoutTrigger) && matches!(with.pool, Pool::WithTrigger));
            assert_eq!((without.conns, without.limit), (with.conns, with.limit));
            assert!(matches!(with.note, Note::PerCoreVersus { of, .. } if of == without.name));
        }
        assert_eq!(events_text(&BTreeMap::new()), "none");
    }

    #[test]
    fn the_with_row_says_how_much_later_and_dearer_it_was() {
        let row = |p50: f64, per_core: f64| Row {
            p50_ms: Some(p50),
            ops_per_core_s: Some(per_core),
            ..Row::default()
        };
        assert_eq!(
            versus_twin(&row(34.62, 400.0), &row(32.08, 500.0)),
            "; p50 +2.54 ms; server CPU +500 µs per op"
        );
        assert_eq!(versus_twin(&Row::default(), &row(1.0, 1.0)), "");
    }
}
