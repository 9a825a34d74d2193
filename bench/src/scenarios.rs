//! The scenarios as data: each load run's name (its row in the report), its `--only` group, its connections and
//! what they send, the raw limit it is compared with and the note on its row. `runs` walks these tables in order;
//! the scenarios that are more than one closed loop (overload, the flood, user existence) have code of their own.

use base64::Engine as _;

use crate::jobs::{Job, SrpClient, XorShift};
use crate::mfa::{TotpUser, UserCycle};
use crate::report::{f2, find, human, Row};
use crate::setup::PASSWORD;
use crate::triggers::TokenJob;

pub const S_READY: &str = "start→ready (fresh data dir)";
pub const S_IDLE: &str = "idle RSS after start";
pub const S_PW: &str = "USER_PASSWORD_AUTH sign-in";
pub const S_MFA: &str = "USER_PASSWORD_AUTH + SOFTWARE_TOKEN_MFA sign-in (2 round trips)";
pub const S_SRP: &str = "USER_SRP_AUTH sign-in (2 round trips)";
pub const S_REFRESH: &str = "REFRESH_TOKEN_AUTH";
pub const S_GETUSER: &str = "GetUser";
pub const S_CREDENTIALS: &str = "GetCredentialsForIdentity";
pub const S_SIGNUP: &str = "SignUp";
pub const S_ADMIN: &str = "AdminCreateUser";
pub const S_LIST_BROAD: &str = "ListUsers email ^= \"u<d>\" (60 of 11%)";
pub const S_LIST_NARROW: &str = "ListUsers email ^= \"u<i>@\" (1 match)";
pub const S_500: &str = "GetUser, 500 connections";
pub const S_GU_BASE: &str = "GetUser baseline (4 conns)";
pub const S_OVER: &str = "overload: password sign-in at 2× sustainable";
pub const S_OVER_GU: &str = "overload: GetUser alongside (4 conns)";
pub const S_SEED: &str = "bulk seed (bench-seed)";
pub const S_PW2: &str = "USER_PASSWORD_AUTH sign-in, 2 conns";
pub const S_OAUTH_REFRESH: &str = "/oauth2/token refresh_token";
pub const S_CLIENT_CREDENTIALS: &str = "/oauth2/token client_credentials";
pub const S_RSS_AFTER: &str = "RSS after the hashing scenarios";
pub const S_RSS_SETUP: &str = "RSS after setup";

/// A scenario's name on the scale pool's rows: `<scenario> @1M users`.
pub fn at(scenario: &str, users: u64) -> String {
    format!("{scenario} @{} users", human(users))
}

/// One closed-loop run: `conns` connections, each running `work`'s job on `pool`.
#[derive(Clone, Copy)]
pub struct Scenario {
    /// The `--only` group that runs it (latchkey's runs; the peers run every scenario that has a `peer_note`).
    pub group: &'static str,
    pub name: &'static str,
    /// Whether the row's name carries the pool's size (`at`), as the scale group's rows do.
    pub sized: bool,
    pub pool: Pool,
    pub conns: usize,
    pub work: Work,
    /// The raw limit (a `RawLimits::limit` name) latchkey's row is compared with.
    pub limit: Option<&'static str>,
    pub note: Note,
    /// The note on the peers' row, for the scenarios the peers run too.
    pub peer_note: Option<Note>,
}

impl Scenario {
    pub fn row_name(&self, pool_users: u64) -> String {
        if self.sized {
            at(self.name, pool_users)
        } else {
            self.name.to_string()
        }
    }
}

/// The pool a scenario runs on.
#[derive(Clone, Copy)]
pub enum Pool {
    /// The small pool (`Plan::small_users`, with SRP verifiers and tokens).
    Small,
    /// The scale pool (`Plan::scale_users`, bulk-seeded), made by the scale group.
    Scale,
    /// The MFA pool (software-token MFA, every user enrolled with an authenticator app), made by the mfa group.
    Mfa,
    /// The triggers group's pool with a PreTokenGeneration V2_0 function, and its twin without (`triggers`).
    WithTrigger,
    WithoutTrigger,
}

