//! HTTP transport: one attempt, retries, timeouts, and error answers.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, header};
use url::Url;

use super::HttpEngine;
use super::direct::{DirectBody, DirectClient, DirectError};
use super::retry::RetryPolicy;
use crate::client::Limits;
use crate::error::{ApiError, Error, ErrorKind, Limit, Result, TimeoutKind};
use crate::meta::ResponseMeta;
use crate::secret::SecretString;

/// Largest error body kept (the rest is dropped).
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Settings of the HTTP transport.
#[derive(Clone)]
pub(crate) struct HttpConfig {
    pub base: Url,
    pub headers: HeaderMap,
    pub api_key: Option<SecretString>,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    pub max_retries: u32,
    pub retry: RetryPolicy,
    pub deadline: Option<Duration>,
    pub max_body: usize,
}

/// The HTTP implementation a transport sends with.
#[derive(Clone, Debug)]
pub(crate) enum Engine {
    /// reqwest's pooled client (HTTP/2, proxies, redirects).
    Reqwest(reqwest::Client),
    /// HTTP/1.1 connections driven by the sending task (see [`super::direct`]).
    Direct(DirectClient),
}

impl Engine {
    /// The engine for a builder's settings: the caller's own reqwest client
    /// if there is one, else what `choice` says (`Auto`: direct unless a
    /// proxy is set in the environment, which reqwest honours).
    pub(crate) fn choose(
        choice: HttpEngine,
        own: Option<reqwest::Client>,
        connect_timeout: Duration,
    ) -> Result<Engine> {
        if let Some(c) = own {
            return Ok(Engine::Reqwest(c));
        }
        let direct = match choice {
            HttpEngine::Direct => true,
            HttpEngine::Reqwest => false,
            HttpEngine::Auto => !proxy_in_env(|k| std::env::var_os(k).is_some()),
        };
        if direct {
            return Ok(Engine::Direct(DirectClient::new(connect_timeout)));
        }
        reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_nodelay(true)
            .build()
            .map(Engine::Reqwest)
            .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))
    }
}

/// Whether one of the variables reqwest reads for a proxy is set.
fn proxy_in_env(is_set: impl Fn(&str) -> bool) -> bool {
    [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ]
    .into_iter()
    .any(is_set)
}

/// An answer whose head is in; the body is read on demand.
pub(crate) struct Answer {
    status: http::StatusCode,
    headers: HeaderMap,
    body: AnswerBody,
}

enum AnswerBody {
    Reqwest(reqwest::Response),
    Direct(DirectBody),
}

/// An error while reading a body (from either engine).
#[derive(Debug)]
pub(crate) struct BodyError(Box<dyn std::error::Error + Send + Sync>);

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&error_chain(&*self.0))
    }
}

impl std::error::Error for BodyError {}

impl BodyError {
    fn new(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        BodyError(Box::new(e))
    }
}

/// The body of an [`Answer`] as a stream of byte chunks.
pub(crate) enum BodyStream {
    Reqwest(std::pin::Pin<Box<dyn futures::Stream<Item = reqwest::Result<Bytes>> + Send>>),
    Direct(DirectBody),
}

impl futures::Stream for BodyStream {
    type Item = std::result::Result<Bytes, BodyError>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        match self.get_mut() {
            BodyStream::Reqwest(s) => s
                .as_mut()
                .poll_next(cx)
                .map(|o| o.map(|r| r.map_err(BodyError::new))),
            BodyStream::Direct(b) => b
                .poll_chunk(cx)
                .map(|o| o.map(|r| r.map_err(BodyError::new))),
        }
    }
}

impl Answer {
    pub(crate) fn status(&self) -> http::StatusCode {
        self.status
    }

