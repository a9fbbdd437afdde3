//! Growing delays after failed attempts (sign-in passwords, TOTP codes).
//!
//! Each key (an account, a source address) may fail a few times for free;
//! after that every further failure doubles the time the key must wait
//! before it may try again, up to a ceiling. A success clears the key;
//! a quiet period forgets it. Memory stays bounded: entries are pruned
//! when the table grows past its limit.
//!
//! An attempt is reserved with [`RateLimiter::begin`] *before* the slow
//! check (password hashing) and counts as a failure from that moment, so
//! attempts made at the same time see each other: many at once cost no
//! more than the same number one after the other. Only a few attempts per
//! key may be checked at once; the others are refused straight away.

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
    /// Most attempts of one key being checked at the same time.
    pub max_in_flight: u32,
}

impl Policy {
    /// For one account: 5 free failures, then 1 s doubling to 15 min.
    pub const ACCOUNT: Policy = Policy {
        free_failures: 5,
        base_delay_ms: 1_000,
        max_delay_ms: 15 * 60 * 1_000,
        forget_after_ms: 60 * 60 * 1_000,
        max_keys: 100_000,
        max_in_flight: 2,
    };
    /// For one source address (many people may share one NAT): 20 free
    /// failures, and more attempts checked at once.
    pub const SOURCE: Policy = Policy {
        free_failures: 20,
        max_in_flight: 16,
        ..Policy::ACCOUNT
    };

    /// The delay after `failures` failures, in ms (0 while they are free).
    fn delay_after(self, failures: u32) -> i64 {
        let over = failures.saturating_sub(self.free_failures);
        if over == 0 {
            return 0;
        }
        let doublings = (over - 1).min(30);
        self.base_delay_ms
            .saturating_mul(1i64 << doublings)
            .min(self.max_delay_ms)
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last_failure: UnixMillis,
    blocked_until: UnixMillis,
    in_flight: u32,
}

impl Entry {
    fn new(now: UnixMillis) -> Self {
        Self {
            failures: 0,
            last_failure: now,
            blocked_until: 0,
            in_flight: 0,
        }
    }
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

/// Why [`RateLimiter::begin`] refused an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The key failed too often; it waits out its delay.
    Delayed(RetryAfter),
    /// Other attempts of the key are being checked right now.
    Busy(RetryAfter),
}

impl Refusal {
    /// How long to wait.
    pub fn retry_after(self) -> RetryAfter {
        match self {
            Refusal::Delayed(r) | Refusal::Busy(r) => r,
        }
    }
}

/// How long a key refused as busy is told to wait, in ms.
const BUSY_RETRY_MS: i64 = 1_000;

/// What became of a reserved attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// It failed (also when it was abandoned): the reservation stays counted.
    Failed,
    /// It succeeded: the key's failures are forgotten.
    Succeeded,
    /// It was neither (refused elsewhere, or only half done): not counted.
    Refunded,
}

/// An attempt reserved with [`RateLimiter::begin`]. It counts as a failure
/// unless [`Attempt::succeeded`] or [`Attempt::refund`] says otherwise;
/// dropping it (also when the request is abandoned) leaves it counted.
#[derive(Debug)]
#[must_use = "an attempt counts as a failure unless settled"]
pub struct Attempt<'a> {
    limiter: &'a RateLimiter,
    key: String,
    outcome: Outcome,
}

