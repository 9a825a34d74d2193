//! A small per-node cache of values read from the store, for hot paths that may see a value a moment old:
//! signing keys (30 s), and pools and app clients (1 s). Each node drops an entry when it writes that
//! value itself; other nodes see the change when their entry expires.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::time::Timestamp;

pub struct TtlCache<V> {
    ttl_millis: i64,
    entries: Mutex<HashMap<String, (Timestamp, Arc<V>)>>,
}

impl<V> TtlCache<V> {
    pub fn new(ttl_millis: i64) -> Self {
        Self {
            ttl_millis,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The value stored for `key` less than the time-to-live before `now`.
    pub fn get(&self, key: &str, now: Timestamp) -> Option<Arc<V>> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(key)
            .filter(|(at, _)| at.millis() + self.ttl_millis > now.millis())
            .map(|(_, v)| v.clone())
    }

    pub fn put(&self, key: &str, now: Timestamp, value: Arc<V>) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        // Expired entries of deleted pools would otherwise stay forever: sweep them when the map grows.
        if entries.len() >= 1024 {
            let ttl = self.ttl_millis;
            entries.retain(|_, (at, _)| at.millis() + ttl > now.millis());
        }
        entries.insert(key.to_string(), (now, value));
    }

    /// The fresh cached value for `key`, or else what `load` reads (cached when it exists).
    pub async fn get_or_load<E, F>(&self, key: &str, now: Timestamp, load: F) -> Result<Option<Arc<V>>, E>
    where
        F: std::future::Future<Output = Result<Option<V>, E>>,
    {
        if let Some(value) = self.get(key, now) {
            return Ok(Some(value));
        }
        let Some(value) = load.await? else {
            return Ok(None);
        };
        let value = Arc::new(value);
        self.put(key, now, value.clone());
        Ok(Some(value))
    }

    pub fn forget(&self, key: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_can_be_forgotten() {
        let cache = TtlCache::new(1_000);
        let t = Timestamp::from_millis(10_000);
        cache.put("a", t, Arc::new(1));
        assert_eq!(
            cache.get("a", Timestamp::from_millis(10_999)).as_deref(),
            Some(&1)
        );
        assert_eq!(cache.get("a", Timestamp::from_millis(11_000)), None);
        cache.put("b", t, Arc::new(2));
        cache.forget("b");
        assert_eq!(cache.get("b", t), None);
        for i in 0..2000 {
            cache.put(
                &format!("k{i}"),
                Timestamp::from_millis(i64::from(i) * 10),
                Arc::new(i),
            );
        }
        let kept = cache.entries.lock().unwrap().len();
        assert!(kept < 1100, "expired entries are swept ({kept})");
    }
}
