//! `Mock`: a scripted provider for tests and offline use.
//!
//! [`Mock`] implements [`Provider`] without any network: it answers from a
//! script of [`MockReply`]s (text, tool calls, JSON, API errors, timeouts,
//! slow answers, broken streams) and records every request it receives, so
//! a test can script the model and then check what the application sent.
//!
//! - Replies are used in order; the **last one repeats** forever.
//! - With **no reply queued** the mock echoes: it answers
//!   `"echo: <text of the last user message>"`.
//! - Streams split the text into word-sized chunks and stream tool calls
//!   as OpenAI does; folded back together (by
//!   [`ChatStream::into_completion`] or a
//!   [`ChunkAccumulator`](crate::ChunkAccumulator)) they give the same
//!   completion as a non-streamed call with the same call number.
//! - Clones are cheap and share the script and the request log: keep one
//!   clone to inspect [`Mock::requests`] after handing the other to a router.
//!
//! ```
//! use futures::StreamExt;
//! use requesty::router::providers::mock::{Mock, MockReply};
//! use requesty::router::{Provider, ProviderRequest};
//! use requesty::{ChatRequest, FinishReason};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> requesty::Result<()> {
//! let mock = Mock::new("mock")
//!     .text("Hello world")
//!     .reply(MockReply::tool_call("get_weather", r#"{"city":"Paris"}"#))
//!     .reply(MockReply::error(503, "overloaded"));
//! let ask = |text: &str| ProviderRequest::new("mock-1", ChatRequest::new("mock/mock-1").user(text));
//!
//! // 1st call: the text, streamed word by word.
//! let mut stream = mock.stream(ask("Hi")).await?;
//! let mut pieces = Vec::new();
//! while let Some(chunk) = stream.next().await {
//!     pieces.extend(chunk?.delta_text().map(str::to_owned));
//! }
//! assert_eq!(pieces, ["Hello", " world"]);
//!
//! // 2nd call: a tool call.
//! let answer = mock.complete(ask("Weather in Paris?")).await?;
//! assert_eq!(answer.finish_reason(), Some(&FinishReason::ToolCalls));
//! assert_eq!(answer.tool_calls()[0].function.name, "get_weather");
//!
//! // 3rd call and every later one: the error.
//! let err = mock.complete(ask("Again")).await.unwrap_err();
//! assert_eq!(err.status(), Some(503));
//! assert!(mock.complete(ask("And again")).await.is_err());
//!
//! // Everything the mock received.
//! assert_eq!(mock.calls(), 4);
//! assert_eq!(mock.requests()[1].chat.messages[0].text().as_deref(), Some("Weather in Paris?"));
//!
//! // Without a script, it echoes.
//! let echo = Mock::new("echo").complete(ask("ping")).await?;
//! assert_eq!(echo.text().as_deref(), Some("echo: ping"));
//! # Ok(()) }
//! ```
//!
//! Waits ([`MockReply::latency`], [`MockReply::chunk_delay`]) are real
//! `tokio` sleeps, so the client's and the router's timeouts apply to them
//! as they would to a slow provider.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::future::BoxFuture;
use http::HeaderMap;
use serde_json::{Map, Value, json};

use crate::error::{ApiError, Error, Origin, Result, TimeoutKind};
use crate::meta::ResponseMeta;
use crate::router::provider::{Provider, ProviderRequest};
use crate::stream::chat_stream::ChatStream;
use crate::types::{
    ChatCompletion, ChatCompletionChunk, Choice, ChunkChoice, CompletionTokensDetails, Content,
    Delta, Embedding, EmbeddingInput, EmbeddingRequest, EmbeddingResponse, EmbeddingUsage,
    EmbeddingVector, FinishReason, FunctionCallDelta, Message, Model, ModelList, Role, ToolCall,
    ToolCallDelta, ToolType, Usage,
};

/// The model [`Mock::list_models`](Provider::list_models) reports by default.
pub const DEFAULT_MOCK_MODEL: &str = "mock-1";

/// How many floats an embedding has when the request sets no `dimensions`.
pub const DEFAULT_EMBEDDING_DIMENSIONS: usize = 8;

/// The size (in characters) of the pieces tool-call arguments are streamed in.
const ARGUMENT_PIECE_CHARS: usize = 8;

/// A scripted provider: answers from a queue of [`MockReply`]s and records
/// the requests it receives. See the [module docs](self) for an example.
///
/// Cloning is cheap; clones share the script, the models and the logs.
#[derive(Clone, Debug)]
pub struct Mock {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    id: String,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Replies not used yet.
    script: VecDeque<MockReply>,
    /// The last reply used, repeated once the script is empty.
    repeating: Option<MockReply>,
    models: Vec<String>,
    requests: Vec<ProviderRequest>,
    embedding_requests: Vec<EmbeddingRequest>,
    /// Tool calls answered so far (for their ids).
    tool_calls: u64,
}

/// Everything one call needs, taken from the shared state under the lock.
struct Call {
    /// 1-based call number (the number of chat requests received so far).
    number: usize,
    created: u64,
    model: String,
    reply: MockReply,
    tool_call_ids: Vec<String>,
    prompt_words: u64,
}

impl Mock {
    /// A mock with provider id `id` (e.g. `"mock"`), no script (it echoes)
    /// and one model, [`DEFAULT_MOCK_MODEL`].
    pub fn new(id: impl Into<String>) -> Self {
        Mock {
            inner: Arc::new(Inner {
                id: id.into(),
                state: Mutex::new(State {
                    script: VecDeque::new(),
                    repeating: None,
                    models: vec![DEFAULT_MOCK_MODEL.to_owned()],
                    requests: Vec::new(),
                    embedding_requests: Vec::new(),
                    tool_calls: 0,
                }),
            }),
        }
    }

    /// Queues a reply. Replies are used in order and the last one repeats
    /// forever.
    pub fn reply(self, reply: MockReply) -> Self {
        self.push(reply);
        self
    }

    /// Queues a text answer: shorthand for `reply(MockReply::text(text))`.
    pub fn text(self, text: impl Into<String>) -> Self {
        self.reply(MockReply::text(text))
    }

