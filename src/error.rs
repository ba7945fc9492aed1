//! The crate's one error type.
//!
//! [`Error`] is a single boxed pointer, so `Result<T>` stays small. Its
//! [`kind`](Error::kind) tells what went wrong; accessors give the HTTP status,
//! headers and request id where there was a response.

use std::fmt;
use std::time::Duration;

use http::HeaderMap;
use serde_json::Value;

use crate::types::macros::open_enum;

/// `Result` with [`Error`] as the error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A boxed error any handler may return.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

open_enum! {
    /// Where an API error came from, as the hosted router reports it.
    pub enum Origin {
        /// The router refused or failed before reaching a provider.
        Router => "router",
        /// An upstream provider returned the error.
        Provider => "provider",
    }
}

/// An error answer of an API: status, headers, request id, origin, message,
/// type/code/param, and the raw body.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The HTTP status (200 when the error came inside a successful body).
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The request id the server gave (`x-request-id` and kin).
    pub request_id: Option<String>,
    /// `router` or `provider`, when the body says.
    pub origin: Option<Origin>,
    /// The human-readable message.
    pub message: String,
    /// OpenAI's `type` (e.g. `invalid_request_error`).
    pub error_type: Option<String>,
    /// The error code (OpenAI's string code, or OpenRouter's number as text).
    pub code: Option<String>,
    /// The request parameter at fault (OpenAI `param`).
    pub param: Option<String>,
    /// Extra details (OpenRouter `metadata`, provider names, raw upstream errors).
    pub metadata: Option<Value>,
    /// The raw response body (API keys removed).
    pub body: String,
}

impl ApiError {
    /// Parses an error body in any of the shapes in use: Requesty
    /// `{"error":{"origin","message"}}`, OpenAI
    /// `{"error":{"message","type","param","code"}}`, OpenRouter
    /// `{"error":{"code":<number>,"message","metadata"}}`, or a bare string.
    pub fn from_response(status: u16, headers: HeaderMap, body: String) -> Self {
        let request_id = crate::meta::request_id_of(&headers);
        let mut err = ApiError {
            status,
            headers,
            request_id,
            origin: None,
            message: String::new(),
            error_type: None,
            code: None,
            param: None,
            metadata: None,
            body,
        };
        match serde_json::from_str::<Value>(&err.body) {
            Ok(v) => err.fill_from_json(&v),
            Err(_) => err.message = crate::meta::snippet(&err.body, 300).to_owned(),
        }
        if err.message.is_empty() {
            err.message = http::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("error")
                .to_owned();
        }
        err
    }

    /// Fills the fields from a parsed body (the value holding `"error"`, or the error object itself).
    pub(crate) fn fill_from_json(&mut self, v: &Value) {
        let e = v.get("error").unwrap_or(v);
        let as_text = |x: &Value| match x {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        };
        match e {
            Value::String(s) => self.message = s.clone(),
            Value::Object(o) => {
                if let Some(m) = o.get("message").and_then(as_text) {
                    self.message = m;
                } else if let Some(m) = o.get("detail").and_then(as_text) {
                    self.message = m;
                }
                self.origin = o.get("origin").and_then(Value::as_str).map(Origin::from);
                self.error_type = o.get("type").and_then(as_text);
                self.code = o.get("code").and_then(as_text);
                self.param = o.get("param").and_then(as_text);
                self.metadata = o.get("metadata").filter(|m| !m.is_null()).cloned();
            }
            _ => {}
        }
        if self.origin.is_none() {
            self.origin = v.get("origin").and_then(Value::as_str).map(Origin::from);
        }
        if self.message.is_empty()
            && let Some(m) = v.get("message").and_then(Value::as_str)
        {
            self.message = m.to_owned();
        }
    }

    /// The status that decides retrying: the HTTP status, or for an error
    /// inside a 200 body, a numeric `code` in the error.
    pub fn effective_status(&self) -> u16 {
        if self.status == 200 {
            if let Some(code) = self.code.as_deref().and_then(|c| c.parse::<u16>().ok()) {
                if (400..600).contains(&code) {
                    return code;
                }
            }
        }
        self.status
    }
}

/// Which wait ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Opening the connection (`connect_timeout`).
    Connect,
    /// A non-streamed request, or a stream's wait for its first chunk (`timeout`).
    Request,
    /// The silence between two chunks of a stream (`read_timeout`).
    Read,
    /// The total deadline across all attempts (`deadline`).
    Deadline,
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutKind::Connect => "connect timeout",
            TimeoutKind::Request => "request timeout",
            TimeoutKind::Read => "read timeout (no data between chunks)",
            TimeoutKind::Deadline => "total deadline",
        })
    }
}

