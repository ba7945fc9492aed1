//! Test support: [`FaultServer`], a loopback OpenAI-compatible server that
//! fails on purpose.
//!
//! Each request to `POST …/chat/completions` gets either a normal answer
//! (JSON, or server-sent events when the request says `"stream": true`) or
//! a [`Fault`], chosen by a [`Schedule`]: seeded weights, a fixed sequence,
//! or one fault always. The server speaks hand-written HTTP/1.1 over a
//! plain [`tokio::net::TcpListener`], so it can do what real servers do on
//! a bad day: reset the connection, stall, drip, cut JSON in half, send
//! invalid UTF-8 or the wrong content type.
//!
//! ```
//! # async fn run() -> requesty::Result<()> {
//! use std::time::Duration;
//! use requesty::testing::{Fault, FaultServer, Schedule};
//!
//! // Every third request or so fails with a 503; the rest are answered.
//! let server = FaultServer::builder()
//!     .schedule(Schedule::seeded(7).weight(Fault::Status(503), 0.3))
//!     .text("Hello there")
//!     .start()
//!     .await?;
//! let client = requesty::Client::builder()
//!     .base_url(server.base_url())
//!     .timeout(Duration::from_secs(5))
//!     .build()?;
//! let answer = client
//!     .chat()
//!     .create(requesty::ChatRequest::new("any-model").user("hi"))
//!     .await?; // 503s are retried
//! assert_eq!(answer.text().as_deref(), Some("Hello there"));
//! assert!(server.requests() >= 1);
//! # Ok(()) }
//! ```
//!
//! `docs/reliability.md` lists every fault and what the client and the
//! router do with it.

use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::error::{Error, Result};

#[doc(hidden)]
pub mod fuzz;

/// Largest request head (request line and headers) the server reads.
const MAX_HEAD: usize = 64 * 1024;
/// Largest request body the server reads.
const MAX_REQUEST_BODY: usize = 16 * 1024 * 1024;

/// When, within an answer, a fault strikes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum When {
    /// Before the status line: the client sees no answer at all.
    BeforeHeaders,
    /// After the headers (`200 OK`), before any content.
    BeforeContent,
    /// After some content: for a stream, after the first content chunk;
    /// for a JSON answer, partway through the body.
    AfterContent,
}

/// One way to answer badly. Every variant but [`Fault::Healthy`] is a
/// failure of some kind (a [`Fault::SlowDrip`] or short [`Fault::Stall`]
/// is only slow).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fault {
    /// No fault: the normal answer.
    Healthy,
    /// An error answer with this status (429, 500, 502, 503, 529, …) and an
    /// OpenAI-style JSON error body.
    Status(u16),
    /// `429 Too Many Requests` with `Retry-After` (whole seconds, rounded
    /// up) and `retry-after-ms`.
    RateLimited(Duration),
    /// The connection is reset (TCP RST) at that point.
    Reset(When),
    /// No bytes for the duration at that point; then the answer goes on
    /// (if the client is still there).
    Stall(When, Duration),
    /// The normal answer, in small pieces with this pause between them.
    SlowDrip(Duration),
    /// JSON cut in half: the body of a JSON answer, or one stream event
    /// (then the stream goes on).
    TruncatedJson(When),
    /// `200 OK` whose body is an `{"error": …}` object (for a stream: the
    /// first event's data).
    ErrorInBody,
    /// An `event: error` server-sent event (for a JSON answer: like
    /// [`Fault::ErrorInBody`]).
    ErrorEvent(When),
    /// Bytes that are not UTF-8 inside the content.
    InvalidUtf8(When),
    /// An answer of about this many bytes: one huge JSON body, or content
    /// chunks adding up to it.
    Oversized(usize),
    /// A stream whose first event's `data:` line is this many bytes long.
    OversizedEvent(usize),
    /// `200 OK` with `content-type: text/html` and an HTML page.
    WrongContentType,
}

