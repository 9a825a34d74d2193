//! The hosted-UI cookies: the sign-in session (sealed with the master key, HttpOnly, SameSite=Lax, one hour, so a
//! second authorize within the hour skips the form) and the CSRF cookie whose keyed hash every form must carry.

use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use latchkey_core::time::Timestamp;
use latchkey_core::Latchkey;
use serde::{Deserialize, Serialize};

pub const SESSION_COOKIE: &str = "cognito";
pub const CSRF_COOKIE: &str = "XSRF-TOKEN";
const SESSION_PURPOSE: &str = "hosted-ui-session";
const CSRF_PURPOSE: &str = "hosted-ui-csrf";
pub const SESSION_SECONDS: i64 = 3600;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    /// Identifies this sign-in so /logout can end it for good, even if the cookie was copied.
    #[serde(default)]
    pub sid: String,
    pub pool_id: String,
    pub username: String,
    pub auth_time: Timestamp,
    pub expires: Timestamp,
}

fn secure(lk: &Latchkey) -> bool {
    lk.settings.public_url.starts_with("https://")
}

fn cookie(lk: &Latchkey, name: &'static str, value: String, max_age: i64) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure(lk))
        .max_age(time::Duration::seconds(max_age))
        .build()
}

pub fn start_session(
    lk: &Latchkey,
    jar: CookieJar,
    pool_id: &str,
    username: &str,
    auth_time: Timestamp,
) -> CookieJar {
    let s = Session {
        sid: latchkey_core::ids::new_uuid(lk.rng.as_ref()),
        pool_id: pool_id.into(),
        username: username.into(),
        auth_time,
        expires: lk.clock.now().plus_seconds(SESSION_SECONDS),
    };
    let sealed = lk.secrets.master_key.seal(
        lk.rng.as_ref(),
        SESSION_PURPOSE,
        &serde_json::to_vec(&s).unwrap_or_default(),
    );
    jar.add(cookie(lk, SESSION_COOKIE, sealed, SESSION_SECONDS))
}

fn open_session(lk: &Latchkey, jar: &CookieJar) -> Option<Session> {
    let raw = jar.get(SESSION_COOKIE)?.value().to_string();
    serde_json::from_slice(&lk.secrets.master_key.open(SESSION_PURPOSE, &raw)?).ok()
}

fn ended_key(sid: &str) -> String {
    format!("hosted-ui-session-ended:{sid}")
}

/// The live session for `pool_id`, if the browser has one that has not been signed out.
pub async fn session(lk: &Latchkey, jar: &CookieJar, pool_id: &str) -> Option<Session> {
    let s = open_session(lk, jar)?;
    if s.pool_id != pool_id || s.expires <= lk.clock.now() {
        return None;
    }
    // Counting on a marker that does not exist starts it at 1, expiring at once, so it stays absent.
    let now = lk.clock.now();
    match lk.store.increment_counter(&ended_key(&s.sid), now, now).await {
        Ok(1) => Some(s),
        _ => None,
    }
}

/// Clears the cookie and records the session as ended until it would have expired.
pub async fn end_session(lk: &Latchkey, jar: CookieJar) -> CookieJar {
    if let Some(s) = open_session(lk, &jar) {
        let now = lk.clock.now();
        if s.expires > now {
            if let Err(e) = lk
                .store
                .increment_counter(&ended_key(&s.sid), now, s.expires)
                .await
            {
                tracing::error!(error = %e, "recording a sign-out failed");
            }
        }
    }
    jar.remove(Cookie::build(SESSION_COOKIE).path("/"))
}

/// The CSRF token for forms, setting the CSRF cookie when the browser has none.
pub fn csrf(lk: &Latchkey, jar: CookieJar) -> (CookieJar, String) {
    let (jar, value) = match jar
        .get(CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() >= 32)
    {
        Some(v) => (jar, v),
        None => {
            let v = latchkey_core::ids::random_string(
                lk.rng.as_ref(),
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                43,
            );
            (jar.add(cookie(lk, CSRF_COOKIE, v.clone(), 86_400)), v)
        }
    };
    let token = lk.secrets.master_key.keyed_hash(CSRF_PURPOSE, &value);
    (jar, token)
}

/// Whether a submitted form's token matches the browser's CSRF cookie.
pub fn csrf_ok(lk: &Latchkey, jar: &CookieJar, token: &str) -> bool {
    jar.get(CSRF_COOKIE).is_some_and(|c| {
        lk.secrets
            .master_key
            .verify_keyed_hash(CSRF_PURPOSE, c.value(), token)
    })
}
