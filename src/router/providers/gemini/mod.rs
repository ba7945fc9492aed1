//! [`Gemini`]: Google's Gemini API (`generateContent`) behind the crate's
//! OpenAI-shaped types.
//!
//! The provider translates a [`ChatRequest`](crate::ChatRequest) into a Gemini
//! `GenerateContentRequest`, calls
//! `POST {base}/v1beta/models/{model}:generateContent` (or
//! `:streamGenerateContent?alt=sse`), and translates the answer back into a
//! [`ChatCompletion`] or a [`ChatStream`] of OpenAI-style chunks. It has no
//! retries of its own (the router is the one retry loop). The key travels in
//! the `x-goog-api-key` header, never in the URL (URLs end up in error
//! messages), and never shows in `Debug` output or error bodies.
//!
//! ```
//! use requesty::router::providers::Gemini;
//! use requesty::router::Provider;
//!
//! let gemini = Gemini::new("AIza-secret").timeout(std::time::Duration::from_secs(120));
//! assert_eq!(gemini.id(), "google");
//! assert!(!format!("{gemini:?}").contains("AIza-secret"));
//! // `Gemini::from_env()` reads GEMINI_API_KEY (or GOOGLE_API_KEY) and GEMINI_BASE_URL.
//! ```
//!
//! Through the router, models are addressed as `google/<model>`
//! (`google/gemini-2.5-flash`).
//!
//! # Request mapping
//!
//! | ours | Gemini |
//! |---|---|
//! | `system` / `developer` messages (wherever they are) | `systemInstruction.parts[].text`, in order |
//! | `user` / `assistant` messages | `contents[]` with role `user` / `model`; consecutive turns of one role are merged |
//! | text parts | `{"text": …}` |
//! | `image_url` with a `data:…;base64,` URL | `inlineData {mimeType, data}` |
//! | `image_url` with an `http(s)://` or `gs://` URL | `fileData {fileUri, mimeType}`; the MIME type is `ImageUrl::mime_type`, else guessed from the extension (png, jpg/jpeg, webp, gif, heic, heif, …), else omitted |
//! | `file` / `input_file` with `file_data` (a `data:` URL or bare base64) | `inlineData`; the MIME type comes from the data URL, else the file name's extension, else `application/pdf` (the only file type OpenAI's file parts carry) |
//! | `file` / `input_file` with `file_url` | `fileData {fileUri, mimeType}` |
//! | `input_audio` | `inlineData {mimeType: "audio/<format>", data}` |
//! | assistant `tool_calls` | model `functionCall {name, args, id?}` parts, with their `thoughtSignature` |
//! | `tool` messages | user `functionResponse {name, response, id?}` parts; the name is looked up from the earlier assistant tool call with the same `tool_call_id`; a JSON-object result is the `response` as is, anything else becomes `{"result": <parsed JSON or the text>}` (what Google's own SDK sends) |
//! | `temperature`, `top_p`, `n`, `seed`, `presence_penalty`, `frequency_penalty` | `generationConfig.temperature`, `topP`, `candidateCount`, `seed`, `presencePenalty`, `frequencyPenalty` |
//! | `extra["top_k"]` | `generationConfig.topK` |
//! | `max_completion_tokens` / `max_tokens` (the smaller when both are set) | `generationConfig.maxOutputTokens` |
//! | `stop` | `generationConfig.stopSequences` |
//! | `logprobs` / `top_logprobs` | `generationConfig.responseLogprobs` / `logprobs` |
//! | `response_format` `json_schema` | `responseMimeType: "application/json"` + `responseJsonSchema` (the JSON Schema as is) |
//! | `response_format` `json_object` | `responseMimeType: "application/json"` |
//! | `reasoning_effort` | `generationConfig.thinkingConfig` (below), with `includeThoughts: true` |
//! | `tools` (functions) | `tools: [{"functionDeclarations": [{name, description, parametersJsonSchema}]}]` |
//! | `tool_choice` `auto` / `none` / `required` / a function | `toolConfig.functionCallingConfig.mode` `AUTO` / `NONE` / `ANY` / `ANY` + `allowedFunctionNames` |
//! | `extra["generationConfig"]` (an object) | merged into `generationConfig`, its keys winning |
//! | `extra["safetySettings"]`, `extra["cachedContent"]`, `extra["toolConfig"]`, `extra["labels"]` | sent as is (top level) |
//!
//! Dropped, since Gemini has no equivalent: `user`, `logit_bias`,
//! `parallel_tool_calls`, `stream_options`, `requesty`, message `name`s,
//! assistant `reasoning_content`, and any other `extra` field. Tool
//! `strict` flags are dropped (Gemini validates against the schema anyway).
//!
//! ## `reasoning_effort`
//!
//! Gemini 2.5 models take a token budget (`thinkingBudget`), Gemini 3 models
//! a level (`thinkingLevel`); `includeThoughts: true` is sent with either
//! (except when thinking is off), so thought summaries come back as
//! `reasoning_content`. Without `reasoning_effort` no `thinkingConfig` is
//! sent and the model thinks as it does by default.
//!
//! | model | `none` | `min` / `minimal` | `low` | `medium` | `high` | `xhigh` / `max` | budget `n` |
//! |---|---|---|---|---|---|---|---|
//! | `gemini-2.5-pro*` | 128 (cannot be off) | 128 | 1024 | 8192 | 24576 | 32768 | `n` clamped to 128–32768 |
//! | `gemini-2.5-flash*` | 0 | 512 | 1024 | 8192 | 24576 | 24576 | `n` clamped to 0–24576 |
//! | `gemini-2.5-flash-lite*` | 0 | 512 | 1024 | 8192 | 24576 | 24576 | 0, or `n` clamped to 512–24576 |
//! | `gemini-3*-flash*` (level) | `minimal` | `minimal` | `low` | `medium` | `high` | `high` | `minimal` (0), `low` (≤ 2048), `medium` (≤ 8192), `high` |
//! | other `gemini-3*` (Pro: level) | `low` | `low` | `low` | `high` | `high` | `high` | `low` (≤ 8192), `high` |
//! | `gemini-2.0*`, `gemini-1.*`, `gemma*` (no thinking) | — | — | — | — | — | — | — |
//! | any other name (`gemini-flash-latest`, …) | 0 | 512 | 1024 | 8192 | 24576 | 24576 | `n` |
//!
//! `max` is Requesty's "largest budget the model allows", not Gemini's
//! `-1` (dynamic thinking, which is what the models do when nothing is
//! sent); `auto` or `dynamic` ask for `-1` on the budget models and send
//! no `thinkingConfig` to Gemini 3 models (dynamic is their default). Other
//! unknown values are an invalid-request error. Budgets for unknown models
//! are 2.5-Flash-like values that every thinking model accepts (Gemini 3
//! still accepts `thinkingBudget`).
//!
//! # Response mapping
//!
//! | Gemini | ours |
//! |---|---|
//! | `candidates[i]` | `choices[i]` (by `index`) |
//! | text parts | `message.content` (joined) |
//! | parts with `thought: true` | `message.reasoning_content` |
//! | `functionCall` parts | `message.tool_calls` (`arguments` = the JSON text of `args`) |
//! | `functionCall.id`, or none | the call's `id`; without one, `call_` + 16 hex digits of a hash of (name, args, position among the candidate's calls): stable, so the same answer always gets the same ids |
//! | `thoughtSignature` on a `functionCall` part | the tool call's `extra["extra_content"]["google"]["thought_signature"]` |
//! | `thoughtSignature` on another part | `message.extra["extra_content"]["google"]["thought_signature"]` |
//! | `finishReason` | `finish_reason` (below); the raw value in `choice.extra["finish_reason_raw"]`, `finishMessage` in `choice.extra["finish_message"]` |
//! | `usageMetadata.promptTokenCount` | `usage.prompt_tokens` |
//! | `candidatesTokenCount` + `thoughtsTokenCount` | `usage.completion_tokens` |
//! | `thoughtsTokenCount` | `usage.completion_tokens_details.reasoning_tokens` |
//! | `cachedContentTokenCount` | `usage.prompt_tokens_details.cached_tokens` |
//! | `totalTokenCount` | `usage.total_tokens` |
//! | `responseId`, `modelVersion` | `id`, `model` |
//! | `logprobsResult` | `choice.logprobs.content` |
//!
//! | `finishReason` | `finish_reason` |
//! |---|---|
//! | `STOP` | `stop`, or `tool_calls` when the candidate called functions |
//! | `MAX_TOKENS` | `length` |
//! | `SAFETY`, `RECITATION`, `BLOCKLIST`, `PROHIBITED_CONTENT`, `SPII`, `IMAGE_SAFETY`, `IMAGE_PROHIBITED_CONTENT`, `IMAGE_RECITATION` | `content_filter` |
//! | anything else (`MALFORMED_FUNCTION_CALL`, `OTHER`, `LANGUAGE`, `UNEXPECTED_TOOL_CALL`, …) | `Other(<raw value>)` |
//!
//! A prompt Gemini blocks outright (`promptFeedback.blockReason`, no
//! candidates) is answered as one choice with `finish_reason:
//! content_filter`, no content, and a `refusal` naming the reason (so
//! [`Chat::parse`](crate::Chat::parse) reports a refusal); the raw reason is
//! in `choice.extra["block_reason"]`. It is not an error: the request
//! reached the model and was answered, and no other target would be asked.
//!
//! ## Thought signatures
//!
//! Thinking models sign their reasoning (`thoughtSignature`); Gemini 3
//! rejects a conversation whose function calls come back without their
//! signatures. The signatures are kept where Gemini's own OpenAI-compatible
//! endpoint puts them, `extra_content.google.thought_signature` (on a tool
//! call, or on the message for a text part), so
//! [`ChatCompletion::assistant_message`] carries them into the next request,
//! where they are sent back on the matching `functionCall` part (or the last
//! text part). A plain `extra["thought_signature"]` on a tool call is read
//! too. In a stream, where a tool-call delta has no room for extra fields,
//! the signatures of function calls arrive as a map from call id to
//! signature in the message's
//! `extra_content.google.tool_call_thought_signatures` (repeated whole in
//! each chunk that adds one, so the accumulated message holds them all);
//! the request side reads that map as well.
//!
//! A call id Gemini gave is sent back in `functionCall.id` and
//! `functionResponse.id`; a synthesized one (recognised by recomputing it)
//! is not, since Gemini never issued it.
//!
//! # Streaming
//!
//! `streamGenerateContent?alt=sse` sends one partial
//! `GenerateContentResponse` per `data:` event and ends at the end of the
//! body (no `[DONE]`). Each event becomes one chunk: the role on a
//! candidate's first, text and thought deltas, each function call whole as
//! one tool-call delta (index, id, name, full arguments), the finish reason
//! when the candidate has one (`null` on the others). The last
//! `usageMetadata` becomes a final usage chunk when
//! `stream_options.include_usage` is set. A body that ends before every
//! candidate has a `finishReason` ends with an `Err` item (truncation); an
//! `{"error": …}` event is an `Err` item carrying the API error. The first
//! event must arrive within `timeout`, later ones within `read_timeout` of
//! the previous read. HTTP errors come back from `stream()` itself.
//!
//! # Errors
//!
//! Google's `{"error": {"code", "message", "status", "details"}}` bodies
//! (also wrapped in an array) become [`ApiError`]s with `message`, `code`
//! (the number as text), `error_type` = `status` (`INVALID_ARGUMENT`,
//! `RESOURCE_EXHAUSTED`, …) and `metadata = {"details": […]}`. 429 and 5xx
//! (`RESOURCE_EXHAUSTED`, `UNAVAILABLE`, …) are retryable by status, so
//! the router retries or falls back on them.
//!
//! # Models and embeddings
//!
//! [`Provider::list_models`] reads `GET /v1beta/models` (all pages): ids
//! without the `models/` prefix, `inputTokenLimit` → `context_window`,
//! `outputTokenLimit` → `max_output_tokens`, `description`, and
//! `displayName`, `version`, `supportedGenerationMethods` in `extra`.
//! [`Provider::embed`] calls `:batchEmbedContents` with one request per input
//! text (`dimensions` → `outputDimensionality`; `extra["task_type"]` →
//! `taskType`, `extra["title"]` → `title`); token inputs and
//! `encoding_format: base64` are invalid requests. Gemini reports no token
//! usage for embeddings, so `usage` is `None`.

