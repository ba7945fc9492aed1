//! `bench`: requesty side by side with its peers, on a loopback mock.
//!
//! ```text
//! bench [all]            parts 1-3 and the in-process dispatch, one markdown report
//! bench client           part 1: remote client CPU per request and req/s vs async-openai
//! bench dispatch         the router's in-process overhead, p50/p99
//! bench router           part 2: what `requesty-router serve` adds (needs the binary)
//! bench memory           part 3: RSS idle and with 1,000 open streams (clients; router in part 2)
//! bench router-seq       part 2's added latency and router CPU alone (quick iterations)
//! bench router-memory    part 2's memory per open stream alone (a fresh router)
//! bench proxy-floor      the proxy floor alone: what a bare hyper + reqwest proxy adds (--threads N, --raw)
//! bench mock             the mock server alone (spawned by the others)
//! bench proxy            the proxy floor's server alone (spawned; --upstream ADDR --threads N;
//!                        --raw: the lean floor, one task driving both connections)
//! bench profile          one client and scenario alone, for perf (--peer, --scenario c1|c64|stream, --base, --model)
//! bench router-files     writes `bench router`'s router config (--upstream ADDR) and its request body
//!                        to --dir DIR (router.toml, request.json; for bench/callgrind-router.sh)
//!
//! options: --rounds N (5)  --scale X (1.0)  --streams N (1000)  --secs S (2)
//!          --router-bin PATH (default ../target/release/requesty-router, or $REQUESTY_ROUTER_BIN)
//!          REQUESTY_BENCH_JSONL=0 runs the router without its JSONL files
//!          REQUESTY_BENCH_ENGINE=reqwest: requesty's client on the reqwest engine
//! ```
//! See docs/benchmarks.md.

mod bodies;
mod client;
mod dispatch;
mod memory;
mod mock;
mod proxy;
mod server;
mod sys;

use std::path::PathBuf;

struct Opts {
    cmd: String,
    listen: String,
    threads: usize,
    rounds: usize,
    scale: f64,
    streams: usize,
    secs: f64,
    peer: String,
    scenario: String,
    model: String,
    base: String,
    upstream: String,
    dir: PathBuf,
    router_bin: Option<PathBuf>,
}

fn opts() -> Opts {
    let mut o = Opts {
        cmd: "all".into(),
        listen: "127.0.0.1:0".into(),
        threads: 1,
        rounds: 5,
        scale: 1.0,
        streams: 1_000,
        secs: 2.0,
        peer: "requesty".into(),
        scenario: "c1".into(),
        model: "gpt-4o-mini".into(),
        base: String::new(),
        upstream: String::new(),
        dir: PathBuf::from("."),
        router_bin: std::env::var_os("REQUESTY_ROUTER_BIN").map(PathBuf::from),
    };
    let mut args = std::env::args().skip(1);
    let mut first = true;
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--listen" => o.listen = val(),
            "--upstream" => o.upstream = val(),
            "--raw" => {}
            "--threads" => o.threads = val().parse().expect("--threads N"),
            "--rounds" => o.rounds = val().parse().expect("--rounds N"),
            "--scale" => o.scale = val().parse().expect("--scale X"),
            "--streams" => o.streams = val().parse().expect("--streams N"),
            "--secs" => o.secs = val().parse().expect("--secs S"),
            "--peer" => o.peer = val(),
            "--scenario" => o.scenario = val(),
            "--model" => o.model = val(),
            "--base" => o.base = val(),
            "--router-bin" => o.router_bin = Some(PathBuf::from(val())),
            "--dir" => o.dir = PathBuf::from(val()),
            cmd if first && !cmd.starts_with('-') => o.cmd = cmd.to_owned(),
            other => panic!("unknown argument {other:?} (see the header of bench/src/main.rs)"),
        }
        first = false;
    }
    o
}