/// What each connection sends. Seeds are per connection: connection `i` draws from `XorShift::new(seed + i)`.
#[derive(Clone, Copy)]
pub enum Work {
    /// USER_PASSWORD_AUTH as a random user of the pool.
    PasswordSignIn { seed: u64 },
    /// USER_SRP_AUTH and PASSWORD_VERIFIER as a random user, each connection with its own client secret.
    Srp { seed: u64 },
    /// REFRESH_TOKEN_AUTH with the pool's refresh tokens, one per connection in turn.
    Refresh,
    /// /oauth2/token refresh_token grant, likewise.
    OAuthRefresh,
    /// /oauth2/token client_credentials as the pool's confidential client.
    ClientCredentials,
    /// GetUser with the pool's access tokens, one per connection in turn.
    GetUser,
    /// GetCredentialsForIdentity for the identity pool's identities, one per connection in turn.
    CredentialsForIdentity,
    /// ListUsers with an email prefix filter (see `Job::ListUsers`).
    ListUsers { broad: bool, seed: u64 },
    /// SignUp of fresh usernames.
    SignUp,
    /// AdminCreateUser of fresh usernames.
    AdminCreate,
    /// USER_PASSWORD_AUTH, then the SOFTWARE_TOKEN_MFA challenge answered with the app's code, as the pool's
    /// enrolled users: connection `i` of `n` takes users `i`, `i + n`, … in turn, each at most once per time step.
    MfaSignIn,
    /// USER_PASSWORD_AUTH as a random user, the access token checked for the PreTokenGeneration function's claim
    /// (`Fixture::trigger`).
    CheckedSignIn { seed: u64 },
    /// REFRESH_TOKEN_AUTH as `Refresh`, the access token checked likewise.
    CheckedRefresh,
}

/// What the scenarios need of a pool: where to sign in, tokens to use, and how to name new users.
pub struct Fixture {
    pub pool_id: String,
    /// The pool id's part after `<region>_`, which SRP hashes.
    pub pool_name: String,
    pub client_id: String,
    pub users: u64,
    /// Access, refresh and ID tokens of some of the pool's users (the ID token empty where a server gave none).
    pub tokens: Vec<(String, String, String)>,
    /// The Logins key of the pool in its identity pool, and (identity id, ID token) of some of its users there.
    pub identities: Option<(String, Vec<(String, String)>)>,
    /// The `Authorization: Basic …` value and scope of a confidential client allowed client_credentials.
    pub client_credentials: Option<(String, String)>,
    /// Users enrolled with an authenticator app, and their secrets (the MFA pool's).
    pub totp_users: Vec<TotpUser>,
    /// Whether its access tokens must carry the triggers group's function's claim (the triggers group's pools).
    pub trigger: Option<bool>,
    /// Part of every username the sign-up scenarios make, so servers' runs never collide ("lk", "peer").
    pub tag: &'static str,
}

impl Fixture {
    pub fn new(pool_id: String, client_id: String, users: u64, tag: &'static str) -> Fixture {
        let pool_name = pool_id
            .split_once('_')
            .map_or(pool_id.as_str(), |(_, n)| n)
            .to_string();
        Fixture {
            pool_id,
            pool_name,
            client_id,
            users,
            tokens: Vec::new(),
            identities: None,
            client_credentials: None,
            totp_users: Vec::new(),
            trigger: None,
            tag,
        }
    }

    /// Adds the confidential client that the client_credentials scenario signs in as.
    pub fn with_client_credentials(mut self, id: &str, secret: &str, scope: String) -> Fixture {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
        self.client_credentials = Some((format!("Basic {basic}"), scope));
        self
    }
}

