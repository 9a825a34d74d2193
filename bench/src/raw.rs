//! The machine's raw limits, measured on one thread with the crates and parameters the server uses: Argon2id
//! verify at `HashingParams::default()`, RS256 sign and verify through `latchkey_core::tokens::jwt` (aws-lc-rs,
//! 2048-bit), the server's side of an SRP login through `latchkey_core::srp::math`, and an AES-256-GCM seal with
//! the master key (`latchkey_core::secrets::MasterKey::seal`, what sealed session tokens cost).

use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Block, Params, Version};
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use crypto_bigint::U256;
use latchkey_core::passwords::HashingParams;
use latchkey_core::ports::Rng;
use latchkey_core::secrets::MasterKey;
use latchkey_core::srp::math;
use latchkey_core::tokens::jwt;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::procfs;

/// Seconds per operation, on one core.
#[derive(Debug, Clone, Serialize)]
pub struct RawLimits {
    pub argon2_verify_s: f64,
    pub rs256_sign_s: f64,
    pub rs256_verify_s: f64,
    pub srp_server_s: f64,
    /// One AES-256-GCM seal with the master key of a temporary-credentials-sized plaintext (a fresh nonce from
    /// the system generator, the purpose's sub-key, base64).
    pub aes_gcm_seal_s: f64,
    /// The abuse limits' work for one limited request: the client address, then the address and client buckets.
    pub limit_check_s: f64,
    /// The glance at an InitiateAuth body for its ClientId and AuthFlow, before the buckets.
    pub limit_glance_s: f64,
    pub argon2: String,
}

impl RawLimits {
    /// Password sign-in ceiling per core: one Argon2id verify and two signatures.
    pub fn password_sign_in(&self) -> f64 {
        1.0 / (self.argon2_verify_s + 2.0 * self.rs256_sign_s)
    }
    /// Refresh ceiling per core: two signatures.
    pub fn refresh(&self) -> f64 {
        1.0 / (2.0 * self.rs256_sign_s)
    }
    /// client_credentials ceiling per core: one signature (the access token).
    pub fn client_credentials(&self) -> f64 {
        1.0 / self.rs256_sign_s
    }
    /// SRP sign-in ceiling per core: three modexps (plus hashing) and two signatures.
    pub fn srp_sign_in(&self) -> f64 {
        1.0 / (self.srp_server_s + 2.0 * self.rs256_sign_s)
    }
    /// GetUser ceiling per core: one signature verification.
    pub fn get_user(&self) -> f64 {
        1.0 / self.rs256_verify_s
    }
    /// GetCredentialsForIdentity ceiling per core: the ID token's signature verification and one seal (the
    /// temporary credentials' session token).
    pub fn credentials_for_identity(&self) -> f64 {
        1.0 / (self.rs256_verify_s + self.aes_gcm_seal_s)
    }
    /// The limit named `kind` (as rows name them).
    pub fn limit(&self, kind: &str) -> Option<f64> {
        Some(match kind {
            "password_sign_in" => self.password_sign_in(),
            "refresh" => self.refresh(),
            "srp_sign_in" => self.srp_sign_in(),
            "get_user" => self.get_user(),
            "create_user" => self.create_user(),
            "client_credentials" => self.client_credentials(),
            "credentials_for_identity" => self.credentials_for_identity(),
            _ => return None,
        })
    }

    /// The mean of two measurements (before and after the scenarios), per operation.
    pub fn mean(a: &RawLimits, b: &RawLimits) -> RawLimits {
        RawLimits {
            argon2_verify_s: (a.argon2_verify_s + b.argon2_verify_s) / 2.0,
            rs256_sign_s: (a.rs256_sign_s + b.rs256_sign_s) / 2.0,
            rs256_verify_s: (a.rs256_verify_s + b.rs256_verify_s) / 2.0,
            srp_server_s: (a.srp_server_s + b.srp_server_s) / 2.0,
            aes_gcm_seal_s: (a.aes_gcm_seal_s + b.aes_gcm_seal_s) / 2.0,
            limit_check_s: (a.limit_check_s + b.limit_check_s) / 2.0,
            limit_glance_s: (a.limit_glance_s + b.limit_glance_s) / 2.0,
            argon2: a.argon2.clone(),
        }
    }

    /// Sign-up / AdminCreateUser ceiling per core: one Argon2id hash (about a verify) and one SRP verifier.
    pub fn create_user(&self) -> f64 {
        1.0 / (self.argon2_verify_s + self.srp_server_s / 3.0)
    }
}