impl Fault {
    /// Whether the fault strikes before any content reaches the client, so
    /// that a router may still fall back. `Healthy`, `SlowDrip` and the
    /// `AfterContent` variants are not.
    pub fn before_content(&self) -> bool {
        match self {
            Fault::Healthy | Fault::SlowDrip(_) | Fault::Oversized(_) => false,
            Fault::Reset(w)
            | Fault::Stall(w, _)
            | Fault::TruncatedJson(w)
            | Fault::ErrorEvent(w)
            | Fault::InvalidUtf8(w) => *w != When::AfterContent,
            Fault::Status(_)
            | Fault::RateLimited(_)
            | Fault::ErrorInBody
            | Fault::OversizedEvent(_)
            | Fault::WrongContentType => true,
        }
    }

    /// Whether this is [`Fault::Healthy`].
    pub fn is_healthy(&self) -> bool {
        matches!(self, Fault::Healthy)
    }
}

/// How a [`FaultServer`] picks the fault of each request.
///
/// ```
/// use std::time::Duration;
/// use requesty::testing::{Fault, Schedule, When};
/// // 10% 429s, 10% resets before the headers, the rest healthy; reproducible.
/// let random = Schedule::seeded(42)
///     .weight(Fault::RateLimited(Duration::from_millis(10)), 0.1)
///     .weight(Fault::Reset(When::BeforeHeaders), 0.1);
/// // A 503, then a reset, then healthy answers.
/// let fixed = Schedule::sequence([Fault::Status(503), Fault::Reset(When::BeforeHeaders)]);
/// ```
#[derive(Clone)]
pub struct Schedule {
    kind: ScheduleKind,
}

#[derive(Clone)]
enum ScheduleKind {
    Always(Fault),
    Sequence(Vec<Fault>),
    Cycle(Vec<Fault>),
    Seeded {
        seed: u64,
        weights: Vec<(Fault, f64)>,
    },
}

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ScheduleKind::Always(x) => f.debug_tuple("Always").field(x).finish(),
            ScheduleKind::Sequence(v) => f.debug_tuple("Sequence").field(v).finish(),
            ScheduleKind::Cycle(v) => f.debug_tuple("Cycle").field(v).finish(),
            ScheduleKind::Seeded { seed, weights } => f
                .debug_struct("Seeded")
                .field("seed", seed)
                .field("weights", weights)
                .finish(),
        }
    }
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule::healthy()
    }
}

impl Schedule {
    /// Every request answered normally.
    pub fn healthy() -> Self {
        Schedule::always(Fault::Healthy)
    }

    /// Every request gets `fault`.
    pub fn always(fault: Fault) -> Self {
        Schedule {
            kind: ScheduleKind::Always(fault),
        }
    }

    /// The faults in order, one per request; healthy answers after them.
    pub fn sequence(faults: impl IntoIterator<Item = Fault>) -> Self {
        Schedule {
            kind: ScheduleKind::Sequence(faults.into_iter().collect()),
        }
    }

    /// The faults in order, one per request, over and over.
    pub fn cycle(faults: impl IntoIterator<Item = Fault>) -> Self {
        let v: Vec<Fault> = faults.into_iter().collect();
        Schedule {
            kind: if v.is_empty() {
                ScheduleKind::Always(Fault::Healthy)
            } else {
                ScheduleKind::Cycle(v)
            },
        }
    }

    /// Faults drawn at random with a seeded generator: add them with
    /// [`Schedule::weight`]; what the weights leave (up to 1) is healthy.
    pub fn seeded(seed: u64) -> Self {
        Schedule {
            kind: ScheduleKind::Seeded {
                seed,
                weights: Vec::new(),
            },
        }
    }

