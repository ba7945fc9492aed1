//! Theirs → ours, streamed: Anthropic's server-sent events as OpenAI-style
//! chunks, with a small state machine ([`State`]) and the same timeout and
//! truncation rules as [`sse_chunks`](crate::stream::chat_stream::sse_chunks).

use bytes::Bytes;
use futures::Stream;
use serde_json::{Map, Value, json};

use super::request::{JSON_TOOL, Sent};
use super::response::{AnthropicUsage, finish_reason, refusal_text, stop_extra, unix_now};
use crate::error::{ApiError, Error, ErrorKind, Result};
use crate::meta::ResponseMeta;
use crate::stream::chat_stream::{SseFormat, StreamTimeouts, drive_sse};
use crate::stream::sse::SseEvent;
use crate::types::{
    ChatCompletionChunk, ChunkChoice, Delta, FinishReason, FunctionCallDelta, Role, ToolCallDelta,
    ToolType,
};

/// The event types this adapter reads; other types are skipped.
const KNOWN: [&str; 8] = [
    "message_start",
    "content_block_start",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "message_stop",
    "ping",
    "error",
];

/// The HTTP status Anthropic documents for an error type.
fn status_of(error_type: &str) -> Option<u16> {
    Some(match error_type {
        "invalid_request_error" => 400,
        "authentication_error" => 401,
        "billing_error" => 402,
        "permission_error" => 403,
        "not_found_error" => 404,
        "request_too_large" => 413,
        "rate_limit_error" => 429,
        "api_error" => 500,
        "timeout_error" => 504,
        "overloaded_error" => 529,
        _ => return None,
    })
}

/// An `error` event as an error: a documented error type is an API error
/// with that type's HTTP status (so `overloaded_error` is a retryable 529);
/// another is a stream error carrying the body.
fn error_event(data: &str, meta: &ResponseMeta) -> Error {
    let mut api = ApiError::from_response(meta.status(), meta.headers().clone(), data.to_owned());
    if let Some(status) = api.error_type.as_deref().and_then(status_of) {
        api.status = status;
        return api.into();
    }
    ErrorKind::Stream {
        message: format!("the server sent an error in the stream: {}", api.message),
        api: Some(Box::new(api)),
    }
    .into()
}

fn malformed(what: &str, data: &str) -> Error {
    Error::decode(
        format!("a malformed Anthropic stream event: {what}"),
        data.as_bytes(),
    )
}

/// What a content block is, while it streams.
#[derive(Debug)]
enum Block {
    Text,
    Thinking {
        text: String,
        signature: String,
    },
    /// A tool call with its index among the turn's calls.
    Tool {
        index: u32,
        seen_args: bool,
        start_input: Value,
    },
    /// The `json_answer` tool: its input is the answer's text.
    JsonAnswer {
        seen_args: bool,
        start_input: Value,
    },
    /// A block type this adapter does not map.
    Other,
}

/// The state of one streamed message.
#[derive(Debug)]
pub(super) struct State {
    sent: Sent,
    include_usage: bool,
    id: String,
    model: String,
    created: u64,
    role_sent: bool,
    /// Blocks by Anthropic's index.
    blocks: Vec<(u64, Block)>,
    next_tool: u32,
    tool_calls: u32,
    thinking_blocks: Vec<Value>,
    usage: AnthropicUsage,
    stop_reason: Option<String>,
    stop_sequence: Option<String>,
    stop_details: Option<Value>,
    /// `message_stop` arrived.
    pub done: bool,
}

impl State {
    pub(super) fn new(sent: Sent, include_usage: bool) -> Self {
        State {
            sent,
            include_usage,
            id: String::new(),
            model: String::new(),
            created: unix_now(),
            role_sent: false,
            blocks: Vec::new(),
            next_tool: 0,
            tool_calls: 0,
            thinking_blocks: Vec::new(),
            usage: AnthropicUsage::default(),
            stop_reason: None,
            stop_sequence: None,
            stop_details: None,
            done: false,
        }
    }

    /// A chunk with one choice; the first one carries the role.
    fn chunk(
        &mut self,
        mut delta: Delta,
        finish: Option<FinishReason>,
        extra: Map<String, Value>,
    ) -> ChatCompletionChunk {
        if !self.role_sent {
            self.role_sent = true;
            delta.role = Some(Role::Assistant);
        }
        let choice = ChunkChoice {
            index: 0,
            delta,
            finish_reason: finish,
            logprobs: None,
            extra,
        };
        self.head(vec![choice])
    }