    pub(crate) fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    fn content_length(&self) -> Option<u64> {
        self.headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok())
    }

    /// The next piece of the body; `None` at its end.
    pub(crate) async fn chunk(&mut self) -> std::result::Result<Option<Bytes>, BodyError> {
        match &mut self.body {
            AnswerBody::Reqwest(r) => r.chunk().await.map_err(BodyError::new),
            AnswerBody::Direct(b) => std::future::poll_fn(|cx| b.poll_chunk(cx))
                .await
                .transpose()
                .map_err(BodyError::new),
        }
    }

    /// The whole body.
    pub(crate) async fn bytes(mut self) -> std::result::Result<Bytes, BodyError> {
        read_limited(&mut self, usize::MAX - 1).await
    }

    /// The body as a stream.
    pub(crate) fn bytes_stream(self) -> BodyStream {
        match self.body {
            AnswerBody::Reqwest(r) => BodyStream::Reqwest(Box::pin(r.bytes_stream())),
            AnswerBody::Direct(b) => BodyStream::Direct(b),
        }
    }
}

/// Sends requests to an OpenAI-compatible base URL.
#[derive(Clone)]
pub(crate) struct HttpTransport {
    http: Engine,
    cfg: HttpConfig,
    limits: Limits,
    /// `chat/completions` joined to the base once (joining parses the URL).
    chat_url: Option<Url>,
}

/// The chat-completions path, relative to the base URL.
pub(crate) const CHAT_PATH: &str = "chat/completions";

impl HttpTransport {
    pub(crate) fn new(http: Engine, cfg: HttpConfig) -> Self {
        let limits = Limits {
            max_body: cfg.max_body,
            ..Limits::default()
        };
        let chat_url = cfg.base.join(CHAT_PATH).ok();
        HttpTransport {
            http,
            cfg,
            limits,
            chat_url,
        }
    }

    /// Sets the size limits (`max_body` also becomes the config's).
    pub(crate) fn with_limits(mut self, limits: Limits) -> Self {
        self.cfg.max_body = limits.max_body;
        self.limits = limits;
        self
    }

