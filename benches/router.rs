//! The embedded router's in-process dispatch overhead: a request through
//! `Client::local(router)` to the scripted `Mock` provider, with the
//! built-in tagger, the bundled price table and logging to a `MemorySink`
//! on, versus calling the same `Mock` provider directly. The difference is
//! what the router adds (validation, planning, translation, health, pricing,
//! the log record and its hand-off to the logging task).
//!
//! The logging task (tagging, sinks) runs on the same single-threaded
//! runtime, so its cost is inside the measured time, spread over the calls.
//! Criterion reports means; `bench dispatch` in the `bench/` crate reports
//! p50/p99 of the same two paths.
//!
//! Run with `cargo bench --bench router`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use requesty::router::log::MemorySink;
use requesty::router::providers::{Mock, MockReply};
use requesty::router::{Provider, ProviderRequest, Router};
use requesty::{ChatRequest, Client};

const ANSWER: &str = "Paris is the capital of France. It has been the country's \
    capital since the 10th century, with a short interruption during the war.";

fn request() -> ChatRequest {
    ChatRequest::new("mock/mock-1")
        .system("You are a helpful assistant. Answer in one or two sentences.")
        .user("What is the capital of France, and since when has it been the capital?")
        .temperature(0.2)
        .max_tokens(128)
        .tags(["bench"])
        .user_id("u-bench")
}

fn mock() -> Mock {
    Mock::new("mock").reply(MockReply::text(ANSWER).usage(31, 24))
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let req = request();

    let direct = mock();
    let sink = MemorySink::new(1_000);
    let router = Router::builder()
        .provider(mock())
        .builtin_tagger(true)
        .sink(sink.clone())
        .build()
        .unwrap();
    let client = Client::local(router.clone());

    // Sanity: same answer both ways, and the router logs, tags and prices.
    rt.block_on(async {
        let a = direct
            .complete(ProviderRequest::new("mock-1", req.clone()))
            .await
            .unwrap();
        let b = client.chat().create(req.clone()).await.unwrap();
        assert_eq!(a.text(), b.text());
        router.flush_logs().await;
    });
    let logged = sink.records();
    assert_eq!(logged.len(), 1, "one log record per request");
    assert!(
        logged[0].tags.iter().any(|t| t.starts_with("latency:")),
        "{:?}",
        logged[0].tags
    );

    let mut g = c.benchmark_group("router_dispatch");
    g.bench_function("mock_direct", |b| {
        b.iter(|| {
            rt.block_on(async {
                let r = ProviderRequest::new("mock-1", black_box(&req).clone());
                let a = direct.complete(r).await.unwrap();
                tokio::task::yield_now().await;
                black_box(a)
            })
        })
    });
    g.bench_function("router_mock_tagging_pricing_logging", |b| {
        b.iter(|| {
            rt.block_on(async {
                let a = client.chat().create(black_box(&req).clone()).await.unwrap();
                // Lets the logging task (tagging, sinks) run: its cost is measured too.
                tokio::task::yield_now().await;
                black_box(a)
            })
        })
    });
    g.bench_function("router_mock_stream", |b| {
        use futures::StreamExt;
        b.iter(|| {
            rt.block_on(async {
                let mut s = client.chat().stream(black_box(&req).clone()).await.unwrap();
                let mut n = 0;
                while let Some(c) = s.next().await {
                    c.unwrap();
                    n += 1;
                }
                tokio::task::yield_now().await;
                black_box(n)
            })
        })
    });
    g.bench_function("mock_direct_stream", |b| {
        use futures::StreamExt;
        b.iter(|| {
            rt.block_on(async {
                let mut r = ProviderRequest::new("mock-1", black_box(&req).clone());
                r.chat.stream = Some(true);
                let mut s = direct.stream(r).await.unwrap();
                let mut n = 0;
                while let Some(c) = s.next().await {
                    c.unwrap();
                    n += 1;
                }
                tokio::task::yield_now().await;
                black_box(n)
            })
        })
    });
    g.finish();
    rt.block_on(router.shutdown());
    // Every record was tagged and stored: none dropped for a full queue.
    let stats = router.log_stats();
    eprintln!("router log stats: {stats:?}");
    assert_eq!(stats.dropped, 0, "{stats:?}");
}

criterion_group!(benches, bench);
criterion_main!(benches);
