//! Server mode: the embedded [`Router`] served as an OpenAI-compatible
//! HTTP endpoint (feature `server`; the `requesty-router` binary).
//!
//! `POST /v1/chat/completions` (JSON and SSE), `GET /v1/models`,
//! `GET /healthz` and `GET /metrics` (Prometheus text). Client keys,
//! per-key rate and spend limits, a body size limit, the hosted router's
//! error shape and status codes, and a graceful shutdown that flushes the
//! log sinks. The full reference is `docs/server.md`.
//!
//! Start one in-process (tests do this on `127.0.0.1:0`):
//!
//! ```no_run
//! use requesty::router::{Router, providers::Mock};
//! use requesty::server::{Server, Settings};
//! # async fn run() -> requesty::Result<()> {
//! let router = Router::builder().provider(Mock::new("mock")).build()?;
//! let settings = Settings { listen: "127.0.0.1:0".parse().unwrap(), ..Settings::default() };
//! let server = Server::bind(router, settings).await?;
//! println!("listening on http://{}/v1", server.local_addr());
//! let handle = server.handle();
//! let task = tokio::spawn(server.run());
//! // … requests …
//! handle.shutdown();                      // stop accepting, drain, flush the logs
//! let report = task.await.expect("server task");
//! assert!(report.drained);
//! # Ok(()) }
//! ```

mod app;
mod auth;
mod config;
mod errors;
mod limits;
mod metrics;
pub mod stats;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use auth::{ClientKey, sha256_hex};
pub use config::{
    Built, Config, ConfigError, DEFAULT_KEEP_ALIVE, DEFAULT_LISTEN, DEFAULT_LOG_DIR,
    DEFAULT_MAX_BODY_BYTES, DEFAULT_SHUTDOWN_GRACE, Settings,
};

use crate::error::{Error, Result};
use crate::router::Router;
use crate::router::log::LogStats;

/// A bound server, ready to [`run`](Server::run).
pub struct Server {
    listener: TcpListener,
    state: Arc<app::AppState>,
    shutdown: watch::Sender<bool>,
    hard_stop: watch::Sender<bool>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.listener.local_addr().ok())
            .field("router", &self.state.router)
            .field("client_keys", &self.state.settings.client_keys)
            .finish_non_exhaustive()
    }
}

/// Starts a graceful shutdown of a running [`Server`] (cheap to clone).
#[derive(Debug, Clone)]
pub struct ShutdownHandle {
    tx: watch::Sender<bool>,
}

impl ShutdownHandle {
    /// Stops accepting connections; in-flight requests and streams get the
    /// grace period to finish; then the log sinks are flushed.
    pub fn shutdown(&self) {
        self.tx.send_replace(true);
    }
}

/// What a shutdown did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShutdownReport {
    /// Every in-flight request finished within the grace period (else the
    /// rest were ended: streams with an in-band error event).
    pub drained: bool,
    /// The log sinks were flushed within the flush timeout.
    pub flushed: bool,
    /// The logging counters after the flush.
    pub log_stats: LogStats,
}

/// Whether serving `settings` would expose an open server: no client keys
/// on an address other than loopback. Returns the refusal message.
pub fn exposure_refusal(settings: &Settings) -> Option<String> {
    if settings.client_keys.is_empty() && !settings.listen.ip().is_loopback() {
        Some(format!(
            "refusing to listen on {} without client keys: anyone who can reach this address \
             could use your provider keys. Add [[client_keys]] to the config (hash a key with \
             `requesty-router hash-key`), or listen on a loopback address such as 127.0.0.1:8080.",
            settings.listen
        ))
    } else {
        None
    }
}

impl Server {
    /// Binds `settings.listen` (refusing a non-loopback address when no
    /// client keys are configured).
    pub async fn bind(router: Router, settings: Settings) -> Result<Server> {
        if let Some(msg) = exposure_refusal(&settings) {
            return Err(Error::config(msg));
        }
        let listener = TcpListener::bind(settings.listen)
            .await
            .map_err(|e| Error::config(format!("cannot listen on {}: {e}", settings.listen)))?;
        let (hard_stop, hard_rx) = watch::channel(false);
        let (shutdown, _) = watch::channel(false);
        Ok(Server {
            listener,
            state: Arc::new(app::AppState::new(router, settings, hard_rx)),
            shutdown,
            hard_stop,
        })
    }