    /// Queues a reply on a mock that is already in use (e.g. registered in
    /// a router, through a clone). If the script had run out and its last
    /// reply was repeating, the next call gets this reply.
    pub fn push(&self, reply: MockReply) {
        self.state().script.push_back(reply);
    }

    /// Sets the models [`list_models`](Provider::list_models) reports
    /// (instead of [`DEFAULT_MOCK_MODEL`]).
    pub fn models<I, S>(self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.state().models = ids.into_iter().map(Into::into).collect();
        self
    }

    /// Every chat request received (by `complete` and `stream`), in order.
    pub fn requests(&self) -> Vec<ProviderRequest> {
        self.state().requests.clone()
    }

    /// The last chat request received.
    pub fn last_request(&self) -> Option<ProviderRequest> {
        self.state().requests.last().cloned()
    }

    /// How many chat requests were received (by `complete` and `stream`).
    pub fn calls(&self) -> usize {
        self.state().requests.len()
    }

    /// Every embeddings request received, in order.
    pub fn embedding_requests(&self) -> Vec<EmbeddingRequest> {
        self.state().embedding_requests.clone()
    }

    /// The shared state; a poisoned lock (a panicking test thread) is recovered.
    fn state(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records the request and picks its reply. Never held across an await.
    fn begin(&self, req: ProviderRequest) -> Call {
        let mut state = self.state();
        let reply = match state.script.pop_front() {
            Some(reply) => {
                if state.script.is_empty() {
                    state.repeating = Some(reply.clone());
                }
                reply
            }
            None => match &state.repeating {
                Some(reply) => reply.clone(),
                None => MockReply::text(format!("echo: {}", last_user_text(&req))),
            },
        };
        let tool_call_ids = if matches!(reply.kind, Kind::Answer) {
            reply
                .tool_calls
                .iter()
                .map(|_| {
                    state.tool_calls += 1;
                    format!("call_mock_{}", state.tool_calls)
                })
                .collect()
        } else {
            Vec::new()
        };
        let prompt_words = prompt_words(&req);
        let model = req.model.clone();
        state.requests.push(req);
        Call {
            number: state.requests.len(),
            created: unix_now(),
            model,
            reply,
            tool_call_ids,
            prompt_words,
        }
    }
}

impl Provider for Mock {
    fn id(&self) -> &str {
        &self.inner.id
    }

    fn complete(&self, req: ProviderRequest) -> BoxFuture<'_, Result<ChatCompletion>> {
        Box::pin(async move {
            let call = self.begin(req);
            sleep(call.reply.latency).await;
            call.reply.failure()?;
            Ok(call.completion())
        })
    }

    fn stream(&self, req: ProviderRequest) -> BoxFuture<'_, Result<ChatStream>> {
        Box::pin(async move {
            let include_usage = req
                .chat
                .stream_options
                .as_ref()
                .and_then(|o| o.include_usage)
                == Some(true);
            let call = self.begin(req);
            if let Err(e) = call.reply.failure() {
                sleep(call.reply.latency).await;
                return Err(e);
            }
            let completion = call.completion();
            let chunks = answer_chunks(&completion);
            let usage_chunk = include_usage.then(|| ChatCompletionChunk {
                usage: completion.usage.clone(),
                ..chunk_head(&completion)
            });
            let MockReply {
                latency,
                chunk_delay,
                fail_after_chunks,
                ..
            } = call.reply;
            let items = async_stream::stream! {
                sleep(latency).await;
                let total = chunks.len();
                for (i, chunk) in chunks.into_iter().enumerate() {
                    if i > 0 {
                        sleep(chunk_delay).await;
                    }
                    if fail_after_chunks == Some(i) {
                        yield Err(broken_stream());
                        return;
                    }
                    yield Ok(chunk);
                }
                if fail_after_chunks.is_some_and(|n| n >= total) {
                    sleep(chunk_delay).await;
                    yield Err(broken_stream());
                    return;
                }
                if let Some(chunk) = usage_chunk {
                    sleep(chunk_delay).await;
                    yield Ok(chunk);
                }
            };
            Ok(ChatStream::from_chunks(items, ResponseMeta::default()))
        })
    }

    fn list_models(&self) -> BoxFuture<'_, Result<ModelList>> {
        let models = self.state().models.clone();
        let owner = self.inner.id.clone();
        Box::pin(async move {
            Ok(ModelList {
                object: "list".to_owned(),
                data: models
                    .into_iter()
                    .map(|id| Model {
                        id,
                        object: "model".to_owned(),
                        owned_by: Some(owner.clone()),
                        ..Model::default()
                    })
                    .collect(),
                extra: Map::new(),
            })
        })
    }

    fn embed(&self, req: EmbeddingRequest) -> BoxFuture<'_, Result<EmbeddingResponse>> {
        Box::pin(async move {
            self.state().embedding_requests.push(req.clone());
            Ok(embeddings(&req))
        })
    }
}

/// What a reply does.
#[derive(Clone, Debug)]
enum Kind {
    Answer,
    Error { status: u16, message: String },
    Timeout,
}

/// One scripted answer of a [`Mock`]: what it says (text, JSON, tool calls,
/// reasoning) or how it fails (API error, timeout, broken stream), and how
/// fast.
///
/// ```
/// use std::time::Duration;
/// use requesty::FinishReason;
/// use requesty::router::providers::mock::MockReply;
///
/// // Two parallel tool calls.
/// let calls = MockReply::tool_call("get_weather", r#"{"city":"Paris"}"#)
///     .and_tool_call("get_time", r#"{"tz":"Europe/Paris"}"#);
/// // A truncated, slow answer whose stream breaks after 3 chunks.
/// let flaky = MockReply::text("It was a dark and stormy night")
///     .finish_reason(FinishReason::Length)
///     .latency(Duration::from_millis(50))
///     .chunk_delay(Duration::from_millis(5))
///     .fail_after_chunks(3);
/// // A rate limit.
/// let limited = MockReply::error(429, "slow down");
/// # let _ = (calls, flaky, limited);
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct MockReply {
    kind: Kind,
    content: Option<String>,
    refusal: Option<String>,
    reasoning: Option<String>,
    /// `(name, arguments)`.
    tool_calls: Vec<(String, String)>,
    latency: Duration,
    chunk_delay: Duration,
    fail_after_chunks: Option<usize>,
    usage: Option<(u64, u64)>,
    finish_reason: Option<FinishReason>,
}

