//! Replacing findings with placeholders, in whole texts and in streams.

use std::borrow::Cow;
use std::sync::Arc;

use super::detect::{self, Detector, PEM_MAX, ScanOut, Span};
use super::{Finding, FindingKind, Scanner};

/// One value to replace: a built-in kind or a custom detector's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HitKind {
    /// A built-in kind.
    Builtin(FindingKind),
    /// A custom detector's kind name.
    Custom(String),
}

impl HitKind {
    /// The kind's `snake_case` name.
    pub(crate) fn name(&self) -> &str {
        match self {
            HitKind::Builtin(k) => k.as_str(),
            HitKind::Custom(n) => n,
        }
    }

    fn placeholder(&self) -> Cow<'static, str> {
        match self {
            HitKind::Builtin(k) => Cow::Borrowed(k.placeholder()),
            HitKind::Custom(n) => Cow::Owned(format!("[{} REDACTED]", n.to_ascii_uppercase())),
        }
    }
}

/// A value found by the built-in or the custom detectors, with byte offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    pub start: usize,
    pub end: usize,
    pub kind: HitKind,
}

/// Built-in findings (non-overlapping) and custom spans merged: custom spans
/// out of bounds, empty or off character boundaries are dropped; where a
/// custom span overlaps a kept value, the longer wins (then the built-in).
pub(crate) fn merge_hits(text: &str, builtin: &[Finding], custom: Vec<Span>) -> Vec<Hit> {
    let mut all: Vec<Hit> = builtin
        .iter()
        .map(|f| Hit {
            start: f.start,
            end: f.end,
            kind: HitKind::Builtin(f.kind),
        })
        .collect();
    if custom.is_empty() {
        return all;
    }
    all.extend(
        custom
            .into_iter()
            .filter(|s| {
                s.start < s.end
                    && s.end <= text.len()
                    && text.is_char_boundary(s.start)
                    && text.is_char_boundary(s.end)
            })
            .map(|s| Hit {
                start: s.start,
                end: s.end,
                kind: HitKind::Custom(s.kind_name),
            }),
    );
    all.sort_by(|a, b| {
        (b.end - b.start)
            .cmp(&(a.end - a.start))
            .then_with(|| {
                matches!(b.kind, HitKind::Builtin(_)).cmp(&matches!(a.kind, HitKind::Builtin(_)))
            })
            .then(a.start.cmp(&b.start))
    });
    let mut kept: Vec<Hit> = Vec::with_capacity(all.len());
    for h in all {
        if kept.iter().all(|k| h.end <= k.start || h.start >= k.end) {
            kept.push(h);
        }
    }
    kept.sort_by_key(|h| h.start);
    kept
}

/// Runs the built-in detectors and `custom` over `text`: the redacted text
/// (borrowed when nothing was found) and the hits.
pub(crate) fn redact_with<'a>(
    text: &'a str,
    custom: &[Arc<dyn Detector>],
) -> (Cow<'a, str>, Vec<Hit>) {
    let builtin = detect::find(text);
    let mut spans = Vec::new();
    for d in custom {
        d.find(text, &mut spans);
    }
    let hits = merge_hits(text, &builtin, spans);
    (apply_hits(text, &hits), hits)
}

/// `text` with each hit (sorted, non-overlapping) replaced.
pub(crate) fn apply_hits<'a>(text: &'a str, hits: &[Hit]) -> Cow<'a, str> {
    replace_ranges(
        text,
        hits.iter().map(|h| (h.start, h.end, h.kind.placeholder())),
    )
}

/// How many trailing bytes a [`StreamRedactor`] always holds back: 64.
///
/// Every detector whose match can span a space or other separator (cards,
/// IBANs, phone numbers, the `api_key = ` context of a secret, a
/// `-----BEGIN … PRIVATE KEY-----` line) matches at most 55 bytes and
/// looks at most 2 bytes past its match, so 64 bytes of hold-back are
/// enough for such a value split across pieces to be seen whole. Values
/// without separators (keys, tokens, JWTs, e-mail addresses) are held as
/// a whole word instead, see [`TOKEN_HOLD_MAX`].
pub const HOLD_BACK: usize = 64;

