//! The TOTP-MFA sign-in (issue 16): a pool with software-token MFA, users enrolled through the API the way an app
//! enrolls them, the authenticator app's side (RFC 6238: HMAC-SHA-1, six digits, 30-second steps) and the two
//! round trips of one sign-in.
//!
//! A code is accepted once per user: its time step must be later than the user's last accepted one, so a user can
//! complete about one MFA sign-in per 30 s. Each connection therefore cycles through users of its own, and a user
//! is only signed in again once a new step has come (`TotpUser::last_step`).

use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::hmac;
use serde_json::json;

use crate::http::{Conn, Endpoint, Reply};
use crate::jobs::{classify, password_auth_body, Outcome};
use crate::scenarios::Fixture;
use crate::servers::LatchkeyCmd;
use crate::setup::{self, PASSWORD};

const STEP_SECONDS: i64 = 30;

/// A user enrolled with an authenticator app: the raw secret (decoded SecretCode) and the last time step whose code
/// the server accepted (VerifySoftwareToken's at enrollment).
#[derive(Clone, Debug)]
pub struct TotpUser {
    pub name: String,
    pub secret: Vec<u8>,
    pub last_step: u64,
}

/// Seconds since the Unix epoch.
fn unix_now() -> f64 {
    let t = time::OffsetDateTime::now_utc();
    t.unix_timestamp() as f64 + f64::from(t.nanosecond()) / 1e9
}

/// The current TOTP time step.
pub fn current_step() -> u64 {
    (unix_now() / STEP_SECONDS as f64).floor().max(0.0) as u64
}

/// Sleeps until step `step` has begun (and a little more, so that the server's clock agrees).
pub async fn wait_for_step(step: u64) {
    let start = step as f64 * STEP_SECONDS as f64 + 0.05;
    let wait = start - unix_now();
    if wait > 0.0 {
        tokio::time::sleep(Duration::from_secs_f64(wait)).await;
    }
}

/// The six-digit code of `secret` for time step `step` (RFC 4226 dynamic truncation of HMAC-SHA-1).
pub fn code(secret: &[u8], step: u64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let mac = hmac::sign(&key, &step.to_be_bytes());
    let mac = mac.as_ref();
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    let word =
        u32::from_be_bytes([mac[offset], mac[offset + 1], mac[offset + 2], mac[offset + 3]]) & 0x7fff_ffff;
    format!("{:06}", word % 1_000_000)
}