impl Attempt<'_> {
    /// The attempt failed (the same as dropping it).
    pub fn failed(self) {}

    /// The attempt succeeded: the key's failures are forgotten.
    pub fn succeeded(mut self) {
        self.outcome = Outcome::Succeeded;
    }

    /// The attempt does not count (it was refused elsewhere, or it proved
    /// only part of what is needed): its reservation is given back.
    pub fn refund(mut self) {
        self.outcome = Outcome::Refunded;
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        self.limiter.finish(&self.key, self.outcome);
    }
}

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

    /// Makes room in a full table: forgets quiet keys, then (if still full)
    /// the half that failed longest ago. Keys being checked are kept.
    fn prune(policy: Policy, entries: &mut HashMap<String, Entry>, now: UnixMillis) {
        if entries.len() < policy.max_keys {
            return;
        }
        entries.retain(|_, e| {
            now - e.last_failure < policy.forget_after_ms
                || e.blocked_until > now
                || e.in_flight > 0
        });
        if entries.len() >= policy.max_keys {
            let mut ages: Vec<UnixMillis> = entries.values().map(|e| e.last_failure).collect();
            ages.sort_unstable();
            let cutoff = ages[ages.len() / 2];
            entries.retain(|_, e| e.last_failure > cutoff || e.in_flight > 0);
        }
    }

    /// Counts one failure of `entry` at `now`; returns the delay it now has.
    fn count_failure(policy: Policy, entry: &mut Entry, now: UnixMillis) -> i64 {
        if now - entry.last_failure >= policy.forget_after_ms {
            entry.failures = 0;
        }
        entry.failures = entry.failures.saturating_add(1);
        entry.last_failure = now;
        let delay = policy.delay_after(entry.failures);
        entry.blocked_until = now + delay;
        delay
    }

    /// Records a failure of `key` and returns the delay it now has to wait (0 if none).
    pub fn record_failure(&self, key: &str, now: UnixMillis) -> i64 {
        let policy = self.policy;
        let mut entries = self.lock();
        Self::prune(policy, &mut entries, now);
        let entry = entries
            .entry(key.to_string())
            .or_insert_with(|| Entry::new(now));
        Self::count_failure(policy, entry, now)
    }

    /// Forgets the failures of `key` (after a success).
    pub fn record_success(&self, key: &str) {
        let mut entries = self.lock();
        if let Some(entry) = entries.get_mut(key) {
            if entry.in_flight > 0 {
                entry.failures = 0;
                entry.blocked_until = 0;
            } else {
                entries.remove(key);
            }
        }
    }

    /// Reserves an attempt of `key` before it is checked: refused while the
    /// key waits out a delay or while `max_in_flight` of its attempts are
    /// being checked; otherwise counted as a failure at once (see [`Attempt`]).
    pub fn begin(&self, key: &str, now: UnixMillis) -> Result<Attempt<'_>, Refusal> {
        let policy = self.policy;
        let mut entries = self.lock();
        Self::prune(policy, &mut entries, now);
        let entry = entries
            .entry(key.to_string())
            .or_insert_with(|| Entry::new(now));
        if entry.blocked_until > now {
            return Err(Refusal::Delayed(RetryAfter(entry.blocked_until - now)));
        }
        if entry.in_flight >= policy.max_in_flight {
            return Err(Refusal::Busy(RetryAfter(BUSY_RETRY_MS)));
        }
        Self::count_failure(policy, entry, now);
        entry.in_flight += 1;
        Ok(Attempt {
            limiter: self,
            key: key.to_string(),
            outcome: Outcome::Failed,
        })
    }

    fn finish(&self, key: &str, outcome: Outcome) {
        let policy = self.policy;
        let mut entries = self.lock();
        let Some(entry) = entries.get_mut(key) else {
            return;
        };
        entry.in_flight = entry.in_flight.saturating_sub(1);
        match outcome {
            Outcome::Failed => {}
            Outcome::Succeeded => {
                entry.failures = 0;
                entry.blocked_until = 0;
            }
            Outcome::Refunded => {
                entry.failures = entry.failures.saturating_sub(1);
                // A refund shortens the delay to what the other failures
                // earned; it never lengthens one.
                let earned = match policy.delay_after(entry.failures) {
                    0 => 0,
                    delay => entry.last_failure + delay,
                };
                entry.blocked_until = entry.blocked_until.min(earned);
            }
        }
        if entry.failures == 0 && entry.in_flight == 0 {
            entries.remove(key);
        }
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
        max_in_flight: 2,
    };

    #[test]
    fn attempts_at_once_see_each_other_and_only_a_few_run() {
        let rl = RateLimiter::new(TEST);
        let first = rl.begin("k", 0).expect("first");
        let second = rl.begin("k", 0).expect("second");
        assert_eq!(
            rl.begin("k", 0).map(|_| ()),
            Err(Refusal::Busy(RetryAfter(1_000))),
            "a third attempt at once is refused before it is checked"
        );
        first.failed();
        second.failed();
        let third = rl.begin("k", 0).expect("third (the last free one)");
        let fourth = rl.begin("k", 0).expect("fourth starts the delay");
        assert_eq!(
            rl.begin("k", 0).map(|_| ()),
            Err(Refusal::Delayed(RetryAfter(1_000))),
            "the fourth reservation already counts, before it is checked"
        );
        drop(third);
        fourth.succeeded();
        assert_eq!(rl.check("k", 0), Ok(()), "a success forgives");
        assert_eq!(rl.tracked_keys(), 0);
    }

    #[test]
    fn an_abandoned_attempt_still_counts_and_a_refund_does_not() {
        let rl = RateLimiter::new(TEST);
        for _ in 0..3 {
            drop(rl.begin("k", 0).expect("free"));
        }
        rl.begin("k", 0).expect("fourth").refund();
        assert_eq!(rl.check("k", 0), Ok(()), "refunded: still 3 failures");
        drop(rl.begin("k", 0).expect("fourth again"));
        assert_eq!(rl.check("k", 0), Err(RetryAfter(1_000)));
        rl.begin("fresh", 0).expect("fresh").refund();
        assert_eq!(rl.tracked_keys(), 1, "a refunded fresh key is forgotten");
    }

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