fn main() {
    let o = opts();
    match o.cmd.as_str() {
        "mock" => mock::run(&o.listen, o.threads),
        "proxy" if std::env::args().any(|a| a == "--raw") => {
            proxy::run_raw(&o.listen, &o.upstream, o.threads)
        }
        "proxy" => proxy::run(&o.listen, &o.upstream, o.threads),
        "proxy-floor" => proxy_floor(&o),
        "memory-client" => {
            let (idle, open) = memory::client_streams(&o.peer, &o.base, o.streams);
            println!("rss {idle} {open}");
        }
        "profile" => profile(&o),
        "client" => {
            header();
            part1(&o);
        }
        "dispatch" => {
            header();
            part_dispatch(&o);
        }
        "router" => {
            header();
            part2(&o);
        }
        "memory" => {
            header();
            part3(&o);
        }
        "router-memory" => router_memory_only(&o),
        "router-seq" => router_seq_only(&o),
        "router-ttft" => router_ttft_only(&o),
        "router-files" => router_files(&o),
        "client-ttft" => client_ttft(&o),
        "dispatch-stream" => {
            let r = dispatch::run_stream(((2_000.0 * o.scale) as usize).max(100));
            println!(
                "in-process stream, p50: first chunk direct {:.1} µs, routed {:.1} µs; whole stream direct {:.1} µs, routed {:.1} µs",
                r[0], r[1], r[2], r[3]
            );
        }
        "all" => {
            header();
            part1(&o);
            part_dispatch(&o);
            part2(&o);
            part3(&o);
            println!("\nLoad average at the end: {}", sys::loadavg());
        }
        other => panic!("unknown command {other:?}"),
    }
}