    /// Adds `fault` with probability `p` (0 to 1) to a [`Schedule::seeded`]
    /// schedule; on another schedule, turns it into a seeded one (seed 0).
    pub fn weight(self, fault: Fault, p: f64) -> Self {
        let p = if p.is_finite() {
            p.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let (seed, mut weights) = match self.kind {
            ScheduleKind::Seeded { seed, weights } => (seed, weights),
            _ => (0, Vec::new()),
        };
        weights.push((fault, p));
        Schedule {
            kind: ScheduleKind::Seeded { seed, weights },
        }
    }
}

/// The live state of a schedule.
struct Picker {
    schedule: Schedule,
    n: usize,
    rng: fastrand::Rng,
}

impl Picker {
    fn new(schedule: Schedule) -> Self {
        let seed = match &schedule.kind {
            ScheduleKind::Seeded { seed, .. } => *seed,
            _ => 0,
        };
        Picker {
            schedule,
            n: 0,
            rng: fastrand::Rng::with_seed(seed),
        }
    }

    fn next(&mut self) -> Fault {
        let n = self.n;
        self.n += 1;
        match &self.schedule.kind {
            ScheduleKind::Always(f) => f.clone(),
            ScheduleKind::Sequence(v) => v.get(n).cloned().unwrap_or(Fault::Healthy),
            ScheduleKind::Cycle(v) => v[n % v.len()].clone(),
            ScheduleKind::Seeded { weights, .. } => {
                let mut x = self.rng.f64();
                for (fault, p) in weights {
                    if x < *p {
                        return fault.clone();
                    }
                    x -= p;
                }
                Fault::Healthy
            }
        }
    }
}

/// Builds a [`FaultServer`].
#[derive(Debug, Clone)]
pub struct FaultServerBuilder {
    schedule: Schedule,
    text: String,
    chunks: usize,
    model: Option<String>,
}

impl Default for FaultServerBuilder {
    fn default() -> Self {
        FaultServerBuilder {
            schedule: Schedule::healthy(),
            text: "Hello from the fault server.".to_owned(),
            chunks: 4,
            model: None,
        }
    }
}

impl FaultServerBuilder {
    /// How faults are chosen (default: [`Schedule::healthy`]).
    pub fn schedule(mut self, schedule: Schedule) -> Self {
        self.schedule = schedule;
        self
    }

    /// The text of every normal answer.
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.text = text.into();
        self
    }

    /// Into how many content chunks a streamed answer's text is split (at
    /// least 1; default 4).
    pub fn chunks(mut self, n: usize) -> Self {
        self.chunks = n.max(1);
        self
    }

    /// The model named in answers (default: the model of the request).
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// Binds `127.0.0.1:0` and starts serving on the current Tokio runtime.
    pub async fn start(self) -> Result<FaultServer> {
        // A backlog of 1,024 like most servers (the standard library's 128
        // overflows when a load test opens 200 connections at once, and a
        // dropped SYN is a one-second stall nobody asked for).
        let bind = || -> std::io::Result<TcpListener> {
            let socket = tokio::net::TcpSocket::new_v4()?;
            socket.bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))?;
            socket.listen(1024)
        };
        let listener =
            bind().map_err(|e| Error::config(format!("the fault server cannot bind: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::config(format!("the fault server has no address: {e}")))?;
        let shared = Arc::new(Shared {
            picker: Mutex::new(Picker::new(self.schedule)),
            text: self.text,
            chunks: self.chunks,
            model: self.model,
            stats: Stats::default(),
            history: Mutex::new(Vec::new()),
        });
        let (stop_tx, stop_rx) = watch::channel(false);
        let accept = tokio::spawn(accept_loop(listener, shared.clone(), stop_rx));
        Ok(FaultServer {
            addr,
            shared,
            stop: stop_tx,
            accept,
        })
    }
}

#[derive(Default)]
struct Stats {
    requests: AtomicU64,
    faults: AtomicU64,
    connections: AtomicU64,
    open: AtomicUsize,
}

struct Shared {
    picker: Mutex<Picker>,
    text: String,
    chunks: usize,
    model: Option<String>,
    stats: Stats,
    history: Mutex<Vec<(u64, Fault)>>,
}

/// A loopback OpenAI-compatible server that injects faults (see the
/// [module docs](self)). Stops when dropped: its listener closes and every
/// open connection is dropped.
pub struct FaultServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    accept: tokio::task::JoinHandle<()>,
}

