//! Per-target health: a circuit breaker (cooldown after consecutive
//! failures, then a half-open probe) and recent latency for the latency
//! policy. Time comes from an injectable [`Clock`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// A source of time (inject [`ManualClock`] in tests).
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> Instant;
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A clock that only moves when told to.
///
/// ```
/// use requesty::router::{Clock, ManualClock};
/// let clock = ManualClock::new();
/// let t0 = clock.now();
/// clock.advance(std::time::Duration::from_secs(30));
/// assert_eq!(clock.now() - t0, std::time::Duration::from_secs(30));
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<Instant>>);

impl ManualClock {
    /// A clock stopped at the current instant.
    pub fn new() -> Self {
        ManualClock(Arc::new(Mutex::new(Instant::now())))
    }

    /// Moves the clock forward.
    pub fn advance(&self, d: Duration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *t += d;
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Circuit-breaker settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Breaker {
    /// Consecutive failures that open the circuit (0 disables the breaker).
    pub failures: u32,
    /// How long an open circuit skips the target before a probe.
    pub cooldown: Duration,
}

impl Default for Breaker {
    fn default() -> Self {
        Breaker {
            failures: 5,
            cooldown: Duration::from_secs(30),
        }
    }
}

/// A target's circuit state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Circuit {
    /// Healthy: use it.
    Closed,
    /// Cooling down: skip it.
    Open,
    /// Cooldown over: one probe request may go through.
    HalfOpen,
}

/// Request-size buckets for latency figures (by prompt characters).
pub(crate) const BUCKETS: usize = 4;

pub(crate) fn size_bucket(prompt_chars: usize) -> usize {
    match prompt_chars {
        0..=2_000 => 0,
        2_001..=20_000 => 1,
        20_001..=200_000 => 2,
        _ => 3,
    }
}

/// Weight of the newest observation in the moving averages.
const ALPHA: f64 = 0.3;

#[derive(Debug, Default, Clone)]
struct TargetHealth {
    consecutive_failures: u32,
    open_until: Option<Instant>,
    probing: bool,
    /// Moving average of time to first token, seconds, per size bucket.
    ttft: [Option<f64>; BUCKETS],
    /// Moving average of generated tokens per second, per size bucket.
    tps: [Option<f64>; BUCKETS],
}

fn ewma(old: Option<f64>, new: f64) -> Option<f64> {
    Some(match old {
        Some(o) => o + ALPHA * (new - o),
        None => new,
    })
}

/// Health of every target, shared by all requests of a router.
pub(crate) struct Health {
    clock: Arc<dyn Clock>,
    breaker: Breaker,
    targets: Mutex<HashMap<String, TargetHealth>>,
}

impl Health {
    pub(crate) fn new(clock: Arc<dyn Clock>, breaker: Breaker) -> Self {
        Health {
            clock,
            breaker,
            targets: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn now(&self) -> Instant {
        self.clock.now()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, TargetHealth>> {
        self.targets.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The circuit state of a target (without claiming the probe).
    pub(crate) fn circuit(&self, target: &str) -> Circuit {
        let now = self.now();
        match self.lock().get(target) {
            Some(h) => match h.open_until {
                Some(until) if now < until => Circuit::Open,
                Some(_) if h.probing => Circuit::Open,
                Some(_) => Circuit::HalfOpen,
                None => Circuit::Closed,
            },
            None => Circuit::Closed,
        }
    }

    /// Whether a request may use the target now; claims the half-open probe.
    pub(crate) fn admit(&self, target: &str) -> bool {
        let now = self.now();
        let mut map = self.lock();
        let Some(h) = map.get_mut(target) else {
            return true;
        };
        match h.open_until {
            None => true,
            Some(until) if now < until => false,
            Some(_) if h.probing => false,
            Some(_) => {
                h.probing = true;
                true
            }
        }
    }

    /// Records a success (closes the circuit) and its latency figures.
    pub(crate) fn success(&self, target: &str, ttft: Duration, bucket: usize) {
        let mut map = self.lock();
        let h = map.entry(target.to_owned()).or_default();
        h.consecutive_failures = 0;
        h.open_until = None;
        h.probing = false;
        let b = bucket.min(BUCKETS - 1);
        h.ttft[b] = ewma(h.ttft[b], ttft.as_secs_f64());
    }

    /// Records the generation speed of a finished stream.
    pub(crate) fn throughput(&self, target: &str, tokens_per_sec: f64, bucket: usize) {
        if !tokens_per_sec.is_finite() || tokens_per_sec <= 0.0 {
            return;
        }
        let mut map = self.lock();
        let h = map.entry(target.to_owned()).or_default();
        let b = bucket.min(BUCKETS - 1);
        h.tps[b] = ewma(h.tps[b], tokens_per_sec);
    }

    /// Records a failure; opens the circuit after enough in a row (or at once
    /// when a half-open probe fails). A failure also counts as a slow answer
    /// for the latency policy.
    pub(crate) fn failure(&self, target: &str, elapsed: Duration, bucket: usize) {
        let now = self.now();
        let mut map = self.lock();
        let h = map.entry(target.to_owned()).or_default();
        h.consecutive_failures = h.consecutive_failures.saturating_add(1);
        let was_probe = h.probing;
        h.probing = false;
        if self.breaker.failures > 0
            && (was_probe || h.consecutive_failures >= self.breaker.failures)
        {
            h.open_until = Some(now + self.breaker.cooldown);
        }
        let b = bucket.min(BUCKETS - 1);
        // Penalize: at least twice the current estimate, at least the time it took.
        let penalty = h.ttft[b].map_or(elapsed.as_secs_f64(), |t| {
            (t * 2.0).max(elapsed.as_secs_f64())
        });
        h.ttft[b] = ewma(h.ttft[b], penalty);
    }

    /// The latency score of a target (seconds to first token plus the time
    /// to generate 100 tokens; lower is better), `None` if never measured.
    pub(crate) fn latency_score(&self, target: &str, bucket: usize) -> Option<f64> {
        let map = self.lock();
        let h = map.get(target)?;
        let b = bucket.min(BUCKETS - 1);
        // Fall back to any bucket's figures when this one has none.
        let ttft = h.ttft[b].or_else(|| h.ttft.iter().flatten().next().copied())?;
        let tps = h.tps[b].or_else(|| h.tps.iter().flatten().next().copied());
        Some(ttft + tps.map_or(0.0, |t| 100.0 / t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn health(clock: &ManualClock) -> Health {
        Health::new(
            Arc::new(clock.clone()),
            Breaker {
                failures: 3,
                cooldown: Duration::from_secs(30),
            },
        )
    }

    #[test]
    fn the_circuit_opens_after_consecutive_failures_and_recovers_through_a_probe() {
        let clock = ManualClock::new();
        let h = health(&clock);
        let ms = Duration::from_millis(5);
        h.failure("a", ms, 0);
        h.failure("a", ms, 0);
        assert_eq!(h.circuit("a"), Circuit::Closed);
        h.success("a", ms, 0); // resets the count
        h.failure("a", ms, 0);
        h.failure("a", ms, 0);
        assert!(h.admit("a"));
        h.failure("a", ms, 0);
        assert_eq!(h.circuit("a"), Circuit::Open);
        assert!(!h.admit("a"));
        clock.advance(Duration::from_secs(31));
        assert_eq!(h.circuit("a"), Circuit::HalfOpen);
        assert!(h.admit("a"), "one probe goes through");
        assert!(!h.admit("a"), "only one probe at a time");
        h.failure("a", ms, 0); // the probe failed: open again
        assert_eq!(h.circuit("a"), Circuit::Open);
        clock.advance(Duration::from_secs(31));
        assert!(h.admit("a"));
        h.success("a", ms, 0);
        assert_eq!(h.circuit("a"), Circuit::Closed);
        assert!(h.admit("a") && h.admit("a"));
    }

    #[test]
    fn latency_scores_follow_recent_figures() {
        let clock = ManualClock::new();
        let h = health(&clock);
        assert_eq!(h.latency_score("a", 0), None);
        h.success("a", Duration::from_millis(100), 0);
        h.success("b", Duration::from_millis(300), 0);
        assert!(h.latency_score("a", 0) < h.latency_score("b", 0));
        for _ in 0..10 {
            h.success("a", Duration::from_millis(900), 0);
        }
        assert!(h.latency_score("a", 0) > h.latency_score("b", 0));
        h.throughput("b", 10.0, 0); // slow generation: 10 s per 100 tokens
        assert!(h.latency_score("a", 0) < h.latency_score("b", 0));
        // Another bucket borrows figures until it has its own.
        assert_eq!(h.latency_score("a", 2), h.latency_score("a", 0));
    }

    #[test]
    fn buckets() {
        assert_eq!(size_bucket(10), 0);
        assert_eq!(size_bucket(5_000), 1);
        assert_eq!(size_bucket(50_000), 2);
        assert_eq!(size_bucket(5_000_000), 3);
    }
}
