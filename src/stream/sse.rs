//! Server-sent events decoder (bytes in, events out; no HTTP inside).
//!
//! [`SseDecoder`] implements the WHATWG HTML "event stream interpretation"
//! rules (the parser behind `EventSource`) over raw bytes, as they arrive from
//! the network in reads of arbitrary size:
//!
//! - lines end with `\n`, `\r\n` or a lone `\r`, also when the `\r` and the
//!   `\n` of one `\r\n` arrive in different reads;
//! - a UTF-8 byte order mark at the very start of the stream is skipped;
//! - lines are decoded as UTF-8 one complete line at a time, so a character
//!   split across reads is reassembled; invalid sequences become U+FFFD;
//! - a line starting with `:` is a comment (counted, see
//!   [`SseDecoder::comments_seen`]);
//! - `field:value` lines lose one optional space after the colon, a line
//!   without a colon is a field with an empty value; the fields `event`,
//!   `data`, `id` and `retry` are understood, others are ignored;
//! - an empty line dispatches the event, unless no `data` field was seen.
//!
//! Two deliberate differences from browsers: [`SseEvent::id`] is the `id`
//! field of the event itself (not the sticky "last event ID"), and
//! [`SseEvent::event`] stays `None` when the event had no `event` field. At
//! the end of the input, [`SseDecoder::finish`] dispatches a final event that
//! lacked its trailing blank line, where a browser would drop it.
//!
//! ```
//! use requesty::stream::sse::SseDecoder;
//!
//! let mut decoder = SseDecoder::new();
//! let mut events = Vec::new();
//! decoder.push(b"event: delta\ndata: {\"a\":", &mut events)?;
//! decoder.push(b"1}\n\n: keep-alive\ndata: [DONE]\n\n", &mut events)?;
//! assert_eq!(events.len(), 2);
//! assert_eq!(events[0].event_type(), "delta");
//! assert_eq!(events[0].data, r#"{"a":1}"#);
//! assert!(events[1].is_done());
//! assert_eq!(decoder.comments_seen(), 1);
//! assert_eq!(decoder.finish()?, None);
//! # Ok::<(), requesty::stream::sse::SseError>(())
//! ```

use std::borrow::Cow;

/// The UTF-8 encoding of U+FEFF, skipped at the start of a stream.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// The `event` field, `None` when the event had none (the event type is
    /// then `"message"`, see [`SseEvent::event_type`]).
    pub event: Option<String>,
    /// The `data` lines of the event, joined with `'\n'`.
    pub data: String,
    /// The `id` field of this event, if it had one (an `id` field containing
    /// NUL is ignored, as the spec requires). `Some("")` means the event
    /// carried an empty `id:` field, which resets the last event ID.
    pub id: Option<String>,
    /// The `retry` field of this event in milliseconds, if it had a valid one
    /// (ASCII digits only, fitting in a `u64`).
    pub retry: Option<u64>,
}

impl SseEvent {
    /// The event type: the `event` field, or `"message"` when it is absent
    /// or empty (the spec's default).
    pub fn event_type(&self) -> &str {
        match self.event.as_deref() {
            None | Some("") => "message",
            Some(event) => event,
        }
    }

    /// Whether this is the OpenAI-style end-of-stream marker: data equal to
    /// `[DONE]`, ignoring surrounding whitespace.
    pub fn is_done(&self) -> bool {
        self.data.trim() == "[DONE]"
    }
}

/// Why the decoder rejected its input.
///
/// After an error the decoder stays failed: every later call to
/// [`SseDecoder::push`] or [`SseDecoder::finish`] returns the same error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SseError {
    /// A line (without its terminator) exceeded [`SseLimits::max_line`]
    /// bytes; detected as soon as the buffered part of the line is too long.
    #[error("SSE line longer than the limit of {limit} bytes")]
    LineTooLong {
        /// The limit that was exceeded, in bytes.
        limit: usize,
    },
    /// The data of one event exceeded [`SseLimits::max_event`] bytes.
    #[error("SSE event data larger than the limit of {limit} bytes")]
    EventTooLarge {
        /// The limit that was exceeded, in bytes.
        limit: usize,
    },
}

