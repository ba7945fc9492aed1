//! The direct HTTP engine: HTTP/1.1 connections driven by the task that
//! sends the request.
//!
//! reqwest (like hyper-util's pooled client) runs every connection in a
//! task of its own: a request crosses to that task through a channel, and
//! the answer and each body chunk cross back — on a small machine each
//! crossing is a thread wake-up. Here the connection lives inside the
//! request's future and, once the head is in, inside the body: whoever
//! polls the answer drives the socket. Between requests an idle connection
//! waits in a pool and is polled once when it is taken again (a connection
//! the server closed shows up then and is dropped).
//!
//! What it does not do (use [`HttpEngine::Reqwest`](super::HttpEngine) for
//! these): HTTP/2, proxies, redirects.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderValue, Request, Response, header};
use http_body::Body as _;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use url::Url;

use super::quiet::Quiet;

/// How long an unused connection is kept.
const IDLE_TIMEOUT: Duration = Duration::from_secs(90);
/// Idle connections kept per origin.
const MAX_IDLE_PER_ORIGIN: usize = 256;

type Conn = http1::Connection<TokioIo<Stream>, Full<Bytes>>;

/// Why a request failed.
#[derive(Debug)]
pub(crate) enum DirectError {
    /// The connection could not be made (DNS, TCP, TLS).
    Connect(io::Error),
    /// Connecting took longer than the connect timeout.
    ConnectTimeout,
    /// The URL cannot be sent (scheme, host).
    Url(String),
    /// The connection failed after it was made.
    Http(hyper::Error),
}

impl std::fmt::Display for DirectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DirectError::Connect(e) => write!(f, "connecting failed: {e}"),
            DirectError::ConnectTimeout => f.write_str("connecting timed out"),
            DirectError::Url(m) => f.write_str(m),
            DirectError::Http(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for DirectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DirectError::Connect(e) => e.source(),
            DirectError::Http(e) => std::error::Error::source(e),
            _ => None,
        }
    }
}

/// Where connections go: scheme, host and port.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
struct Origin {
    https: bool,
    host: Arc<str>,
    port: u16,
}

impl Origin {
    fn of(url: &Url) -> Result<Self, DirectError> {
        let https = match url.scheme() {
            "https" => true,
            "http" => false,
            other => {
                return Err(DirectError::Url(format!(
                    "unsupported URL scheme {other:?}"
                )));
            }
        };
        let host = url
            .host_str()
            .ok_or_else(|| DirectError::Url(format!("the URL {url} has no host")))?;
        let port = url
            .port_or_known_default()
            .ok_or_else(|| DirectError::Url(format!("the URL {url} has no port")))?;
        Ok(Origin {
            https,
            // IPv6 literals come bracketed (`[::1]`); sockets want them bare.
            host: host.trim_start_matches('[').trim_end_matches(']').into(),
            port,
        })
    }
}

/// A connection and its sender (boxed where it is kept: hyper's
/// connection state is most of a kilobyte).
struct Pair {
    send: http1::SendRequest<Full<Bytes>>,
    conn: Conn,
    /// The waker the connection and its body are polled with (see
    /// [`Quiet`]).
    quiet: Arc<Quiet>,
    waker: Waker,
}

/// A connection between requests.
struct Idle {
    pair: Box<Pair>,
    /// The socket under the connection (shared with it), to look for a
    /// close before the connection is used again.
    tcp: Arc<TcpStream>,
    since: Instant,
}

struct PoolInner {
    idle: Mutex<HashMap<Origin, Vec<Idle>>>,
    /// Whether a connection taken from the pool is polled first (off only
    /// in a test of what happens when a close slips past that poll).
    poll_on_checkout: bool,
    connect_timeout: Duration,
    tls: OnceLock<Result<tokio_rustls::TlsConnector, String>>,
    /// Wakes requests waiting for a connection when one comes back.
    returned: tokio::sync::Notify,
}

/// A pool of HTTP/1.1 connections (cheap to clone; clones share it).
#[derive(Clone)]
pub(crate) struct DirectClient {
    inner: Arc<PoolInner>,
}

