//! The load generator: what one worker does per operation (`Job`), a closed loop (N connections, each sending
//! its next request when the last answered) and an open loop (a fixed offered rate, whatever the answers), both
//! with a warm-up, a fixed measured window, latency histograms and the server's CPU and memory over the window.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use crypto_bigint::{U256, U3072};
use hdrhistogram::Histogram;
use latchkey_core::srp::math;
use serde_json::{json, Value};
use tokio::sync::Semaphore;

use crate::http::{Conn, Endpoint, Reply};
use crate::procfs;

/// A small, fast, non-cryptographic generator for picking users.
#[derive(Clone)]
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}

pub enum Outcome {
    Ok,
    /// TooManyRequestsException: the server shed the request.
    Throttled,
    Failed(String),
}

fn classify(reply: Result<Reply, String>) -> Outcome {
    match reply {
        Ok(r) if r.status == 200 => Outcome::Ok,
        Ok(r) => match r.error_type() {
            Some(t) if t == "TooManyRequestsException" => Outcome::Throttled,
            Some(t) => Outcome::Failed(t),
            None => Outcome::Failed(format!("HTTP {}", r.status)),
        },
        Err(e) => Outcome::Failed(format!("transport: {}", e.chars().take(60).collect::<String>())),
    }
}

/// The client's fixed SRP secret for one worker: A = g^a is computed once, which saves the client one of its
/// three exponentiations per login.
#[derive(Clone)]
pub struct SrpClient {
    pub a: U256,
    pub a_pub: U3072,
    pub a_hex: String,
}

impl SrpClient {
    pub fn new(rng: &mut XorShift) -> Self {
        let mut bytes = [0u8; 32];
        for chunk in bytes.chunks_mut(8) {
            chunk.copy_from_slice(&rng.next().to_be_bytes());
        }
        bytes[0] |= 0x80;
        let a = U256::from_be_slice(&bytes);
        let a_pub = math::client_public(&a);
        Self {
            a,
            a_hex: math::to_hex(&a_pub),
            a_pub,
        }
    }
}

/// `Tue Mar 5 07:04:09 UTC 2024`, as amazon-cognito-identity-js writes TIMESTAMP.
pub fn srp_timestamp() -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let t = time::OffsetDateTime::now_utc();
    format!(
        "{} {} {} {:02}:{:02}:{:02} UTC {}",
        DAYS[t.weekday().number_days_from_monday() as usize],
        MONTHS[(t.month() as usize).saturating_sub(1)],
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.year()
    )
}

/// What a worker sends, and the state it keeps between requests.
#[derive(Clone)]
pub enum Job {
    /// InitiateAuth USER_PASSWORD_AUTH as a random one of `<prefix>0..<prefix>{users-1}`.
    PasswordSignIn {
        client_id: String,
        prefix: String,
        users: u64,
        password: String,
        rng: XorShift,
    },
    /// InitiateAuth USER_SRP_AUTH, then RespondToAuthChallenge PASSWORD_VERIFIER.
    Srp {
        client_id: String,
        pool_name: String,
        prefix: String,
        users: u64,
        password: String,
        client: Box<SrpClient>,
        rng: XorShift,
    },
    Refresh {
        client_id: String,
        refresh_token: String,
    },
    /// POST /oauth2/token grant_type=refresh_token (public client).
    OAuthRefresh {
        client_id: String,
        refresh_token: String,
    },
    /// POST /oauth2/token grant_type=client_credentials with HTTP Basic client authentication.
    ClientCredentials {
        basic: String,
        scope: String,
    },
    GetUser {
        access_token: String,
    },
    /// SignUp with a fresh username each time (`<prefix><n>`).
    SignUp {
        client_id: String,
        prefix: String,
        n: u64,
        password: String,
    },
    /// AdminCreateUser (MessageAction SUPPRESS, a temporary password) with a fresh username each time.
    AdminCreate {
        pool_id: String,
        prefix: String,
        n: u64,
        password: String,
    },
    /// ListUsers with `email ^= "<prefix><digits>"`, Limit 60.
    ListUsers {
        pool_id: String,
        prefix: String,
        /// Broad: one random digit after the prefix (about a ninth of the pool matches, 60 are returned).
        /// Narrow: a whole email `<prefix><i>@` of a random user (one match).
        broad: bool,
        users: u64,
        rng: XorShift,
    },
}

impl Job {
    /// A copy with its own random sequence (for the open loop's per-request tasks).
    pub fn fork(&self, seed: u64) -> Job {
        let mut j = self.clone();
        match &mut j {
            Job::PasswordSignIn { rng, .. } | Job::Srp { rng, .. } | Job::ListUsers { rng, .. } => {
                *rng = XorShift::new(seed)
            }
            _ => {}
        }
        j
    }

