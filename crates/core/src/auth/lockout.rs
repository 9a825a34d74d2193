//! Cognito's lockout after failed sign-ins: from the fifth consecutive failure the user is locked for 2^(n−5)
//! seconds (1 s, 2 s, 4 s, ... at most 15 minutes). Attempts during a lockout are refused without counting or
//! extending it, and the count starts again after 15 quiet minutes.

use crate::time::Timestamp;
use crate::users::User;

pub const FAILURES_BEFORE_LOCK: u32 = 5;
pub const MAX_LOCK_SECONDS: i64 = 15 * 60;
pub const QUIET_RESET_SECONDS: i64 = 15 * 60;

/// The lockout view of a sign-in name: a user's stored counters, or a phantom's (see `crate::phantom`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LockState {
    pub failures: u32,
    pub last_failure: Option<Timestamp>,
    pub locked_until: Option<Timestamp>,
}

impl LockState {
    pub fn of(user: &User) -> Self {
        Self {
            failures: user.failed_sign_ins,
            last_failure: user.last_failed_sign_in,
            locked_until: user.locked_until,
        }
    }

    /// A phantom's state, kept as a sliding counter: its value counts the failures and it expires fifteen quiet
    /// minutes after the last one, which therefore happened at `expires` − 15 min.
    pub fn from_sliding_counter(failures: u64, expires: Timestamp) -> Self {
        let failures = u32::try_from(failures).unwrap_or(u32::MAX);
        let last = expires.plus_seconds(-QUIET_RESET_SECONDS);
        let lock = lock_seconds(failures);
        Self {
            failures,
            last_failure: Some(last),
            locked_until: (lock > 0).then(|| last.plus_seconds(lock)),
        }
    }

    pub fn is_locked(&self, now: Timestamp) -> bool {
        self.locked_until.is_some_and(|until| until > now)
    }

    /// Failures that still count at `now`: none after fifteen quiet minutes.
    fn counted_failures(&self, now: Timestamp) -> u32 {
        let quiet = self
            .last_failure
            .is_none_or(|t| t.plus_seconds(QUIET_RESET_SECONDS) <= now);
        if quiet {
            0
        } else {
            self.failures
        }
    }

    /// How many attempts may be judged at once before the next lock could begin: what is left of the first five,
    /// then one at a time (every further failure locks again).
    pub fn attempts_left(&self, now: Timestamp) -> u32 {
        FAILURES_BEFORE_LOCK
            .saturating_sub(self.counted_failures(now))
            .max(1)
    }
}

pub fn is_locked(user: &User, now: Timestamp) -> bool {
    LockState::of(user).is_locked(now)
}

/// Lock length after the `failures`-th consecutive failure (0 below the threshold).
pub fn lock_seconds(failures: u32) -> i64 {
    if failures < FAILURES_BEFORE_LOCK {
        return 0;
    }
    let exp = failures - FAILURES_BEFORE_LOCK;
    if exp >= 10 {
        MAX_LOCK_SECONDS
    } else {
        (1i64 << exp).min(MAX_LOCK_SECONDS)
    }
}

pub fn record_failure(user: &mut User, now: Timestamp) {
    user.failed_sign_ins = LockState::of(user).counted_failures(now).saturating_add(1);
    user.last_failed_sign_in = Some(now);
    let lock = lock_seconds(user.failed_sign_ins);
    user.locked_until = (lock > 0).then(|| now.plus_seconds(lock));
}

/// Clears the failure count; returns whether anything changed (so a clean sign-in writes nothing).
pub fn record_success(user: &mut User) -> bool {
    let dirty =
        user.failed_sign_ins != 0 || user.locked_until.is_some() || user.last_failed_sign_in.is_some();
    user.failed_sign_ins = 0;
    user.last_failed_sign_in = None;
    user.locked_until = None;
    dirty
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn user() -> User {
        User {
            pool_id: "p".into(),
            username: "u".into(),
            sub: "s".into(),
            attributes: BTreeMap::new(),
            status: "CONFIRMED".into(),
            enabled: true,
            created: Timestamp(0),
            modified: Timestamp(0),
            password_hash: None,
            srp_salt: None,
            srp_verifier: None,
            temporary_password_expires: None,
            failed_sign_ins: 0,
            last_failed_sign_in: None,
            locked_until: None,
            tokens_valid_after: None,
            version: 1,
        }
    }

    #[test]
    fn schedule_doubles_from_the_fifth_failure_and_caps_at_fifteen_minutes() {
        assert_eq!((1..=4).map(lock_seconds).collect::<Vec<_>>(), vec![0, 0, 0, 0]);
        assert_eq!(
            (5..=9).map(lock_seconds).collect::<Vec<_>>(),
            vec![1, 2, 4, 8, 16]
        );
        assert_eq!(lock_seconds(14), 512);
        assert_eq!(lock_seconds(15), 900);
        assert_eq!(lock_seconds(40), 900);
    }

    #[test]
    fn failures_lock_with_a_fixed_clock_and_reset_after_quiet_minutes() {
        let mut u = user();
        let mut now = Timestamp(1_000_000);
        for _ in 0..4 {
            record_failure(&mut u, now);
            assert!(!is_locked(&u, now));
            now = now.plus_seconds(1);
        }
        record_failure(&mut u, now); // fifth
        assert!(is_locked(&u, now));
        assert!(!is_locked(&u, now.plus_seconds(1)));
        record_failure(&mut u, now.plus_seconds(1)); // sixth: 2 s
        assert_eq!(u.locked_until, Some(now.plus_seconds(3)));
        // Fifteen quiet minutes later the count starts over.
        let later = now.plus_seconds(1 + QUIET_RESET_SECONDS);
        record_failure(&mut u, later);
        assert_eq!(u.failed_sign_ins, 1);
        assert!(!is_locked(&u, later));
        assert!(record_success(&mut u));
        assert!(!record_success(&mut u));
    }

    #[test]
    fn attempts_left_counts_down_to_one_and_resets_after_quiet_minutes() {
        let mut u = user();
        let now = Timestamp(1_000_000);
        let left = |u: &User, at| LockState::of(u).attempts_left(at);
        assert_eq!(left(&u, now), 5);
        for expected in [4, 3, 2, 1, 1, 1] {
            record_failure(&mut u, now);
            assert_eq!(left(&u, now), expected);
        }
        assert_eq!(left(&u, now.plus_seconds(QUIET_RESET_SECONDS)), 5);
    }

    #[test]
    fn a_phantoms_sliding_counter_reads_as_the_same_lock_a_user_would_have() {
        let mut u = user();
        let mut now = Timestamp(5_000_000);
        for n in 1..=7u64 {
            record_failure(&mut u, now);
            let phantom = LockState::from_sliding_counter(n, now.plus_seconds(QUIET_RESET_SECONDS));
            assert_eq!(phantom, LockState::of(&u), "after {n} failures");
            now = now.plus_seconds(40);
        }
    }
}
