//! The request log: one record per request (successes, failures, streams,
//! fallbacks, dropped streams), sinks that stall or fail never slow a
//! request, nothing lost under load, cost in usage.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::future::BoxFuture;
use requesty::router::log::{
    BodyMode, JsonlSink, LogConfig, LogRecord, MemorySink, Outcome, RequestContext, Sink,
};
use requesty::router::providers::{Mock, MockReply};
use requesty::router::{Policy, Router};
use requesty::{BoxError, ChatRequest, Client};

fn router() -> Router {
    Router::builder()
        .provider(Mock::new("good").text("fine answer").models(["m"]))
        .provider(Mock::new("bad").reply(MockReply::error(503, "down")))
        .policy("fb", Policy::fallback(["bad/x", "good/m"]))
        .build()
        .unwrap()
}

fn hi(model: &str) -> ChatRequest {
    ChatRequest::new(model).user("How do I reverse a Vec in Rust? Please help.")
}

#[tokio::test]
async fn one_record_per_request_with_the_right_fields() {
    let router = router();
    let client = Client::local(router.clone());
    // success
    client
        .chat()
        .create(
            hi("good/m")
                .tags(["caller-tag"])
                .trace_id("tr-1")
                .user_id("u-1")
                .meta("tenant", "acme"),
        )
        .await
        .unwrap();
    // failure (no fallback possible)
    client.chat().create(hi("bad/x")).await.unwrap_err();
    // a validation failure reaching the router (the client's own check stops
    // it before the router in `Client::local`; the server calls the router directly)
    router
        .complete(hi("good/m").temperature(7.0))
        .await
        .unwrap_err();
    // fallback
    client.chat().create(hi("policy/fb")).await.unwrap();
    // stream to the end
    client
        .chat()
        .stream(hi("good/m"))
        .await
        .unwrap()
        .into_completion()
        .await
        .unwrap();
    // stream dropped after one chunk
    let mut s = client.chat().stream(hi("good/m")).await.unwrap();
    s.next().await.unwrap().unwrap();
    drop(s);
    router.flush_logs().await;
    let logs = router.logs();
    assert_eq!(logs.len(), 6, "{logs:#?}");

    let ok = &logs[0];
    assert_eq!(ok.outcome, Outcome::Ok);
    assert_eq!(ok.served_by.as_deref(), Some("good/m"));
    assert_eq!(ok.provider.as_deref(), Some("good"));
    assert_eq!(ok.model_requested.as_deref(), Some("good/m"));
    assert_eq!(ok.trace_id.as_deref(), Some("tr-1"));
    assert_eq!(ok.user_id.as_deref(), Some("u-1"));
    assert_eq!(
        ok.dimensions.get("tenant").map(String::as_str),
        Some("acme")
    );
    assert!(ok.usage.is_some() && ok.latency_ms >= 0.0);
    assert_eq!(ok.tags[0], "caller-tag", "caller tags come first");
    assert!(
        ok.tags.iter().any(|t| t.starts_with("topic:")),
        "{:?}",
        ok.tags
    );
    assert!(ok.tags.contains(&"non_stream".to_string()), "{:?}", ok.tags);
    assert_eq!(ok.attempts.len(), 1);
    assert!(
        ok.request.is_none() && ok.response.is_none(),
        "metadata only by default"
    );

    let failed = &logs[1];
    assert_eq!(failed.outcome, Outcome::Error);
    assert_eq!(failed.error.as_ref().unwrap().status, Some(503));
    assert_eq!(failed.attempts[0].status, Some(503));

    let invalid = &logs[2];
    assert_eq!(invalid.error.as_ref().unwrap().class, "invalid_request");
    assert!(invalid.attempts.is_empty());

    let fallback = &logs[3];
    assert_eq!(fallback.attempts.len(), 2);
    assert_eq!(fallback.served_by.as_deref(), Some("good/m"));
    assert_eq!(fallback.model_requested.as_deref(), Some("policy/fb"));

    let streamed = &logs[4];
    assert!(streamed.stream && streamed.ttft_ms.is_some());
    assert_eq!(streamed.outcome, Outcome::Ok);
    assert_eq!(streamed.finish_reason.as_deref(), Some("stop"));

    let dropped = &logs[5];
    assert_eq!(dropped.outcome, Outcome::Dropped);

    let ids: std::collections::HashSet<_> = logs.iter().map(|r| r.request_id.clone()).collect();
    assert_eq!(ids.len(), 6, "request ids are unique");
    assert_eq!(router.log_stats().dropped, 0);
}