    pub async fn step(&mut self, conn: &mut Conn) -> Outcome {
        match self {
            Job::PasswordSignIn {
                client_id,
                prefix,
                users,
                password,
                rng,
            } => {
                let user = format!("{prefix}{}", rng.below(*users));
                let body = json!({
                    "AuthFlow": "USER_PASSWORD_AUTH",
                    "ClientId": client_id,
                    "AuthParameters": {"USERNAME": user, "PASSWORD": password},
                });
                classify(conn.call("InitiateAuth", &body, false).await)
            }
            Job::Srp {
                client_id,
                pool_name,
                prefix,
                users,
                password,
                client,
                rng,
            } => {
                let user = format!("{prefix}{}", rng.below(*users));
                srp_sign_in(conn, client_id, pool_name, &user, password, client).await
            }
            Job::Refresh {
                client_id,
                refresh_token,
            } => {
                let body = json!({
                    "AuthFlow": "REFRESH_TOKEN_AUTH",
                    "ClientId": client_id,
                    "AuthParameters": {"REFRESH_TOKEN": refresh_token},
                });
                classify(conn.call("InitiateAuth", &body, false).await)
            }
            Job::OAuthRefresh {
                client_id,
                refresh_token,
            } => {
                let form = format!(
                    "grant_type=refresh_token&client_id={}&refresh_token={}",
                    form_encode(client_id),
                    form_encode(refresh_token)
                );
                classify(conn.post_form("/oauth2/token", &form, None).await)
            }
            Job::ClientCredentials { basic, scope } => {
                let form = format!("grant_type=client_credentials&scope={}", form_encode(scope));
                classify(conn.post_form("/oauth2/token", &form, Some(basic)).await)
            }
            Job::GetUser { access_token } => classify(
                conn.call("GetUser", &json!({"AccessToken": access_token}), false)
                    .await,
            ),
            Job::SignUp {
                client_id,
                prefix,
                n,
                password,
            } => {
                *n += 1;
                let user = format!("{prefix}{n}");
                let body = json!({
                    "ClientId": client_id,
                    "Username": user,
                    "Password": password,
                    "UserAttributes": [{"Name": "email", "Value": format!("{user}@bench.example")}],
                });
                classify(conn.call("SignUp", &body, false).await)
            }
            Job::AdminCreate {
                pool_id,
                prefix,
                n,
                password,
            } => {
                *n += 1;
                let user = format!("{prefix}{n}");
                let body = json!({
                    "UserPoolId": pool_id,
                    "Username": user,
                    "TemporaryPassword": password,
                    "MessageAction": "SUPPRESS",
                    "UserAttributes": [
                        {"Name": "email", "Value": format!("{user}@bench.example")},
                        {"Name": "email_verified", "Value": "true"},
                    ],
                });
                classify(conn.call("AdminCreateUser", &body, true).await)
            }
            Job::ListUsers {
                pool_id,
                prefix,
                broad,
                users,
                rng,
            } => {
                let value = if *broad {
                    format!("{prefix}{}", 1 + rng.below(9))
                } else {
                    format!("{prefix}{}@", rng.below(*users))
                };
                let body = json!({
                    "UserPoolId": pool_id,
                    "Filter": format!("email ^= \"{value}\""),
                    "Limit": 60,
                });
                let reply = conn.call("ListUsers", &body, true).await;
                if let Ok(r) = &reply {
                    // A server that ignores the filter or the limit is not doing the same work.
                    let found = r.body.get("Users").and_then(Value::as_array).map_or(0, Vec::len);
                    if r.status == 200 && (found == 0 || found > 60 || (!*broad && found != 1)) {
                        return Outcome::Failed(format!("ListUsers returned {found} users"));
                    }
                }
                classify(reply)
            }
        }
    }
}

/// `application/x-www-form-urlencoded` value encoding.
pub fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

