//! A PreTokenGeneration trigger's cost (issue 17): the same sign-in and refresh on two pools that differ only in
//! `LambdaConfig.PreTokenGenerationConfig` (V2_0), run back to back on one server, compared per core.
//!
//! The function runs in this process on a Lambda Invoke endpoint of its own (`Lambda`, on the thread and runtime
//! `Upstream::serve` gives it, so its CPU is not the server's): it answers the event with one access-token claim
//! and one scope added, as tests/compat/triggers/preTokenV2.mjs does, and does nothing else. What the rows show is
//! then Latchkey's side of a trigger: the event built, the HTTP call, the answer parsed and the claims applied.
//! Every answer's access token is checked for the claim and scope — present on the trigger's pool, absent on its
//! twin — so a trigger that did not run fails the operation instead of making the ratio look good.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{json, Map, Value};

use crate::http::{Conn, Endpoint, Reply};
use crate::jobs::{classify, password_auth_body, refresh_body, Outcome, XorShift};
use crate::load::Timing;
use crate::report::{find, Row};
use crate::runs::{Pools, UnderTest};
use crate::scenarios::{Fixture, Note, Pool, Scenario, Work};
use crate::servers::LatchkeyCmd;
use crate::setup::{self, PASSWORD};
use crate::upstream::Upstream;

/// The function's name: the last part of the pool's LambdaArn, which the Invoke API's path names.
pub const FUNCTION: &str = "benchPreTokenV2";
/// The access-token claim the function adds, and its value.
pub const CLAIM_NAME: &str = "tenant";
pub const CLAIM_VALUE: &str = "acme";
/// The scope the function adds to the access token.
pub const SCOPE: &str = "orders/read";

pub const S_PW_WITHOUT: &str = "USER_PASSWORD_AUTH sign-in, twin pool without the trigger";
pub const S_PW_WITH: &str = "USER_PASSWORD_AUTH sign-in + PreTokenGeneration V2_0";
pub const S_REFRESH_WITHOUT: &str = "REFRESH_TOKEN_AUTH, twin pool without the trigger";
pub const S_REFRESH_WITH: &str = "REFRESH_TOKEN_AUTH + PreTokenGeneration V2_0";

/// Tokens kept per pool for the refresh scenarios (one per connection).
const TOKENS: usize = 16;

