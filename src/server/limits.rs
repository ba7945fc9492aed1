//! Per-key limits kept in memory: a token bucket for the request rate and
//! a spend counter per calendar month (UTC).
//!
//! One instance only: several instances behind a load balancer each keep
//! their own counters (see `docs/server.md` for sharing them).

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The state of one key's limits.
#[derive(Debug)]
pub(crate) struct KeyLimits {
    rate: Option<Mutex<Bucket>>,
    spend_limit: Option<f64>,
    spend: Mutex<Spend>,
}

#[derive(Debug)]
struct Bucket {
    capacity: f64,
    /// Tokens per second.
    refill: f64,
    tokens: f64,
    last: Instant,
}

#[derive(Debug, Default)]
struct Spend {
    month: String,
    usd: f64,
}

/// Why a request is refused by a limit.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Refusal {
    /// Too many requests: retry after this long.
    Rate(Duration),
    /// The monthly spend limit is reached: spent, limit.
    Spend(f64, f64),
}

/// The current month, `YYYY-MM` (UTC).
pub(crate) fn current_month() -> String {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    crate::router::log::record::rfc3339_millis(ms)[..7].to_owned()
}

impl KeyLimits {
    pub(crate) fn new(requests_per_minute: Option<u32>, spend_limit: Option<f64>) -> Self {
        KeyLimits {
            rate: requests_per_minute.map(|n| {
                let capacity = f64::from(n.max(1));
                Mutex::new(Bucket {
                    capacity,
                    refill: capacity / 60.0,
                    tokens: capacity,
                    last: Instant::now(),
                })
            }),
            spend_limit,
            spend: Mutex::new(Spend::default()),
        }
    }

    /// Checks the spend limit, then takes one request from the bucket.
    pub(crate) fn admit(&self) -> Result<(), Refusal> {
        if let Some(limit) = self.spend_limit {
            let spent = self.spent();
            if spent >= limit {
                return Err(Refusal::Spend(spent, limit));
            }
        }
        if let Some(bucket) = &self.rate {
            let mut b = bucket.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
            b.tokens = (b.tokens + elapsed * b.refill).min(b.capacity);
            b.last = now;
            if b.tokens >= 1.0 {
                b.tokens -= 1.0;
            } else {
                let wait = (1.0 - b.tokens) / b.refill;
                return Err(Refusal::Rate(Duration::from_secs_f64(wait)));
            }
        }
        Ok(())
    }

    /// The spend of the current month.
    pub(crate) fn spent(&self) -> f64 {
        let month = current_month();
        let s = self.spend.lock().unwrap_or_else(|p| p.into_inner());
        if s.month == month { s.usd } else { 0.0 }
    }

    /// Adds a request's cost to the current month.
    pub(crate) fn add_spend(&self, usd: f64) {
        if !(usd.is_finite() && usd > 0.0) {
            return;
        }
        let month = current_month();
        let mut s = self.spend.lock().unwrap_or_else(|p| p.into_inner());
        if s.month != month {
            s.month = month;
            s.usd = 0.0;
        }
        s.usd += usd;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_and_spend() {
        let l = KeyLimits::new(Some(2), Some(1.0));
        assert!(l.admit().is_ok());
        assert!(l.admit().is_ok());
        match l.admit() {
            Err(Refusal::Rate(d)) => assert!(d > Duration::from_secs(25), "{d:?}"),
            other => panic!("{other:?}"),
        }
        let l = KeyLimits::new(None, Some(1.0));
        l.add_spend(0.6);
        assert!(l.admit().is_ok());
        l.add_spend(0.6);
        assert!(matches!(l.admit(), Err(Refusal::Spend(..))));
        assert_eq!(current_month().len(), 7);
    }
}