/// Size limits that protect the decoder against unbounded input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SseLimits {
    /// Maximum length of one line in bytes, excluding its terminator
    /// (default 1 MiB).
    pub max_line: usize,
    /// Maximum length of the data of one event in bytes, after joining its
    /// `data` lines with `'\n'` (default 16 MiB).
    pub max_event: usize,
}

impl Default for SseLimits {
    fn default() -> Self {
        Self {
            max_line: 1 << 20,
            max_event: 16 << 20,
        }
    }
}

/// Incremental server-sent events decoder.
///
/// Feed it network reads with [`push`](Self::push) and call
/// [`finish`](Self::finish) at the end of the input; after `finish` the
/// decoder is ready for a new stream.
#[derive(Debug, Clone, Default)]
pub struct SseDecoder {
    /// Bytes of the current, not yet terminated line.
    line: Vec<u8>,
    /// The previous read ended with `\r`: skip a `\n` starting the next one.
    pending_cr: bool,
    /// The first error; once set, the decoder refuses further input.
    error: Option<SseError>,
    /// Field parsing and the event being built.
    state: EventState,
}

/// Everything but line splitting: interprets complete lines.
#[derive(Debug, Clone)]
struct EventState {
    limits: SseLimits,
    /// No line completed yet since the stream started (BOM still possible).
    at_start: bool,
    /// The data buffer: every `data` value followed by `'\n'`.
    data: String,
    event: Option<String>,
    id: Option<String>,
    retry: Option<u64>,
    comments: u64,
}

impl Default for EventState {
    fn default() -> Self {
        Self::new(SseLimits::default())
    }
}

impl SseDecoder {
    /// A decoder with the default [`SseLimits`].
    pub fn new() -> Self {
        Self::default()
    }

    /// A decoder with the given limits.
    pub fn with_limits(limits: SseLimits) -> Self {
        Self {
            state: EventState::new(limits),
            ..Self::default()
        }
    }

    /// Feed the next network read. Complete events are appended to `out`.
    ///
    /// On error, the events completed before the offending line have
    /// already been appended to `out`.
    pub fn push(&mut self, bytes: &[u8], out: &mut Vec<SseEvent>) -> Result<(), SseError> {
        if let Some(err) = &self.error {
            return Err(err.clone());
        }
        let result = self.push_inner(bytes, out);
        if let Err(err) = &result {
            self.error = Some(err.clone());
        }
        result
    }

    /// End of input: dispatch a final event that lacked its trailing blank
    /// line (a final unterminated line counts as a line). Returns it if any.
    ///
    /// The decoder is then reset for a new stream (the comment count is
    /// kept).
    pub fn finish(&mut self) -> Result<Option<SseEvent>, SseError> {
        if let Some(err) = &self.error {
            return Err(err.clone());
        }
        self.pending_cr = false;
        let mut event = None;
        if !self.line.is_empty() {
            match self.state.line(&self.line) {
                Ok(ev) => event = ev,
                Err(err) => {
                    self.error = Some(err.clone());
                    return Err(err);
                }
            }
            self.line.clear();
        }
        let event = event.or_else(|| self.state.dispatch());
        self.state.reset_stream();
        if self.line.capacity() > 64 * 1024 {
            self.line = Vec::new();
        }
        Ok(event)
    }

    /// Number of comment lines seen so far (keep-alives such as
    /// `: OPENROUTER PROCESSING`).
    pub fn comments_seen(&self) -> u64 {
        self.state.comments
    }

    /// Bytes buffered but not yet part of a complete line.
    pub fn pending_bytes(&self) -> usize {
        self.line.len()
    }

