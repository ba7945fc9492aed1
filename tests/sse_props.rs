//! Property tests for the SSE decoder: however a byte stream is split into
//! reads, the decoder must produce exactly the events it produces for the
//! stream fed whole, and those must match a naive reference implementation
//! of the WHATWG rules.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::sample::Index;
use requesty::stream::sse::{SseDecoder, SseError, SseEvent, SseLimits};

/// Everything observable after feeding a stream and finishing it.
#[derive(Debug, PartialEq)]
struct Outcome {
    events: Vec<SseEvent>,
    error: Option<SseError>,
    comments: u64,
    /// Only meaningful without error: a failed decoder keeps what it had.
    pending_after_finish: Option<usize>,
}

fn run<'a>(reads: impl IntoIterator<Item = &'a [u8]>, limits: SseLimits) -> Outcome {
    let mut decoder = SseDecoder::with_limits(limits);
    let mut events = Vec::new();
    let mut error = None;
    for read in reads {
        if let Err(err) = decoder.push(read, &mut events) {
            error = Some(err);
            break;
        }
    }
    if error.is_none() {
        match decoder.finish() {
            Ok(last) => events.extend(last),
            Err(err) => error = Some(err),
        }
    }
    Outcome {
        pending_after_finish: error.is_none().then(|| decoder.pending_bytes()),
        events,
        error,
        comments: decoder.comments_seen(),
    }
}

/// `input` cut at the given points (in any order, duplicates give empty reads).
fn split<'a>(input: &'a [u8], points: &[usize]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = points.iter().map(|&p| p.min(input.len())).collect();
    points.sort_unstable();
    let mut reads = Vec::with_capacity(points.len() + 1);
    let mut start = 0;
    for point in points {
        reads.push(&input[start..point]);
        start = point;
    }
    reads.push(&input[start..]);
    reads
}

/// A deliberately naive decoder over the whole input: split lines, decode
/// each lossily, then apply the field rules on `str`s.
fn reference(input: &[u8]) -> (Vec<SseEvent>, u64) {
    let mut lines = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < input.len() {
        match input[i] {
            b'\n' => {
                lines.push(&input[start..i]);
                i += 1;
                start = i;
            }
            b'\r' => {
                lines.push(&input[start..i]);
                i += if input.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                start = i;
            }
            _ => i += 1,
        }
    }
    if start < input.len() {
        lines.push(&input[start..]);
    }

    let mut events = Vec::new();
    let mut comments = 0;
    let mut current = SseEvent::default();
    let dispatch = |current: &mut SseEvent, events: &mut Vec<SseEvent>| {
        let mut event = std::mem::take(current);
        if !event.data.is_empty() {
            event.data.pop();
            events.push(event);
        }
    };
    for (n, line) in lines.into_iter().enumerate() {
        let line = String::from_utf8_lossy(line);
        let line = if n == 0 {
            line.strip_prefix('\u{FEFF}').unwrap_or(&line)
        } else {
            &line
        };
        if line.is_empty() {
            dispatch(&mut current, &mut events);
            continue;
        }
        if line.starts_with(':') {
            comments += 1;
            continue;
        }
        let (name, value) = match line.split_once(':') {
            Some((name, value)) => (name, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match name {
            "data" => {
                current.data.push_str(value);
                current.data.push('\n');
            }
            "event" => current.event = Some(value.to_owned()),
            "id" if !value.contains('\0') => current.id = Some(value.to_owned()),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                if let Ok(ms) = value.parse() {
                    current.retry = Some(ms);
                }
            }
            _ => {}
        }
    }
    dispatch(&mut current, &mut events);
    (events, comments)
}

fn check_stream(input: &[u8], points: &[usize], limits: SseLimits) -> Result<(), TestCaseError> {
    let whole = run([input], limits);
    if whole.error.is_none() {
        prop_assert_eq!(whole.pending_after_finish, Some(0));
    }
    // Determinism.
    prop_assert_eq!(&run([input], limits), &whole);
    // Split invariance.
    let split = run(split(input, points), limits);
    prop_assert_eq!(&split, &whole, "split at {:?}", points);
    // Byte by byte for short inputs.
    if input.len() <= 256 {
        prop_assert_eq!(&run(input.chunks(1), limits), &whole, "byte by byte");
    }
    // The reference, when no limit was hit.
    if whole.error.is_none() {
        let (events, comments) = reference(input);
        prop_assert_eq!(&whole.events, &events, "reference events");
        prop_assert_eq!(whole.comments, comments, "reference comments");
    }
    Ok(())
}

fn ending() -> impl Strategy<Value = &'static str> {
    prop_oneof![4 => Just("\n"), 2 => Just("\r\n"), 1 => Just("\r")]
}