    fn head(&self, choices: Vec<ChunkChoice>) -> ChatCompletionChunk {
        ChatCompletionChunk {
            id: self.id.clone(),
            object: "chat.completion.chunk".into(),
            created: self.created,
            model: self.model.clone(),
            choices,
            ..ChatCompletionChunk::default()
        }
    }

    fn text(&mut self, text: &str) -> ChatCompletionChunk {
        self.chunk(
            Delta {
                content: Some(text.to_owned()),
                ..Delta::default()
            },
            None,
            Map::new(),
        )
    }

    fn tool_delta(&mut self, call: ToolCallDelta) -> ChatCompletionChunk {
        self.chunk(
            Delta {
                tool_calls: Some(vec![call]),
                ..Delta::default()
            },
            None,
            Map::new(),
        )
    }

    fn block(&mut self, index: u64) -> Option<&mut Block> {
        self.blocks
            .iter_mut()
            .find(|(i, _)| *i == index)
            .map(|(_, b)| b)
    }

    /// Interprets one event; returns the chunks it yields.
    pub(super) fn on_event(
        &mut self,
        ev: &SseEvent,
        meta: &ResponseMeta,
    ) -> Result<Vec<ChatCompletionChunk>> {
        let data = ev.data.trim();
        let parsed: Option<Value> = serde_json::from_str(data).ok();
        let kind = parsed
            .as_ref()
            .and_then(|v| v.get("type"))
            .and_then(Value::as_str)
            .or(ev.event.as_deref())
            .unwrap_or_default()
            .to_owned();
        if !KNOWN.contains(&kind.as_str()) || kind == "ping" {
            return Ok(Vec::new());
        }
        if kind == "error" {
            return Err(error_event(data, meta));
        }
        let Some(v) = parsed else {
            return Err(malformed(&format!("`{kind}` data is not JSON"), data));
        };
        let index = || {
            v.get("index")
                .and_then(Value::as_u64)
                .ok_or_else(|| malformed(&format!("`{kind}` without an `index`"), data))
        };
        match kind.as_str() {
            "message_start" => {
                let m = v
                    .get("message")
                    .ok_or_else(|| malformed("`message_start` without a `message`", data))?;
                self.id = m
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                self.model = m
                    .get("model")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                if let Some(u) = m.get("usage") {
                    self.usage.update(usage(u, data)?);
                }
                Ok(Vec::new())
            }
            "content_block_start" => {
                let index = index()?;
                let cb = v.get("content_block").ok_or_else(|| {
                    malformed("`content_block_start` without a `content_block`", data)
                })?;
                self.block_start(index, cb, data)
            }
            "content_block_delta" => {
                let index = index()?;
                let d = v
                    .get("delta")
                    .ok_or_else(|| malformed("`content_block_delta` without a `delta`", data))?;
                self.block_delta(index, d, data)
            }
            "content_block_stop" => {
                let index = index()?;
                self.block_stop(index, data)
            }
            "message_delta" => {
                let d = v
                    .get("delta")
                    .ok_or_else(|| malformed("`message_delta` without a `delta`", data))?;
                if let Some(r) = d.get("stop_reason").and_then(Value::as_str) {
                    self.stop_reason = Some(r.to_owned());
                }
                if let Some(s) = d.get("stop_sequence").and_then(Value::as_str) {
                    self.stop_sequence = Some(s.to_owned());
                }
                if let Some(sd) = d.get("stop_details").filter(|sd| !sd.is_null()) {
                    self.stop_details = Some(sd.clone());
                }
                if let Some(u) = v.get("usage").filter(|u| !u.is_null()) {
                    self.usage.update(usage(u, data)?);
                }
                Ok(Vec::new())
            }
            // message_stop
            _ => Ok(self.finish()),
        }
    }

