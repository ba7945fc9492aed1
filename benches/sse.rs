//! SSE decoder throughput on a realistic OpenAI-style chat stream.
//!
//! Run with `cargo bench --bench sse`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use requesty::stream::sse::{SseDecoder, SseEvent};

const CHUNKS: usize = 1_000;

/// 1,000 `chat.completion.chunk` events and the `[DONE]` marker.
fn openai_stream() -> Vec<u8> {
    let chunk = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\
        \"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"token \"},\
        \"finish_reason\":null}]}\n\n";
    let mut stream = chunk.repeat(CHUNKS).into_bytes();
    stream.extend_from_slice(b"data: [DONE]\n\n");
    stream
}

/// Decode `stream` in reads of `read_size` bytes; returns the event count.
fn decode(stream: &[u8], read_size: usize, out: &mut Vec<SseEvent>) -> usize {
    out.clear();
    let mut decoder = SseDecoder::new();
    for read in stream.chunks(read_size) {
        if decoder.push(black_box(read), out).is_err() {
            return 0;
        }
    }
    if let Ok(Some(last)) = decoder.finish() {
        out.push(last);
    }
    out.len()
}

fn bench(c: &mut Criterion) {
    let stream = openai_stream();
    let mut out = Vec::with_capacity(CHUNKS + 1);
    assert_eq!(decode(&stream, stream.len(), &mut out), CHUNKS + 1);
    assert!(out.last().is_some_and(SseEvent::is_done));

    let mut group = c.benchmark_group("sse_decode_1001_events");
    group.throughput(Throughput::Bytes(stream.len() as u64));
    for (name, read_size) in [
        ("whole", stream.len()),
        ("reads_1500", 1_500),
        ("reads_7", 7),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| decode(black_box(&stream), read_size, &mut out))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
