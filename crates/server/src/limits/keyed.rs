//! Keyed token buckets whose memory stays bounded: governor's GCRA (one "theoretical arrival time" per key) kept
//! in a sharded map that never holds more than a fixed number of keys, so a flood of made-up keys (spoofed
//! addresses, invented client ids) cannot grow the process.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};
use std::num::NonZeroU32;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use governor::clock::{Clock, MonotonicClock};
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::StateStore;
use governor::{Quota, RateLimiter};

/// A sustained rate with the burst a fresh bucket allows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub per_second: f64,
    pub burst: u32,
}

impl Rate {
    /// governor's quota: one request every 1/rate seconds, `burst` at once. `None` for a rate that is not a
    /// positive number or a burst of zero (the settings parser refuses both, so this is a wiring mistake).
    pub fn quota(&self) -> Option<Quota> {
        if !(self.per_second.is_finite() && self.per_second > 0.0) {
            return None;
        }
        let period = Duration::try_from_secs_f64(1.0 / self.per_second).ok()?;
        Some(Quota::with_period(period)?.allow_burst(NonZeroU32::new(self.burst)?))
    }
}

const SHARDS: usize = 16;

/// The state store: each key's theoretical arrival time (nanoseconds since the limiter started) in one of
/// `SHARDS` mutex-guarded maps. A shard that is full drops the half of its keys with the earliest arrival times
/// before admitting a new one: those are the buckets closest to full, so forgetting them (a missing key is a
/// full bucket) only ever gives back a little of what they had already spent, while a key that is flooding has a
/// late arrival time and is kept. Dropping half at once keeps the cost per new key constant on average.
pub struct BoundedStore<K> {
    shards: Vec<Mutex<HashMap<K, u64>>>,
    per_shard: usize,
    hasher: RandomState,
}

impl<K: Hash + Eq + Clone> BoundedStore<K> {
    pub fn new(capacity: usize) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            per_shard: capacity.div_ceil(SHARDS).max(2),
            hasher: RandomState::new(),
        }
    }

    fn shard(&self, key: &K) -> &Mutex<HashMap<K, u64>> {
        let i = (self.hasher.hash_one(key) as usize) % self.shards.len();
        &self.shards[i]
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).len())
            .sum()
    }
}

fn evict_earliest_half<K: Hash + Eq>(map: &mut HashMap<K, u64>) {
    let mut arrivals: Vec<u64> = map.values().copied().collect();
    let middle = arrivals.len() / 2;
    let (_, median, _) = arrivals.select_nth_unstable(middle);
    let median = *median;
    map.retain(|_, arrival| *arrival > median);
}

impl<K: Hash + Eq + Clone> StateStore for BoundedStore<K> {
    type Key = K;

    fn measure_and_replace<T, F, E>(&self, key: &K, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        // The decision is a few integer operations, so it is made under the shard's lock rather than with
        // governor's compare-and-swap loop.
        let mut map = self.shard(key).lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(arrival) = map.get_mut(key) {
            let (outcome, next) = f(Some(Nanos::from(*arrival)))?;
            *arrival = next.as_u64();
            return Ok(outcome);
        }
        let (outcome, next) = f(None)?;
        if map.len() >= self.per_shard {
            evict_earliest_half(&mut map);
        }
        map.insert(key.clone(), next.as_u64());
        Ok(outcome)
    }
}

/// One limit applied per key: `check` spends a token of the key's bucket or says how long until one is back.
pub struct KeyedLimiter<K: Hash + Eq + Clone, C: Clock = MonotonicClock> {
    inner: RateLimiter<K, BoundedStore<K>, C, NoOpMiddleware<C::Instant>>,
}

impl<K: Hash + Eq + Clone> KeyedLimiter<K, MonotonicClock> {
    /// `None` when `rate` is not a usable rate.
    pub fn new(rate: Rate, capacity: usize) -> Option<Self> {
        Self::with_clock(rate, capacity, MonotonicClock)
    }
}

impl<K: Hash + Eq + Clone, C: Clock> KeyedLimiter<K, C> {
    pub fn with_clock(rate: Rate, capacity: usize, clock: C) -> Option<Self> {
        Some(Self {
            inner: RateLimiter::new(rate.quota()?, BoundedStore::new(capacity), clock),
        })
    }

