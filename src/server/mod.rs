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

use axum::serve::ListenerExt;
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
        let app = app::routes(state.clone());
        let (began_tx, began_rx) = tokio::sync::oneshot::channel::<()>();
        let draining = state.clone();
        let signal = async move {
            let _ = rx.wait_for(|v| *v).await;
            draining.draining.store(true, Ordering::Relaxed);
            let _ = began_tx.send(());
        };
        // Small writes (SSE events, short answers) must leave at once:
        // without TCP_NODELAY, Nagle's algorithm holds a write while an
        // earlier one is unacknowledged, and the peer's delayed ACK can
        // stall it (up to ~40 ms on Linux).
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!("requesty-router: cannot set TCP_NODELAY: {e}");
            }
        });
        let serve = axum::serve(listener, app).with_graceful_shutdown(signal);
        let mut serve = std::pin::pin!(serve.into_future());
        let grace = state.settings.shutdown_grace;
        let drained = tokio::select! {
            r = &mut serve => {
                if let Err(e) = r {
                    tracing::warn!("requesty-router: the server stopped: {e}");
                }
                true
            }
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