/// A size limit of the client (see [`Limits`](crate::Limits)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// The body of a non-streamed response (`Limits::max_body`,
    /// `ClientBuilder::max_body_size`).
    ResponseBody,
    /// All the bytes of one streamed response (`Limits::max_stream`,
    /// `ClientBuilder::max_stream_size`).
    StreamBody,
    /// One line of an event stream (`SseLimits::max_line`).
    SseLine,
    /// The data of one server-sent event (`SseLimits::max_event`).
    SseEvent,
    /// The arguments of one tool call (`Limits::max_tool_arguments`,
    /// `ClientBuilder::max_tool_arguments_size`).
    ToolArguments,
    /// The body of a request to the router's HTTP server.
    RequestBody,
}

impl Limit {
    /// The name of the setting that sets this limit.
    pub fn setting(&self) -> &'static str {
        match self {
            Limit::ResponseBody => "max_body_size",
            Limit::StreamBody => "max_stream_size",
            Limit::SseLine => "sse_limits.max_line",
            Limit::SseEvent => "sse_limits.max_event",
            Limit::ToolArguments => "max_tool_arguments_size",
            Limit::RequestBody => "server.max_body_bytes",
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Limit::ResponseBody => "the response body",
            Limit::StreamBody => "the streamed response",
            Limit::SseLine => "an event-stream line",
            Limit::SseEvent => "an event-stream event",
            Limit::ToolArguments => "a tool call's arguments",
            Limit::RequestBody => "the request body",
        })
    }
}

