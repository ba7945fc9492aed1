//! Load without loss: requests through the local router (half streamed,
//! concurrency 200) against two fault servers injecting 30% faults, with a
//! fallback policy.
//!
//! - Faults before content (429, 5xx, resets before the headers, stalls
//!   before the first byte): every request succeeds, each is logged exactly
//!   once with all its attempts, and no task or socket leaks.
//! - Faults after content: each such stream ends with an error item and is
//!   logged as failed; the others succeed.
//!
//! CI runs 2,000 requests; the full 10,000 are `#[ignore]`d:
//!
//! ```sh
//! cargo test --release --features testing --test reliability_load -- --ignored --nocapture
//! ```
#![cfg(feature = "testing")]

use std::collections::HashSet;
use std::time::{Duration, Instant};

use futures::StreamExt;
use requesty::router::Router;
use requesty::router::log::Outcome;
use requesty::testing::FaultServer;
use requesty::{ChatRequest, Client};

mod load_rig;

use load_rig::{CONCURRENCY, after_content, before_content, router_builder};

fn router(a: &FaultServer, b: &FaultServer) -> Router {
    router_builder(a, b).build().expect("router")
}

/// How one request ended, seen by the caller.
#[derive(Debug)]
struct Seen {
    stream: bool,
    ok: bool,
    text: String,
    /// The provider request id of the answer (`fault-<n>`) and who served it.
    served: Option<(String, String)>,
    /// The error, if the request failed.
    error: Option<String>,
}

async fn one(client: Client, i: usize) -> Seen {
    let stream = i % 2 == 1;
    let req = ChatRequest::default().user(format!("request {i}"));
    let call = async {
        if !stream {
            return match client.chat().create(req).await {
                Ok(c) => Seen {
                    stream,
                    ok: true,
                    text: c.text().unwrap_or_default(),
                    served: Some((
                        c.meta.request_id().unwrap_or_default().to_owned(),
                        c.meta.served_by().unwrap_or_default().to_owned(),
                    )),
                    error: None,
                },
                Err(e) => Seen {
                    stream,
                    ok: false,
                    text: String::new(),
                    served: None,
                    error: Some(e.to_string()),
                },
            };
        }
        let mut s = match client.chat().stream(req).await {
            Ok(s) => s,
            Err(e) => {
                return Seen {
                    stream,
                    ok: false,
                    text: String::new(),
                    served: None,
                    error: Some(e.to_string()),
                };
            }
        };
        let served = Some((
            s.request_id().unwrap_or_default().to_owned(),
            s.meta().served_by().unwrap_or_default().to_owned(),
        ));
        let mut text = String::new();
        let mut ok = true;
        let mut error = None;
        while let Some(item) = s.next().await {
            match item {
                Ok(c) => text.push_str(c.delta_text().unwrap_or_default()),
                Err(e) => {
                    ok = false;
                    error = Some(e.to_string());
                    assert!(s.next().await.is_none(), "items after an error");
                    break;
                }
            }
        }
        Seen {
            stream,
            ok,
            text,
            served,
            error,
        }
    };
    tokio::time::timeout(Duration::from_secs(30), call)
        .await
        .unwrap_or_else(|_| panic!("request {i} hung"))
}

