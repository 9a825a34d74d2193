//! Judging a password or SRP proof under the lockout rules, with each attempt reserved before it is judged.
//!
//! Checking the lock, hashing, then recording a failure let a burst of parallel wrong passwords all be judged
//! before the first failure was written (34 of 34 in the security review). So an attempt first takes a place among
//! the attempts in progress for that user — a counter in the store, shared by every node — and only as many may be
//! in progress as failures are still allowed before the lock (`LockState::attempts_left`). The rest wait for those to
//! be recorded, then see the lock like any later attempt. A failure is recorded before its place is given back, so
//! whoever takes the place next reads the new count.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use super::lockout::{self, LockState};
use super::password::incorrect;
use crate::error::{CognitoError, ErrorKind, Result};
use crate::pools::UserPool;
use crate::ports::Clock;
use crate::service::Latchkey;
use crate::store::Store;
use crate::users::User;

/// Places left behind by a process that died mid-attempt free themselves after this long without new attempts.
const PLACE_TTL_SECONDS: i64 = 60;
/// How long an attempt waits for a place before giving up, in steps of `WAIT_STEP`.
const WAIT_STEP: Duration = Duration::from_millis(20);
const WAIT_STEPS: u32 = 500;

pub fn attempts_exceeded() -> CognitoError {
    CognitoError::new(ErrorKind::NotAuthorizedException, "Password attempts exceeded")
}

fn too_many_in_progress() -> CognitoError {
    CognitoError::new(
        ErrorKind::TooManyRequestsException,
        "Too many sign-in attempts for this user are in progress; retry shortly.",
    )
}

/// One reserved place, given back when dropped: after the attempt is recorded, or as soon as it ends early (an
/// error, a dropped request). The decrement runs as a task of its own, so a request cancelled at any await cannot
/// keep its place.
struct Place {
    key: String,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl Drop for Place {
    fn drop(&mut self) {
        let (key, store, now) = (
            std::mem::take(&mut self.key),
            self.store.clone(),
            self.clock.now(),
        );
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn(async move {
                    if let Err(e) = store.decrement_counter(&key, now).await {
                        tracing::warn!(error = %e, "could not give back a sign-in attempt place; it expires on its own");
                    }
                });
            }
            Err(_) => {
                tracing::warn!("no runtime to give back a sign-in attempt place; it expires on its own")
            }
        }
    }
}

impl Latchkey {
    /// Judges one proof of `user`'s password (`proof` answers whether it holds) under the lockout rules: refused at
    /// once while locked, counted as a failure when it does not hold, clearing the failures when it does. Returns
    /// the user as stored after the attempt.
    pub(crate) async fn judge_attempt<F, Fut>(&self, pool: &UserPool, user: User, proof: F) -> Result<User>
    where
        F: FnOnce(&User) -> Fut,
        Fut: Future<Output = Result<bool>>,
    {
        let place_key = format!("sign-in-in-progress:{}:{}", pool.id, user.username);
        let (user, place) = self
            .reserve_place(place_key, || async {
                let user = self
                    .store
                    .get_user(&pool.id, &user.username)
                    .await?
                    .ok_or_else(incorrect)?;
                let state = LockState::of(&user);
                Ok((user, state))
            })
            .await?;
        let holds = proof(&user).await?;
        let now = self.clock.now();
        let (user, ()) = if holds {
            if !(user.failed_sign_ins > 0 || user.locked_until.is_some()) {
                drop(place);
                return Ok(user);
            }
            self.mutate_user(pool, &user.username, |u| {
                lockout::record_success(u);
                Ok(())
            })
            .await?
        } else {
            self.mutate_user(pool, &user.username, |u| {
                if !lockout::is_locked(u, now) {
                    lockout::record_failure(u, now);
                }
                Ok(())
            })
            .await?
        };
        drop(place);
        if holds {
            Ok(user)
        } else {
            Err(incorrect())
        }
    }

    /// A sign-in attempt for a name with no user, when the client hides user existence: the same place-taking and
    /// lockout as for a real user (so a burst, or a sixth wrong password, reads the same), the same `work` (a hash
    /// or an SRP computation), and always the generic failure.
    pub(crate) async fn judge_phantom_attempt<W>(&self, pool: &UserPool, name: &str, work: W) -> CognitoError
    where
        W: Future<Output = Result<()>>,
    {
        let phantom = self.phantom_key(pool, name);
        let failures = Self::phantom_failures_key(&phantom);
        let place_key = format!("sign-in-in-progress:phantom:{phantom}");
        let reserved = self
            .reserve_place(place_key, || async {
                let state = match self.store.get_counter(&failures, self.clock.now()).await? {
                    Some((n, expires)) => LockState::from_sliding_counter(n, expires),
                    None => LockState::default(),
                };
                Ok(((), state))
            })
            .await;
        let ((), place) = match reserved {
            Ok(r) => r,
            Err(e) => return e,
        };
        if let Err(e) = work.await {
            return e;
        }
        if let Err(e) = self.record_phantom_failure(&phantom).await {
            return e;
        }
        drop(place);
        incorrect()
    }

    /// Takes a place among the attempts in progress under `place_key`, waiting while all are taken. The lockout
    /// state is loaded (`load`) after the place is taken: a failure is recorded before its place is given back, so
    /// that read includes every attempt no longer counted as in progress (reading before let a sixth slip in).
    async fn reserve_place<T, L, Fut>(&self, place_key: String, mut load: L) -> Result<(T, Place)>
    where
        L: FnMut() -> Fut,
        Fut: Future<Output = Result<(T, LockState)>>,
    {
        for _ in 0..WAIT_STEPS {
            let now = self.clock.now();
            // Sliding: the count lapses only after a quiet minute, never at a moment an attacker can time.
            let taken = self
                .store
                .increment_counter_sliding(&place_key, now, now.plus_seconds(PLACE_TTL_SECONDS))
                .await?;
            let place = Place {
                key: place_key.clone(),
                store: self.store.clone(),
                clock: self.clock.clone(),
            };
            let (subject, state) = load().await?;
            if state.is_locked(now) {
                drop(place);
                return Err(attempts_exceeded());
            }
            if taken <= u64::from(state.attempts_left(now)) {
                return Ok((subject, place));
            }
            drop(place);
            tokio::time::sleep(WAIT_STEP).await;
        }
        Err(too_many_in_progress())
    }
}
