//! The built-in tagger (topic, tone, language and buckets) on short and long
//! requests. It runs off the request path, on the logging task, but its cost
//! bounds how many requests per second one core can tag.
//!
//! Run with `cargo bench --bench tagging`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use requesty::ChatRequest;
use requesty::router::log::LogRecord;
use requesty::router::log::tagging::{BuiltinTagger, classify_request};

/// A one-line question.
fn short() -> ChatRequest {
    ChatRequest::new("openai/gpt-4o-mini")
        .user("Could you please explain how a Python decorator works? Thanks!")
}

/// A system prompt and a 10-turn conversation of about 2 KB of user text,
/// with a ~1 KB code block in the last message.
fn long() -> ChatRequest {
    let mut req = ChatRequest::new("openai/gpt-4o-mini")
        .system("You are a senior engineer. Answer precisely and show code when it helps.");
    for i in 0..10 {
        req = req
            .user(format!(
                "Step {i}: the nightly job that reconciles invoices fails with a timeout after \
                 300 seconds since we upgraded Django; what should I check next?"
            ))
            .assistant(
                "Check the query plan of the filter on status, and the index on created_at.",
            );
    }
    let code = "def reconcile(batch_size: int = 500) -> int:\n    total = 0\n    for page in \
                client.invoices(status=\"open\", page_size=batch_size):\n        for inv in page:\n\
                \x20           total += inv.amount_cents\n    return total\n"
        .repeat(4);
    req.user(format!(
        "Here is the function, it is urgent, production is down:\n```python\n{code}```\nWhy is it slow?"
    ))
}

fn bench(c: &mut Criterion) {
    let record = LogRecord {
        latency_ms: 840.0,
        ..Default::default()
    };
    let tagger = BuiltinTagger;
    let (s, l) = (short(), long());
    assert!(tagger.tags(&l, &record).iter().any(|t| t == "topic:coding"));

    let mut g = c.benchmark_group("tagging");
    g.throughput(Throughput::Elements(1));
    g.bench_function("builtin_tags_short", |b| {
        b.iter(|| tagger.tags(black_box(&s), black_box(&record)))
    });
    g.bench_function("builtin_tags_long_2kb", |b| {
        b.iter(|| tagger.tags(black_box(&l), black_box(&record)))
    });
    g.bench_function("classify_request_long_2kb", |b| {
        b.iter(|| classify_request(black_box(&l)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
