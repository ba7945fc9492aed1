//! The chat-completions response.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::macros::open_enum;
use super::message::{Message, ToolCall};
use crate::meta::ResponseMeta;

open_enum! {
    /// Why the model stopped. Unknown values (`"eos_token"`, `""`) are kept.
    pub enum FinishReason {
        /// A natural end or a stop sequence.
        Stop => "stop",
        /// The token limit was reached; the answer is truncated.
        Length => "length",
        /// The model called tools.
        ToolCalls => "tool_calls",
        /// Content was filtered.
        ContentFilter => "content_filter",
        /// The model called a legacy function.
        FunctionCall => "function_call",
    }
}

/// Log probability of one token and its top alternatives.
// `Deserialize`: `deserialize_open_struct!` below (unknown fields kept in `extra`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct TokenLogprob {
    /// The token.
    #[serde(default)]
    pub token: String,
    /// Its log probability.
    #[serde(default)]
    pub logprob: f64,
    /// Its UTF-8 bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<Vec<u8>>,
    /// The most likely alternatives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_logprobs: Option<Vec<TokenLogprob>>,
    /// Fields this version does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The log probabilities of a choice.
// `Deserialize`: `deserialize_open_struct!` below (unknown fields kept in `extra`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ChoiceLogprobs {
    /// Per content token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Vec<TokenLogprob>>,
    /// Per refusal token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<Vec<TokenLogprob>>,
    /// Fields this version does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Details of the prompt tokens.
// `Deserialize`: `deserialize_open_struct!` below (unknown fields kept in `extra`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct PromptTokensDetails {
    /// Tokens read from the provider's prompt cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_tokens: Option<u64>,
    /// Tokens written to the prompt cache (Requesty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caching_tokens: Option<u64>,
    /// Audio input tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_tokens: Option<u64>,
    /// Fields this version does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Details of the completion tokens.
// `Deserialize`: `deserialize_open_struct!` below (unknown fields kept in `extra`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct CompletionTokensDetails {
    /// Tokens spent reasoning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_tokens: Option<u64>,
    /// Audio output tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_tokens: Option<u64>,
    /// Predicted-output tokens that were used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_prediction_tokens: Option<u64>,
    /// Predicted-output tokens that were not used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected_prediction_tokens: Option<u64>,
    /// Fields this version does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Token counts and, from Requesty, the cost.
// `Deserialize`: `deserialize_open_struct!` below (unknown fields kept in `extra`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Usage {
    /// Prompt tokens.
    #[serde(default)]
    pub prompt_tokens: u64,
    /// Generated tokens.
    #[serde(default)]
    pub completion_tokens: u64,
    /// Both.
    #[serde(default)]
    pub total_tokens: u64,
    /// Prompt details (cache).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_tokens_details: Option<PromptTokensDetails>,
    /// Completion details (reasoning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_tokens_details: Option<CompletionTokensDetails>,
    /// Cost of the request in USD (Requesty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
    /// Fields this version does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Usage {
    /// Tokens read from the prompt cache (0 if not reported).
    pub fn cached_tokens(&self) -> u64 {
        self.prompt_tokens_details
            .as_ref()
            .and_then(|d| d.cached_tokens)
            .unwrap_or(0)
    }

    /// Reasoning tokens (0 if not reported).
    pub fn reasoning_tokens(&self) -> u64 {
        self.completion_tokens_details
            .as_ref()
            .and_then(|d| d.reasoning_tokens)
            .unwrap_or(0)
    }
}

/// One answer of the model (several when `n > 1`).
// `Deserialize`: `deserialize_open_struct!` below (unknown fields kept in `extra`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Choice {
    /// Position among the choices.
    #[serde(default)]
    pub index: u32,
    /// The assistant message.
    #[serde(default)]
    pub message: Message,
    /// Why the model stopped.
    #[serde(default)]
    pub finish_reason: Option<FinishReason>,
    /// Log probabilities, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<ChoiceLogprobs>,
    /// Fields this version does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A chat completion.
// `Deserialize`: `deserialize_open_struct!` below (unknown fields kept in `extra`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ChatCompletion {
    /// The completion's id.
    #[serde(default)]
    pub id: String,
    /// `chat.completion`.
    #[serde(default)]
    pub object: String,
    /// Unix time of creation, in seconds.
    #[serde(default)]
    pub created: u64,
    /// The model that answered.
    #[serde(default)]
    pub model: String,
    /// The answers.
    #[serde(default)]
    pub choices: Vec<Choice>,
    /// Token counts and cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// Backend configuration fingerprint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_fingerprint: Option<String>,
    /// The service tier that served the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<String>,
    /// Fields this version does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// HTTP metadata of the response (request id, headers); not part of the JSON.
    #[serde(skip)]
    pub meta: ResponseMeta,
}

impl ChatCompletion {
    /// The first choice's text, if it has any.
    pub fn text(&self) -> Option<String> {
        self.choices
            .first()
            .and_then(|c| c.message.text())
            .map(|t| t.into_owned())
    }

    /// The first choice.
    pub fn first_choice(&self) -> Option<&Choice> {
        self.choices.first()
    }

    /// The first choice's tool calls (empty if none).
    pub fn tool_calls(&self) -> &[ToolCall] {
        self.choices
            .first()
            .map(|c| c.message.tool_calls())
            .unwrap_or_default()
    }

