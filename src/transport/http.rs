//! HTTP transport: one attempt, retries, timeouts, and error answers.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, header};
use url::Url;

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

/// Sends requests to an OpenAI-compatible base URL.
#[derive(Clone)]
pub(crate) struct HttpTransport {
    http: reqwest::Client,
    cfg: HttpConfig,
    limits: Limits,
    /// `chat/completions` joined to the base once (joining parses the URL).
    chat_url: Option<Url>,
}

/// The chat-completions path, relative to the base URL.
pub(crate) const CHAT_PATH: &str = "chat/completions";

impl HttpTransport {
    pub(crate) fn new(http: reqwest::Client, cfg: HttpConfig) -> Self {
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
    ) -> Result<reqwest::Response> {
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

    /// One attempt's request, built directly (not through
    /// `RequestBuilder`, which would copy the headers into a second map).
    fn build(
        &self,
        method: Method,
        url: Url,
        body: Option<Bytes>,
        extra: Option<&HeaderMap>,
    ) -> reqwest::Request {
        let mut req = reqwest::Request::new(method, url);
        let headers = req.headers_mut();
        headers.reserve(self.cfg.headers.len() + extra.map_or(0, HeaderMap::len) + 1);
        for (k, v) in &self.cfg.headers {
            headers.append(k.clone(), v.clone());
        }
        if let Some(extra) = extra {
            for (k, v) in extra {
                headers.insert(k.clone(), v.clone());
            }
        }
        if let Some(body) = body {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            *req.body_mut() = Some(body.into());
        }
        req
    }

    async fn attempt_head(&self, req: reqwest::Request) -> Result<reqwest::Response> {
        let resp = self
            .http
            .execute(req)
            .await
            .map_err(|e| self.send_error(e))?;
        let status = resp.status().as_u16();
        if resp.status().is_success() {
            return Ok(resp);
        }
        let headers = resp.headers().clone();
        let body = read_limited(resp, MAX_ERROR_BODY)
            .await
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        Err(self.api_error(status, headers, body))
    }

    async fn attempt_full(&self, req: reqwest::Request) -> Result<(ResponseMeta, Bytes)> {
        let resp = self.attempt_head(req).await?;
        let meta = ResponseMeta::from_response(resp.status().as_u16(), resp.headers());
        let max = self.cfg.max_body;
        if resp
            .content_length()
            .is_some_and(|len| usize::try_from(len).map_or(true, |len| len > max))
        {
            return Err(Error::limit_exceeded(Limit::ResponseBody, max));
        }
        let body = read_limited(resp, max).await?;
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
async fn read_limited(mut resp: reqwest::Response, limit: usize) -> Result<Bytes> {
    let mut first: Option<Bytes> = None;
    let mut buf: Vec<u8> = Vec::new();
    loop {
        let chunk = resp.chunk().await.map_err(|e| -> Error {
            ErrorKind::Transport {
                message: format!("reading the body failed: {}", error_chain(&e)),
                source: Some(Box::new(e)),
            }
            .into()
        })?;
        let Some(chunk) = chunk else { break };
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