impl fmt::Debug for FaultServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaultServer")
            .field("addr", &self.addr)
            .field("requests", &self.requests())
            .field("open_connections", &self.open_connections())
            .finish_non_exhaustive()
    }
}

impl FaultServer {
    /// A builder: schedule, answer text, chunk count.
    pub fn builder() -> FaultServerBuilder {
        FaultServerBuilder::default()
    }

    /// A server with `schedule` and the default answer.
    pub async fn start(schedule: Schedule) -> Result<FaultServer> {
        FaultServer::builder().schedule(schedule).start().await
    }

    /// The base URL to give a client or provider: `http://127.0.0.1:<port>/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The socket address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The text of every normal answer.
    pub fn text(&self) -> &str {
        &self.shared.text
    }

    /// Requests received (each got a fault or a normal answer).
    pub fn requests(&self) -> u64 {
        self.shared.stats.requests.load(Ordering::SeqCst)
    }

    /// Requests that got a fault other than [`Fault::Healthy`].
    pub fn faults(&self) -> u64 {
        self.shared.stats.faults.load(Ordering::SeqCst)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.shared.stats.connections.load(Ordering::SeqCst)
    }

    /// Connections open right now (for leak checks: once every client is
    /// dropped, this returns to 0).
    pub fn open_connections(&self) -> usize {
        self.shared.stats.open.load(Ordering::SeqCst)
    }

    /// The fault given to each chat request so far, in the order they came.
    pub fn history(&self) -> Vec<Fault> {
        let mut h = lock(&self.shared.history).clone();
        h.sort_by_key(|(n, _)| *n);
        h.into_iter().map(|(_, f)| f).collect()
    }

    /// The fault given to the request whose answer carried `request_id`
    /// (every answer has an `x-request-id: fault-<n>` header).
    pub fn fault_of(&self, request_id: &str) -> Option<Fault> {
        let n: u64 = request_id.strip_prefix("fault-")?.parse().ok()?;
        lock(&self.shared.history)
            .iter()
            .find(|(m, _)| *m == n)
            .map(|(_, f)| f.clone())
    }