impl std::fmt::Debug for DirectClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectClient")
            .field("connect_timeout", &self.inner.connect_timeout)
            .finish_non_exhaustive()
    }
}

impl DirectClient {
    /// A client whose connections must be made within `connect_timeout`.
    pub(crate) fn new(connect_timeout: Duration) -> Self {
        DirectClient {
            inner: Arc::new(PoolInner {
                idle: Mutex::new(HashMap::new()),
                poll_on_checkout: true,
                connect_timeout,
                tls: OnceLock::new(),
                returned: tokio::sync::Notify::new(),
            }),
        }
    }

    /// Uses this TLS configuration instead of the Mozilla roots (tests: a
    /// self-signed certificate).
    #[cfg(test)]
    fn with_tls(self, cfg: rustls::ClientConfig) -> Self {
        let _ = self
            .inner
            .tls
            .set(Ok(tokio_rustls::TlsConnector::from(Arc::new(cfg))));
        self
    }

    /// Sends `req` to `url` and returns the answer once its head is in; the
    /// body drives the connection while it is read.
    pub(crate) async fn send(
        &self,
        url: &Url,
        mut req: Request<Full<Bytes>>,
    ) -> Result<Response<DirectBody>, DirectError> {
        let origin = Origin::of(url)?;
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        *req.uri_mut() = path
            .parse()
            .map_err(|_| DirectError::Url(format!("cannot send the path of {url}")))?;
        if !req.headers().contains_key(header::HOST) {
            let host = match (url.host_str(), url.port()) {
                (Some(h), Some(p)) => HeaderValue::from_str(&format!("{h}:{p}")),
                (Some(h), None) => HeaderValue::from_str(h),
                (None, _) => return Err(DirectError::Url(format!("the URL {url} has no host"))),
            }
            .map_err(|_| DirectError::Url(format!("invalid host in {url}")))?;
            req.headers_mut().insert(header::HOST, host);
        }
        // A connection the server closed while idle can fail the request
        // before it is written; hyper then hands the request back, and a
        // request the server never saw goes once more, on a new connection.
        let idle = match self.checkout(&origin) {
            Some(i) => i,
            None => self.connect_or_wait(&origin).await?,
        };
        match self.exchange(origin.clone(), idle, req).await {
            Ok(answer) => Ok(answer),
            Err(Failed::Unsent(_, req)) => {
                let fresh = self.connect(&origin).await?;
                self.exchange(origin, fresh, *req)
                    .await
                    .map_err(Failed::into_error)
            }
            Err(Failed::Sent(e)) => Err(DirectError::Http(e)),
        }
    }

    /// Writes the request and reads the head, driving the connection.
    async fn exchange(
        &self,
        origin: Origin,
        idle: Idle,
        req: Request<Full<Bytes>>,
    ) -> Result<Response<DirectBody>, Failed> {
        let Idle { mut pair, tcp, .. } = idle;
        // The pair stays boxed (hyper's connection is most of a kilobyte);
        // the quiet waker is cloned out so the pair itself can be dropped
        // mid-poll.
        let (quiet, waker) = (pair.quiet.clone(), pair.waker.clone());
        let answer = pair.send.try_send_request(req);
        let mut answer = std::pin::pin!(answer);
        let mut pair = Some(pair);
        let head = std::future::poll_fn(|cx| {
            quiet.poll(&waker, cx, |cx| {
                if let Some(p) = pair.as_mut()
                    && Pin::new(&mut p.conn).poll(cx).is_ready()
                {
                    // Closed or failed. Dropping it fails a request still
                    // queued (hyper gives it back); the answer future then
                    // resolves with that error, or with an answer read
                    // before the close.
                    pair = None;
                }
                answer.as_mut().poll(cx)
            })
        })
        .await
        .map_err(|mut e| match e.take_message() {
            Some(req) => Failed::Unsent(e.into_error(), Box::new(req)),
            None => Failed::Sent(e.into_error()),
        })?;
        let (parts, incoming) = head.into_parts();
        let live = pair.map(|pair| (pair, tcp));
        let mut body = DirectBody {
            incoming,
            live,
            pool: self.inner.clone(),
            origin,
        };
        if body.incoming.is_end_stream() {
            body.release();
        }
        Ok(Response::from_parts(parts, body))
    }