/// The longest trailing word (a run of letters, digits and
/// `!#$%&*+-./:=?@^_~`) a [`StreamRedactor`] holds back until it ends:
/// 4 KiB, room for the longest keys and most JWTs. A longer word is
/// released, all but its last [`HOLD_BACK`] bytes.
pub const TOKEN_HOLD_MAX: usize = 4 * 1024;

/// Bytes of already-emitted text kept as context for the next scan (the
/// detectors look back at most 32 bytes before a match).
const CONTEXT: usize = 64;

/// `text` with each finding (sorted, non-overlapping) replaced by its
/// placeholder; borrowed when there are none.
pub(super) fn apply<'a>(text: &'a str, findings: &[Finding]) -> Cow<'a, str> {
    replace_ranges(
        text,
        findings
            .iter()
            .map(|f| (f.start, f.end, Cow::Borrowed(f.kind.placeholder()))),
    )
}

/// `text` with each `(start, end, placeholder)` (sorted, non-overlapping)
/// replaced; ranges off character boundaries are skipped. Borrowed when
/// there are none.
fn replace_ranges<'a, 'p>(
    text: &'a str,
    ranges: impl IntoIterator<Item = (usize, usize, Cow<'p, str>)>,
) -> Cow<'a, str> {
    let mut ranges = ranges.into_iter().peekable();
    if ranges.peek().is_none() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, end, placeholder) in ranges {
        let (Some(before), true) = (text.get(last..start), text.is_char_boundary(end)) else {
            continue;
        };
        out.push_str(before);
        out.push_str(&placeholder);
        last = end;
    }
    out.push_str(text.get(last..).unwrap_or_default());
    Cow::Owned(out)
}

/// `text` with each span replaced by its [placeholder](Span::placeholder),
/// for the spans of custom [`Detector`](super::Detector)s. Spans that are
/// empty, out of bounds or not on character boundaries are ignored; of
/// overlapping spans the longer (then the earlier) is kept. Borrows `text`
/// when no span is used.
pub fn redact_spans<'a>(text: &'a str, spans: &[Span]) -> Cow<'a, str> {
    apply_hits(text, &merge_hits(text, &[], spans.to_vec()))
}

/// Whether `b` can be part of a value that has no separators in it (a
/// key, token, JWT, e-mail or IP address, a secret's value).
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&*+-./:=?@^_~".contains(&b)
}

/// Where the run of word bytes at the end of `b` starts.
fn trailing_word_start(b: &[u8]) -> usize {
    let mut word = b.len();
    while word > 0 && is_word_byte(b[word - 1]) {
        word -= 1;
    }
    word
}

fn floor_boundary(t: &str, mut i: usize) -> usize {
    while i > 0 && !t.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Redacts a stream of text pieces (model output deltas) so that a value
/// split across pieces is still caught, with the same result as
/// [`Scanner::redact`] on the whole text.
///
/// [`push`](Self::push) returns the text that is safe to emit now. It
/// holds back:
///
/// - the last [`HOLD_BACK`] (64) bytes, which could be the start of a card,
///   IBAN, phone number or secret;
/// - the trailing word, while it is at most [`TOKEN_HOLD_MAX`] (4 KiB) long,
///   since a key or e-mail address is only known when it ends;
/// - a private key from its `-----BEGIN … PRIVATE KEY-----` line until its
///   `END` line, or until [`PEM_MAX`](super::PEM_MAX) (8 KiB) have passed,
///   and then redacts it whole;
/// - and never cuts through anything a detector matched.
///
/// [`finish`](Self::finish) flushes the rest. Findings are reported with
/// byte offsets into the whole input stream.
///
/// ```
/// use requesty::router::security::{Scanner, StreamRedactor};
///
/// let mut r = StreamRedactor::new(Scanner::new());
/// let mut out = String::new();
/// for piece in ["Reach me at jane", ".doe@exam", "ple.com, thanks!"] {
///     out.push_str(&r.push(piece));
/// }
/// out.push_str(&r.finish());
/// assert_eq!(out, "Reach me at [EMAIL REDACTED], thanks!");
/// ```
#[derive(Clone)]
pub struct StreamRedactor {
    /// Kept for the scanner's configuration (the patterns are shared).
    _scanner: Scanner,
    /// Up to [`CONTEXT`] bytes of emitted text, then the held text.
    buf: String,
    /// Where the held text starts in `buf`.
    start: usize,
    /// The stream offset of `buf[start]`.
    offset: usize,
    findings: Vec<Finding>,
    /// Where an open private key starts in `buf`, as the last scan saw it.
    pem_open: Option<usize>,
    /// Custom detectors run beside the built-in ones.
    detectors: Vec<Arc<dyn Detector>>,
    /// Custom detectors' findings, with stream offsets.
    custom: Vec<Span>,
}

impl std::fmt::Debug for StreamRedactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamRedactor")
            .field("held", &self.held())
            .field("offset", &self.offset)
            .field("findings", &self.findings)
            .field("custom_findings", &self.custom)
            .finish_non_exhaustive()
    }
}

