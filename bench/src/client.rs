//! Part 1: requesty's remote client beside async-openai and the HTTP floor
//! (bare reqwest: the answer read and validated as JSON without building
//! values), on the same mock, in the same process, interleaved round by
//! round. Client CPU is this process's CPU time (the mock is another
//! process) over N requests, after client creation and a warm-up.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_openai::config::OpenAIConfig;
use async_openai::types::chat::{
    ChatCompletionRequestSystemMessageArgs, ChatCompletionRequestUserMessageArgs,
    ChatCompletionStreamOptions, CreateChatCompletionRequest, CreateChatCompletionRequestArgs,
};
use bytes::Bytes;
use futures::StreamExt;
use serde::de::IgnoredAny;

use crate::sys::{median, process_cpu};

pub const SYSTEM: &str = "You are a helpful assistant. Answer in one or two sentences.";
pub const USER: &str = "What is the capital of France, and since when has it been the capital?";

/// One client under test (held in an `Arc`, so the variants' sizes do not matter).
#[derive(Clone)]
#[allow(clippy::large_enum_variant)]
pub enum Peer {
    Requesty(requesty::Client, requesty::ChatRequest),
    AsyncOpenAi(
        async_openai::Client<OpenAIConfig>,
        CreateChatCompletionRequest,
    ),
    /// reqwest with a serialized body; answers validated into `IgnoredAny`.
    Floor {
        http: reqwest::Client,
        url: String,
        create: Bytes,
        stream: Bytes,
    },
}

impl Peer {
    pub fn name(&self) -> &'static str {
        match self {
            Peer::Requesty(..) => "requesty",
            Peer::AsyncOpenAi(..) => "async-openai",
            Peer::Floor { .. } => "floor (reqwest)",
        }
    }

    pub fn requesty(base: &str, model: &str) -> Peer {
        // REQUESTY_BENCH_ENGINE=reqwest measures the reqwest engine instead.
        let engine = match std::env::var("REQUESTY_BENCH_ENGINE").as_deref() {
            Ok("reqwest") => requesty::HttpEngine::Reqwest,
            _ => requesty::HttpEngine::Direct,
        };
        let client = requesty::Client::builder()
            .api_key("sk-bench")
            .base_url(base)
            .max_retries(0)
            .http_engine(engine)
            .build()
            .expect("requesty client");
        Peer::Requesty(client, requesty_request(model))
    }

    pub fn async_openai(base: &str, model: &str) -> Peer {
        let config = OpenAIConfig::new()
            .with_api_base(base)
            .with_api_key("sk-bench");
        let client = async_openai::Client::with_config(config);
        let req = CreateChatCompletionRequestArgs::default()
            .model(model)
            .messages([
                ChatCompletionRequestSystemMessageArgs::default()
                    .content(SYSTEM)
                    .build()
                    .unwrap()
                    .into(),
                ChatCompletionRequestUserMessageArgs::default()
                    .content(USER)
                    .build()
                    .unwrap()
                    .into(),
            ])
            .temperature(0.2)
            .max_tokens(256u32)
            .build()
            .expect("async-openai request");
        Peer::AsyncOpenAi(client, req)
    }

    pub fn floor(base: &str, model: &str) -> Peer {
        let req = requesty_request(model);
        let create = Bytes::from(serde_json::to_vec(&req).unwrap());
        let mut s = req.clone();
        s.stream = Some(true);
        s.stream_options = Some(requesty::StreamOptions {
            include_usage: Some(true),
            ..Default::default()
        });
        let stream = Bytes::from(serde_json::to_vec(&s).unwrap());
        Peer::Floor {
            http: reqwest::Client::builder()
                .tcp_nodelay(true)
                .build()
                .expect("reqwest"),
            url: format!("{base}/chat/completions"),
            create,
            stream,
        }
    }

    /// One non-streamed request; panics on a wrong answer.
    pub async fn create(&self) {
        match self {
            Peer::Requesty(c, req) => {
                let r = c.chat().create(req.clone()).await.expect("requesty create");
                assert!(r.text().is_some_and(|t| !t.is_empty()));
            }
            Peer::AsyncOpenAi(c, req) => {
                let r = c
                    .chat()
                    .create(req.clone())
                    .await
                    .expect("async-openai create");
                assert!(
                    r.choices[0]
                        .message
                        .content
                        .as_deref()
                        .is_some_and(|t| !t.is_empty())
                );
            }
            Peer::Floor {
                http, url, create, ..
            } => {
                let body = post(http, url, create.clone())
                    .await
                    .bytes()
                    .await
                    .expect("body");
                serde_json::from_slice::<IgnoredAny>(&body).expect("valid JSON");
            }
        }
    }

    /// One streamed request read to its end; returns the number of events
    /// with content or usage (1,002 for the default 1,000-chunk answer).
    pub async fn stream(&self) -> usize {
        match self {
            Peer::Requesty(c, req) => {
                let mut s = c.chat().stream(req.clone()).await.expect("requesty stream");
                let mut n = 0;
                while let Some(chunk) = s.next().await {
                    let chunk = chunk.expect("requesty chunk");
                    n += usize::from(chunk.delta_text().is_some() || chunk.usage.is_some());
                }
                n
            }
            Peer::AsyncOpenAi(c, req) => {
                let mut req = req.clone();
                req.stream_options = Some(ChatCompletionStreamOptions {
                    include_usage: Some(true),
                    include_obfuscation: None,
                });
                let mut s = c
                    .chat()
                    .create_stream(req)
                    .await
                    .expect("async-openai stream");
                let mut n = 0;
                while let Some(chunk) = s.next().await {
                    let chunk = chunk.expect("async-openai chunk");
                    let text = chunk
                        .choices
                        .first()
                        .and_then(|c| c.delta.content.as_deref())
                        .is_some_and(|t| !t.is_empty());
                    n += usize::from(text || chunk.usage.is_some());
                }
                n
            }
            Peer::Floor {
                http, url, stream, ..
            } => {
                let mut resp = post(http, url, stream.clone()).await;
                let mut buf: Vec<u8> = Vec::with_capacity(8192);
                let mut n = 0;
                while let Some(piece) = resp.chunk().await.expect("read") {
                    buf.extend_from_slice(&piece);
                    let mut start = 0;
                    while let Some(end) = buf[start..].iter().position(|&b| b == b'\n') {
                        let line = &buf[start..start + end];
                        start += end + 1;
                        if let Some(data) = line.strip_prefix(b"data: ")
                            && data != b"[DONE]"
                        {
                            serde_json::from_slice::<IgnoredAny>(data).expect("valid JSON");
                            n += 1;
                        }
                    }
                    buf.drain(..start);
                }
                n - 2 // the role and finish chunks carry neither text nor usage
            }
        }
    }
}