    /// The size limits of answers.
    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
    }

    pub(crate) fn base_url(&self) -> &Url {
        &self.cfg.base
    }

    pub(crate) fn config(&self) -> &HttpConfig {
        &self.cfg
    }

    fn url(&self, path: &str) -> Result<Url> {
        if path == CHAT_PATH
            && let Some(u) = &self.chat_url
        {
            return Ok(u.clone());
        }
        self.cfg
            .base
            .join(path)
            .map_err(|e| Error::config(format!("cannot join {path:?} to the base URL: {e}")))
    }

    /// Sends a request with retries and reads the whole answer.
    pub(crate) async fn execute(
        &self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
        extra: Option<&HeaderMap>,
    ) -> Result<(ResponseMeta, Bytes)> {
        self.execute_decoded(method, path, body, extra, |meta, bytes| Ok((meta, bytes)))
            .await
    }

    /// Like [`execute`](Self::execute), decoding each answer inside the
    /// retry loop: an error the body carries (an `{"error": …}` with a 5xx
    /// or 429 code inside a 200) is retried like the same HTTP status.
    pub(crate) async fn execute_decoded<T>(
        &self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
        extra: Option<&HeaderMap>,
        decode: impl Fn(ResponseMeta, Bytes) -> Result<T>,
    ) -> Result<T> {
        let url = self.url(path)?;
        let decode = &decode;
        self.with_retries(|remaining| {
            let req = self.build(method.clone(), url.clone(), body.clone(), extra);
            let limit = self.cfg.timeout.min(remaining);
            async move {
                let kind = if limit < self.cfg.timeout {
                    TimeoutKind::Deadline
                } else {
                    TimeoutKind::Request
                };
                match tokio::time::timeout(limit, self.attempt_full(req)).await {
                    Ok(r) => r.and_then(|(meta, bytes)| decode(meta, bytes)),
                    Err(_) => Err(Error::timeout(kind, limit)),
                }
            }
        })
        .await
    }

    /// Sends a request with retries and returns the response once its status
    /// is a success; the body is left to the caller (streams).
    pub(crate) async fn open(
        &self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
        extra: Option<&HeaderMap>,
    ) -> Result<Answer> {
        let url = self.url(path)?;
        self.with_retries(|remaining| {
            let req = self.build(method.clone(), url.clone(), body.clone(), extra);
            let limit = self.cfg.timeout.min(remaining);
            async move {
                match tokio::time::timeout(limit, self.attempt_head(req)).await {
                    Ok(r) => r,
                    Err(_) => Err(Error::timeout(TimeoutKind::Request, limit)),
                }
            }
        })
        .await
    }

    async fn with_retries<F, Fut, T>(&self, mut attempt: F) -> Result<T>
    where
        F: FnMut(Duration) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let start = Instant::now();
        let deadline = self.cfg.deadline;
        let mut retry = 0u32;
        loop {
            let remaining = match deadline {
                Some(d) => match d.checked_sub(start.elapsed()) {
                    Some(r) if !r.is_zero() => r,
                    _ => return Err(Error::timeout(TimeoutKind::Deadline, d)),
                },
                None => Duration::MAX,
            };
            let err = match attempt(remaining).await {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            if retry >= self.cfg.max_retries || !err.is_retryable() {
                return Err(err);
            }
            let wait = self.cfg.retry.delay(retry, err.headers());
            if let Some(d) = deadline
                && start.elapsed() + wait >= d
            {
                return Err(err);
            }
            tokio::time::sleep(wait).await;
            retry += 1;
        }
    }

    /// One attempt's request.
    fn build(
        &self,
        method: Method,
        url: Url,
        body: Option<Bytes>,
        extra: Option<&HeaderMap>,
    ) -> Outgoing {
        let mut headers =
            HeaderMap::with_capacity(self.cfg.headers.len() + extra.map_or(0, HeaderMap::len) + 2);
        for (k, v) in &self.cfg.headers {
            headers.append(k.clone(), v.clone());
        }
        if let Some(extra) = extra {
            for (k, v) in extra {
                headers.insert(k.clone(), v.clone());
            }
        }
        if body.is_some() {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        Outgoing {
            method,
            url,
            headers,
            body,
        }
    }

    async fn attempt_head(&self, req: Outgoing) -> Result<Answer> {
        let mut resp = match &self.http {
            Engine::Reqwest(client) => {
                let mut r = reqwest::Request::new(req.method, req.url);
                *r.headers_mut() = req.headers;
                if let Some(body) = req.body {
                    *r.body_mut() = Some(body.into());
                }
                let mut resp = client.execute(r).await.map_err(|e| self.send_error(e))?;
                Answer {
                    status: resp.status(),
                    headers: std::mem::take(resp.headers_mut()),
                    body: AnswerBody::Reqwest(resp),
                }
            }
            Engine::Direct(client) => {
                let mut r =
                    http::Request::new(http_body_util::Full::new(req.body.unwrap_or_default()));
                *r.method_mut() = req.method;
                *r.headers_mut() = req.headers;
                let resp = client
                    .send(&req.url, r)
                    .await
                    .map_err(|e| self.direct_error(e))?;
                let (parts, body) = resp.into_parts();
                Answer {
                    status: parts.status,
                    headers: parts.headers,
                    body: AnswerBody::Direct(body),
                }
            }
        };
        if resp.status.is_success() {
            return Ok(resp);
        }
        let status = resp.status.as_u16();
        let headers = resp.headers.clone();
        let body = read_limited(&mut resp, MAX_ERROR_BODY)
            .await
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        Err(self.api_error(status, headers, body))
    }

    async fn attempt_full(&self, req: Outgoing) -> Result<(ResponseMeta, Bytes)> {
        let mut resp = self.attempt_head(req).await?;
        let meta = ResponseMeta::from_response(resp.status().as_u16(), resp.headers());
        let max = self.cfg.max_body;
        if resp
            .content_length()
            .is_some_and(|len| usize::try_from(len).map_or(true, |len| len > max))
        {
            return Err(Error::limit_exceeded(Limit::ResponseBody, max));
        }
        let body = read_limited(&mut resp, max).await.map_err(|e| -> Error {
            ErrorKind::Transport {
                message: format!("reading the body failed: {e}"),
                source: Some(Box::new(e)),
            }
            .into()
        })?;
        if body.len() > max {
            return Err(Error::limit_exceeded(Limit::ResponseBody, max));
        }
        Ok((meta, body))
    }

    /// An API error from an error answer, with the API key scrubbed from the body.
    pub(crate) fn api_error(&self, status: u16, headers: HeaderMap, body: String) -> Error {
        let body = self.scrub(body);
        ApiError::from_response(status, headers, body).into()
    }

    /// Removes the API key from text that came back from a server.
    pub(crate) fn scrub(&self, text: String) -> String {
        match &self.cfg.api_key {
            Some(key) => key.scrub(text),
            None => text,
        }
    }

    fn send_error(&self, e: reqwest::Error) -> Error {
        let message = self.scrub(error_chain(&e));
        if e.is_timeout() {
            return if e.is_connect() {
                Error::timeout(TimeoutKind::Connect, self.cfg.connect_timeout)
            } else {
                Error::timeout(TimeoutKind::Request, self.cfg.timeout)
            };
        }
        if e.is_connect() {
            return ErrorKind::Connect {
                message,
                source: Some(Box::new(e)),
            }
            .into();
        }
        ErrorKind::Transport {
            message,
            source: Some(Box::new(e)),
        }
        .into()
    }
}

