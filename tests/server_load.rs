//! Load without loss through the HTTP server: the runs of
//! `tests/reliability_load.rs`, but over real HTTP. An in-process
//! [`Server`] on 127.0.0.1:0 serves a router over two fault servers with a
//! fallback policy (memory and JSONL logging); reqwest drives it at
//! concurrency 200, half the requests streamed (SSE `data:` lines parsed
//! until `[DONE]` or an in-band `{"error":…}` event).
//!
//! - Faults before content (429, 5xx, resets before the headers, stalls
//!   before the first byte): every request gets a 200 and the whole answer,
//!   each is logged exactly once with all its attempts (their sum is the
//!   number of requests the fault servers saw), and after a graceful
//!   shutdown no socket (the fault servers' open connections, and the
//!   process's TCP sockets on the rig's ports: only the fault servers'
//!   listeners are left) and no task is left.
//! - Faults after content (streams only): each stream whose answer broke
//!   (found through its log record: the `X-Requesty-Load` dimension names
//!   the request, the provider request id the fault) ends with an in-band
//!   error event after its first content and is logged as failed; the
//!   others end with `[DONE]`.
//!
//! CI runs 600 requests and 300 streams; the full runs are `#[ignore]`d:
//!
//! ```sh
//! cargo test --release --features server --test server_load -- --ignored --nocapture
//! ```
#![cfg(feature = "server")]

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use requesty::router::Router;
use requesty::router::log::{JsonlSink, LogRecord, Outcome};
use requesty::server::{Server, Settings};
use requesty::testing::{FaultServer, Schedule};
use serde_json::{Value, json};

mod load_rig;

use load_rig::{CONCURRENCY, after_content, before_content, router_builder};

/// One run at a time: they would compete for the same cores (and timeouts).
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn router(a: &FaultServer, b: &FaultServer, log_dir: &Path) -> Router {
    router_builder(a, b)
        .sink(JsonlSink::new(log_dir))
        .build()
        .expect("router")
}

fn settings() -> Settings {
    Settings {
        listen: "127.0.0.1:0".parse().expect("addr"),
        // Shorter than the provider timeouts: slow starts get keep-alive
        // comments (and commit to 200) before the fallback answers.
        keep_alive: Duration::from_millis(500),
        shutdown_grace: Duration::from_secs(10),
        ..Settings::default()
    }
}

/// How one request ended, seen by the HTTP client.
#[derive(Debug)]
struct Seen {
    i: usize,
    stream: bool,
    status: u16,
    text: String,
    /// `[DONE]` was the last event (streams) or the JSON body was complete.
    complete: bool,
    /// The in-band error event, if the stream ended with one.
    error: Option<Value>,
    /// Content chunks before the end.
    chunks: usize,
}

async fn one(http: reqwest::Client, url: String, i: usize, stream: bool) -> Seen {
    let body = json!({
        "messages": [{"role": "user", "content": format!("request {i}")}],
        "stream": stream,
    });
    let call = async {
        let resp = http
            .post(&url)
            .bearer_auth("load")
            .header("x-requesty-load", i.to_string())
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("request {i}: {e}"));
        let status = resp.status().as_u16();
        let mut seen = Seen {
            i,
            stream,
            status,
            text: String::new(),
            complete: false,
            error: None,
            chunks: 0,
        };
        if !stream {
            let v: Value = resp.json().await.unwrap_or_else(|e| panic!("{i}: {e}"));
            if let Some(t) = v["choices"][0]["message"]["content"].as_str() {
                seen.text = t.to_owned();
                seen.complete = true;
            } else {
                seen.error = Some(v);
            }
            return seen;
        }
        // Events are read as they come; nothing may follow `[DONE]` or an error.
        let mut bytes = resp.bytes_stream();
        let mut buf = String::new();
        let mut ended = false;
        while let Some(piece) = bytes.next().await {
            let piece = piece.unwrap_or_else(|e| panic!("stream {i} broke: {e}"));
            buf.push_str(std::str::from_utf8(&piece).expect("UTF-8 events"));
            while let Some(end) = buf.find("\n\n") {
                let event: String = buf.drain(..end + 2).collect();
                assert!(!ended, "stream {i}: an event after the end: {event:?}");
                for line in event.lines().filter(|l| !l.is_empty()) {
                    let Some(data) = line.strip_prefix("data: ") else {
                        assert!(line.starts_with(':'), "stream {i}: {line:?}");
                        continue;
                    };
                    if data == "[DONE]" {
                        seen.complete = true;
                        ended = true;
                        continue;
                    }
                    let v: Value = serde_json::from_str(data).expect("a JSON event");
                    if v.get("error").is_some() {
                        seen.error = Some(v);
                        ended = true;
                    } else if let Some(t) = v["choices"][0]["delta"]["content"].as_str() {
                        seen.text.push_str(t);
                        seen.chunks += 1;
                    }
                }
            }
        }
        assert!(buf.is_empty(), "stream {i}: a partial event {buf:?}");
        assert!(ended, "stream {i} ended without [DONE] or an error event");
        seen
    };
    tokio::time::timeout(Duration::from_secs(60), call)
        .await
        .unwrap_or_else(|_| panic!("request {i} hung"))
}