pub fn requesty_request(model: &str) -> requesty::ChatRequest {
    requesty::ChatRequest::new(model)
        .system(SYSTEM)
        .user(USER)
        .temperature(0.2)
        .max_tokens(256)
}

async fn post(http: &reqwest::Client, url: &str, body: Bytes) -> reqwest::Response {
    let r = http
        .post(url)
        .bearer_auth("sk-bench")
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("send");
    assert!(r.status().is_success(), "status {}", r.status());
    r
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scenario {
    CreateC1,
    CreateC64,
    Stream1000,
}

impl Scenario {
    pub fn label(self) -> &'static str {
        match self {
            Scenario::CreateC1 => "create, concurrency 1",
            Scenario::CreateC64 => "create, concurrency 64",
            Scenario::Stream1000 => "stream, 1,000 chunks",
        }
    }
}

/// Runs `n` requests of `scenario` (after a warm-up); returns (CPU per
/// request, requests per second).
pub async fn measure(peer: Arc<Peer>, scenario: Scenario, n: usize) -> (Duration, f64) {
    // Warm-up: connections open (64 of them for concurrency 64), code paged in.
    match scenario {
        Scenario::CreateC1 => {
            for _ in 0..50 {
                peer.create().await;
            }
        }
        Scenario::CreateC64 => {
            for _ in 0..2 {
                run_concurrent(&peer, 64, 64).await;
            }
        }
        Scenario::Stream1000 => {
            for _ in 0..2 {
                assert_eq!(peer.stream().await, 1_001);
            }
        }
    }
    let cpu0 = process_cpu();
    let t0 = Instant::now();
    match scenario {
        Scenario::CreateC1 => {
            for _ in 0..n {
                peer.create().await;
            }
        }
        Scenario::CreateC64 => run_concurrent(&peer, 64, n).await,
        Scenario::Stream1000 => {
            for _ in 0..n {
                assert_eq!(peer.stream().await, 1_001);
            }
        }
    }
    let wall = t0.elapsed();
    let cpu = process_cpu() - cpu0;
    (cpu / n as u32, n as f64 / wall.as_secs_f64())
}