mod request;
mod response;
mod stream;

use std::fmt;
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures::future::BoxFuture;
use http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use serde_json::{Map, Value, json};
use url::Url;

use crate::chat::{decode_answer, to_body};
use crate::client::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY, DEFAULT_READ_TIMEOUT, DEFAULT_TIMEOUT,
};
use crate::error::{ApiError, Error, ErrorKind, Result};
use crate::meta::ResponseMeta;
use crate::router::provider::{Provider, ProviderRequest};
use crate::secret::SecretString;
use crate::stream::chat_stream::{ChatStream, StreamTimeouts};
use crate::transport::HttpEngine;
use crate::transport::http::{Engine, HttpConfig, HttpTransport};
use crate::transport::retry::RetryPolicy;
use crate::types::{
    ChatCompletion, Embedding, EmbeddingInput, EmbeddingRequest, EmbeddingResponse,
    EmbeddingVector, Model, ModelList,
};

/// The provider id (`google/gemini-2.5-flash`).
pub const PROVIDER_ID: &str = "google";

/// The default base URL; the adapter appends `/v1beta/models/…`.
pub const DEFAULT_BASE_URL: &str = "https://generativelanguage.googleapis.com";

/// The API version in every path.
const API_VERSION: &str = "v1beta";

/// The header that carries the key.
const KEY_HEADER: &str = "x-goog-api-key";