fn header() {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("# requesty benchmarks\n");
    println!(
        "Machine: {cores} CPUs ({cpu}); idle policy: {}; load average at start: {}.\n",
        sys::idle_policy(),
        sys::loadavg()
    );
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn part1(o: &Opts) {
    eprintln!("part 1: remote clients (mock: separate process, 1 thread)");
    sys::raise_nofile();
    let m = mock::spawn(1);
    let base = format!("http://{}/v1", m.addr);
    let rt = runtime();
    let rows = client::run(&rt, &base, o.rounds, o.scale);
    drop(rt);
    println!("## 1. Remote client vs async-openai 0.43 (same mock, same process, interleaved)\n");
    println!(
        "Client CPU per request: this process's CPU time over N requests after client creation and a warm-up \
         (the mock is a separate process); median of {} interleaved rounds (the ratio: median of the per-round ratios, \
         with their range). Runtime: tokio multi-thread, 2 workers.\n",
        o.rounds
    );
    println!(
        "| scenario | floor (reqwest) CPU | requesty CPU | async-openai CPU | **requesty / async-openai CPU** | requesty / floor CPU | req/s floor | req/s requesty | req/s async-openai | requesty / async-openai req/s |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for s in [
        client::Scenario::CreateC1,
        client::Scenario::CreateC64,
        client::Scenario::Stream1000,
    ] {
        let get = |peer: &str| {
            rows.iter()
                .find(|r| r.scenario == s && r.peer == peer)
                .expect("row")
        };
        let (f, r, a) = (get("floor (reqwest)"), get("requesty"), get("async-openai"));
        let unit = |us: f64| {
            if us >= 1_000.0 {
                format!("{:.2} ms", us / 1_000.0)
            } else {
                format!("{us:.1} µs")
            }
        };
        // The ratio within each round (the peers ran back to back), then
        // the median over rounds: steadier than a ratio of medians when the
        // machine's speed drifts between rounds.
        let ratios: Vec<f64> = r
            .cpu_us_all
            .iter()
            .zip(&a.cpu_us_all)
            .map(|(x, y)| x / y)
            .collect();
        let lo = ratios.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = ratios.iter().copied().fold(0.0, f64::max);
        println!(
            "| {} | {} | {} | {} | **{:.2}×** ({:.2}–{:.2}) | {:.2}× | {:.0} | {:.0} | {:.0} | {:.2}× |",
            s.label(),
            unit(f.cpu_us),
            unit(r.cpu_us),
            unit(a.cpu_us),
            sys::median(&ratios),
            lo,
            hi,
            r.cpu_us / f.cpu_us,
            f.rps,
            r.rps,
            a.rps,
            r.rps / a.rps
        );
    }
    println!("\nPer-round CPU (µs per request):\n");
    for r in &rows {
        let v: Vec<String> = r.cpu_us_all.iter().map(|x| format!("{x:.1}")).collect();
        println!("- {} / {}: {}", r.scenario.label(), r.peer, v.join(", "));
    }
    let d = client::decode_only();
    println!(
        "\nDecoding the 1,002 chunk objects of the 1,000-chunk answer alone (in process, no I/O):\n"
    );
    println!("| decoder | per stream | per chunk |\n|---|---|---|");
    for (name, us) in d {
        println!("| {name} | {:.0} µs | {:.2} µs |", us, us / 1_002.0);
    }
    println!();
}

/// `bench profile --peer P --scenario c1|c64|stream [--base URL] [--scale X]`:
/// one client, one scenario, for a profiler (`perf record -g -- bench profile …`
/// with the mock started apart by `bench mock --listen ADDR`, so only the client is
/// recorded).
fn profile(o: &Opts) {
    let spawned;
    let base = if o.base.is_empty() {
        spawned = mock::spawn(1);
        format!("http://{}/v1", spawned.addr)
    } else {
        o.base.clone()
    };
    let model = o.model.as_str();
    let peer = std::sync::Arc::new(match o.peer.as_str() {
        "requesty" => client::Peer::requesty(&base, model),
        "async-openai" => client::Peer::async_openai(&base, model),
        _ => client::Peer::floor(&base, model),
    });
    let (scenario, n) = match o.scenario.as_str() {
        "c1" => (client::Scenario::CreateC1, 20_000.0),
        "c64" => (client::Scenario::CreateC64, 64_000.0),
        _ => (client::Scenario::Stream1000, 400.0),
    };
    let n = ((n * o.scale) as usize).max(64);
    let rt = runtime();
    let (cpu, rps) = rt
        .block_on(rt.spawn(client::measure(peer, scenario, n)))
        .expect("task");
    println!(
        "{} {}: {:.1} µs CPU per request, {:.0} req/s",
        o.peer,
        scenario.label(),
        cpu.as_secs_f64() * 1e6,
        rps
    );
}

fn part_dispatch(o: &Opts) {
    eprintln!("dispatch: router + Mock vs Mock");
    let n = ((20_000.0 * o.scale) as usize).max(500);
    let d = dispatch::run(n);
    println!(
        "## Router in-process dispatch overhead (Client::local(router) + Mock vs the Mock provider called directly)\n"
    );
    println!(
        "Built-in tagger, bundled price table and a MemorySink on; {} requests each way, alternating blocks of 500; tokio multi-thread runtime, 2 workers (logging runs off the request path).\n",
        d.n
    );
    println!("| path | p50 | p99 | CPU per request (logging included) |\n|---|---|---|---|");
    println!(
        "| Mock provider directly | {:.1} µs | {:.1} µs | {:.1} µs |",
        d.direct[0], d.direct[1], d.direct_cpu_us
    );
    println!(
        "| router + Mock | {:.1} µs | {:.1} µs | {:.1} µs |",
        d.routed[0], d.routed[1], d.routed_cpu_us
    );
    println!(
        "| **added by the router** | **{:.1} µs** | **{:.1} µs** | {:.1} µs |",
        d.routed[0] - d.direct[0],
        d.routed[1] - d.direct[1],
        d.routed_cpu_us - d.direct_cpu_us
    );
    println!("\n{}\n", d.log);
}

fn router_bin(o: &Opts) -> PathBuf {
    o.router_bin.clone().unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/release/requesty-router")
    })
}