async fn srp_sign_in(
    conn: &mut Conn,
    client_id: &str,
    pool_name: &str,
    user: &str,
    password: &str,
    client: &SrpClient,
) -> Outcome {
    let body = json!({
        "AuthFlow": "USER_SRP_AUTH",
        "ClientId": client_id,
        "AuthParameters": {"USERNAME": user, "SRP_A": client.a_hex},
    });
    let reply = match conn.call("InitiateAuth", &body, false).await {
        Ok(r) if r.status == 200 => r,
        other => return classify(other),
    };
    let param = |k: &str| reply.str_at(&["ChallengeParameters", k]);
    let (Some(salt), Some(srp_b), Some(block), Some(user_id)) = (
        param("SALT").as_deref().and_then(math::from_hex),
        param("SRP_B").as_deref().and_then(math::from_hex),
        param("SECRET_BLOCK"),
        param("USER_ID_FOR_SRP"),
    ) else {
        return Outcome::Failed("no PASSWORD_VERIFIER challenge".into());
    };
    let Ok(block_bytes) = STANDARD.decode(&block) else {
        return Outcome::Failed("SECRET_BLOCK is not base64".into());
    };
    // The client's math: x, u, S = (B - k·g^x)^(a + u·x), the HKDF key and the claim.
    let x = math::private_key(&salt, pool_name, &user_id, password);
    let u = math::scrambler(&client.a_pub, &srp_b);
    let s = math::client_secret(&srp_b, &x, &client.a, &u);
    let key = math::session_key(&s, &u);
    let timestamp = srp_timestamp();
    let signature = math::claim_signature(&key, pool_name, &user_id, &block_bytes, &timestamp);
    let body = json!({
        "ChallengeName": "PASSWORD_VERIFIER",
        "ClientId": client_id,
        "ChallengeResponses": {
            "USERNAME": user_id,
            "PASSWORD_CLAIM_SECRET_BLOCK": block,
            "PASSWORD_CLAIM_SIGNATURE": STANDARD.encode(signature),
            "TIMESTAMP": timestamp,
        },
    });
    classify(conn.call("RespondToAuthChallenge", &body, false).await)
}

#[allow(clippy::expect_used)] // Constant, valid bounds: this cannot fail.
fn histogram() -> Histogram<u64> {
    // Microseconds, 1 µs to 10 minutes, 3 significant digits.
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("constant histogram bounds are valid")
}

/// Counts and latencies of one run's measured window.
pub struct Measured {
    pub ok: u64,
    pub throttled: u64,
    pub failed: u64,
    pub errors: BTreeMap<String, u64>,
    pub ok_us: Histogram<u64>,
    pub throttled_us: Histogram<u64>,
    /// Latency of the other error answers (wrong passwords, in the user-existence scenario).
    pub failed_us: Histogram<u64>,
}

impl Measured {
    fn new() -> Self {
        Self {
            ok: 0,
            throttled: 0,
            failed: 0,
            errors: BTreeMap::new(),
            ok_us: histogram(),
            throttled_us: histogram(),
            failed_us: histogram(),
        }
    }

    fn record(&mut self, outcome: Outcome, micros: u64) {
        let v = micros.max(1);
        match outcome {
            Outcome::Ok => {
                self.ok += 1;
                self.ok_us.saturating_record(v);
            }
            Outcome::Throttled => {
                self.throttled += 1;
                self.throttled_us.saturating_record(v);
            }
            Outcome::Failed(e) => {
                self.failed += 1;
                self.failed_us.saturating_record(v);
                *self.errors.entry(e).or_default() += 1;
            }
        }
    }

    fn merge(&mut self, other: &Measured) {
        self.ok += other.ok;
        self.throttled += other.throttled;
        self.failed += other.failed;
        for (k, v) in &other.errors {
            *self.errors.entry(k.clone()).or_default() += v;
        }
        // Same bounds on both sides: adding cannot fail.
        let _ = self.ok_us.add(&other.ok_us);
        let _ = self.throttled_us.add(&other.throttled_us);
        let _ = self.failed_us.add(&other.failed_us);
    }
}

/// The result of one run.
pub struct RunResult {
    pub m: Measured,
    pub seconds: f64,
    pub conns: usize,
    /// Server CPU seconds over the measured window.
    pub server_cpu: Option<f64>,
    pub client_cpu: f64,
    /// VmHWM over the window (peak reset at its start) and VmRSS in its middle.
    pub peak_rss_kb: Option<u64>,
    pub mid_rss_kb: Option<u64>,
    /// Requests the open loop could not send (all its connections busy).
    pub dropped: u64,
}

#[derive(Clone, Copy)]
pub struct Timing {
    pub warmup: Duration,
    pub duration: Duration,
}

struct Window {
    warm_end: Instant,
    end: Instant,
}

impl Window {
    fn start(t: Timing) -> Self {
        let warm_end = Instant::now() + t.warmup;
        Self {
            warm_end,
            end: warm_end + t.duration,
        }
    }
    fn counts(&self, done: Instant) -> bool {
        done >= self.warm_end && done <= self.end
    }
}