/// How many pages [`Provider::list_models`] reads at most.
const MAX_MODEL_PAGES: usize = 50;

const USER_AGENT: &str = concat!("requesty-rust/", env!("CARGO_PKG_VERSION"));

/// A [`Provider`] for Google's Gemini API (see the [module docs](self) for
/// the mapping). Provider id `google`.
///
/// Built with [`Gemini::new`] (or [`Gemini::from_env`]) and adjusted with the
/// builder methods. The HTTP transport is built on first use and shared by
/// clones. `Debug` never shows the key.
#[derive(Clone)]
pub struct Gemini {
    base_url: String,
    api_key: SecretString,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    read_timeout: Option<Duration>,
    http: Option<reqwest::Client>,
    engine: HttpEngine,
    transport: OnceLock<HttpTransport>,
}

impl fmt::Debug for Gemini {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gemini")
            .field("id", &PROVIDER_ID)
            .field("base_url", &self.base_url)
            .field("api_key", &"[REDACTED]")
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .finish_non_exhaustive()
    }
}

impl Gemini {
    /// The Gemini API at [`DEFAULT_BASE_URL`] with this key (sent as the
    /// `x-goog-api-key` header).
    pub fn new(api_key: impl Into<String>) -> Self {
        Gemini {
            base_url: DEFAULT_BASE_URL.to_owned(),
            api_key: SecretString::new(api_key),
            timeout: None,
            connect_timeout: None,
            read_timeout: None,
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

    /// Overrides the base URL (a proxy, a test server); `/v1beta/models/…`
    /// is appended to it.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self.changed()
    }

    /// Bound on a non-streamed request and on a stream's wait for its first
    /// chunk (default [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d);
        self.changed()
    }