fn part2(o: &Opts) {
    println!("## 2. What `requesty-router serve` adds over calling the mock directly\n");
    let bin = router_bin(o);
    if !bin.exists() {
        println!(
            "Skipped: no router binary at `{}` (build it with `cargo build --release --features server --bin requesty-router`, \
             or pass --router-bin).\n",
            bin.display()
        );
        return;
    }
    eprintln!("part 2: requesty-router serve ({})", bin.display());
    sys::raise_nofile();
    let m = mock::spawn(1);
    let router = match server::spawn_router(&bin, &m.addr) {
        Ok(r) => r,
        Err(e) => {
            println!("Skipped: the router did not start: {e}\n");
            return;
        }
    };
    let rt = runtime();
    let direct = server::Endpoint::new(&m.addr, "");
    let routed = server::Endpoint::new(&router.addr, &format!("{}/", server::PROVIDER));
    let idle = sys::rss_kib(Some(router.pid()));
    let n = ((5_000.0 * o.scale) as usize).max(500);
    // The proxy floor: a bare hyper + reqwest proxy as its own process,
    // with as many workers as the router (one per core).
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let floor = proxy::spawn(&m.addr, cores);
    let proxied = server::Endpoint::new(&floor.addr, "");
    let (seq, seq_cpu, front, st) = rt.block_on(async {
        let (seq, seq_cpu) = server::sequential_cpu(&direct, &routed, router.pid(), n).await;
        eprintln!("  sequential done");
        let front = server::frontier(&direct, &routed, o.secs).await;
        let st = server::streamed(&direct, &routed, 20).await;
        (seq, seq_cpu, front, st)
    });
    println!(
        "Driver: bare reqwest for both paths (the same client), mock: separate process, 1 thread; logging (JSONL) and tagging on.\n"
    );
    println!("| one request at a time | p50 | p99 |\n|---|---|---|");
    println!("| mock directly | {:.0} µs | {:.0} µs |", seq[0], seq[1]);
    println!(
        "| through the router | {:.0} µs | {:.0} µs |",
        seq[2], seq[3]
    );
    println!(
        "| **added** | **{:.0} µs** | **{:.0} µs** |\n",
        seq[2] - seq[0],
        seq[3] - seq[1]
    );
    println!(
        "Router process CPU per routed request (sequential run incl. warm-up, logging and tagging included): {:.0} µs.\n",
        seq_cpu.as_secs_f64() * 1e6 / (n + 200) as f64
    );
    let (fseq, fcpu) = rt.block_on(server::sequential_cpu(
        &direct,
        &proxied,
        floor.child.id(),
        n,
    ));
    // The lean floor: hyper's client connection driven by the same task as
    // the downstream connection (no pool, no connection task).
    let lean = proxy::spawn_with(&m.addr, cores, true);
    let leaned = server::Endpoint::new(&lean.addr, "");
    let (lseq, lcpu) = rt.block_on(server::sequential_cpu(&direct, &leaned, lean.child.id(), n));
    drop(lean);
    println!(
        "The proxy floor (`bench proxy`: hyper 1 server + reqwest forwarding the bytes, {cores} workers, no parsing, routing or logging), measured right after: \
         **added p50 {:.0} µs, p99 {:.0} µs** (direct {:.0}/{:.0} µs in its run), {:.0} µs of CPU per request. \
         What the router adds beyond the floor: **p50 {:.0} µs, p99 {:.0} µs, CPU {:.0} µs**.\n",
        fseq[2] - fseq[0],
        fseq[3] - fseq[1],
        fseq[0],
        fseq[1],
        fcpu.as_secs_f64() * 1e6 / (n + 200) as f64,
        (seq[2] - seq[0]) - (fseq[2] - fseq[0]),
        (seq[3] - seq[1]) - (fseq[3] - fseq[1]),
        (seq_cpu.as_secs_f64() - fcpu.as_secs_f64()) * 1e6 / (n + 200) as f64
    );
    println!(
        "The lean floor (`bench proxy --raw`: the same server, but each downstream connection drives its own upstream \
         hyper connection in the same task — no pool, no connection task, no cross-task hand-off): \
         **added p50 {:.0} µs, p99 {:.0} µs** (direct {:.0}/{:.0} µs in its run), {:.0} µs of CPU per request.\n",
        lseq[2] - lseq[0],
        lseq[3] - lseq[1],
        lseq[0],
        lseq[1],
        lcpu.as_secs_f64() * 1e6 / (n + 200) as f64
    );
    println!(
        "Throughput frontier (open loop at a fixed rate, {} s per step; latency from each request's start):\n",
        o.secs
    );
    println!(
        "| rate (req/s) | direct p99 | routed p99 | added p99 | routed achieved (req/s) | failed |\n|---|---|---|---|---|---|"
    );
    for p in &front {
        println!(
            "| {:.0} | {:.2} ms | {:.2} ms | {:.2} ms | {:.0} | {} |",
            p.rate,
            p.direct_p99 / 1e3,
            p.routed_p99 / 1e3,
            (p.routed_p99 - p.direct_p99) / 1e3,
            p.routed_achieved,
            p.failed
        );
    }
    let fmt = |x: Option<f64>| {
        x.map_or("below the first step".to_owned(), |r| {
            format!("{r:.0} req/s")
        })
    };
    println!(
        "\n**Frontier: added p99 < 1 ms up to {}; < 5 ms up to {}.**\n",
        fmt(server::frontier_at(&front, 1_000.0)),
        fmt(server::frontier_at(&front, 5_000.0))
    );
    println!("Streamed (100 chunks 1 ms apart, 20 streams each way):\n");
    println!("| | direct | routed | added |\n|---|---|---|---|");
    println!(
        "| time to first token, p50 | {:.0} µs | {:.0} µs | **{:.0} µs** |",
        st[0],
        st[1],
        st[1] - st[0]
    );
    println!(
        "| gap between chunks, p50 | {:.0} µs | {:.0} µs | **{:.0} µs** |",
        st[2],
        st[3],
        st[3] - st[2]
    );
    println!(
        "| gap between chunks, p99 | {:.0} µs | {:.0} µs | **{:.0} µs** |\n",
        st[4],
        st[5],
        st[5] - st[4]
    );
    let after = sys::rss_kib(Some(router.pid()));
    drop(router);
    // Memory per open stream in a fresh router, so memory the allocator kept
    // from the load above does not hide the streams' own.
    let streams = o.streams;
    let fresh = server::spawn_router(&bin, &m.addr).expect("router restarts");
    let routed = server::Endpoint::new(&fresh.addr, &format!("{}/", server::PROVIDER));
    let (idle2, open) = rt.block_on(server::memory_after_warmup(&routed, fresh.pid(), streams));
    println!(
        "Router process memory (RSS): {:.1} MiB at start, {:.1} MiB after the runs above (the in-memory log keeps the last 10,000 records).\n",
        idle as f64 / 1024.0,
        after as f64 / 1024.0
    );
    println!(
        "Fresh router, after one request: {:.1} MiB idle, {:.1} MiB with {streams} open streams (each holds its connection to the mock too): **{:.1} KiB per open stream**.\n",
        idle2 as f64 / 1024.0,
        open as f64 / 1024.0,
        server::kib_per_stream(idle2, open, streams)
    );
    let (fidle, fopen) = rt.block_on(server::memory_after_warmup(
        &proxied,
        floor.child.id(),
        streams,
    ));
    println!(
        "The proxy floor: {:.1} MiB idle, {:.1} MiB with {streams} open streams: {:.1} KiB per open stream.\n",
        fidle as f64 / 1024.0,
        fopen as f64 / 1024.0,
        server::kib_per_stream(fidle, fopen, streams)
    );
}