impl StreamRedactor {
    /// A redactor using `scanner`'s detectors.
    pub fn new(scanner: Scanner) -> Self {
        StreamRedactor {
            _scanner: scanner,
            buf: String::new(),
            start: 0,
            offset: 0,
            findings: Vec::new(),
            pem_open: None,
            detectors: Vec::new(),
            custom: Vec::new(),
        }
    }

    /// Also runs these custom detectors. Their values are caught across
    /// pieces when they are at most [`HOLD_BACK`] bytes long or contain no
    /// separator (a run of word bytes up to [`TOKEN_HOLD_MAX`]).
    pub fn with_detectors(mut self, detectors: Vec<Arc<dyn Detector>>) -> Self {
        self.detectors = detectors;
        self
    }

    /// The custom detectors' findings so far (stream offsets, kind names).
    pub fn custom_findings(&self) -> &[Span] {
        &self.custom
    }

    /// Adds a piece; returns the redacted text that can be emitted now
    /// (often empty).
    pub fn push(&mut self, piece: &str) -> String {
        let before = self.buf.len();
        self.buf.push_str(piece);
        let len = self.buf.len();
        if len - self.start <= HOLD_BACK {
            return String::new();
        }
        // Inside a private key nothing is released before its END line
        // (or PEM_MAX): skip scanning until one may have come.
        if let Some(b) = self.pem_open {
            let from = floor_boundary(&self.buf, before.saturating_sub(8)).max(b);
            if len - b < PEM_MAX && !self.buf[from..].contains("-----END") {
                return String::new();
            }
        }
        // The last HOLD_BACK bytes and the trailing word are held anyway.
        let word = trailing_word_start(self.buf.as_bytes());
        let mut bound = len - HOLD_BACK;
        if len - word <= TOKEN_HOLD_MAX {
            bound = bound.min(word);
        }
        if bound <= self.start {
            return String::new();
        }
        self.emit(false)
    }

    /// Ends the stream: returns the rest, redacted.
    pub fn finish(&mut self) -> String {
        self.emit(true)
    }

    /// The findings so far, with byte offsets into the whole input stream.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// How many bytes are held back now.
    pub fn held(&self) -> usize {
        self.buf.len() - self.start
    }

