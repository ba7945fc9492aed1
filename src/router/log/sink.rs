//! Where log records go: the [`Sink`] trait and the built-in sinks
//! ([`MemorySink`], [`JsonlSink`], [`HttpSink`]).

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;

use super::record::LogRecord;
use crate::error::BoxError;

/// A destination for log records. Object-safe; each sink gets its own
/// bounded queue and background task, so a slow or failing sink never
/// blocks a request or another sink.
pub trait Sink: Send + Sync + 'static {
    /// A short name (for diagnostics).
    fn name(&self) -> &str;
    /// Writes a batch of records (in order).
    fn write<'a>(&'a self, batch: &'a [Arc<LogRecord>]) -> BoxFuture<'a, Result<(), BoxError>>;
    /// Makes everything written so far durable. The default does nothing.
    fn flush(&self) -> BoxFuture<'_, Result<(), BoxError>> {
        Box::pin(async { Ok(()) })
    }
}

/// Keeps the last `capacity` records in memory (tests, dashboards). Every
/// router has one (`router.logs()`); attach more with `.sink(..)`.
#[derive(Debug, Clone)]
pub struct MemorySink {
    inner: Arc<Mutex<VecDeque<Arc<LogRecord>>>>,
    capacity: usize,
}

impl MemorySink {
    /// A sink keeping at most `capacity` records (the oldest go first).
    pub fn new(capacity: usize) -> Self {
        MemorySink {
            inner: Arc::new(Mutex::new(VecDeque::with_capacity(capacity.min(4096)))),
            capacity,
        }
    }

    /// The records kept, oldest first.
    pub fn records(&self) -> Vec<Arc<LogRecord>> {
        self.lock().iter().cloned().collect()
    }

    /// How many records are kept.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Forgets every record.
    pub fn clear(&self) {
        self.lock().clear();
    }

    pub(crate) fn push(&self, r: Arc<LogRecord>) {
        if self.capacity == 0 {
            return;
        }
        let mut q = self.lock();
        while q.len() >= self.capacity {
            q.pop_front();
        }
        q.push_back(r);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Arc<LogRecord>>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Sink for MemorySink {
    fn name(&self) -> &str {
        "memory"
    }
    fn write<'a>(&'a self, batch: &'a [Arc<LogRecord>]) -> BoxFuture<'a, Result<(), BoxError>> {
        for r in batch {
            self.push(r.clone());
        }
        Box::pin(async { Ok(()) })
    }
}

/// Appends records as JSON lines to files under a folder:
/// `requesty-YYYY-MM-DD.jsonl` (UTC day of the record's start), rotated to
/// `requesty-YYYY-MM-DD.1.jsonl`, `.2`, … when a file passes `max_bytes`.
#[derive(Debug, Clone)]
pub struct JsonlSink {
    dir: PathBuf,
    max_bytes: u64,
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    file: Option<OpenFile>,
    /// The batch being written (kept between batches to reuse its memory;
    /// empty once a batch is written).
    buf: Vec<u8>,
}

#[derive(Debug)]
struct OpenFile {
    day: String,
    part: u32,
    file: File,
    /// Bytes in the file.
    size: u64,
    /// Bytes of the current batch bound for this file, not written yet.
    pending: u64,
}

impl JsonlSink {
    /// A sink writing under `dir` (created if missing), rotating at 64 MiB.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        JsonlSink {
            dir: dir.into(),
            max_bytes: 64 * 1024 * 1024,
            state: Arc::new(Mutex::new(State::default())),
        }
    }

    /// Rotates files at this size.
    pub fn max_bytes(mut self, bytes: u64) -> Self {
        self.max_bytes = bytes.max(1);
        self
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, day: &str, part: u32) -> PathBuf {
        if part == 0 {
            self.dir.join(format!("requesty-{day}.jsonl"))
        } else {
            self.dir.join(format!("requesty-{day}.{part}.jsonl"))
        }
    }

    fn open(&self, day: &str, mut part: u32) -> std::io::Result<OpenFile> {
        std::fs::create_dir_all(&self.dir)?;
        loop {
            let path = self.path(day, part);
            let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            if size < self.max_bytes {
                let file = OpenOptions::new().create(true).append(true).open(&path)?;
                return Ok(OpenFile {
                    day: day.to_owned(),
                    part,
                    file,
                    size,
                    pending: 0,
                });
            }
            part += 1;
        }
    }