/// Only the router's memory per open stream (a fresh router), for iterating on it.
fn router_memory_only(o: &Opts) {
    sys::raise_nofile();
    let bin = router_bin(o);
    let m = mock::spawn(1);
    let fresh = server::spawn_router(&bin, &m.addr).expect("router starts");
    let routed = server::Endpoint::new(&fresh.addr, &format!("{}/", server::PROVIDER));
    let rt = runtime();
    let streams = o.streams;
    let (idle, open) = rt.block_on(server::memory_after_warmup(&routed, fresh.pid(), streams));
    println!(
        "router: {:.1} MiB idle, {:.1} MiB with {streams} open streams: {:.1} KiB per open stream",
        idle as f64 / 1024.0,
        open as f64 / 1024.0,
        server::kib_per_stream(idle, open, streams)
    );
}

/// The proxy floor alone: added latency one request at a time and memory
/// per open stream of a bare hyper + reqwest proxy (`--threads` workers).
fn proxy_floor(o: &Opts) {
    sys::raise_nofile();
    let m = mock::spawn(1);
    let raw = std::env::args().any(|a| a == "--raw");
    let p = proxy::spawn_with(&m.addr, o.threads, raw);
    let rt = runtime();
    let direct = server::Endpoint::new(&m.addr, "");
    let proxied = server::Endpoint::new(&p.addr, "");
    let n = ((5_000.0 * o.scale) as usize).max(500);
    let pid = p.child.id();
    for _ in 0..o.rounds.min(3) {
        let (seq, cpu) = rt.block_on(server::sequential_cpu(&direct, &proxied, pid, n));
        println!(
            "proxy floor ({} worker(s)): added p50 {:.0} p99 {:.0} µs (direct {:.0}/{:.0}) | proxy CPU {:.0} µs/request",
            o.threads,
            seq[2] - seq[0],
            seq[3] - seq[1],
            seq[0],
            seq[1],
            cpu.as_secs_f64() / n as f64 * 1e6
        );
    }
    let (idle, open) = rt.block_on(server::router_memory(&proxied, pid, o.streams));
    println!(
        "proxy floor memory: {:.1} MiB idle, {:.1} MiB with {} open streams: {:.1} KiB per open stream",
        idle as f64 / 1024.0,
        open as f64 / 1024.0,
        o.streams,
        server::kib_per_stream(idle, open, o.streams)
    );
}