/// What went wrong.
// `ErrorKind` always lives behind the `Box` in `Error`, so its size is not a cost.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The API answered with an error.
    #[error("{}", display_api(.0))]
    Api(ApiError),
    /// The request is invalid; nothing was sent.
    #[error("invalid request: `{field}` {message}")]
    InvalidRequest {
        /// The offending field, e.g. `messages[2].tool_call_id`.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The client is misconfigured.
    #[error("configuration error: {0}")]
    Config(String),
    /// A wait ran out.
    #[error("{kind} after {after:?}")]
    Timeout {
        /// Which wait.
        kind: TimeoutKind,
        /// Its length.
        after: Duration,
    },
    /// The connection could not be made or broke.
    #[error("connection error: {message}")]
    Connect {
        /// What happened.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },
    /// Another transport failure (reading the body, a reset).
    #[error("transport error: {message}")]
    Transport {
        /// What happened.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },
    /// The answer could not be decoded.
    #[error("could not decode the response: {message}; body starts: {snippet:?}")]
    Decode {
        /// What is wrong (with the JSON path where known).
        message: String,
        /// The start of the body.
        snippet: String,
    },
    /// The model refused to answer (structured outputs).
    #[error("the model refused: {refusal}")]
    Refusal {
        /// The refusal text.
        refusal: String,
    },
    /// The answer was cut by the token limit (`finish_reason: length`) before
    /// it was complete.
    #[error("the answer was truncated by the token limit ({} bytes received)", .content.len())]
    Truncated {
        /// What arrived before the cut.
        content: String,
    },
    /// A tool call's arguments do not fit the tool's argument type.
    #[error("tool `{tool}`: invalid arguments at `{path}`: {message}")]
    ToolArguments {
        /// The tool's name.
        tool: String,
        /// The JSON path of the offending value (`.` for the whole document).
        path: String,
        /// What is wrong.
        message: String,
        /// The arguments as the model wrote them.
        arguments: String,
    },
    /// The tool loop reached its round limit before the model answered.
    #[error("the model was still calling tools after {rounds} rounds")]
    ToolRounds {
        /// The limit that was reached.
        rounds: usize,
    },
    /// The router's security level or policy refused the request (the
    /// server answers 403). Names what was found and where, never the
    /// value.
    #[error("refused at security level {level}: {}", display_violations(.findings))]
    SecurityViolation {
        /// The level in force for the request.
        level: crate::types::SecurityLevel,
        /// What was found (kind, count, location).
        findings: Vec<crate::types::Violation>,
    },
    /// A response (or a part of one) was larger than a configured limit;
    /// what was read is dropped.
    #[error("{limit} is larger than the limit of {max} bytes (setting `{}`)", .limit.setting())]
    LimitExceeded {
        /// Which limit.
        limit: Limit,
        /// Its value, in bytes.
        max: usize,
    },
    /// A stream was malformed, truncated, or carried an error.
    #[error("stream error: {message}")]
    Stream {
        /// What happened.
        message: String,
        /// The API error carried by the stream, if it was one.
        api: Option<Box<ApiError>>,
    },
}

fn display_violations(v: &[crate::types::Violation]) -> String {
    let parts: Vec<String> = v.iter().map(ToString::to_string).collect();
    parts.join(", ")
}

fn display_api(e: &ApiError) -> String {
    let mut s = format!("API error (HTTP {}", e.status);
    if let Some(o) = &e.origin {
        s.push_str(", origin ");
        s.push_str(o.as_str());
    }
    if let Some(c) = &e.code {
        s.push_str(", code ");
        s.push_str(c);
    }
    if let Some(id) = &e.request_id {
        s.push_str(", request id ");
        s.push_str(id);
    }
    s.push_str("): ");
    s.push_str(&e.message);
    s
}

/// The crate's error: a boxed [`ErrorKind`] with accessors.
pub struct Error {
    inner: Box<ErrorKind>,
}

impl Error {
    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.inner
    }

    /// Consumes the error, giving its kind.
    pub fn into_kind(self) -> ErrorKind {
        *self.inner
    }

    /// The API error, if the server answered with one.
    pub fn api(&self) -> Option<&ApiError> {
        match &*self.inner {
            ErrorKind::Api(e) => Some(e),
            ErrorKind::Stream { api: Some(e), .. } => Some(e),
            _ => None,
        }
    }

    /// The HTTP status of the error answer.
    pub fn status(&self) -> Option<u16> {
        self.api().map(|e| e.status)
    }

    /// The headers of the error answer.
    pub fn headers(&self) -> Option<&HeaderMap> {
        self.api().map(|e| &e.headers)
    }

    /// The request id of the error answer.
    pub fn request_id(&self) -> Option<&str> {
        self.api().and_then(|e| e.request_id.as_deref())
    }

    /// Whether the error came from the router or a provider.
    pub fn origin(&self) -> Option<&Origin> {
        self.api().and_then(|e| e.origin.as_ref())
    }

    /// Whether trying again may succeed: connection errors, timeouts, and
    /// HTTP 408, 409, 429 and 5xx.
    pub fn is_retryable(&self) -> bool {
        match &*self.inner {
            ErrorKind::Api(e) => is_retryable_status(e.effective_status()),
            ErrorKind::Timeout { kind, .. } => *kind != TimeoutKind::Deadline,
            ErrorKind::Connect { .. } | ErrorKind::Transport { .. } => true,
            _ => false,
        }
    }

    /// Whether a wait ran out.
    pub fn is_timeout(&self) -> bool {
        matches!(&*self.inner, ErrorKind::Timeout { .. })
    }

    /// An invalid-request error naming `field`.
    pub fn invalid_request(field: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorKind::InvalidRequest {
            field: field.into(),
            message: message.into(),
        }
        .into()
    }

    /// A configuration error.
    pub fn config(message: impl Into<String>) -> Self {
        ErrorKind::Config(message.into()).into()
    }

    /// A stream error.
    pub fn stream(message: impl Into<String>) -> Self {
        ErrorKind::Stream {
            message: message.into(),
            api: None,
        }
        .into()
    }

    /// A decode error with the start of the body.
    pub fn decode(message: impl Into<String>, body: &[u8]) -> Self {
        let text = String::from_utf8_lossy(body);
        ErrorKind::Decode {
            message: message.into(),
            snippet: crate::meta::snippet(&text, 200).to_owned(),
        }
        .into()
    }

    /// A [`ErrorKind::LimitExceeded`] error.
    pub fn limit_exceeded(limit: Limit, max: usize) -> Self {
        ErrorKind::LimitExceeded { limit, max }.into()
    }

    /// The limit that was exceeded, if that is what went wrong.
    pub fn limit(&self) -> Option<Limit> {
        match &*self.inner {
            ErrorKind::LimitExceeded { limit, .. } => Some(*limit),
            _ => None,
        }
    }

    /// A security refusal at `level` for `findings`.
    pub fn security_violation(
        level: crate::types::SecurityLevel,
        findings: Vec<crate::types::Violation>,
    ) -> Self {
        ErrorKind::SecurityViolation { level, findings }.into()
    }

    /// A timeout error (for providers and transports written outside the crate).
    pub fn timeout(kind: TimeoutKind, after: Duration) -> Self {
        ErrorKind::Timeout { kind, after }.into()
    }
}

/// Whether an HTTP status is worth retrying.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 409 | 429) || (500..600).contains(&status)
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error {
            inner: Box::new(kind),
        }
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        ErrorKind::Api(e).into()
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner, f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&*self.inner)
    }
}
