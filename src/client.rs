//! [`Client`] and [`ClientBuilder`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue, header};
use url::Url;

use crate::chat::Chat;
use crate::embeddings::Embeddings;
use crate::error::{Error, Result};
use crate::models::Models;
use crate::secret::SecretString;
use crate::stream::sse::SseLimits;
use crate::transport::HttpEngine;
use crate::transport::http::{Engine, HttpConfig, HttpTransport};
use crate::transport::retry::RetryPolicy;

/// The hosted Requesty router.
pub const DEFAULT_BASE_URL: &str = "https://router.requesty.ai/v1";
/// The hosted Requesty router with EU data residency.
pub const EU_BASE_URL: &str = "https://router.eu.requesty.ai/v1";

/// Default bound of a non-streamed request, and of a stream's wait for its first chunk.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);
/// Default bound on opening a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default bound on the silence between two chunks of a stream.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(300);
/// Default number of retries after the first attempt.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// Default limit on the size of a response body.
pub const DEFAULT_MAX_BODY: usize = 32 * 1024 * 1024;
/// Default limit on the bytes of one streamed response.
pub const DEFAULT_MAX_STREAM: usize = 256 * 1024 * 1024;
/// Default limit on the arguments of one tool call.
pub const DEFAULT_MAX_TOOL_ARGUMENTS: usize = 8 * 1024 * 1024;

/// Size limits on what a server sends back. Each one exceeded ends the call
/// (or the stream, with an `Err` item) with
/// [`ErrorKind::LimitExceeded`](crate::ErrorKind::LimitExceeded) naming it.
///
/// ```
/// let limits = requesty::Limits {
///     max_body: 1024 * 1024,
///     ..requesty::Limits::default()
/// };
/// let client = requesty::Client::builder().limits(limits).build().unwrap();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A non-streamed response body (default [`DEFAULT_MAX_BODY`], 32 MiB).
    pub max_body: usize,
    /// All the bytes of one streamed response (default
    /// [`DEFAULT_MAX_STREAM`], 256 MiB).
    pub max_stream: usize,
    /// One line and one event of an event stream (default 1 MiB and 16 MiB).
    pub sse: SseLimits,
    /// The arguments of one tool call, streamed or not (default
    /// [`DEFAULT_MAX_TOOL_ARGUMENTS`], 8 MiB).
    pub max_tool_arguments: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body: DEFAULT_MAX_BODY,
            max_stream: DEFAULT_MAX_STREAM,
            sse: SseLimits::default(),
            max_tool_arguments: DEFAULT_MAX_TOOL_ARGUMENTS,
        }
    }
}

const USER_AGENT: &str = concat!("requesty-rust/", env!("CARGO_PKG_VERSION"));

// Lives inside an `Arc`, so the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Backend {
    Http(HttpTransport),
    #[cfg(feature = "router")]
    Local(crate::router::Router),
}

pub(crate) struct ClientInner {
    pub(crate) backend: Backend,
}

/// A client for the Requesty router or any OpenAI-compatible API.
///
/// Cheap to clone (an `Arc` inside); share one per application. Its `Debug`
/// output never shows the API key.
///
/// ```no_run
/// # async fn run() -> requesty::Result<()> {
/// let client = requesty::Client::from_env()?; // REQUESTY_API_KEY, REQUESTY_BASE_URL
/// let resp = client
///     .chat()
///     .create(requesty::ChatRequest::new("openai/gpt-4o-mini").user("Hello"))
///     .await?;
/// println!("{}", resp.text().unwrap_or_default());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
}

