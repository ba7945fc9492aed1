//! Building a [`LogRecord`] along one request.

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::logger::BodyMode;
use super::record::{
    LogAttempt, LogError, LogOrigin, LogRecord, LogUsage, Outcome, SCHEMA_VERSION, rfc3339_millis,
};
use crate::error::{Error, ErrorKind};
use crate::meta::Attempt;
use crate::types::{ChatCompletion, ChatRequest, RequestyOptions, ResponseFormat, Usage};

/// What the caller's side of a request brings to the log besides the body:
/// analytics dimensions (the server fills them from `X-Requesty-*` headers)
/// and the origin (`HTTP-Referer`, `X-Title`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestContext {
    /// Dimension name (lower-case, after the `X-Requesty-` prefix) → value.
    pub dimensions: BTreeMap<String, String>,
    /// Where the request came from.
    pub origin: Option<LogOrigin>,
}

/// A record under construction.
pub(crate) struct Trace {
    pub record: LogRecord,
    pub start: Instant,
    bodies: BodyMode,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The error class written into logs and attempts.
pub(crate) fn error_class(err: &Error) -> &'static str {
    match err.kind() {
        ErrorKind::Api(_) => "api",
        ErrorKind::Timeout { .. } => "timeout",
        ErrorKind::Connect { .. } => "connect",
        ErrorKind::Transport { .. } => "transport",
        ErrorKind::Decode { .. } => "decode",
        ErrorKind::Stream { .. } => "stream",
        ErrorKind::InvalidRequest { .. } => "invalid_request",
        ErrorKind::Config(_) => "config",
        ErrorKind::SecurityViolation { .. } => "security",
        ErrorKind::LimitExceeded { .. } => "limit",
        _ => "other",
    }
}

/// Message texts replaced by their length (the `Redacted` body mode).
fn redacted(mut v: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(o) => {
                for (k, x) in o.iter_mut() {
                    match (k.as_str(), &*x) {
                        (
                            "content" | "text" | "arguments" | "refusal" | "reasoning_content",
                            Value::String(s),
                        ) => {
                            *x = Value::String(format!("[REDACTED {} chars]", s.chars().count()));
                        }
                        _ => walk(x),
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut v);
    v
}

impl Trace {
    /// Starts a record for `req` (before it is prepared for providers).
    pub(crate) fn begin(
        id: String,
        req: &ChatRequest,
        ctx: RequestContext,
        default_model: Option<&str>,
        stream: bool,
        bodies: BodyMode,
    ) -> Trace {
        let started_at_ms = now_ms();
        let r: Option<&RequestyOptions> = req.requesty.as_ref();
        let mut dimensions = ctx.dimensions;
        if let Some(r) = r {
            for (k, v) in &r.extra {
                let v = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                dimensions.entry(k.clone()).or_insert(v);
            }
        }
        let request = match bodies {
            BodyMode::MetadataOnly => None,
            BodyMode::Full => serde_json::to_value(req).ok(),
            BodyMode::Redacted => serde_json::to_value(req).ok().map(redacted),
        };
        Trace {
            record: LogRecord {
                schema_version: SCHEMA_VERSION,
                request_id: id,
                trace_id: r.and_then(|r| r.trace_id.clone()),
                user_id: r.and_then(|r| r.user_id.clone()),
                started_at: rfc3339_millis(started_at_ms),
                started_at_ms,
                stream,
                model_requested: req
                    .model
                    .clone()
                    .or_else(|| default_model.map(str::to_owned)),
                tools_offered: req
                    .tools
                    .iter()
                    .flatten()
                    .map(|t| t.function.name.clone())
                    .chain(req.functions.iter().flatten().map(|f| f.name.clone()))
                    .collect(),
                structured: matches!(
                    req.response_format,
                    Some(ResponseFormat::JsonSchema(_) | ResponseFormat::JsonObject)
                ),
                tags: r.map(|r| r.tags.clone()).unwrap_or_default(),
                dimensions,
                origin: ctx.origin,
                request,
                ..LogRecord::default()
            },
            start: Instant::now(),
            bodies,
        }
    }

    pub(crate) fn attempts(&mut self, attempts: &[Attempt]) {
        self.record.attempts = attempts
            .iter()
            .map(|a| LogAttempt {
                target: a.target.clone(),
                status: a.status,
                error: a.error.clone(),
                latency_ms: ms(a.latency),
            })
            .collect();
    }

    /// Fills the answer's fields. `ttft` is set for streams.
    pub(crate) fn answered(&mut self, c: &ChatCompletion, ttft: Option<Duration>) {
        let total = self.start.elapsed();
        let r = &mut self.record;
        r.latency_ms = ms(total);
        r.ttft_ms = ttft.map(ms);
        r.served_by = c.meta.served_by().map(str::to_owned);
        r.provider = r
            .served_by
            .as_deref()
            .and_then(|s| s.split_once('/'))
            .map(|(p, _)| p.to_owned());
        r.model = (!c.model.is_empty()).then(|| c.model.clone());
        r.provider_request_id = c.meta.request_id().map(str::to_owned);
        r.cache_hit = c.meta.cache_hit();
        r.finish_reason = c.finish_reason().map(|f| f.as_str().to_owned());
        r.tools_called = c
            .tool_calls()
            .iter()
            .map(|t| t.function.name.clone())
            .collect();
        if let Some(u) = &c.usage {
            r.usage = Some(log_usage(u));
            r.cost_usd = u.cost;
            let gen_secs = total.saturating_sub(ttft.unwrap_or_default()).as_secs_f64();
            if u.completion_tokens > 0 && gen_secs > 0.0 {
                r.tokens_per_sec = Some(u.completion_tokens as f64 / gen_secs);
            }
        }
        r.outcome = Outcome::Ok;
        r.response = match self.bodies {
            BodyMode::MetadataOnly => None,
            BodyMode::Full => serde_json::to_value(c).ok(),
            BodyMode::Redacted => serde_json::to_value(c).ok().map(redacted),
        };
    }

    /// Marks the request failed.
    pub(crate) fn failed(&mut self, err: &Error) {
        let r = &mut self.record;
        r.latency_ms = ms(self.start.elapsed());
        r.outcome = Outcome::Error;
        r.error = Some(LogError {
            class: error_class(err).to_owned(),
            status: err.status(),
            message: err.to_string(),
        });
    }
}

/// Usage as the log keeps it.
pub(crate) fn log_usage(u: &Usage) -> LogUsage {
    let d = u.prompt_tokens_details.as_ref();
    LogUsage {
        prompt_tokens: u.prompt_tokens,
        completion_tokens: u.completion_tokens,
        total_tokens: u.total_tokens.max(u.prompt_tokens + u.completion_tokens),
        cached_tokens: d.and_then(|d| d.cached_tokens).unwrap_or(0),
        cache_write_tokens: d.and_then(|d| d.caching_tokens).unwrap_or(0),
        reasoning_tokens: u.reasoning_tokens(),
    }
}