impl Work {
    /// The jobs of `conns` connections on `pool` (none where the pool lacks what the work needs).
    pub fn jobs(self, conns: usize, pool: &Fixture) -> Vec<Job> {
        (0..conns).filter_map(|i| self.job(i, conns, pool)).collect()
    }

    fn job(self, i: usize, conns: usize, pool: &Fixture) -> Option<Job> {
        let seeded = |seed: u64| XorShift::new(seed + i as u64);
        let token = pool.tokens.get(i % pool.tokens.len().max(1));
        Some(match self {
            Work::PasswordSignIn { seed } => Job::PasswordSignIn {
                client_id: pool.client_id.clone(),
                prefix: "u".into(),
                users: pool.users,
                password: PASSWORD.into(),
                rng: seeded(seed),
            },
            Work::Srp { seed } => {
                let mut rng = seeded(seed);
                Job::Srp {
                    client_id: pool.client_id.clone(),
                    pool_name: pool.pool_name.clone(),
                    prefix: "u".into(),
                    users: pool.users,
                    password: PASSWORD.into(),
                    client: Box::new(SrpClient::new(&mut rng)),
                    rng,
                }
            }
            Work::Refresh => Job::Refresh {
                client_id: pool.client_id.clone(),
                refresh_token: token?.1.clone(),
            },
            Work::OAuthRefresh => Job::OAuthRefresh {
                client_id: pool.client_id.clone(),
                refresh_token: token?.1.clone(),
            },
            Work::ClientCredentials => {
                let (basic, scope) = pool.client_credentials.clone()?;
                Job::ClientCredentials { basic, scope }
            }
            Work::GetUser => Job::GetUser {
                access_token: token?.0.clone(),
            },
            Work::CredentialsForIdentity => {
                let (logins_key, identities) = pool.identities.as_ref()?;
                let (identity_id, id_token) = identities.get(i % identities.len().max(1))?.clone();
                Job::CredentialsForIdentity {
                    identity_id,
                    logins_key: logins_key.clone(),
                    id_token,
                }
            }
            Work::ListUsers { broad, seed } => Job::ListUsers {
                pool_id: pool.pool_id.clone(),
                prefix: "u".into(),
                broad,
                users: pool.users,
                rng: seeded(seed),
            },
            Work::SignUp => Job::SignUp {
                client_id: pool.client_id.clone(),
                prefix: format!("s{}w{i}n", pool.tag),
                n: 0,
                password: PASSWORD.into(),
            },
            Work::AdminCreate => Job::AdminCreate {
                pool_id: pool.pool_id.clone(),
                prefix: format!("a{}w{i}n", pool.tag),
                n: 0,
                password: PASSWORD.into(),
            },
            Work::MfaSignIn => {
                let users: Vec<TotpUser> = pool.totp_users.iter().skip(i).step_by(conns).cloned().collect();
                if users.is_empty() {
                    return None;
                }
                Job::MfaSignIn {
                    client_id: pool.client_id.clone(),
                    password: PASSWORD.into(),
                    cycle: UserCycle::new(users),
                }
            }
            Work::CheckedSignIn { seed } => Job::Token(TokenJob::sign_in(
                pool.client_id.clone(),
                pool.users,
                seeded(seed),
                pool.trigger?,
            )),
            Work::CheckedRefresh => Job::Token(TokenJob::refresh(
                pool.client_id.clone(),
                token?.1.clone(),
                pool.trigger?,
            )),
        })
    }
}

/// A latency percentile of a row.
#[derive(Clone, Copy)]
pub enum Percentile {
    P50,
    P99,
}

impl Percentile {
    fn name(self) -> &'static str {
        match self {
            Percentile::P50 => "p50",
            Percentile::P99 => "p99",
        }
    }

    fn of(self, row: &Row) -> Option<f64> {
        match self {
            Percentile::P50 => row.p50_ms,
            Percentile::P99 => row.p99_ms,
        }
    }
}