    /// Writes a batch: the lines are serialized into one buffer and reach
    /// the file in a single `write(2)` per batch (per file, when the batch
    /// crosses a rotation), never a write per record. Nothing stays in a
    /// user-space buffer after a batch, so a crash of the process loses at
    /// most the batch being written; [`Sink::flush`] (called by
    /// `flush_logs()` and at shutdown) also makes it durable (`fdatasync`).
    fn write_blocking(&self, batch: &[Arc<LogRecord>]) -> Result<(), BoxError> {
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let State { file: st, buf } = &mut *guard;
        buf.clear();
        let result = (|| -> Result<(), BoxError> {
            for r in batch {
                let start = buf.len();
                serde_json::to_writer(&mut *buf, &**r)?;
                buf.push(b'\n');
                let len = (buf.len() - start) as u64;
                let day = r.started_at.get(..10).unwrap_or("unknown");
                let reopen = match &*st {
                    Some(f) => {
                        f.day != day
                            || f.size + f.pending + len > self.max_bytes && f.size + f.pending > 0
                    }
                    None => true,
                };
                if reopen {
                    // What is buffered belongs to the current file.
                    if let Some(f) = st.as_mut() {
                        f.file.write_all(&buf[..start])?;
                        f.size += f.pending;
                        f.pending = 0;
                    }
                    buf.drain(..start);
                    let part = match &*st {
                        Some(f) if f.day == day => f.part + 1,
                        _ => 0,
                    };
                    *st = Some(self.open(day, part)?);
                }
                if let Some(f) = st.as_mut() {
                    f.pending += len;
                }
            }
            if let Some(f) = st.as_mut() {
                f.file.write_all(buf)?;
                f.size += f.pending;
                f.pending = 0;
            }
            Ok(())
        })();
        if result.is_err() {
            // A failed batch is dropped (and counted by the caller); sizes
            // follow the file again from the next open.
            if let Some(f) = st.as_mut() {
                f.pending = 0;
            }
        }
        // Keep a buffer of a usual batch, not of the largest one seen.
        if buf.capacity() > 1 << 20 {
            *buf = Vec::new();
        }
        result
    }
}

/// Batches up to this many records are written on the sink's own task:
/// a small append to the page cache costs a few µs, less than the
/// cross-thread hand-off to the blocking pool (a futex wake-up, a context
/// switch and a wake-up back). Larger batches go to the blocking pool.
const INLINE_BATCH: usize = 16;

impl Sink for JsonlSink {
    fn name(&self) -> &str {
        "jsonl"
    }
    fn write<'a>(&'a self, batch: &'a [Arc<LogRecord>]) -> BoxFuture<'a, Result<(), BoxError>> {
        if batch.len() <= INLINE_BATCH {
            let r = self.write_blocking(batch);
            return Box::pin(async move { r });
        }
        let this = self.clone();
        let batch = batch.to_vec();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || this.write_blocking(&batch))
                .await
                .map_err(|e| -> BoxError { Box::new(e) })?
        })
    }
    fn flush(&self) -> BoxFuture<'_, Result<(), BoxError>> {
        let state = self.state.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || -> Result<(), BoxError> {
                let mut st = state.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(f) = st.file.as_mut() {
                    f.file.flush()?;
                    f.file.sync_data()?;
                }
                Ok(())
            })
            .await
            .map_err(|e| -> BoxError { Box::new(e) })?
        })
    }
}

/// POSTs batches of records (a JSON array) to an analytics endpoint, with
/// retries and backoff; a batch that still fails is dropped and counted.
#[derive(Clone)]
pub struct HttpSink {
    url: String,
    http: reqwest::Client,
    token: Option<crate::SecretString>,
    retries: u32,
    backoff: Duration,
}

impl std::fmt::Debug for HttpSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpSink")
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .finish_non_exhaustive()
    }
}

impl HttpSink {
    /// Posts to `url` (3 retries, 200 ms backoff doubling, 10 s timeout).
    pub fn new(url: impl Into<String>) -> Self {
        HttpSink {
            url: url.into(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            token: None,
            retries: 3,
            backoff: Duration::from_millis(200),
        }
    }

    /// A bearer token for the endpoint.
    pub fn bearer(mut self, token: impl Into<String>) -> Self {
        self.token = Some(crate::SecretString::new(token));
        self
    }

    /// Retries per batch and the first backoff.
    pub fn retries(mut self, retries: u32, backoff: Duration) -> Self {
        self.retries = retries;
        self.backoff = backoff;
        self
    }
}

impl Sink for HttpSink {
    fn name(&self) -> &str {
        "http"
    }
    fn write<'a>(&'a self, batch: &'a [Arc<LogRecord>]) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(async move {
            let body = serde_json::to_vec(&batch.iter().map(|r| &**r).collect::<Vec<_>>())?;
            let mut wait = self.backoff;
            let mut attempt = 0;
            loop {
                let mut req = self
                    .http
                    .post(&self.url)
                    .header("content-type", "application/json")
                    .body(body.clone());
                if let Some(t) = &self.token {
                    req = req.bearer_auth(t.expose());
                }
                let err: BoxError = match req.send().await {
                    Ok(r) if r.status().is_success() => return Ok(()),
                    Ok(r) => format!("the analytics endpoint answered {}", r.status()).into(),
                    Err(e) => Box::new(e),
                };
                if attempt >= self.retries {
                    return Err(err);
                }
                attempt += 1;
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
        })
    }
}