    /// `Err(wait)` when the key's bucket is empty; `wait` is how long until the next request would be allowed.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        self.inner
            .check_key(key)
            .map_err(|not_until| not_until.wait_time_from(self.inner.clock().now()))
    }
}

/// The whole-node limiter behind the optional Cognito quotas.
pub struct DirectLimiter<C: Clock = MonotonicClock> {
    inner:
        RateLimiter<governor::state::NotKeyed, governor::state::InMemoryState, C, NoOpMiddleware<C::Instant>>,
}

impl<C: Clock> DirectLimiter<C> {
    pub fn with_clock(rate: Rate, clock: C) -> Option<Self> {
        Some(Self {
            inner: RateLimiter::direct_with_clock(rate.quota()?, clock),
        })
    }

    pub fn check(&self) -> Result<(), Duration> {
        self.inner
            .check()
            .map_err(|not_until| not_until.wait_time_from(self.inner.clock().now()))
    }
}

/// Whole seconds to wait, rounded up, for a `Retry-After` header.
pub fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs();
    if wait.subsec_nanos() > 0 || secs == 0 {
        secs + 1
    } else {
        secs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

    fn limiter(
        per_second: f64,
        burst: u32,
        capacity: usize,
    ) -> (KeyedLimiter<u32, FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        let l = KeyedLimiter::with_clock(Rate { per_second, burst }, capacity, clock.clone()).unwrap();
        (l, clock)
    }

    #[test]
    fn a_bucket_allows_its_burst_then_refills_at_the_rate() {
        let (l, clock) = limiter(2.0, 3, 100);
        for _ in 0..3 {
            assert!(l.check(&1).is_ok());
        }
        let wait = l.check(&1).unwrap_err();
        assert_eq!(wait, Duration::from_millis(500), "one token every 1/2 s");
        assert!(l.check(&2).is_ok(), "other keys have their own bucket");
        clock.advance(Duration::from_millis(500));
        assert!(l.check(&1).is_ok());
        assert!(l.check(&1).is_err());
        clock.advance(Duration::from_secs(10));
        for _ in 0..3 {
            assert!(l.check(&1).is_ok(), "refilled to the burst, not beyond");
        }
        assert!(l.check(&1).is_err());
    }

    #[test]
    fn a_flood_of_new_keys_stays_within_capacity_and_keeps_the_flooder_limited() {
        let (l, clock) = limiter(1.0, 5, 1024);
        // The flooder spends its burst and more: its bucket is in debt.
        for _ in 0..5 {
            assert!(l.check(&0).is_ok());
        }
        assert!(l.check(&0).is_err());
        // 200,000 made-up keys, each used once, with time passing (0.2 s in all, short of the flooder's refill).
        for k in 1..200_000u32 {
            assert!(l.check(&k).is_ok(), "a new key has a full bucket");
            if k % 1000 == 0 {
                clock.advance(Duration::from_millis(1));
                assert!(
                    l.check(&0).is_err(),
                    "the flooder stays refused while the table churns"
                );
            }
        }
        let len = l.inner.into_state_store().len();
        assert!(len <= 1024 + SHARDS, "{len} keys kept for a capacity of 1024");
    }

    #[test]
    fn eviction_keeps_the_keys_in_debt() {
        // One shard's worth of keys with increasing arrival times (a later time: deeper in debt).
        let mut map = HashMap::new();
        for k in 0..8u32 {
            map.insert(k, u64::from(k) * 10);
        }
        evict_earliest_half(&mut map);
        let mut kept: Vec<u32> = map.keys().copied().collect();
        kept.sort_unstable();
        assert_eq!(
            kept,
            vec![5, 6, 7],
            "the latest arrival times (most in debt) survive"
        );
    }

    #[test]
    fn unusable_rates_are_refused() {
        assert!(Rate {
            per_second: 0.0,
            burst: 1
        }
        .quota()
        .is_none());
        assert!(Rate {
            per_second: f64::NAN,
            burst: 1
        }
        .quota()
        .is_none());
        assert!(Rate {
            per_second: 1.0,
            burst: 0
        }
        .quota()
        .is_none());
        assert!(Rate {
            per_second: 0.5,
            burst: 1
        }
        .quota()
        .is_some());
    }

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1500)), 2);
        assert_eq!(retry_after_secs(Duration::from_secs(3)), 3);
    }
}