impl MockReply {
    fn answer() -> Self {
        MockReply {
            kind: Kind::Answer,
            content: None,
            refusal: None,
            reasoning: None,
            tool_calls: Vec::new(),
            latency: Duration::ZERO,
            chunk_delay: Duration::ZERO,
            fail_after_chunks: None,
            usage: None,
            finish_reason: None,
        }
    }

    /// An assistant text answer (finish reason `stop`).
    pub fn text(text: impl Into<String>) -> Self {
        MockReply {
            content: Some(text.into()),
            ..Self::answer()
        }
    }

    /// A text answer whose content is `value` as JSON, for structured outputs.
    pub fn json(value: Value) -> Self {
        Self::text(value.to_string())
    }

    /// A refusal: no content, `message.refusal` set (finish reason `stop`).
    pub fn refusal(text: impl Into<String>) -> Self {
        MockReply {
            refusal: Some(text.into()),
            ..Self::answer()
        }
    }

    /// An answer that calls one tool (no content, finish reason
    /// `tool_calls`). `arguments_json` is sent as is, valid JSON or not.
    /// Tool-call ids are `call_mock_1`, `call_mock_2`, … in the order the
    /// mock answers them. Add parallel calls with
    /// [`and_tool_call`](Self::and_tool_call).
    pub fn tool_call(name: impl Into<String>, arguments_json: impl Into<String>) -> Self {
        Self::answer().and_tool_call(name, arguments_json)
    }

    /// Adds a tool call to the answer (after its other calls; beside its
    /// text, if it has some). The finish reason becomes `tool_calls` unless
    /// set with [`finish_reason`](Self::finish_reason). Ignored by error and
    /// timeout replies.
    pub fn and_tool_call(
        mut self,
        name: impl Into<String>,
        arguments_json: impl Into<String>,
    ) -> Self {
        self.tool_calls.push((name.into(), arguments_json.into()));
        self
    }

    /// An API error: `complete` and `stream` (before any chunk) return an
    /// [`ErrorKind::Api`](crate::ErrorKind::Api) with this status, origin
    /// `provider` and the body `{"error":{"message":…,"type":…}}` (the type
    /// follows the status: `rate_limit_error` for 429, `server_error` for
    /// 5xx, …).
    pub fn error(status: u16, message: impl Into<String>) -> Self {
        MockReply {
            kind: Kind::Error {
                status,
                message: message.into(),
            },
            ..Self::answer()
        }
    }

    /// A request timeout: `complete` and `stream` return an
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout) of kind
    /// [`TimeoutKind::Request`], after the reply's [`latency`](Self::latency)
    /// (which the error reports as its length). To test the client's own
    /// timeout instead, give a normal reply a long latency.
    pub fn timeout() -> Self {
        MockReply {
            kind: Kind::Timeout,
            ..Self::answer()
        }
    }

    /// Waits `d` before answering (before the error, for error replies;
    /// before the first chunk, for streams).
    pub fn latency(mut self, d: Duration) -> Self {
        self.latency = d;
        self
    }

    /// Waits `d` between two streamed chunks (not used by `complete`).
    pub fn chunk_delay(mut self, d: Duration) -> Self {
        self.chunk_delay = d;
        self
    }

    /// Streams only: after `n` chunks, the stream yields an `Err` item
    /// ([`ErrorKind::Stream`](crate::ErrorKind::Stream), "the mock stream
    /// broke") and ends. With `n = 0` the error is the stream's first item
    /// (`stream` itself succeeds), as when a connection drops before any
    /// data; with `n` at least the number of chunks, every chunk is sent
    /// and the error replaces the end of the stream (and its usage chunk).
    /// `complete` ignores it.
    pub fn fail_after_chunks(mut self, n: usize) -> Self {
        self.fail_after_chunks = Some(n);
        self
    }

    /// Reports these token counts. By default, the prompt counts the words
    /// of the request's messages and the completion the words of the answer
    /// (text, refusal, reasoning, tool names and arguments).
    pub fn usage(mut self, prompt_tokens: u64, completion_tokens: u64) -> Self {
        self.usage = Some((prompt_tokens, completion_tokens));
        self
    }

    /// Sets the finish reason (by default `tool_calls` when the answer calls
    /// tools, `stop` otherwise), e.g. `length` to test truncation.
    pub fn finish_reason(mut self, reason: FinishReason) -> Self {
        self.finish_reason = Some(reason);
        self
    }

    /// Adds reasoning text (`message.reasoning_content`), streamed before
    /// the answer.
    pub fn reasoning(mut self, text: impl Into<String>) -> Self {
        self.reasoning = Some(text.into());
        self
    }

    /// The error this reply fails with, if it fails before answering.
    fn failure(&self) -> Result<()> {
        match &self.kind {
            Kind::Answer => Ok(()),
            Kind::Error { status, message } => Err(api_error(*status, message)),
            Kind::Timeout => Err(Error::timeout(TimeoutKind::Request, self.latency)),
        }
    }
}

impl Call {
    /// The whole answer of an `Answer` reply.
    fn completion(&self) -> ChatCompletion {
        let r = &self.reply;
        let tool_calls: Vec<ToolCall> = r
            .tool_calls
            .iter()
            .zip(&self.tool_call_ids)
            .map(|((name, args), id)| ToolCall::function(id.clone(), name.clone(), args.clone()))
            .collect();
        let finish_reason = r.finish_reason.clone().unwrap_or(if tool_calls.is_empty() {
            FinishReason::Stop
        } else {
            FinishReason::ToolCalls
        });
        let usage = match r.usage {
            Some((prompt, completion)) => usage(prompt, completion, None),
            None => {
                let text_words = [&r.content, &r.refusal, &r.reasoning]
                    .into_iter()
                    .flatten()
                    .map(|t| words(t))
                    .sum::<u64>();
                let tool_words = r
                    .tool_calls
                    .iter()
                    .map(|(name, args)| words(name) + words(args))
                    .sum::<u64>();
                let reasoning = r.reasoning.as_deref().map(words);
                usage(self.prompt_words, text_words + tool_words, reasoning)
            }
        };
        ChatCompletion {
            id: format!("chatcmpl-mock-{}", self.number),
            object: "chat.completion".to_owned(),
            created: self.created,
            model: self.model.clone(),
            choices: vec![Choice {
                index: 0,
                message: Message {
                    role: Role::Assistant,
                    content: r.content.clone().map(Content::Text),
                    refusal: r.refusal.clone(),
                    reasoning_content: r.reasoning.clone(),
                    tool_calls: (!tool_calls.is_empty()).then_some(tool_calls),
                    ..Message::default()
                },
                finish_reason: Some(finish_reason),
                logprobs: None,
                extra: Map::new(),
            }],
            usage: Some(usage),
            system_fingerprint: None,
            service_tier: None,
            extra: Map::new(),
            meta: ResponseMeta::default(),
        }
    }
}

