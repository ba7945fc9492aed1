//! Theirs → ours: a Gemini `GenerateContentResponse` as a
//! [`ChatCompletion`]. The rules are in the [module docs](super).

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::meta::ResponseMeta;
use crate::types::{
    ChatCompletion, Choice, ChoiceLogprobs, CompletionTokensDetails, Content, FinishReason,
    FunctionCall, Message, PromptTokensDetails, Role, TokenLogprob, ToolCall, ToolType, Usage,
};

/// `GenerateContentResponse` (the fields this adapter reads).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct GenerateContentResponse {
    pub candidates: Vec<Candidate>,
    pub prompt_feedback: Option<PromptFeedback>,
    pub usage_metadata: Option<UsageMetadata>,
    pub model_version: Option<String>,
    pub response_id: Option<String>,
}

/// One candidate answer.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Candidate {
    pub content: Option<GeminiContent>,
    pub finish_reason: Option<String>,
    pub finish_message: Option<String>,
    pub index: Option<u32>,
    pub safety_ratings: Option<Value>,
    pub logprobs_result: Option<LogprobsResult>,
}

/// `Content`: a role and parts.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct GeminiContent {
    pub parts: Vec<Part>,
}

/// `Part` (text, thought, function call; other kinds are ignored).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Part {
    pub text: Option<String>,
    pub thought: Option<bool>,
    pub thought_signature: Option<String>,
    pub function_call: Option<GeminiFunctionCall>,
}

/// `FunctionCall`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct GeminiFunctionCall {
    pub id: Option<String>,
    pub name: String,
    pub args: Option<Value>,
}

/// `PromptFeedback`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct PromptFeedback {
    pub block_reason: Option<String>,
    pub block_reason_message: Option<String>,
    pub safety_ratings: Option<Value>,
}

/// `UsageMetadata`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct UsageMetadata {
    pub prompt_token_count: u64,
    pub candidates_token_count: u64,
    pub total_token_count: Option<u64>,
    pub cached_content_token_count: Option<u64>,
    pub thoughts_token_count: Option<u64>,
    pub tool_use_prompt_token_count: Option<u64>,
}

/// `LogprobsResult`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct LogprobsResult {
    pub top_candidates: Vec<TopCandidates>,
    pub chosen_candidates: Vec<LogprobCandidate>,
}

/// `TopCandidates`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct TopCandidates {
    pub candidates: Vec<LogprobCandidate>,
}

/// `LogprobsResult.Candidate`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct LogprobCandidate {
    pub token: Option<String>,
    pub log_probability: Option<f64>,
}

/// A stable id for a call Gemini gave none: `call_` + 16 hex digits of a
/// hash (FNV-1a, then a SplitMix64 finalizer) of the name, the JSON text of
/// the arguments and the call's position among the candidate's calls.
pub(crate) fn synthesized_call_id(name: &str, arguments: &str, position: usize) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let bytes = name
        .bytes()
        .chain([0u8])
        .chain(arguments.bytes())
        .chain([0u8])
        .chain((position as u64).to_le_bytes());
    for b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^= h >> 31;
    format!("call_{h:016x}")
}

/// One function call of a candidate, translated.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CallOut {
    pub id: String,
    pub name: String,
    pub arguments: String,
    pub signature: Option<String>,
}

/// What the parts of (one chunk of) a candidate carry.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Extracted {
    /// Answer text (parts without `thought: true`), `None` when there was none.
    pub text: Option<String>,
    /// Thought summaries.
    pub reasoning: Option<String>,
    /// Function calls, in order.
    pub calls: Vec<CallOut>,
    /// The last signature found on a part that is not a function call.
    pub signature: Option<String>,
}

/// Reads parts; `first_position` is the number of calls the candidate made
/// before these parts (for ids of calls that arrive in later chunks).
pub(crate) fn extract(parts: &[Part], first_position: usize) -> Extracted {
    let mut out = Extracted::default();
    for p in parts {
        if let Some(fc) = &p.function_call {
            let args = match &fc.args {
                Some(v @ Value::Object(_)) => v.clone(),
                _ => Value::Object(Map::new()),
            };
            let arguments = serde_json::to_string(&args).unwrap_or_else(|_| "{}".to_owned());
            let position = first_position + out.calls.len();
            let id = match fc.id.as_deref().filter(|s| !s.is_empty()) {
                Some(id) => id.to_owned(),
                None => synthesized_call_id(&fc.name, &arguments, position),
            };
            out.calls.push(CallOut {
                id,
                name: fc.name.clone(),
                arguments,
                signature: p.thought_signature.clone().filter(|s| !s.is_empty()),
            });
            continue;
        }
        if let Some(sig) = p.thought_signature.as_ref().filter(|s| !s.is_empty()) {
            out.signature = Some(sig.clone());
        }
        if let Some(t) = &p.text {
            let slot = if p.thought == Some(true) {
                &mut out.reasoning
            } else {
                &mut out.text
            };
            slot.get_or_insert_with(String::new).push_str(t);
        }
    }
    out
}