    fn push_inner(&mut self, mut bytes: &[u8], out: &mut Vec<SseEvent>) -> Result<(), SseError> {
        if self.pending_cr {
            if let Some((&first, rest)) = bytes.split_first() {
                self.pending_cr = false;
                if first == b'\n' {
                    bytes = rest;
                }
            }
        }
        let max_line = self.state.limits.max_line;

        // Finish the line started by an earlier read: the only copy of input.
        if !self.line.is_empty() {
            let Some(end) = find_eol(bytes) else {
                check_line(self.line.len().saturating_add(bytes.len()), max_line)?;
                self.line.extend_from_slice(bytes);
                return Ok(());
            };
            check_line(self.line.len().saturating_add(end), max_line)?;
            self.line.extend_from_slice(&bytes[..end]);
            let event = self.state.line(&self.line)?;
            self.line.clear();
            out.extend(event);
            bytes = self.after_eol(bytes, end);
        }

        // Whole lines straight from the read, no copy.
        while let Some(end) = find_eol(bytes) {
            check_line(end, max_line)?;
            out.extend(self.state.line(&bytes[..end])?);
            bytes = self.after_eol(bytes, end);
        }
        check_line(bytes.len(), max_line)?;
        self.line.extend_from_slice(bytes);
        Ok(())
    }

    /// The rest of `bytes` after the line terminator at `end`.
    fn after_eol<'a>(&mut self, bytes: &'a [u8], end: usize) -> &'a [u8] {
        let rest = &bytes[end + 1..];
        if bytes[end] == b'\r' {
            match rest.split_first() {
                Some((b'\n', after_lf)) => return after_lf,
                None => self.pending_cr = true,
                Some(_) => {}
            }
        }
        rest
    }
}

impl EventState {
    fn new(limits: SseLimits) -> Self {
        Self {
            limits,
            at_start: true,
            data: String::new(),
            event: None,
            id: None,
            retry: None,
            comments: 0,
        }
    }

    /// Back to the start of a stream, keeping the limits and comment count.
    fn reset_stream(&mut self) {
        self.at_start = true;
        self.data = String::new();
        self.event = None;
        self.id = None;
        self.retry = None;
    }

    /// Interpret one complete line (without its terminator).
    fn line(&mut self, mut line: &[u8]) -> Result<Option<SseEvent>, SseError> {
        if self.at_start {
            self.at_start = false;
            line = line.strip_prefix(BOM).unwrap_or(line);
        }
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(0) => {
                self.comments += 1;
                return Ok(None);
            }
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None if line.is_empty() => return Ok(self.dispatch()),
            None => (line, &b""[..]),
        };
        match name {
            b"data" => {
                let value = String::from_utf8_lossy(value);
                let limit = self.limits.max_event;
                if self.data.len().saturating_add(value.len()) > limit {
                    return Err(SseError::EventTooLarge { limit });
                }
                // One allocation for the usual single-line event.
                self.data.reserve(value.len() + 1);
                self.data.push_str(&value);
                self.data.push('\n');
            }
            b"event" => self.event = Some(decode(value)),
            b"id" if !value.contains(&0) => self.id = Some(decode(value)),
            b"retry" => self.retry = parse_retry(value).or(self.retry),
            _ => {}
        }
        Ok(None)
    }

    /// The blank-line step: build the event, if any, and reset the buffers.
    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = self.event.take();
        let id = self.id.take();
        let retry = self.retry.take();
        if self.data.is_empty() {
            return None;
        }
        let mut data = std::mem::take(&mut self.data);
        data.pop(); // the '\n' appended after the last data line
        Some(SseEvent {
            event,
            data,
            id,
            retry,
        })
    }
}

fn check_line(len: usize, limit: usize) -> Result<(), SseError> {
    if len > limit {
        Err(SseError::LineTooLong { limit })
    } else {
        Ok(())
    }
}

fn decode(bytes: &[u8]) -> String {
    match String::from_utf8_lossy(bytes) {
        Cow::Borrowed(s) => s.to_owned(),
        Cow::Owned(s) => s,
    }
}

/// A `retry` value: ASCII digits only, non-empty, fitting in a `u64`.
fn parse_retry(value: &[u8]) -> Option<u64> {
    if value.is_empty() {
        return None;
    }
    value.iter().try_fold(0u64, |acc, &b| {
        if b.is_ascii_digit() {
            acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        } else {
            None
        }
    })
}

