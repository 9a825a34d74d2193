//! Cognito's lockout after failed sign-ins: from the fifth consecutive failure the user is locked for 2^(n−5)
//! seconds (1 s, 2 s, 4 s, ... at most 15 minutes). Attempts during a lockout are refused without counting or
//! extending it, and the count starts again after 15 quiet minutes.
//!
//! The state lives in one store counter per sign-in name (`lockout_key`), not in the user's record: its value counts
//! the failures and it expires fifteen quiet minutes after the last one, so the store's sliding increment is the
//! whole bookkeeping of a failure. Real users and phantoms (`crate::phantom`) are kept exactly alike, so a failure
//! costs the same work whether the user exists or not; and a wrong password no longer rewrites the user's record.

use crate::time::Timestamp;

pub const FAILURES_BEFORE_LOCK: u32 = 5;
pub const MAX_LOCK_SECONDS: i64 = 15 * 60;
pub const QUIET_RESET_SECONDS: i64 = 15 * 60;

/// The counter holding a user's lockout state.
pub fn lockout_key(pool_id: &str, username: &str) -> String {
    format!("lockout:{pool_id}:{username}")
}

/// The counter holding a phantom's lockout state (`phantom` is its keyed name, see `Latchkey::phantom_key`).
pub fn phantom_lockout_key(phantom: &str) -> String {
    format!("lockout:phantom:{phantom}")
}

/// The lockout view of a sign-in name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LockState {
    pub failures: u32,
    pub last_failure: Option<Timestamp>,
    pub locked_until: Option<Timestamp>,
}

impl LockState {
    /// The state a lockout counter holds: `failures` failures, the last at `expires` − 15 min. No counter (or an
    /// expired one) is `LockState::default()`.
    pub fn from_counter(failures: u64, expires: Timestamp) -> Self {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// What the store's sliding counter holds after a failure at `now` (the model the store conformance suite
    /// pins for `increment_counter_sliding`).
    fn fail(counter: Option<(u64, Timestamp)>, now: Timestamp) -> Option<(u64, Timestamp)> {
        let n = match counter {
            Some((n, expires)) if expires > now => n + 1,
            _ => 1,
        };
        Some((n, now.plus_seconds(QUIET_RESET_SECONDS)))
    }

    fn state(counter: Option<(u64, Timestamp)>, now: Timestamp) -> LockState {
        match counter {
            Some((n, expires)) if expires > now => LockState::from_counter(n, expires),
            _ => LockState::default(),
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
        let mut c = None;
        let mut now = Timestamp(1_000_000);
        for _ in 0..4 {
            c = fail(c, now);
            assert!(!state(c, now).is_locked(now));
            now = now.plus_seconds(1);
        }
        c = fail(c, now); // fifth
        assert!(state(c, now).is_locked(now));
        assert!(!state(c, now.plus_seconds(1)).is_locked(now.plus_seconds(1)));
        let later = now.plus_seconds(1);
        c = fail(c, later); // sixth: 2 s
        assert_eq!(state(c, later).locked_until, Some(later.plus_seconds(2)));
        // Fifteen quiet minutes later the count starts over.
        let quiet = later.plus_seconds(QUIET_RESET_SECONDS);
        assert_eq!(state(c, quiet), LockState::default());
        c = fail(c, quiet);
        assert_eq!(state(c, quiet).failures, 1);
        assert!(!state(c, quiet).is_locked(quiet));
    }

    #[test]
    fn attempts_left_counts_down_to_one_and_resets_after_quiet_minutes() {
        let mut c = None;
        let now = Timestamp(1_000_000);
        assert_eq!(state(c, now).attempts_left(now), 5);
        for expected in [4, 3, 2, 1, 1, 1] {
            c = fail(c, now);
            assert_eq!(state(c, now).attempts_left(now), expected);
        }
        let quiet = now.plus_seconds(QUIET_RESET_SECONDS);
        assert_eq!(state(c, quiet).attempts_left(quiet), 5);
    }
}