/// The remote client's time to its first chunk against the floor's (a
/// stream's opening cost on the client side).
fn client_ttft(o: &Opts) {
    use futures::StreamExt;
    let m = mock::spawn(1);
    let base = format!("http://{}/v1", m.addr);
    let rt = runtime();
    let n = ((300.0 * o.scale) as usize).max(20);
    let client = requesty::Client::builder()
        .api_key("sk-bench")
        .base_url(&base)
        .build()
        .expect("client");
    let http = reqwest::Client::builder()
        .tcp_nodelay(true)
        .build()
        .expect("http");
    let url = format!("{base}/chat/completions");
    let mut req = client::requesty_request("paced-3-1000");
    let body = {
        let mut r = req.clone();
        r.stream = Some(true);
        bytes::Bytes::from(serde_json::to_vec(&r).expect("json"))
    };
    req.stream = None;
    let (a, b) = rt.block_on(async move {
        let (mut a, mut b) = (vec![], vec![]);
        for i in 0..n + 50 {
            let t = std::time::Instant::now();
            let mut s = client.chat().stream(req.clone()).await.expect("stream");
            let _ = s.next().await;
            let x = t.elapsed().as_secs_f64() * 1e6;
            while s.next().await.is_some() {}
            let t = std::time::Instant::now();
            let mut r = http
                .post(&url)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .expect("floor");
            let _ = r.chunk().await;
            let y = t.elapsed().as_secs_f64() * 1e6;
            while r.chunk().await.ok().flatten().is_some() {}
            if i >= 50 {
                a.push(x);
                b.push(y);
            }
        }
        (a, b)
    });
    println!(
        "first chunk p50: requesty {:.0} µs, floor {:.0} µs",
        sys::median(&a),
        sys::median(&b)
    );
}