    /// Waits until no connection is open, up to `limit`; `true` if none is.
    pub async fn wait_idle(&self, limit: Duration) -> bool {
        let end = tokio::time::Instant::now() + limit;
        loop {
            if self.open_connections() == 0 {
                return true;
            }
            if tokio::time::Instant::now() >= end {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        self.accept.abort();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, stop: watch::Receiver<bool>) {
    loop {
        let Ok((sock, _)) = listener.accept().await else {
            // Out of descriptors or similar: back off a little.
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        };
        shared.stats.connections.fetch_add(1, Ordering::SeqCst);
        shared.stats.open.fetch_add(1, Ordering::SeqCst);
        let guard = OpenGuard(shared.clone());
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let _guard = guard;
            tokio::select! {
                _ = serve_connection(sock, &_guard.0) => {}
                _ = stop.wait_for(|s| *s) => {}
            }
        });
    }
}

/// Counts a connection as open while alive.
struct OpenGuard(Arc<Shared>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.stats.open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One parsed request.
struct Request {
    path: String,
    body: Vec<u8>,
}

/// Reads one request; `None` when the client closed or sent garbage.
async fn read_request(r: &mut OwnedReadHalf, buf: &mut Vec<u8>) -> Option<Request> {
    let head_end = loop {
        if let Some(i) = find(buf, b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > MAX_HEAD {
            return None;
        }
        let mut tmp = [0u8; 8192];
        let n = r.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&tmp[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split_whitespace();
    let _method = first.next()?;
    let path = first.next()?.to_owned();
    let mut len = 0usize;
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            if k.trim().eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().ok()?;
            } else if k.trim().eq_ignore_ascii_case("transfer-encoding") {
                // Our clients always send a length; chunked bodies are not supported.
                return None;
            }
        }
    }
    if len > MAX_REQUEST_BODY {
        return None;
    }
    while buf.len() < head_end + len {
        let mut tmp = [0u8; 8192];
        let n = r.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&tmp[..n]);
    }
    let body = buf[head_end..head_end + len].to_vec();
    buf.drain(..head_end + len);
    Some(Request { path, body })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// What happened to a connection after an answer.
enum After {
    KeepAlive,
    Close,
    Reset,
}

async fn serve_connection(sock: TcpStream, shared: &Shared) {
    let _ = sock.set_nodelay(true);
    let (mut r, mut w) = sock.into_split();
    let mut buf = Vec::new();
    while let Some(req) = read_request(&mut r, &mut buf).await {
        let n = shared.stats.requests.fetch_add(1, Ordering::SeqCst);
        let after = if req.path.ends_with("/chat/completions") {
            let fault = lock(&shared.picker).next();
            if !fault.is_healthy() {
                shared.stats.faults.fetch_add(1, Ordering::SeqCst);
            }
            lock(&shared.history).push((n, fault.clone()));
            let mut conn = Conn {
                w: &mut w,
                r: &mut r,
            };
            answer(&mut conn, shared, n, &req, &fault).await
        } else {
            let body = json!({"error": {"message": format!("no route for {}", req.path), "type": "not_found"}});
            let mut conn = Conn {
                w: &mut w,
                r: &mut r,
            };
            conn.json(404, &[], body.to_string().as_bytes(), n)
                .await
                .unwrap_or(After::Close)
        };
        match after {
            After::KeepAlive => {}
            After::Close => {
                let _ = w.shutdown().await;
                return;
            }
            After::Reset => {
                reset(r, w);
                return;
            }
        }
    }
}

/// Closes with a TCP RST instead of a FIN.
fn reset(r: OwnedReadHalf, w: OwnedWriteHalf) {
    if let Ok(sock) = r.reunite(w) {
        let _ = sock.set_zero_linger();
        drop(sock);
    }
}

struct Conn<'a> {
    w: &'a mut OwnedWriteHalf,
    r: &'a mut OwnedReadHalf,
}

type Io<T> = std::io::Result<T>;

impl Conn<'_> {
    async fn raw(&mut self, bytes: &[u8]) -> Io<()> {
        self.w.write_all(bytes).await?;
        self.w.flush().await
    }

    /// Waits `d`; `false` if the client closed the connection meanwhile.
    async fn stall(&mut self, d: Duration) -> bool {
        let mut tmp = [0u8; 1024];
        tokio::select! {
            _ = tokio::time::sleep(d) => true,
            _ = async {
                loop {
                    match self.r.read(&mut tmp).await {
                        Ok(0) | Err(_) => return,
                        // A client sends nothing while waiting; ignore it.
                        Ok(_) => {}
                    }
                }
            } => false,
        }
    }

    async fn head(&mut self, status: u16, extra: &[(&str, String)], n: u64) -> Io<()> {
        let reason = http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Unknown");
        let mut h = format!("HTTP/1.1 {status} {reason}\r\nx-request-id: fault-{n}\r\n");
        for (k, v) in extra {
            h.push_str(k);
            h.push_str(": ");
            h.push_str(v);
            h.push_str("\r\n");
        }
        h.push_str("\r\n");
        self.raw(h.as_bytes()).await
    }

    async fn json(
        &mut self,
        status: u16,
        extra: &[(&str, String)],
        body: &[u8],
        n: u64,
    ) -> Io<After> {
        let mut headers = vec![
            ("content-type", "application/json".to_owned()),
            ("content-length", body.len().to_string()),
        ];
        headers.extend(extra.iter().cloned());
        self.head(status, &headers, n).await?;
        self.raw(body).await?;
        Ok(After::KeepAlive)
    }