fn usage(prompt: u64, completion: u64, reasoning: Option<u64>) -> Usage {
    Usage {
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: prompt + completion,
        completion_tokens_details: reasoning.map(|n| CompletionTokensDetails {
            reasoning_tokens: Some(n),
            ..CompletionTokensDetails::default()
        }),
        ..Usage::default()
    }
}

/// The `ApiError` of [`MockReply::error`].
fn api_error(status: u16, message: &str) -> Error {
    let error_type = match status {
        400 | 422 => "invalid_request_error",
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        408 => "timeout_error",
        429 => "rate_limit_error",
        500..=599 => "server_error",
        _ => "api_error",
    };
    let body = json!({"error": {"message": message, "type": error_type}}).to_string();
    let mut api = ApiError::from_response(status, HeaderMap::new(), body);
    api.origin = Some(Origin::Provider);
    api.into()
}

fn broken_stream() -> Error {
    Error::stream("the mock stream broke")
}

/// A chunk of `c` without choices.
fn chunk_head(c: &ChatCompletion) -> ChatCompletionChunk {
    ChatCompletionChunk {
        id: c.id.clone(),
        object: "chat.completion.chunk".to_owned(),
        created: c.created,
        model: c.model.clone(),
        choices: Vec::new(),
        usage: None,
        system_fingerprint: c.system_fingerprint.clone(),
        service_tier: c.service_tier.clone(),
        extra: Map::new(),
    }
}

/// The chunks of choice 0 of `c` as OpenAI streams them: reasoning, text
/// and refusal in word-sized pieces (the role in the first chunk), each tool
/// call as a header delta then argument pieces, and a last chunk with the
/// finish reason. Usage is not included.
fn answer_chunks(c: &ChatCompletion) -> Vec<ChatCompletionChunk> {
    let Some(choice) = c.choices.first() else {
        return Vec::new();
    };
    let m = &choice.message;
    let mut deltas: Vec<Delta> = Vec::new();
    if let Some(text) = &m.reasoning_content {
        deltas.extend(word_pieces(text).into_iter().map(|p| Delta {
            reasoning_content: Some(p),
            ..Delta::default()
        }));
    }
    if let Some(text) = m.text() {
        deltas.extend(word_pieces(&text).into_iter().map(|p| Delta {
            content: Some(p),
            ..Delta::default()
        }));
    }
    if let Some(text) = &m.refusal {
        deltas.extend(word_pieces(text).into_iter().map(|p| Delta {
            refusal: Some(p),
            ..Delta::default()
        }));
    }
    for (index, call) in (0u32..).zip(m.tool_calls()) {
        let tool_delta = |call_delta: ToolCallDelta| Delta {
            tool_calls: Some(vec![call_delta]),
            ..Delta::default()
        };
        deltas.push(tool_delta(ToolCallDelta {
            index: Some(index),
            id: Some(call.id.clone()),
            kind: Some(ToolType::Function),
            function: Some(FunctionCallDelta {
                name: Some(call.function.name.clone()),
                arguments: Some(String::new()),
            }),
        }));
        deltas.extend(
            char_pieces(&call.function.arguments, ARGUMENT_PIECE_CHARS)
                .into_iter()
                .map(|piece| {
                    tool_delta(ToolCallDelta {
                        index: Some(index),
                        function: Some(FunctionCallDelta {
                            name: None,
                            arguments: Some(piece),
                        }),
                        ..ToolCallDelta::default()
                    })
                }),
        );
    }
    let last = deltas.len();
    deltas.push(Delta::default());
    if let Some(first) = deltas.first_mut() {
        first.role = Some(m.role.clone());
    }
    deltas
        .into_iter()
        .enumerate()
        .map(|(i, delta)| {
            let mut chunk = chunk_head(c);
            chunk.choices.push(ChunkChoice {
                index: choice.index,
                delta,
                finish_reason: if i == last {
                    choice.finish_reason.clone()
                } else {
                    None
                },
                logprobs: None,
                extra: Map::new(),
            });
            chunk
        })
        .collect()
}

/// `text` cut before each run of whitespace that follows a word, so the
/// pieces keep their spaces ("Hello world" → "Hello", " world"). Never
/// empty: "" gives one empty piece.
fn word_pieces(text: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut prev_is_space = true;
    for (i, ch) in text.char_indices() {
        let is_space = ch.is_whitespace();
        if is_space && !prev_is_space && i > start {
            pieces.push(text[start..i].to_owned());
            start = i;
        }
        prev_is_space = is_space;
    }
    if start < text.len() || pieces.is_empty() {
        pieces.push(text[start..].to_owned());
    }
    pieces
}

/// `text` in pieces of `n` characters (none for an empty text).
fn char_pieces(text: &str, n: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(n.max(1)).map(|c| c.iter().collect()).collect()
}

fn words(text: &str) -> u64 {
    text.split_whitespace().count() as u64
}

/// The rough prompt size: words of the messages' text and of the bare prompt.
fn prompt_words(req: &ProviderRequest) -> u64 {
    let messages: u64 = req
        .chat
        .messages
        .iter()
        .filter_map(Message::text)
        .map(|t| words(&t))
        .sum();
    messages + req.chat.prompt.as_deref().map_or(0, words)
}

