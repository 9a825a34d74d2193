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

use super::lockout::{lockout_key, phantom_lockout_key, LockState, QUIET_RESET_SECONDS};
use super::outcome::incorrect;
use crate::error::{CognitoError, ErrorKind, Result};
use crate::pools::UserPool;
use crate::ports::Clock;
use crate::service::Latchkey;
use crate::store::Store;
use crate::time::Timestamp;
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

/// What a judged proof came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// It holds; `after_failures` when failures were counted before it.
    Holds {
        after_failures: bool,
    },
    Fails,
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
    /// once while locked, counted as a failure when it does not hold, clearing the failures when it does — unless
    /// a second factor is still to come, which must not get a fresh set of guesses from a right password. Returns
    /// the user as read for the attempt.
    pub(crate) async fn judge_attempt<F, Fut>(&self, pool: &UserPool, user: User, proof: F) -> Result<User>
    where
        F: FnOnce(&User) -> Fut,
        Fut: Future<Output = Result<bool>>,
    {
        let (user, verdict) = self.judge_proof(pool, user, proof).await?;
        match verdict {
            Verdict::Holds { after_failures } => {
                if after_failures && !self.second_factor_follows(pool, &user) {
                    self.clear_lockout(&pool.id, &user.username).await?;
                }
                Ok(user)
            }
            Verdict::Fails => Err(incorrect()),
        }
    }

    /// Judges one proof about `user` (a password, an SRP proof, an MFA code) under the lockout rules: refused
    /// while locked, a failure recorded when it does not hold. Clearing the failures after a proof that holds is
    /// the caller's decision.
    pub(crate) async fn judge_proof<F, Fut>(
        &self,
        pool: &UserPool,
        user: User,
        proof: F,
    ) -> Result<(User, Verdict)>
    where
        F: FnOnce(&User) -> Fut,
        Fut: Future<Output = Result<bool>>,
    {
        let lock_key = lockout_key(&pool.id, &user.username);
        let place_key = format!("sign-in-in-progress:{}:{}", pool.id, user.username);
        let (user, state, place) = self
            .reserve_place(place_key, &lock_key, || async {
                self.store
                    .get_user(&pool.id, &user.username)
                    .await?
                    .ok_or_else(incorrect)
            })
            .await?;
        let holds = proof(&user).await?;
        if !holds {
            self.record_failure(&lock_key).await?;
        }
        drop(place);
        let verdict = if holds {
            Verdict::Holds {
                after_failures: state.failures > 0,
            }
        } else {
            Verdict::Fails
        };
        Ok((user, verdict))
    }

    /// A sign-in attempt for a name with no user, when the client hides user existence: the same reads, place,
    /// lockout and writes as for a real user (so a burst, a sixth wrong password or the time taken read the same),
    /// the same `work` (a hash or an SRP computation), and always the generic failure.
    pub(crate) async fn judge_phantom_attempt<W>(&self, pool: &UserPool, name: &str, work: W) -> CognitoError
    where
        W: Future<Output = Result<()>>,
    {
        let phantom = self.phantom_key(pool, name);
        let lock_key = phantom_lockout_key(&phantom);
        let place_key = format!("sign-in-in-progress:phantom:{phantom}");
        let attempt = async {
            let ((), _, place) = self
                .reserve_place(place_key, &lock_key, || async {
                    // The read a real attempt makes of its user, answered "none" by the store.
                    let _ = self.store.get_user(&pool.id, &phantom).await?;
                    Ok(())
                })
                .await?;
            work.await?;
            self.record_failure(&lock_key).await?;
            drop(place);
            Ok::<_, CognitoError>(incorrect())
        };
        match attempt.await {
            Ok(e) | Err(e) => e,
        }
    }

    /// The lockout state kept under `lock_key` (see `lockout`).
    async fn lock_state(&self, lock_key: &str, now: Timestamp) -> Result<LockState> {
        Ok(match self.store.get_counter(lock_key, now).await? {
            Some((failures, expires)) => LockState::from_counter(failures, expires),
            None => LockState::default(),
        })
    }

    /// Counts a failed attempt: one more failure, and fifteen quiet minutes from now before they are forgotten.
    async fn record_failure(&self, lock_key: &str) -> Result<()> {
        let now = self.clock.now();
        self.store
            .increment_counter_sliding(lock_key, now, now.plus_seconds(QUIET_RESET_SECONDS))
            .await?;
        Ok(())
    }

    /// Forgets a user's failed sign-ins (a successful one, or a password set anew).
    pub(crate) async fn clear_lockout(&self, pool_id: &str, username: &str) -> Result<()> {
        // A counter that expires now is gone for every later read, and the purge deletes it.
        let now = self.clock.now();
        self.store
            .put_counter(&lockout_key(pool_id, username), 0, now)
            .await?;
        Ok(())
    }

    /// Takes a place among the attempts in progress under `place_key`, waiting while all are taken. The subject
    /// (`load`) and the lockout state are read after the place is taken: a failure is recorded before its place is
    /// given back, so that read includes every attempt no longer counted as in progress (reading before let a
    /// sixth slip in).
    async fn reserve_place<T, L, Fut>(
        &self,
        place_key: String,
        lock_key: &str,
        mut load: L,
    ) -> Result<(T, LockState, Place)>
    where
        L: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
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
            let subject = load().await?;
            let state = self.lock_state(lock_key, now).await?;
            if state.is_locked(now) {
                return Err(attempts_exceeded());
            }
            if taken <= u64::from(state.attempts_left(now)) {
                return Ok((subject, state, place));
            }
            drop(place);
            tokio::time::sleep(WAIT_STEP).await;
        }
        Err(too_many_in_progress())
    }
}
