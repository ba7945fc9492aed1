//! The request log: records, sinks, tagging and analytics.

pub mod analytics;
pub mod logger;
pub mod record;
pub mod sink;
pub mod tagging;
pub(crate) mod trace;

pub use analytics::{Analytics, Report, Stats};
pub use logger::{BodyMode, LogConfig, LogStats};
pub use record::{LogAttempt, LogError, LogOrigin, LogRecord, LogUsage, Outcome, SCHEMA_VERSION};
pub use sink::{HttpSink, JsonlSink, MemorySink, Sink};
pub use trace::RequestContext;