async fn run_all(http: &reqwest::Client, url: &str, n: usize, all_streams: bool) -> Vec<Seen> {
    futures::stream::iter(0..n)
        .map(|i| {
            tokio::spawn(one(
                http.clone(),
                url.to_owned(),
                i,
                all_streams || i % 2 == 1,
            ))
        })
        .buffer_unordered(CONCURRENCY)
        .map(|r| r.expect("a request task panicked"))
        .collect()
        .await
}

fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

/// The process's open TCP sockets with an end on one of `ports` (Linux:
/// the socket inodes of `/proc/self/fd` found in `/proc/net/tcp`, so
/// neither other tests' sockets nor `TIME_WAIT` leftovers count; elsewhere 0).
fn open_sockets(ports: &[u16]) -> usize {
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
        return 0;
    };
    let inodes: HashSet<String> = dir
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter_map(|l| {
            let l = l.to_string_lossy();
            Some(l.strip_prefix("socket:[")?.strip_suffix(']')?.to_owned())
        })
        .collect();
    let port = |addr: &str| {
        addr.rsplit_once(':')
            .and_then(|(_, p)| u16::from_str_radix(p, 16).ok())
    };
    ["/proc/self/net/tcp", "/proc/self/net/tcp6"]
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .flat_map(|t| t.lines().skip(1).map(str::to_owned).collect::<Vec<_>>())
        .filter(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            cols.len() > 9
                && inodes.contains(cols[9])
                && [cols[1], cols[2]]
                    .iter()
                    .any(|a| port(a).is_some_and(|p| ports.contains(&p)))
        })
        .count()
}

