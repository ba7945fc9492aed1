//! [`LogRecord`]: one line of the request log, with a stable JSON schema
//! (documented in `docs/logging.md`; `schema_version` changes only when a
//! field changes meaning or is removed).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The schema version written into every record.
pub const SCHEMA_VERSION: u32 = 1;

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// An answer was delivered (a whole completion, or a stream to its end).
    #[default]
    Ok,
    /// The request failed (before or during the answer).
    Error,
    /// The caller dropped the request (a stream before its end, or a
    /// non-streamed request before its answer).
    Dropped,
}

/// One try of one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct LogAttempt {
    /// `provider/model[@region]`.
    pub target: String,
    /// HTTP status of a failed try.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Error class of a failed try (`api`, `timeout`, `connect`, `stream`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Milliseconds the try took (to the answer or to the first chunk).
    pub latency_ms: f64,
}

/// Token counts of the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LogUsage {
    /// Prompt tokens (cached ones included).
    pub prompt_tokens: u64,
    /// Generated tokens (reasoning included).
    pub completion_tokens: u64,
    /// Both.
    pub total_tokens: u64,
    /// Prompt tokens read from a provider cache.
    #[serde(default)]
    pub cached_tokens: u64,
    /// Prompt tokens written to a provider cache.
    #[serde(default)]
    pub cache_write_tokens: u64,
    /// Reasoning tokens.
    #[serde(default)]
    pub reasoning_tokens: u64,
}

/// The error of a failed request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct LogError {
    /// The error class (`api`, `timeout`, `invalid_request`, `stream`, …).
    pub class: String,
    /// The HTTP status, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The message (API keys never appear in it).
    pub message: String,
}

/// Where the request came from (`HTTP-Referer`, `X-Title`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LogOrigin {
    /// `HTTP-Referer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referer: Option<String>,
    /// `X-Title`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// One request, as the log keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct LogRecord {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The router's id for the request (`req_…`), unique per router.
    pub request_id: String,
    /// The provider's request id of the answer, if it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_request_id: Option<String>,
    /// `requesty.trace_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// `requesty.user_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Start time, RFC 3339 UTC with milliseconds.
    pub started_at: String,
    /// Start time, Unix milliseconds.
    pub started_at_ms: u64,
    /// Total time to the answer (for streams, to the stream's end), ms.
    pub latency_ms: f64,
    /// Time to the first chunk (streams), ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttft_ms: Option<f64>,
    /// Generated tokens per second after the first token (or over the whole
    /// call when not streamed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens_per_sec: Option<f64>,
    /// Whether the answer was streamed.
    pub stream: bool,
    /// The model id the caller asked for (`policy/reliable`, an alias, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_requested: Option<String>,
    /// `provider/model` of the target that answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub served_by: Option<String>,
    /// The provider id that answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The model name the provider reported in its answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Every try, in order.
    #[serde(default)]
    pub attempts: Vec<LogAttempt>,
    /// Token counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<LogUsage>,
    /// Cost in USD; `None` when the model's price is unknown (never 0 for unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    /// Names of the tools the request offered.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools_offered: Vec<String>,
    /// Names of the tools the model called.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools_called: Vec<String>,
    /// Whether a structured output (`response_format` json_schema / json_object) was asked for.
    #[serde(default)]
    pub structured: bool,
    /// The first choice's finish reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
    /// Caller tags (`requesty.tags`) followed by automatic tags (`topic:coding`, …).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Analytics dimensions: `X-Requesty-*` headers (name after the prefix,
    /// lower-cased) and `requesty.extra` metadata.
    #[serde(default)]
    pub dimensions: BTreeMap<String, String>,
    /// `HTTP-Referer` / `X-Title`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<LogOrigin>,
    /// Security findings: kind → count (never the values).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub security: BTreeMap<String, u32>,
    /// Whether the router's cache answered.
    pub cache_hit: bool,
    /// How the request ended.
    pub outcome: Outcome,
    /// The error, when `outcome` is `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<LogError>,
    /// The request body, per the body setting (`full`, `redacted`), else absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Value>,
    /// The response (assembled for streams), per the body setting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
}

/// Formats Unix milliseconds as RFC 3339 UTC (`2026-11-25T16:07:09.123Z`).
pub fn rfc3339_millis(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let ms = unix_ms % 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if mo <= 2 { y + 1 } else { y };
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}.{ms:03}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339() {
        assert_eq!(rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            rfc3339_millis(1_764_086_829_123),
            "2025-11-25T16:07:09.123Z"
        );
        assert_eq!(rfc3339_millis(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn a_record_round_trips() {
        let r = LogRecord {
            schema_version: SCHEMA_VERSION,
            request_id: "req_1".into(),
            started_at: rfc3339_millis(0),
            tags: vec!["topic:coding".into()],
            ..Default::default()
        };
        let line = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<LogRecord>(&line).unwrap(), r);
    }
}
