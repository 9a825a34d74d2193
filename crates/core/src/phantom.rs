//! Phantoms: how a client that hides user existence (PreventUserExistenceErrors = ENABLED) answers for a name with
//! no user behind it, or for a user whose state would give them away (already confirmed, no verified address,
//! disabled). A phantom is answered exactly as a real user in the plainest state would be: it has a code waiting
//! after sign-up, gets one after ForgotPassword, runs into the same per-hour limits and code-attempt limits, and is
//! locked out after the same failed sign-ins — all kept as counters in the store under a keyed hash of the name, so
//! every node agrees and no typed name is stored. Only the messages themselves are never sent.

use serde_json::Value;

use crate::codes::{
    attempts_exceeded, expired, lifetime_seconds, mismatch, MAX_WRONG_ATTEMPTS, PURPOSE_FORGOT_PASSWORD,
    PURPOSE_SIGN_UP,
};
use crate::error::{CognitoError, Result};
use crate::mail::{delivery_details, Channel};
use crate::passwords::check_policy;
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::users::names::{fold, is_alias_attribute, is_username_attribute};

/// Cognito's per-user hourly limits on code operations, shared by real users and phantoms.
pub const FORGOT_PASSWORD_PER_HOUR: u64 = 10;
pub const CONFIRM_FORGOT_PASSWORD_PER_HOUR: u64 = 20;
pub const RESEND_PER_HOUR: u64 = 5;
pub const CONFIRM_SIGN_UP_PER_HOUR: u64 = 15;

/// How long a phantom is remembered to have "signed up" (so its lapsed code stays expired).
const SIGNED_UP_MEMORY_SECONDS: i64 = 365 * 24 * 3600;

/// Domain initials a simulated email address starts with, in rough proportion to where people's mail lives, so a
/// simulated destination does not stand out from real ones.
const DOMAIN_INITIALS: &[u8] = b"ggggggggyyhhooiaamcp";

impl Latchkey {
    /// The stable, keyed identity of a typed name in a pool: what phantom counters are stored under.
    pub(crate) fn phantom_key(&self, pool: &UserPool, name: &str) -> String {
        let h = self
            .secrets
            .master_key
            .keyed_hash("phantom", &format!("{}\n{}", pool.id, fold(pool, name)));
        h[..32].to_string()
    }

    /// The `CodeDeliveryDetails` a phantom gets: what a real user typing this name would plausibly see. A typed
    /// email or phone number is its own destination (as for a real user who signs in with it); otherwise the
    /// medium is the pool's first recovery or verification channel and the masked address is derived from the
    /// name, so it is stable for the name and differs between names.
    pub(crate) fn simulated_delivery(&self, pool: &UserPool, name: &str) -> Value {
        let seed = self.secrets.master_key.keyed_hash(
            "phantom-destination",
            &format!("{}\n{}", pool.id, fold(pool, name)),
        );
        let byte = |i: usize| u8::from_str_radix(&seed[2 * i..2 * i + 2], 16).unwrap_or(0);
        if name.starts_with('+') {
            return delivery_details(Channel::Sms, "phone_number", name);
        }
        if name.contains('@') {
            return delivery_details(Channel::Email, "email", name);
        }
        if prefers_sms(pool) {
            let digits: String = (0..10).map(|i| char::from(b'0' + byte(i) % 10)).collect();
            return delivery_details(Channel::Sms, "phone_number", &format!("+1{digits}"));
        }
        let local = char::from(b'a' + byte(10) % 26);
        let domain = char::from(DOMAIN_INITIALS[usize::from(byte(11)) % DOMAIN_INITIALS.len()]);
        delivery_details(Channel::Email, "email", &format!("{local}x@{domain}x.com"))
    }

    /// A phantom "receives" a code for `purpose`: its wrong-guess count starts again, as a real user's does with a
    /// new code.
    pub(crate) async fn issue_phantom_code(&self, phantom: &str, purpose: &str) -> Result<()> {
        let expires = self.clock.now().plus_seconds(lifetime_seconds(purpose));
        self.store
            .put_counter(&code_key(phantom, purpose), 0, expires)
            .await?;
        Ok(())
    }

    /// A guess at a phantom's code: never right, and answered as a real user's wrong guess is — a mismatch, then
    /// the attempt limit, then an expired code; an expired code too when none was ever "sent". With
    /// `waiting_after_sign_up`, a code is assumed to exist (a real unconfirmed user always has one).
    pub(crate) async fn consume_phantom_code(
        &self,
        phantom: &str,
        purpose: &str,
        waiting_after_sign_up: bool,
    ) -> CognitoError {
        match self
            .guess_phantom_code(phantom, purpose, waiting_after_sign_up)
            .await
        {
            Ok(refusal) | Err(refusal) => refusal,
        }
    }

    async fn guess_phantom_code(
        &self,
        phantom: &str,
        purpose: &str,
        waiting_after_sign_up: bool,
    ) -> Result<CognitoError> {
        let key = code_key(phantom, purpose);
        let now = self.clock.now();
        let expires = match self.store.get_counter(&key, now).await? {
            Some((_, expires)) => expires,
            // The first guess at a name "finds" the code its sign-up sent; once that code has lapsed (or was
            // burnt by wrong guesses), it stays expired until a resend, as a real user's does.
            None if waiting_after_sign_up => {
                let marker = format!("phantom-signed-up:{phantom}");
                if self.store.get_counter(&marker, now).await?.is_some() {
                    return Ok(expired());
                }
                let expires = now.plus_seconds(lifetime_seconds(purpose));
                self.store.put_counter(&key, 0, expires).await?;
                let remembered = now.plus_seconds(SIGNED_UP_MEMORY_SECONDS);
                self.store.put_counter(&marker, 1, remembered).await?;
                expires
            }
            None => return Ok(expired()),
        };
        let attempt = self.store.increment_counter(&key, now, expires).await?;
        Ok(match attempt {
            n if n > u64::from(MAX_WRONG_ATTEMPTS) => expired(),
            n if n == u64::from(MAX_WRONG_ATTEMPTS) => attempts_exceeded(),
            _ => mismatch(),
        })
    }

