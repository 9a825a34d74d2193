//! What the hosted UI keeps in the browser, sealed or keyed with the master key: the sign-in session (so a second
//! authorize within the hour skips the form, until /logout ends it for good), the CSRF secret whose keyed hash
//! every form carries, and the sign-up marker that lets a browser continue after confirming the account it just
//! signed up. The server only moves these values in and out of cookies.

use serde::{Deserialize, Serialize};

use super::Authenticated;
use crate::error::Result;
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::time::Timestamp;
use crate::users::User;

const SESSION_PURPOSE: &str = "hosted-ui-session";
const CSRF_PURPOSE: &str = "hosted-ui-csrf";
const SIGN_UP_PURPOSE: &str = "hosted-ui-signup";
/// How long a hosted-UI session lasts.
pub const SESSION_SECONDS: i64 = 3600;
/// How long after signing up a browser may continue without typing the password again.
pub const SIGN_UP_MARKER_SECONDS: i64 = 15 * 60;
/// A CSRF secret shorter than this is not trusted; a new one replaces it.
const MIN_CSRF_SECRET_CHARS: usize = 32;
const CSRF_SECRET_CHARS: usize = 43;
const CSRF_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// The sealed content of the session cookie.
#[derive(Serialize, Deserialize)]
struct HostedSession {
    /// Identifies this sign-in so /logout can end it for good, even if the cookie was copied.
    #[serde(default)]
    sid: String,
    pool_id: String,
    username: String,
    auth_time: Timestamp,
    expires: Timestamp,
}

/// The sealed content of the sign-up marker cookie.
#[derive(Serialize, Deserialize)]
struct SignUpMarker {
    pool_id: String,
    username: String,
    expires: Timestamp,
}

/// The token a page's forms carry, and the new CSRF secret to set as the cookie when the browser had none.
pub struct CsrfToken {
    pub token: String,
    pub new_secret: Option<String>,
}

fn ended_key(sid: &str) -> String {
    format!("hosted-ui-session-ended:{sid}")
}

impl Latchkey {
    /// A new session for a signed-in user, sealed for the session cookie.
    pub fn seal_hosted_session(&self, pool_id: &str, signed_in: &Authenticated) -> String {
        let session = HostedSession {
            sid: crate::ids::new_uuid(self.rng.as_ref()),
            pool_id: pool_id.into(),
            username: signed_in.user.username.clone(),
            auth_time: signed_in.auth_time,
            expires: self.clock.now().plus_seconds(SESSION_SECONDS),
        };
        let json = serde_json::to_vec(&session).unwrap_or_default();
        self.secrets
            .master_key
            .seal(self.rng.as_ref(), SESSION_PURPOSE, &json)
    }

    fn open_hosted_session(&self, sealed: &str) -> Option<HostedSession> {
        serde_json::from_slice(&self.secrets.master_key.open(SESSION_PURPOSE, sealed)?).ok()
    }

    /// The user a browser's session cookie (`sealed`) signs in to `pool`, when the session is live (not expired,
    /// not signed out) and the user may still start a session.
    pub async fn hosted_session_user(&self, pool: &UserPool, sealed: &str) -> Option<Authenticated> {
        let session = self.open_hosted_session(sealed)?;
        if session.pool_id != pool.id || session.expires <= self.clock.now() {
            return None;
        }
        // Counting on a marker that does not exist starts it at 1, expiring at once, so it stays absent. Any other
        // answer (a sign-out, or a store that cannot tell) ends the session.
        let now = self.clock.now();
        let count = self
            .store
            .increment_counter(&ended_key(&session.sid), now, now)
            .await;
        if count.ok() != Some(1) {
            return None;
        }
        let user = self
            .store
            .get_user(&pool.id, &session.username)
            .await
            .ok()
            .flatten()
            .filter(User::may_start_session)?;
        Some(Authenticated {
            user,
            auth_time: session.auth_time,
        })
    }

    /// Records the session in the cookie `sealed` as ended until it would have expired, so a copy of the cookie
    /// signs nobody in.
    pub async fn end_hosted_session(&self, sealed: &str) -> Result<()> {
        let Some(session) = self.open_hosted_session(sealed) else {
            return Ok(());
        };
        let now = self.clock.now();
        if session.expires > now {
            self.store
                .increment_counter(&ended_key(&session.sid), now, session.expires)
                .await?;
        }
        Ok(())
    }

    /// The CSRF token for a page, from the browser's CSRF secret (its cookie); a new secret when it has none.
    pub fn hosted_csrf_token(&self, secret: Option<&str>) -> CsrfToken {
        let (secret, new_secret) = match secret.filter(|s| s.len() >= MIN_CSRF_SECRET_CHARS) {
            Some(s) => (s.to_string(), None),
            None => {
                let s = crate::ids::random_string(self.rng.as_ref(), CSRF_ALPHABET, CSRF_SECRET_CHARS);
                (s.clone(), Some(s))
            }
        };
        CsrfToken {
            token: self.secrets.master_key.keyed_hash(CSRF_PURPOSE, &secret),
            new_secret,
        }
    }

    /// Whether a submitted form's token belongs to the browser's CSRF secret.
    pub fn hosted_csrf_matches(&self, secret: &str, token: &str) -> bool {
        self.secrets
            .master_key
            .verify_keyed_hash(CSRF_PURPOSE, secret, token)
    }

    /// A marker that this browser just signed up as `username` (the internal username).
    pub(super) fn seal_sign_up_marker(&self, pool_id: &str, username: &str) -> String {
        let marker = SignUpMarker {
            pool_id: pool_id.into(),
            username: username.into(),
            expires: self.clock.now().plus_seconds(SIGN_UP_MARKER_SECONDS),
        };
        let json = serde_json::to_vec(&marker).unwrap_or_default();
        self.secrets
            .master_key
            .seal(self.rng.as_ref(), SIGN_UP_PURPOSE, &json)
    }

    /// The username a live sign-up marker for `pool_id` names.
    pub(super) fn signed_up_username(&self, pool_id: &str, sealed: &str) -> Option<String> {
        let plain = self.secrets.master_key.open(SIGN_UP_PURPOSE, sealed)?;
        serde_json::from_slice::<SignUpMarker>(&plain)
            .ok()
            .filter(|m| m.pool_id == pool_id && m.expires > self.clock.now())
            .map(|m| m.username)
    }
}