    /// Bound on opening a connection (default
    /// [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = Some(d);
        self.changed()
    }

    /// Bound on the silence between two reads of a stream (default
    /// [`DEFAULT_READ_TIMEOUT`]).
    pub fn read_timeout(mut self, d: Duration) -> Self {
        self.read_timeout = Some(d);
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

    /// A provider configured from variables read through `get` (so tests
    /// need no process-wide `set_var`): the key from `GEMINI_API_KEY`, else
    /// `GOOGLE_API_KEY`; the base URL from `GEMINI_BASE_URL` when set.
    /// `Ok(None)` when neither key variable is set (or both are empty);
    /// an error when the base URL is invalid.
    ///
    /// ```
    /// use requesty::router::providers::Gemini;
    /// let vars = |k: &str| (k == "GOOGLE_API_KEY").then(|| "AIza-1".to_owned());
    /// assert!(Gemini::from_vars(vars).unwrap().is_some());
    /// assert!(Gemini::from_vars(|_| None).unwrap().is_none());
    /// ```
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Option<Self>> {
        let nonempty = |k: &str| {
            get(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let Some(key) = nonempty("GEMINI_API_KEY").or_else(|| nonempty("GOOGLE_API_KEY")) else {
            return Ok(None);
        };
        let mut provider = Gemini::new(key);
        if let Some(url) = nonempty("GEMINI_BASE_URL") {
            provider = provider.base_url(url);
        }
        provider.transport()?;
        Ok(Some(provider))
    }

    /// [`Gemini::from_vars`] with the process environment.
    pub fn from_env() -> Result<Option<Self>> {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    /// The transport requests go through (no retries), built on first use.
    fn transport(&self) -> Result<HttpTransport> {
        if let Some(t) = self.transport.get() {
            return Ok(t.clone());
        }
        let built = self.build_transport()?;
        Ok(self.transport.get_or_init(|| built).clone())
    }

    fn build_transport(&self) -> Result<HttpTransport> {
        let mut base = Url::parse(self.base_url.trim())
            .map_err(|e| Error::config(format!("invalid base URL {:?}: {e}", self.base_url)))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(Error::config(format!(
                "base URL {:?} must use http or https",
                self.base_url
            )));
        }
        if base.query().is_some() {
            return Err(Error::config(format!(
                "base URL {:?} must not have a query (the key goes in a header)",
                self.base_url
            )));
        }
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let connect_timeout = self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        let read_timeout = self.read_timeout.unwrap_or(DEFAULT_READ_TIMEOUT);
        if timeout.is_zero() || connect_timeout.is_zero() || read_timeout.is_zero() {
            return Err(Error::config("timeouts must be longer than zero"));
        }
        let mut headers = HeaderMap::new();
        headers.insert(header::USER_AGENT, HeaderValue::from_static(USER_AGENT));
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        let mut key = HeaderValue::from_str(self.api_key.expose()).map_err(|_| {
            Error::config("the API key contains characters not allowed in a header")
        })?;
        key.set_sensitive(true);
        headers.insert(HeaderName::from_static(KEY_HEADER), key);
        let http = Engine::choose(self.engine, self.http.clone(), connect_timeout)?;
        Ok(HttpTransport::new(
            http,
            HttpConfig {
                base,
                headers,
                api_key: Some(self.api_key.clone()),
                timeout,
                connect_timeout,
                read_timeout,
                max_retries: 0,
                retry: RetryPolicy::default(),
                deadline: None,
                max_body: DEFAULT_MAX_BODY,
            },
        ))
    }

    /// The translated body of a chat request (`model` is the provider's model name).
    fn body(req: &ProviderRequest) -> Result<bytes::Bytes> {
        req.chat.validate()?;
        let body = request::build(&req.chat, &req.model)?;
        to_body(&body)
    }
}

/// `v1beta/models/{model}:{method}` (a `tunedModels/…` name is kept as is).
fn model_path(model: &str, method: &str) -> Result<String> {
    let m = model.trim();
    if m.is_empty()
        || m.contains(['?', '#', ':', '\\'])
        || m.chars().any(char::is_whitespace)
        || m.split('/').any(|s| s.is_empty() || s == "." || s == "..")
    {
        return Err(Error::invalid_request(
            "model",
            format!("`{model}` is not a Gemini model name"),
        ));
    }
    let name = if m.starts_with("models/") || m.starts_with("tunedModels/") {
        m.to_owned()
    } else {
        format!("models/{m}")
    };
    Ok(format!("{API_VERSION}/{name}:{method}"))
}

/// `models/{model}` as the body of an embedding request names it.
fn model_resource(model: &str) -> String {
    let m = model.trim();
    if m.starts_with("models/") || m.starts_with("tunedModels/") {
        m.to_owned()
    } else {
        format!("models/{m}")
    }
}

/// Seconds since the Unix epoch (Gemini answers carry no creation time).
fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Fills what [`ApiError::from_response`] leaves out of Google's error
/// shape: `status` → `error_type`, `details` → `metadata.details`, and the
/// `[{"error": …}]` array some endpoints wrap errors in.
pub(crate) fn fix_google_error(api: &mut ApiError) {
    let Ok(v) = serde_json::from_str::<Value>(&api.body) else {
        return;
    };
    let v = match v {
        Value::Array(mut items) if !items.is_empty() => {
            let first = items.swap_remove(0);
            if api.message.is_empty()
                || http::StatusCode::from_u16(api.status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    == Some(api.message.as_str())
            {
                api.message.clear();
                api.fill_from_json(&first);
                if api.message.is_empty() {
                    api.message = "error".to_owned();
                }
            }
            first
        }
        other => other,
    };
    let Some(e) = v.get("error").filter(|e| e.is_object()) else {
        return;
    };
    if api.error_type.is_none()
        && let Some(status) = e.get("status").and_then(Value::as_str)
    {
        api.error_type = Some(status.to_owned());
    }
    if api.metadata.is_none()
        && let Some(details) = e.get("details").filter(|d| !d.is_null())
    {
        api.metadata = Some(json!({ "details": details }));
    }
}

/// [`fix_google_error`] applied to the API error inside `e`, if any.
pub(crate) fn google_error(e: Error) -> Error {
    match e.into_kind() {
        ErrorKind::Api(mut api) => {
            fix_google_error(&mut api);
            api.into()
        }
        ErrorKind::Stream {
            message,
            api: Some(mut api),
        } => {
            fix_google_error(&mut api);
            ErrorKind::Stream {
                message,
                api: Some(api),
            }
            .into()
        }
        other => other.into(),
    }
}

/// A non-streamed answer body decoded as the provider does (fuzzing and
/// property tests).
#[cfg(feature = "testing")]
pub(crate) fn decode_response_for_tests(bytes: &[u8]) -> Result<ChatCompletion> {
    let meta = ResponseMeta::default();
    let answer: response::GenerateContentResponse =
        decode_answer(&meta, bytes, |s| s).map_err(google_error)?;
    response::completion(answer, "gemini-fuzz", 0)
}

/// The items of an event-stream body decoded as the provider does, without
/// timeouts (fuzzing and property tests).
#[cfg(feature = "testing")]
pub(crate) fn decode_stream_for_tests(
    bytes: &[u8],
) -> Vec<Result<crate::types::ChatCompletionChunk>> {
    stream::decode_for_tests(bytes)
}

impl Provider for Gemini {
    fn id(&self) -> &str {
        PROVIDER_ID
    }

    fn complete(&self, req: ProviderRequest) -> BoxFuture<'_, Result<ChatCompletion>> {
        Box::pin(async move {
            let body = Self::body(&req)?;
            let path = model_path(&req.model, "generateContent")?;
            let t = self.transport()?;
            let (meta, bytes) = t
                .execute(Method::POST, &path, Some(body), None)
                .await
                .map_err(google_error)?;
            let answer: response::GenerateContentResponse =
                decode_answer(&meta, &bytes, |s| t.scrub(s)).map_err(google_error)?;
            let mut completion = response::completion(answer, &req.model, now_secs())?;
            completion.meta = meta;
            Ok(completion)
        })
    }

    fn stream(&self, req: ProviderRequest) -> BoxFuture<'_, Result<ChatStream>> {
        Box::pin(async move {
            let body = Self::body(&req)?;
            let path = format!(
                "{}?alt=sse",
                model_path(&req.model, "streamGenerateContent")?
            );
            let t = self.transport()?;
            let cfg = t.config();
            let started = Instant::now();
            let mut accept = HeaderMap::new();
            accept.insert(
                header::ACCEPT,
                HeaderValue::from_static("text/event-stream"),
            );
            let resp = t
                .open(Method::POST, &path, Some(body), Some(&accept))
                .await
                .map_err(google_error)?;
            let meta = ResponseMeta::from_response(resp.status().as_u16(), resp.headers());
            let content_type = resp
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_ascii_lowercase();
            if content_type.starts_with("application/json") {
                // Not a stream: an error object, or a server that ignored `alt=sse`.
                let bytes = resp
                    .bytes()
                    .await
                    .map_err(|e| Error::stream(format!("reading the body failed: {e}")))?;
                let _: Value =
                    decode_answer(&meta, &bytes, |s| t.scrub(s)).map_err(google_error)?;
                return Err(Error::decode(
                    "asked for an event stream, the server answered with JSON",
                    &bytes,
                ));
            }
            let timeouts = StreamTimeouts {
                first_chunk_by: crate::stream::chat_stream::instant_after(started, cfg.timeout),
                first_chunk_after: cfg.timeout,
                read: cfg.read_timeout,
            };
            let include_usage = req
                .chat
                .stream_options
                .as_ref()
                .and_then(|o| o.include_usage)
                .unwrap_or(false);
            let translator = stream::Translator::new(req.model.clone(), now_secs(), include_usage);
            let key = self.api_key.clone();
            let chunks = stream::chunks(
                resp.bytes_stream(),
                meta.clone(),
                timeouts,
                move |s| key.scrub(s),
                translator,
            );
            Ok(ChatStream::from_chunks(chunks, meta))
        })
    }

    fn list_models(&self) -> BoxFuture<'_, Result<ModelList>> {
        Box::pin(async move {
            let t = self.transport()?;
            let mut data = Vec::new();
            let mut token: Option<String> = None;
            for _ in 0..MAX_MODEL_PAGES {
                let mut path = format!("{API_VERSION}/models?pageSize=1000");
                if let Some(tok) = &token {
                    let encoded: String =
                        url::form_urlencoded::byte_serialize(tok.as_bytes()).collect();
                    path.push_str("&pageToken=");
                    path.push_str(&encoded);
                }
                let (meta, bytes) = t
                    .execute(Method::GET, &path, None, None)
                    .await
                    .map_err(google_error)?;
                let page: Value =
                    decode_answer(&meta, &bytes, |s| t.scrub(s)).map_err(google_error)?;
                if let Some(models) = page.get("models").and_then(Value::as_array) {
                    data.extend(models.iter().filter_map(model_of));
                }
                token = page
                    .get("nextPageToken")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned);
                if token.is_none() {
                    break;
                }
            }
            Ok(ModelList {
                object: "list".to_owned(),
                data,
                extra: Map::new(),
            })
        })
    }

    fn embed(&self, req: EmbeddingRequest) -> BoxFuture<'_, Result<EmbeddingResponse>> {
        Box::pin(async move {
            req.validate()?;
            let body = embed_body(&req)?;
            let path = model_path(&req.model, "batchEmbedContents")?;
            let t = self.transport()?;
            let (meta, bytes) = t
                .execute(Method::POST, &path, Some(to_body(&body)?), None)
                .await
                .map_err(google_error)?;
            let answer: Value =
                decode_answer(&meta, &bytes, |s| t.scrub(s)).map_err(google_error)?;
            let mut out = embeddings_of(&answer, &req.model, &bytes)?;
            out.meta = meta;
            Ok(out)
        })
    }
}