    /// The address actually bound (with the port chosen for `:0`).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or(self.state.settings.listen)
    }

    /// Whether any bearer token is accepted (no client keys configured).
    pub fn is_open(&self) -> bool {
        self.state.settings.client_keys.is_empty()
    }

    /// A handle that starts the graceful shutdown.
    pub fn handle(&self) -> ShutdownHandle {
        ShutdownHandle {
            tx: self.shutdown.clone(),
        }
    }

    /// Serves until [`ShutdownHandle::shutdown`], then drains and flushes.
    pub async fn run(self) -> ShutdownReport {
        let rx = self.shutdown.subscribe();
        self.run_inner(rx).await
    }

    /// Serves until `signal` completes (or the handle is used), then drains
    /// and flushes.
    pub async fn run_until<F>(self, signal: F) -> ShutdownReport
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let handle = self.handle();
        tokio::spawn(async move {
            signal.await;
            handle.shutdown();
        });
        self.run().await
    }

    async fn run_inner(self, mut rx: watch::Receiver<bool>) -> ShutdownReport {
        let Server {
            listener,
            state,
            shutdown: _keep,
            hard_stop,
        } = self;
        let app = app::Service::new(state.clone());
        let (began_tx, began_rx) = tokio::sync::oneshot::channel::<()>();
        let draining = state.clone();
        let signal = async move {
            let _ = rx.wait_for(|v| *v).await;
            draining.draining.store(true, Ordering::Relaxed);
            let _ = began_tx.send(());
        };
        let serve = serve_connections(listener, app, signal);
        let mut serve = std::pin::pin!(serve);
        let grace = state.settings.shutdown_grace;
        let drained = tokio::select! {
            () = &mut serve => true,
            _ = async {
                if began_rx.await.is_ok() {
                    tokio::time::sleep(grace).await;
                } else {
                    std::future::pending::<()>().await;
                }
            } => false,
        };
        if !drained {
            // The grace period is over: end what is still running (streams
            // get an in-band error event; their records are written).
            hard_stop.send_replace(true);
            let _ = tokio::time::timeout(Duration::from_secs(2), &mut serve).await;
            // Let the ended streams' records reach the logger.
            tokio::task::yield_now().await;
        }
        let flushed = tokio::time::timeout(state.settings.flush_timeout, state.router.shutdown())
            .await
            .is_ok();
        ShutdownReport {
            drained,
            flushed,
            log_stats: state.router.log_stats(),
        }
    }
}

/// Accepts connections and serves each with hyper's HTTP/1 connection (no
/// HTTP/2: `axum::serve` did not offer it either without axum's `http2`
/// feature) until `signal` completes, then waits for the open connections
/// to finish their requests (each is told to close after its current one).
///
/// Our own loop instead of `axum::serve`: it sets TCP_NODELAY, keeps the
/// per-connection state small (one `Router` clone, not a rebuilt route
/// table; hyper's HTTP/1 connection without the version-sniffing wrapper)
/// and caps hyper's read buffer.
async fn serve_connections(
    listener: TcpListener,
    app: app::Service,
    signal: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .keep_alive(true)
        // A request head larger than this is refused (431); bodies are read
        // in pieces (the read buffer grows no larger than this) and limited
        // by `server.max_body_bytes`.
        .max_header_size(MAX_HEAD)
        .max_buf_size(MAX_HEAD);
    let mut signal = std::pin::pin!(signal);
    loop {
        let tcp = tokio::select! {
            r = listener.accept() => match r {
                Ok((tcp, _)) => tcp,
                Err(e) => {
                    if !is_connection_error(&e) {
                        // Out of file descriptors and the like: wait instead
                        // of spinning on the error.
                        tracing::warn!("requesty-router: accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    continue;
                }
            },
            () = &mut signal => break,
        };
        // Small writes (SSE events, short answers) must leave at once:
        // without TCP_NODELAY, Nagle's algorithm holds a write while an
        // earlier one is unacknowledged, and the peer's delayed ACK can
        // stall it (up to ~40 ms on Linux).
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!("requesty-router: cannot set TCP_NODELAY: {e}");
        }
        let conn = graceful.watch(http.serve_connection(TokioIo::new(tcp), app.clone()));
        tokio::spawn(async move {
            // The whole request runs in this task (the upstream connection
            // too, with the direct engine); hyper's signals between a
            // connection and its bodies wake it mid-poll, which tokio would
            // turn into a yield and a wake-up of another worker.
            if let Err(e) = crate::transport::quiet::quietly(conn).await {
                tracing::debug!("requesty-router: connection ended with an error: {e}");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// The largest request head accepted, and hyper's HTTP/1 read buffer limit.
const MAX_HEAD: usize = 64 * 1024;

/// Errors of one accepted connection (the listener itself is fine).
fn is_connection_error(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}