/// RFC 4648 base32 (the SecretCode's alphabet), unpadded or padded, case-insensitive.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut acc, mut bits) = (0u64, 0u32);
    for c in text.bytes().filter(|&c| c != b'=') {
        let v = match c.to_ascii_uppercase() {
            c @ b'A'..=b'Z' => c - b'A',
            c @ b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        acc = (acc << 5) | u64::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn ok(op: &str, reply: Result<Reply, String>) -> Result<Reply, String> {
    match reply {
        Ok(r) if r.status == 200 => Ok(r),
        Ok(r) => Err(format!("{op} answered {}: {}", r.status, r.body)),
        Err(e) => Err(format!("{op} failed: {e}")),
    }
}

/// Enrolls `user` as an app would: a password sign-in, AssociateSoftwareToken and VerifySoftwareToken with the
/// access token, then SetUserMFAPreference (software token enabled and preferred).
async fn enroll(conn: &mut Conn, client_id: &str, user: &str) -> Result<TotpUser, String> {
    let (access, _, _) = setup::sign_in(conn, client_id, user).await?;
    let r = ok(
        "AssociateSoftwareToken",
        conn.call("AssociateSoftwareToken", &json!({"AccessToken": access}), false)
            .await,
    )?;
    let secret = r
        .str_at(&["SecretCode"])
        .and_then(|s| base32_decode(&s))
        .ok_or_else(|| format!("AssociateSoftwareToken gave no SecretCode: {}", r.body))?;
    let step = current_step();
    let verify =
        json!({"AccessToken": access, "UserCode": code(&secret, step), "FriendlyDeviceName": "bench"});
    let r = ok(
        "VerifySoftwareToken",
        conn.call("VerifySoftwareToken", &verify, false).await,
    )?;
    if r.str_at(&["Status"]).as_deref() != Some("SUCCESS") {
        return Err(format!("VerifySoftwareToken of {user}: {}", r.body));
    }
    let pref = json!({
        "AccessToken": access,
        "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true},
    });
    ok(
        "SetUserMFAPreference",
        conn.call("SetUserMFAPreference", &pref, false).await,
    )?;
    Ok(TotpUser {
        name: user.to_string(),
        secret,
        last_step: step,
    })
}

/// A pool with MfaConfiguration OPTIONAL and software-token MFA, `users` users (`u<i>`, bulk-seeded, no SRP
/// verifiers) each enrolled with an authenticator app over `parallel` connections, and its app client. Returns
/// once every enrollment's step is over, so every user can sign in at once.
pub async fn pool(
    ep: &Arc<Endpoint>,
    cmd: &LatchkeyCmd,
    users: u64,
    parallel: u64,
) -> Result<Fixture, String> {
    let mut admin = Conn::new(ep.clone());
    let pool_id = setup::create_pool(&mut admin, "bench-mfa").await?;
    let config = json!({
        "UserPoolId": pool_id,
        "MfaConfiguration": "OPTIONAL",
        "SoftwareTokenMfaConfiguration": {"Enabled": true},
    });
    ok(
        "SetUserPoolMfaConfig",
        admin.call("SetUserPoolMfaConfig", &config, true).await,
    )?;
    let client_id = setup::create_client(&mut admin, &pool_id).await?;
    cmd.seed(&pool_id, users, PASSWORD, 0)?;
    let mut handles = Vec::new();
    for w in 0..parallel {
        let (ep, client_id) = (ep.clone(), client_id.clone());
        handles.push(tokio::spawn(async move {
            let mut conn = Conn::new(ep);
            let mut got = Vec::new();
            let mut i = w;
            while i < users {
                got.push(enroll(&mut conn, &client_id, &format!("u{i}")).await?);
                i += parallel;
            }
            Ok::<_, String>(got)
        }));
    }
    let mut enrolled = Vec::with_capacity(users as usize);
    for h in handles {
        enrolled.extend(h.await.map_err(|e| e.to_string())??);
    }
    enrolled.sort_by_key(|u| u.name[1..].parse::<u64>().unwrap_or(u64::MAX));
    if let Some(last) = enrolled.iter().map(|u| u.last_step).max() {
        wait_for_step(last + 1).await;
    }
    let mut fixture = Fixture::new(pool_id, client_id, users, "lk");
    fixture.totp_users = enrolled;
    Ok(fixture)
}

/// One MFA sign-in of `user` with the code of `step`: InitiateAuth USER_PASSWORD_AUTH, which must answer the
/// SOFTWARE_TOKEN_MFA challenge, then RespondToAuthChallenge with the code, which must answer tokens.
pub async fn sign_in(
    conn: &mut Conn,
    client_id: &str,
    password: &str,
    user: &TotpUser,
    step: u64,
) -> Outcome {
    let body = password_auth_body(client_id, &user.name, password);
    let reply = match conn.call("InitiateAuth", &body, false).await {
        Ok(r) if r.status == 200 => r,
        other => return classify(other),
    };
    let (Some("SOFTWARE_TOKEN_MFA"), Some(session)) = (
        reply.str_at(&["ChallengeName"]).as_deref(),
        reply.str_at(&["Session"]),
    ) else {
        return Outcome::Failed("no SOFTWARE_TOKEN_MFA challenge".into());
    };
    let body = json!({
        "ChallengeName": "SOFTWARE_TOKEN_MFA",
        "ClientId": client_id,
        "Session": session,
        "ChallengeResponses": {"USERNAME": user.name, "SOFTWARE_TOKEN_MFA_CODE": code(&user.secret, step)},
    });
    let reply = conn.call("RespondToAuthChallenge", &body, false).await;
    if let Ok(r) = &reply {
        if r.status == 200 && r.str_at(&["AuthenticationResult", "AccessToken"]).is_none() {
            return Outcome::Failed("no tokens after the MFA code".into());
        }
    }
    classify(reply)
}

/// The users one connection signs in, in turn, and where it is in them.
#[derive(Clone)]
pub struct UserCycle {
    users: Vec<TotpUser>,
    next: usize,
}

impl UserCycle {
    pub fn new(users: Vec<TotpUser>) -> UserCycle {
        UserCycle { users, next: 0 }
    }

    /// The next user (in turn) whose last accepted step is before `step`, marked as using it.
    fn take(&mut self, step: u64) -> Option<&TotpUser> {
        let n = self.users.len();
        let i = (0..n)
            .map(|k| (self.next + k) % n)
            .find(|&i| self.users[i].last_step < step)?;
        self.next = (i + 1) % n;
        let user = &mut self.users[i];
        // Marked whatever the answer: a code that was refused is not tried again in the same step.
        user.last_step = step;
        Some(user)
    }

    /// One MFA sign-in of the next free user. When every user of this connection has used the current step (too
    /// few users for the rate), it waits for the next step and counts a failure, so the shortage shows in the row.
    pub async fn step(&mut self, conn: &mut Conn, client_id: &str, password: &str) -> Outcome {
        let step = current_step();
        match self.take(step) {
            Some(user) => sign_in(conn, client_id, password, user, step).await,
            None => {
                wait_for_step(step + 1).await;
                Outcome::Failed("every user of the connection had used this TOTP step".into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1: the eight-digit codes' last six digits.
    #[test]
    fn rfc_6238_sha1_vectors() {
        let secret = b"12345678901234567890";
        assert_eq!(code(secret, 59 / 30), "287082");
        assert_eq!(code(secret, 1_111_111_109 / 30), "081804");
        assert_eq!(code(secret, 1_111_111_111 / 30), "050471");
        assert_eq!(code(secret, 1_234_567_890 / 30), "005924");
        assert_eq!(code(secret, 2_000_000_000 / 30), "279037");
    }

    #[test]
    fn base32_round_trips_rfc_4648_vectors() {
        assert_eq!(base32_decode("MZXW6YTBOI======").unwrap(), b"foobar");
        assert_eq!(base32_decode("mzxw6ytb").unwrap(), b"fooba");
        assert_eq!(
            base32_decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap(),
            b"12345678901234567890"
        );
        assert_eq!(base32_decode("MZ1"), None);
    }

    #[test]
    fn a_user_signs_in_once_per_step() {
        let user = |i: u64| TotpUser {
            name: format!("u{i}"),
            secret: vec![],
            last_step: 9,
        };
        let mut cycle = UserCycle::new(vec![user(0), user(1)]);
        assert!(cycle.take(9).is_none());
        assert_eq!(cycle.take(10).map(|u| u.name.clone()).as_deref(), Some("u0"));
        assert_eq!(cycle.take(10).map(|u| u.name.clone()).as_deref(), Some("u1"));
        assert!(cycle.take(10).is_none());
        assert_eq!(cycle.take(11).map(|u| u.name.clone()).as_deref(), Some("u0"));
    }
}
