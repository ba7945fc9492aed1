//! The rig shared by the load runs (`tests/reliability_load.rs` through the
//! router, `tests/server_load.rs` through the HTTP server): timeouts, the
//! fault schedules and the router over two fault servers.
#![allow(dead_code)]

use std::time::Duration;

use requesty::RetryPolicy;
use requesty::router::log::LogConfig;
use requesty::router::providers::OpenAiCompatible;
use requesty::router::{Policy, Router, RouterBuilder};
use requesty::testing::{Fault, FaultServer, Schedule, When};

/// Concurrent requests of a run.
pub const CONCURRENCY: usize = 200;
/// Provider timeouts: a stall costs this much. Generous, so that healthy
/// answers slowed by the load itself (debug build, 2 cores) rarely time out.
pub const T: Duration = Duration::from_secs(1);
pub const STALL: Duration = Duration::from_secs(5);
/// Tries of the first target: after 3 failures (0.3^3 ≈ 2.7% of requests)
/// the policy falls back to the second, which gets 11 tries: the chance
/// that every try of a request fails is 0.3^14 ≈ 5e-8.
pub const RETRIES_A: u32 = 2;
pub const RETRIES_B: u32 = 10;

/// 30% of answers fail before any content.
pub fn before_content(seed: u64) -> Schedule {
    Schedule::seeded(seed)
        .weight(Fault::RateLimited(Duration::from_millis(5)), 0.06)
        .weight(Fault::Status(500), 0.03)
        .weight(Fault::Status(502), 0.03)
        .weight(Fault::Status(503), 0.03)
        .weight(Fault::Status(529), 0.03)
        .weight(Fault::Reset(When::BeforeHeaders), 0.06)
        .weight(Fault::Stall(When::BeforeHeaders, STALL), 0.03)
        .weight(Fault::Stall(When::BeforeContent, STALL), 0.03)
}

/// 30% of answers fail after their first content chunk.
pub fn after_content(seed: u64) -> Schedule {
    Schedule::seeded(seed)
        .weight(Fault::Reset(When::AfterContent), 0.1)
        .weight(Fault::Stall(When::AfterContent, STALL), 0.05)
        .weight(Fault::TruncatedJson(When::AfterContent), 0.05)
        .weight(Fault::ErrorEvent(When::AfterContent), 0.1)
}

/// The router of both load runs (no sinks): two OpenAI-compatible providers
/// on the fault servers and a fallback policy `a/m` → `b/m`.
pub fn router_builder(a: &FaultServer, b: &FaultServer) -> RouterBuilder {
    let provider = |id: &str, s: &FaultServer| {
        OpenAiCompatible::new(id, s.base_url())
            .timeout(T)
            .read_timeout(T)
    };
    Router::builder()
        .provider(provider("a", a))
        .provider(provider("b", b))
        .policy(
            "p",
            Policy::fallback(["a/m", "b/m"])
                .retries(RETRIES_A)
                .target_retries("b/m", RETRIES_B),
        )
        .default_model("policy/p")
        .retry_policy(
            RetryPolicy::default()
                .base_delay(Duration::from_millis(1))
                .max_delay(Duration::from_millis(2))
                .jitter(0.0),
        )
        // A 30%-flaky provider is not a dead one: keep the breaker for those.
        .circuit_breaker(1_000, Duration::from_millis(100))
        .builtin_tagger(false)
        .log_config(LogConfig {
            queue: 65_536,
            memory: 65_536,
            ..LogConfig::default()
        })
}
