//! Retry schedule: exponential backoff with jitter, and `Retry-After`.

use std::time::{Duration, SystemTime};

use http::HeaderMap;

/// When and how often to try again.
///
/// The default follows the hosted router's own schedule: 500 ms, 1 s, 2 s,
/// then 4 s between attempts, each ±10% jitter. A server's `retry-after-ms` or
/// `Retry-After` (seconds or an HTTP date) replaces the computed delay when it
/// is at most [`max_retry_after`](RetryPolicy::max_retry_after).
///
/// ```
/// use std::time::Duration;
/// // Tests: retry fast.
/// let fast = requesty::RetryPolicy::default()
///     .base_delay(Duration::from_millis(1))
///     .max_delay(Duration::from_millis(5))
///     .jitter(0.0);
/// assert_eq!(fast.backoff(0), Duration::from_millis(1));
/// assert_eq!(fast.backoff(5), Duration::from_millis(5));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    base_delay: Duration,
    max_delay: Duration,
    multiplier: f64,
    jitter: f64,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(4),
            multiplier: 2.0,
            jitter: 0.1,
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Delay before the first retry (default 500 ms).
    pub fn base_delay(mut self, d: Duration) -> Self {
        self.base_delay = d;
        self
    }

    /// Longest computed delay (default 4 s).
    pub fn max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// Growth factor between attempts (default 2).
    pub fn multiplier(mut self, m: f64) -> Self {
        self.multiplier = if m.is_finite() && m >= 1.0 { m } else { 1.0 };
        self
    }

    /// Relative jitter, 0 to 1 (default 0.1, i.e. ±10%).
    pub fn jitter(mut self, j: f64) -> Self {
        self.jitter = if j.is_finite() {
            j.clamp(0.0, 1.0)
        } else {
            0.0
        };
        self
    }

    /// Longest server-requested wait that is honoured (default 60 s); longer
    /// requests fall back to the computed backoff.
    pub fn max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// The computed delay before retry number `retry` (0-based), without jitter.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = self.multiplier.powi(retry.min(64) as i32);
        let secs = self.base_delay.as_secs_f64() * factor;
        let capped = secs.min(self.max_delay.as_secs_f64());
        Duration::try_from_secs_f64(capped).unwrap_or(self.max_delay)
    }

    /// The delay before retry number `retry`, given the failed answer's headers.
    pub fn delay(&self, retry: u32, headers: Option<&HeaderMap>) -> Duration {
        if let Some(d) = headers.and_then(retry_after)
            && d <= self.max_retry_after
        {
            return d;
        }
        let base = self.backoff(retry).as_secs_f64();
        let spread = if self.jitter > 0.0 {
            1.0 + (fastrand::f64() * 2.0 - 1.0) * self.jitter
        } else {
            1.0
        };
        Duration::try_from_secs_f64((base * spread).max(0.0)).unwrap_or(self.max_delay)
    }
}

/// The wait a server asked for: `retry-after-ms`, or `Retry-After` in seconds
/// or as an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    if let Some(ms) = headers
        .get("retry-after-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|ms| ms.is_finite() && *ms >= 0.0)
    {
        return Duration::try_from_secs_f64(ms / 1000.0).ok();
    }
    let v = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = v.parse::<f64>() {
        return if secs.is_finite() && secs >= 0.0 {
            Duration::try_from_secs_f64(secs).ok()
        } else {
            None
        };
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(name: &'static str, v: &str) -> HeaderMap {
        let mut m = HeaderMap::new();
        m.insert(name, v.parse().unwrap());
        m
    }

    #[test]
    fn default_schedule_matches_the_router() {
        let p = RetryPolicy::default();
        let s: Vec<_> = (0..5).map(|i| p.backoff(i).as_millis()).collect();
        assert_eq!(s, [500, 1000, 2000, 4000, 4000]);
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        let p = RetryPolicy::default();
        for _ in 0..200 {
            let d = p.delay(1, None).as_secs_f64();
            assert!((0.9..=1.1).contains(&d), "{d}");
        }
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(
            retry_after(&h("retry-after", "2")),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            retry_after(&h("retry-after-ms", "150")),
            Some(Duration::from_millis(150))
        );
        let future = SystemTime::now() + Duration::from_secs(30);
        let d = retry_after(&h("retry-after", &httpdate::fmt_http_date(future))).unwrap();
        assert!(
            d <= Duration::from_secs(30) && d >= Duration::from_secs(28),
            "{d:?}"
        );
        assert_eq!(
            retry_after(&h("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&h("retry-after", "soon")), None);
        assert_eq!(retry_after(&h("retry-after", "-1")), None);
    }

    #[test]
    fn long_retry_after_falls_back_to_backoff() {
        let p = RetryPolicy::default().jitter(0.0);
        assert_eq!(
            p.delay(0, Some(&h("retry-after", "3600"))),
            Duration::from_millis(500)
        );
        assert_eq!(
            p.delay(0, Some(&h("retry-after", "3"))),
            Duration::from_secs(3)
        );
    }
}