/// Text with multi-byte characters, JSON-escaped enough to stay one line.
fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 .,é日本語🦀\"\\\\{}:\u{FEFF}]{0,16}"
        .prop_map(|s| s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// One realistic SSE line, without its terminator.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => text().prop_map(|t| format!(
            r#"data: {{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{{"index":0,"delta":{{"content":"{t}"}}}}]}}"#
        )),
        2 => text().prop_map(|t| format!("data:{t}")),
        1 => Just("data: [DONE]".to_owned()),
        1 => Just("data:".to_owned()),
        1 => Just("data".to_owned()),
        5 => Just(String::new()),
        2 => prop_oneof![
            Just(": OPENROUTER PROCESSING".to_owned()),
            Just(":".to_owned()),
            Just(": ping é".to_owned()),
        ],
        2 => prop_oneof![
            Just("event: message_start".to_owned()),
            Just("event: content_block_delta".to_owned()),
            Just("event:ping".to_owned()),
            Just("event".to_owned()),
        ],
        1 => (0u32..1000).prop_map(|n| format!("id: {n}")),
        1 => Just("id: a\0b".to_owned()),
        1 => Just("id".to_owned()),
        1 => prop_oneof![
            (0u64..100_000).prop_map(|n| format!("retry: {n}")),
            Just("retry: 1x".to_owned()),
            Just("retry: 99999999999999999999999".to_owned()),
        ],
        1 => Just("foo: bar".to_owned()),
        1 => Just(" data: leading space".to_owned()),
    ]
}

/// A stream of realistic lines with mixed endings, an optional BOM and an
/// optionally unterminated last line.
fn stream() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<bool>(),
        prop::collection::vec((line(), ending()), 0..40),
        any::<bool>(),
    )
        .prop_map(|(bom, lines, cut_last_ending)| {
            let mut out = Vec::new();
            if bom {
                out.extend_from_slice("\u{FEFF}".as_bytes());
            }
            let count = lines.len();
            for (n, (line, end)) in lines.into_iter().enumerate() {
                out.extend_from_slice(line.as_bytes());
                if !(cut_last_ending && n + 1 == count) {
                    out.extend_from_slice(end.as_bytes());
                }
            }
            out
        })
}

/// Arbitrary bytes, biased towards the bytes that matter to the parser.
fn bytes() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        3 => any::<u8>(),
        2 => prop::sample::select(&b"\r\n:  \0"[..]),
        1 => prop::sample::select(&b"\xEF\xBB\xBF\xC3\xA9\xF0\x9F\xA6\x80\xFF"[..]),
        2 => prop::sample::select(&b"dataeventidretry"[..]),
    ];
    prop::collection::vec(byte, 0..512)
}

fn points(input_len: usize, indices: &[Index]) -> Vec<usize> {
    indices.iter().map(|i| i.index(input_len + 1)).collect()
}

