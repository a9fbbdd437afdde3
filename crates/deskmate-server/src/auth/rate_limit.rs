//! Growing delays after failed attempts (sign-in passwords, TOTP codes).
//!
//! Each key (an account, a source address) may fail a few times for free;
//! after that every further failure doubles the time the key must wait
//! before it may try again, up to a ceiling. A success clears the key;
//! a quiet period forgets it. Memory stays bounded: entries are pruned
//! when the table grows past its limit.

use crate::clock::UnixMillis;
use std::collections::HashMap;
use std::sync::Mutex;

/// How strict a limiter is.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Failures allowed before delays start.
    pub free_failures: u32,
    /// Delay after the first failure beyond the free ones, in ms.
    pub base_delay_ms: i64,
    /// Longest delay, in ms.
    pub max_delay_ms: i64,
    /// A key with no failure for this long is forgotten, in ms.
    pub forget_after_ms: i64,
    /// Most keys tracked at once.
    pub max_keys: usize,
}

impl Policy {
    /// For one account: 5 free failures, then 1 s doubling to 15 min.
    pub const ACCOUNT: Policy = Policy {
        free_failures: 5,
        base_delay_ms: 1_000,
        max_delay_ms: 15 * 60 * 1_000,
        forget_after_ms: 60 * 60 * 1_000,
        max_keys: 100_000,
    };
    /// For one source address (many people may share one NAT): 20 free failures.
    pub const SOURCE: Policy = Policy {
        free_failures: 20,
        ..Policy::ACCOUNT
    };
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last_failure: UnixMillis,
    blocked_until: UnixMillis,
}

/// A table of keys and their failures.
#[derive(Debug)]
pub struct RateLimiter {
    policy: Policy,
    entries: Mutex<HashMap<String, Entry>>,
}

/// A refusal: try again after this many milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub i64);

impl RetryAfter {
    /// Whole seconds, rounded up, for a `Retry-After` header.
    pub fn seconds(self) -> i64 {
        (self.0 + 999) / 1_000
    }
}

impl RateLimiter {
    /// An empty limiter.
    pub fn new(policy: Policy) -> Self {
        Self {
            policy,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether `key` may try now.
    pub fn check(&self, key: &str, now: UnixMillis) -> Result<(), RetryAfter> {
        match self.lock().get(key) {
            Some(entry) if entry.blocked_until > now => Err(RetryAfter(entry.blocked_until - now)),
            _ => Ok(()),
        }
    }

    /// Records a failure of `key` and returns the delay it now has to wait (0 if none).
    pub fn record_failure(&self, key: &str, now: UnixMillis) -> i64 {
        let policy = self.policy;
        let mut entries = self.lock();
        if entries.len() >= policy.max_keys {
            entries.retain(|_, e| {
                now - e.last_failure < policy.forget_after_ms || e.blocked_until > now
            });
            if entries.len() >= policy.max_keys {
                // Still full: forget the keys that failed longest ago.
                let mut ages: Vec<UnixMillis> = entries.values().map(|e| e.last_failure).collect();
                ages.sort_unstable();
                let cutoff = ages[ages.len() / 2];
                entries.retain(|_, e| e.last_failure > cutoff);
            }
        }
        let entry = entries.entry(key.to_string()).or_insert(Entry {
            failures: 0,
            last_failure: now,
            blocked_until: 0,
        });
        if now - entry.last_failure >= policy.forget_after_ms {
            entry.failures = 0;
        }
        entry.failures = entry.failures.saturating_add(1);
        entry.last_failure = now;
        let over = entry.failures.saturating_sub(policy.free_failures);
        let delay = if over == 0 {
            0
        } else {
            let doublings = (over - 1).min(30);
            policy
                .base_delay_ms
                .saturating_mul(1i64 << doublings)
                .min(policy.max_delay_ms)
        };
        entry.blocked_until = now + delay;
        delay
    }

    /// Forgets the failures of `key` (after a success).
    pub fn record_success(&self, key: &str) {
        self.lock().remove(key);
    }

    /// How many keys are tracked (for metrics and tests).
    pub fn tracked_keys(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEST: Policy = Policy {
        free_failures: 3,
        base_delay_ms: 1_000,
        max_delay_ms: 8_000,
        forget_after_ms: 60_000,
        max_keys: 4,
    };

    #[test]
    fn delays_start_after_free_failures_and_double_to_the_ceiling() {
        let rl = RateLimiter::new(TEST);
        let delays: Vec<i64> = (0..7).map(|_| rl.record_failure("k", 0)).collect();
        assert_eq!(delays, [0, 0, 0, 1_000, 2_000, 4_000, 8_000]);
        assert_eq!(rl.record_failure("k", 0), 8_000, "capped");
        assert_eq!(rl.check("k", 7_999), Err(RetryAfter(1)));
        assert_eq!(rl.check("k", 8_000), Ok(()));
        assert_eq!(rl.check("other", 0), Ok(()), "keys are independent");
    }

    #[test]
    fn success_and_quiet_periods_forgive() {
        let rl = RateLimiter::new(TEST);
        for _ in 0..5 {
            rl.record_failure("k", 0);
        }
        rl.record_success("k");
        assert_eq!(rl.check("k", 0), Ok(()));
        for _ in 0..4 {
            rl.record_failure("q", 0);
        }
        assert_eq!(
            rl.record_failure("q", 120_000),
            0,
            "forgotten after a quiet hour"
        );
    }

    #[test]
    fn table_stays_bounded() {
        let rl = RateLimiter::new(TEST);
        for i in 0..100 {
            rl.record_failure(&format!("key{i}"), i * 100_000);
        }
        assert!(rl.tracked_keys() <= TEST.max_keys, "{}", rl.tracked_keys());
    }

    #[test]
    fn retry_after_rounds_up_to_seconds() {
        assert_eq!(RetryAfter(1).seconds(), 1);
        assert_eq!(RetryAfter(1_000).seconds(), 1);
        assert_eq!(RetryAfter(1_001).seconds(), 2);
    }
}
