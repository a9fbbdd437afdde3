//! Fixed-window request counters: at most so many requests per key in each
//! window, for requests that are legitimate one by one but harmful by the
//! hundred (starting browser sign-ins). Memory stays bounded: keys whose
//! window has passed are dropped as the map grows.

use crate::clock::UnixMillis;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// Keys kept before stale ones are swept.
const SWEEP_AT: usize = 10_000;

/// Counts requests per key per window.
#[derive(Debug)]
pub struct WindowLimiter {
    limit: u32,
    window_ms: i64,
    counts: Mutex<HashMap<String, (UnixMillis, u32)>>,
}

impl WindowLimiter {
    /// At most `limit` requests per key in each window of `window_ms`.
    pub fn new(limit: u32, window_ms: i64) -> Self {
        Self {
            limit,
            window_ms,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a request for `key`; `Err(seconds to wait)` when the key's
    /// window is full (the refused request is not counted).
    pub fn hit(&self, key: &str, now: UnixMillis) -> Result<(), i64> {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if counts.len() >= SWEEP_AT {
            let window = self.window_ms;
            counts.retain(|_, (start, _)| now - *start < window);
        }
        let entry = counts.entry(key.to_string()).or_insert((now, 0));
        if now - entry.0 >= self.window_ms {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            let wait_ms = entry.0 + self.window_ms - now;
            return Err((wait_ms + 999).div_euclid(1000).max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_window_refuses_until_it_passes() {
        let limiter = WindowLimiter::new(2, 60_000);
        assert_eq!(limiter.hit("a", 0), Ok(()));
        assert_eq!(limiter.hit("a", 1_000), Ok(()));
        assert_eq!(limiter.hit("a", 2_000), Err(58));
        assert_eq!(limiter.hit("b", 2_000), Ok(()), "keys are counted apart");
        assert_eq!(limiter.hit("a", 60_000), Ok(()), "a new window");
    }

    #[test]
    fn stale_keys_are_swept() {
        let limiter = WindowLimiter::new(1, 1_000);
        for i in 0..SWEEP_AT {
            limiter.hit(&i.to_string(), 0).expect("fresh key");
        }
        limiter.hit("late", 5_000).expect("fresh key");
        assert_eq!(limiter.counts.lock().expect("lock").len(), 1);
    }
}
