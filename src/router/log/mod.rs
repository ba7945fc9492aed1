//! The request log: records, sinks, tagging and analytics.

pub mod record;

pub use record::{LogAttempt, LogError, LogOrigin, LogRecord, LogUsage, Outcome, SCHEMA_VERSION};
