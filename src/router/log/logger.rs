//! The logging pipeline: records leave the request path through a bounded
//! queue; a background task (started lazily) tags them, keeps them in the
//! router's in-memory log and hands them to each sink's own bounded queue.
//! Nothing here can block or fail a request: a full queue drops the record
//! and counts it.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tokio::sync::{mpsc, oneshot};

use super::record::LogRecord;
use super::sink::{MemorySink, Sink};
use super::tagging::Tagger;
use crate::types::ChatRequest;

/// What request and response bodies the log keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum BodyMode {
    /// No bodies: metadata only (the default).
    #[default]
    MetadataOnly,
    /// The bodies with every message text replaced by `[REDACTED n chars]`.
    Redacted,
    /// The whole request and response.
    Full,
}

/// Logging settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogConfig {
    /// Records waiting to be tagged and written (beyond: dropped and counted).
    pub queue: usize,
    /// Records kept in memory for `router.logs()`.
    pub memory: usize,
    /// Records waiting per sink.
    pub sink_queue: usize,
    /// Bodies kept.
    pub bodies: BodyMode,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            queue: 16_384,
            memory: 10_000,
            sink_queue: 4_096,
            bodies: BodyMode::MetadataOnly,
        }
    }
}

/// Counters of the logging pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LogStats {
    /// Records produced by requests.
    pub submitted: u64,
    /// Records dropped because the queue was full (or no runtime ran).
    pub dropped: u64,
    /// Records tagged and stored in memory.
    pub processed: u64,
    /// Records a sink's queue had no room for.
    pub sink_dropped: u64,
    /// Batches a sink failed to write.
    pub sink_errors: u64,
}

pub(crate) struct Pending {
    pub record: LogRecord,
    pub request: Option<ChatRequest>,
}

enum Msg {
    Record(Box<Pending>),
    Flush(oneshot::Sender<()>),
}

enum SinkMsg {
    Record(Arc<LogRecord>),
    Flush(oneshot::Sender<()>),
}

#[derive(Default)]
struct Counters {
    submitted: AtomicU64,
    dropped: AtomicU64,
    processed: AtomicU64,
    sink_dropped: AtomicU64,
    sink_errors: AtomicU64,
}

pub(crate) struct Logger {
    cfg: LogConfig,
    tx: mpsc::Sender<Msg>,
    rx: Mutex<Option<mpsc::Receiver<Msg>>>,
    started: AtomicBool,
    memory: MemorySink,
    sinks: Vec<Arc<dyn Sink>>,
    taggers: Vec<Arc<dyn Tagger>>,
    counters: Arc<Counters>,
    seq: AtomicU64,
    salt: u64,
}

impl Logger {
    pub(crate) fn new(
        cfg: LogConfig,
        sinks: Vec<Arc<dyn Sink>>,
        taggers: Vec<Arc<dyn Tagger>>,
    ) -> Self {
        let (tx, rx) = mpsc::channel(cfg.queue.max(1));
        Logger {
            cfg,
            tx,
            rx: Mutex::new(Some(rx)),
            started: AtomicBool::new(false),
            memory: MemorySink::new(cfg.memory),
            sinks,
            taggers,
            counters: Arc::default(),
            seq: AtomicU64::new(0),
            salt: fastrand::u64(..),
        }
    }

    pub(crate) fn config(&self) -> &LogConfig {
        &self.cfg
    }

    /// A new request id, unique per router (`req_<salt>_<n>`).
    pub(crate) fn next_id(&self) -> String {
        let n = self.seq.fetch_add(1, Ordering::Relaxed);
        format!("req_{:08x}{:08x}", (self.salt >> 32) as u32, n)
    }

    pub(crate) fn memory(&self) -> &MemorySink {
        &self.memory
    }

    pub(crate) fn stats(&self) -> LogStats {
        let c = &self.counters;
        LogStats {
            submitted: c.submitted.load(Ordering::Relaxed),
            dropped: c.dropped.load(Ordering::Relaxed),
            processed: c.processed.load(Ordering::Relaxed),
            sink_dropped: c.sink_dropped.load(Ordering::Relaxed),
            sink_errors: c.sink_errors.load(Ordering::Relaxed),
        }
    }

