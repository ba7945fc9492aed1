//! Fuzz the SSE decoder: no panics on any input, and the events must not
//! depend on how the input is split into reads.
//!
//! The first byte picks the split point; the rest is the stream.

#![no_main]

use libfuzzer_sys::fuzz_target;
use requesty::stream::sse::{SseDecoder, SseError, SseEvent, SseLimits};

/// Everything observable after feeding `reads` and finishing.
#[derive(Debug, PartialEq)]
struct Outcome {
    events: Vec<SseEvent>,
    error: Option<SseError>,
    comments: u64,
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
        assert_eq!(decoder.pending_bytes(), 0);
    }
    Outcome {
        events,
        error,
        comments: decoder.comments_seen(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, input)) = data.split_first() else {
        return;
    };
    let point = usize::from(first) * input.len() / 255;
    let (head, tail) = input.split_at(point);

    let small = SseLimits {
        max_line: 64,
        max_event: 256,
    };
    for limits in [SseLimits::default(), small] {
        let whole = run([input], limits);
        assert_eq!(run([head, tail], limits), whole, "split at {point}");
        assert_eq!(run(input.chunks(1), limits), whole, "byte by byte");
        for event in &whole.events {
            assert!(event.data.len() <= limits.max_event);
        }
    }
});