    fn block_start(
        &mut self,
        index: u64,
        cb: &Value,
        data: &str,
    ) -> Result<Vec<ChatCompletionChunk>> {
        let str_of = |k: &str| cb.get(k).and_then(Value::as_str);
        let mut out = Vec::new();
        let block = match str_of("type").unwrap_or_default() {
            "text" => {
                out.push(self.text(str_of("text").unwrap_or_default()));
                Block::Text
            }
            "thinking" => {
                let text = str_of("thinking").unwrap_or_default().to_owned();
                let reasoning = Delta {
                    reasoning_content: Some(text.clone()),
                    ..Delta::default()
                };
                out.push(self.chunk(reasoning, None, Map::new()));
                Block::Thinking {
                    text,
                    signature: str_of("signature").unwrap_or_default().to_owned(),
                }
            }
            "redacted_thinking" => {
                self.thinking_blocks.push(cb.clone());
                out.push(self.thinking_chunk(None));
                Block::Other
            }
            "tool_use" => {
                let (Some(id), Some(name)) = (str_of("id"), str_of("name")) else {
                    return Err(malformed("a `tool_use` block without `id` or `name`", data));
                };
                let start_input = cb.get("input").cloned().unwrap_or(Value::Null);
                if self.sent.json_tool && name == JSON_TOOL {
                    out.push(self.text(""));
                    Block::JsonAnswer {
                        seen_args: false,
                        start_input,
                    }
                } else {
                    let index = self.next_tool;
                    self.next_tool += 1;
                    self.tool_calls += 1;
                    out.push(self.tool_delta(ToolCallDelta {
                        index: Some(index),
                        id: Some(id.to_owned()),
                        kind: Some(ToolType::Function),
                        function: Some(FunctionCallDelta {
                            name: Some(name.to_owned()),
                            arguments: Some(String::new()),
                        }),
                    }));
                    Block::Tool {
                        index,
                        seen_args: false,
                        start_input,
                    }
                }
            }
            _ => Block::Other,
        };
        self.blocks.retain(|(i, _)| *i != index);
        self.blocks.push((index, block));
        Ok(out)
    }

    fn block_delta(
        &mut self,
        index: u64,
        d: &Value,
        data: &str,
    ) -> Result<Vec<ChatCompletionChunk>> {
        let kind = d.get("type").and_then(Value::as_str).unwrap_or_default();
        let field = match kind {
            "text_delta" => "text",
            "input_json_delta" => "partial_json",
            "thinking_delta" => "thinking",
            "signature_delta" => "signature",
            // `citations_delta` and types this adapter does not know.
            _ => return Ok(Vec::new()),
        };
        let piece = d
            .get(field)
            .and_then(Value::as_str)
            .ok_or_else(|| malformed(&format!("a `{kind}` without `{field}`"), data))?;
        let Some(block) = self.block(index) else {
            return Err(malformed(
                &format!("a delta for block {index}, which never started"),
                data,
            ));
        };
        let chunk = match (block, kind) {
            (Block::Text, "text_delta") => Some(Delta {
                content: Some(piece.to_owned()),
                ..Delta::default()
            }),
            (Block::Thinking { text, .. }, "thinking_delta") => {
                text.push_str(piece);
                Some(Delta {
                    reasoning_content: Some(piece.to_owned()),
                    ..Delta::default()
                })
            }
            (Block::Thinking { signature, .. }, "signature_delta") => {
                piece.clone_into(signature);
                None
            }
            (Block::JsonAnswer { seen_args, .. }, "input_json_delta") if !piece.is_empty() => {
                *seen_args = true;
                Some(Delta {
                    content: Some(piece.to_owned()),
                    ..Delta::default()
                })
            }
            (
                Block::Tool {
                    index, seen_args, ..
                },
                "input_json_delta",
            ) if !piece.is_empty() => {
                *seen_args = true;
                let call = ToolCallDelta {
                    index: Some(*index),
                    function: Some(FunctionCallDelta {
                        name: None,
                        arguments: Some(piece.to_owned()),
                    }),
                    ..ToolCallDelta::default()
                };
                Some(Delta {
                    tool_calls: Some(vec![call]),
                    ..Delta::default()
                })
            }
            _ => None,
        };
        Ok(chunk
            .map(|d| self.chunk(d, None, Map::new()))
            .into_iter()
            .collect())
    }

