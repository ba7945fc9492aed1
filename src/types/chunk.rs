//! Streamed chunks (`chat.completion.chunk`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::message::{Role, ToolType};
use super::response::{ChoiceLogprobs, FinishReason, Usage, deserialize_open_struct};

/// A piece of a function call's name or arguments.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FunctionCallDelta {
    /// The name (usually whole, in the call's first delta; some servers repeat it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The next piece of the JSON arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<String>,
}

/// A piece of a tool call.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ToolCallDelta {
    /// Which call of the turn this piece belongs to (missing on some servers: read as 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u32>,
    /// The call's id (in its first delta; some servers repeat it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `function`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ToolType>,
    /// The function name and arguments piece.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<FunctionCallDelta>,
}

/// What a chunk adds to a choice.
// `Deserialize`: `deserialize_open_struct!` below (unknown fields kept in `extra`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Delta {
    /// The role, in the first chunk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// The next piece of text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// The next piece of a refusal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    /// The next piece of reasoning text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_content: Option<String>,
    /// Pieces of tool calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCallDelta>>,
    /// A piece of a legacy function call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_call: Option<FunctionCallDelta>,
    /// Fields this version does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One choice's part of a chunk.
// `Deserialize`: `deserialize_open_struct!` below (unknown fields kept in `extra`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ChunkChoice {
    /// Which choice.
    #[serde(default)]
    pub index: u32,
    /// What this chunk adds.
    #[serde(default)]
    pub delta: Delta,
    /// Set on the choice's last chunk.
    #[serde(default)]
    pub finish_reason: Option<FinishReason>,
    /// Log probabilities of this chunk's tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<ChoiceLogprobs>,
    /// Fields this version does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One streamed chunk of a chat completion.
// `Deserialize`: `deserialize_open_struct!` below (unknown fields kept in `extra`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ChatCompletionChunk {
    /// The completion's id (the same in every chunk).
    #[serde(default)]
    pub id: String,
    /// `chat.completion.chunk`.
    #[serde(default)]
    pub object: String,
    /// Unix time of creation, in seconds.
    #[serde(default)]
    pub created: u64,
    /// The model that answers.
    #[serde(default)]
    pub model: String,
    /// Per-choice deltas (empty in the final usage chunk).
    #[serde(default)]
    pub choices: Vec<ChunkChoice>,
    /// Usage, on the last chunk when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// Backend configuration fingerprint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_fingerprint: Option<String>,
    /// The service tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<String>,
    /// Fields this version does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ChatCompletionChunk {
    /// The first choice's new text in this chunk, if any (empty pieces count as none).
    pub fn delta_text(&self) -> Option<&str> {
        self.choices
            .first()?
            .delta
            .content
            .as_deref()
            .filter(|s| !s.is_empty())
    }

    /// The first choice's new reasoning text in this chunk, if any.
    pub fn delta_reasoning(&self) -> Option<&str> {
        self.choices
            .first()?
            .delta
            .reasoning_content
            .as_deref()
            .filter(|s| !s.is_empty())
    }

    /// The first choice's finish reason, on its last chunk.
    pub fn finish_reason(&self) -> Option<&FinishReason> {
        self.choices.first()?.finish_reason.as_ref()
    }
}

deserialize_open_struct!(Delta, "a Delta object", {
    role: "role",
    content: "content",
    refusal: "refusal",
    reasoning_content: "reasoning_content",
    tool_calls: "tool_calls",
    function_call: "function_call",
});

deserialize_open_struct!(ChunkChoice, "a ChunkChoice object", {
    index: "index",
    delta: "delta",
    finish_reason: "finish_reason",
    logprobs: "logprobs",
});

deserialize_open_struct!(ChatCompletionChunk, "a ChatCompletionChunk object", {
    id: "id",
    object: "object",
    created: "created",
    model: "model",
    choices: "choices",
    usage: "usage",
    system_fingerprint: "system_fingerprint",
    service_tier: "service_tier",
});

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_fields_are_kept_at_every_level_and_round_trip() {
        let wire = json!({
            "id": "c1", "object": "chat.completion.chunk", "created": 7, "model": "m",
            "x_top": {"a": [1, 2]},
            "choices": [{
                "index": 1, "x_choice": true, "finish_reason": null,
                "delta": {"content": "hi", "x_delta": "v", "tool_calls": [{"index": 0, "function": {"arguments": "{"}}]}
            }],
            "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3, "cost": 0.5, "x_usage": 9,
                      "prompt_tokens_details": {"cached_tokens": 1, "x_d": null}}
        });
        let c: ChatCompletionChunk = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(c.extra["x_top"], json!({"a": [1, 2]}));
        assert_eq!(c.choices[0].extra["x_choice"], json!(true));
        assert_eq!(c.choices[0].delta.extra["x_delta"], json!("v"));
        let u = c.usage.as_ref().unwrap();
        assert_eq!(
            (u.total_tokens, u.cost, &u.extra["x_usage"]),
            (3, Some(0.5), &json!(9))
        );
        assert_eq!(
            u.prompt_tokens_details.as_ref().unwrap().extra["x_d"],
            Value::Null
        );
        // From a string (borrowed keys) too, and back to the same JSON.
        let s: ChatCompletionChunk = serde_json::from_str(&wire.to_string()).unwrap();
        assert_eq!(s, c);
        let back = serde_json::to_value(&c).unwrap();
        let again: ChatCompletionChunk = serde_json::from_value(back).unwrap();
        assert_eq!(again, c);
    }

    #[test]
    fn defaults_nulls_escapes_and_errors() {
        let c: ChatCompletionChunk =
            serde_json::from_str(r#"{"choices":[{"delta":{}}],"usage":null}"#).unwrap();
        assert_eq!(c.choices[0], ChunkChoice::default());
        assert!(c.usage.is_none() && c.id.is_empty());
        // An escaped key is still recognised.
        let c: ChatCompletionChunk = serde_json::from_str(r#"{"\u0069d":"x","a\"b":1}"#).unwrap();
        assert_eq!((c.id.as_str(), &c.extra["a\"b"]), ("x", &json!(1)));
        // A repeated known field is an error, as with the derive; a wrong type too.
        assert!(serde_json::from_str::<ChatCompletionChunk>(r#"{"id":"a","id":"b"}"#).is_err());
        assert!(serde_json::from_str::<ChatCompletionChunk>(r#"{"created":"soon"}"#).is_err());
        assert!(serde_json::from_str::<ChatCompletionChunk>("[1]").is_err());
        assert!(serde_json::from_str::<ChunkChoice>(r#"{"delta":null}"#).is_err());
    }
}