const fn scenario(
    name: &'static str,
    pool: Pool,
    conns: usize,
    work: Work,
    limit: &'static str,
    note: Note,
) -> Scenario {
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

const TWIN: Note = Note::Fixed("the same pool but for LambdaConfig");

/// Each flow without, then with, the trigger: the sign-ins against the raw password limit as the other sign-ins
/// are, the refreshes against the raw refresh limit; the with-trigger rows also per core against their twin's.
/// Both sign-in runs draw the same users (same seeds).
pub const SCENARIOS: &[Scenario] = &[
    scenario(
        S_PW_WITHOUT,
        Pool::WithoutTrigger,
        8,
        Work::CheckedSignIn { seed: 1700 },
        "password_sign_in",
        TWIN,
    ),
    scenario(
        S_PW_WITH,
        Pool::WithTrigger,
        8,
        Work::CheckedSignIn { seed: 1700 },
        "password_sign_in",
        Note::PerCoreVersus {
            text: "function in the bench process",
            of: S_PW_WITHOUT,
        },
    ),
    scenario(
        S_REFRESH_WITHOUT,
        Pool::WithoutTrigger,
        TOKENS,
        Work::CheckedRefresh,
        "refresh",
        TWIN,
    ),
    scenario(
        S_REFRESH_WITH,
        Pool::WithTrigger,
        TOKENS,
        Work::CheckedRefresh,
        "refresh",
        Note::PerCoreVersus {
            text: "function in the bench process",
            of: S_REFRESH_WITHOUT,
        },
    ),
];

/// The function's ARN, as the pool names it.
pub fn arn() -> String {
    format!("arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}")
}

/// Events the function answered, by `triggerSource`; requests it refused count under `refused`.
type Seen = Arc<Mutex<BTreeMap<String, u64>>>;

/// The Lambda Invoke endpoint that runs the function; it stops when dropped.
pub struct Lambda {
    server: Upstream,
    seen: Seen,
}

impl Lambda {
    pub fn start() -> Result<Lambda, String> {
        let seen = Seen::default();
        let counts = seen.clone();
        let server = Upstream::serve("bench-lambda", Upstream::bind()?, move |req| {
            invoke(req, counts.clone())
        })?;
        Ok(Lambda { server, seen })
    }

    /// What `latchkey serve --lambda-endpoint` is given.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    /// The events answered so far, by `triggerSource`.
    pub fn seen(&self) -> BTreeMap<String, u64> {
        self.seen.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

fn json_response(status: StatusCode, body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

/// One Invoke API request: the function's answer for `POST /2015-03-31/functions/{FUNCTION}/invocations`, 404
/// (as Lambda answers an unknown function) for anything else and 400 for an event that is not a JSON object.
async fn invoke(req: Request<Incoming>, seen: Seen) -> Response<Full<Bytes>> {
    let known = req.method() == Method::POST
        && req.uri().path() == format!("/2015-03-31/functions/{FUNCTION}/invocations");
    let event = req.into_body().collect().await.map(|b| b.to_bytes());
    let (source, resp) = match event {
        Ok(event) if known => match answer(&event) {
            Ok((source, body)) => (source, json_response(StatusCode::OK, body)),
            Err(e) => (String::new(), refusal(StatusCode::BAD_REQUEST, &e)),
        },
        Ok(_) => (
            String::new(),
            refusal(StatusCode::NOT_FOUND, "Function not found"),
        ),
        Err(e) => (String::new(), refusal(StatusCode::BAD_REQUEST, &e.to_string())),
    };
    let key = if resp.status() == StatusCode::OK {
        source
    } else {
        "refused".to_string()
    };
    if let Ok(mut m) = seen.lock() {
        *m.entry(key).or_default() += 1;
    }
    resp
}

fn refusal(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    json_response(
        status,
        json!({"Type": "User", "message": message})
            .to_string()
            .into_bytes(),
    )
}

/// The function: the event back with a V2_0 answer adding `CLAIM_NAME` and `SCOPE` to the access token, and the
/// event's `triggerSource`.
pub fn answer(event: &[u8]) -> Result<(String, Vec<u8>), String> {
    let mut event: Value =
        serde_json::from_slice(event).map_err(|e| format!("the event is not JSON: {e}"))?;
    let source = event
        .get("triggerSource")
        .and_then(Value::as_str)
        .unwrap_or("(no triggerSource)")
        .to_string();
    let fields = event.as_object_mut().ok_or("the event is not an object")?;
    fields.insert(
        "response".into(),
        json!({"claimsAndScopeOverrideDetails": {"accessTokenGeneration": {
            "claimsToAddOrOverride": {CLAIM_NAME: CLAIM_VALUE},
            "scopesToAdd": [SCOPE],
        }}}),
    );
    let body = serde_json::to_vec(&event).map_err(|e| e.to_string())?;
    Ok((source, body))
}

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
    let config =
        json!({"LambdaConfig": {"PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": arn()}}});
    let with = pool(ep, cmd, "bench-trigger", config, users, true).await?;
    let without = pool(ep, cmd, "bench-trigger-twin", json!({}), users, false).await?;
    Ok((with, without))
}

/// The events answered between two `Lambda::seen`s: `123 TokenGeneration_Authentication`, or `none`.
fn events_between(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>) -> String {
    let parts: Vec<String> = after
        .iter()
        .map(|(k, v)| (k, v - before.get(k).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

/// The group's scenarios in order. Each row's note adds the function's events during its run (warm-up
/// included), and a with-trigger row's how much later its median answer came than its twin's.
pub async fn run(ut: &UnderTest, pools: &Pools, lambda: &Lambda, timing: Timing, rows: &mut Vec<Row>) {
    for s in SCENARIOS {
        let before = lambda.seen();
        let n = rows.len();
        ut.run_scenario(s, pools, timing, s.limit, &s.note, rows).await;
        let events = events_between(&before, &lambda.seen());
        let Some(row) = rows.get(n) else {
            continue;
        };
        let twin_p50 = match s.note {
            Note::PerCoreVersus { of, .. } => find(rows, &row.server, of).and_then(|r| r.p50_ms),
            _ => None,
        };
        let later = match (row.p50_ms, twin_p50) {
            (Some(a), Some(b)) => format!("; p50 {:+.2} ms", a - b),
            _ => String::new(),
        };
        eprintln!("    function events: {events}{later}");
        if let Some(row) = rows.get_mut(n) {
            row.note = format!("{}{later}; function events in the run: {events}", row.note);
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
    fn the_answer_adds_a_claim_and_a_scope_to_the_access_token() {
        let event = json!({"version": "2", "triggerSource": "TokenGeneration_RefreshTokens", "request": {}, "response": {}});
        let (source, body) = answer(event.to_string().as_bytes()).unwrap();
        assert_eq!(source, "TokenGeneration_RefreshTokens");
        let back: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(back["version"], "2");
        let access = &back["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"];
        assert_eq!(access["claimsToAddOrOverride"], json!({"tenant": "acme"}));
        assert_eq!(access["scopesToAdd"], json!(["orders/read"]));
        assert!(answer(b"[1]").is_err());
        assert!(answer(b"not json").is_err());
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
    fn events_are_counted_between_two_looks() {
        let before = BTreeMap::from([("TokenGeneration_Authentication".to_string(), 16)]);
        let after = BTreeMap::from([
            ("TokenGeneration_Authentication".to_string(), 16),
            ("TokenGeneration_RefreshTokens".to_string(), 40),
        ]);
        assert_eq!(
            events_between(&before, &after),
            "40 TokenGeneration_RefreshTokens"
        );
        assert_eq!(events_between(&after, &after), "none");
    }

    #[tokio::test]
    async fn the_endpoint_answers_its_function_and_refuses_others() {
        let lambda = Lambda::start().unwrap();
        let addr = lambda.endpoint().trim_start_matches("http://").parse().unwrap();
        let mut conn = Conn::new(Endpoint::new(addr, "", ""));
        let event = json!({"version": "2", "triggerSource": "TokenGeneration_Authentication", "request": {}});
        let path = format!("/2015-03-31/functions/{FUNCTION}/invocations");
        // post_form sends the body as given; the endpoint reads it as the event whatever its content type.
        let r = conn.post_form(&path, &event.to_string(), None).await.unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(
            r.body["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]["scopesToAdd"],
            json!(["orders/read"])
        );
        let other = conn
            .post_form(
                "/2015-03-31/functions/other/invocations",
                &event.to_string(),
                None,
            )
            .await
            .unwrap();
        assert_eq!(other.status, 404);
        let seen = lambda.seen();
        assert_eq!(seen.get("TokenGeneration_Authentication"), Some(&1));
        assert_eq!(seen.get("refused"), Some(&1));
    }
}