    /// The per-hour limits a phantom runs into, counted like a real user's (`limit_per_hour`).
    pub(crate) async fn limit_phantom_per_hour(
        &self,
        what: &str,
        pool: &UserPool,
        phantom: &str,
        per_hour: u64,
    ) -> Result<()> {
        self.limit_per_hour(what, &pool.id, &format!("phantom:{phantom}"), per_hour)
            .await
    }

    /// ForgotPassword for a phantom: the limit, a "code", and a simulated delivery.
    pub(crate) async fn phantom_forgot_password(&self, pool: &UserPool, name: &str) -> Result<Value> {
        let phantom = self.phantom_key(pool, name);
        self.limit_phantom_per_hour("ForgotPassword", pool, &phantom, FORGOT_PASSWORD_PER_HOUR)
            .await?;
        self.issue_phantom_code(&phantom, PURPOSE_FORGOT_PASSWORD).await?;
        Ok(self.simulated_delivery(pool, name))
    }

    /// ConfirmForgotPassword for a phantom: the limit and the policy check a real user meets, then a wrong code.
    pub(crate) async fn phantom_confirm_forgot_password(
        &self,
        pool: &UserPool,
        name: &str,
        password: &str,
    ) -> CognitoError {
        let phantom = self.phantom_key(pool, name);
        let checks = async {
            self.limit_phantom_per_hour(
                "ConfirmForgotPassword",
                pool,
                &phantom,
                CONFIRM_FORGOT_PASSWORD_PER_HOUR,
            )
            .await?;
            check_policy(&pool.policies.password_policy, password)
        };
        if let Err(e) = checks.await {
            return e;
        }
        self.consume_phantom_code(&phantom, PURPOSE_FORGOT_PASSWORD, false)
            .await
    }

    /// ResendConfirmationCode for a phantom: the limit, a new "code", and a simulated delivery.
    pub(crate) async fn phantom_resend_confirmation_code(
        &self,
        pool: &UserPool,
        name: &str,
    ) -> Result<Value> {
        let phantom = self.phantom_key(pool, name);
        self.limit_phantom_per_hour("ResendConfirmationCode", pool, &phantom, RESEND_PER_HOUR)
            .await?;
        self.issue_phantom_code(&phantom, PURPOSE_SIGN_UP).await?;
        Ok(self.simulated_delivery(pool, name))
    }

    /// ConfirmSignUp for a phantom: the limit, then a wrong guess at the code every unconfirmed user has.
    pub(crate) async fn phantom_confirm_sign_up(&self, pool: &UserPool, name: &str) -> CognitoError {
        let phantom = self.phantom_key(pool, name);
        if let Err(e) = self
            .limit_phantom_per_hour("ConfirmSignUp", pool, &phantom, CONFIRM_SIGN_UP_PER_HOUR)
            .await
        {
            return e;
        }
        // None in a pool that verifies nothing: sign-up sent no code there.
        let sign_up_sent_a_code = !pool.auto_verified_attributes.is_empty();
        self.consume_phantom_code(&phantom, PURPOSE_SIGN_UP, sign_up_sent_a_code)
            .await
    }

    /// What USER_SRP_AUTH answers as USER_ID_FOR_SRP for a name with no user: what a real user's would look like.
    /// Where the sign-in name is email or phone, internal usernames are UUIDs, so a UUID stable for the name; where
    /// people choose their usernames, the name itself (folded as the pool folds it). A typed alias (an email in a
    /// pool with email aliases) gets a UUID: the real username behind an alias cannot be guessed.
    pub(crate) fn simulated_user_id_for_srp(&self, pool: &UserPool, name: &str) -> String {
        let uuid_like = is_username_attribute(pool, "email")
            || is_username_attribute(pool, "phone_number")
            || (is_alias_attribute(pool, "email") && name.contains('@'))
            || (is_alias_attribute(pool, "phone_number") && name.starts_with('+'));
        if !uuid_like {
            return fold(pool, name);
        }
        let h = self.secrets.master_key.keyed_hash(
            "srp-simulated-user",
            &format!("{}\n{}", pool.id, fold(pool, name)),
        );
        format!(
            "{}-{}-4{}-a{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..32]
        )
    }
}

fn code_key(phantom: &str, purpose: &str) -> String {
    format!("phantom-code:{purpose}:{phantom}")
}

/// Whether codes in this pool go by SMS first: its account recovery lists the phone first, or it verifies phone
/// numbers and not email.
fn prefers_sms(pool: &UserPool) -> bool {
    let first_recovery = pool
        .account_recovery_setting
        .as_ref()
        .and_then(|s| s.get("RecoveryMechanisms"))
        .and_then(Value::as_array)
        .and_then(|mechs| {
            mechs
                .iter()
                .filter_map(|m| Some((m.get("Priority")?.as_i64()?, m.get("Name")?.as_str()?)))
                .min()
                .map(|(_, name)| name == "verified_phone_number")
        });
    first_recovery.unwrap_or_else(|| {
        pool.auto_verified_attributes.iter().any(|a| a == "phone_number")
            && !pool.auto_verified_attributes.iter().any(|a| a == "email")
    })
}