    fn emit(&mut self, last: bool) -> String {
        let len = self.buf.len();
        if len == self.start {
            return String::new();
        }
        let mut out = ScanOut::default();
        detect::scan(&self.buf, self.start, &mut out);
        let mut custom = Vec::new();
        if !self.detectors.is_empty() {
            let window = &self.buf[self.start..];
            for d in &self.detectors {
                d.find(window, &mut custom);
            }
            for s in &mut custom {
                s.start += self.start;
                s.end += self.start;
                out.spans.push((s.start, s.end));
            }
        }
        self.pem_open = if last { None } else { out.open_pem };
        let cut = if last { len } else { self.cut(&out) };
        if cut <= self.start {
            return String::new();
        }
        let builtin = detect::resolve(out.hits);
        let hits = merge_hits(&self.buf, &builtin, custom);
        let mut text = String::with_capacity(cut - self.start);
        let mut pos = self.start;
        for h in hits
            .iter()
            .filter(|h| h.start >= self.start && h.end <= cut)
        {
            text.push_str(&self.buf[pos..h.start]);
            text.push_str(&h.kind.placeholder());
            pos = h.end;
            let (start, end) = (
                h.start - self.start + self.offset,
                h.end - self.start + self.offset,
            );
            match &h.kind {
                HitKind::Builtin(kind) => self.findings.push(Finding {
                    kind: *kind,
                    start,
                    end,
                }),
                HitKind::Custom(name) => self.custom.push(Span::new(start, end, name.clone())),
            }
        }
        text.push_str(&self.buf[pos..cut]);
        self.offset += cut - self.start;
        let keep_from = floor_boundary(&self.buf, cut.saturating_sub(CONTEXT));
        self.buf.drain(..keep_from);
        self.start = cut - keep_from;
        self.pem_open = self.pem_open.map(|b| b - keep_from);
        text
    }

    /// Where the emitted text may end.
    fn cut(&self, out: &ScanOut) -> usize {
        let b = self.buf.as_bytes();
        let len = b.len();
        let mut c = len - HOLD_BACK;
        let word = trailing_word_start(b);
        if len - word <= TOKEN_HOLD_MAX {
            c = c.min(word);
        }
        if let Some(p) = out.open_pem {
            c = c.min(p);
        }
        loop {
            let before = c;
            for &(s, e) in &out.spans {
                if s < c && c < e {
                    c = s;
                }
            }
            if c == before {
                break;
            }
        }
        floor_boundary(&self.buf, c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(text: &str, size: usize) -> String {
        let mut r = StreamRedactor::new(Scanner::new());
        let mut out = String::new();
        let mut i = 0;
        while i < text.len() {
            let mut j = (i + size).min(text.len());
            while !text.is_char_boundary(j) {
                j += 1;
            }
            out.push_str(&r.push(&text[i..j]));
            i = j;
        }
        out.push_str(&r.finish());
        out
    }

    #[test]
    fn stream_matches_whole() {
        let text = "Card 4111 1111 1111 1111 and mail bob@example.org; key \
            sk-proj-FAKE0key1TEST2FAKE3key4TEST5FAKE6key7TEST8 and a long tail of ordinary \
            words to push the hold-back window along, then +44 20 7946 0958 — done. ünïcödé ✓";
        let whole = Scanner::new().redact(text).0.into_owned();
        for size in 1..9 {
            assert_eq!(stream(text, size), whole, "piece size {size}");
        }
    }

    #[test]
    fn pem_is_held_until_end() {
        let body = "MIIEFAKEKEYFAKEKEYFAKEKEY0123456789abcdefFAKE\n".repeat(20);
        let text = format!(
            "Here it is:\n-----BEGIN PRIVATE KEY-----\n{body}-----END PRIVATE KEY-----\nbye"
        );
        let mut r = StreamRedactor::new(Scanner::new());
        let mut out = String::new();
        for piece in text.as_bytes().chunks(5) {
            let piece = std::str::from_utf8(piece).unwrap_or_default();
            let emitted = r.push(piece);
            assert!(!emitted.contains("MIIE"), "leaked {emitted:?}");
            out.push_str(&emitted);
        }
        out.push_str(&r.finish());
        assert_eq!(out, "Here it is:\n[PRIVATE_KEY REDACTED]\nbye");
        assert_eq!(r.findings().len(), 1);
    }

    #[test]
    fn spans_redact() {
        let spans = [
            Span::new(0, 3, "code_name"),
            Span::new(1, 2, "x"),
            Span::new(5, 99, "bad"),
        ];
        assert_eq!(redact_spans("ABC def", &spans), "[CODE_NAME REDACTED] def");
        assert!(matches!(redact_spans("abc", &[]), Cow::Borrowed(_)));
    }
}
