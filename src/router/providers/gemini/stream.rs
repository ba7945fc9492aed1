//! Their server-sent events → our chunks: each `data:` event of
//! `streamGenerateContent?alt=sse` is a partial `GenerateContentResponse`,
//! translated into one OpenAI-style chunk. The rules are in the
//! [module docs](super).

use std::collections::BTreeMap;

use bytes::Bytes;
use futures::Stream;
use serde_json::{Map, Value};

use super::google_error;
use super::response::{
    self, GenerateContentResponse, block_refusal, choice_extra, extract, finish_reason,
};
use crate::error::{ApiError, Error, ErrorKind, Result};
use crate::meta::ResponseMeta;
use crate::stream::chat_stream::{SseFormat, StreamTimeouts, drive_sse};
use crate::stream::sse::SseEvent;
use crate::types::{
    ChatCompletionChunk, ChunkChoice, Delta, FinishReason, FunctionCallDelta, Role, ToolCallDelta,
    ToolType, Usage,
};

/// What one candidate has sent so far.
#[derive(Debug, Default)]
struct CandidateState {
    role_sent: bool,
    calls: usize,
    finished: bool,
    /// Signatures of the candidate's function calls, by call id.
    call_signatures: Map<String, Value>,
    /// The last signature of a part that is not a function call.
    signature: Option<String>,
}

impl CandidateState {
    /// `extra_content` with every signature so far: the accumulator keeps
    /// the last value of a key, so each chunk that adds one repeats them all.
    fn extra_content(&self) -> Value {
        let mut google = Map::new();
        if let Some(sig) = &self.signature {
            google.insert("thought_signature".to_owned(), Value::String(sig.clone()));
        }
        if !self.call_signatures.is_empty() {
            google.insert(
                "tool_call_thought_signatures".to_owned(),
                Value::Object(self.call_signatures.clone()),
            );
        }
        let mut ec = Map::new();
        ec.insert("google".to_owned(), Value::Object(google));
        Value::Object(ec)
    }
}

/// Translates the events of one stream, keeping what spans events.
#[derive(Debug)]
pub(crate) struct Translator {
    model: String,
    created: u64,
    include_usage: bool,
    id: String,
    candidates: BTreeMap<u32, CandidateState>,
    usage: Option<Usage>,
}

impl Translator {
    /// A translator for a stream of `model` created at `created`, ending with
    /// a usage chunk when `include_usage`.
    pub(crate) fn new(model: String, created: u64, include_usage: bool) -> Self {
        Translator {
            model,
            created,
            include_usage,
            id: String::new(),
            candidates: BTreeMap::new(),
            usage: None,
        }
    }

    fn chunk(&self, choices: Vec<ChunkChoice>, usage: Option<Usage>) -> ChatCompletionChunk {
        ChatCompletionChunk {
            id: self.id.clone(),
            object: "chat.completion.chunk".to_owned(),
            created: self.created,
            model: self.model.clone(),
            choices,
            usage,
            system_fingerprint: None,
            service_tier: None,
            extra: Map::new(),
        }
    }