impl Client {
    /// A builder with the defaults: the hosted router, 600 s timeout, 2 retries.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the process environment: `REQUESTY_API_KEY`
    /// (required) and `REQUESTY_BASE_URL` (optional).
    pub fn from_env() -> Result<Client> {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    /// Like [`Client::from_env`], reading variables through `get` (so tests
    /// need no process-wide `set_var`).
    ///
    /// ```
    /// let client = requesty::Client::from_vars(|k| match k {
    ///     "REQUESTY_API_KEY" => Some("rqsty-test".into()),
    ///     "REQUESTY_BASE_URL" => Some("http://127.0.0.1:9/v1".into()),
    ///     _ => None,
    /// })
    /// .unwrap();
    /// assert!(!format!("{client:?}").contains("rqsty-test"));
    /// ```
    pub fn from_vars<F>(get: F) -> Result<Client>
    where
        F: Fn(&str) -> Option<String>,
    {
        Self::builder_from_vars(get)?.build()
    }

    /// A builder preset from variables read through `get`, for further settings.
    pub fn builder_from_vars<F>(get: F) -> Result<ClientBuilder>
    where
        F: Fn(&str) -> Option<String>,
    {
        let nonempty = |k: &str| {
            get(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let key = nonempty("REQUESTY_API_KEY").ok_or_else(|| {
            Error::config(
                "REQUESTY_API_KEY is not set: create a key at https://app.requesty.ai/api-keys \
                 and export it, or build the client with Client::builder().api_key(..)",
            )
        })?;
        let mut b = ClientBuilder::default().api_key(key);
        if let Some(url) = nonempty("REQUESTY_BASE_URL") {
            b = b.base_url(url);
        }
        Ok(b)
    }

    /// A client served in-process by a local [`Router`](crate::router::Router):
    /// the same API as remote mode, no network hop to a router.
    ///
    /// ```
    /// use requesty::router::{Router, providers::mock::Mock};
    /// let router = Router::builder().provider(Mock::new("mock")).build().unwrap();
    /// let client = requesty::Client::local(router);
    /// ```
    #[cfg(feature = "router")]
    pub fn local(router: crate::router::Router) -> Client {
        Client {
            inner: Arc::new(ClientInner {
                backend: Backend::Local(router),
            }),
        }
    }

    /// The local router, if this client is served by one.
    #[cfg(feature = "router")]
    pub fn router(&self) -> Option<&crate::router::Router> {
        match &self.inner.backend {
            Backend::Local(r) => Some(r),
            Backend::Http(_) => None,
        }
    }

    /// Chat completions: `create`, `stream`.
    pub fn chat(&self) -> Chat<'_> {
        Chat { client: self }
    }

    /// The model catalogue.
    pub fn models(&self) -> Models<'_> {
        Models { client: self }
    }

    /// Embeddings.
    pub fn embeddings(&self) -> Embeddings<'_> {
        Embeddings { client: self }
    }

    /// The base URL requests go to (`None` in local mode).
    pub fn base_url(&self) -> Option<&Url> {
        match &self.inner.backend {
            Backend::Http(t) => Some(t.base_url()),
            #[cfg(feature = "router")]
            Backend::Local(_) => None,
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner.backend {
            Backend::Http(t) => {
                let c = t.config();
                f.debug_struct("Client")
                    .field("base_url", &c.base.as_str())
                    .field("api_key", &c.api_key.as_ref().map(|_| "[REDACTED]"))
                    .field("timeout", &c.timeout)
                    .field("read_timeout", &c.read_timeout)
                    .field("max_retries", &c.max_retries)
                    .finish_non_exhaustive()
            }
            #[cfg(feature = "router")]
            Backend::Local(r) => f.debug_struct("Client").field("router", r).finish(),
        }
    }
}

/// Builds a [`Client`].
///
/// ```
/// use std::time::Duration;
/// let client = requesty::Client::builder()
///     .api_key("rqsty-…")
///     .base_url("http://127.0.0.1:9000/v1")
///     .timeout(Duration::from_secs(60))
///     .max_retries(3)
///     .app("https://myapp.example", "My App")
///     .header("X-Requesty-Team", "search")
///     .build()
///     .unwrap();
/// ```
#[derive(Clone)]
pub struct ClientBuilder {
    api_key: Option<SecretString>,
    base_url: String,
    timeout: Duration,
    connect_timeout: Duration,
    read_timeout: Duration,
    max_retries: u32,
    retry: RetryPolicy,
    deadline: Option<Duration>,
    headers: Vec<(String, String)>,
    http: Option<reqwest::Client>,
    engine: HttpEngine,
    limits: Limits,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            api_key: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            max_retries: DEFAULT_MAX_RETRIES,
            retry: RetryPolicy::default(),
            deadline: None,
            headers: Vec::new(),
            http: None,
            engine: HttpEngine::Auto,
            limits: Limits::default(),
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("engine", &self.engine)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The bearer key (`Authorization: Bearer …`). Without one, no
    /// `Authorization` header is sent (local servers that need none).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(SecretString::new(key));
        self
    }

    /// The base URL, e.g. `http://127.0.0.1:8080/v1`; paths such as
    /// `chat/completions` are appended to it.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Uses the EU router (`https://router.eu.requesty.ai/v1`).
    pub fn eu(self) -> Self {
        self.base_url(EU_BASE_URL)
    }