/// The note on a scenario's row.
#[derive(Clone, Copy)]
pub enum Note {
    None,
    Fixed(&'static str),
    /// `random user of 1k`: the pool's size.
    RandomUserOf,
    /// `pool of 1k`.
    PoolOf,
    /// The server's VmRSS in the middle of the measured window.
    MidRunRss,
    /// The row's percentile as a multiple of the same percentile in scenario `of` (on the small pool):
    /// `p50 1.03× the 1k-user pool's`.
    Versus {
        percentile: Percentile,
        of: &'static Scenario,
    },
    /// `text`, the pool's size, and the row's operations per core as a multiple of scenario `of`'s (on the small
    /// pool): `…; pool of 1k; per core 0.93× USER_PASSWORD_AUTH sign-in`.
    PerCoreVersus {
        text: &'static str,
        of: &'static str,
    },
}

impl Note {
    /// The note's text for `row`, run on a pool of `pool_users`; `rows` so far are `server`'s and the others'.
    pub fn text(&self, row: &Row, pool_users: u64, small_users: u64, rows: &[Row]) -> String {
        match *self {
            Note::None => String::new(),
            Note::Fixed(text) => text.to_string(),
            Note::RandomUserOf => format!("random user of {}", human(pool_users)),
            Note::PoolOf => format!("pool of {}", human(pool_users)),
            Note::MidRunRss => format!("VmRSS mid-run {} MB", f2(row.mid_rss_mb)),
            Note::Versus { percentile, of } => {
                let small = find(rows, &row.server, &of.row_name(small_users)).and_then(|r| percentile.of(r));
                match (percentile.of(row), small) {
                    (Some(b), Some(s)) if s > 0.0 => format!(
                        "{} {:.2}× the {}-user pool's",
                        percentile.name(),
                        b / s,
                        human(small_users)
                    ),
                    _ => String::new(),
                }
            }
            Note::PerCoreVersus { text, of } => {
                let other = find(rows, &row.server, of).and_then(|r| r.ops_per_core_s);
                let versus = match (row.ops_per_core_s, other) {
                    (Some(a), Some(b)) if b > 0.0 => format!("; per core {:.2}× {of}", a / b),
                    _ => String::new(),
                };
                format!("{text}; pool of {}{versus}", human(pool_users))
            }
        }
    }
}

/// A scenario on the small pool, under its plain name and with no raw limit or notes unless set.
const fn small(group: &'static str, name: &'static str, conns: usize, work: Work) -> Scenario {
    Scenario {
        group,
        name,
        sized: false,
        pool: Pool::Small,
        conns,
        work,
        limit: None,
        note: Note::None,
        peer_note: None,
    }
}

const LIST_BROAD: Scenario = Scenario {
    note: Note::PoolOf,
    peer_note: Some(Note::PoolOf),
    ..small(
        "list",
        S_LIST_BROAD,
        8,
        Work::ListUsers {
            broad: true,
            seed: 100,
        },
    )
};
const LIST_NARROW: Scenario = Scenario {
    note: Note::PoolOf,
    peer_note: Some(Note::PoolOf),
    ..small(
        "list",
        S_LIST_NARROW,
        8,
        Work::ListUsers {
            broad: false,
            seed: 100,
        },
    )
};

/// The load runs on the small pool, in the order they run (after start-up and setup, before the overload).
pub const SCENARIOS: &[Scenario] = &[
    // First, while little hashing has happened: memory with 500 open connections.
    Scenario {
        limit: Some("get_user"),
        note: Note::MidRunRss,
        ..small("500", S_500, 500, Work::GetUser)
    },
    Scenario {
        limit: Some("password_sign_in"),
        note: Note::RandomUserOf,
        peer_note: Some(Note::RandomUserOf),
        ..small("password", S_PW, 8, Work::PasswordSignIn { seed: 1 })
    },
    Scenario {
        limit: Some("srp_sign_in"),
        note: Note::Fixed("client math runs in the load generator; latency includes it"),
        ..small("srp", S_SRP, 4, Work::Srp { seed: 500 })
    },
    Scenario {
        limit: Some("refresh"),
        ..small("refresh", S_REFRESH, 16, Work::Refresh)
    },
    Scenario {
        limit: Some("refresh"),
        ..small("oauth", S_OAUTH_REFRESH, 16, Work::OAuthRefresh)
    },
    Scenario {
        limit: Some("client_credentials"),
        note: Note::Fixed("confidential client, HTTP Basic, scope bench/read"),
        ..small("oauth", S_CLIENT_CREDENTIALS, 16, Work::ClientCredentials)
    },
    Scenario {
        limit: Some("get_user"),
        peer_note: Some(Note::None),
        ..small("getuser", S_GETUSER, 8, Work::GetUser)
    },
    Scenario {
        limit: Some("credentials_for_identity"),
        note: Note::Fixed("unsigned, Logins = the user pool's ID token; an authenticated role, no mapping"),
        ..small("identity", S_CREDENTIALS, 8, Work::CredentialsForIdentity)
    },
    LIST_BROAD,
    LIST_NARROW,
    Scenario {
        limit: Some("create_user"),
        note: Note::Fixed("email auto-verified: a code goes to the outbox"),
        peer_note: Some(Note::None),
        ..small("signup", S_SIGNUP, 8, Work::SignUp)
    },
    Scenario {
        limit: Some("create_user"),
        note: Note::Fixed("MessageAction SUPPRESS, TemporaryPassword (hashed)"),
        peer_note: Some(Note::None),
        ..small("admin", S_ADMIN, 8, Work::AdminCreate)
    },
];

/// Sign-in latency without queueing (2 connections = the 2 hashing workers) on the small pool, the baseline of
/// the scale pool's.
const SIGN_IN_SMALL: Scenario = Scenario {
    sized: true,
    limit: Some("password_sign_in"),
    ..small("scale", S_PW2, 2, Work::PasswordSignIn { seed: 11 })
};

/// `of` on the scale pool, its row named with the pool's size and noted with `percentile` against `of`'s row.
const fn on_scale_pool(of: &'static Scenario, percentile: Percentile) -> Scenario {
    Scenario {
        group: "scale",
        sized: true,
        pool: Pool::Scale,
        note: Note::Versus { percentile, of },
        peer_note: None,
        ..*of
    }
}

/// The scale group's load runs, once the scale pool is seeded: both pools back to back.
pub const SCALE_SCENARIOS: &[Scenario] = &[
    SIGN_IN_SMALL,
    Scenario {
        work: Work::PasswordSignIn { seed: 7 },
        ..on_scale_pool(&SIGN_IN_SMALL, Percentile::P50)
    },
    on_scale_pool(&LIST_BROAD, Percentile::P99),
    on_scale_pool(&LIST_NARROW, Percentile::P99),
];

/// The mfa group's load run, once the MFA pool is set up (after the small pool's scenarios, so that its size can
/// follow the password sign-in's rate). Its limit is the password sign-in's raw limit, as issue 16 asks: the
/// second round trip, the TOTP check and the recorded step are what the ratio then shows. The peers do not run it
/// (no `peer_note`), as they do not run SRP or the identity pool: cognito-local has no software-token MFA, and a
/// moto_server row would not be like for like without checking how it checks codes.
pub const MFA_SCENARIOS: &[Scenario] = &[Scenario {
    pool: Pool::Mfa,
    limit: Some("password_sign_in"),
    note: Note::PerCoreVersus {
        text: "limit = raw password sign-in; includes 2 requests, a TOTP check and its step recorded",
        of: S_PW,
    },
    ..small("mfa", S_MFA, 8, Work::MfaSignIn)
}];
