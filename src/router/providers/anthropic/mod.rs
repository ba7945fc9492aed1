//! [`Anthropic`]: the Anthropic Messages API behind the crate's OpenAI-shaped
//! types.
//!
//! Requests are translated to `POST {base}/v1/messages` (auth by
//! `x-api-key`, `anthropic-version: 2023-06-01` unless
//! [`Anthropic::version`] says otherwise), answers and event streams back to
//! [`ChatCompletion`]s and chunks. Like every provider inside the router, it
//! makes one attempt per call: the router's policy is the retry loop.
//!
//! ```
//! use requesty::router::Provider;
//! use requesty::router::providers::Anthropic;
//!
//! let claude = Anthropic::new("sk-ant-…").beta("files-api-2025-04-14");
//! assert_eq!(claude.id(), "anthropic");
//! assert!(!format!("{claude:?}").contains("sk-ant-…"));
//! ```
//!
//! # Request
//!
//! | ours | Anthropic |
//! |---|---|
//! | `system` and `developer` messages (anywhere) | top-level `system`: their texts joined by a blank line; text blocks when caching |
//! | consecutive turns of one role | one turn (Anthropic wants `user`/`assistant` to alternate); consecutive `tool` messages become one `user` turn of `tool_result` blocks, followed by a next `user` message's blocks |
//! | text part / string | `text` block (a turn of one bare text block is sent as a string; empty texts are skipped) |
//! | `image_url` `data:<mime>;base64,…` / `http(s)://…` | `image` with a `base64` (`media_type` from the URL or `mime_type`) / `url` source |
//! | `file`/`input_file` with `file_data` | `document` (PDF) or `image` with a `base64` source; the type comes from a data URL, else the file name, else PDF; other types are an error |
//! | `file`/`input_file` with `file_url` / `file_id` | `document` with a `url` / `file` source (`file_id` needs the Files API beta, see [`Anthropic::beta`]) |
//! | `input_audio` | error: Anthropic takes no audio |
//! | a part of another type ([`ContentPart::Other`](crate::types::ContentPart::Other)) | sent verbatim: any native block (e.g. a `text` block with its own `cache_control`) |
//! | assistant `tool_calls` | `tool_use` blocks; `input` is the parsed `arguments` (invalid JSON is an `InvalidRequest` naming `messages[i].tool_calls[j]`) |
//! | assistant `extra["thinking_blocks"]` (else `reasoning_content` + `extra["reasoning_signature"]`) | the turn's first blocks, as Anthropic wants thinking sent back with tool use |
//! | `tool` message | `tool_result` block (`tool_use_id` = `tool_call_id`, `content` = text or text/image blocks) |
//! | `tools` | `{name, description, input_schema}` (`parameters`, or an empty object schema) plus the tool's `extra` fields (e.g. `cache_control`); `strict` is not sent |
//! | `tool_choice` `auto` / `none` / `required` / function | `{"type": "auto"}` / `{"type": "none"}` / `{"type": "any"}` / `{"type": "tool", "name"}`; another form verbatim; only sent with tools |
//! | `parallel_tool_calls: false` | `disable_parallel_tool_use: true` on the tool choice (`auto` if none) |
//! | `max_tokens` / `max_completion_tokens` (the smaller if both) | `max_tokens`; when unset, the model's maximum output (table below) |
//! | `reasoning_effort` | `thinking` (table below), `max_tokens` raised above the budget |
//! | `temperature`, `top_p`, `extra["top_k"]` | sent as is (Anthropic's `temperature` range is 0–1: above 1 is its 400, not clamped); with thinking on, `temperature` and `top_k` are dropped and `top_p` is kept only in 0.95–1; on models that reject sampling parameters (Claude 4.7 and later) all three are dropped |
//! | `stop` | `stop_sequences` |
//! | `user` | `metadata.user_id` (the router removes the `requesty` object before providers) |
//! | `response_format` `json_object` | a system instruction to reply with one JSON object |
//! | `response_format` `json_schema` | a forced tool, or with thinking on an instruction (below) |
//! | `extra["cache_control"]` (`true` or `{"type": "ephemeral", …}`) | a cache breakpoint on the last system block and on the last block of the last `user` turn |
//! | other `extra` fields | top-level fields (objects merge into what this table sets, `extra` winning), e.g. `service_tier`, `output_config`, `top_k` |
//! | `n` > 1 | `InvalidRequest`: "anthropic does not support n > 1" |
//! | `logprobs`, `top_logprobs`, `presence_penalty`, `frequency_penalty`, `seed`, `logit_bias`, `stream_options`, an unknown `response_format` | dropped (Anthropic has no equivalent) |
//!
//! ## Models
//!
//! | model (prefix, dated ids and `anthropic.` prefixes match) | maximum output: the default `max_tokens`, and its cap when thinking raises it | thinking |
//! |---|---|---|
//! | `claude-3-haiku`, `claude-3-opus`, `claude-3-sonnet` | 4096 | none (`reasoning_effort` dropped) |
//! | `claude-3-5-haiku`, `claude-3-5-sonnet` | 8192 | none |
//! | `claude-3-7-sonnet`, `claude-sonnet-4`, `-4-5`, `-4-6`, `claude-haiku-4-5`, `claude-opus-4-5` | 64000 | budget |
//! | `claude-opus-4`, `claude-opus-4-1` | 32000 | budget |
//! | `claude-opus-4-6` | 128000 | budget |
//! | `claude-opus-4-7`, `-4-8`, `claude-opus-5`, `claude-sonnet-5` | 128000 | adaptive only |
//! | `claude-fable-5`, `claude-mythos*` | 128000 | adaptive, always on |
//! | any other `claude-<family>-<major>[-<minor>]` of version 4.7 or later | 4096 | adaptive only |
//! | anything else (e.g. a local server's model) | 4096 | budget |
//!
//! ## `reasoning_effort`
//!
//! | value | budget models | adaptive models |
//! |---|---|---|
//! | `none`, unknown values | no `thinking` | no `thinking` |
//! | `minimal`, `min`, `low` | `budget_tokens: 1024` | `effort: low` |
//! | `medium` | 8192 | `medium` |
//! | `high` | 16384 | `high` |
//! | `xhigh` | 32768 | `xhigh` |
//! | `max` | the model's maximum output − 1 | `max` |
//! | a budget `n` | `n` (at least 1024) | `low` (≤ 2048), `medium` (≤ 8192), else `high` |
//!
//! Budget models get `thinking: {"type": "enabled", "budget_tokens": b}` and
//! `max_tokens` = `b` + the answer's tokens (the request's limit, else the
//! model's maximum), capped at the model's maximum (or at the request's
//! limit when that is larger); `b` is lowered to stay below `max_tokens`.
//! Adaptive models get `thinking: {"type": "adaptive"}` and
//! `output_config: {"effort": …}`.
//!
//! ## `json_schema`
//!
//! Without thinking, the schema becomes a tool `json_answer` (its
//! `input_schema`) with `tool_choice: {"type": "tool", "name":
//! "json_answer"}` (when the request has tools of its own: `{"type": "any"}`,
//! so the model may still call them, or the request's own forced tool). The
//! call's `input` comes back as the message's text content (not a tool call)
//! with `finish_reason: stop`; streamed, its `input_json_delta` pieces are
//! `content` pieces.
//! With thinking on (or on always-thinking models) Anthropic refuses a forced
//! tool choice, so the schema is given as a system instruction instead (no
//! tool; a forced choice among the request's own tools becomes `auto`) and
//! the JSON comes back as the model's text. Anthropic's native
//! `output_config.format` can be sent through `extra` instead.
//!
//! Outside `json_schema`, a forced `tool_choice` (`required`, a function)
//! with thinking on is sent as the request sets it, and Anthropic's 400 says
//! why. Message `name`s are not sent (Anthropic has no such field); a bare
//! `prompt` becomes the last `user` turn.
//!
//! # Response
//!
//! | Anthropic | ours |
//! |---|---|
//! | `text` blocks | `content` (joined) |
//! | `tool_use` blocks | `tool_calls` (`id`, `name`, `arguments` = the JSON text of `input`) |
//! | `thinking` blocks | `reasoning_content` (joined); the last `signature` in `message.extra["reasoning_signature"]`; every `thinking`/`redacted_thinking` block verbatim in `message.extra["thinking_blocks"]`, which [`ChatCompletion::assistant_message`] keeps, so a later turn sends them back |
//! | other block types (server tools, …) | skipped |
//! | `id`, `model` | `id`, `model`; `object` is `chat.completion`, `created` is now |
//! | `stop_reason`, `stop_sequence`, `stop_details` | `finish_reason` (below); the raw values in `choice.extra` |
//!
//! | `stop_reason` | `finish_reason` |
//! |---|---|
//! | `end_turn`, `stop_sequence` | `stop` |
//! | `max_tokens`, `model_context_window_exceeded` | `length` |
//! | `tool_use` | `tool_calls` (`stop` when the only call was `json_answer`) |
//! | `refusal` | `content_filter`, and `message.refusal` = `stop_details.explanation` (or a fixed text) |
//! | `pause_turn`, any other | [`FinishReason::Other`](crate::types::FinishReason::Other) with the raw value |
//!
//! | usage | ours |
//! |---|---|
//! | `input_tokens` + `cache_creation_input_tokens` + `cache_read_input_tokens` | `prompt_tokens` (Anthropic's `input_tokens` excludes cached tokens) |
//! | `cache_read_input_tokens` / `cache_creation_input_tokens` | `prompt_tokens_details.cached_tokens` / `.caching_tokens` (no details when neither is reported) |
//! | `output_tokens` | `completion_tokens` |
//! | `output_tokens_details.thinking_tokens` | `completion_tokens_details.reasoning_tokens` |
//! | other fields (`service_tier`, `server_tool_use`, …) | `usage.extra` |
//!
//! # Streaming
//!
//! | event | chunks |
//! |---|---|
//! | `message_start` | none (id, model and usage are kept); the role goes with the first chunk |
//! | `content_block_start` `text` / `thinking` | an empty `content` / `reasoning_content` delta |
//! | `content_block_start` `tool_use` | a tool-call delta with the next call `index` (0, 1, … over tool calls only), `id`, `name`, `arguments: ""` |
//! | `text_delta` / `thinking_delta` / `input_json_delta` | `content` / `reasoning_content` / `arguments` pieces (of `json_answer`: `content`) |
//! | `signature_delta`, `content_block_stop` of a thinking block | at the stop, a delta whose `extra` holds `reasoning_signature` and all `thinking_blocks` so far |
//! | `content_block_stop` of a call whose input never streamed | its `arguments` whole (`{}` if empty) |
//! | `message_delta` | none (stop reason and cumulative usage are kept) |
//! | `message_stop` | the final chunk with `finish_reason` (`stop` if no `message_delta` gave a reason), then a usage chunk (no choices) if `stream_options.include_usage` |
//! | `ping`, unknown event or delta types (`citations_delta`) | none |
//! | `error` | an `Err` item: a documented error type is an [`ApiError`](crate::ApiError) with its HTTP status (`overloaded_error` → 529, retryable), another a stream error |
//!
//! A known event with data that is not JSON or lacks a required field is an
//! `Err` item; a body that ends before `message_stop` ends with one. The
//! first chunk must come within the provider's `timeout`, later ones within
//! its `read_timeout` of each other. HTTP errors come back from `stream()`.
//!
//! # Errors
//!
//! Error answers (`{"type": "error", "error": {"type", "message"}}`) are
//! [`ApiError`](crate::ApiError)s with the status, headers, `error.type` and
//! message; the request id is the `request-id` header (or the body's
//! `request_id`). 529 `overloaded_error` and the other 5xx are retryable and
//! fall back. The key never appears in `Debug` or in error bodies.