    /// An idle connection to `origin` that is still open, if any.
    fn checkout(&self, origin: &Origin) -> Option<Idle> {
        loop {
            let mut idle = {
                let mut map = self.inner.idle.lock().unwrap_or_else(|p| p.into_inner());
                let list = map.get_mut(origin)?;
                let idle = list.pop()?;
                if list.is_empty() {
                    map.remove(origin);
                }
                idle
            };
            if idle.since.elapsed() > IDLE_TIMEOUT {
                continue;
            }
            // One poll: reads a close (or anything else) that arrived while
            // the connection was idle, and makes it ready for a request.
            let mut cx = Context::from_waker(Waker::noop());
            let pair = &mut idle.pair;
            if self.inner.poll_on_checkout
                && (Pin::new(&mut pair.conn).poll(&mut cx).is_ready()
                    || !pair.send.is_ready()
                    || !still_open(&idle.tcp))
            {
                continue;
            }
            return Some(idle);
        }
    }

    /// A new connection, or an idle one another request gives back first,
    /// whichever is ready sooner. The connection is made in a task of its
    /// own, so one that is not needed after all (or whose caller gave up)
    /// still ends in the pool rather than half-open: a burst of requests
    /// does not wait on a burst of connects (a server whose accept queue
    /// overflows answers a SYN only after a one-second retransmit).
    async fn connect_or_wait(&self, origin: &Origin) -> Result<Idle, DirectError> {
        let (tx, mut made) = tokio::sync::oneshot::channel();
        let pool = self.clone();
        let o = origin.clone();
        tokio::spawn(async move {
            let r = pool.connect(&o).await;
            if let Err(Ok(unwanted)) = tx.send(r) {
                pool.inner.checkin(o, unwanted.pair, unwanted.tcp);
            }
        });
        loop {
            let returned = self.inner.returned.notified();
            let mut returned = std::pin::pin!(returned);
            // Registered before looking, so a connection given back in
            // between is not missed.
            returned.as_mut().enable();
            if let Some(idle) = self.checkout(origin) {
                return Ok(idle);
            }
            tokio::select! {
                r = &mut made => {
                    return r.unwrap_or_else(|_| {
                        Err(DirectError::Connect(io::Error::other("the connecting task ended")))
                    });
                }
                () = &mut returned => {}
            }
        }
    }

    async fn connect(&self, origin: &Origin) -> Result<Idle, DirectError> {
        let (io, tcp) = tokio::time::timeout(self.inner.connect_timeout, self.open(origin))
            .await
            .map_err(|_| DirectError::ConnectTimeout)??;
        let (send, conn) = http1::Builder::new()
            .handshake(TokioIo::new(io))
            .await
            .map_err(DirectError::Http)?;
        Ok(Idle {
            pair: Box::new({
                let (quiet, waker) = Quiet::new();
                Pair {
                    send,
                    conn,
                    quiet,
                    waker,
                }
            }),
            tcp,
            since: Instant::now(),
        })
    }

    async fn open(&self, origin: &Origin) -> Result<(Stream, Arc<TcpStream>), DirectError> {
        let tcp = TcpStream::connect((&*origin.host, origin.port))
            .await
            .map_err(DirectError::Connect)?;
        let _ = tcp.set_nodelay(true);
        let tcp = Arc::new(tcp);
        let shared = SharedTcp(tcp.clone());
        if !origin.https {
            return Ok((Stream::Plain(shared), tcp));
        }
        let tls = self
            .inner
            .tls
            .get_or_init(tls_connector)
            .as_ref()
            .map_err(|e| DirectError::Connect(io::Error::other(e.clone())))?;
        let name = rustls::pki_types::ServerName::try_from(origin.host.to_string())
            .map_err(|_| DirectError::Url(format!("invalid TLS server name {:?}", origin.host)))?;
        let tls = tls
            .connect(name, shared)
            .await
            .map_err(DirectError::Connect)?;
        Ok((Stream::Tls(Box::new(tls)), tcp))
    }
}