/// One entry of `GET /v1beta/models` as our [`Model`].
fn model_of(m: &Value) -> Option<Model> {
    let name = m.get("name")?.as_str()?;
    let id = name.strip_prefix("models/").unwrap_or(name).to_owned();
    let mut extra = Map::new();
    for (from, to) in [
        ("displayName", "display_name"),
        ("version", "version"),
        ("supportedGenerationMethods", "supported_generation_methods"),
        ("temperature", "temperature"),
        ("maxTemperature", "max_temperature"),
        ("topP", "top_p"),
        ("topK", "top_k"),
    ] {
        if let Some(v) = m.get(from).filter(|v| !v.is_null()) {
            extra.insert(to.to_owned(), v.clone());
        }
    }
    Some(Model {
        id,
        object: "model".to_owned(),
        owned_by: Some(PROVIDER_ID.to_owned()),
        description: m
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned),
        context_window: m.get("inputTokenLimit").and_then(Value::as_u64),
        max_output_tokens: m.get("outputTokenLimit").and_then(Value::as_u64),
        supports_reasoning: m.get("thinking").and_then(Value::as_bool),
        extra,
        ..Model::default()
    })
}

/// The `batchEmbedContents` body for an embeddings request.
fn embed_body(req: &EmbeddingRequest) -> Result<Value> {
    if req
        .encoding_format
        .as_deref()
        .is_some_and(|f| !f.eq_ignore_ascii_case("float"))
    {
        return Err(Error::invalid_request(
            "encoding_format",
            "Gemini returns floats only; leave `encoding_format` unset or `float`",
        ));
    }
    let texts: Vec<&str> = match &req.input {
        EmbeddingInput::Text(t) => vec![t.as_str()],
        EmbeddingInput::Texts(v) => v.iter().map(String::as_str).collect(),
        EmbeddingInput::Tokens(_) | EmbeddingInput::TokenBatches(_) => {
            return Err(Error::invalid_request(
                "input",
                "Gemini embeds text only, not token ids",
            ));
        }
    };
    let model = model_resource(&req.model);
    let task_type = req
        .extra
        .get("task_type")
        .or_else(|| req.extra.get("taskType"))
        .cloned();
    let title = req.extra.get("title").cloned();
    let requests: Vec<Value> = texts
        .into_iter()
        .map(|text| {
            let mut r = Map::new();
            r.insert("model".to_owned(), Value::String(model.clone()));
            r.insert("content".to_owned(), json!({ "parts": [{ "text": text }] }));
            if let Some(d) = req.dimensions {
                r.insert("outputDimensionality".to_owned(), json!(d));
            }
            if let Some(tt) = &task_type {
                r.insert("taskType".to_owned(), tt.clone());
            }
            if let Some(title) = &title {
                r.insert("title".to_owned(), title.clone());
            }
            Value::Object(r)
        })
        .collect();
    Ok(json!({ "requests": requests }))
}