    /// One event's data: a chunk, or nothing when it carries no candidate
    /// news (a usage-only event); an in-band error or malformed data is an
    /// error (whose copy of the data goes through `scrub` first).
    pub(crate) fn event(
        &mut self,
        data: &str,
        meta: &ResponseMeta,
        scrub: &dyn Fn(String) -> String,
    ) -> Result<Option<ChatCompletionChunk>> {
        let data = data.trim();
        if data.is_empty() {
            return Ok(None);
        }
        let value: Value = serde_json::from_str(data).map_err(|e| {
            Error::decode(
                format!("a stream event is not JSON: {e}"),
                scrub(data.to_owned()).as_bytes(),
            )
        })?;
        let error = match &value {
            Value::Object(o) => o.get("error").filter(|e| !e.is_null()).is_some(),
            Value::Array(items) => items.first().and_then(|i| i.get("error")).is_some(),
            _ => false,
        };
        if error {
            let api = ApiError::from_response(
                meta.status(),
                meta.headers().clone(),
                scrub(data.to_owned()),
            );
            let err: Error = ErrorKind::Stream {
                message: format!("the server sent an error in the stream: {}", api.message),
                api: Some(Box::new(api)),
            }
            .into();
            return Err(google_error(err));
        }
        let resp: GenerateContentResponse = serde_json::from_value(value).map_err(|e| {
            Error::decode(
                format!("a stream event is malformed: {e}"),
                scrub(data.to_owned()).as_bytes(),
            )
        })?;
        if self.id.is_empty()
            && let Some(id) = &resp.response_id
        {
            self.id.clone_from(id);
        }
        if let Some(v) = &resp.model_version
            && !v.is_empty()
        {
            self.model.clone_from(v);
        }
        if let Some(u) = &resp.usage_metadata {
            self.usage = Some(response::usage(u));
        }
        let mut choices = Vec::new();
        if resp.candidates.is_empty() {
            if let Some(f) = resp
                .prompt_feedback
                .as_ref()
                .filter(|f| f.block_reason.is_some())
            {
                let state = self.candidates.entry(0).or_default();
                if !state.finished {
                    state.finished = true;
                    let blocked = response::blocked_choice(f);
                    choices.push(ChunkChoice {
                        index: 0,
                        delta: Delta {
                            role: (!state.role_sent).then_some(Role::Assistant),
                            refusal: Some(block_refusal(f)),
                            ..Delta::default()
                        },
                        finish_reason: Some(FinishReason::ContentFilter),
                        logprobs: None,
                        extra: blocked.extra,
                    });
                    state.role_sent = true;
                }
            }
        }
        for (pos, cand) in resp.candidates.iter().enumerate() {
            let index = cand
                .index
                .unwrap_or_else(|| u32::try_from(pos).unwrap_or(u32::MAX));
            let state = self.candidates.entry(index).or_default();
            let parts = cand.content.as_ref().map_or(&[][..], |c| &c.parts[..]);
            let ex = extract(parts, state.calls);
            let mut delta = Delta {
                content: ex.text,
                reasoning_content: ex.reasoning,
                ..Delta::default()
            };
            let mut new_signature = false;
            if !ex.calls.is_empty() {
                let first = state.calls;
                let deltas = ex
                    .calls
                    .iter()
                    .enumerate()
                    .map(|(k, c)| {
                        if let Some(sig) = &c.signature {
                            state
                                .call_signatures
                                .insert(c.id.clone(), Value::String(sig.clone()));
                            new_signature = true;
                        }
                        ToolCallDelta {
                            index: Some(u32::try_from(first + k).unwrap_or(u32::MAX)),
                            id: Some(c.id.clone()),
                            kind: Some(ToolType::Function),
                            function: Some(FunctionCallDelta {
                                name: Some(c.name.clone()),
                                arguments: Some(c.arguments.clone()),
                            }),
                        }
                    })
                    .collect();
                state.calls += ex.calls.len();
                delta.tool_calls = Some(deltas);
            }
            if let Some(sig) = ex.signature {
                state.signature = Some(sig);
                new_signature = true;
            }
            if new_signature {
                delta
                    .extra
                    .insert("extra_content".to_owned(), state.extra_content());
            }
            let finish = cand
                .finish_reason
                .as_deref()
                .and_then(|r| finish_reason(r, state.calls > 0));
            let has_news = delta.content.is_some()
                || delta.reasoning_content.is_some()
                || delta.tool_calls.is_some()
                || !delta.extra.is_empty()
                || finish.is_some();
            if !has_news && state.role_sent {
                continue;
            }
            if !state.role_sent {
                delta.role = Some(Role::Assistant);
                state.role_sent = true;
            }
            if finish.is_some() {
                state.finished = true;
            }
            choices.push(ChunkChoice {
                index,
                delta,
                logprobs: cand.logprobs_result.as_ref().map(response::logprobs),
                extra: if finish.is_some() {
                    choice_extra(cand)
                } else {
                    Map::new()
                },
                finish_reason: finish,
            });
        }
        if choices.is_empty() {
            return Ok(None);
        }
        Ok(Some(self.chunk(choices, None)))
    }