/// rustls with the Mozilla roots (`webpki-roots`, as reqwest's `rustls-tls`)
/// and HTTP/1.1 offered by ALPN.
fn tls_connector() -> Result<tokio_rustls::TlsConnector, String> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsConnector::from(Arc::new(cfg)))
}

/// How an exchange failed.
enum Failed {
    /// Before the request was written: hyper gives it back.
    Unsent(hyper::Error, Box<Request<Full<Bytes>>>),
    /// After (or while) it was written.
    Sent(hyper::Error),
}

impl Failed {
    fn into_error(self) -> DirectError {
        match self {
            Failed::Unsent(e, _) | Failed::Sent(e) => DirectError::Http(e),
        }
    }
}

impl PoolInner {
    fn checkin(&self, origin: Origin, pair: Box<Pair>, tcp: Arc<TcpStream>) {
        let mut map = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        let list = map.entry(origin).or_default();
        list.retain(|i| i.since.elapsed() <= IDLE_TIMEOUT);
        if list.len() < MAX_IDLE_PER_ORIGIN {
            list.push(Idle {
                pair,
                tcp,
                since: Instant::now(),
            });
        }
        drop(map);
        self.returned.notify_waiters();
    }
}

/// The body of an answer; reading it drives the connection, and once it
/// has been read to the end the connection goes back to the pool.
pub(crate) struct DirectBody {
    incoming: Incoming,
    live: Option<(Box<Pair>, Arc<TcpStream>)>,
    pool: Arc<PoolInner>,
    origin: Origin,
}

impl DirectBody {
    fn release(&mut self) {
        if let Some((mut pair, tcp)) = self.live.take() {
            // One poll first: a server that closes right after its answer
            // (without `Connection: close`) has usually sent its FIN along
            // with the last bytes; such a connection is dropped here rather
            // than handed to the next request.
            let mut cx = Context::from_waker(Waker::noop());
            if Pin::new(&mut pair.conn).poll(&mut cx).is_pending() {
                self.pool.checkin(self.origin.clone(), pair, tcp);
            }
        }
    }

    /// The next piece of the body; `None` at its end.
    pub(crate) fn poll_chunk(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, hyper::Error>>> {
        match self
            .live
            .as_ref()
            .map(|(p, _)| (p.quiet.clone(), p.waker.clone()))
        {
            Some((quiet, waker)) => quiet.poll(&waker, cx, |cx| self.poll_frames(cx)),
            None => self.poll_frames(cx),
        }
    }

    fn poll_frames(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, hyper::Error>>> {
        // Twice at most: the body first (it may hold data already), then the
        // connection (reads the socket into the body), then the body again.
        for round in 0..2 {
            loop {
                match Pin::new(&mut self.incoming).poll_frame(cx) {
                    Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                        Ok(data) if !data.is_empty() => {
                            if self.incoming.is_end_stream() {
                                self.release();
                            }
                            return Poll::Ready(Some(Ok(data)));
                        }
                        // Empty data or trailers: nothing to hand out.
                        _ => continue,
                    },
                    Poll::Ready(Some(Err(e))) => {
                        self.live = None;
                        return Poll::Ready(Some(Err(e)));
                    }
                    Poll::Ready(None) => {
                        self.release();
                        return Poll::Ready(None);
                    }
                    Poll::Pending => break,
                }
            }
            if round == 1 {
                break;
            }
            match &mut self.live {
                Some((pair, _)) => {
                    if Pin::new(&mut pair.conn).poll(cx).is_ready() {
                        // The connection ended; the body sees the error or
                        // its end on the next poll.
                        self.live = None;
                    }
                }
                None => break,
            }
        }
        Poll::Pending
    }
}

impl Drop for DirectBody {
    /// A reader may stop at the last event it needs (`[DONE]`) without
    /// reading the body's end (a chunked body's last, empty chunk). If that
    /// end is already here, the connection still goes back to the pool.
    fn drop(&mut self) {
        if self.live.is_none() {
            return;
        }
        let mut cx = Context::from_waker(Waker::noop());
        // Data still unread means the body was abandoned mid-way: the
        // connection is then closed with it.
        let _ = self.poll_chunk(&mut cx);
    }
}

impl futures::Stream for DirectBody {
    type Item = Result<Bytes, hyper::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_chunk(cx)
    }
}

