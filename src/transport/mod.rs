//! Transports: how a request reaches an answer.

pub(crate) mod direct;
pub(crate) mod http;
pub(crate) mod quiet;
pub mod retry;

/// Which HTTP implementation sends requests (see
/// [`ClientBuilder::http_engine`](crate::ClientBuilder::http_engine)).
///
/// Both speak the same wire format, keep connections alive, honour the
/// same timeouts and give the same errors; they differ in how a request
/// reaches the socket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpEngine {
    /// [`Direct`](HttpEngine::Direct), unless a proxy is set in the
    /// environment (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, or their
    /// lowercase forms): then [`Reqwest`](HttpEngine::Reqwest), which
    /// honours it. The default.
    #[default]
    Auto,
    /// HTTP/1.1 connections (plain or TLS with rustls and the Mozilla
    /// roots) driven by the task that sends the request and then by the
    /// answer's body while it is read — no connection task, no hand-off
    /// between threads, so fewer wake-ups per request. Idle connections are
    /// pooled per origin for 90 s. No HTTP/2, no proxies, and redirects are
    /// not followed (a 3xx comes back as an [`ApiError`](crate::ApiError)).
    Direct,
    /// [`reqwest`]'s pooled client: HTTP/2 where the server offers it,
    /// proxies from the environment, up to 10 redirects. Also what a client
    /// given through `http_client(..)` uses.
    Reqwest,
}