fn last_user_text(req: &ProviderRequest) -> String {
    req.chat
        .messages
        .iter()
        .rev()
        .find(|m| m.role == Role::User)
        .and_then(Message::text)
        .map(|t| t.into_owned())
        .unwrap_or_default()
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

async fn sleep(d: Duration) {
    if !d.is_zero() {
        tokio::time::sleep(d).await;
    }
}

/// Deterministic embeddings: per input, a unit vector seeded by a hash of
/// the input.
fn embeddings(req: &EmbeddingRequest) -> EmbeddingResponse {
    let dims = req
        .dimensions
        .map_or(DEFAULT_EMBEDDING_DIMENSIONS, |d| d as usize);
    let tokens_bytes =
        |tokens: &[u32]| -> Vec<u8> { tokens.iter().flat_map(|t| t.to_le_bytes()).collect() };
    // (bytes to hash, token count)
    let inputs: Vec<(Vec<u8>, u64)> = match &req.input {
        EmbeddingInput::Text(t) => vec![(t.as_bytes().to_vec(), words(t))],
        EmbeddingInput::Texts(ts) => ts
            .iter()
            .map(|t| (t.as_bytes().to_vec(), words(t)))
            .collect(),
        EmbeddingInput::Tokens(ts) => vec![(tokens_bytes(ts), ts.len() as u64)],
        EmbeddingInput::TokenBatches(batches) => batches
            .iter()
            .map(|ts| (tokens_bytes(ts), ts.len() as u64))
            .collect(),
    };
    let tokens = inputs.iter().map(|(_, n)| n).sum::<u64>();
    EmbeddingResponse {
        object: "list".to_owned(),
        data: (0u32..)
            .zip(&inputs)
            .map(|(index, (bytes, _))| Embedding {
                index,
                embedding: EmbeddingVector::Float(unit_vector(bytes, dims)),
                object: "embedding".to_owned(),
            })
            .collect(),
        model: req.model.clone(),
        usage: Some(EmbeddingUsage {
            prompt_tokens: tokens,
            total_tokens: tokens,
            ..EmbeddingUsage::default()
        }),
        extra: Map::new(),
        meta: ResponseMeta::default(),
    }
}

/// A unit vector of `dims` floats drawn from a generator seeded with the
/// FNV-1a hash of `bytes`.
fn unit_vector(bytes: &[u8], dims: usize) -> Vec<f32> {
    let mut state = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    let mut v: Vec<f32> = (0..dims)
        .map(|_| {
            // splitmix64
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            // 24 random bits → [-1, 1)
            (z >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect();
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
    v
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use futures::StreamExt;

    use super::*;
    use crate::error::ErrorKind;
    use crate::types::ChatRequest;

    fn ask(text: &str) -> ProviderRequest {
        ProviderRequest::new("mock-1", ChatRequest::new("mock/mock-1").user(text))
    }

    fn ask_stream(text: &str) -> ProviderRequest {
        ProviderRequest::new(
            "mock-1",
            ChatRequest::new("mock/mock-1")
                .user(text)
                .include_usage(true),
        )
    }

    async fn collect(stream: ChatStream) -> Vec<Result<ChatCompletionChunk>> {
        stream.collect().await
    }

    /// The completion of a fresh mock's first `complete` and first `stream`
    /// with `reply`.
    async fn both(reply: MockReply) -> (ChatCompletion, ChatCompletion) {
        let done = Mock::new("m")
            .reply(reply.clone())
            .complete(ask_stream("What is up"))
            .await
            .unwrap();
        let stream = Mock::new("m")
            .reply(reply)
            .stream(ask_stream("What is up"))
            .await
            .unwrap();
        let mut folded = stream.into_completion().await.unwrap();
        folded.created = done.created; // the clock may have ticked
        (done, folded)
    }

    #[tokio::test]
    async fn echo_without_script() {
        let mock = Mock::new("mock");
        let req = ProviderRequest::new(
            "mock-1",
            ChatRequest::new("mock/mock-1")
                .system("Be nice")
                .user("first")
                .assistant("ok")
                .user("second one"),
        );
        let c = mock.complete(req).await.unwrap();
        assert_eq!(c.text().as_deref(), Some("echo: second one"));
        assert_eq!(c.finish_reason(), Some(&FinishReason::Stop));
        assert_eq!(c.id, "chatcmpl-mock-1");
        assert_eq!(c.object, "chat.completion");
        assert_eq!(c.model, "mock-1");
        assert!(c.created > 1_600_000_000);
        let u = c.usage.unwrap();
        assert_eq!((u.prompt_tokens, u.completion_tokens), (6, 3));
        assert_eq!(u.total_tokens, 9);
        assert_eq!(mock.id(), "mock");

        let c = mock.complete(ask("again")).await.unwrap();
        assert_eq!(c.text().as_deref(), Some("echo: again"));
        assert_eq!(c.id, "chatcmpl-mock-2");
    }

    #[tokio::test]
    async fn replies_in_order_last_repeats() {
        let mock = Mock::new("mock").text("one").text("two").text("three");
        let mut got = Vec::new();
        for _ in 0..5 {
            got.push(mock.complete(ask("x")).await.unwrap().text().unwrap());
        }
        assert_eq!(got, ["one", "two", "three", "three", "three"]);
        assert_eq!(mock.calls(), 5);
        // Pushing after the script ran out: the new reply comes next.
        mock.push(MockReply::text("four"));
        let text = mock.complete(ask("x")).await.unwrap().text();
        assert_eq!(text.as_deref(), Some("four"));
        let text = mock.complete(ask("x")).await.unwrap().text();
        assert_eq!(text.as_deref(), Some("four"));
    }

    #[tokio::test]
    async fn clones_share_script_and_log() {
        let mock = Mock::new("mock").text("a").text("b");
        let other = mock.clone();
        assert_eq!(
            other.complete(ask("x")).await.unwrap().text().as_deref(),
            Some("a")
        );
        assert_eq!(
            mock.complete(ask("y")).await.unwrap().text().as_deref(),
            Some("b")
        );
        assert_eq!(mock.calls(), 2);
        assert_eq!(other.calls(), 2);
    }

    #[tokio::test]
    async fn requests_record_model_and_messages() {
        let mock = Mock::new("mock");
        let req = ProviderRequest::new(
            "big-model",
            ChatRequest::new("mock/big-model")
                .system("sys")
                .user("hello"),
        )
        .with_region(Some("eu".into()));
        mock.complete(req).await.unwrap();
        let s = mock.stream(ask("streamed")).await.unwrap();
        drop(s);
        let reqs = mock.requests();
        assert_eq!(reqs.len(), 2);
        assert_eq!(reqs[0].model, "big-model");
        assert_eq!(reqs[0].chat.model.as_deref(), Some("big-model"));
        assert_eq!(reqs[0].region.as_deref(), Some("eu"));
        assert_eq!(reqs[0].chat.messages.len(), 2);
        assert_eq!(reqs[0].chat.messages[0].role, Role::System);
        assert_eq!(reqs[0].chat.messages[1].text().as_deref(), Some("hello"));
        assert_eq!(reqs[1].chat.messages[0].text().as_deref(), Some("streamed"));
        assert_eq!(mock.last_request().unwrap().model, "mock-1");
    }

    #[tokio::test]
    async fn single_tool_call_complete_and_stream() {
        let reply = MockReply::tool_call("get_weather", r#"{"city":"Paris","unit":"celsius"}"#);
        let mock = Mock::new("mock").reply(reply.clone());
        let c = mock.complete(ask("weather?")).await.unwrap();
        assert_eq!(c.finish_reason(), Some(&FinishReason::ToolCalls));
        assert_eq!(c.choices[0].message.content, None);
        let calls = c.tool_calls();
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].id, "call_mock_1");
        assert_eq!(calls[0].kind, ToolType::Function);
        assert_eq!(calls[0].function.name, "get_weather");
        assert_eq!(
            calls[0].function.arguments,
            r#"{"city":"Paris","unit":"celsius"}"#
        );

        // Streamed: header delta, then argument pieces of 8 chars, then the finish.
        let chunks: Vec<_> = collect(mock.stream(ask("weather?")).await.unwrap())
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let first = &chunks[0].choices[0].delta;
        assert_eq!(first.role, Some(Role::Assistant));
        let head = &first.tool_calls.as_ref().unwrap()[0];
        assert_eq!(head.index, Some(0));
        assert_eq!(head.id.as_deref(), Some("call_mock_2"));
        assert_eq!(head.kind, Some(ToolType::Function));
        let f = head.function.as_ref().unwrap();
        assert_eq!(f.name.as_deref(), Some("get_weather"));
        assert_eq!(f.arguments.as_deref(), Some(""));
        let pieces: Vec<&str> = chunks[1..chunks.len() - 1]
            .iter()
            .map(|c| {
                let d = &c.choices[0].delta.tool_calls.as_ref().unwrap()[0];
                assert_eq!(d.index, Some(0));
                assert_eq!(d.id, None);
                d.function.as_ref().unwrap().arguments.as_deref().unwrap()
            })
            .collect();
        assert_eq!(pieces.concat(), r#"{"city":"Paris","unit":"celsius"}"#);
        assert!(pieces.iter().all(|p| p.chars().count() <= 8));
        assert_eq!(pieces[0], r#"{"city":"#);
        let last = chunks.last().unwrap();
        assert_eq!(last.finish_reason(), Some(&FinishReason::ToolCalls));
        assert_eq!(last.choices[0].delta, Delta::default());

        let (done, folded) = both(reply).await;
        assert_eq!(done, folded);
    }

    #[tokio::test]
    async fn parallel_tool_calls_complete_and_stream() {
        let reply = MockReply::tool_call("a", r#"{"x":1}"#)
            .and_tool_call("b", r#"{"long":"argument é with unicode"}"#)
            .and_tool_call("c", "");
        let (done, folded) = both(reply.clone()).await;
        let ids: Vec<_> = done.tool_calls().iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["call_mock_1", "call_mock_2", "call_mock_3"]);
        let names: Vec<_> = done
            .tool_calls()
            .iter()
            .map(|t| t.function.name.as_str())
            .collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(done.tool_calls()[2].function.arguments, "");
        assert_eq!(done, folded);

        // Indices in the stream.
        let chunks = collect(Mock::new("m").reply(reply).stream(ask("x")).await.unwrap()).await;
        let indices: Vec<u32> = chunks
            .iter()
            .map(|c| c.as_ref().unwrap())
            .filter_map(|c| c.choices[0].delta.tool_calls.as_ref())
            .map(|t| t[0].index.unwrap())
            .collect();
        assert_eq!(indices.first(), Some(&0));
        assert_eq!(indices.last(), Some(&2));
        assert!(indices.windows(2).all(|w| w[0] <= w[1]));

        // Text beside a tool call.
        let (done, folded) = both(MockReply::text("Let me check.").and_tool_call("a", "{}")).await;
        assert_eq!(done.text().as_deref(), Some("Let me check."));
        assert_eq!(done.finish_reason(), Some(&FinishReason::ToolCalls));
        assert_eq!(done, folded);
    }

    #[tokio::test]
    async fn stream_words_keep_spaces() {
        let mock = Mock::new("mock").text("Hello world");
        let chunks: Vec<_> = collect(mock.stream(ask("hi")).await.unwrap())
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(chunks.len(), 3, "two words and the finish chunk, no usage");
        assert_eq!(chunks[0].delta_text(), Some("Hello"));
        assert_eq!(chunks[0].choices[0].delta.role, Some(Role::Assistant));
        assert_eq!(chunks[1].delta_text(), Some(" world"));
        assert_eq!(chunks[1].choices[0].delta.role, None);
        assert_eq!(chunks[2].finish_reason(), Some(&FinishReason::Stop));
        for c in &chunks {
            assert_eq!(c.id, "chatcmpl-mock-1");
            assert_eq!(c.object, "chat.completion.chunk");
            assert_eq!(c.model, "mock-1");
            assert_eq!(c.created, chunks[0].created);
            assert!(c.usage.is_none());
        }

        assert_eq!(word_pieces("Hello world"), ["Hello", " world"]);
        assert_eq!(word_pieces("  a  b\n"), ["  a", "  b", "\n"]);
        assert_eq!(word_pieces(""), [""]);
        assert_eq!(word_pieces("  "), ["  "]);
        assert_eq!(word_pieces("é ü"), ["é", " ü"]);
        assert_eq!(char_pieces("abcdefghij", 8), ["abcdefgh", "ij"]);
        assert!(char_pieces("", 8).is_empty());
    }

    #[tokio::test]
    async fn stream_folds_to_complete() {
        for reply in [
            MockReply::text("Hello brave  new\nworld "),
            MockReply::text(""),
            MockReply::json(json!({"name": "Ada", "age": 36})),
            MockReply::text("Short.").reasoning("Think first. Then answer."),
            MockReply::refusal("I can't help with that."),
            MockReply::text("cut").finish_reason(FinishReason::Length),
            MockReply::text("counted").usage(100, 7),
        ] {
            let (done, folded) = both(reply.clone()).await;
            assert_eq!(done, folded, "{reply:?}");
        }
        let (done, _) = both(MockReply::text("x").reasoning("one two three")).await;
        assert_eq!(done.reasoning(), Some("one two three"));
        assert_eq!(done.usage.as_ref().unwrap().reasoning_tokens(), 3);
        assert_eq!(done.usage.as_ref().unwrap().completion_tokens, 4);
        let (done, _) = both(MockReply::text("x").usage(100, 7)).await;
        let u = done.usage.unwrap();
        assert_eq!(
            (u.prompt_tokens, u.completion_tokens, u.total_tokens),
            (100, 7, 107)
        );
        let (done, _) = both(MockReply::json(json!({"a": [1, 2]}))).await;
        assert_eq!(done.text().as_deref(), Some(r#"{"a":[1,2]}"#));
        let (done, _) = both(MockReply::refusal("No.")).await;
        assert_eq!(done.refusal(), Some("No."));
        assert_eq!(done.choices[0].message.content, None);
    }

    #[tokio::test]
    async fn usage_chunk_only_with_include_usage() {
        let mock = Mock::new("mock").text("a b");
        let chunks = collect(mock.stream(ask("x")).await.unwrap()).await;
        assert!(chunks.iter().all(|c| c.as_ref().unwrap().usage.is_none()));
        let folded = mock.stream(ask("x")).await.unwrap().into_completion().await;
        assert_eq!(folded.unwrap().usage, None);

        let chunks = collect(mock.stream(ask_stream("x y z")).await.unwrap()).await;
        let last = chunks.last().unwrap().as_ref().unwrap();
        assert!(last.choices.is_empty());
        let u = last.usage.as_ref().unwrap();
        assert_eq!((u.prompt_tokens, u.completion_tokens), (3, 2));
        assert!(
            chunks[..chunks.len() - 1]
                .iter()
                .all(|c| c.as_ref().unwrap().usage.is_none())
        );
    }

    #[tokio::test]
    async fn errors_from_complete_and_stream() {
        let mock = Mock::new("mock")
            .reply(MockReply::error(429, "slow down"))
            .reply(MockReply::error(503, "overloaded"));
        let e = mock.complete(ask("x")).await.unwrap_err();
        assert_eq!(e.status(), Some(429));
        assert!(e.is_retryable());
        let api = e.api().unwrap();
        assert_eq!(api.message, "slow down");
        assert_eq!(api.error_type.as_deref(), Some("rate_limit_error"));
        assert_eq!(api.origin, Some(Origin::Provider));
        let body: Value = serde_json::from_str(&api.body).unwrap();
        assert_eq!(
            body,
            json!({"error": {"message": "slow down", "type": "rate_limit_error"}})
        );

        let e = mock.stream(ask("x")).await.unwrap_err();
        assert_eq!(e.status(), Some(503));
        assert!(matches!(e.kind(), ErrorKind::Api(_)));
        assert_eq!(e.origin(), Some(&Origin::Provider));
        assert_eq!(mock.calls(), 2);

        let bad = Mock::new("m").reply(MockReply::error(400, "bad"));
        let e = bad.complete(ask("x")).await.unwrap_err();
        assert!(!e.is_retryable());
        assert_eq!(
            e.api().unwrap().error_type.as_deref(),
            Some("invalid_request_error")
        );
    }

    #[tokio::test]
    async fn timeouts() {
        let mock = Mock::new("mock").reply(MockReply::timeout().latency(Duration::from_millis(5)));
        let e = mock.complete(ask("x")).await.unwrap_err();
        assert!(e.is_timeout());
        assert!(e.is_retryable());
        assert!(matches!(
            e.kind(),
            ErrorKind::Timeout { kind: TimeoutKind::Request, after } if *after == Duration::from_millis(5)
        ));
        let e = mock.stream(ask("x")).await.unwrap_err();
        assert!(e.is_timeout());
    }

    #[tokio::test]
    async fn fail_after_zero_chunks_is_first_item() {
        let mock = Mock::new("mock").reply(MockReply::text("Hello world").fail_after_chunks(0));
        let stream = mock
            .stream(ask("x"))
            .await
            .expect("stream() itself succeeds");
        let items = collect(stream).await;
        assert_eq!(items.len(), 1);
        let e = items.into_iter().next().unwrap().unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::Stream { message, .. } if message == "the mock stream broke")
        );
        // complete() ignores it.
        let c = mock.complete(ask("x")).await.unwrap();
        assert_eq!(c.text().as_deref(), Some("Hello world"));
    }

    #[tokio::test]
    async fn fail_after_two_chunks() {
        let mock =
            Mock::new("mock").reply(MockReply::text("one two three four").fail_after_chunks(2));
        let items = collect(mock.stream(ask_stream("x")).await.unwrap()).await;
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].as_ref().unwrap().delta_text(), Some("one"));
        assert_eq!(items[1].as_ref().unwrap().delta_text(), Some(" two"));
        assert!(matches!(
            items[2].as_ref().unwrap_err().kind(),
            ErrorKind::Stream { .. }
        ));

        let e = mock
            .stream(ask("x"))
            .await
            .unwrap()
            .into_completion()
            .await
            .unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Stream { .. }));

        // More than the chunks: all of them, then the error instead of the usage.
        let mock = Mock::new("mock").reply(MockReply::text("a b").fail_after_chunks(10));
        let items = collect(mock.stream(ask_stream("x")).await.unwrap()).await;
        assert_eq!(items.len(), 4);
        assert_eq!(
            items[2].as_ref().unwrap().finish_reason(),
            Some(&FinishReason::Stop)
        );
        assert!(items[3].is_err());
    }

    #[tokio::test]
    async fn latency_and_chunk_delay_observed() {
        let ms = Duration::from_millis;
        let mock = Mock::new("mock").reply(MockReply::text("hi").latency(ms(40)));
        let t = Instant::now();
        mock.complete(ask("x")).await.unwrap();
        assert!(t.elapsed() >= ms(40));

        // Streams wait before the first chunk, not in stream() itself.
        let t = Instant::now();
        let mut s = mock.stream(ask("x")).await.unwrap();
        assert!(t.elapsed() < ms(40));
        s.next().await.unwrap().unwrap();
        assert!(t.elapsed() >= ms(40));

        // Errors wait too.
        let mock = Mock::new("mock").reply(MockReply::error(500, "x").latency(ms(30)));
        let t = Instant::now();
        assert!(mock.stream(ask("x")).await.is_err());
        assert!(t.elapsed() >= ms(30));

        // Chunk delay: three chunks → two waits.
        let mock = Mock::new("mock").reply(MockReply::text("a b").chunk_delay(ms(15)));
        let t = Instant::now();
        let items = collect(mock.stream(ask("x")).await.unwrap()).await;
        assert_eq!(items.len(), 3);
        assert!(t.elapsed() >= ms(30));
        // complete() ignores it.
        let t = Instant::now();
        mock.complete(ask("x")).await.unwrap();
        assert!(t.elapsed() < ms(15));
    }

    #[tokio::test]
    async fn stream_is_send_and_static() {
        fn assert_send_static<T: Send + 'static>(_: &T) {}
        let mock = Mock::new("mock").text("a b c");
        let s = mock.stream(ask("x")).await.unwrap();
        assert_send_static(&s);
        // Usable from another task after the mock is gone.
        drop(mock);
        let n = tokio::spawn(async move { s.count().await }).await.unwrap();
        assert_eq!(n, 4);
    }

    #[tokio::test]
    async fn list_models_default_and_custom() {
        let list = Mock::new("mock").list_models().await.unwrap();
        assert_eq!(list.object, "list");
        assert_eq!(list.data.len(), 1);
        assert_eq!(list.data[0].id, "mock-1");
        assert_eq!(list.data[0].object, "model");
        assert_eq!(list.data[0].owned_by.as_deref(), Some("mock"));

        let list = Mock::new("acme")
            .models(["small", "large"])
            .list_models()
            .await
            .unwrap();
        let ids: Vec<_> = list.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["small", "large"]);
        assert!(list.iter().all(|m| m.owned_by.as_deref() == Some("acme")));
    }

    #[tokio::test]
    async fn embeddings_deterministic() {
        let mock = Mock::new("mock");
        let req = EmbeddingRequest::new("embed-1", ["hello world", "other", "hello world"]);
        let a = mock.embed(req.clone()).await.unwrap();
        let b = Mock::new("other").embed(req).await.unwrap();
        assert_eq!(a, b);
        assert_eq!(a.object, "list");
        assert_eq!(a.model, "embed-1");
        assert_eq!(a.data.len(), 3);
        let v: Vec<&[f32]> = a.data.iter().map(|e| e.as_floats().unwrap()).collect();
        assert_eq!(v[0].len(), DEFAULT_EMBEDDING_DIMENSIONS);
        assert_eq!(v[0], v[2]);
        assert_ne!(v[0], v[1]);
        let norm: f32 = v[1].iter().map(|x| x * x).sum();
        assert!((norm - 1.0).abs() < 1e-4);
        assert!(v[1].iter().all(|x| (-1.0..=1.0).contains(x)));
        assert_eq!(
            a.data.iter().map(|e| e.index).collect::<Vec<_>>(),
            [0, 1, 2]
        );
        let u = a.usage.unwrap();
        assert_eq!((u.prompt_tokens, u.total_tokens), (5, 5));
        assert_eq!(mock.embedding_requests().len(), 1);
        assert_eq!(mock.calls(), 0);

        let d = mock
            .embed(EmbeddingRequest::new("embed-1", ["x"]).dimensions(32))
            .await
            .unwrap();
        assert_eq!(d.data[0].as_floats().unwrap().len(), 32);

        let tokens = EmbeddingRequest {
            input: EmbeddingInput::TokenBatches(vec![vec![1, 2, 3], vec![4]]),
            ..EmbeddingRequest::new("embed-1", ["unused"])
        };
        let t = mock.embed(tokens).await.unwrap();
        assert_eq!(t.data.len(), 2);
        assert_eq!(t.usage.unwrap().prompt_tokens, 4);
    }

    #[tokio::test]
    async fn poisoned_lock_recovers() {
        let mock = Mock::new("mock").text("still works");
        let clone = mock.clone();
        let _ = std::thread::spawn(move || {
            let _guard = clone.inner.state.lock();
            panic!("poison the lock");
        })
        .join();
        assert!(mock.inner.state.is_poisoned());
        let c = mock.complete(ask("x")).await.unwrap();
        assert_eq!(c.text().as_deref(), Some("still works"));
        assert_eq!(mock.calls(), 1);
    }

    /// The contract the router relies on: a stream that fails before its
    /// first chunk falls back; the log of each mock shows who was tried.
    #[tokio::test]
    async fn router_falls_back_on_stream_broken_before_first_chunk() {
        use crate::router::{Policy, Router};
        let primary = Mock::new("primary").reply(MockReply::text("lost").fail_after_chunks(0));
        let backup = Mock::new("backup").text("from backup");
        let router = Router::builder()
            .provider(primary.clone())
            .provider(backup.clone())
            .policy("p", Policy::fallback(["primary/a", "backup/b"]))
            .retries(0)
            .build()
            .unwrap();
        let req = ChatRequest::new("policy/p").user("hi");
        let done = router.stream(req).await.unwrap().into_completion().await;
        assert_eq!(done.unwrap().text().as_deref(), Some("from backup"));
        assert_eq!(primary.calls(), 1);
        assert_eq!(primary.requests()[0].model, "a");
        assert_eq!(backup.requests()[0].model, "b");
    }

    #[test]
    fn mock_is_a_provider_object() {
        let p: Arc<dyn Provider> = Arc::new(Mock::new("mock"));
        assert_eq!(p.id(), "mock");
        assert!(!p.supports_regions());
    }
}