/// Waits until `f()` is at most `n` (10 s at most); returns the last value.
async fn settle(n: usize, f: impl Fn() -> usize) -> usize {
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        let v = f();
        if v <= n || Instant::now() > end {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("requesty-server-load-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The request ids of the JSONL records in `dir`.
fn jsonl_ids(dir: &Path) -> Vec<String> {
    let mut ids = Vec::new();
    for entry in std::fs::read_dir(dir).expect("log dir") {
        let text = std::fs::read_to_string(entry.expect("entry").path()).expect("read");
        for line in text.lines() {
            let v: Value = serde_json::from_str(line).expect("a JSONL record");
            ids.push(v["request_id"].as_str().expect("request_id").to_owned());
        }
    }
    ids
}

/// The record of each request, by its `X-Requesty-Load` dimension; each
/// request logged exactly once, nothing else logged.
fn records_by_request(logs: &[Arc<LogRecord>], n: usize) -> HashMap<usize, &LogRecord> {
    let mut by = HashMap::new();
    for r in logs {
        let i: usize = r.dimensions["load"].parse().expect("the load dimension");
        assert!(by.insert(i, &**r).is_none(), "request {i} was logged twice");
    }
    assert_eq!(by.len(), n);
    let ids: HashSet<&str> = logs.iter().map(|r| r.request_id.as_str()).collect();
    assert_eq!(ids.len(), n, "two records share a request id");
    by
}

/// Everything a run needs, and the leak baselines taken before the server.
struct Rig {
    a: FaultServer,
    b: FaultServer,
    router: Router,
    log_dir: PathBuf,
    url: String,
    http: reqwest::Client,
    handle: requesty::server::ShutdownHandle,
    task: tokio::task::JoinHandle<requesty::server::ShutdownReport>,
    tasks_before: usize,
    /// The rig's TCP ports: fault servers a and b, the server.
    ports: [u16; 3],
    sockets_before: usize,
}

async fn rig(tag: &str, a: Schedule, b: Schedule) -> Rig {
    let a = FaultServer::start(a).await.expect("fault server a");
    let b = FaultServer::start(b).await.expect("fault server b");
    let tasks_before = alive_tasks();
    let log_dir = temp_dir(tag);
    let router = router(&a, &b, &log_dir);
    let server = Server::bind(router.clone(), settings())
        .await
        .expect("bind");
    let url = format!("http://{}/v1/chat/completions", server.local_addr());
    let ports = [a.addr().port(), b.addr().port(), server.local_addr().port()];
    // The three listeners.
    let sockets_before = open_sockets(&ports);
    let handle = server.handle();
    let task = tokio::spawn(server.run());
    Rig {
        a,
        b,
        router,
        log_dir,
        url,
        http: reqwest::Client::new(),
        handle,
        task,
        tasks_before,
        ports,
        sockets_before,
    }
}

impl Rig {
    /// Sockets open now on the rig's ports (listeners, both ends of every
    /// connection).
    fn sockets(&self) -> usize {
        open_sockets(&self.ports)
    }

    /// Graceful shutdown, then nothing may be left: no record unwritten,
    /// no socket, no task. Returns (tasks after, sockets after).
    async fn stop_and_check_leaks(self, n: usize) -> (usize, usize) {
        let Rig {
            a,
            b,
            router,
            log_dir,
            http,
            handle,
            task,
            tasks_before,
            ports,
            sockets_before,
            ..
        } = self;
        drop(http);
        handle.shutdown();
        let report = task.await.expect("server task");
        assert!(report.drained && report.flushed, "{report:?}");
        assert_eq!(report.log_stats.dropped, 0, "{report:?}");
        let ids = jsonl_ids(&log_dir);
        assert_eq!(ids.len(), n, "JSONL records");
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), n);
        let _ = std::fs::remove_dir_all(&log_dir);
        drop(router);
        assert!(
            a.wait_idle(Duration::from_secs(10)).await,
            "sockets open on a: {}",
            a.open_connections()
        );
        assert!(
            b.wait_idle(Duration::from_secs(10)).await,
            "sockets open on b: {}",
            b.open_connections()
        );
        // Only the fault servers' listeners are left.
        let sockets_after = settle(2, || open_sockets(&ports)).await;
        assert!(
            sockets_after <= 2,
            "sockets: {sockets_before} before, {sockets_after} after"
        );
        let tasks_after = settle(tasks_before, alive_tasks).await;
        assert!(
            tasks_after <= tasks_before,
            "tasks: {tasks_before} before, {tasks_after} after"
        );
        (tasks_after, sockets_after)
    }
}

async fn faults_before_content(n: usize) {
    let _one = ONE_AT_A_TIME.lock().await;
    let rig = rig("before", before_content(1), before_content(2)).await;
    let healthy = rig.a.text().to_owned();
    let started = Instant::now();
    let seen = run_all(&rig.http, &rig.url, n, false).await;
    let elapsed = started.elapsed();
    let sockets_in_use = rig.sockets();
    rig.router.flush_logs().await;

    // Every request got a 200 and the whole answer.
    assert_eq!(seen.len(), n);
    let bad: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.status != 200 || !s.complete || s.error.is_some() || s.text != healthy)
        .collect();
    assert!(
        bad.is_empty(),
        "{} of {n} requests failed: {:?}",
        bad.len(),
        &bad[..bad.len().min(5)]
    );
    assert_eq!(seen.iter().filter(|s| s.stream).count(), n / 2);

    // Each is logged exactly once, with all its attempts.
    assert_eq!(rig.router.log_stats().dropped, 0);
    let logs = rig.router.logs();
    let by = records_by_request(&logs, n);
    let mut attempts = 0u64;
    for s in &seen {
        let r = by[&s.i];
        assert_eq!(r.stream, s.stream, "{r:?}");
        assert_eq!(r.outcome, Outcome::Ok, "{r:?}");
        let (last, before) = r.attempts.split_last().expect("no attempt logged");
        assert!(last.error.is_none(), "{r:?}");
        assert!(before.iter().all(|t| t.error.is_some()), "{r:?}");
        attempts += r.attempts.len() as u64;
    }
    let (a, b) = (&rig.a, &rig.b);
    assert_eq!(attempts, a.requests() + b.requests());
    let faults = a.faults() + b.faults();
    let failed_attempts = attempts - n as u64;
    assert!(failed_attempts >= faults, "{failed_attempts} < {faults}");
    let slow = failed_attempts - faults;
    let ratio = faults as f64 / attempts as f64;
    assert!((0.25..0.35).contains(&ratio), "fault ratio {ratio}");
    let max_attempts = logs.iter().map(|r| r.attempts.len()).max().unwrap_or(0);
    let fell_back = logs
        .iter()
        .filter(|r| r.served_by.as_deref() == Some("b/m"))
        .count();
    let connections = (a.connections(), b.connections());
    let (tasks_before, sockets_before) = (rig.tasks_before, rig.sockets_before);
    drop(logs);
    let (tasks_after, sockets_after) = rig.stop_and_check_leaks(n).await;
    println!(
        "server, before-content faults: {n} requests in {elapsed:?} ({:.0}/s); {attempts} \
         attempts, {faults} faults injected ({:.1}%), {fell_back} served by the fallback, at \
         most {max_attempts} attempts for one request, {slow} healthy answers timed out under \
         load; provider connections {} + {}, 0 open after; sockets {sockets_before} before \
         (listeners), {sockets_in_use} after the run (pooled connections), {sockets_after} after \
         shutdown; tasks {tasks_before} before, {tasks_after} after",
        n as f64 / elapsed.as_secs_f64(),
        ratio * 100.0,
        connections.0,
        connections.1,
    );
}

