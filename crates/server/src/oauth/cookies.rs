//! The hosted-UI cookies: their names and attributes (HttpOnly, SameSite=Lax, Secure behind https). What they hold
//! — the sealed sign-in session, the CSRF secret, the sealed sign-up marker — comes from core, which owns the
//! master key; this module only moves it in and out of the browser.

use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use latchkey_core::oauth::hosted::{Authenticated, SESSION_SECONDS, SIGN_UP_MARKER_SECONDS};
use latchkey_core::pools::UserPool;
use latchkey_core::Latchkey;

const SESSION_COOKIE: &str = "cognito";
const CSRF_COOKIE: &str = "XSRF-TOKEN";
const CSRF_SECONDS: i64 = 86_400;
const SIGN_UP_COOKIE: &str = "latchkey-signup";

fn cookie(lk: &Latchkey, name: &'static str, value: String, max_age: i64) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(lk.settings().public_url.starts_with("https://"))
        .max_age(time::Duration::seconds(max_age))
        .build()
}

fn value<'a>(jar: &'a CookieJar, name: &str) -> Option<&'a str> {
    jar.get(name).map(|c| c.value())
}

/// Starts (or renews) the browser's session in `pool_id` for a signed-in user.
pub fn start_session(lk: &Latchkey, jar: CookieJar, pool_id: &str, signed_in: &Authenticated) -> CookieJar {
    let sealed = lk.seal_hosted_session(pool_id, signed_in);
    jar.add(cookie(lk, SESSION_COOKIE, sealed, SESSION_SECONDS))
}

/// The user the browser's live session signs in to `pool`, if any.
pub async fn session_user(lk: &Latchkey, jar: &CookieJar, pool: &UserPool) -> Option<Authenticated> {
    lk.hosted_session_user(pool, value(jar, SESSION_COOKIE)?).await
}

/// Clears the session cookie and ends the session for good.
pub async fn end_session(lk: &Latchkey, jar: CookieJar) -> CookieJar {
    if let Some(sealed) = value(&jar, SESSION_COOKIE) {
        if let Err(e) = lk.end_hosted_session(sealed).await {
            tracing::error!(error = %e.detail().escape_debug(), "recording a sign-out failed");
        }
    }
    jar.remove(Cookie::build(SESSION_COOKIE).path("/"))
}

/// The CSRF token for a page's forms, setting the CSRF cookie when the browser has none.
pub fn csrf(lk: &Latchkey, jar: CookieJar) -> (CookieJar, String) {
    let csrf = lk.hosted_csrf_token(value(&jar, CSRF_COOKIE));
    let jar = match csrf.new_secret {
        Some(secret) => jar.add(cookie(lk, CSRF_COOKIE, secret, CSRF_SECONDS)),
        None => jar,
    };
    (jar, csrf.token)
}

/// Whether a submitted form's token matches the browser's CSRF cookie.
pub fn csrf_ok(lk: &Latchkey, jar: &CookieJar, token: &str) -> bool {
    value(jar, CSRF_COOKIE).is_some_and(|secret| lk.hosted_csrf_matches(secret, token))
}

/// Keeps the marker core gave for a sign-up from this browser.
pub fn keep_sign_up_marker(lk: &Latchkey, jar: CookieJar, marker: String) -> CookieJar {
    jar.add(cookie(lk, SIGN_UP_COOKIE, marker, SIGN_UP_MARKER_SECONDS))
}

pub fn sign_up_marker(jar: &CookieJar) -> Option<&str> {
    value(jar, SIGN_UP_COOKIE)
}

pub fn forget_sign_up_marker(jar: CookieJar) -> CookieJar {
    jar.remove(Cookie::build(SIGN_UP_COOKIE).path("/"))
}