    /// Hands a record to the pipeline without waiting.
    pub(crate) fn submit(&self, pending: Pending) {
        self.counters.submitted.fetch_add(1, Ordering::Relaxed);
        if !self.ensure_started() {
            self.counters.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        if self.tx.try_send(Msg::Record(Box::new(pending))).is_err() {
            self.counters.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Waits until every record submitted so far is tagged, in memory and
    /// written by every sink (and the sinks flushed).
    pub(crate) async fn flush(&self) {
        if !self.ensure_started() {
            return;
        }
        let (ack, done) = oneshot::channel();
        if self.tx.send(Msg::Flush(ack)).await.is_ok() {
            let _ = done.await;
        }
    }

    fn ensure_started(&self) -> bool {
        if self.started.load(Ordering::Acquire) {
            return true;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return false;
        };
        let mut slot = self.rx.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(rx) = slot.take() {
            let workers: Vec<mpsc::Sender<SinkMsg>> = self
                .sinks
                .iter()
                .map(|s| {
                    spawn_sink(
                        &handle,
                        s.clone(),
                        self.cfg.sink_queue,
                        self.counters.clone(),
                    )
                })
                .collect();
            handle.spawn(run(
                rx,
                workers,
                self.taggers.clone(),
                self.memory.clone(),
                self.counters.clone(),
            ));
            self.started.store(true, Ordering::Release);
        }
        true
    }
}

async fn run(
    mut rx: mpsc::Receiver<Msg>,
    workers: Vec<mpsc::Sender<SinkMsg>>,
    taggers: Vec<Arc<dyn Tagger>>,
    memory: MemorySink,
    counters: Arc<Counters>,
) {
    while let Some(msg) = rx.recv().await {
        match msg {
            Msg::Record(p) => {
                let Pending {
                    mut record,
                    request,
                } = *p;
                if let Some(req) = &request {
                    for t in &taggers {
                        let tags = t.tag(req, &record).await;
                        for tag in tags {
                            if !record.tags.contains(&tag) {
                                record.tags.push(tag);
                            }
                        }
                    }
                }
                let record = Arc::new(record);
                memory.push(record.clone());
                counters.processed.fetch_add(1, Ordering::Relaxed);
                for w in &workers {
                    if w.try_send(SinkMsg::Record(record.clone())).is_err() {
                        counters.sink_dropped.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            Msg::Flush(ack) => {
                for w in &workers {
                    let (a, d) = oneshot::channel();
                    if w.send(SinkMsg::Flush(a)).await.is_ok() {
                        let _ = d.await;
                    }
                }
                let _ = ack.send(());
            }
        }
    }
}

fn spawn_sink(
    handle: &tokio::runtime::Handle,
    sink: Arc<dyn Sink>,
    capacity: usize,
    counters: Arc<Counters>,
) -> mpsc::Sender<SinkMsg> {
    let (tx, mut rx) = mpsc::channel::<SinkMsg>(capacity.max(1));
    handle.spawn(async move {
        let mut batch: Vec<Arc<LogRecord>> = Vec::new();
        while let Some(first) = rx.recv().await {
            let mut flush: Option<oneshot::Sender<()>> = None;
            let mut next = Some(first);
            // Take what is queued, up to a batch of 256.
            while let Some(msg) = next.take() {
                match msg {
                    SinkMsg::Record(r) => batch.push(r),
                    SinkMsg::Flush(a) => {
                        flush = Some(a);
                        break;
                    }
                }
                if batch.len() >= 256 {
                    break;
                }
                next = rx.try_recv().ok();
            }
            if !batch.is_empty() {
                if sink.write(&batch).await.is_err() {
                    counters.sink_errors.fetch_add(1, Ordering::Relaxed);
                }
                batch.clear();
            }
            if let Some(a) = flush {
                if sink.flush().await.is_err() {
                    counters.sink_errors.fetch_add(1, Ordering::Relaxed);
                }
                let _ = a.send(());
            }
        }
    });
    tx
}
