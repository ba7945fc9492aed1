//! Part 2: what `requesty-router serve` adds over calling the mock
//! directly. The driver uses the bare-reqwest client for both paths, so the
//! difference is the router's: added latency p50/p99 one request at a time,
//! the throughput frontier (the highest open-loop request rate at which the
//! added p99 stays under 1 ms and under 5 ms), added time to first token and
//! added gap between chunks, and the router process's RSS at idle and with
//! 1,000 open streams.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde::de::IgnoredAny;
use tokio::sync::{Barrier, Notify};

use crate::client::requesty_request;
use crate::sys::{pct, rss_kib};

/// The provider id the router config gives the mock.
pub const PROVIDER: &str = "bench";

/// The running router, killed on drop.
pub struct RouterProc {
    child: Child,
    pub addr: String,
    _dir: PathBuf,
}

impl RouterProc {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for RouterProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The router's config (format: docs/server.md): one OpenAI-compatible
/// provider (the mock), no providers from the environment, JSONL logging
/// on; the built-in tagger is on by default.
pub fn config_toml(mock_addr: &str, log_dir: &Path) -> String {
    format!(
        r#"# Written by the bench crate (bench/src/server.rs).
[router]
env_providers = false

[providers.{PROVIDER}]
type = "openai_compatible"
base_url = "http://{mock_addr}/v1"

[logging]
jsonl = {}
dir = "{}"
"#,
        // REQUESTY_BENCH_JSONL=0: the same without the JSONL files (to see what they cost).
        std::env::var("REQUESTY_BENCH_JSONL").map_or(true, |v| v != "0"),
        log_dir.display()
    )
}

/// Starts `requesty-router serve --config FILE --listen 127.0.0.1:PORT` and
/// waits until it accepts connections.
pub fn spawn_router(bin: &Path, mock_addr: &str) -> std::io::Result<RouterProc> {
    let dir = std::env::temp_dir().join(format!("requesty-bench-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("logs"))?;
    let config = dir.join("router.toml");
    std::fs::write(&config, config_toml(mock_addr, &dir.join("logs")))?;
    // A free port: bind, read, release.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let addr = format!("127.0.0.1:{port}");
    let child = Command::new(bin)
        .arg("serve")
        .arg("--config")
        .arg(&config)
        .arg("--listen")
        .arg(&addr)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()?;
    let proc_ = RouterProc {
        child,
        addr: addr.clone(),
        _dir: dir,
    };
    let t0 = Instant::now();
    while std::net::TcpStream::connect(&addr).is_err() {
        if t0.elapsed() > Duration::from_secs(20) {
            return Err(std::io::Error::other(
                "requesty-router did not start listening in 20 s",
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(proc_)
}

/// One endpoint: base URL and model name (direct: the mock's; routed:
/// `bench/…`).
#[derive(Clone)]
pub struct Endpoint {
    url: String,
    pub prefix: String,
    create: Bytes,
    http: reqwest::Client,
}

impl Endpoint {
    pub fn new(addr: &str, model_prefix: &str) -> Endpoint {
        let req = requesty_request(&format!("{model_prefix}gpt-4o-mini"));
        Endpoint {
            url: format!("http://{addr}/v1/chat/completions"),
            prefix: model_prefix.to_owned(),
            create: Bytes::from(serde_json::to_vec(&req).unwrap()),
            http: reqwest::Client::builder()
                .tcp_nodelay(true)
                .pool_max_idle_per_host(2_000)
                .build()
                .unwrap(),
        }
    }

    fn stream_body(&self, model: &str) -> Bytes {
        let mut req = requesty_request(model);
        req.stream = Some(true);
        Bytes::from(serde_json::to_vec(&req).unwrap())
    }

    /// One create; its latency in µs (None on failure).
    pub async fn create(&self) -> Option<f64> {
        let t = Instant::now();
        let r = self
            .http
            .post(&self.url)
            .bearer_auth("sk-bench")
            .header("content-type", "application/json")
            .body(self.create.clone())
            .send()
            .await
            .ok()?;
        if !r.status().is_success() {
            return None;
        }
        let b = r.bytes().await.ok()?;
        serde_json::from_slice::<IgnoredAny>(&b).ok()?;
        Some(t.elapsed().as_secs_f64() * 1e6)
    }

    /// One streamed answer: (time to first content chunk, gaps between
    /// content chunks), µs.
    pub async fn stream_timed(&self, model: &str) -> Option<(f64, Vec<f64>)> {
        let t = Instant::now();
        let mut r = self
            .http
            .post(&self.url)
            .bearer_auth("sk-bench")
            .header("content-type", "application/json")
            .body(self.stream_body(model))
            .send()
            .await
            .ok()?;
        if !r.status().is_success() {
            return None;
        }
        let mut buf = Vec::new();
        let mut stamps = Vec::new();
        while let Some(piece) = r.chunk().await.ok()? {
            let now = t.elapsed().as_secs_f64() * 1e6;
            buf.extend_from_slice(&piece);
            let mut start = 0;
            while let Some(end) = buf[start..].iter().position(|&b| b == b'\n') {
                let line = &buf[start..start + end];
                start += end + 1;
                if line.starts_with(b"data: {")
                    && line.windows(11).any(|w| w == b"\"content\":\"")
                    && !line.windows(13).any(|w| w == b"\"content\":\"\"")
                {
                    stamps.push(now);
                }
            }
            buf.drain(..start);
        }
        let ttft = *stamps.first()?;
        let gaps = stamps.windows(2).map(|w| w[1] - w[0]).collect();
        Some((ttft, gaps))
    }
}

/// Added latency one request at a time: (direct p50, p99, routed p50, p99) µs.
pub async fn sequential(direct: &Endpoint, routed: &Endpoint, n: usize) -> [f64; 4] {
    for _ in 0..200 {
        direct.create().await;
        routed.create().await;
    }
    let (mut d, mut r) = (Vec::new(), Vec::new());
    while d.len() < n {
        for _ in 0..250 {
            d.push(direct.create().await.expect("direct create"));
        }
        for _ in 0..250 {
            r.push(routed.create().await.expect("routed create"));
        }
    }
    d.sort_by(f64::total_cmp);
    r.sort_by(f64::total_cmp);
    [pct(&d, 50.0), pct(&d, 99.0), pct(&r, 50.0), pct(&r, 99.0)]
}

/// Open-loop load at `rate` req/s for `secs` (requests start on schedule
/// whatever the answers do, so a slow server cannot slow the load down).
/// The timer wakes once per millisecond, so requests due within a
/// millisecond start together; latency is measured from each request's own
/// start, so that this driver artefact is not counted (the same for both
/// paths). Returns (p50, p99 µs, achieved completions per second, failures).
pub async fn open_loop(ep: &Endpoint, rate: f64, secs: f64) -> (f64, f64, f64, usize) {
    let total = (rate * secs) as usize;
    let period = Duration::from_secs_f64(1.0 / rate);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let t0 = tokio::time::Instant::now() + Duration::from_millis(5);
    let mut i = 0;
    while i < total {
        let due = t0 + period * i as u32;
        tokio::time::sleep_until(due).await;
        let now = tokio::time::Instant::now();
        // Start every request that is due (the timer wakes once per ms).
        while i < total && t0 + period * i as u32 <= now {
            let (ep, tx) = (ep.clone(), tx.clone());
            tokio::spawn(async move {
                let r = ep.create().await;
                let _ = tx.send((r.is_some(), r.unwrap_or(f64::NAN)));
            });
            i += 1;
        }
    }
    drop(tx);
    let mut lat = Vec::with_capacity(total);
    let mut failed = 0;
    while let Some((ok, l)) = rx.recv().await {
        if ok {
            lat.push(l);
        } else {
            failed += 1;
        }
    }
    let wall = t0.elapsed().as_secs_f64();
    lat.sort_by(f64::total_cmp);
    (
        pct(&lat, 50.0),
        pct(&lat, 99.0),
        lat.len() as f64 / wall,
        failed,
    )
}

pub struct FrontierPoint {
    pub rate: f64,
    pub direct_p99: f64,
    pub routed_p99: f64,
    pub routed_achieved: f64,
    pub failed: usize,
}

/// Steps the rate up until the added p99 passes 5 ms or the router cannot
/// keep up; returns every step.
pub async fn frontier(direct: &Endpoint, routed: &Endpoint, secs: f64) -> Vec<FrontierPoint> {
    let mut out = Vec::new();
    for rate in [
        250.0, 500.0, 1_000.0, 2_000.0, 3_000.0, 4_000.0, 5_000.0, 6_000.0, 8_000.0, 10_000.0,
        12_500.0, 15_000.0,
    ] {
        // A short warm-up at the rate grows the connection pools.
        open_loop(direct, rate, 0.2).await;
        open_loop(routed, rate, 0.2).await;
        let d = open_loop(direct, rate, secs).await;
        let r = open_loop(routed, rate, secs).await;
        eprintln!(
            "    {rate:>6} req/s: direct p99 {:>8.0} µs, routed p99 {:>8.0} µs (achieved {:.0}/s, {} failed)",
            d.1, r.1, r.2, r.3
        );
        let p = FrontierPoint {
            rate,
            direct_p99: d.1,
            routed_p99: r.1,
            routed_achieved: r.2,
            failed: r.3,
        };
        let stop =
            p.routed_p99 - p.direct_p99 > 5_000.0 || p.routed_achieved < 0.9 * rate || p.failed > 0;
        out.push(p);
        if stop {
            break;
        }
    }
    out
}

/// The highest rate whose added p99 is under `limit_us` (with every lower
/// step under it too, and the rate achieved).
pub fn frontier_at(points: &[FrontierPoint], limit_us: f64) -> Option<f64> {
    let mut best = None;
    for p in points {
        if p.routed_p99 - p.direct_p99 < limit_us
            && p.routed_achieved >= 0.95 * p.rate
            && p.failed == 0
        {
            best = Some(p.rate);
        } else {
            break;
        }
    }
    best
}

/// Added time to first token and added gap between chunks on a paced
/// stream (100 chunks, 1 ms apart): (TTFT p50 direct, routed; gap p50
/// direct, routed; gap p99 direct, routed) µs.
pub async fn streamed(direct: &Endpoint, routed: &Endpoint, n: usize) -> [f64; 6] {
    streamed_with(direct, routed, n, "paced-100-1000").await
}

/// [`streamed`] with another script (`paced-<chunks>-<gap µs>`).
pub async fn streamed_with(
    direct: &Endpoint,
    routed: &Endpoint,
    n: usize,
    model: &str,
) -> [f64; 6] {
    let (mut dt, mut rt, mut dg, mut rg) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..n + 2 {
        let d = direct.stream_timed(model).await.expect("direct stream");
        let r = routed
            .stream_timed(&format!("{}{model}", routed.prefix))
            .await
            .expect("routed stream");
        if i < 2 {
            continue; // warm-up
        }
        dt.push(d.0);
        rt.push(r.0);
        dg.extend(d.1);
        rg.extend(r.1);
    }
    for v in [&mut dt, &mut rt, &mut dg, &mut rg] {
        v.sort_by(f64::total_cmp);
    }
    [
        pct(&dt, 50.0),
        pct(&rt, 50.0),
        pct(&dg, 50.0),
        pct(&rg, 50.0),
        pct(&dg, 99.0),
        pct(&rg, 99.0),
    ]
}

/// [`sequential`], and the CPU the process `pid` (the one in the middle)
/// spent meanwhile.
pub async fn sequential_cpu(
    direct: &Endpoint,
    ep: &Endpoint,
    pid: u32,
    n: usize,
) -> ([f64; 4], Duration) {
    let cpu0 = crate::sys::cpu_of(pid);
    let seq = sequential(direct, ep, n).await;
    (seq, crate::sys::cpu_of(pid) - cpu0)
}

/// [`router_memory`] after one warm-up request and a short pause (so the
/// idle figure includes what the first request allocates for good).
pub async fn memory_after_warmup(ep: &Endpoint, pid: u32, n: usize) -> (u64, u64) {
    ep.create().await.expect("warm request");
    tokio::time::sleep(Duration::from_millis(200)).await;
    router_memory(ep, pid, n).await
}

/// KiB per open stream from RSS idle and with `n` open streams (KiB).
pub fn kib_per_stream(idle: u64, open: u64, n: usize) -> f64 {
    (open as f64 - idle as f64) / n as f64
}

/// RSS of the router process (KiB) idle, and with `n` streams open through it.
pub async fn router_memory(routed: &Endpoint, pid: u32, n: usize) -> (u64, u64) {
    let idle = rss_kib(Some(pid));
    let opened = Arc::new(Barrier::new(n + 1));
    let release = Arc::new(Notify::new());
    let body = routed.stream_body(&format!("{}{}", routed.prefix, crate::memory::HOLD_MODEL));
    let mut tasks = Vec::new();
    for _ in 0..n {
        let (ep, body, opened, release) = (
            routed.clone(),
            body.clone(),
            opened.clone(),
            release.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let released = release.notified();
            tokio::pin!(released);
            let mut r = ep
                .http
                .post(&ep.url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .expect("open through router");
            r.chunk().await.expect("first").expect("first bytes");
            opened.wait().await;
            released.await;
        }));
    }
    opened.wait().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let open = rss_kib(Some(pid));
    release.notify_waiters();
    for t in tasks {
        let _ = t.await;
    }
    (idle, open)
}
