//! The embedded local router: the hosted router's job, in-process.
//!
//! A [`Router`] resolves `provider/model[@region]` and `policy/<name>` ids,
//! applies fallback, load-balancing and latency policies with per-target
//! retries and a circuit breaker, and calls the providers' own APIs. Serve
//! it through the usual client with [`Client::local`](crate::Client::local).

pub mod cache;
mod dispatch;
mod health;
pub mod log;
pub mod model_id;
pub mod policy;
pub mod pricing;
pub mod provider;
pub mod providers;
mod route;
pub mod security;
mod translate;

pub use cache::CacheConfig;
pub use health::{Breaker, Circuit, Clock, ManualClock, SystemClock};
pub use model_id::ModelId;
pub use policy::{Policy, PolicyEntry, PolicyKind};
pub use provider::{Provider, ProviderRequest};
pub use route::{ProviderTimeouts, Router, RouterBuilder, default_fallback_statuses};