/// A `batchEmbedContents` answer as our [`EmbeddingResponse`].
fn embeddings_of(answer: &Value, model: &str, raw: &[u8]) -> Result<EmbeddingResponse> {
    let Some(items) = answer.get("embeddings").and_then(Value::as_array) else {
        return Err(Error::decode("the answer has no `embeddings` array", raw));
    };
    let mut data = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let values: Vec<f32> = match item.get("values").and_then(Value::as_array) {
            Some(vs) => vs
                .iter()
                .map(|v| v.as_f64().map(|f| f as f32))
                .collect::<Option<Vec<f32>>>()
                .ok_or_else(|| {
                    Error::decode(format!("at `embeddings[{i}].values`: not all numbers"), raw)
                })?,
            None => {
                return Err(Error::decode(
                    format!("at `embeddings[{i}]`: no `values`"),
                    raw,
                ));
            }
        };
        data.push(Embedding {
            index: u32::try_from(i).unwrap_or(u32::MAX),
            embedding: EmbeddingVector::Float(values),
            object: "embedding".to_owned(),
        });
    }
    Ok(EmbeddingResponse {
        object: "list".to_owned(),
        data,
        model: model.to_owned(),
        usage: None,
        extra: Map::new(),
        meta: ResponseMeta::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn from_vars_reads_both_key_variables() {
        let p = Gemini::from_vars(vars(&[
            ("GEMINI_API_KEY", " g1 "),
            ("GOOGLE_API_KEY", "g2"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(p.api_key.expose(), "g1");
        assert_eq!(p.base_url, DEFAULT_BASE_URL);
        let p = Gemini::from_vars(vars(&[("GEMINI_API_KEY", " "), ("GOOGLE_API_KEY", "g2")]))
            .unwrap()
            .unwrap();
        assert_eq!(p.api_key.expose(), "g2");
        let p = Gemini::from_vars(vars(&[
            ("GOOGLE_API_KEY", "g2"),
            ("GEMINI_BASE_URL", "http://127.0.0.1:9/proxy"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(
            p.transport().unwrap().base_url().as_str(),
            "http://127.0.0.1:9/proxy/"
        );
        assert!(
            Gemini::from_vars(vars(&[("GEMINI_BASE_URL", "http://x")]))
                .unwrap()
                .is_none()
        );
        assert!(
            Gemini::from_vars(vars(&[
                ("GEMINI_API_KEY", "k"),
                ("GEMINI_BASE_URL", "not a url")
            ]))
            .is_err()
        );
        assert!(
            Gemini::from_vars(vars(&[
                ("GEMINI_API_KEY", "k"),
                ("GEMINI_BASE_URL", "http://x/?key=oops")
            ]))
            .is_err()
        );
    }

    #[test]
    fn paths() {
        assert_eq!(
            model_path("gemini-2.5-flash", "generateContent").unwrap(),
            "v1beta/models/gemini-2.5-flash:generateContent"
        );
        assert_eq!(
            model_path("models/gemini-2.5-pro", "streamGenerateContent").unwrap(),
            "v1beta/models/gemini-2.5-pro:streamGenerateContent"
        );
        assert_eq!(
            model_path("tunedModels/my-model-1", "generateContent").unwrap(),
            "v1beta/tunedModels/my-model-1:generateContent"
        );
        for bad in ["", "a?b", "a#b", "../x", "a b", "x:y", "a//b"] {
            assert!(model_path(bad, "generateContent").is_err(), "{bad}");
        }
        let t = Gemini::new("k").base_url("http://h:1").transport().unwrap();
        assert_eq!(
            t.base_url()
                .join(&model_path("gemini-2.5-flash", "streamGenerateContent").unwrap())
                .unwrap()
                .as_str(),
            "http://h:1/v1beta/models/gemini-2.5-flash:streamGenerateContent"
        );
    }

    #[test]
    fn google_error_shape() {
        let body = r#"{"error":{"code":400,"message":"Invalid value at 'contents'","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.BadRequest"}]}}"#;
        let mut api = ApiError::from_response(400, HeaderMap::new(), body.to_owned());
        fix_google_error(&mut api);
        assert_eq!(api.message, "Invalid value at 'contents'");
        assert_eq!(api.code.as_deref(), Some("400"));
        assert_eq!(api.error_type.as_deref(), Some("INVALID_ARGUMENT"));
        assert_eq!(
            api.metadata.as_ref().unwrap()["details"][0]["@type"],
            "type.googleapis.com/google.rpc.BadRequest"
        );

        let wrapped = format!("[{body}]");
        let mut api = ApiError::from_response(400, HeaderMap::new(), wrapped);
        fix_google_error(&mut api);
        assert_eq!(api.message, "Invalid value at 'contents'");
        assert_eq!(api.error_type.as_deref(), Some("INVALID_ARGUMENT"));

        let err = google_error(
            ApiError::from_response(
                429,
                HeaderMap::new(),
                r#"{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED"}}"#.into(),
            )
            .into(),
        );
        assert!(err.is_retryable());
        assert_eq!(
            err.api().unwrap().error_type.as_deref(),
            Some("RESOURCE_EXHAUSTED")
        );
    }

    #[test]
    fn embed_body_shape() {
        let req = EmbeddingRequest::new("gemini-embedding-001", ["a", "b"]).dimensions(768);
        let body = embed_body(&req).unwrap();
        assert_eq!(
            body,
            json!({"requests": [
                {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "a"}]}, "outputDimensionality": 768},
                {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "b"}]}, "outputDimensionality": 768},
            ]})
        );
        let mut tokens = req.clone();
        tokens.input = EmbeddingInput::Tokens(vec![1, 2]);
        assert!(embed_body(&tokens).is_err());
        let mut b64 = req;
        b64.encoding_format = Some("base64".into());
        assert!(embed_body(&b64).is_err());
    }

    #[test]
    fn models_are_listed_without_prefix() {
        let m = model_of(&json!({
            "name": "models/gemini-2.5-flash",
            "displayName": "Gemini 2.5 Flash",
            "inputTokenLimit": 1048576,
            "outputTokenLimit": 65536,
            "supportedGenerationMethods": ["generateContent"],
            "thinking": true
        }))
        .unwrap();
        assert_eq!(m.id, "gemini-2.5-flash");
        assert_eq!(m.context_window, Some(1_048_576));
        assert_eq!(m.max_output_tokens, Some(65_536));
        assert_eq!(m.supports_reasoning, Some(true));
        assert_eq!(m.extra["display_name"], "Gemini 2.5 Flash");
    }
}