    /// Bound on a non-streamed request and on a stream's wait for its first
    /// chunk (default 600 s). A long, healthy stream is never cut by it.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// Bound on opening a connection (default 10 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Bound on the silence between two chunks of a stream (default 300 s).
    pub fn read_timeout(mut self, d: Duration) -> Self {
        self.read_timeout = d;
        self
    }

    /// Up to `n` more attempts after a retryable failure (default 2).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// The backoff schedule (tests inject a fast one).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// A total deadline for all attempts of one call, waits included.
    pub fn deadline(mut self, d: Duration) -> Self {
        self.deadline = Some(d);
        self
    }

    /// Identifies your app to Requesty (`HTTP-Referer` and `X-Title`).
    pub fn app(self, url: impl Into<String>, title: impl Into<String>) -> Self {
        self.header("HTTP-Referer", url).header("X-Title", title)
    }

    /// A header sent with every request (e.g. `X-Requesty-Team`).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Uses your own `reqwest::Client` (proxies, TLS settings, pools); its own
    /// timeouts then apply besides this client's. Implies
    /// [`HttpEngine::Reqwest`].
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Which HTTP implementation sends requests (default
    /// [`HttpEngine::Auto`]: the direct HTTP/1.1 engine unless a proxy is
    /// set in the environment). Ignored when
    /// [`http_client`](Self::http_client) gives a reqwest client.
    ///
    /// ```
    /// use requesty::{Client, HttpEngine};
    /// // HTTP/2 and redirects through reqwest:
    /// let client = Client::builder().api_key("k").http_engine(HttpEngine::Reqwest).build()?;
    /// # Ok::<(), requesty::Error>(())
    /// ```
    pub fn http_engine(mut self, engine: HttpEngine) -> Self {
        self.engine = engine;
        self
    }

    /// Largest response body accepted (default 32 MiB).
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.limits.max_body = bytes;
        self
    }

    /// Largest streamed response accepted, all events together (default
    /// 256 MiB); past it the stream ends with an `Err` item.
    pub fn max_stream_size(mut self, bytes: usize) -> Self {
        self.limits.max_stream = bytes;
        self
    }

    /// Longest line and largest event of an event stream (default 1 MiB
    /// and 16 MiB).
    pub fn sse_limits(mut self, limits: SseLimits) -> Self {
        self.limits.sse = limits;
        self
    }

    /// Largest arguments of one tool call, streamed or not (default 8 MiB).
    pub fn max_tool_arguments_size(mut self, bytes: usize) -> Self {
        self.limits.max_tool_arguments = bytes;
        self
    }

    /// Every size limit at once.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Builds the client; fails on an invalid URL or header.
    pub fn build(self) -> Result<Client> {
        let mut base = Url::parse(self.base_url.trim())
            .map_err(|e| Error::config(format!("invalid base URL {:?}: {e}", self.base_url)))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(Error::config(format!(
                "base URL {:?} must use http or https",
                self.base_url
            )));
        }
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        if self.timeout.is_zero() || self.read_timeout.is_zero() || self.connect_timeout.is_zero() {
            return Err(Error::config("timeouts must be longer than zero"));
        }

        let mut headers = HeaderMap::new();
        headers.insert(header::USER_AGENT, HeaderValue::from_static(USER_AGENT));
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        for (name, value) in &self.headers {
            let n = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::config(format!("invalid header name {name:?}")))?;
            let v = HeaderValue::from_str(value)
                .map_err(|_| Error::config(format!("invalid value for header {name:?}")))?;
            headers.insert(n, v);
        }
        if let Some(key) = &self.api_key {
            let mut v =
                HeaderValue::from_str(&format!("Bearer {}", key.expose())).map_err(|_| {
                    Error::config("the API key contains characters not allowed in a header")
                })?;
            v.set_sensitive(true);
            headers.insert(header::AUTHORIZATION, v);
        }

        let http = Engine::choose(self.engine, self.http, self.connect_timeout)?;
        let cfg = HttpConfig {
            base,
            headers,
            api_key: self.api_key,
            timeout: self.timeout,
            connect_timeout: self.connect_timeout,
            read_timeout: self.read_timeout,
            max_retries: self.max_retries,
            retry: self.retry,
            deadline: self.deadline,
            max_body: self.limits.max_body,
        };
        Ok(Client {
            inner: Arc::new(ClientInner {
                backend: Backend::Http(HttpTransport::new(http, cfg).with_limits(self.limits)),
            }),
        })
    }
}