async fn run_all(client: &Client, n: usize) -> Vec<Seen> {
    futures::stream::iter(0..n)
        .map(|i| tokio::spawn(one(client.clone(), i)))
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

/// Waits until the runtime has at most `n` tasks alive.
async fn tasks_settle(n: usize) -> usize {
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        let alive = alive_tasks();
        if alive <= n || Instant::now() > end {
            return alive;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn faults_before_content(n: usize) {
    let a = FaultServer::start(before_content(1)).await.unwrap();
    let b = FaultServer::start(before_content(2)).await.unwrap();
    let healthy = a.text().to_owned();
    let tasks_before = alive_tasks();
    let started = Instant::now();

    let router = router(&a, &b);
    let client = Client::local(router.clone());
    let seen = run_all(&client, n).await;
    let elapsed = started.elapsed();
    router.flush_logs().await;

    // Every request succeeded, with the whole answer.
    assert_eq!(seen.len(), n);
    let failed: Vec<&Seen> = seen.iter().filter(|s| !s.ok).collect();
    assert!(
        failed.is_empty(),
        "{} of {n} requests failed: {:?}",
        failed.len(),
        &failed[..failed.len().min(5)]
    );
    assert!(seen.iter().all(|s| s.text == healthy), "an answer was cut");
    assert_eq!(seen.iter().filter(|s| s.stream).count(), n / 2);

    // Each is logged exactly once, with all its attempts.
    let stats = router.log_stats();
    assert_eq!(stats.dropped, 0, "{stats:?}");
    let logs = router.logs();
    assert_eq!(logs.len(), n);
    let ids: HashSet<&str> = logs.iter().map(|r| r.request_id.as_str()).collect();
    assert_eq!(ids.len(), n, "a request was logged twice");
    let served: HashSet<&str> = logs
        .iter()
        .filter_map(|r| r.provider_request_id.as_deref())
        .map(|id| id.strip_prefix("fault-").unwrap_or(id))
        .collect();
    let mut attempts = 0u64;
    for r in &logs {
        assert_eq!(r.outcome, Outcome::Ok, "{r:?}");
        let (last, before) = r.attempts.split_last().expect("no attempt logged");
        assert!(last.error.is_none(), "{r:?}");
        assert!(before.iter().all(|t| t.error.is_some()), "{r:?}");
        attempts += r.attempts.len() as u64;
    }
    // Every request a server received is an attempt of exactly one record;
    // every injected fault is a failed attempt (a healthy answer slowed past
    // the timeout by the load is one too: counted below).
    assert_eq!(attempts, a.requests() + b.requests());
    let faults = a.faults() + b.faults();
    let failed_attempts = attempts - n as u64;
    assert!(
        failed_attempts >= faults,
        "{failed_attempts} failed attempts, {faults} faults"
    );
    let slow = failed_attempts - faults;
    assert!(served.len() <= n);
    let ratio = faults as f64 / attempts as f64;
    assert!((0.25..0.35).contains(&ratio), "fault ratio {ratio}");
    let max_attempts = logs.iter().map(|r| r.attempts.len()).max().unwrap_or(0);
    let fell_back = logs
        .iter()
        .filter(|r| r.served_by.as_deref() == Some("b/m"))
        .count();

    // Nothing leaks once the clients are gone.
    drop(client);
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
    let tasks_after = tasks_settle(tasks_before).await;
    assert!(
        tasks_after <= tasks_before,
        "tasks: {tasks_before} before, {tasks_after} after"
    );
    println!(
        "before-content faults: {n} requests in {elapsed:?} ({:.0}/s); {attempts} attempts, \
         {faults} faults injected ({:.1}%), {fell_back} served by the fallback, at most \
         {max_attempts} attempts for one request, {slow} healthy answers timed out under load; connections accepted {} + {}, open after 0 + 0; \
         tasks {tasks_before} before, {tasks_after} after",
        n as f64 / elapsed.as_secs_f64(),
        ratio * 100.0,
        a.connections(),
        b.connections(),
    );
}

async fn faults_after_content(n: usize) {
    let a = FaultServer::start(after_content(3)).await.unwrap();
    let b = FaultServer::start(after_content(4)).await.unwrap();
    let healthy = a.text().to_owned();
    let tasks_before = alive_tasks();
    let started = Instant::now();
    let router = router(&a, &b);
    let client = Client::local(router.clone());
    // Streams only: the odd-numbered requests.
    let seen: Vec<Seen> = run_all(&client, 2 * n)
        .await
        .into_iter()
        .filter(|s| s.stream)
        .collect();
    let elapsed = started.elapsed();
    router.flush_logs().await;

    let mut broken = 0;
    for s in &seen {
        let (id, by) = s.served.as_ref().expect("every stream opened");
        let server = if by == "a/m" { &a } else { &b };
        let fault = server.fault_of(id).expect("the fault of the answer");
        if fault.is_healthy() {
            assert!(s.ok && s.text == healthy, "{s:?}");
        } else {
            assert!(!s.ok && s.error.is_some(), "{fault:?} ended cleanly: {s:?}");
            assert!(!s.text.is_empty() && healthy.starts_with(&s.text), "{s:?}");
            broken += 1;
        }
    }
    let logs = router.logs();
    assert_eq!(router.log_stats().dropped, 0);
    let streamed: Vec<_> = logs.iter().filter(|r| r.stream).collect();
    assert_eq!(streamed.len(), n);
    let failed = streamed
        .iter()
        .filter(|r| r.outcome == Outcome::Error)
        .count();
    assert_eq!(failed, broken, "each broken stream is logged as failed");
    for r in &streamed {
        // The answer that started is the last attempt: no fallback after content.
        let (last, before) = r.attempts.split_last().expect("an attempt");
        assert!(last.error.is_none(), "{r:?}");
        assert!(before.iter().all(|t| t.error.is_some()), "{r:?}");
        assert_eq!(r.outcome == Outcome::Error, r.error.is_some(), "{r:?}");
    }
    let ratio = broken as f64 / n as f64;
    assert!((0.2..0.4).contains(&ratio), "{broken} of {n} broken");

    drop(client);
    drop(router);
    assert!(a.wait_idle(Duration::from_secs(10)).await);
    assert!(b.wait_idle(Duration::from_secs(10)).await);
    let tasks_after = tasks_settle(tasks_before).await;
    assert!(
        tasks_after <= tasks_before,
        "tasks: {tasks_before} before, {tasks_after} after"
    );
    println!(
        "after-content faults: {n} streams in {elapsed:?}; {broken} ended with an error item \
         and are logged as failed; tasks {tasks_before} before, {tasks_after} after"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_faults_before_content_2k() {
    faults_before_content(2_000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_faults_after_content_1k_streams() {
    faults_after_content(1_000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "10,000 requests: run with --ignored (see the module docs)"]
async fn load_faults_before_content_10k() {
    faults_before_content(10_000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "5,000 streams: run with --ignored (see the module docs)"]
async fn load_faults_after_content_5k_streams() {
    faults_after_content(5_000).await;
}
