//! Theirs → ours: an Anthropic `Message` as a [`ChatCompletion`], its usage,
//! stop reasons, and `GET /v1/models` as a [`ModelList`].

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::request::{JSON_TOOL, Sent};
use crate::types::{
    ChatCompletion, Choice, CompletionTokensDetails, Content, FinishReason, Message, Model,
    ModelList, PromptTokensDetails, Role, ToolCall, Usage,
};

/// The body of a `POST /v1/messages` answer (fields this adapter reads).
#[derive(Debug, Deserialize)]
pub(super) struct AnthropicMessage {
    /// `message`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub model: String,
    /// Content blocks (kept as JSON: unknown block types are skipped).
    #[serde(default)]
    pub content: Option<Vec<Value>>,
    #[serde(default)]
    pub stop_reason: Option<String>,
    #[serde(default)]
    pub stop_sequence: Option<String>,
    #[serde(default)]
    pub stop_details: Option<Value>,
    #[serde(default)]
    pub usage: Option<AnthropicUsage>,
}

/// Anthropic's `usage` (also the cumulative one of `message_delta`).
#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct AnthropicUsage {
    /// Input tokens after the last cache breakpoint (cached ones excluded).
    #[serde(default)]
    pub input_tokens: Option<u64>,
    #[serde(default)]
    pub output_tokens: Option<u64>,
    #[serde(default)]
    pub cache_creation_input_tokens: Option<u64>,
    #[serde(default)]
    pub cache_read_input_tokens: Option<u64>,
    /// `{"thinking_tokens": n}` on recent models.
    #[serde(default)]
    pub output_tokens_details: Option<Value>,
    /// `service_tier`, `server_tool_use`, the `cache_creation` breakdown, …
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AnthropicUsage {
    /// Folds a later (cumulative) usage in: the fields it has replace ours.
    pub(super) fn update(&mut self, later: AnthropicUsage) {
        let AnthropicUsage {
            input_tokens,
            output_tokens,
            cache_creation_input_tokens,
            cache_read_input_tokens,
            output_tokens_details,
            extra,
        } = later;
        self.input_tokens = input_tokens.or(self.input_tokens);
        self.output_tokens = output_tokens.or(self.output_tokens);
        self.cache_creation_input_tokens =
            cache_creation_input_tokens.or(self.cache_creation_input_tokens);
        self.cache_read_input_tokens = cache_read_input_tokens.or(self.cache_read_input_tokens);
        self.output_tokens_details = output_tokens_details.or(self.output_tokens_details.take());
        for (k, v) in extra {
            if !v.is_null() {
                self.extra.insert(k, v);
            }
        }
    }

    /// Our [`Usage`]: the prompt counts every input token (Anthropic's
    /// `input_tokens` excludes the cache reads and writes).
    pub(super) fn to_usage(&self) -> Usage {
        let input = self.input_tokens.unwrap_or(0);
        let written = self.cache_creation_input_tokens;
        let read = self.cache_read_input_tokens;
        let prompt = input + written.unwrap_or(0) + read.unwrap_or(0);
        let completion = self.output_tokens.unwrap_or(0);
        let reasoning = self
            .output_tokens_details
            .as_ref()
            .and_then(|d| d.get("thinking_tokens"))
            .and_then(Value::as_u64);
        Usage {
            prompt_tokens: prompt,
            completion_tokens: completion,
            total_tokens: prompt + completion,
            prompt_tokens_details: (written.is_some() || read.is_some()).then(|| {
                PromptTokensDetails {
                    cached_tokens: read,
                    caching_tokens: written,
                    ..PromptTokensDetails::default()
                }
            }),
            completion_tokens_details: reasoning.map(|r| CompletionTokensDetails {
                reasoning_tokens: Some(r),
                ..CompletionTokensDetails::default()
            }),
            extra: self.extra.clone(),
            ..Usage::default()
        }
    }
}

/// Our finish reason for Anthropic's `stop_reason` (`answered_by_tools`: the
/// turn made tool calls other than `json_answer`).
pub(super) fn finish_reason(raw: &str, answered_by_tools: bool) -> FinishReason {
    match raw {
        "end_turn" | "stop_sequence" => FinishReason::Stop,
        "max_tokens" | "model_context_window_exceeded" => FinishReason::Length,
        "tool_use" if answered_by_tools => FinishReason::ToolCalls,
        "tool_use" => FinishReason::Stop,
        "refusal" => FinishReason::ContentFilter,
        other => FinishReason::Other(other.to_owned()),
    }
}