async fn run_concurrent(peer: &Arc<Peer>, workers: usize, n: usize) {
    let per = n / workers;
    let tasks: Vec<_> = (0..workers)
        .map(|_| {
            let p = peer.clone();
            tokio::spawn(async move {
                for _ in 0..per {
                    p.create().await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("worker");
    }
}

/// One row of the table: medians over the rounds.
pub struct Row {
    pub scenario: Scenario,
    pub peer: &'static str,
    pub cpu_us: f64,
    pub rps: f64,
    pub cpu_us_all: Vec<f64>,
}

/// Part 1, in `rounds` interleaved rounds. `scale` multiplies request counts.
pub fn run(rt: &tokio::runtime::Runtime, base: &str, rounds: usize, scale: f64) -> Vec<Row> {
    let peers: Vec<Arc<Peer>> = vec![
        Arc::new(Peer::floor(base, "gpt-4o-mini")),
        Arc::new(Peer::requesty(base, "gpt-4o-mini")),
        Arc::new(Peer::async_openai(base, "gpt-4o-mini")),
    ];
    let mut rows = Vec::new();
    for scenario in [
        Scenario::CreateC1,
        Scenario::CreateC64,
        Scenario::Stream1000,
    ] {
        let n = match scenario {
            Scenario::CreateC1 => 2_000.0,
            Scenario::CreateC64 => 6_400.0,
            Scenario::Stream1000 => 40.0,
        };
        let n = ((n * scale) as usize).max(if scenario == Scenario::CreateC64 {
            64
        } else {
            1
        });
        let mut cpu: Vec<Vec<f64>> = vec![Vec::new(); peers.len()];
        let mut rps: Vec<Vec<f64>> = vec![Vec::new(); peers.len()];
        for round in 0..rounds {
            // Rotate the order so no peer always runs first (or last).
            for k in 0..peers.len() {
                let i = (k + round) % peers.len();
                let p = peers[i].clone();
                let (c, r) = rt
                    .block_on(rt.spawn(measure(p, scenario, n)))
                    .expect("measure task");
                cpu[i].push(c.as_secs_f64() * 1e6);
                rps[i].push(r);
            }
        }
        for (i, p) in peers.iter().enumerate() {
            rows.push(Row {
                scenario,
                peer: p.name(),
                cpu_us: median(&cpu[i]),
                rps: median(&rps[i]),
                cpu_us_all: cpu[i].clone(),
            });
        }
        eprintln!(
            "  {} done (load {})",
            scenario.label(),
            crate::sys::loadavg()
        );
    }
    rows
}

/// Decoding the 1,002 JSON chunks of the 1,000-chunk answer alone, in
/// process: requesty's `ChatCompletionChunk` vs async-openai's
/// `CreateChatCompletionStreamResponse` vs `IgnoredAny` (µs per stream).
pub fn decode_only() -> [(&'static str, f64); 3] {
    let events = crate::bodies::stream_events(1_000);
    let datas: Vec<&str> = events
        .iter()
        .filter_map(|e| e.strip_prefix("data: ").map(str::trim_end))
        .filter(|d| *d != "[DONE]")
        .collect();
    fn time(f: &dyn Fn()) -> f64 {
        for _ in 0..20 {
            f();
        }
        let mut v = Vec::new();
        for _ in 0..15 {
            let t = Instant::now();
            for _ in 0..10 {
                f();
            }
            v.push(t.elapsed().as_secs_f64() * 1e6 / 10.0);
        }
        median(&v)
    }
    let r = time(&|| {
        for d in &datas {
            std::hint::black_box(serde_json::from_str::<requesty::ChatCompletionChunk>(d).unwrap());
        }
    });
    let a = time(&|| {
        for d in &datas {
            std::hint::black_box(
                serde_json::from_str::<async_openai::types::chat::CreateChatCompletionStreamResponse>(d)
                    .unwrap(),
            );
        }
    });
    let f = time(&|| {
        for d in &datas {
            std::hint::black_box(serde_json::from_str::<IgnoredAny>(d).unwrap());
        }
    });
    [
        ("floor (IgnoredAny)", f),
        ("requesty", r),
        ("async-openai", a),
    ]
}