    fn block_stop(&mut self, index: u64, data: &str) -> Result<Vec<ChatCompletionChunk>> {
        let Some(pos) = self.blocks.iter().position(|(i, _)| *i == index) else {
            return Err(malformed(
                &format!("a stop for block {index}, which never started"),
                data,
            ));
        };
        let (_, block) = self.blocks.swap_remove(pos);
        // A call whose input never streamed: its input is the start's (or `{}`).
        let whole = |v: &Value| match v {
            Value::Object(o) if !o.is_empty() => v.to_string(),
            _ => "{}".to_owned(),
        };
        Ok(match block {
            Block::Tool {
                index,
                seen_args: false,
                start_input,
            } => vec![self.tool_delta(ToolCallDelta {
                index: Some(index),
                function: Some(FunctionCallDelta {
                    name: None,
                    arguments: Some(whole(&start_input)),
                }),
                ..ToolCallDelta::default()
            })],
            Block::JsonAnswer {
                seen_args: false,
                start_input,
            } => vec![self.text(&whole(&start_input))],
            Block::Thinking { text, signature } => {
                let sig = (!signature.is_empty()).then(|| signature.clone());
                self.thinking_blocks
                    .push(json!({"type": "thinking", "thinking": text, "signature": signature}));
                vec![self.thinking_chunk(sig)]
            }
            _ => Vec::new(),
        })
    }

    /// A chunk carrying the thinking blocks so far (whole, as later values
    /// replace earlier ones when chunks are accumulated) and a signature.
    fn thinking_chunk(&mut self, signature: Option<String>) -> ChatCompletionChunk {
        let mut delta = Delta::default();
        if let Some(sig) = signature {
            delta.extra.insert("reasoning_signature".into(), json!(sig));
        }
        delta.extra.insert(
            "thinking_blocks".into(),
            Value::Array(self.thinking_blocks.clone()),
        );
        self.chunk(delta, None, Map::new())
    }

    /// `message_stop`: the final chunk, then the usage chunk if asked for.
    fn finish(&mut self) -> Vec<ChatCompletionChunk> {
        self.done = true;
        let raw = self.stop_reason.clone();
        let mut delta = Delta::default();
        if raw.as_deref() == Some("refusal") {
            delta.refusal = Some(refusal_text(self.stop_details.as_ref()));
        }
        // A message that ends without a stop reason ended normally.
        let finish = raw.as_deref().map_or(FinishReason::Stop, |r| {
            finish_reason(r, self.tool_calls > 0)
        });
        let extra = stop_extra(
            raw.as_deref(),
            self.stop_sequence.as_deref(),
            self.stop_details.as_ref(),
        );
        let mut out = vec![self.chunk(delta, Some(finish), extra)];
        if self.include_usage {
            let mut last = self.head(Vec::new());
            last.usage = Some(self.usage.to_usage());
            out.push(last);
        }
        out
    }
}

fn usage(u: &Value, data: &str) -> Result<AnthropicUsage> {
    serde_json::from_value(u.clone()).map_err(|e| malformed(&format!("`usage`: {e}"), data))
}

/// The Anthropic Messages event stream as an [`SseFormat`]: ends cleanly at
/// `message_stop`; a body that ends before it is truncated.
struct MessagesSse {
    state: State,
    meta: ResponseMeta,
    got_event: bool,
}

impl SseFormat for MessagesSse {
    fn event(&mut self, ev: SseEvent, out: &mut Vec<ChatCompletionChunk>) -> Result<bool> {
        self.got_event = true;
        out.extend(self.state.on_event(&ev, &self.meta)?);
        Ok(self.state.done)
    }

    fn end(&mut self, _: &mut Vec<ChatCompletionChunk>) -> Result<()> {
        Err(Error::stream(if self.got_event {
            "the stream ended before `message_stop`: the answer is truncated"
        } else {
            "the stream ended without any event"
        }))
    }
}

/// Turns a `POST /v1/messages` event-stream body into chunks, enforcing the
/// first-chunk and read timeouts; a body that ends before `message_stop`
/// ends with an error item.
pub(super) fn chunks<B, E>(
    body: B,
    meta: ResponseMeta,
    timeouts: StreamTimeouts,
    scrub: impl Fn(String) -> String + Send + 'static,
    state: State,
) -> impl Stream<Item = Result<ChatCompletionChunk>> + Send + 'static
where
    B: Stream<Item = std::result::Result<Bytes, E>> + Send + 'static,
    E: std::error::Error + Send + Sync + 'static,
{
    let format = MessagesSse {
        state,
        meta,
        got_event: false,
    };
    drive_sse(body, timeouts, scrub, format)
}

