//! What one worker of the load generator sends (`Job`), one request at a time, and how an answer counts
//! (`Outcome`): the Cognito operations the scenarios drive (user pools and identity pools), including the client's
//! side of an SRP sign-in.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use crypto_bigint::{U256, U3072};
use latchkey_core::srp::math;
use serde_json::{json, Value};

use crate::http::{Conn, Reply};
use crate::mfa::UserCycle;

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

pub fn classify(reply: Result<Reply, String>) -> Outcome {
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
    /// GetCredentialsForIdentity (unsigned) for an identity, logged in with its user's ID token under `logins_key`.
    CredentialsForIdentity {
        identity_id: String,
        logins_key: String,
        id_token: String,
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
    /// InitiateAuth USER_PASSWORD_AUTH, then RespondToAuthChallenge SOFTWARE_TOKEN_MFA with the authenticator
    /// app's code, as the next of the connection's own users whose code of the current step is still unused.
    MfaSignIn {
        client_id: String,
        password: String,
        cycle: UserCycle,
    },
    /// A sign-in or refresh on a triggers-group pool, whose access token must carry the PreTokenGeneration
    /// function's claim and scope exactly when the pool has the trigger (see `triggers::TokenJob`).
    Token(crate::triggers::TokenJob),
    /// GET `path` (the gateway scenario), with the next of `tokens` in `Authorization` as API Gateway reads it (the
    /// bare token), none when `tokens` is empty. With `want_sub`, an answer counts only when the upstream saw the
    /// token's `sub` claim, so it went through the authorizer.
    Get {
        path: String,
        tokens: std::sync::Arc<[String]>,
        next: usize,
        want_sub: bool,
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
            // The open loop's requests take the tokens in turn.
            Job::Get { next, .. } => *next = seed as usize,
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
                let body = password_auth_body(client_id, &user, password);
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
            } => classify(
                conn.call("InitiateAuth", &refresh_body(client_id, refresh_token), false)
                    .await,
            ),
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
            Job::CredentialsForIdentity {
                identity_id,
                logins_key,
                id_token,
            } => {
                let mut logins = serde_json::Map::new();
                logins.insert(logins_key.clone(), Value::String(id_token.clone()));
                let body = json!({"IdentityId": identity_id, "Logins": logins});
                let reply = conn
                    .call_identity("GetCredentialsForIdentity", &body, false)
                    .await;
                if let Ok(r) = &reply {
                    // An answer without credentials did not do the work being measured.
                    if r.status == 200 && r.str_at(&["Credentials", "SessionToken"]).is_none() {
                        return Outcome::Failed("no credentials in the answer".into());
                    }
                }
                classify(reply)
            }
            Job::SignUp {
                client_id,
                prefix,
                n,
                password,
            } => {
                let user = next_name(prefix, n);
                let body = json!({
                    "ClientId": client_id,
                    "Username": user,
                    "Password": password,
                    "UserAttributes": [{"Name": "email", "Value": bench_email(&user)}],
                });
                classify(conn.call("SignUp", &body, false).await)
            }
            Job::AdminCreate {
                pool_id,
                prefix,
                n,
                password,
            } => {
                let body = admin_create_user_body(pool_id, &next_name(prefix, n), password);
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
            Job::MfaSignIn {
                client_id,
                password,
                cycle,
            } => cycle.step(conn, client_id, password).await,
            Job::Token(job) => job.step(conn).await,
            Job::Get {
                path,
                tokens,
                next,
                want_sub,
            } => {
                let token = (!tokens.is_empty()).then(|| tokens[*next % tokens.len()].as_str());
                *next = next.wrapping_add(1);
                let headers: Vec<(&str, &str)> = token.map(|t| ("authorization", t)).into_iter().collect();
                let reply = conn.get(path, &headers).await;
                if let Ok(r) = &reply {
                    if r.status == 200 && *want_sub && r.body.get("sub").and_then(Value::as_str).is_none() {
                        return Outcome::Failed("no sub claim reached the upstream".into());
                    }
                }
                classify(reply)
            }
        }
    }
}

/// InitiateAuth USER_PASSWORD_AUTH of `user`.
pub fn password_auth_body(client_id: &str, user: &str, password: &str) -> Value {
    json!({
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": client_id,
        "AuthParameters": {"USERNAME": user, "PASSWORD": password},
    })
}

/// InitiateAuth REFRESH_TOKEN_AUTH with `refresh_token`.
pub fn refresh_body(client_id: &str, refresh_token: &str) -> Value {
    json!({
        "AuthFlow": "REFRESH_TOKEN_AUTH",
        "ClientId": client_id,
        "AuthParameters": {"REFRESH_TOKEN": refresh_token},
    })
}

/// The next of a worker's fresh usernames, `<prefix><n>`.
fn next_name(prefix: &str, n: &mut u64) -> String {
    *n += 1;
    format!("{prefix}{n}")
}

fn bench_email(user: &str) -> String {
    format!("{user}@bench.example")
}

/// AdminCreateUser of `user` with a verified email and `password` as its temporary password, sending no message:
/// the benchmark's one way of creating a user by API (the AdminCreate scenario, and seeding the peers).
pub fn admin_create_user_body(pool_id: &str, user: &str, password: &str) -> Value {
    json!({
        "UserPoolId": pool_id,
        "Username": user,
        "TemporaryPassword": password,
        "MessageAction": "SUPPRESS",
        "UserAttributes": [
            {"Name": "email", "Value": bench_email(user)},
            {"Name": "email_verified", "Value": "true"},
        ],
    })
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
