//! `client.chat()`: chat completions.

use bytes::Bytes;
use http::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::client::{Backend, Client};
use crate::error::{ApiError, Error, Result};
use crate::meta::ResponseMeta;
use crate::stream::chat_stream::{ChatStream, StreamLimits, StreamTimeouts, sse_chunks};
use crate::types::{ChatCompletion, ChatRequest, StreamOptions};

/// Chat completions, from [`Client::chat`].
#[derive(Debug, Clone, Copy)]
pub struct Chat<'a> {
    pub(crate) client: &'a Client,
}

impl Chat<'_> {
    /// Sends a request and waits for the whole answer.
    ///
    /// The request is validated first: an invalid one fails with
    /// [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest) before
    /// anything is sent. `stream` is forced off.
    pub async fn create(&self, mut req: ChatRequest) -> Result<ChatCompletion> {
        req.stream = None;
        req.stream_options = None;
        req.validate()?;
        match &self.client.inner.backend {
            Backend::Http(t) => {
                let body = to_body(&req)?;
                let headers = request_headers(&req);
                // Decoded inside the retry loop, so an error inside a 200
                // body (`{"error":{"code":503}}`) is retried like a 503.
                let (meta, bytes, mut completion) = t
                    .execute_decoded(
                        Method::POST,
                        "chat/completions",
                        Some(body),
                        headers.as_ref(),
                        |meta, bytes| {
                            let c: ChatCompletion = decode_answer(&meta, &bytes, |b| t.scrub(b))?;
                            Ok((meta, bytes, c))
                        },
                    )
                    .await?;
                if completion.choices.is_empty() {
                    return Err(Error::decode("the answer has no choices", &bytes));
                }
                let max_args = t.limits().max_tool_arguments;
                if longest_arguments(&completion) > max_args {
                    return Err(Error::limit_exceeded(
                        crate::error::Limit::ToolArguments,
                        max_args,
                    ));
                }
                completion.meta = meta;
                Ok(completion)
            }
            #[cfg(feature = "router")]
            // Boxed: the router's future is several KiB, and inline it would
            // make every remote call's future that large too.
            Backend::Local(router) => Box::pin(router.complete(req)).await,
        }
    }
}

impl Chat<'_> {
    /// Sends a request and returns the answer as a stream of chunks.
    ///
    /// Sets `stream: true`, and `stream_options.include_usage: true` unless
    /// the request says otherwise, so usage (and Requesty's `usage.cost`)
    /// arrives on the final chunk. HTTP errors, including retried ones, come
    /// back here, before any chunk; see [`ChatStream`] for errors after that.
    pub async fn stream(&self, mut req: ChatRequest) -> Result<ChatStream> {
        let opts = req
            .stream_options
            .get_or_insert_with(StreamOptions::default);
        if opts.include_usage.is_none() {
            opts.include_usage = Some(true);
        }
        self.stream_as_is(req).await
    }

    /// Like [`Chat::stream`], without adding `stream_options` (for servers
    /// that reject the field).
    pub(crate) async fn stream_as_is(&self, mut req: ChatRequest) -> Result<ChatStream> {
        req.stream = Some(true);
        req.validate()?;
        match &self.client.inner.backend {
            Backend::Http(t) => {
                let body = to_body(&req)?;
                let cfg = t.config();
                let started = std::time::Instant::now();
                let mut accept = request_headers(&req).unwrap_or_default();
                accept.insert(
                    http::header::ACCEPT,
                    http::HeaderValue::from_static("text/event-stream"),
                );
                let resp = t
                    .open(Method::POST, "chat/completions", Some(body), Some(&accept))
                    .await?;
                let meta = ResponseMeta::from_response(resp.status().as_u16(), resp.headers());
                let content_type = resp
                    .headers()
                    .get(http::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_ascii_lowercase();
                if content_type.starts_with("application/json") {
                    // Not a stream: an error object, or a server that ignored `stream`.
                    let bytes = resp
                        .bytes()
                        .await
                        .map_err(|e| Error::stream(format!("reading the body failed: {e}")))?;
                    let _: serde_json::Value = decode_answer(&meta, &bytes, |b| t.scrub(b))?;
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
                let key = cfg.api_key.clone();
                let scrub = move |s: String| match &key {
                    Some(k) => k.scrub(s),
                    None => s,
                };
                let limits = t.limits();
                let stream_limits = StreamLimits {
                    sse: limits.sse,
                    max_bytes: limits.max_stream,
                };
                let chunks = sse_chunks(
                    resp.bytes_stream(),
                    meta.clone(),
                    timeouts,
                    stream_limits,
                    scrub,
                );
                Ok(ChatStream::from_chunks(chunks, meta)
                    .max_tool_arguments(limits.max_tool_arguments))
            }
            #[cfg(feature = "router")]
            Backend::Local(router) => Box::pin(router.stream(req)).await,
        }
    }
}

/// The length of the longest tool-call arguments of an answer.
fn longest_arguments(c: &ChatCompletion) -> usize {
    c.choices
        .iter()
        .flat_map(|ch| {
            let calls = ch.message.tool_calls.iter().flatten();
            let calls = calls.map(|t| t.function.arguments.len());
            calls.chain(ch.message.function_call.iter().map(|f| f.arguments.len()))
        })
        .max()
        .unwrap_or(0)
}

/// The per-request headers: `X-Security-Level` when the request sets one.
fn request_headers(req: &ChatRequest) -> Option<http::HeaderMap> {
    let level = req.security_level?;
    let mut h = http::HeaderMap::new();
    h.insert(
        http::HeaderName::from_static("x-security-level"),
        http::HeaderValue::from_static(level.as_str()),
    );
    Some(h)
}

/// Serializes a request body.
pub(crate) fn to_body<T: serde::Serialize>(value: &T) -> Result<Bytes> {
    // Most bodies fit: growing from empty would reallocate several times.
    let mut buf = Vec::with_capacity(1024);
    serde_json::to_writer(&mut buf, value)
        .map(|()| Bytes::from(buf))
        .map_err(|e| Error::invalid_request("body", format!("cannot be serialized: {e}")))
}

/// Decodes a successful answer, turning an `{"error": …}` body into an API
/// error and a malformed one into a decode error with the JSON path.
pub(crate) fn decode_answer<T: DeserializeOwned>(
    meta: &ResponseMeta,
    bytes: &[u8],
    scrub: impl Fn(String) -> String,
) -> Result<T> {
    let in_body_error = |v: &Value| -> Option<Error> {
        let e = v.get("error")?;
        if e.is_null() {
            return None;
        }
        let mut api = ApiError::from_response(
            meta.status(),
            meta.headers().clone(),
            scrub(String::from_utf8_lossy(bytes).into_owned()),
        );
        api.fill_from_json(v);
        Some(api.into())
    };
    // Cheap pre-check: an error object is small and comes first in practice,
    // but check the whole document only when the key is present at all.
    if memchr_error_key(bytes) {
        if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
            if let Some(e) = in_body_error(&v) {
                return Err(e);
            }
        }
    }
    decode_json(bytes).map_err(|msg| Error::decode(msg, bytes))
}

/// Decodes JSON; on failure, decodes again to name the JSON path (tracking
/// the path costs too much to pay on every success).
pub(crate) fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> std::result::Result<T, String> {
    let first = match serde_json::from_slice(bytes) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            Err(if path == "." || path.is_empty() {
                inner.to_string()
            } else {
                format!("at `{path}`: {inner}")
            })
        }
        Ok(_) => Err(first.to_string()),
    }
}

fn memchr_error_key(bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes, b"\"error\"").is_some()
}