/// The items of a whole body, without timeouts (fuzzing and property tests).
#[cfg(feature = "testing")]
pub(super) fn decode_for_tests(body: &[u8]) -> Vec<Result<ChatCompletionChunk>> {
    let format = MessagesSse {
        state: State::new(Sent::default(), true),
        meta: ResponseMeta::default(),
        got_event: false,
    };
    crate::stream::chat_stream::run_sse_sync(body, format)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(event: &str, data: Value) -> SseEvent {
        SseEvent {
            event: Some(event.to_owned()),
            data: data.to_string(),
            ..SseEvent::default()
        }
    }

    fn run(state: &mut State, events: &[SseEvent]) -> Vec<ChatCompletionChunk> {
        let meta = ResponseMeta::default();
        events
            .iter()
            .flat_map(|e| state.on_event(e, &meta).unwrap())
            .collect()
    }

    #[test]
    fn tool_indexes_skip_other_blocks_and_empty_inputs_are_objects() {
        let mut st = State::new(Sent::default(), false);
        let start = |i: u64, block: Value| {
            ev(
                "content_block_start",
                json!({"type": "content_block_start", "index": i, "content_block": block}),
            )
        };
        let stop = |i: u64| {
            ev(
                "content_block_stop",
                json!({"type": "content_block_stop", "index": i}),
            )
        };
        let chunks = run(
            &mut st,
            &[
                ev(
                    "message_start",
                    json!({"type": "message_start", "message": {"id": "m1", "model": "x"}}),
                ),
                start(0, json!({"type": "text", "text": ""})),
                stop(0),
                start(
                    1,
                    json!({"type": "tool_use", "id": "a", "name": "f", "input": {}}),
                ),
                stop(1),
                start(
                    2,
                    json!({"type": "server_tool_use", "id": "s", "name": "web_search"}),
                ),
                stop(2),
                start(
                    3,
                    json!({"type": "tool_use", "id": "b", "name": "g", "input": {"k": 1}}),
                ),
                stop(3),
                ev("message_stop", json!({"type": "message_stop"})),
            ],
        );
        assert!(st.done);
        assert_eq!(chunks[0].choices[0].delta.role, Some(Role::Assistant));
        assert!(
            chunks[1..]
                .iter()
                .all(|c| c.choices[0].delta.role.is_none())
        );
        let calls: Vec<&ToolCallDelta> = chunks
            .iter()
            .flat_map(|c| c.choices[0].delta.tool_calls.iter().flatten())
            .collect();
        let args = |i: u32| -> String {
            calls
                .iter()
                .filter(|c| c.index == Some(i))
                .filter_map(|c| c.function.as_ref()?.arguments.clone())
                .collect()
        };
        assert_eq!(calls.iter().filter(|c| c.id.is_some()).count(), 2);
        assert_eq!(
            (args(0), args(1)),
            ("{}".to_owned(), r#"{"k":1}"#.to_owned())
        );
        let last = chunks.last().unwrap();
        assert_eq!(last.finish_reason(), Some(&FinishReason::Stop));
        assert!(last.choices[0].extra.is_empty());
        assert_eq!(last.id, "m1");
    }

    #[test]
    fn refusal_and_events_without_a_name() {
        let mut st = State::new(Sent::default(), true);
        let unnamed = |data: Value| SseEvent {
            data: data.to_string(),
            ..SseEvent::default()
        };
        let chunks = run(
            &mut st,
            &[
                unnamed(
                    json!({"type": "message_start", "message": {"usage": {"input_tokens": 3}}}),
                ),
                unnamed(
                    json!({"type": "message_delta", "delta": {"stop_reason": "refusal",
                    "stop_details": {"type": "refusal", "explanation": "Not this."}}, "usage": {"output_tokens": 2}}),
                ),
                unnamed(json!({"type": "message_stop"})),
            ],
        );
        assert_eq!(chunks.len(), 2);
        let fin = &chunks[0].choices[0];
        assert_eq!(fin.finish_reason, Some(FinishReason::ContentFilter));
        assert_eq!(fin.delta.refusal.as_deref(), Some("Not this."));
        assert_eq!(fin.extra["stop_details"]["explanation"], "Not this.");
        let usage = chunks[1].usage.as_ref().unwrap();
        assert_eq!((usage.prompt_tokens, usage.completion_tokens), (3, 2));
    }
}