async fn faults_after_content(n: usize) {
    let _one = ONE_AT_A_TIME.lock().await;
    let rig = rig("after", after_content(3), after_content(4)).await;
    let healthy = rig.a.text().to_owned();
    let started = Instant::now();
    let seen = run_all(&rig.http, &rig.url, n, true).await;
    let elapsed = started.elapsed();
    let sockets_in_use = rig.sockets();
    rig.router.flush_logs().await;
    assert_eq!(rig.router.log_stats().dropped, 0);
    let logs = rig.router.logs();
    let by = records_by_request(&logs, n);

    let mut broken = 0;
    for s in &seen {
        assert_eq!(s.status, 200, "{s:?}");
        let r = by[&s.i];
        let id = r.provider_request_id.as_deref().expect("a provider id");
        let server = match r.served_by.as_deref() {
            Some("a/m") => &rig.a,
            Some("b/m") => &rig.b,
            other => panic!("served by {other:?}: {r:?}"),
        };
        let fault = server.fault_of(id).expect("the fault of the answer");
        // The answer that started is the last attempt: no fallback after content.
        let (last, before) = r.attempts.split_last().expect("an attempt");
        assert!(last.error.is_none(), "{r:?}");
        assert!(before.iter().all(|t| t.error.is_some()), "{r:?}");
        if fault.is_healthy() {
            assert!(
                s.complete && s.error.is_none() && s.text == healthy,
                "{s:?}"
            );
            assert_eq!(r.outcome, Outcome::Ok, "{r:?}");
        } else {
            let err = s
                .error
                .as_ref()
                .unwrap_or_else(|| panic!("{fault:?}: {s:?}"));
            assert!(err["error"]["message"].is_string(), "{err}");
            assert!(!s.complete, "{s:?}");
            assert!(s.chunks > 0 && healthy.starts_with(&s.text), "{s:?}");
            assert_eq!(r.outcome, Outcome::Error, "{fault:?}: {r:?}");
            assert!(r.error.is_some(), "{r:?}");
            broken += 1;
        }
    }
    let failed = logs.iter().filter(|r| r.outcome == Outcome::Error).count();
    assert_eq!(failed, broken);
    let ratio = broken as f64 / n as f64;
    assert!((0.2..0.4).contains(&ratio), "{broken} of {n} broken");
    let (tasks_before, sockets_before) = (rig.tasks_before, rig.sockets_before);
    drop(logs);
    let (tasks_after, sockets_after) = rig.stop_and_check_leaks(n).await;
    println!(
        "server, after-content faults: {n} streams in {elapsed:?}; {broken} ended with an \
         in-band error event and are logged as failed; sockets {sockets_before} before \
         (listeners), {sockets_in_use} after the run (pooled connections), {sockets_after} after \
         shutdown; tasks {tasks_before} before, {tasks_after} after"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_load_faults_before_content() {
    faults_before_content(600).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_load_faults_after_content_streams() {
    faults_after_content(300).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "10,000 requests: run with --ignored (see the module docs)"]
async fn server_load_faults_before_content_10k() {
    faults_before_content(10_000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "5,000 streams: run with --ignored (see the module docs)"]
async fn server_load_faults_after_content_5k_streams() {
    faults_after_content(5_000).await;
}
