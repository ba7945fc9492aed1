//! The router's in-process dispatch overhead, as percentiles: a request
//! through `Client::local(router)` to the `Mock` provider (built-in tagger,
//! bundled prices, a `MemorySink`: logging on) versus the same `Mock`
//! provider called directly. `benches/router.rs` gives criterion means of
//! the same two paths.

use std::time::{Duration, Instant};

use requesty::router::log::MemorySink;
use requesty::router::providers::{Mock, MockReply};
use requesty::router::{Provider, ProviderRequest, Router};

use crate::bodies::ANSWER;
use crate::sys::{pct, process_cpu};

pub struct Dispatch {
    pub n: usize,
    pub direct: [f64; 2],
    pub routed: [f64; 2],
    /// Process CPU per request (µs), logging task included.
    pub direct_cpu_us: f64,
    pub routed_cpu_us: f64,
    pub log: String,
}

fn runtime(workers: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("runtime")
}

/// The request of both measurements (the same as part 1's, with tags and a user).
fn request() -> requesty::ChatRequest {
    requesty::ChatRequest::new("mock/mock-1")
        .system(crate::client::SYSTEM)
        .user(crate::client::USER)
        .temperature(0.2)
        .max_tokens(128)
        .tags(["bench"])
        .user_id("u-bench")
}

fn mock() -> Mock {
    Mock::new("mock").reply(MockReply::text(ANSWER).usage(31, 24))
}

/// `n` requests each way, alternating in blocks of 500, on a 2-worker
/// runtime (the logging task runs off the request path, as in production).
pub fn run(n: usize) -> Dispatch {
    let rt = runtime(2);
    let req = request();
    let direct = mock();
    let sink = MemorySink::new(1_000);
    let router = Router::builder()
        .provider(mock())
        .builtin_tagger(true)
        .sink(sink.clone())
        .build()
        .expect("router");
    let client = requesty::Client::local(router.clone());

    let r = rt
        .block_on(rt.spawn(async move {
            let (mut d, mut r) = (Vec::with_capacity(n), Vec::with_capacity(n));
            let (mut dcpu, mut rcpu) = (Duration::ZERO, Duration::ZERO);
            // Warm-up.
            for _ in 0..500 {
                direct
                    .complete(ProviderRequest::new("mock-1", req.clone()))
                    .await
                    .unwrap();
                client.chat().create(req.clone()).await.unwrap();
            }
            router.flush_logs().await;
            const BLOCK: usize = 500;
            while d.len() < n {
                let c0 = process_cpu();
                for _ in 0..BLOCK {
                    let t = Instant::now();
                    let a = direct
                        .complete(ProviderRequest::new("mock-1", req.clone()))
                        .await
                        .unwrap();
                    d.push(t.elapsed().as_secs_f64() * 1e6);
                    std::hint::black_box(a);
                }
                let c1 = process_cpu();
                for _ in 0..BLOCK {
                    let t = Instant::now();
                    let a = client.chat().create(req.clone()).await.unwrap();
                    r.push(t.elapsed().as_secs_f64() * 1e6);
                    std::hint::black_box(a);
                }
                // Logging is part of the routed cost.
                router.flush_logs().await;
                let c2 = process_cpu();
                dcpu += c1 - c0;
                rcpu += c2 - c1;
            }
            router.flush_logs().await;
            (d, r, dcpu, rcpu, router.log_stats(), sink.len())
        }))
        .expect("task");
    let (mut d, mut rt_, dcpu, rcpu, stats, sunk) = r;
    d.sort_by(f64::total_cmp);
    rt_.sort_by(f64::total_cmp);
    let n = d.len();
    Dispatch {
        n,
        direct: [pct(&d, 50.0), pct(&d, 99.0)],
        routed: [pct(&rt_, 50.0), pct(&rt_, 99.0)],
        direct_cpu_us: dcpu.as_secs_f64() * 1e6 / n as f64,
        routed_cpu_us: rcpu.as_secs_f64() * 1e6 / n as f64,
        log: format!(
            "log: submitted {}, processed {}, dropped {}, sink_dropped {}; MemorySink holds {sunk}",
            stats.submitted, stats.processed, stats.dropped, stats.sink_dropped
        ),
    }
}

/// The same for streams: (direct first chunk p50, routed first chunk p50,
/// direct whole stream p50, routed whole stream p50), µs, on one worker.
pub fn run_stream(n: usize) -> [f64; 4] {
    use futures::StreamExt;
    let rt = runtime(1);
    let req = request();
    let direct = mock();
    let router = Router::builder()
        .provider(mock())
        .builtin_tagger(true)
        .build()
        .expect("router");
    let client = requesty::Client::local(router.clone());
    rt.block_on(async move {
        let (mut df, mut rf, mut dw, mut rw) = (vec![], vec![], vec![], vec![]);
        for i in 0..n + 200 {
            let t = Instant::now();
            let mut s = direct
                .stream(ProviderRequest::new("mock-1", req.clone()))
                .await
                .unwrap();
            let _ = s.next().await;
            let first = t.elapsed().as_secs_f64() * 1e6;
            while s.next().await.is_some() {}
            let whole = t.elapsed().as_secs_f64() * 1e6;
            if i >= 200 {
                df.push(first);
                dw.push(whole);
            }
            let t = Instant::now();
            let mut s = client.chat().stream(req.clone()).await.unwrap();
            let _ = s.next().await;
            let first = t.elapsed().as_secs_f64() * 1e6;
            while s.next().await.is_some() {}
            let whole = t.elapsed().as_secs_f64() * 1e6;
            if i >= 200 {
                rf.push(first);
                rw.push(whole);
            }
        }
        for v in [&mut df, &mut rf, &mut dw, &mut rw] {
            v.sort_by(f64::total_cmp);
        }
        [
            pct(&df, 50.0),
            pct(&rf, 50.0),
            pct(&dw, 50.0),
            pct(&rw, 50.0),
        ]
    })
}