    /// One chunk of a chunked body.
    async fn chunk(&mut self, data: &[u8]) -> Io<()> {
        if data.is_empty() {
            return Ok(());
        }
        let mut out = format!("{:x}\r\n", data.len()).into_bytes();
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
        self.raw(&out).await
    }

    async fn end_chunks(&mut self) -> Io<()> {
        self.raw(b"0\r\n\r\n").await
    }
}

fn error_body(status: u16, message: &str) -> Value {
    json!({"error": {"message": message, "type": "injected_fault", "code": status}})
}

async fn answer(
    conn: &mut Conn<'_>,
    shared: &Shared,
    n: u64,
    req: &Request,
    fault: &Fault,
) -> After {
    let parsed: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    let stream = parsed.get("stream").and_then(Value::as_bool) == Some(true);
    let usage = parsed
        .pointer("/stream_options/include_usage")
        .and_then(Value::as_bool)
        == Some(true);
    let model = shared
        .model
        .clone()
        .or_else(|| {
            parsed
                .get("model")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "fault-model".to_owned());
    let a = Answer {
        n,
        model,
        text: &shared.text,
        chunks: shared.chunks,
        usage,
    };
    let result = if stream {
        a.stream(conn, fault).await
    } else {
        a.json(conn, fault).await
    };
    result.unwrap_or(After::Close)
}

struct Answer<'a> {
    n: u64,
    model: String,
    text: &'a str,
    chunks: usize,
    usage: bool,
}