/// Whether an idle connection's socket is still open: a non-blocking peek
/// (one `recv` with `MSG_PEEK`) that sees a close the runtime has not
/// reported yet. The connection's own poll only sees what the runtime's
/// I/O driver has already read from the kernel, which lags under load; a
/// request sent on a socket the server has closed fails with a reset.
fn still_open(tcp: &TcpStream) -> bool {
    let mut byte = [std::mem::MaybeUninit::<u8>::uninit(); 1];
    match socket2::SockRef::from(tcp).peek(&mut byte) {
        // Nothing to read: open and quiet, as an idle connection should be.
        Err(e) => e.kind() == io::ErrorKind::WouldBlock,
        // End of stream (closed), or bytes nobody asked for (a server's
        // farewell, e.g. a 408 or a TLS close_notify): not reusable.
        Ok(_) => false,
    }
}

/// A tokio `TcpStream` shared between the connection that reads and writes
/// it and the pool that peeks at it (`&TcpStream` has the readiness-based
/// methods this needs).
struct SharedTcp(Arc<TcpStream>);

impl AsyncRead for SharedTcp {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let tcp = &self.0;
        loop {
            std::task::ready!(tcp.poll_read_ready(cx))?;
            let want = buf.remaining();
            let mut read = None;
            // The read runs inside `try_io` so that a short read, which
            // drained the socket, clears the readiness seen before the read
            // (what tokio's own `TcpStream` does): the next poll waits for
            // the driver instead of paying a `recv` that says EAGAIN. Data
            // arriving after the read has a newer readiness tick, which this
            // does not clear. `try_read_buf` reads into the unfilled part
            // without zeroing it first.
            let outer = tcp.try_io(tokio::io::Interest::READABLE, || {
                let n = tcp.try_read_buf(&mut *buf)?;
                read = Some(n);
                if n > 0 && n < want {
                    Err(io::ErrorKind::WouldBlock.into())
                } else {
                    Ok(())
                }
            });
            match (read, outer) {
                (Some(_), _) | (None, Ok(())) => return Poll::Ready(Ok(())),
                (None, Err(e)) if e.kind() == io::ErrorKind::WouldBlock => continue,
                (None, Err(e)) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl AsyncWrite for SharedTcp {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            std::task::ready!(self.0.poll_write_ready(cx))?;
            match self.0.try_write(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                r => return Poll::Ready(r),
            }
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        loop {
            std::task::ready!(self.0.poll_write_ready(cx))?;
            match self.0.try_write_vectored(bufs) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                r => return Poll::Ready(r),
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(socket2::SockRef::from(&*self.0).shutdown(std::net::Shutdown::Write))
    }
}

/// A TCP connection, with or without TLS.
enum Stream {
    Plain(SharedTcp),
    Tls(Box<tokio_rustls::client::TlsStream<SharedTcp>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Plain(s) => s.is_write_vectored(),
            Stream::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        let o = Origin::of(&Url::parse("https://api.openai.com/v1/").unwrap()).unwrap();
        assert_eq!((o.https, &*o.host, o.port), (true, "api.openai.com", 443));
        let o = Origin::of(&Url::parse("http://[::1]:8080/v1").unwrap()).unwrap();
        assert_eq!((o.https, &*o.host, o.port), (false, "::1", 8080));
        assert!(matches!(
            Origin::of(&Url::parse("ftp://x/").unwrap()),
            Err(DirectError::Url(_))
        ));
    }

    /// A server that answers each request on a connection, then closes the
    /// connection 10 ms later; counts connections.
    async fn closing_server() -> (Url, Arc<std::sync::atomic::AtomicUsize>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let conns = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = conns.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = sock.read(&mut buf).await;
                    let _ = sock
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                        .await;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                });
            }
        });
        (Url::parse(&format!("http://{addr}/")).unwrap(), conns)
    }

    #[tokio::test]
    async fn a_close_that_slips_past_the_checkout_poll_sends_the_request_again() {
        let (url, conns) = closing_server().await;
        let mut client = DirectClient::new(Duration::from_secs(1));
        Arc::get_mut(&mut client.inner).unwrap().poll_on_checkout = false;
        for i in 1..=3 {
            let req = Request::post("/").body(Full::new(Bytes::from_static(b"{}")));
            let resp = client.send(&url, req.unwrap()).await.unwrap();
            let (_, mut body) = resp.into_parts();
            let got = std::future::poll_fn(|cx| body.poll_chunk(cx)).await;
            assert_eq!(got.unwrap().unwrap(), Bytes::from_static(b"ok"));
            // The close arrives while the connection is idle in the pool;
            // the next request finds it closed, gets its request back from
            // hyper, and sends it on a new connection.
            tokio::time::sleep(Duration::from_millis(40)).await;
            assert_eq!(conns.load(std::sync::atomic::Ordering::SeqCst), i);
        }
    }

    /// An HTTPS server with a self-signed certificate for `localhost` that
    /// answers each request on a connection with `ok`; counts connections.
    async fn tls_server() -> (
        Url,
        rustls::ClientConfig,
        Arc<std::sync::atomic::AtomicUsize>,
    ) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let der = cert.cert.der().clone();
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let server = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![der.clone()], key)
            .unwrap();
        let mut roots = rustls::RootCertStore::empty();
        roots.add(der).unwrap();
        let client = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let conns = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = conns.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(sock).await else {
                        return;
                    };
                    let mut got = Vec::new();
                    let mut buf = [0u8; 4096];
                    loop {
                        // One request: a head and a two-byte body.
                        while !got.windows(4).any(|w| w == b"\r\n\r\n") || !got.ends_with(b"{}") {
                            match tls.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => got.extend_from_slice(&buf[..n]),
                            }
                        }
                        got.clear();
                        let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
                        if tls.write_all(answer).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        let url = Url::parse(&format!("https://localhost:{port}/v1/chat")).unwrap();
        (url, client, conns)
    }

    #[tokio::test]
    async fn https_answers_are_read_and_the_connection_kept() {
        let (url, tls, conns) = tls_server().await;
        let client = DirectClient::new(Duration::from_secs(5)).with_tls(tls);
        for _ in 0..3 {
            let req = Request::post("/").body(Full::new(Bytes::from_static(b"{}")));
            let resp = client.send(&url, req.unwrap()).await.unwrap();
            assert_eq!(resp.status(), 200);
            let (_, mut body) = resp.into_parts();
            let got = std::future::poll_fn(|cx| body.poll_chunk(cx)).await;
            assert_eq!(got.unwrap().unwrap(), Bytes::from_static(b"ok"));
        }
        assert_eq!(conns.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn an_unknown_certificate_is_refused() {
        let (url, _, _) = tls_server().await;
        // The Mozilla roots do not know the self-signed certificate.
        let client = DirectClient::new(Duration::from_secs(5));
        let req = Request::post("/").body(Full::new(Bytes::from_static(b"{}")));
        let Err(e) = client.send(&url, req.unwrap()).await else {
            panic!("a self-signed certificate was accepted");
        };
        assert!(matches!(e, DirectError::Connect(_)), "{e:?}");
        assert!(e.to_string().contains("certificate"), "{e}");
    }

    #[test]
    fn tls_setup_works() {
        assert!(tls_connector().is_ok());
    }
}