/// Samples the server over the window: CPU at its start and end, peak RSS reset at the start.
async fn observe(w: &Window, pid: Option<u32>) -> (Option<f64>, f64, Option<u64>, Option<u64>) {
    tokio::time::sleep_until(w.warm_end.into()).await;
    let cpu0 = pid.and_then(procfs::cpu_seconds);
    let own0 = procfs::own_cpu_seconds();
    if let Some(p) = pid {
        procfs::reset_peak(p);
    }
    let mid = w.warm_end + (w.end - w.warm_end) / 2;
    tokio::time::sleep_until(mid.into()).await;
    let mid_rss = pid.and_then(procfs::rss_kb);
    tokio::time::sleep_until(w.end.into()).await;
    let cpu1 = pid.and_then(procfs::cpu_seconds);
    let own1 = procfs::own_cpu_seconds();
    let peak = pid.and_then(procfs::peak_rss_kb);
    let server_cpu = match (cpu0, cpu1) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    (server_cpu, own1 - own0, peak, mid_rss)
}

/// `jobs.len()` connections, each sending its job's next request as soon as the last one is answered.
pub async fn closed_loop(ep: &Arc<Endpoint>, jobs: Vec<Job>, timing: Timing, pid: Option<u32>) -> RunResult {
    let w = Arc::new(Window::start(timing));
    let conns = jobs.len();
    let mut handles = Vec::with_capacity(conns);
    for mut job in jobs {
        let w = w.clone();
        let mut conn = Conn::new(ep.clone());
        handles.push(tokio::spawn(async move {
            let mut m = Measured::new();
            let _ = conn.open().await;
            loop {
                let t = Instant::now();
                if t >= w.end {
                    break;
                }
                let outcome = job.step(&mut conn).await;
                let transport_error = matches!(&outcome, Outcome::Failed(e) if e.starts_with("transport"));
                let done = Instant::now();
                if w.counts(done) {
                    m.record(outcome, (done - t).as_micros() as u64);
                }
                if transport_error {
                    // Do not spin on a server that is gone.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
            m
        }));
    }
    let (server_cpu, client_cpu, peak_rss_kb, mid_rss_kb) = observe(&w, pid).await;
    let mut m = Measured::new();
    for h in handles {
        if let Ok(part) = h.await {
            m.merge(&part);
        }
    }
    RunResult {
        m,
        seconds: timing.duration.as_secs_f64(),
        conns,
        server_cpu,
        client_cpu,
        peak_rss_kb,
        mid_rss_kb,
        dropped: 0,
    }
}

/// Sends `proto`'s requests at `rate` per second whatever the answers, on up to `max_inflight` connections.
pub async fn open_loop(
    ep: &Arc<Endpoint>,
    proto: Job,
    rate: f64,
    max_inflight: usize,
    timing: Timing,
    pid: Option<u32>,
) -> RunResult {
    let w = Arc::new(Window::start(timing));
    let shared = Arc::new(Mutex::new(Measured::new()));
    let idle: Arc<Mutex<Vec<Conn>>> = Arc::new(Mutex::new(Vec::new()));
    let slots = Arc::new(Semaphore::new(max_inflight));
    let observer = {
        let w = w.clone();
        tokio::spawn(async move { observe(&w, pid).await })
    };
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / rate.max(0.1)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut dropped = 0u64;
    let mut i = 0u64;
    loop {
        let tick = ticker.tick().await;
        if tick.into_std() >= w.end {
            break;
        }
        i += 1;
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            if w.counts(Instant::now()) {
                dropped += 1;
            }
            continue;
        };
        let mut job = proto.fork(i);
        let (w, shared, idle, ep) = (w.clone(), shared.clone(), idle.clone(), ep.clone());
        tokio::spawn(async move {
            let mut conn = idle
                .lock()
                .ok()
                .and_then(|mut v| v.pop())
                .unwrap_or_else(|| Conn::new(ep));
            let t = Instant::now();
            let outcome = job.step(&mut conn).await;
            let done = Instant::now();
            if w.counts(done) {
                if let Ok(mut m) = shared.lock() {
                    m.record(outcome, (done - t).as_micros() as u64);
                }
            }
            if let Ok(mut v) = idle.lock() {
                v.push(conn);
            }
            drop(permit);
        });
    }
    // Let what was sent finish.
    let _ = slots.acquire_many(max_inflight as u32).await;
    let (server_cpu, client_cpu, peak_rss_kb, mid_rss_kb) = observer.await.unwrap_or((None, 0.0, None, None));
    let m = match Arc::try_unwrap(shared) {
        Ok(mx) => mx.into_inner().unwrap_or_else(|e| e.into_inner()),
        Err(arc) => {
            let mut m = Measured::new();
            if let Ok(inner) = arc.lock() {
                m.merge(&inner);
            }
            m
        }
    };
    let conns = idle.lock().map(|v| v.len()).unwrap_or(0);
    RunResult {
        m,
        seconds: timing.duration.as_secs_f64(),
        conns,
        server_cpu,
        client_cpu,
        peak_rss_kb,
        mid_rss_kb,
        dropped,
    }
}
