//! Anthropic and Gemini stream translation: a 1,000-delta text answer in
//! each provider's own SSE format, read by the `Anthropic` and `Gemini`
//! providers (SSE decoding, typed event decoding, the translation state
//! machine, chunks out), beside the same answer in OpenAI's format read by
//! `OpenAiCompatible`. All three are served by the same in-process loopback
//! HTTP server, so `anthropic - openai_compatible` and `gemini -
//! openai_compatible` are what translation costs over the native format.
//! (The translators are crate-private, so they are reached through HTTP.)
//!
//! Run with `cargo bench --bench translate`.

use std::hint::black_box;
use std::net::SocketAddr;

use axum::body::Body;
use axum::http::{Request, Response, header};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures::StreamExt;
use requesty::ChatRequest;
use requesty::router::providers::{Anthropic, Gemini, OpenAiCompatible};
use requesty::router::{Provider, ProviderRequest};

const DELTAS: usize = 1_000;

fn anthropic_body() -> String {
    let mut s = String::from(
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01Bench\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-20250514\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":25,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":1}}}\n\n\
         event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n\
         event: ping\ndata: {\"type\": \"ping\"}\n\n",
    );
    for i in 0..DELTAS {
        s.push_str(&format!(
            "event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{{\"type\":\"text_delta\",\"text\":\"tok{i} \"}}}}\n\n"
        ));
    }
    s.push_str(
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n\
         event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":1000}}\n\n\
         event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
    );
    s
}

fn gemini_body() -> String {
    let mut s = String::new();
    for i in 0..DELTAS {
        let finish = if i + 1 == DELTAS {
            ",\"finishReason\": \"STOP\""
        } else {
            ""
        };
        s.push_str(&format!(
            "data: {{\"candidates\": [{{\"content\": {{\"parts\": [{{\"text\": \"tok{i} \"}}],\"role\": \"model\"}}{finish},\"index\": 0}}],\"usageMetadata\": {{\"promptTokenCount\": 7,\"candidatesTokenCount\": {i},\"totalTokenCount\": {}}},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"7ZxTaJGkD4aRz7IPmc-ViQ4\"}}\r\n\r\n",
            i + 7
        ));
    }
    s
}

fn openai_body() -> String {
    let mut s = String::new();
    for i in 0..DELTAS {
        s.push_str(&format!(
            "data: {{\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"tok{i} \"}},\"logprobs\":null,\"finish_reason\":null}}]}}\n\n"
        ));
    }
    s.push_str("data: {\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}\n\n");
    s.push_str("data: {\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],\"usage\":{\"prompt_tokens\":19,\"completion_tokens\":1000,\"total_tokens\":1019}}\n\n");
    s.push_str("data: [DONE]\n\n");
    s
}

async fn serve() -> SocketAddr {
    let (a, g, o) = (
        bytes::Bytes::from(anthropic_body()),
        bytes::Bytes::from(gemini_body()),
        bytes::Bytes::from(openai_body()),
    );
    let app = axum::Router::new().fallback(move |req: Request<Body>| {
        let path = req.uri().path().to_owned();
        let body = if path.ends_with("/messages") {
            a.clone()
        } else if path.contains(":streamGenerateContent") {
            g.clone()
        } else {
            o.clone()
        };
        async move {
            // Read the request body, as a real server would.
            let _ = axum::body::to_bytes(req.into_body(), 1 << 20).await;
            Response::builder()
                .header(header::CONTENT_TYPE, "text/event-stream")
                .body(Body::from(body))
                .unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

async fn drain(p: &dyn Provider, model: &str) -> usize {
    let req = ChatRequest::default()
        .user("Tell me a long story.")
        .max_tokens(2_000);
    let mut s = p
        .stream(ProviderRequest::new(model, req))
        .await
        .expect("stream opens");
    let mut text = 0;
    while let Some(c) = s.next().await {
        text += c.expect("chunk").delta_text().map_or(0, str::len);
    }
    text
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let addr = rt.block_on(serve());
    let base = format!("http://{addr}");
    let anthropic = Anthropic::new("k").base_url(base.clone());
    let gemini = Gemini::new("k").base_url(base.clone());
    let openai = OpenAiCompatible::new("openai", format!("{base}/v1"));
    let providers: [(&str, &dyn Provider, &str); 3] = [
        ("openai_compatible", &openai, "gpt-4o-mini"),
        ("anthropic", &anthropic, "claude-sonnet-4-20250514"),
        ("gemini", &gemini, "gemini-2.5-flash"),
    ];
    let expected = rt.block_on(drain(&openai, "gpt-4o-mini"));
    for (name, p, model) in providers {
        assert_eq!(rt.block_on(drain(p, model)), expected, "{name}: same text");
    }

    let mut g = c.benchmark_group("stream_translate_1000_deltas_loopback");
    g.throughput(Throughput::Elements(DELTAS as u64));
    for (name, p, model) in providers {
        g.bench_function(name, |b| b.iter(|| rt.block_on(drain(black_box(p), model))));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