/// CPU seconds per call of `f` on this thread: three rounds of about `budget / 3` each (after one untimed
/// call), keeping the fastest. CPU time rather than wall time, because this machine is shared: the scenarios
/// are divided by the server's CPU seconds too, so both sides of each ratio count time on a core.
fn per_op(budget: Duration, mut f: impl FnMut() -> bool) -> Result<f64, String> {
    if !f() {
        return Err("the operation failed".into());
    }
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let start = Instant::now();
        let cpu0 = procfs::thread_cpu_seconds();
        let mut n = 0u64;
        while start.elapsed() < budget / 3 || n < 3 {
            if !f() {
                return Err("the operation failed".into());
            }
            n += 1;
        }
        let wall = start.elapsed().as_secs_f64();
        let seconds = match (cpu0, procfs::thread_cpu_seconds()) {
            // The thread's CPU time (see `thread_cpu_seconds`), when the round is long enough to trust it:
            // time spent waiting for a core on this shared machine is not the crypto's.
            (Some(a), Some(b)) if b - a >= 0.2 => b - a,
            _ => wall,
        };
        best = best.min(seconds / n as f64);
    }
    Ok(best)
}

/// One raw RS256 verification, as this file measures it: split and decode the token (`jwt::Unverified::parse`),
/// then check its signature with the public key (n, e) — what the server does for each access token, and the
/// limit a verifying library is compared with (`verify_bench`).
pub fn rs256_verify(token: &str, n: &[u8], e: &[u8]) -> bool {
    jwt::Unverified::parse(token).is_some_and(|t| t.verify(n, e))
}