#[tokio::test]
async fn bodies_follow_the_setting() {
    for (mode, expect) in [
        (BodyMode::Full, "How do I reverse"),
        (BodyMode::Redacted, "[REDACTED"),
    ] {
        let router = Router::builder()
            .provider(Mock::new("good").text("fine answer"))
            .log_config(LogConfig {
                bodies: mode,
                ..LogConfig::default()
            })
            .build()
            .unwrap();
        router.complete(hi("good/m")).await.unwrap();
        router.flush_logs().await;
        let r = &router.logs()[0];
        let req = r.request.as_ref().unwrap().to_string();
        assert!(req.contains(expect), "{mode:?}: {req}");
        let resp = r.response.as_ref().unwrap().to_string();
        if mode == BodyMode::Redacted {
            assert!(
                !resp.contains("fine answer") && !req.contains("reverse"),
                "{resp}"
            );
        } else {
            assert!(resp.contains("fine answer"));
        }
    }
}

/// A sink that sleeps for a long time on every write.
struct Stalling(Duration, Arc<AtomicUsize>);
impl Sink for Stalling {
    fn name(&self) -> &str {
        "stalling"
    }
    fn write<'a>(&'a self, batch: &'a [Arc<LogRecord>]) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(async move {
            tokio::time::sleep(self.0).await;
            self.1.fetch_add(batch.len(), Ordering::SeqCst);
            Ok(())
        })
    }
}

/// A sink that always fails.
struct Failing;
impl Sink for Failing {
    fn name(&self) -> &str {
        "failing"
    }
    fn write<'a>(&'a self, _: &'a [Arc<LogRecord>]) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(async { Err("disk full".into()) })
    }
}