    /// The first choice's refusal, if the model declined.
    pub fn refusal(&self) -> Option<&str> {
        self.choices.first()?.message.refusal.as_deref()
    }

    /// The first choice's reasoning text, if the model returned any.
    pub fn reasoning(&self) -> Option<&str> {
        self.choices.first()?.message.reasoning_content.as_deref()
    }

    /// The first choice's finish reason.
    pub fn finish_reason(&self) -> Option<&FinishReason> {
        self.choices.first()?.finish_reason.as_ref()
    }

    /// The first choice's assistant message, ready to append to the next
    /// request of the conversation: tool calls kept; reasoning text removed
    /// (providers reject it in input messages); a legacy `function_call`
    /// that merely repeats a tool call (llama-cpp-python sends both) removed.
    pub fn assistant_message(&self) -> Message {
        let mut m = self
            .choices
            .first()
            .map(|c| c.message.clone())
            .unwrap_or_default();
        m.reasoning_content = None;
        if !m.tool_calls().is_empty() {
            m.function_call = None;
        }
        m
    }

    /// The request id the server gave this response (`x-request-id` and kin).
    pub fn request_id(&self) -> Option<&str> {
        self.meta.request_id()
    }

    /// The response's HTTP headers (rate limits and the like).
    pub fn headers(&self) -> &http::HeaderMap {
        self.meta.headers()
    }
}

// ---------------------------------------------------------------------------
// Deserializing open structs without `#[serde(flatten)]`
// ---------------------------------------------------------------------------

/// An object key, borrowed from the input when it can be (no allocation for
/// the known fields of a `serde_json::from_slice`/`from_str` decode).
pub(crate) enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }

    pub(crate) fn into_string(self) -> String {
        match self {
            Key::Borrowed(s) => s.to_owned(),
            Key::Owned(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(s))
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(s.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, s: String) -> Result<Key<'de>, E> {
                Ok(Key::Owned(s))
            }
        }
        d.deserialize_identifier(V)
    }
}

/// `Deserialize` for a struct whose fields all have `#[serde(default)]` and
/// whose `extra: Map<String, Value>` keeps the fields this version does not
/// model: what `#[serde(flatten)] extra` did, without serde's buffering of
/// the whole object into an intermediate tree first (which made decoding a
/// streamed chunk about three times slower). Known fields are decoded in
/// place, a repeated known field is an error (as with the derive), unknown
/// fields go to `extra` in order. Serialization stays derived (`flatten`
/// is cheap there).
macro_rules! deserialize_open_struct {
    ($ty:ident, $expecting:literal, { $($field:ident: $name:literal),+ $(,)? }) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> serde::de::Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<$ty, A::Error> {
                        #[allow(non_snake_case)]
                        struct Seen { $($field: bool),+ }
                        let mut seen = Seen { $($field: false),+ };
                        let mut out = <$ty as Default>::default();
                        while let Some(key) = map.next_key::<$crate::types::response::Key<'de>>()? {
                            match key.as_str() {
                                $(
                                    $name => {
                                        if seen.$field {
                                            return Err(<A::Error as serde::de::Error>::duplicate_field($name));
                                        }
                                        seen.$field = true;
                                        out.$field = map.next_value()?;
                                    }
                                )+
                                _ => {
                                    let value: serde_json::Value = map.next_value()?;
                                    out.extra.insert(key.into_string(), value);
                                }
                            }
                        }
                        Ok(out)
                    }
                }
                d.deserialize_map(V)
            }
        }
    };
}
pub(crate) use deserialize_open_struct;

deserialize_open_struct!(TokenLogprob, "a TokenLogprob object", {
    token: "token",
    logprob: "logprob",
    bytes: "bytes",
    top_logprobs: "top_logprobs",
});

deserialize_open_struct!(ChoiceLogprobs, "a ChoiceLogprobs object", {
    content: "content",
    refusal: "refusal",
});

deserialize_open_struct!(PromptTokensDetails, "a PromptTokensDetails object", {
    cached_tokens: "cached_tokens",
    caching_tokens: "caching_tokens",
    audio_tokens: "audio_tokens",
});

deserialize_open_struct!(CompletionTokensDetails, "a CompletionTokensDetails object", {
    reasoning_tokens: "reasoning_tokens",
    audio_tokens: "audio_tokens",
    accepted_prediction_tokens: "accepted_prediction_tokens",
    rejected_prediction_tokens: "rejected_prediction_tokens",
});

deserialize_open_struct!(Usage, "a Usage object", {
    prompt_tokens: "prompt_tokens",
    completion_tokens: "completion_tokens",
    total_tokens: "total_tokens",
    prompt_tokens_details: "prompt_tokens_details",
    completion_tokens_details: "completion_tokens_details",
    cost: "cost",
});

deserialize_open_struct!(Choice, "a Choice object", {
    index: "index",
    message: "message",
    finish_reason: "finish_reason",
    logprobs: "logprobs",
});

deserialize_open_struct!(ChatCompletion, "a ChatCompletion object", {
    id: "id",
    object: "object",
    created: "created",
    model: "model",
    choices: "choices",
    usage: "usage",
    system_fingerprint: "system_fingerprint",
    service_tier: "service_tier",
});