mod request;
mod response;
mod stream;

use std::fmt;
use std::sync::OnceLock;
use std::time::Duration;

use futures::future::BoxFuture;
use http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use serde_json::Value;
use url::Url;

use crate::chat::{decode_answer, to_body};
use crate::error::{Error, ErrorKind, Result};
use crate::meta::ResponseMeta;
use crate::router::provider::{Provider, ProviderRequest};
use crate::secret::SecretString;
use crate::stream::chat_stream::{ChatStream, StreamTimeouts};
use crate::transport::HttpEngine;
use crate::transport::http::{Engine, HttpConfig, HttpTransport};
use crate::transport::retry::RetryPolicy;
use crate::types::{ChatCompletion, ModelList};
use crate::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY, DEFAULT_READ_TIMEOUT, DEFAULT_TIMEOUT};

/// Anthropic's API.
pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";
/// The `anthropic-version` header sent by default.
pub const DEFAULT_VERSION: &str = "2023-06-01";

const MESSAGES: &str = "v1/messages";
const MODELS: &str = "v1/models";
/// At most this many pages of 1000 models are read.
const MAX_MODEL_PAGES: usize = 20;
const USER_AGENT: &str = concat!("requesty-rust/", env!("CARGO_PKG_VERSION"));

/// A [`Provider`] for the Anthropic Messages API (provider id `anthropic`);
/// see the [module docs](self) for what is translated and how.
///
/// The HTTP client is built on first use and shared by clones. `Debug`
/// never shows the key.
#[derive(Clone)]
pub struct Anthropic {
    api_key: SecretString,
    base_url: String,
    version: String,
    betas: Vec<String>,
    timeout: Duration,
    connect_timeout: Duration,
    read_timeout: Duration,
    http: Option<reqwest::Client>,
    engine: HttpEngine,
    transport: OnceLock<HttpTransport>,
}