#[tokio::test]
async fn a_stalling_or_failing_sink_does_not_delay_requests() {
    let seen = Arc::new(AtomicUsize::new(0));
    let fast = Router::builder()
        .provider(Mock::new("good").text("x"))
        .build()
        .unwrap();
    let slow = Router::builder()
        .provider(Mock::new("good").text("x"))
        .sink(Stalling(Duration::from_secs(3), seen.clone()))
        .sink(Failing)
        .build()
        .unwrap();
    let time = |router: Router| async move {
        let t = Instant::now();
        for _ in 0..200 {
            router.complete(hi("good/m")).await.unwrap();
        }
        t.elapsed()
    };
    let base = time(fast).await;
    let with_bad_sinks = time(slow.clone()).await;
    println!(
        "200 requests: {base:?} without sinks, {with_bad_sinks:?} with a stalling and a failing sink"
    );
    assert!(
        with_bad_sinks < base * 3 + Duration::from_millis(50),
        "{with_bad_sinks:?} vs {base:?}"
    );
    // The in-memory log is complete; the failing sink's errors are counted.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(slow.logs().len(), 200);
    assert!(slow.log_stats().sink_errors > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_requests_lose_no_record() {
    let memory = MemorySink::new(20_000);
    let router = Router::builder()
        .provider(Mock::new("good").text("x"))
        .sink(memory.clone())
        .build()
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..10_000 {
        let r = router.clone();
        tasks.push(tokio::spawn(async move {
            if i % 2 == 0 {
                r.complete(hi("good/m")).await.map(|_| ())
            } else {
                r.stream(hi("good/m"))
                    .await?
                    .into_completion()
                    .await
                    .map(|_| ())
            }
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    router.shutdown().await;
    let stats = router.log_stats();
    assert_eq!(stats.submitted, 10_000);
    assert_eq!(stats.dropped, 0);
    assert_eq!(memory.len(), 10_000);
    assert_eq!(router.logs().len(), 10_000);
}

#[tokio::test]
async fn a_full_queue_drops_and_counts() {
    let router = Router::builder()
        .provider(Mock::new("good").text("x"))
        .log_config(LogConfig {
            queue: 1,
            ..LogConfig::default()
        })
        .build()
        .unwrap();
    // Submit faster than the background task can run (it needs this task to yield).
    for _ in 0..50 {
        router.complete(hi("good/m")).await.unwrap();
    }
    router.flush_logs().await;
    let s = router.log_stats();
    assert_eq!(s.submitted, 50);
    assert_eq!(s.processed + s.dropped, 50);
    assert_eq!(router.logs().len() as u64, s.processed);
}

#[tokio::test]
async fn jsonl_files_rotate_and_parse_back() {
    let dir = std::env::temp_dir().join(format!("requesty-log-test-{}", fastrand::u64(..)));
    let router = Router::builder()
        .provider(Mock::new("good").text("x"))
        .sink(JsonlSink::new(&dir).max_bytes(2_000))
        .build()
        .unwrap();
    for _ in 0..20 {
        router.complete(hi("good/m")).await.unwrap();
    }
    router.shutdown().await;
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() > 1, "rotated by size: {files:?}");
    let mut n = 0;
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        assert!(
            name.starts_with("requesty-") && name.ends_with(".jsonl"),
            "{name}"
        );
        for line in std::fs::read_to_string(f).unwrap().lines() {
            let r: LogRecord = serde_json::from_str(line).unwrap();
            assert_eq!(r.schema_version, 1);
            n += 1;
        }
    }
    assert_eq!(n, 20);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn local_answers_are_priced_and_unknown_models_are_not() {
    let router = Router::builder()
        .provider(Mock::new("openai").reply(MockReply::text("hi").usage(1_000_000, 1_000_000)))
        .build()
        .unwrap();
    let known = router.complete(hi("openai/gpt-4o-mini")).await.unwrap();
    let cost = known.usage.as_ref().unwrap().cost.unwrap();
    // gpt-4o-mini: $0.15 / M input, $0.60 / M output.
    assert!((cost - 0.75).abs() < 1e-9, "{cost}");
    let unknown = router
        .complete(hi("openai/some-future-model"))
        .await
        .unwrap();
    assert_eq!(unknown.usage.as_ref().unwrap().cost, None);
    // Streams carry the cost on their usage chunk too.
    let done = router
        .stream(hi("openai/gpt-4o-mini"))
        .await
        .unwrap()
        .into_completion()
        .await
        .unwrap();
    assert!(done.usage.as_ref().unwrap().cost.is_some());
    router.flush_logs().await;
    let logs = router.logs();
    assert!((logs[0].cost_usd.unwrap() - 0.75).abs() < 1e-9);
    assert_eq!(logs[1].cost_usd, None);
}

#[tokio::test]
async fn context_dimensions_and_origin_are_recorded() {
    let router = Router::builder()
        .provider(Mock::new("good").text("x"))
        .build()
        .unwrap();
    let mut ctx = RequestContext::default();
    ctx.dimensions.insert("team".into(), "search".into());
    ctx.origin = Some(requesty::router::log::LogOrigin {
        referer: Some("https://app.example".into()),
        title: Some("App".into()),
    });
    router.complete_with(hi("good/m"), ctx).await.unwrap();
    router.flush_logs().await;
    let r = &router.logs()[0];
    assert_eq!(r.dimensions["team"], "search");
    assert_eq!(r.origin.as_ref().unwrap().title.as_deref(), Some("App"));
}

#[tokio::test]
async fn router_analytics_reads_the_in_memory_log() {
    let router = router();
    for _ in 0..3 {
        router.complete(hi("good/m")).await.unwrap();
    }
    router.complete(hi("bad/x")).await.unwrap_err();
    router.flush_logs().await;
    let report = router.analytics();
    assert_eq!(report.overall.requests, 4);
    assert_eq!(report.overall.errors, 1);
    assert_eq!(report.by_model["good/m"].requests, 3);
}

#[tokio::test]
async fn a_non_streamed_request_dropped_by_its_caller_is_logged_as_dropped() {
    let router = Router::builder()
        .provider(Mock::new("slow").reply(MockReply::text("late").latency(Duration::from_secs(30))))
        .build()
        .unwrap();
    let client = Client::local(router.clone());
    let call = tokio::spawn(async move { client.chat().create(hi("slow/m")).await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    call.abort();
    let _ = call.await;
    router.flush_logs().await;
    let logs = router.logs();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].outcome, Outcome::Dropped);
    assert!(logs[0].latency_ms >= 40.0, "{}", logs[0].latency_ms);
}