impl HttpTransport {
    fn direct_error(&self, e: DirectError) -> Error {
        let connect = match e {
            DirectError::ConnectTimeout => {
                return Error::timeout(TimeoutKind::Connect, self.cfg.connect_timeout);
            }
            DirectError::Url(m) => return Error::config(m),
            DirectError::Connect(_) => true,
            DirectError::Http(_) => false,
        };
        let message = self.scrub(format!(
            "error sending request for url ({}): {}",
            self.cfg.base,
            error_chain(&e)
        ));
        let source: Option<crate::error::BoxError> = Some(Box::new(e));
        if connect {
            ErrorKind::Connect { message, source }.into()
        } else {
            ErrorKind::Transport { message, source }.into()
        }
    }
}

/// One attempt's request, before an engine takes it.
struct Outgoing {
    method: Method,
    url: Url,
    headers: HeaderMap,
    body: Option<Bytes>,
}

/// The messages of an error and its sources, joined.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        let m = inner.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        src = inner.source();
    }
    s
}

/// Reads a body, stopping once it is longer than `limit` (the result is then
/// `limit + 1` bytes or more, which callers treat as too long).
async fn read_limited(resp: &mut Answer, limit: usize) -> std::result::Result<Bytes, BodyError> {
    let mut first: Option<Bytes> = None;
    let mut buf: Vec<u8> = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        match (&mut first, buf.is_empty()) {
            (None, true) => first = Some(chunk),
            (Some(f), true) => {
                buf.reserve(f.len() + chunk.len());
                buf.extend_from_slice(f);
                buf.extend_from_slice(&chunk);
                first = None;
            }
            (_, false) => buf.extend_from_slice(&chunk),
        }
        let len = first.as_ref().map_or(buf.len(), Bytes::len);
        if len > limit {
            break;
        }
    }
    Ok(match first {
        Some(b) => b,
        None => Bytes::from(buf),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proxy_in_the_environment_is_seen() {
        assert!(!proxy_in_env(|_| false));
        assert!(proxy_in_env(|k| k == "https_proxy"));
        assert!(proxy_in_env(|k| k == "ALL_PROXY"));
        assert!(!proxy_in_env(|k| k == "NO_PROXY"));
    }

    #[test]
    fn engines_are_chosen_as_asked() {
        let t = Duration::from_secs(1);
        assert!(matches!(
            Engine::choose(HttpEngine::Direct, None, t),
            Ok(Engine::Direct(_))
        ));
        assert!(matches!(
            Engine::choose(HttpEngine::Reqwest, None, t),
            Ok(Engine::Reqwest(_))
        ));
        // The caller's own client wins over the choice.
        let own = reqwest::Client::new();
        assert!(matches!(
            Engine::choose(HttpEngine::Direct, Some(own), t),
            Ok(Engine::Reqwest(_))
        ));
    }
}