/// `{"google": {key: value}}`, the value of an `extra_content` field.
pub(crate) fn google_extra_content(key: &str, value: Value) -> Value {
    json!({ "google": { key: value } })
}

/// Our finish reason for Gemini's (`None` for an unspecified or empty one).
pub(crate) fn finish_reason(raw: &str, has_calls: bool) -> Option<FinishReason> {
    Some(match raw {
        "" | "FINISH_REASON_UNSPECIFIED" => return None,
        "STOP" if has_calls => FinishReason::ToolCalls,
        "STOP" => FinishReason::Stop,
        "MAX_TOKENS" => FinishReason::Length,
        "SAFETY"
        | "RECITATION"
        | "BLOCKLIST"
        | "PROHIBITED_CONTENT"
        | "SPII"
        | "IMAGE_SAFETY"
        | "IMAGE_PROHIBITED_CONTENT"
        | "IMAGE_RECITATION" => FinishReason::ContentFilter,
        other => FinishReason::Other(other.to_owned()),
    })
}

/// Our usage for Gemini's `usageMetadata`.
pub(crate) fn usage(u: &UsageMetadata) -> Usage {
    let thoughts = u.thoughts_token_count.unwrap_or(0);
    let completion = u.candidates_token_count + thoughts;
    let mut extra = Map::new();
    if let Some(n) = u.tool_use_prompt_token_count {
        extra.insert("tool_use_prompt_tokens".to_owned(), json!(n));
    }
    Usage {
        prompt_tokens: u.prompt_token_count,
        completion_tokens: completion,
        total_tokens: u
            .total_token_count
            .unwrap_or(u.prompt_token_count + completion),
        prompt_tokens_details: u.cached_content_token_count.map(|n| PromptTokensDetails {
            cached_tokens: Some(n),
            ..PromptTokensDetails::default()
        }),
        completion_tokens_details: u.thoughts_token_count.map(|n| CompletionTokensDetails {
            reasoning_tokens: Some(n),
            ..CompletionTokensDetails::default()
        }),
        cost: None,
        extra,
    }
}

/// Our log probabilities for Gemini's `logprobsResult`.
pub(crate) fn logprobs(r: &LogprobsResult) -> ChoiceLogprobs {
    let content = r
        .chosen_candidates
        .iter()
        .enumerate()
        .map(|(i, chosen)| TokenLogprob {
            token: chosen.token.clone().unwrap_or_default(),
            logprob: chosen.log_probability.unwrap_or(0.0),
            bytes: chosen.token.as_ref().map(|t| t.as_bytes().to_vec()),
            top_logprobs: r.top_candidates.get(i).map(|top| {
                top.candidates
                    .iter()
                    .map(|c| TokenLogprob {
                        token: c.token.clone().unwrap_or_default(),
                        logprob: c.log_probability.unwrap_or(0.0),
                        bytes: c.token.as_ref().map(|t| t.as_bytes().to_vec()),
                        top_logprobs: None,
                        extra: Map::new(),
                    })
                    .collect()
            }),
            extra: Map::new(),
        })
        .collect();
    ChoiceLogprobs {
        content: Some(content),
        refusal: None,
        extra: Map::new(),
    }
}

/// The refusal text for a prompt Gemini blocked.
pub(crate) fn block_refusal(f: &PromptFeedback) -> String {
    let reason = f
        .block_reason
        .as_deref()
        .unwrap_or("BLOCK_REASON_UNSPECIFIED");
    match f.block_reason_message.as_deref().filter(|m| !m.is_empty()) {
        Some(m) => format!("Gemini blocked the prompt ({reason}): {m}"),
        None => format!("Gemini blocked the prompt ({reason})"),
    }
}