impl fmt::Debug for Anthropic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Anthropic")
            .field("base_url", &self.base_url)
            .field("api_key", &"[REDACTED]")
            .field("version", &self.version)
            .field("betas", &self.betas)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .finish_non_exhaustive()
    }
}

impl Anthropic {
    /// A provider with this API key (sent as `x-api-key`), for
    /// `https://api.anthropic.com`.
    pub fn new(api_key: impl Into<String>) -> Self {
        Anthropic {
            api_key: SecretString::new(api_key),
            base_url: DEFAULT_BASE_URL.to_owned(),
            version: DEFAULT_VERSION.to_owned(),
            betas: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            http: None,
            engine: Default::default(),
            transport: OnceLock::new(),
        }
    }

    /// Forgets the built transport after a change of settings.
    fn changed(mut self) -> Self {
        self.transport = OnceLock::new();
        self
    }

    /// The base URL (default `https://api.anthropic.com`); `/v1/messages` and
    /// `/v1/models` are appended, so a trailing `/v1` is ignored.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self.changed()
    }

    /// The `anthropic-version` header (default `2023-06-01`).
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self.changed()
    }

    /// Adds a beta to the `anthropic-beta` header (several are joined by commas).
    pub fn beta(mut self, beta: impl Into<String>) -> Self {
        self.betas.push(beta.into());
        self.changed()
    }

    /// Bound on a non-streamed request and on a stream's wait for its first
    /// chunk (default [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self.changed()
    }

    /// Bound on opening a connection (default [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self.changed()
    }

    /// Bound on the silence between two chunks of a stream (default
    /// [`DEFAULT_READ_TIMEOUT`]).
    pub fn read_timeout(mut self, d: Duration) -> Self {
        self.read_timeout = d;
        self.changed()
    }

    /// Which HTTP implementation sends requests (default
    /// [`HttpEngine::Auto`]); ignored when
    /// `http_client` gives a reqwest client.
    pub fn http_engine(mut self, engine: HttpEngine) -> Self {
        self.engine = engine;
        self
    }

    /// Uses your own `reqwest::Client` (proxies, TLS, pools); implies
    /// [`HttpEngine::Reqwest`].
    pub fn http_client(mut self, c: reqwest::Client) -> Self {
        self.http = Some(c);
        self.changed()
    }

    /// The provider configured from variables read through `get`:
    /// `ANTHROPIC_API_KEY` (`Ok(None)` when unset or empty) and
    /// `ANTHROPIC_BASE_URL` (optional). Fails on an invalid base URL.
    ///
    /// ```
    /// use requesty::router::providers::Anthropic;
    /// let vars = |k: &str| (k == "ANTHROPIC_API_KEY").then(|| "sk-ant-1".to_owned());
    /// assert!(Anthropic::from_vars(vars).unwrap().is_some());
    /// assert!(Anthropic::from_vars(|_| None).unwrap().is_none());
    /// ```
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Option<Self>> {
        let nonempty = |k: &str| {
            get(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let Some(key) = nonempty("ANTHROPIC_API_KEY") else {
            return Ok(None);
        };
        let mut provider = Anthropic::new(key);
        if let Some(url) = nonempty("ANTHROPIC_BASE_URL") {
            provider = provider.base_url(url);
        }
        provider.transport()?;
        Ok(Some(provider))
    }

    /// [`Anthropic::from_vars`] with the process environment.
    pub fn from_env() -> Result<Option<Self>> {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    /// The transport (no retries), built on first use.
    fn transport(&self) -> Result<&HttpTransport> {
        if let Some(t) = self.transport.get() {
            return Ok(t);
        }
        let built = self.build_transport()?;
        Ok(self.transport.get_or_init(|| built))
    }

    fn build_transport(&self) -> Result<HttpTransport> {
        let invalid = |e: String| {
            Error::config(format!(
                "invalid Anthropic base URL {:?}: {e}",
                self.base_url
            ))
        };
        let mut base = Url::parse(self.base_url.trim()).map_err(|e| invalid(e.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(invalid("it must use http or https".into()));
        }
        let path = base.path().trim_end_matches('/');
        let path = format!("{}/", path.strip_suffix("/v1").unwrap_or(path));
        base.set_path(&path);
        if self.timeout.is_zero() || self.read_timeout.is_zero() || self.connect_timeout.is_zero() {
            return Err(Error::config("timeouts must be longer than zero"));
        }

        let value = |v: &str, what: &str| {
            HeaderValue::from_str(v).map_err(|_| {
                Error::config(format!("the {what} has characters not allowed in a header"))
            })
        };
        let mut headers = HeaderMap::new();
        headers.insert(header::USER_AGENT, HeaderValue::from_static(USER_AGENT));
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        let mut key = value(self.api_key.expose(), "API key")?;
        key.set_sensitive(true);
        headers.insert(HeaderName::from_static("x-api-key"), key);
        headers.insert(
            HeaderName::from_static("anthropic-version"),
            value(&self.version, "version")?,
        );
        if !self.betas.is_empty() {
            headers.insert(
                HeaderName::from_static("anthropic-beta"),
                value(&self.betas.join(","), "beta list")?,
            );
        }
        let http = Engine::choose(self.engine, self.http.clone(), self.connect_timeout)?;
        Ok(HttpTransport::new(
            http,
            HttpConfig {
                base,
                headers,
                api_key: Some(self.api_key.clone()),
                timeout: self.timeout,
                connect_timeout: self.connect_timeout,
                read_timeout: self.read_timeout,
                max_retries: 0,
                retry: RetryPolicy::default(),
                deadline: None,
                max_body: DEFAULT_MAX_BODY,
            },
        ))
    }

    /// The request body and what the answer needs to know about it.
    fn prepare(req: ProviderRequest, stream: bool) -> Result<(bytes::Bytes, request::Sent, bool)> {
        let ProviderRequest {
            model, mut chat, ..
        } = req;
        chat.model = Some(model);
        let include_usage = chat
            .stream_options
            .as_ref()
            .and_then(|o| o.include_usage)
            .unwrap_or(false);
        let request::Prepared { mut body, sent } = request::build(&chat)?;
        if stream {
            body.insert("stream".into(), Value::Bool(true));
        }
        Ok((to_body(&Value::Object(body))?, sent, include_usage))
    }
}

/// A non-streamed answer body decoded as the provider does (fuzzing and
/// property tests).
#[cfg(feature = "testing")]
pub(crate) fn decode_response_for_tests(bytes: &[u8]) -> Result<ChatCompletion> {
    let meta = ResponseMeta::default();
    let msg: response::AnthropicMessage =
        decode_answer(&meta, bytes, |b| b).map_err(with_body_request_id)?;
    if !response::is_message(&msg) {
        return Err(Error::decode(
            "the answer is not an Anthropic message",
            bytes,
        ));
    }
    Ok(response::completion(msg, request::Sent::default()))
}

/// The items of an event-stream body decoded as the provider does, without
/// timeouts (fuzzing and property tests).
#[cfg(feature = "testing")]
pub(crate) fn decode_stream_for_tests(
    bytes: &[u8],
) -> Vec<Result<crate::types::ChatCompletionChunk>> {
    stream::decode_for_tests(bytes)
}

/// Fills an API error's request id from the body's `request_id` when no
/// header carried one.
fn with_body_request_id(e: Error) -> Error {
    if e.api().is_none() || e.request_id().is_some() {
        return e;
    }
    match e.into_kind() {
        ErrorKind::Api(mut api) => {
            api.request_id = serde_json::from_str::<Value>(&api.body)
                .ok()
                .and_then(|v| v.get("request_id")?.as_str().map(str::to_owned));
            api.into()
        }
        other => other.into(),
    }
}

/// An answer's body as an Anthropic type, an error object as an [`ApiError`].
fn decode<T: serde::de::DeserializeOwned>(
    t: &HttpTransport,
    meta: &ResponseMeta,
    bytes: &[u8],
) -> Result<T> {
    decode_answer(meta, bytes, |b| t.scrub(b)).map_err(with_body_request_id)
}

impl Provider for Anthropic {
    fn id(&self) -> &str {
        "anthropic"
    }

    fn complete(&self, req: ProviderRequest) -> BoxFuture<'_, Result<ChatCompletion>> {
        Box::pin(async move {
            let (body, sent, _) = Self::prepare(req, false)?;
            let t = self.transport()?;
            let (meta, bytes) = t
                .execute(Method::POST, MESSAGES, Some(body), None)
                .await
                .map_err(with_body_request_id)?;
            let msg: response::AnthropicMessage = decode(t, &meta, &bytes)?;
            if !response::is_message(&msg) {
                return Err(Error::decode(
                    "the answer is not an Anthropic message",
                    &bytes,
                ));
            }
            let mut completion = response::completion(msg, sent);
            completion.meta = meta;
            Ok(completion)
        })
    }

    fn stream(&self, req: ProviderRequest) -> BoxFuture<'_, Result<ChatStream>> {
        Box::pin(async move {
            let (body, sent, include_usage) = Self::prepare(req, true)?;
            let t = self.transport()?;
            let started = std::time::Instant::now();
            let mut accept = HeaderMap::new();
            accept.insert(
                header::ACCEPT,
                HeaderValue::from_static("text/event-stream"),
            );
            let resp = t
                .open(Method::POST, MESSAGES, Some(body), Some(&accept))
                .await
                .map_err(with_body_request_id)?;
            let meta = ResponseMeta::from_response(resp.status().as_u16(), resp.headers());
            let json = resp
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/json"));
            if json {
                // An error object, or a server that ignored `stream`.
                let bytes = resp
                    .bytes()
                    .await
                    .map_err(|e| Error::stream(format!("reading the body failed: {e}")))?;
                let _: Value = decode(t, &meta, &bytes)?;
                return Err(Error::decode(
                    "asked for an event stream, the server answered with JSON",
                    &bytes,
                ));
            }
            let cfg = t.config();
            let timeouts = StreamTimeouts {
                first_chunk_by: crate::stream::chat_stream::instant_after(started, cfg.timeout),
                first_chunk_after: cfg.timeout,
                read: cfg.read_timeout,
            };
            let key = self.api_key.clone();
            let state = stream::State::new(sent, include_usage);
            let chunks = stream::chunks(
                resp.bytes_stream(),
                meta.clone(),
                timeouts,
                move |s| key.scrub(s),
                state,
            );
            Ok(ChatStream::from_chunks(chunks, meta))
        })
    }

    fn list_models(&self) -> BoxFuture<'_, Result<ModelList>> {
        Box::pin(async move {
            let t = self.transport()?;
            let mut models = Vec::new();
            let mut after: Option<String> = None;
            for _ in 0..MAX_MODEL_PAGES {
                let mut path = format!("{MODELS}?limit=1000");
                if let Some(id) = &after {
                    path.push_str("&after_id=");
                    path.extend(url::form_urlencoded::byte_serialize(id.as_bytes()));
                }
                let (meta, bytes) = t
                    .execute(Method::GET, &path, None, None)
                    .await
                    .map_err(with_body_request_id)?;
                let page: response::ModelsPage = decode(t, &meta, &bytes)?;
                models.extend(page.data.into_iter().filter_map(response::model));
                match page.last_id {
                    Some(last) if page.has_more => after = Some(last),
                    _ => break,
                }
            }
            Ok(response::model_list(models))
        })
    }
}