    /// The end of the body: the usage chunk (when asked for), or the
    /// truncation error when a candidate has no finish reason.
    pub(crate) fn finish(&self) -> Result<Option<ChatCompletionChunk>> {
        if self.candidates.is_empty() {
            return Err(Error::stream("the stream ended without any candidate"));
        }
        if let Some((i, _)) = self.candidates.iter().find(|(_, s)| !s.finished) {
            return Err(Error::stream(format!(
                "the stream ended before candidate {i} had a finishReason: the answer is truncated"
            )));
        }
        Ok(match (&self.usage, self.include_usage) {
            (Some(u), true) => Some(self.chunk(Vec::new(), Some(u.clone()))),
            _ => None,
        })
    }
}

/// Gemini's `streamGenerateContent?alt=sse` as an [`SseFormat`]: no end
/// event; at the end of the body the translator decides (usage chunk, or
/// truncation when no candidate finished).
struct GeminiSse {
    translator: Translator,
    meta: ResponseMeta,
}

impl SseFormat for GeminiSse {
    fn event(&mut self, ev: SseEvent, out: &mut Vec<ChatCompletionChunk>) -> Result<bool> {
        if ev.event_type() == "message"
            && let Some(chunk) = self
                .translator
                .event(&ev.data, &self.meta, &|s: String| s)?
        {
            out.push(chunk);
        }
        Ok(false)
    }

    fn end(&mut self, out: &mut Vec<ChatCompletionChunk>) -> Result<()> {
        out.extend(self.translator.finish()?);
        Ok(())
    }
}

/// Turns a body of Gemini server-sent events into chunks, enforcing the
/// timeouts (first event by `first_chunk_by`, then at most `read` of
/// silence) and the finish rule at the end of the body.
pub(crate) fn chunks<B, E>(
    body: B,
    meta: ResponseMeta,
    timeouts: StreamTimeouts,
    scrub: impl Fn(String) -> String + Send + 'static,
    translator: Translator,
) -> impl Stream<Item = Result<ChatCompletionChunk>> + Send + 'static
where
    B: Stream<Item = std::result::Result<Bytes, E>> + Send + 'static,
    E: std::error::Error + Send + Sync + 'static,
{
    drive_sse(body, timeouts, scrub, GeminiSse { translator, meta })
}