fn small_limits() -> impl Strategy<Value = SseLimits> {
    (0usize..200, 0usize..400).prop_map(|(max_line, max_event)| SseLimits {
        max_line,
        max_event,
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        // Integration tests have no lib.rs next to them to persist into.
        failure_persistence: None,
        ..ProptestConfig::with_cases(256)
    })]

    #[test]
    fn realistic_streams_split_anywhere(
        input in stream(),
        indices in prop::collection::vec(any::<Index>(), 0..12),
    ) {
        check_stream(&input, &points(input.len(), &indices), SseLimits::default())?;
    }

    #[test]
    fn realistic_streams_with_small_limits(
        input in stream(),
        indices in prop::collection::vec(any::<Index>(), 0..12),
        limits in small_limits(),
    ) {
        check_stream(&input, &points(input.len(), &indices), limits)?;
    }

    #[test]
    fn arbitrary_bytes_split_anywhere(
        input in bytes(),
        indices in prop::collection::vec(any::<Index>(), 0..12),
    ) {
        check_stream(&input, &points(input.len(), &indices), SseLimits::default())?;
    }

    #[test]
    fn arbitrary_bytes_with_small_limits(
        input in bytes(),
        indices in prop::collection::vec(any::<Index>(), 0..12),
        limits in small_limits(),
    ) {
        check_stream(&input, &points(input.len(), &indices), limits)?;
    }
}

/// Every `*.sse` file under `dir`, recursively.
fn sse_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.expect("read fixtures directory").path();
        if path.is_dir() {
            sse_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "sse") {
            found.push(path);
        }
    }
}

/// Checks every `*.sse` file under `root`; returns how many there were.
fn check_fixtures(root: &Path) -> usize {
    let mut files = Vec::new();
    sse_files(root, &mut files);
    files.sort();

    // xorshift64: deterministic, no dependency.
    let mut seed = 0x2545_F491_4F6C_DD1D_u64;
    let mut next = move |bound: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % (bound as u64 + 1)) as usize
    };
    let limits = SseLimits::default();
    for file in &files {
        let input = std::fs::read(file).expect("read fixture");
        let whole = run([&input[..]], limits);
        assert_eq!(whole.error, None, "{}", file.display());
        let (events, comments) = reference(&input);
        assert_eq!(whole.events, events, "{}: reference", file.display());
        assert_eq!(whole.comments, comments, "{}: reference", file.display());
        for round in 0..300 {
            // Alternate single cuts with many small ones.
            let cuts = if round % 2 == 0 { 1 } else { 1 + next(32) };
            let points: Vec<usize> = (0..cuts).map(|_| next(input.len())).collect();
            let split = run(split(&input, &points), limits);
            assert_eq!(split, whole, "{} split at {points:?}", file.display());
        }
        assert_eq!(
            run(input.chunks(7), limits),
            whole,
            "{}: 7-byte reads",
            file.display()
        );
    }
    files.len()
}

#[test]
fn fixtures_are_split_invariant() {
    // There may be no fixtures yet; then there is nothing to check.
    check_fixtures(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"));
}

/// The fixture walk itself, on a throwaway directory.
#[test]
fn fixture_walk_finds_nested_sse_files() {
    let root = std::env::temp_dir().join(format!("requesty-sse-props-{}", std::process::id()));
    let nested = root.join("openai/nested");
    std::fs::create_dir_all(&nested).expect("create temp fixtures");
    let chat = "data: {\"choices\":[{\"delta\":{\"content\":\"h\u{e9}llo \u{1F980}\"}}]}\r\n\r\n\
        : OPENROUTER PROCESSING\r\n\r\n\
        data: [DONE]\r\n\r\n";
    let anthropic = "event: message_start\ndata: {\"type\":\"message_start\"}\n\n\
        event: message_stop\rdata: {}\r\r";
    std::fs::write(root.join("chat.sse"), chat).expect("write fixture");
    std::fs::write(nested.join("anthropic.sse"), anthropic).expect("write fixture");
    std::fs::write(root.join("notes.txt"), "data: not a fixture").expect("write file");
    let checked = check_fixtures(&root);
    std::fs::remove_dir_all(&root).expect("remove temp fixtures");
    assert_eq!(checked, 2);
}