/// The whole answer as a completion (`model` when Gemini names none).
pub(crate) fn completion(
    resp: GenerateContentResponse,
    model: &str,
    created: u64,
) -> Result<ChatCompletion> {
    let mut choices = Vec::with_capacity(resp.candidates.len().max(1));
    for (pos, cand) in resp.candidates.iter().enumerate() {
        choices.push(choice(cand, pos));
    }
    if choices.is_empty() {
        let Some(feedback) = resp
            .prompt_feedback
            .as_ref()
            .filter(|f| f.block_reason.is_some())
        else {
            return Err(Error::decode(
                "Gemini answered without any candidate and without a block reason",
                b"",
            ));
        };
        choices.push(blocked_choice(feedback));
    }
    choices.sort_by_key(|c| c.index);
    Ok(ChatCompletion {
        id: resp.response_id.clone().unwrap_or_default(),
        object: "chat.completion".to_owned(),
        created,
        model: resp
            .model_version
            .clone()
            .unwrap_or_else(|| model.to_owned()),
        choices,
        usage: resp.usage_metadata.as_ref().map(usage),
        system_fingerprint: None,
        service_tier: None,
        extra: Map::new(),
        meta: ResponseMeta::default(),
    })
}

/// The choice standing for a blocked prompt.
pub(crate) fn blocked_choice(f: &PromptFeedback) -> Choice {
    let mut extra = Map::new();
    if let Some(r) = &f.block_reason {
        extra.insert("block_reason".to_owned(), Value::String(r.clone()));
    }
    if let Some(s) = &f.safety_ratings {
        extra.insert("safety_ratings".to_owned(), s.clone());
    }
    Choice {
        index: 0,
        message: Message {
            role: Role::Assistant,
            refusal: Some(block_refusal(f)),
            ..Message::default()
        },
        finish_reason: Some(FinishReason::ContentFilter),
        logprobs: None,
        extra,
    }
}

/// Choice-level extras: the raw finish reason, its message, safety ratings.
pub(crate) fn choice_extra(cand: &Candidate) -> Map<String, Value> {
    let mut extra = Map::new();
    if let Some(raw) = cand.finish_reason.as_deref().filter(|r| !r.is_empty()) {
        extra.insert(
            "finish_reason_raw".to_owned(),
            Value::String(raw.to_owned()),
        );
    }
    if let Some(m) = &cand.finish_message {
        extra.insert("finish_message".to_owned(), Value::String(m.clone()));
    }
    if cand.finish_reason.is_some()
        && let Some(s) = &cand.safety_ratings
    {
        extra.insert("safety_ratings".to_owned(), s.clone());
    }
    extra
}

