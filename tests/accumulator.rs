//! Folds recorded-style OpenAI SSE bodies (`tests/fixtures/openai/<case>.sse`)
//! with `ChunkAccumulator` and compares the result with the completion the
//! non-streamed call returns (`<case>.expected.json`).

use std::path::{Path, PathBuf};

use requesty::stream::accumulator::ChunkAccumulator;
use requesty::{ChatCompletion, ChatCompletionChunk};
use serde_json::Value;

const CASES: &[&str] = &[
    "text",
    "tool_calls_parallel",
    "tool_call_repeated_id_name",
    "tool_call_no_index",
    "legacy_function_call",
    "n2",
    "logprobs",
    "refusal",
    "reasoning",
];

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/openai")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The chunks of `<case>.sse`: a minimal line-based reading of the SSE body
/// (one `data:` line per event, events separated by a blank line, ended by
/// `data: [DONE]`).
fn chunks(case: &str) -> Vec<ChatCompletionChunk> {
    let path = fixture_dir().join(format!("{case}.sse"));
    let body = read(&path);
    assert!(
        body.ends_with("data: [DONE]\n\n"),
        "{case}.sse must end with `data: [DONE]` and a blank line"
    );
    let mut out = Vec::new();
    let mut done = false;
    for (n, line) in body.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        assert!(!done, "{case}.sse:{}: data after [DONE]", n + 1);
        let data = line
            .strip_prefix("data:")
            .unwrap_or_else(|| panic!("{case}.sse:{}: not a data line: {line}", n + 1));
        let data = data.strip_prefix(' ').unwrap_or(data);
        if data == "[DONE]" {
            done = true;
            continue;
        }
        let chunk =
            serde_json::from_str(data).unwrap_or_else(|e| panic!("{case}.sse:{}: {e}", n + 1));
        out.push(chunk);
    }
    assert!(done, "{case}.sse: no [DONE]");
    assert!(!out.is_empty(), "{case}.sse: no chunks");
    out
}

fn expected(case: &str) -> Value {
    let path = fixture_dir().join(format!("{case}.expected.json"));
    serde_json::from_str(&read(&path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn fold_ref(chunks: &[ChatCompletionChunk]) -> ChatCompletion {
    let mut acc = ChunkAccumulator::new();
    for c in chunks {
        acc.push(c);
    }
    acc.finish()
}

fn fold_owned(chunks: Vec<ChatCompletionChunk>) -> ChatCompletion {
    let mut acc = ChunkAccumulator::new();
    for c in chunks {
        acc.push_owned(c);
    }
    acc.finish()
}

fn to_value(c: &ChatCompletion) -> Value {
    serde_json::to_value(c).expect("a completion serializes")
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).expect("a value serializes")
}

fn check(case: &str) {
    let chunks = chunks(case);
    let want = expected(case);
    for (how, got) in [
        ("push", to_value(&fold_ref(&chunks))),
        ("push_owned", to_value(&fold_owned(chunks.clone()))),
    ] {
        assert!(
            got == want,
            "{case} ({how}): accumulated completion differs from {case}.expected.json\n\
             --- got ---\n{}\n--- expected ---\n{}",
            pretty(&got),
            pretty(&want)
        );
    }
    // The expected file is itself a valid completion, and the accumulated
    // one survives a JSON round trip.
    let parsed: ChatCompletion = serde_json::from_value(want).expect("expected parses");
    assert_eq!(parsed, fold_ref(&chunks), "{case}: typed comparison");
}

macro_rules! fixture_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check(stringify!($name));
            }
        )*
    };
}

fixture_tests!(
    text,
    tool_calls_parallel,
    tool_call_repeated_id_name,
    tool_call_no_index,
    legacy_function_call,
    n2,
    logprobs,
    refusal,
    reasoning,
);

/// Every `<case>.expected.json` has its `<case>.sse` and is in [`CASES`]
/// (other `.sse` files in the folder, e.g. decoder fixtures, are not ours).
#[test]
fn every_fixture_pair_is_tested() {
    let dir = fixture_dir();
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("fixture dir") {
        let name = entry.expect("dir entry").file_name();
        if let Some(case) = name.to_string_lossy().strip_suffix(".expected.json") {
            found.push(case.to_owned());
        }
    }
    found.sort();
    let mut cases: Vec<_> = CASES.iter().map(|c| c.to_string()).collect();
    cases.sort();
    assert_eq!(found, cases);
    for case in CASES {
        assert!(
            dir.join(format!("{case}.sse")).exists(),
            "{case}.sse missing"
        );
    }
}

#[test]
fn push_and_push_owned_agree_on_every_prefix() {
    for case in CASES {
        let chunks = chunks(case);
        let mut by_ref = ChunkAccumulator::new();
        let mut by_val = ChunkAccumulator::new();
        for (i, c) in chunks.iter().enumerate() {
            by_ref.push(c);
            by_val.push_owned(c.clone());
            assert_eq!(
                by_ref.snapshot(),
                by_val.snapshot(),
                "{case}: after chunk {i}"
            );
            assert_eq!(by_ref.text(), by_val.text(), "{case}: after chunk {i}");
            assert_eq!(by_ref.usage(), by_val.usage(), "{case}: after chunk {i}");
            assert_eq!(
                by_ref.all_choices_finished(),
                by_val.all_choices_finished(),
                "{case}: after chunk {i}"
            );
        }
        assert_eq!(by_ref.finish(), by_val.finish(), "{case}: finish");
    }
}

#[test]
fn accessors_match_the_final_completion() {
    for case in CASES {
        let chunks = chunks(case);
        let mut acc = ChunkAccumulator::new();
        assert!(acc.is_empty());
        for c in &chunks {
            acc.push(c);
            assert!(!acc.is_empty());
        }
        assert!(acc.all_choices_finished(), "{case}: not finished");
        let snapshot = acc.snapshot();
        assert_eq!(acc.usage(), snapshot.usage.as_ref(), "{case}");
        assert_eq!(acc.text(), snapshot.text().unwrap_or_default(), "{case}");
        assert_eq!(snapshot, acc.finish(), "{case}: snapshot vs finish");
    }
}

#[test]
fn text_stream_finishes_before_its_usage_chunk() {
    let chunks = chunks("text");
    let (usage_chunk, rest) = chunks.split_last().expect("chunks");
    assert!(usage_chunk.choices.is_empty());
    let mut acc = ChunkAccumulator::new();
    for c in rest {
        acc.push(c);
    }
    assert!(acc.all_choices_finished());
    assert!(acc.usage().is_none());
    assert_eq!(acc.text(), "Café au lait et 🦀 Rust — déjà vu!");
    acc.push(usage_chunk);
    let usage = acc.usage().expect("usage");
    assert_eq!((usage.total_tokens, usage.cost), (31, Some(0.00001005)));
    // OpenAI's stream-only `obfuscation` padding is not carried over.
    assert!(acc.finish().extra.is_empty());
}

#[test]
fn n2_is_finished_only_once_both_choices_are() {
    let chunks = chunks("n2");
    // Chunk 11 finishes choice 0, chunk 13 choice 1, chunk 14 is the usage.
    let mut acc = ChunkAccumulator::new();
    for (i, c) in chunks.iter().enumerate() {
        acc.push(c);
        assert_eq!(acc.all_choices_finished(), i >= 13, "after chunk {i}");
    }
    assert_eq!(chunks.len(), 15);
}