/// Only the added time to first token of short streams (router and proxy floor).
fn router_ttft_only(o: &Opts) {
    sys::raise_nofile();
    let bin = router_bin(o);
    let m = mock::spawn(1);
    let router = server::spawn_router(&bin, &m.addr).expect("router starts");
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let floor = proxy::spawn(&m.addr, cores);
    let rt = runtime();
    let direct = server::Endpoint::new(&m.addr, "");
    let routed = server::Endpoint::new(&router.addr, &format!("{}/", server::PROVIDER));
    let proxied = server::Endpoint::new(&floor.addr, "");
    let n = ((200.0 * o.scale) as usize).max(20);
    for _ in 0..o.rounds.min(3) {
        let r = rt.block_on(server::streamed_with(&direct, &routed, n, "paced-3-1000"));
        let f = rt.block_on(server::streamed_with(&direct, &proxied, n, "paced-3-1000"));
        println!(
            "TTFT p50: direct {:.0} µs, routed {:.0} (added {:.0}), proxy floor {:.0} (added {:.0})",
            r[0],
            r[1],
            r[1] - r[0],
            f[1],
            f[1] - f[0]
        );
    }
}

/// The router config `bench router` runs with (upstream `--upstream`, logs
/// in `DIR/logs`) and the request body it sends through the router, as
/// `DIR/router.toml` and `DIR/request.json`.
fn router_files(o: &Opts) {
    let config = server::config_toml(&o.upstream, &o.dir.join("logs"));
    std::fs::write(o.dir.join("router.toml"), config).expect("write router.toml");
    let model = format!("{}/gpt-4o-mini", server::PROVIDER);
    let body = serde_json::to_vec(&client::requesty_request(&model)).expect("encode the request");
    std::fs::write(o.dir.join("request.json"), body).expect("write request.json");
}

/// Only the sequential added latency and the router's CPU per request.
fn router_seq_only(o: &Opts) {
    sys::raise_nofile();
    let bin = router_bin(o);
    let m = mock::spawn(1);
    let router = server::spawn_router(&bin, &m.addr).expect("router starts");
    let rt = runtime();
    let direct = server::Endpoint::new(&m.addr, "");
    let routed = server::Endpoint::new(&router.addr, &format!("{}/", server::PROVIDER));
    let n = ((5_000.0 * o.scale) as usize).max(500);
    for _ in 0..o.rounds.min(3) {
        let (seq, cpu) = rt.block_on(server::sequential_cpu(&direct, &routed, router.pid(), n));
        println!(
            "direct p50 {:.0} p99 {:.0} | routed p50 {:.0} p99 {:.0} | added p50 {:.0} p99 {:.0} µs | router CPU {:.0} µs/request",
            seq[0],
            seq[1],
            seq[2],
            seq[3],
            seq[2] - seq[0],
            seq[3] - seq[1],
            cpu.as_secs_f64() / n as f64 * 1e6
        );
    }
}

fn part3(o: &Opts) {
    eprintln!("part 3: client memory with {} open streams", o.streams);
    sys::raise_nofile();
    let m = mock::spawn(2);
    let base = format!("http://{}/v1", m.addr);
    let exe = std::env::current_exe().expect("exe");
    println!(
        "## 3. Client memory: RSS of a fresh process with one client, idle and with {} concurrent open streams\n",
        o.streams
    );
    println!(
        "| client | idle RSS | RSS with {} open streams | per open stream |\n|---|---|---|---|",
        o.streams
    );
    for peer in ["floor", "requesty", "async-openai"] {
        let out = std::process::Command::new(&exe)
            .args([
                "memory-client",
                "--peer",
                peer,
                "--base",
                &base,
                "--streams",
                &o.streams.to_string(),
            ])
            .output()
            .expect("memory-client");
        let s = String::from_utf8_lossy(&out.stdout);
        let v: Vec<u64> = s
            .trim()
            .strip_prefix("rss ")
            .unwrap_or("")
            .split(' ')
            .filter_map(|x| x.parse().ok())
            .collect();
        if v.len() != 2 {
            println!(
                "| {peer} | failed: {} | | |",
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            );
            continue;
        }
        println!(
            "| {} | {:.1} MiB | {:.1} MiB | {:.1} KiB |",
            if peer == "floor" {
                "floor (reqwest)"
            } else {
                peer
            },
            v[0] as f64 / 1024.0,
            v[1] as f64 / 1024.0,
            (v[1] as f64 - v[0] as f64) / o.streams as f64
        );
    }
    println!("\nThe router's own memory (idle, per open stream) is in part 2.\n");
    let _ = o.rounds;
}