fn choice(cand: &Candidate, pos: usize) -> Choice {
    let parts = cand.content.as_ref().map_or(&[][..], |c| &c.parts[..]);
    let ex = extract(parts, 0);
    let has_calls = !ex.calls.is_empty();
    let tool_calls: Option<Vec<ToolCall>> = has_calls.then(|| {
        ex.calls
            .iter()
            .map(|c| {
                let mut extra = Map::new();
                if let Some(sig) = &c.signature {
                    extra.insert(
                        "extra_content".to_owned(),
                        google_extra_content("thought_signature", Value::String(sig.clone())),
                    );
                }
                ToolCall {
                    id: c.id.clone(),
                    kind: ToolType::Function,
                    function: FunctionCall {
                        name: c.name.clone(),
                        arguments: c.arguments.clone(),
                    },
                    extra,
                }
            })
            .collect()
    });
    let mut extra = Map::new();
    if let Some(sig) = &ex.signature {
        extra.insert(
            "extra_content".to_owned(),
            google_extra_content("thought_signature", Value::String(sig.clone())),
        );
    }
    let content = match (ex.text, has_calls) {
        (Some(t), _) => Some(Content::Text(t)),
        (None, true) => None,
        (None, false) => Some(Content::Text(String::new())),
    };
    Choice {
        index: cand
            .index
            .unwrap_or_else(|| u32::try_from(pos).unwrap_or(u32::MAX)),
        message: Message {
            role: Role::Assistant,
            content,
            tool_calls,
            reasoning_content: ex.reasoning,
            extra,
            ..Message::default()
        },
        finish_reason: cand
            .finish_reason
            .as_deref()
            .and_then(|r| finish_reason(r, has_calls)),
        logprobs: cand.logprobs_result.as_ref().map(logprobs),
        extra: choice_extra(cand),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: Value) -> GenerateContentResponse {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn ids_are_stable_and_distinct() {
        let a = synthesized_call_id("f", "{}", 0);
        assert_eq!(a, synthesized_call_id("f", "{}", 0));
        assert_ne!(a, synthesized_call_id("f", "{}", 1));
        assert_ne!(a, synthesized_call_id("g", "{}", 0));
        assert_ne!(a, synthesized_call_id("f", "{\"a\":1}", 0));
        assert!(a.starts_with("call_") && a.len() == 21, "{a}");
    }

    #[test]
    fn finish_reasons() {
        let table = [
            ("STOP", false, Some(FinishReason::Stop)),
            ("STOP", true, Some(FinishReason::ToolCalls)),
            ("MAX_TOKENS", true, Some(FinishReason::Length)),
            ("SAFETY", false, Some(FinishReason::ContentFilter)),
            ("RECITATION", false, Some(FinishReason::ContentFilter)),
            ("BLOCKLIST", false, Some(FinishReason::ContentFilter)),
            (
                "PROHIBITED_CONTENT",
                false,
                Some(FinishReason::ContentFilter),
            ),
            ("SPII", false, Some(FinishReason::ContentFilter)),
            ("IMAGE_SAFETY", false, Some(FinishReason::ContentFilter)),
            (
                "MALFORMED_FUNCTION_CALL",
                false,
                Some(FinishReason::Other("MALFORMED_FUNCTION_CALL".into())),
            ),
            ("OTHER", false, Some(FinishReason::Other("OTHER".into()))),
            ("FINISH_REASON_UNSPECIFIED", false, None),
            ("", false, None),
        ];
        for (raw, calls, expected) in table {
            assert_eq!(finish_reason(raw, calls), expected, "{raw}");
        }
    }

    #[test]
    fn text_thoughts_calls_and_usage() {
        let resp = parse(json!({
            "candidates": [{
                "content": {"role": "model", "parts": [
                    {"text": "Let me think.", "thought": true},
                    {"text": "Checking "},
                    {"text": "both."},
                    {"functionCall": {"name": "f", "args": {"b": 2, "a": 1}}, "thoughtSignature": "S1"},
                    {"functionCall": {"id": "given", "name": "g", "args": {}}}
                ]},
                "finishReason": "STOP"
            }],
            "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5, "thoughtsTokenCount": 7, "cachedContentTokenCount": 4, "totalTokenCount": 22},
            "modelVersion": "gemini-2.5-flash",
            "responseId": "resp-1"
        }));
        let c = completion(resp, "fallback", 42).unwrap();
        assert_eq!(c.id, "resp-1");
        assert_eq!(c.model, "gemini-2.5-flash");
        assert_eq!(c.created, 42);
        assert_eq!(c.text().as_deref(), Some("Checking both."));
        assert_eq!(c.reasoning(), Some("Let me think."));
        assert_eq!(c.finish_reason(), Some(&FinishReason::ToolCalls));
        let calls = c.tool_calls();
        assert_eq!(calls[0].function.arguments, r#"{"a":1,"b":2}"#);
        assert_eq!(calls[0].id, synthesized_call_id("f", r#"{"a":1,"b":2}"#, 0));
        assert_eq!(
            calls[0].extra["extra_content"]["google"]["thought_signature"],
            "S1"
        );
        assert_eq!(calls[1].id, "given");
        let u = c.usage.unwrap();
        assert_eq!(
            (u.prompt_tokens, u.completion_tokens, u.total_tokens),
            (10, 12, 22)
        );
        assert_eq!((u.cached_tokens(), u.reasoning_tokens()), (4, 7));
        assert_eq!(c.choices[0].extra["finish_reason_raw"], "STOP");
    }

    #[test]
    fn a_blocked_prompt_is_a_refusal() {
        let resp = parse(json!({"promptFeedback": {"blockReason": "SAFETY"}}));
        let c = completion(resp, "m", 0).unwrap();
        assert_eq!(c.finish_reason(), Some(&FinishReason::ContentFilter));
        assert!(c.refusal().unwrap().contains("SAFETY"));
        assert_eq!(c.choices[0].extra["block_reason"], "SAFETY");
        assert!(completion(parse(json!({})), "m", 0).is_err());
    }

    #[test]
    fn logprobs_are_mapped() {
        let r: LogprobsResult = serde_json::from_value(json!({
            "topCandidates": [{"candidates": [{"token": "Hi", "logProbability": -0.1}, {"token": "Hey", "logProbability": -2.0}]}],
            "chosenCandidates": [{"token": "Hi", "logProbability": -0.1}]
        }))
        .unwrap();
        let lp = logprobs(&r);
        let content = lp.content.unwrap();
        assert_eq!(content[0].token, "Hi");
        assert_eq!(content[0].top_logprobs.as_ref().unwrap()[1].token, "Hey");
    }
}