fn sample_claims() -> Map<String, Value> {
    // About what an access token carries.
    let v = json!({
        "sub": "6f1c3c9e-0b7a-4d55-9a8e-2f1d3c4b5a69",
        "iss": "http://127.0.0.1:9229/us-east-1_AbCdEfGhI",
        "client_id": "1example23456789abcdefghij",
        "origin_jti": "0b3e4c4e-6a51-4c5e-8d0d-9e2c2f1c7a11",
        "event_id": "1c9f8a3e-5b1d-4e2f-9a7c-3d2b1a0f9e8d",
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": 1_800_000_000,
        "exp": 1_800_003_600,
        "iat": 1_800_000_000,
        "jti": "7d6c5b4a-3928-4f1e-8d7c-6b5a49382716",
        "username": "u123",
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

pub fn measure(budget: Duration) -> Result<RawLimits, String> {
    // Argon2id verify at the server's parameters.
    let p = HashingParams::default();
    let params = Params::new(p.memory_kib, p.iterations, p.parallelism, None)
        .map_err(|e| format!("argon2 params: {e}"))?;
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let salt = b"bench-salt-16byt";
    let mut expected = [0u8; 32];
    argon2
        .hash_password_into(b"Bench-Passw0rd!", salt, &mut expected)
        .map_err(|e| format!("hash: {e}"))?;
    // One verify = one Argon2id computation into working memory allocated once, as the server's hashing
    // workers keep theirs (`passwords::hasher`), plus the comparison.
    let mut memory = vec![Block::default(); params.block_count()];
    let argon2_verify_s = per_op(budget, || {
        let mut out = [0u8; 32];
        argon2
            .hash_password_into_with_memory(b"Bench-Passw0rd!", salt, &mut out, &mut memory)
            .is_ok()
            && out == expected
    })?;

    // RS256 through the server's JWT code.
    let key = KeyPair::generate(KeySize::Rsa2048).map_err(|_| "RSA key generation failed".to_string())?;
    let public = PublicKeyComponents::<Vec<u8>>::from(aws_lc_rs::signature::KeyPair::public_key(&key));
    let claims = sample_claims();
    let rs256_sign_s = per_op(budget, || jwt::encode("kid", &claims, &key).is_ok())?;
    let token = jwt::encode("kid", &claims, &key)?;
    let rs256_verify_s = per_op(budget, || rs256_verify(&token, &public.n, &public.e))?;

    // The server's side of one SRP login: B = k·v + g^b, then u, S = (A·v^u)^b, the key and the proof check.
    let salt = math::u3072_from_be(&[0x5a; 16]);
    let x = math::private_key(&salt, "AbCdEfGhI", "u1", "Bench-Passw0rd!");
    let v = math::verifier(&x);
    let a = U256::from_be_slice(&[0x11; 32]);
    let a_pub = math::client_public(&a);
    let mut seed = 1u8;
    let block = b"opaque-secret-block";
    let ts = "Tue Mar 5 07:04:09 UTC 2024";
    let srp_server_s = per_op(budget, || {
        seed = seed.wrapping_add(1);
        let b = U256::from_be_slice(&[seed | 1; 32]);
        let b_pub = math::server_public(&v, &b);
        // The signature a client would send (computed outside the server's work would be fairer, but the HMAC is
        // negligible next to the exponentiations; the modexps are all the server's).
        let sig = STANDARD.encode([0u8; 32]);
        math::check_claim(&v, &a_pub, &b_pub, &b, "AbCdEfGhI", "u1", block, ts, &sig).is_some()
    })?;
    let aes_gcm_seal_s = seal_cost(budget)?;
    let (limit_check_s, limit_glance_s) = limit_costs(budget)?;
    Ok(RawLimits {
        argon2_verify_s,
        rs256_sign_s,
        rs256_verify_s,
        srp_server_s,
        aes_gcm_seal_s,
        limit_check_s,
        limit_glance_s,
        argon2: format!(
            "Argon2id m={} KiB t={} p={}",
            p.memory_kib, p.iterations, p.parallelism
        ),
    })
}

/// The system's random generator, as the server draws its nonces from it.
struct SystemRng(aws_lc_rs::rand::SystemRandom);

impl Rng for SystemRng {
    fn fill(&self, buf: &mut [u8]) {
        use aws_lc_rs::rand::SecureRandom;
        // A failing OS generator would make every seal below equal; the measurement stays valid either way.
        let _ = self.0.fill(buf);
    }
}

/// One seal of what a session token of temporary credentials carries (identity, role, key id, secret, expiry),
/// with the master key.
fn seal_cost(budget: Duration) -> Result<f64, String> {
    let key = MasterKey::from_bytes([0x5c; 32]);
    let rng = SystemRng(aws_lc_rs::rand::SystemRandom::new());
    let plaintext = json!({
        "identity": "us-east-1:6f1c3c9e-0b7a-4d55-9a8e-2f1d3c4b5a69",
        "role": "arn:aws:iam::123456789012:role/cognito/app-authenticated",
        "key": "ASIAEXAMPLE0KEY0ID00",
        "secret": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "exp": 1_800_003_600,
    })
    .to_string();
    per_op(budget, || {
        !key.seal(&rng, "session-token", plaintext.as_bytes()).is_empty()
    })
}

/// What the rate limits add to one sign-in request (`latchkey_server::limits`, `aws::throttle`): the client
/// address from the peer, one token from its address's bucket and one from its app client's (10,240 addresses in
/// turn, so the table is as big as a busy node's; never refused), and the glance at the JSON body.
fn limit_costs(budget: Duration) -> Result<(f64, f64), String> {
    use latchkey_server::limits::{LimitSettings, Limits, Rate};
    let high = Some(Rate {
        per_second: 1e9,
        burst: 1_000_000_000,
    });
    let limits = Limits::new(LimitSettings {
        per_address: high,
        per_client: high,
        ..LimitSettings::default()
    })?;
    let headers = hyper::HeaderMap::new();
    let mut i = 0u32;
    let check = per_op(budget, || {
        i = i.wrapping_add(1) % 10_240;
        let peer = std::net::SocketAddr::from(([10, 0, (i >> 8) as u8, i as u8], 40_000));
        let addr = limits.client_addr(Some(peer), &headers);
        limits.admit(addr, Some("1example23456789abcdefghij")).is_ok()
    })?;
    let body = json!({
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": "1example23456789abcdefghij",
        "AuthParameters": {"USERNAME": "u123", "PASSWORD": "Bench-Passw0rd!"},
        "ClientMetadata": {},
    })
    .to_string();
    let glance = per_op(budget, || {
        latchkey_server::aws::throttle::Glance::parse(body.as_bytes()).is_some_and(|g| g.client_id.is_some())
    })?;
    Ok((check, glance))
}

/// `measure` on a blocking thread, printed as it is measured.
pub async fn measure_and_print(budget: Duration) -> Result<RawLimits, String> {
    let raw = tokio::task::spawn_blocking(move || measure(budget))
        .await
        .map_err(|e| e.to_string())??;
    eprintln!(
        "  per operation (CPU time, best of 3 rounds): Argon2id verify {:.2} ms, RS256 sign {:.0} µs, RS256 verify {:.1} µs, SRP server side {:.2} ms",
        raw.argon2_verify_s * 1e3,
        raw.rs256_sign_s * 1e6,
        raw.rs256_verify_s * 1e6,
        raw.srp_server_s * 1e3,
    );
    eprintln!(
        "  rate limits per limited request: address + client buckets {:.0} ns, body glance {:.0} ns",
        raw.limit_check_s * 1e9,
        raw.limit_glance_s * 1e9,
    );
    eprintln!(
        "  AES-256-GCM seal (master key) {:.2} µs",
        raw.aes_gcm_seal_s * 1e6
    );
    eprintln!(
        "  per-core ceilings: password sign-in {:.1}/s, refresh {:.0}/s, client_credentials {:.0}/s, SRP sign-in {:.0}/s, GetUser (verify) {:.0}/s, GetCredentialsForIdentity (verify + seal) {:.0}/s",
        raw.password_sign_in(),
        raw.refresh(),
        raw.client_credentials(),
        raw.srp_sign_in(),
        raw.get_user(),
        raw.credentials_for_identity()
    );
    Ok(raw)
}