/// Index of the first `\n` or `\r` in `hay`.
///
/// Word-at-a-time search (eight bytes per step) in safe code: for a word `x`,
/// `(x - 0x01..01) & !x & 0x80..80` flags zero bytes, and its lowest set bit
/// is exactly the first zero byte (borrows only propagate upwards). XOR with
/// the repeated needle turns matching bytes into zero bytes.
#[inline]
fn find_eol(hay: &[u8]) -> Option<usize> {
    const LO: u64 = u64::from_le_bytes([0x01; 8]);
    const HI: u64 = u64::from_le_bytes([0x80; 8]);
    const LF: u64 = u64::from_le_bytes([b'\n'; 8]);
    const CR: u64 = u64::from_le_bytes([b'\r'; 8]);
    let scalar = |from: usize| {
        hay.get(from..)?
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .map(|i| from + i)
    };
    if hay.len() < 16 {
        return scalar(0);
    }
    let mut chunks = hay.chunks_exact(8);
    let mut base = 0;
    for chunk in chunks.by_ref() {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else {
            return scalar(base);
        };
        let word = u64::from_le_bytes(word);
        let lf = word ^ LF;
        let cr = word ^ CR;
        let found = ((lf.wrapping_sub(LO) & !lf) | (cr.wrapping_sub(LO) & !cr)) & HI;
        if found != 0 {
            return Some(base + (found.trailing_zeros() / 8) as usize);
        }
        base += 8;
    }
    scalar(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(data: &str) -> SseEvent {
        SseEvent {
            data: data.to_owned(),
            ..SseEvent::default()
        }
    }

    /// Feed `input` in one read, then finish; the events and the final one.
    fn decode_all(input: &[u8]) -> Vec<SseEvent> {
        decode_reads(&[input])
    }

    fn decode_reads(reads: &[&[u8]]) -> Vec<SseEvent> {
        let mut decoder = SseDecoder::new();
        let mut out = Vec::new();
        for read in reads {
            decoder.push(read, &mut out).unwrap();
        }
        out.extend(decoder.finish().unwrap());
        out
    }

    /// Every split of `input` into two and three reads gives `expected`.
    fn assert_split_invariant(input: &[u8], expected: &[SseEvent]) {
        assert_eq!(decode_all(input), expected, "whole");
        for i in 0..=input.len() {
            let (a, b) = input.split_at(i);
            assert_eq!(decode_reads(&[a, b]), expected, "split at {i}");
            for j in i..=input.len() {
                let (b, c) = input[i..].split_at(j - i);
                assert_eq!(decode_reads(&[a, b, c]), expected, "split at {i}, {j}");
            }
        }
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(decode_reads(&bytes), expected, "byte by byte");
    }

    #[test]
    fn lf_line_endings() {
        assert_split_invariant(b"data: a\n\ndata: b\n\n", &[ev("a"), ev("b")]);
    }

    #[test]
    fn crlf_line_endings() {
        assert_split_invariant(b"data: a\r\n\r\ndata: b\r\n\r\n", &[ev("a"), ev("b")]);
    }

    #[test]
    fn cr_line_endings() {
        assert_split_invariant(b"data: a\r\rdata: b\r\r", &[ev("a"), ev("b")]);
    }

    #[test]
    fn mixed_line_endings() {
        assert_split_invariant(b"data: a\r\ndata: b\rdata: c\n\r\n", &[ev("a\nb\nc")]);
    }

    #[test]
    fn crlf_split_across_reads_is_one_line_end() {
        let mut decoder = SseDecoder::new();
        let mut out = Vec::new();
        decoder.push(b"data: a\r", &mut out).unwrap();
        assert!(out.is_empty());
        assert_eq!(decoder.pending_bytes(), 0);
        decoder.push(b"", &mut out).unwrap(); // an empty read changes nothing
        decoder.push(b"\ndata: b\r", &mut out).unwrap();
        assert!(out.is_empty(), "the \\n after \\r must not be a blank line");
        decoder.push(b"\n\r", &mut out).unwrap();
        assert_eq!(out, [ev("a\nb")]);
        decoder.push(b"\n", &mut out).unwrap();
        assert_eq!(out, [ev("a\nb")], "\\r\\n split again");
        assert_eq!(decoder.finish().unwrap(), None);
    }

    #[test]
    fn cr_then_cr_across_reads_is_blank_line() {
        assert_eq!(
            decode_reads(&[b"data: a\r", b"\r", b"data: b"]),
            [ev("a"), ev("b")]
        );
    }

    #[test]
    fn multi_line_data() {
        assert_split_invariant(
            b"data: line one\ndata: line two\ndata:\ndata: four\n\n",
            &[ev("line one\nline two\n\nfour")],
        );
    }

    #[test]
    fn event_id_retry_fields() {
        let expected = SseEvent {
            event: Some("message_start".into()),
            data: "{\"type\":\"message_start\"}".into(),
            id: Some("42".into()),
            retry: Some(3000),
        };
        assert_split_invariant(
            b"event: message_start\nid: 42\nretry: 3000\ndata: {\"type\":\"message_start\"}\n\n",
            &[expected],
        );
    }

    #[test]
    fn fields_are_per_event() {
        let out = decode_all(b"event: a\nid: 1\nretry: 5\ndata: x\n\ndata: y\n\n");
        assert_eq!(out[0].event.as_deref(), Some("a"));
        assert_eq!(out[0].id.as_deref(), Some("1"));
        assert_eq!(out[0].retry, Some(5));
        assert_eq!(out[1], ev("y"));
        assert_eq!(out[1].event_type(), "message");
    }

    #[test]
    fn last_field_wins() {
        let out = decode_all(b"event: a\nevent: b\nid: 1\nid: 2\nretry: 1\nretry: 2\ndata\n\n");
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].event.as_deref(), Some("b"));
        assert_eq!(out[0].id.as_deref(), Some("2"));
        assert_eq!(out[0].retry, Some(2));
    }

    #[test]
    fn event_type_defaults_to_message() {
        assert_eq!(ev("x").event_type(), "message");
        let out = decode_all(b"event:\ndata: x\n\n");
        assert_eq!(out[0].event.as_deref(), Some(""));
        assert_eq!(out[0].event_type(), "message");
        let out = decode_all(b"event: ping\ndata: x\n\n");
        assert_eq!(out[0].event_type(), "ping");
    }

    #[test]
    fn id_with_nul_is_ignored() {
        let out = decode_all(b"id: 7\nid: a\0b\ndata: x\n\n");
        assert_eq!(out[0].id.as_deref(), Some("7"));
        let out = decode_all(b"id: a\0b\ndata: x\n\n");
        assert_eq!(out[0].id, None);
    }

    #[test]
    fn empty_id_is_kept() {
        let out = decode_all(b"id\ndata: x\n\n");
        assert_eq!(out[0].id.as_deref(), Some(""));
    }

    #[test]
    fn retry_needs_ascii_digits() {
        for bad in [
            &b"retry: 12a\n"[..],
            b"retry: -1\n",
            b"retry:  1\n",
            b"retry: 1 \n",
            b"retry: \xd9\xa1\n", // ARABIC-INDIC DIGIT ONE
            b"retry:\n",
            b"retry\n",
            b"retry: 99999999999999999999999\n",
        ] {
            let mut input = bad.to_vec();
            input.extend_from_slice(b"data: x\n\n");
            assert_eq!(
                decode_all(&input),
                [ev("x")],
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(decode_all(b"retry:0\ndata: x\n\n")[0].retry, Some(0));
        assert_eq!(
            decode_all(b"retry: 18446744073709551615\ndata: x\n\n")[0].retry,
            Some(u64::MAX)
        );
    }

    #[test]
    fn comments_are_counted_not_dispatched() {
        let mut decoder = SseDecoder::new();
        let mut out = Vec::new();
        decoder
            .push(b": OPENROUTER PROCESSING\n\n:\n\n: ping\r\n", &mut out)
            .unwrap();
        decoder
            .push(b"data: x\n:in the middle\ndata: y\n\n", &mut out)
            .unwrap();
        assert_eq!(out, [ev("x\ny")]);
        assert_eq!(decoder.comments_seen(), 4);
        assert_eq!(decoder.finish().unwrap(), None);
        assert_eq!(decoder.comments_seen(), 4);
    }

    #[test]
    fn only_one_leading_space_is_removed() {
        assert_eq!(decode_all(b"data:x\n\n"), [ev("x")]);
        assert_eq!(decode_all(b"data: x\n\n"), [ev("x")]);
        assert_eq!(decode_all(b"data:  x \n\n"), [ev(" x ")]);
        assert_eq!(decode_all(b"data:\tx\n\n"), [ev("\tx")]);
        assert_eq!(decode_all(b"data: a:b: c\n\n"), [ev("a:b: c")]);
    }

    #[test]
    fn field_without_colon_has_empty_value() {
        assert_eq!(decode_all(b"data\n\n"), [ev("")]);
        assert_eq!(decode_all(b"data\ndata\n\n"), [ev("\n")]);
        let out = decode_all(b"event\ndata: x\n\n");
        assert_eq!(out[0].event.as_deref(), Some(""));
    }

    #[test]
    fn field_names_are_exact() {
        assert_eq!(
            decode_all(b"Data: no\ndata : no\n data: no\nDATA\nfoo: bar\n\n"),
            []
        );
        assert_eq!(decode_all(b"dat: no\ndata: yes\nx\n\n"), [ev("yes")]);
    }

    #[test]
    fn empty_data_line_gives_event_with_empty_data() {
        assert_split_invariant(b"data:\n\n", &[ev("")]);
        assert_split_invariant(b"data: \n\n", &[ev("")]);
    }

    #[test]
    fn blank_line_without_data_dispatches_nothing() {
        assert_eq!(decode_all(b"\n\n\r\n\r"), []);
        assert_eq!(
            decode_all(b"event: a\nid: 1\nretry: 2\n\ndata: x\n\n"),
            [ev("x")]
        );
    }

    #[test]
    fn leading_bom_is_skipped_once() {
        assert_split_invariant(b"\xEF\xBB\xBFdata: a\n\n", &[ev("a")]);
        assert_split_invariant(b"\xEF\xBB\xBF: c\ndata: a\n\n", &[ev("a")]);
        // A second BOM is part of the field name, so the line is ignored.
        assert_eq!(decode_all(b"\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\n"), []);
        // Not at the start of the stream: not skipped either.
        assert_eq!(decode_all(b"\n\xEF\xBB\xBFdata: a\n\n"), []);
        // In a value it is data.
        assert_eq!(decode_all(b"data: \xEF\xBB\xBFa\n\n"), [ev("\u{FEFF}a")]);
    }

    #[test]
    fn bom_only_first_line() {
        assert_eq!(decode_all(b"\xEF\xBB\xBF\ndata: a\n\n"), [ev("a")]);
        assert_eq!(decode_all(b"\xEF\xBB\xBF"), []);
    }

    #[test]
    fn utf8_split_at_every_byte() {
        let input = "event: café\ndata: é🦀 日本語\nid: 🦀\n\n".as_bytes();
        let expected = SseEvent {
            event: Some("café".into()),
            data: "é🦀 日本語".into(),
            id: Some("🦀".into()),
            retry: None,
        };
        assert_split_invariant(input, &[expected]);
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        assert_eq!(decode_all(b"data: a\xFFb\n\n"), [ev("a\u{FFFD}b")]);
        // A truncated sequence at the end of a line.
        assert_eq!(decode_all(b"data: \xF0\x9F\xA6\n\n"), [ev("\u{FFFD}")]);
        assert_eq!(decode_all(b"data: \xC3\r\n\r\n"), [ev("\u{FFFD}")]);
        let out = decode_all(b"event: \xFE\ndata: x\n\n");
        assert_eq!(out[0].event.as_deref(), Some("\u{FFFD}"));
        assert_split_invariant(b"data: \xE9t\xE9\n\n", &[ev("\u{FFFD}t\u{FFFD}")]);
    }

    #[test]
    fn final_event_without_blank_line() {
        assert_split_invariant(b"data: a\n\ndata: b", &[ev("a"), ev("b")]);
        assert_split_invariant(b"data: a\n\ndata: b\n", &[ev("a"), ev("b")]);
        assert_split_invariant(b"data: a\n\ndata: b\r", &[ev("a"), ev("b")]);
        let mut decoder = SseDecoder::new();
        let mut out = Vec::new();
        decoder
            .push(b"event: e\ndata: 1\ndata: 2", &mut out)
            .unwrap();
        assert!(out.is_empty());
        assert_eq!(decoder.pending_bytes(), 7);
        let last = decoder.finish().unwrap().unwrap();
        assert_eq!(last.data, "1\n2");
        assert_eq!(last.event.as_deref(), Some("e"));
        assert_eq!(decoder.pending_bytes(), 0);
        // Nothing left for a second finish.
        assert_eq!(decoder.finish().unwrap(), None);
        // A final line without data dispatches nothing.
        assert_eq!(decode_all(b"data: a\n\nevent: x"), [ev("a")]);
    }

    #[test]
    fn finish_resets_for_a_new_stream() {
        let mut decoder = SseDecoder::new();
        let mut out = Vec::new();
        decoder
            .push(b"\xEF\xBB\xBFdata: a\n\ndata: b\r", &mut out)
            .unwrap();
        assert_eq!(decoder.finish().unwrap(), Some(ev("b")));
        decoder.push(b"\xEF\xBB\xBFdata: c\n\n", &mut out).unwrap();
        assert_eq!(out, [ev("a"), ev("c")]);
    }

    #[test]
    fn done_marker() {
        let out = decode_all(b"data: {\"x\":1}\n\ndata: [DONE]\n\n");
        assert!(!out[0].is_done());
        assert!(out[1].is_done());
        assert!(ev(" [DONE] ").is_done());
        assert!(!ev("[DONE]x").is_done());
        assert!(!ev("").is_done());
    }

    #[test]
    fn pending_bytes_counts_the_partial_line() {
        let mut decoder = SseDecoder::new();
        let mut out = Vec::new();
        decoder.push(b"data: abc", &mut out).unwrap();
        assert_eq!(decoder.pending_bytes(), 9);
        decoder.push(b"def", &mut out).unwrap();
        assert_eq!(decoder.pending_bytes(), 12);
        decoder.push(b"\n", &mut out).unwrap();
        assert_eq!(decoder.pending_bytes(), 0);
        decoder.push(b"\ndata: x", &mut out).unwrap();
        assert_eq!(decoder.pending_bytes(), 7);
        assert_eq!(out, [ev("abcdef")]);
    }

    #[test]
    fn line_too_long() {
        let limits = SseLimits {
            max_line: 10,
            max_event: 100,
        };
        let err = SseError::LineTooLong { limit: 10 };

        // Exactly at the limit is fine, whole or split.
        let mut decoder = SseDecoder::with_limits(limits);
        let mut out = Vec::new();
        decoder.push(b"data: 1234\n\n", &mut out).unwrap();
        decoder.push(b"data: ", &mut out).unwrap();
        decoder.push(b"1234\r\n\r\n", &mut out).unwrap();
        assert_eq!(out, [ev("1234"), ev("1234")]);

        // A complete line.
        let mut decoder = SseDecoder::with_limits(limits);
        let mut out = Vec::new();
        assert_eq!(
            decoder.push(b"data: a\n\ndata: 12345\n\n", &mut out),
            Err(err.clone())
        );
        assert_eq!(out, [ev("a")]);
        // The decoder stays failed.
        assert_eq!(decoder.push(b"data: b\n\n", &mut out), Err(err.clone()));
        assert_eq!(decoder.finish(), Err(err.clone()));

        // Still incomplete, in one read or growing over several.
        let mut decoder = SseDecoder::with_limits(limits);
        assert_eq!(decoder.push(b"data: 12345", &mut out), Err(err.clone()));
        let mut decoder = SseDecoder::with_limits(limits);
        decoder.push(b"data: ", &mut out).unwrap();
        decoder.push(b"1234", &mut out).unwrap();
        assert_eq!(decoder.push(b"5", &mut out), Err(err.clone()));
        // Completed in a later read.
        let mut decoder = SseDecoder::with_limits(limits);
        decoder.push(b"data: ", &mut out).unwrap();
        assert_eq!(decoder.push(b"12345\n", &mut out), Err(err.clone()));

        assert_eq!(
            err.to_string(),
            "SSE line longer than the limit of 10 bytes"
        );
    }

    #[test]
    fn event_too_large() {
        let limits = SseLimits {
            max_line: 100,
            max_event: 8,
        };
        let err = SseError::EventTooLarge { limit: 8 };
        // 8 bytes of data exactly: "1234\n567".
        let mut decoder = SseDecoder::with_limits(limits);
        let mut out = Vec::new();
        decoder
            .push(b"data: 1234\ndata: 567\n\n", &mut out)
            .unwrap();
        assert_eq!(out, [ev("1234\n567")]);
        // The limit is per event.
        decoder.push(b"data: 12345678\n\n", &mut out).unwrap();
        assert_eq!(
            decoder.push(b"data: 1234\ndata: 5678\n\n", &mut out),
            Err(err.clone())
        );
        assert_eq!(out.len(), 2);
        assert_eq!(decoder.finish(), Err(err.clone()));
        // The final, unterminated line is checked too.
        let mut decoder = SseDecoder::with_limits(limits);
        decoder.push(b"data: 123456789", &mut out).unwrap();
        assert_eq!(decoder.finish(), Err(err.clone()));
        assert_eq!(
            err.to_string(),
            "SSE event data larger than the limit of 8 bytes"
        );
    }

    #[test]
    fn default_limits() {
        let limits = SseLimits::default();
        assert_eq!(limits.max_line, 1024 * 1024);
        assert_eq!(limits.max_event, 16 * 1024 * 1024);
        assert_eq!(SseDecoder::new().state.limits, limits);
    }

    #[test]
    fn long_lines_across_many_reads() {
        let payload = "x".repeat(100_000);
        let input = format!("data: {payload}\r\n\r\n");
        let reads: Vec<&[u8]> = input.as_bytes().chunks(1500).collect();
        assert_eq!(decode_reads(&reads), [ev(&payload)]);
    }

    #[test]
    fn find_eol_matches_scalar_search() {
        let mut hay = vec![b'a'; 40];
        assert_eq!(find_eol(&hay), None);
        assert_eq!(find_eol(&[]), None);
        for i in 0..hay.len() {
            for needle in [b'\n', b'\r'] {
                hay[i] = needle;
                assert_eq!(find_eol(&hay), Some(i));
                assert_eq!(find_eol(&hay[..=i]), Some(i));
                hay[i] = b'a';
            }
        }
        // Bytes that trip naive bit tricks: 0x0B/0x0E (needle ^ 1), high bytes.
        let mut hay: Vec<u8> = (0u8..=255).filter(|&b| b != b'\n' && b != b'\r').collect();
        assert_eq!(find_eol(&hay), None);
        hay.push(b'\r');
        assert_eq!(find_eol(&hay), Some(254));
    }

    #[test]
    fn anthropic_style_stream() {
        let input = b"event: message_start\n\
            data: {\"type\":\"message_start\"}\n\n\
            event: ping\n\
            data: {\"type\": \"ping\"}\n\n\
            event: content_block_delta\n\
            data: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\"Hi\"}}\n\n\
            event: message_stop\n\
            data: {\"type\":\"message_stop\"}\n\n";
        let out = decode_all(input);
        let types: Vec<&str> = out.iter().map(SseEvent::event_type).collect();
        assert_eq!(
            types,
            [
                "message_start",
                "ping",
                "content_block_delta",
                "message_stop"
            ]
        );
        assert_eq!(
            out[2].data,
            r#"{"type":"content_block_delta","delta":{"text":"Hi"}}"#
        );
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let alphabet = b"data:event:id:retry: \r\n\n\xEF\xBB\xBF\xFF\xC3\xA9\x00123[DONE]";
        for _ in 0..500 {
            let len = (next() % 64) as usize;
            let input: Vec<u8> = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let mut decoder = SseDecoder::with_limits(SseLimits {
                max_line: 16,
                max_event: 16,
            });
            let mut out = Vec::new();
            for read in input.chunks((next() % 7 + 1) as usize) {
                if decoder.push(read, &mut out).is_err() {
                    break;
                }
            }
            let _ = decoder.finish();
        }
    }
}