impl Answer<'_> {
    fn completion(&self, content: &str) -> Value {
        json!({
            "id": format!("chatcmpl-fault-{}", self.n),
            "object": "chat.completion",
            "created": 1,
            "model": self.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12}
        })
    }

    fn chunk(&self, delta: Value, finish: Option<&str>) -> Value {
        json!({
            "id": format!("chatcmpl-fault-{}", self.n),
            "object": "chat.completion.chunk",
            "created": 1,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]
        })
    }

    fn pieces(&self) -> Vec<String> {
        let chars: Vec<char> = self.text.chars().collect();
        let per = chars.len().div_ceil(self.chunks).max(1);
        let mut v: Vec<String> = chars.chunks(per).map(|c| c.iter().collect()).collect();
        if v.is_empty() {
            v.push(String::new());
        }
        v
    }

    /// A whole (non-streamed) answer, or its fault.
    async fn json(&self, conn: &mut Conn<'_>, fault: &Fault) -> Io<After> {
        let n = self.n;
        let body = self.completion(self.text).to_string().into_bytes();
        match fault {
            Fault::Healthy => conn.json(200, &[], &body, n).await,
            Fault::Status(s) => {
                let e = error_body(*s, &format!("injected fault: HTTP {s}"));
                conn.json(*s, &[], e.to_string().as_bytes(), n).await
            }
            Fault::RateLimited(d) => {
                let e = error_body(429, "injected fault: rate limited");
                let secs = d.as_millis().div_ceil(1000);
                let extra = [
                    ("retry-after", secs.to_string()),
                    ("retry-after-ms", d.as_millis().to_string()),
                ];
                conn.json(429, &extra, e.to_string().as_bytes(), n).await
            }
            Fault::Reset(When::BeforeHeaders) => Ok(After::Reset),
            Fault::Reset(When::BeforeContent) => {
                conn.head(200, &json_headers(body.len()), n).await?;
                Ok(After::Reset)
            }
            Fault::Reset(When::AfterContent) => {
                conn.head(200, &json_headers(body.len()), n).await?;
                conn.raw(&body[..body.len() / 2]).await?;
                Ok(After::Reset)
            }
            Fault::Stall(when, d) => {
                match when {
                    When::BeforeHeaders => {
                        if !conn.stall(*d).await {
                            return Ok(After::Close);
                        }
                        conn.json(200, &[], &body, n).await?;
                    }
                    When::BeforeContent => {
                        conn.head(200, &json_headers(body.len()), n).await?;
                        if !conn.stall(*d).await {
                            return Ok(After::Close);
                        }
                        conn.raw(&body).await?;
                    }
                    When::AfterContent => {
                        conn.head(200, &json_headers(body.len()), n).await?;
                        let (a, b) = body.split_at(body.len() / 2);
                        conn.raw(a).await?;
                        if !conn.stall(*d).await {
                            return Ok(After::Close);
                        }
                        conn.raw(b).await?;
                    }
                }
                Ok(After::Close)
            }
            Fault::SlowDrip(d) => {
                conn.head(200, &json_headers(body.len()), n).await?;
                let per = body.len().div_ceil(8).max(1);
                for piece in body.chunks(per) {
                    conn.raw(piece).await?;
                    if !conn.stall(*d).await {
                        return Ok(After::Close);
                    }
                }
                Ok(After::KeepAlive)
            }
            Fault::TruncatedJson(_) => {
                let cut = &body[..body.len() / 2];
                conn.json(200, &[], cut, n).await
            }
            Fault::ErrorInBody | Fault::ErrorEvent(_) => {
                let e = error_body(503, "injected fault: error object in a 200 body");
                conn.json(200, &[], e.to_string().as_bytes(), n).await
            }
            Fault::InvalidUtf8(_) => {
                let mut bad = self.completion("@@BAD@@").to_string().into_bytes();
                if let Some(i) = find(&bad, b"@@BAD@@") {
                    bad.splice(i..i + 7, [b'a', 0xff, 0xfe, b'b', 0xc3, b'(', b'z']);
                }
                conn.json(200, &[], &bad, n).await
            }
            Fault::Oversized(size) | Fault::OversizedEvent(size) => {
                // Close-delimited, so the client cannot refuse it by its length.
                let big = self.completion(&"x".repeat(*size)).to_string();
                conn.head(
                    200,
                    &[
                        ("content-type", "application/json".to_owned()),
                        ("connection", "close".to_owned()),
                    ],
                    n,
                )
                .await?;
                for piece in big.as_bytes().chunks(64 * 1024) {
                    conn.raw(piece).await?;
                }
                Ok(After::Close)
            }
            Fault::WrongContentType => {
                let page = b"<html><body><h1>502 Bad Gateway</h1></body></html>";
                conn.head(
                    200,
                    &[
                        ("content-type", "text/html".to_owned()),
                        ("content-length", page.len().to_string()),
                    ],
                    n,
                )
                .await?;
                conn.raw(page).await?;
                Ok(After::KeepAlive)
            }
        }
    }

    /// A streamed answer, or its fault.
    async fn stream(&self, conn: &mut Conn<'_>, fault: &Fault) -> Io<After> {
        let n = self.n;
        match fault {
            Fault::Status(_) | Fault::RateLimited(_) => return self.json(conn, fault).await,
            Fault::Reset(When::BeforeHeaders) => return Ok(After::Reset),
            Fault::Stall(When::BeforeHeaders, d) if !conn.stall(*d).await => {
                return Ok(After::Close);
            }
            Fault::WrongContentType => return self.json(conn, fault).await,
            _ => {}
        }
        conn.head(
            200,
            &[
                ("content-type", "text/event-stream".to_owned()),
                ("cache-control", "no-cache".to_owned()),
                ("transfer-encoding", "chunked".to_owned()),
            ],
            n,
        )
        .await?;
        let at = |w: When| matches!(fault, Fault::Reset(x) | Fault::Stall(x, _) | Fault::TruncatedJson(x) | Fault::ErrorEvent(x) | Fault::InvalidUtf8(x) if *x == w);

        // Before the first content chunk.
        if at(When::BeforeContent) {
            if let Some(after) = self.strike(conn, fault).await? {
                return Ok(after);
            }
        }
        match fault {
            Fault::ErrorInBody => {
                let e = error_body(503, "injected fault: error object in the stream");
                conn.chunk(format!("data: {e}\n\n").as_bytes()).await?;
                conn.end_chunks().await?;
                return Ok(After::KeepAlive);
            }
            Fault::OversizedEvent(size) => {
                let big = self.chunk(json!({"content": "x".repeat(*size)}), None);
                let ev = format!("data: {big}\n\n");
                for piece in ev.as_bytes().chunks(64 * 1024) {
                    conn.chunk(piece).await?;
                }
                conn.end_chunks().await?;
                return Ok(After::KeepAlive);
            }
            _ => {}
        }

        let pieces = self.pieces();
        let drip = match fault {
            Fault::SlowDrip(d) => Some(*d),
            _ => None,
        };
        for (i, piece) in pieces.iter().enumerate() {
            let delta = if i == 0 {
                json!({"role": "assistant", "content": piece})
            } else {
                json!({"content": piece})
            };
            conn.chunk(format!("data: {}\n\n", self.chunk(delta, None)).as_bytes())
                .await?;
            if let Some(d) = drip {
                if !conn.stall(d).await {
                    return Ok(After::Close);
                }
            }
            if i == 0 && at(When::AfterContent) {
                if let Some(after) = self.strike(conn, fault).await? {
                    return Ok(after);
                }
            }
        }
        if let Fault::Oversized(size) = fault {
            let filler = "x".repeat(1024);
            let ev = format!("data: {}\n\n", self.chunk(json!({"content": filler}), None));
            let mut sent = 0;
            while sent < *size {
                conn.chunk(ev.as_bytes()).await?;
                sent += ev.len();
            }
        }
        conn.chunk(format!("data: {}\n\n", self.chunk(json!({}), Some("stop"))).as_bytes())
            .await?;
        if self.usage {
            let u = json!({
                "id": format!("chatcmpl-fault-{n}"), "object": "chat.completion.chunk", "created": 1,
                "model": self.model, "choices": [],
                "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12}
            });
            conn.chunk(format!("data: {u}\n\n").as_bytes()).await?;
        }
        conn.chunk(b"data: [DONE]\n\n").await?;
        conn.end_chunks().await?;
        Ok(After::KeepAlive)
    }

    /// Strikes a stream fault at its point: `Some` ends the answer there.
    async fn strike(&self, conn: &mut Conn<'_>, fault: &Fault) -> Io<Option<After>> {
        match fault {
            Fault::Reset(_) => Ok(Some(After::Reset)),
            Fault::Stall(_, d) => {
                if conn.stall(*d).await {
                    Ok(None)
                } else {
                    Ok(Some(After::Close))
                }
            }
            Fault::TruncatedJson(_) => {
                let full = self.chunk(json!({"content": "never"}), None).to_string();
                let cut = &full[..full.len() / 2];
                conn.chunk(format!("data: {cut}\n\n").as_bytes()).await?;
                Ok(None)
            }
            Fault::ErrorEvent(_) => {
                let e = error_body(529, "injected fault: overloaded");
                conn.chunk(format!("event: error\ndata: {e}\n\n").as_bytes())
                    .await?;
                conn.end_chunks().await?;
                Ok(Some(After::KeepAlive))
            }
            Fault::InvalidUtf8(_) => {
                let mut ev = format!(
                    "data: {}\n\n",
                    self.chunk(json!({"content": "@@BAD@@"}), None)
                )
                .into_bytes();
                if let Some(i) = find(&ev, b"@@BAD@@") {
                    ev.splice(i..i + 7, [b'a', 0xff, 0xfe, b'b', 0xc3, b'(', b'z']);
                }
                conn.chunk(&ev).await?;
                Ok(None)
            }
            _ => Ok(None),
        }
    }
}

fn json_headers(len: usize) -> [(&'static str, String); 2] {
    [
        ("content-type", "application/json".to_owned()),
        ("content-length", len.to_string()),
    ]
}
