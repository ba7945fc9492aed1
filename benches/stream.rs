//! The client's cost per streamed chunk, everything but the socket included:
//! SSE decoding, chunk JSON decoding, the `ChatStream` machinery and the
//! accumulator (`into_completion`). Also request serialization.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures::stream;
use requesty::{ChatCompletionChunk, ChatRequest, ChatStream, Tool};
use std::hint::black_box;
use std::time::Duration;

const CHUNKS: usize = 1000;

fn body() -> Vec<u8> {
    let mut s = String::new();
    for i in 0..CHUNKS {
        s.push_str(&format!(
            "data: {{\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"tok{i} \"}},\"logprobs\":null,\"finish_reason\":null}}],\"usage\":null}}\n\n"
        ));
    }
    s.push_str("data: {\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":null}\n\n");
    s.push_str("data: {\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],\"usage\":{\"prompt_tokens\":19,\"completion_tokens\":1000,\"total_tokens\":1019,\"cost\":0.0006}}\n\n");
    s.push_str("data: [DONE]\n\n");
    s.into_bytes()
}

fn pipeline(c: &mut Criterion) {
    let body = body();
    // Network-sized reads.
    let reads: Vec<bytes::Bytes> = body
        .chunks(1460)
        .map(bytes::Bytes::copy_from_slice)
        .collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let mut g = c.benchmark_group("stream_1000_chunks");
    g.throughput(Throughput::Elements(CHUNKS as u64));
    g.bench_function("chat_stream_into_completion", |b| {
        b.iter(|| {
            let reads = reads.clone();
            rt.block_on(async move {
                let s = ChatStream::from_sse(
                    stream::iter(reads.into_iter().map(Ok::<_, std::io::Error>)),
                    Duration::from_secs(60),
                );
                black_box(s.into_completion().await.unwrap())
            })
        })
    });
    g.bench_function("chunk_json_decode_only", |b| {
        let lines: Vec<&[u8]> = body
            .split(|&b| b == b'\n')
            .filter(|l| l.starts_with(b"data: {"))
            .map(|l| &l[6..])
            .collect();
        b.iter(|| {
            for l in &lines {
                black_box(serde_json::from_slice::<ChatCompletionChunk>(l).unwrap());
            }
        })
    });
    g.finish();
}

fn serialize(c: &mut Criterion) {
    #[derive(serde::Deserialize, schemars::JsonSchema)]
    #[allow(dead_code)]
    struct GetWeather {
        /// City and country
        location: String,
        unit: Option<String>,
    }
    let mut req = ChatRequest::new("openai/gpt-4o-mini")
        .system("You are a helpful assistant.")
        .temperature(0.2)
        .max_tokens(256)
        .tool(Tool::function::<GetWeather>(
            "get_current_weather",
            "Get the current weather",
        ))
        .tags(["bench"]);
    for i in 0..10 {
        req = req.user(format!(
            "Question number {i}: what is the weather like in Paris today?"
        ));
        req = req.assistant("It is sunny and 21 °C in Paris, with a light breeze from the west.");
    }
    c.bench_function("request_serialize_21_messages", |b| {
        b.iter(|| black_box(serde_json::to_vec(black_box(&req)).unwrap()))
    });
    c.bench_function("request_validate_21_messages", |b| {
        b.iter(|| black_box(&req).validate().unwrap())
    });
}

criterion_group!(benches, pipeline, serialize);
criterion_main!(benches);
