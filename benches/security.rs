//! Security scanner speed on a realistic 4 KB prompt: detection at the
//! Basic level (with no findings and with a few), redaction, the injection
//! check (Advanced), and the stream redactor.
//!
//! Run with `cargo bench --bench security`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use requesty::router::security::{Scanner, StreamRedactor};

/// About 4 KB of a typical coding prompt: prose, code, numbers, dates,
/// versions, words like "token" and "key", but no secrets or personal data.
fn clean_prompt() -> String {
    let base = r#"I'm migrating our billing service from Python 3.9 to 3.11 and upgrading
Django from 3.2.18 to 4.2.7. Since the upgrade on 2024-05-01 the nightly job that
reconciles invoices fails about 30% of the time. The job runs at 02:15 UTC, reads
roughly 120,000 rows, and the failure shows up in the logs as a timeout after 300
seconds. Here is the relevant part of the task:

```python
def reconcile(batch_size: int = 500, max_tokens: int = 1024) -> int:
    api_key = os.environ["BILLING_API_KEY"]
    client = BillingClient(api_key=api_key, timeout=30)
    total = 0
    for page in client.invoices(status="open", page_size=batch_size):
        for inv in page:
            if inv.amount_cents <= 0:
                continue  # ignore credit notes
            total += inv.amount_cents
            cache.set(f"inv:{inv.id}", inv.to_dict(), timeout=3600)
    return total
```

The settings file has `CACHE_TTL = 3600`, `MAX_RETRIES = 5` and the key prefix
`billing:v2:`. We also pass a token from the request headers to the downstream
service, and the tokenizer counts about 4,000 tokens per page of the report.
Versions: celery 5.3.4, redis-py 5.0.1, psycopg 3.1.12. The database is
PostgreSQL 15.4 with about 2.3 million invoices; the biggest table is 18 GB.
Order numbers look like ORD-2024-000123 and the retry policy is exponential with
a base of 2 seconds and a cap of 60 seconds. Our SLO is 99.9% over 30 days.

What I've tried so far: raising the timeout to 600 seconds (it then fails at 600),
lowering the batch size to 100 (slower, still fails), and adding an index on
(status, created_at). EXPLAIN ANALYZE shows a sequential scan on invoices that
takes 41.7 seconds on its own. Could the new Django version generate a different
query for the `status="open"` filter, and how should I debug that? Please also
suggest how to make the job resumable so a failure after page 57 of 240 does not
start over from page 1.
"#;
    let mut s = String::new();
    while s.len() < 4096 {
        s.push_str(base);
    }
    s.truncate(4096);
    s
}

/// The same prompt with an e-mail address, a card number and an API key in it.
fn prompt_with_findings() -> String {
    let mut s = clean_prompt();
    s.truncate(3900);
    s.push_str(
        "\nContact billing-owner@example.com; test card 4111 1111 1111 1111; \
         key sk-proj-FAKE0key1TEST2FAKE3key4TEST5FAKE6key7TEST8.\n",
    );
    s
}

fn bench(c: &mut Criterion) {
    let scanner = Scanner::new();
    let clean = clean_prompt();
    let dirty = prompt_with_findings();
    assert!(
        scanner.find(&clean).is_empty(),
        "{:?}",
        scanner.find(&clean)
    );
    assert_eq!(scanner.find(&dirty).len(), 3);
    assert!(scanner.injection(&clean).is_empty());

    let mut g = c.benchmark_group("security");
    g.throughput(Throughput::Bytes(clean.len() as u64));
    g.bench_function("find_4k_clean", |b| {
        b.iter(|| scanner.find(black_box(&clean)))
    });
    g.bench_function("find_4k_3_findings", |b| {
        b.iter(|| scanner.find(black_box(&dirty)))
    });
    g.bench_function("redact_4k_3_findings", |b| {
        b.iter(|| scanner.redact(black_box(&dirty)).0.len())
    });
    g.bench_function("injection_4k", |b| {
        b.iter(|| scanner.injection(black_box(&clean)))
    });
    g.bench_function("stream_4k_in_8_byte_pieces", |b| {
        b.iter(|| {
            let mut r = StreamRedactor::new(scanner.clone());
            let mut n = 0;
            for piece in dirty.as_bytes().chunks(8) {
                n += r.push(std::str::from_utf8(piece).unwrap_or_default()).len();
            }
            n + r.finish().len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