/// The items of a whole body, without timeouts (fuzzing and property tests).
#[cfg(feature = "testing")]
pub(super) fn decode_for_tests(body: &[u8]) -> Vec<Result<ChatCompletionChunk>> {
    let format = GeminiSse {
        translator: Translator::new("gemini-fuzz".into(), 0, true),
        meta: ResponseMeta::default(),
    };
    crate::stream::chat_stream::run_sse_sync(body, format)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::accumulator::ChunkAccumulator;

    fn meta() -> ResponseMeta {
        ResponseMeta::new(200, http::HeaderMap::new())
    }

    fn keep(s: String) -> String {
        s
    }

    #[test]
    fn text_chunks_and_usage() {
        let mut t = Translator::new("gemini-2.5-flash".into(), 7, true);
        let c1 = t
            .event(
                r#"{"candidates":[{"content":{"role":"model","parts":[{"text":"Hel"}]}}],"responseId":"r1","modelVersion":"gemini-2.5-flash-001"}"#,
                &meta(), &keep,
            )
            .unwrap()
            .unwrap();
        assert_eq!(c1.choices[0].delta.role, Some(Role::Assistant));
        assert_eq!(c1.delta_text(), Some("Hel"));
        assert_eq!(c1.finish_reason(), None);
        assert_eq!(
            (c1.id.as_str(), c1.model.as_str()),
            ("r1", "gemini-2.5-flash-001")
        );
        let c2 = t
            .event(
                r#"{"candidates":[{"content":{"parts":[{"text":"lo"}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":2,"totalTokenCount":5}}"#,
                &meta(), &keep,
            )
            .unwrap()
            .unwrap();
        assert_eq!(c2.choices[0].delta.role, None);
        assert_eq!(c2.finish_reason(), Some(&FinishReason::Stop));
        let usage = t.finish().unwrap().unwrap();
        assert!(usage.choices.is_empty());
        assert_eq!(usage.usage.as_ref().unwrap().total_tokens, 5);
        let mut acc = ChunkAccumulator::new();
        for c in [c1, c2, usage] {
            acc.push(&c);
        }
        let done = acc.finish();
        assert_eq!(done.text().as_deref(), Some("Hello"));
    }

    #[test]
    fn calls_across_chunks_get_increasing_indexes_and_signatures() {
        let mut t = Translator::new("m".into(), 0, false);
        let c1 = t
            .event(
                r#"{"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{"x":1}},"thoughtSignature":"S1"}]}}]}"#,
                &meta(), &keep,
            )
            .unwrap()
            .unwrap();
        let c2 = t
            .event(
                r#"{"candidates":[{"content":{"parts":[{"functionCall":{"name":"g","args":{}}}]},"finishReason":"STOP"}]}"#,
                &meta(), &keep,
            )
            .unwrap()
            .unwrap();
        assert_eq!(t.finish().unwrap(), None);
        let mut acc = ChunkAccumulator::new();
        acc.push(&c1);
        acc.push(&c2);
        let done = acc.finish();
        let calls = done.tool_calls();
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[1].id, response::synthesized_call_id("g", "{}", 1));
        assert_eq!(done.finish_reason(), Some(&FinishReason::ToolCalls));
        let m = &done.choices[0].message;
        assert_eq!(
            m.extra["extra_content"]["google"]["tool_call_thought_signatures"][&calls[0].id],
            "S1"
        );
    }

    #[test]
    fn truncation_and_errors() {
        let mut t = Translator::new("m".into(), 0, true);
        t.event(
            r#"{"candidates":[{"content":{"parts":[{"text":"a"}]}}]}"#,
            &meta(),
            &keep,
        )
        .unwrap();
        assert!(t.finish().unwrap_err().to_string().contains("truncated"));
        assert!(Translator::new("m".into(), 0, true).finish().is_err());
        let err = t
            .event(
                r#"{"error":{"code":503,"message":"overloaded","status":"UNAVAILABLE"}}"#,
                &meta(),
                &keep,
            )
            .unwrap_err();
        assert_eq!(
            err.api().unwrap().error_type.as_deref(),
            Some("UNAVAILABLE")
        );
        assert!(t.event("{not json", &meta(), &keep).is_err());
    }

    #[test]
    fn in_band_errors_are_scrubbed() {
        let mut t = Translator::new("m".into(), 0, false);
        let hide = |s: String| s.replace("AIza-secret", "[REDACTED]");
        let err = t
            .event(
                r#"{"error":{"code":400,"message":"bad key AIza-secret","status":"INVALID_ARGUMENT"}}"#,
                &meta(),
                &hide,
            )
            .unwrap_err();
        assert!(!format!("{err} {err:?}").contains("AIza-secret"));
        let err = t.event("AIza-secret{", &meta(), &hide).unwrap_err();
        assert!(!format!("{err:?}").contains("AIza-secret"));
    }

    #[test]
    fn a_blocked_prompt_finishes_the_stream() {
        let mut t = Translator::new("m".into(), 0, false);
        let c = t
            .event(
                r#"{"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"}}"#,
                &meta(),
                &keep,
            )
            .unwrap()
            .unwrap();
        assert_eq!(c.finish_reason(), Some(&FinishReason::ContentFilter));
        assert!(
            c.choices[0]
                .delta
                .refusal
                .as_deref()
                .unwrap()
                .contains("PROHIBITED_CONTENT")
        );
        assert_eq!(t.finish().unwrap(), None);
    }
}