/// The refusal text for a `refusal` stop: the explanation, if Anthropic gave one.
pub(super) fn refusal_text(stop_details: Option<&Value>) -> String {
    stop_details
        .and_then(|d| d.get("explanation"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or("the model declined to answer (stop_reason: refusal)")
        .to_owned()
}

/// `stop_reason`, `stop_sequence` and `stop_details`, kept in `Choice::extra`.
pub(super) fn stop_extra(
    reason: Option<&str>,
    sequence: Option<&str>,
    details: Option<&Value>,
) -> Map<String, Value> {
    let mut m = Map::new();
    if let Some(r) = reason {
        m.insert("stop_reason".into(), json!(r));
    }
    if let Some(s) = sequence {
        m.insert("stop_sequence".into(), json!(s));
    }
    if let Some(d) = details.filter(|d| !d.is_null()) {
        m.insert("stop_details".into(), d.clone());
    }
    m
}

/// Seconds since the Unix epoch.
pub(super) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Whether a decoded body is a message (a JSON answer of another shape is not).
pub(super) fn is_message(m: &AnthropicMessage) -> bool {
    m.kind.as_deref() == Some("message") || m.content.is_some()
}

/// The completion for an Anthropic message.
pub(super) fn completion(msg: AnthropicMessage, sent: Sent) -> ChatCompletion {
    let mut text: Option<String> = None;
    let mut reasoning: Option<String> = None;
    let mut signature: Option<String> = None;
    let mut thinking_blocks: Vec<Value> = Vec::new();
    let mut calls: Vec<ToolCall> = Vec::new();
    for block in msg.content.unwrap_or_default() {
        let str_of = |k: &str| {
            block
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        match block
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
        {
            "text" => text
                .get_or_insert_with(String::new)
                .push_str(&str_of("text")),
            "thinking" => {
                reasoning
                    .get_or_insert_with(String::new)
                    .push_str(&str_of("thinking"));
                signature = Some(str_of("signature"))
                    .filter(|s| !s.is_empty())
                    .or(signature);
                thinking_blocks.push(block);
            }
            "redacted_thinking" => thinking_blocks.push(block),
            "tool_use" => {
                let input = block.get("input").cloned().unwrap_or_else(|| json!({}));
                let name = str_of("name");
                if sent.json_tool && name == JSON_TOOL {
                    text.get_or_insert_with(String::new)
                        .push_str(&input.to_string());
                } else {
                    calls.push(ToolCall::function(str_of("id"), name, input.to_string()));
                }
            }
            _ => {}
        }
    }
    let stop = msg.stop_reason.as_deref();
    let mut message = Message {
        role: Role::Assistant,
        content: text.map(Content::Text),
        reasoning_content: reasoning,
        ..Message::default()
    };
    if stop == Some("refusal") {
        message.refusal = Some(refusal_text(msg.stop_details.as_ref()));
    }
    if let Some(sig) = signature {
        message
            .extra
            .insert("reasoning_signature".into(), json!(sig));
    }
    if !thinking_blocks.is_empty() {
        message
            .extra
            .insert("thinking_blocks".into(), Value::Array(thinking_blocks));
    }
    let finish = stop.map(|r| finish_reason(r, !calls.is_empty()));
    if !calls.is_empty() {
        message.tool_calls = Some(calls);
    }
    ChatCompletion {
        id: msg.id,
        object: "chat.completion".into(),
        created: unix_now(),
        model: msg.model,
        choices: vec![Choice {
            index: 0,
            message,
            finish_reason: finish,
            logprobs: None,
            extra: stop_extra(
                stop,
                msg.stop_sequence.as_deref(),
                msg.stop_details.as_ref(),
            ),
        }],
        usage: msg.usage.as_ref().map(AnthropicUsage::to_usage),
        ..ChatCompletion::default()
    }
}

/// One page of `GET /v1/models`.
#[derive(Debug, Deserialize)]
pub(super) struct ModelsPage {
    #[serde(default)]
    pub data: Vec<Map<String, Value>>,
    #[serde(default)]
    pub has_more: bool,
    #[serde(default)]
    pub last_id: Option<String>,
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Unix seconds of an RFC 3339 time (`2025-02-19T00:00:00Z`, offsets and
/// fractions allowed); `None` if it does not parse.
pub(super) fn rfc3339_secs(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        rest = frac.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match rest {
        "Z" | "z" | "" => 0,
        o if o.len() == 6 && (o.starts_with('+') || o.starts_with('-')) => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            sign * (o.get(1..3)?.parse::<i64>().ok()? * 3600
                + o.get(4..6)?.parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset;
    u64::try_from(secs).ok()
}

/// Whether `capabilities.<name>.supported` is set.
fn capability(extra: &Map<String, Value>, name: &str) -> Option<bool> {
    extra
        .get("capabilities")?
        .get(name)?
        .get("supported")?
        .as_bool()
}

/// Anthropic's model info as our [`Model`]; every field it does not map
/// stays in `extra` (`display_name`, `type`, `capabilities`, …).
pub(super) fn model(mut m: Map<String, Value>) -> Option<Model> {
    let id = m.remove("id")?.as_str()?.to_owned();
    let created = m
        .get("created_at")
        .and_then(Value::as_str)
        .and_then(rfc3339_secs);
    let context_window = m.get("max_input_tokens").and_then(Value::as_u64);
    let max_output_tokens = m.get("max_tokens").and_then(Value::as_u64);
    Some(Model {
        id,
        object: "model".into(),
        created,
        owned_by: Some("anthropic".into()),
        context_window,
        max_output_tokens,
        supports_vision: capability(&m, "image_input"),
        supports_reasoning: capability(&m, "thinking"),
        extra: m,
        ..Model::default()
    })
}

/// The pages of `GET /v1/models` as one list.
pub(super) fn model_list(models: Vec<Model>) -> ModelList {
    ModelList {
        object: "list".into(),
        data: models,
        extra: Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339() {
        assert_eq!(rfc3339_secs("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(rfc3339_secs("2025-02-19T00:00:00Z"), Some(1_739_923_200));
        assert_eq!(
            rfc3339_secs("2025-02-19T02:00:00.123+02:00"),
            Some(1_739_923_200)
        );
        assert_eq!(rfc3339_secs("2024-02-29T12:30:15Z"), Some(1_709_209_815));
        assert_eq!(rfc3339_secs("yesterday"), None);
    }

    #[test]
    fn stop_reasons() {
        assert_eq!(finish_reason("end_turn", false), FinishReason::Stop);
        assert_eq!(finish_reason("stop_sequence", false), FinishReason::Stop);
        assert_eq!(finish_reason("max_tokens", false), FinishReason::Length);
        assert_eq!(
            finish_reason("model_context_window_exceeded", false),
            FinishReason::Length
        );
        assert_eq!(finish_reason("tool_use", true), FinishReason::ToolCalls);
        assert_eq!(finish_reason("tool_use", false), FinishReason::Stop);
        assert_eq!(finish_reason("refusal", false), FinishReason::ContentFilter);
        assert_eq!(
            finish_reason("pause_turn", false),
            FinishReason::Other("pause_turn".into())
        );
    }

    #[test]
    fn usage_counts_cached_input() {
        let u: AnthropicUsage = serde_json::from_value(json!({
            "input_tokens": 10, "cache_creation_input_tokens": 100, "cache_read_input_tokens": 1000,
            "output_tokens": 7, "output_tokens_details": {"thinking_tokens": 3}, "service_tier": "standard"
        }))
        .unwrap();
        let ours = u.to_usage();
        assert_eq!(
            (
                ours.prompt_tokens,
                ours.completion_tokens,
                ours.total_tokens
            ),
            (1110, 7, 1117)
        );
        assert_eq!(ours.cached_tokens(), 1000);
        assert_eq!(
            ours.prompt_tokens_details.as_ref().unwrap().caching_tokens,
            Some(100)
        );
        assert_eq!(ours.reasoning_tokens(), 3);
        assert_eq!(ours.extra["service_tier"], "standard");
        let plain: AnthropicUsage =
            serde_json::from_value(json!({"input_tokens": 4, "output_tokens": 2})).unwrap();
        assert!(plain.to_usage().prompt_tokens_details.is_none());
    }

    #[test]
    fn models_map() {
        let m = model(serde_json::from_value(json!({
            "id": "claude-x", "type": "model", "display_name": "Claude X",
            "created_at": "2025-02-19T00:00:00Z", "max_input_tokens": 200000, "max_tokens": 64000,
            "capabilities": {"image_input": {"supported": true}, "thinking": {"supported": false}}
        })).unwrap())
        .unwrap();
        assert_eq!(m.id, "claude-x");
        assert_eq!(m.created, Some(1_739_923_200));
        assert_eq!(
            (m.context_window, m.max_output_tokens),
            (Some(200000), Some(64000))
        );
        assert_eq!(
            (m.supports_vision, m.supports_reasoning),
            (Some(true), Some(false))
        );
        assert_eq!(m.extra["display_name"], "Claude X");
    }
}
