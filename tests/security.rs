//! The security scanner against a labelled corpus
//! (`tests/fixtures/security/corpus.jsonl`): precision and recall per kind
//! with floors, redaction that leaves nothing of a value, the stream
//! redactor agreeing with whole-text redaction however the text is cut,
//! and properties over arbitrary text.
//!
//! Run with `cargo test --test security -- --nocapture` to see the tables.
#![cfg(feature = "router")]

use std::collections::BTreeMap;

use proptest::prelude::*;
use requesty::router::security::{
    Finding, FindingKind, HOLD_BACK, PEM_MAX, Scanner, StreamRedactor,
};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Row {
    text: String,
    kinds: Vec<String>,
    #[serde(default)]
    set: String,
}

fn rows() -> &'static [Row] {
    static ROWS: std::sync::OnceLock<Vec<Row>> = std::sync::OnceLock::new();
    ROWS.get_or_init(|| {
        let path = format!(
            "{}/tests/fixtures/security/corpus.jsonl",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .enumerate()
            .map(|(i, l)| serde_json::from_str(l).unwrap_or_else(|e| panic!("line {}: {e}", i + 1)))
            .collect()
    })
}

fn kinds_of(row: &Row) -> Vec<FindingKind> {
    row.kinds
        .iter()
        .map(|k| k.parse().unwrap_or_else(|_| panic!("unknown kind {k:?}")))
        .collect()
}

fn short(text: &str) -> String {
    let one_line = text.replace('\n', "⏎");
    match one_line.char_indices().nth(110) {
        Some((i, _)) => format!("{}…", &one_line[..i]),
        None => one_line,
    }
}

#[derive(Default, Clone, Copy)]
struct Counts {
    support: usize,
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Counts {
    fn precision(&self) -> f64 {
        if self.tp + self.fp == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fp) as f64
        }
    }
    fn recall(&self) -> f64 {
        if self.tp + self.fn_ == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fn_) as f64
        }
    }
}

/// Precision and recall per kind over some rows, and the injection rates.
#[derive(Default)]
struct Eval {
    lines: usize,
    table: BTreeMap<FindingKind, Counts>,
    misses: Vec<String>,
    /// Lines labelled with an injection kind, and those flagged.
    attacks: usize,
    caught: usize,
    /// Injection-set lines without an injection label, and those flagged.
    benign: usize,
    benign_flagged: usize,
    /// Every line without an injection label, and those flagged.
    clean: usize,
    clean_flagged: usize,
}

impl Eval {
    fn run<'a>(rows: impl Iterator<Item = &'a Row>) -> Eval {
        let scanner = Scanner::new();
        let mut ev = Eval::default();
        for row in rows {
            ev.lines += 1;
            let expected = kinds_of(row);
            let mut exp: BTreeMap<FindingKind, usize> = BTreeMap::new();
            for k in expected.iter().filter(|k| !k.is_injection()) {
                *exp.entry(*k).or_default() += 1;
            }
            let mut got: BTreeMap<FindingKind, usize> = BTreeMap::new();
            for f in scanner.find(&row.text) {
                *got.entry(f.kind).or_default() += 1;
            }
            let exp_inj: Vec<FindingKind> = expected
                .iter()
                .copied()
                .filter(|k| k.is_injection())
                .collect();
            let got_inj = scanner.injection(&row.text);
            for k in &exp_inj {
                exp.insert(*k, 1);
            }
            for k in &got_inj {
                got.insert(*k, 1);
            }
            let mut all: Vec<FindingKind> = exp.keys().chain(got.keys()).copied().collect();
            all.sort();
            all.dedup();
            for k in all {
                let e = exp.get(&k).copied().unwrap_or(0);
                let g = got.get(&k).copied().unwrap_or(0);
                let c = ev.table.entry(k).or_default();
                c.support += e;
                c.tp += e.min(g);
                c.fp += g.saturating_sub(e);
                c.fn_ += e.saturating_sub(g);
                if e != g {
                    ev.misses.push(format!(
                        "- {} expected {e}, found {g}: `{}`",
                        k.as_str(),
                        short(&row.text)
                    ));
                }
            }
            if exp_inj.is_empty() {
                ev.clean += 1;
                ev.clean_flagged += usize::from(!got_inj.is_empty());
                if row.set.ends_with("injection") {
                    ev.benign += 1;
                    ev.benign_flagged += usize::from(!got_inj.is_empty());
                }
            } else {
                ev.attacks += 1;
                ev.caught += usize::from(!got_inj.is_empty());
            }
        }
        ev
    }

    fn counts(&self, k: FindingKind) -> Counts {
        self.table.get(&k).copied().unwrap_or_default()
    }

    fn recall(&self) -> f64 {
        self.caught as f64 / self.attacks.max(1) as f64
    }

    fn fpr(&self) -> f64 {
        self.benign_flagged as f64 / self.benign.max(1) as f64
    }

    fn print(&self, title: &str) {
        println!("\n### {title}: {} lines\n", self.lines);
        println!("| kind | support | TP | FP | FN | precision | recall |");
        println!("|---|---:|---:|---:|---:|---:|---:|");
        for k in FindingKind::ALL {
            let c = self.counts(k);
            println!(
                "| {} | {} | {} | {} | {} | {:.3} | {:.3} |",
                k.as_str(),
                c.support,
                c.tp,
                c.fp,
                c.fn_,
                c.precision(),
                c.recall()
            );
        }
        println!(
            "\nInjection (either kind): recall {}/{} = {:.3}; false positives on the benign \
             prompts {}/{} = {:.3}; on every line without an injection label {}/{} = {:.3}",
            self.caught,
            self.attacks,
            self.recall(),
            self.benign_flagged,
            self.benign,
            self.fpr(),
            self.clean_flagged,
            self.clean,
            self.clean_flagged as f64 / self.clean.max(1) as f64
        );
        if !self.misses.is_empty() {
            println!("\nMisses:\n{}", self.misses.join("\n"));
        }
    }
}

fn held_out(row: &Row) -> bool {
    row.set.starts_with("holdout")
}

#[test]
fn corpus_precision_and_recall() {
    let main = Eval::run(rows().iter().filter(|r| !held_out(r)));
    main.print("Security corpus (the rules were tuned on it)");
    let holdout = Eval::run(rows().iter().filter(|r| held_out(r)));
    holdout.print("Held-out lines (written after tuning, never tuned on)");

    let mut failures = Vec::new();
    for k in FindingKind::ALL.iter().filter(|k| !k.is_injection()) {
        let c = main.counts(*k);
        if c.support < 40 {
            failures.push(format!("{}: only {} positives", k.as_str(), c.support));
        }
        if c.precision() < 0.98 || c.recall() < 0.98 {
            failures.push(format!(
                "{}: precision {:.3}, recall {:.3}",
                k.as_str(),
                c.precision(),
                c.recall()
            ));
        }
    }
    if main.attacks < 60 || main.benign < 100 {
        failures.push(format!(
            "injection set too small: {} attacks, {} benign",
            main.attacks, main.benign
        ));
    }
    if main.recall() < 0.8 {
        failures.push(format!("injection recall {:.3} < 0.8", main.recall()));
    }
    if main.fpr() > 0.05 {
        failures.push(format!(
            "injection false-positive rate {:.3} > 0.05",
            main.fpr()
        ));
    }
    // The held-out lines are reported, not asserted: they estimate how the
    // lexicon does on phrasings it was not written for (see docs/security.md).
    let _ = holdout;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The text `redact` should produce for `findings`.
fn expected_redaction(text: &str, findings: &[Finding]) -> String {
    let mut out = String::new();
    let mut last = 0;
    for f in findings {
        out.push_str(&text[last..f.start]);
        out.push_str(f.kind.placeholder());
        last = f.end;
    }
    out.push_str(&text[last..]);
    out
}

/// Checks that nothing of a found value survives redaction: every 4-byte
/// piece of a value that does not also occur in the text around the
/// values is absent from the output (placeholders aside).
fn assert_nothing_left(text: &str, redacted: &str, findings: &[Finding]) {
    let mut outside = String::new();
    let mut last = 0;
    for f in findings {
        outside.push_str(&text[last..f.start]);
        outside.push('\u{0}');
        last = f.end;
    }
    outside.push_str(&text[last..]);
    let mut bare = redacted.to_owned();
    for k in FindingKind::ALL {
        bare = bare.replace(k.placeholder(), "\u{0}");
    }
    for f in findings {
        let value = &text[f.start..f.end];
        let chars: Vec<(usize, char)> = value.char_indices().collect();
        for w in chars.windows(4) {
            let (a, _) = w[0];
            let (b, c) = w[3];
            let piece = &value[a..b + c.len_utf8()];
            if !outside.contains(piece) {
                assert!(
                    !bare.contains(piece),
                    "{:?} of a {} value survived in {:?}",
                    piece,
                    f.kind.as_str(),
                    short(redacted)
                );
            }
        }
    }
}

#[test]
fn redaction_replaces_whole_values() {
    let scanner = Scanner::new();
    let mut values = 0;
    for row in rows() {
        let findings = scanner.find(&row.text);
        let (redacted, again) = scanner.redact(&row.text);
        assert_eq!(findings, again);
        assert_eq!(redacted, expected_redaction(&row.text, &findings));
        for f in &findings {
            assert!(f.end - f.start >= 4, "tiny finding in {:?}", row.text);
            assert!(redacted.contains(f.kind.placeholder()));
        }
        assert_nothing_left(&row.text, &redacted, &findings);
        values += findings.len();
    }
    assert!(values > 700, "only {values} values found");
}

/// Feeds `text` to a stream redactor in pieces of 1–7 bytes (on character
/// boundaries), checking that no emitted piece leaks a value.
fn stream(scanner: &Scanner, text: &str, rng: &mut fastrand::Rng) -> (String, Vec<Finding>) {
    let mut r = StreamRedactor::new(scanner.clone());
    let mut out = String::new();
    let mut i = 0;
    while i < text.len() {
        let mut j = (i + rng.usize(1..=7)).min(text.len());
        while !text.is_char_boundary(j) {
            j += 1;
        }
        out.push_str(&r.push(&text[i..j]));
        assert!(r.held() <= text.len());
        i = j;
    }
    out.push_str(&r.finish());
    assert_eq!(r.held(), 0);
    (out, r.findings().to_vec())
}

#[test]
fn stream_redaction_matches_whole_text() {
    let scanner = Scanner::new();
    let mut rng = fastrand::Rng::with_seed(7);
    for row in rows() {
        let (whole, findings) = scanner.redact(&row.text);
        for _ in 0..3 {
            let (streamed, found) = stream(&scanner, &row.text, &mut rng);
            assert_eq!(streamed, whole, "text {:?}", short(&row.text));
            assert_eq!(found, findings);
        }
    }
}

#[test]
fn stream_holds_private_keys_whole() {
    let scanner = Scanner::new();
    let mut rng = fastrand::Rng::with_seed(11);
    let pems: Vec<&Row> = rows()
        .iter()
        .filter(|r| r.kinds.iter().any(|k| k == "private_key"))
        .collect();
    assert!(pems.len() >= 40);
    for row in pems {
        let mut r = StreamRedactor::new(scanner.clone());
        let mut out = String::new();
        let text = &row.text;
        let mut i = 0;
        while i < text.len() {
            let j = (i + rng.usize(1..=7)).min(text.len());
            let piece = r.push(&text[i..j]);
            assert!(!piece.contains("NotARealKey"), "key body leaked: {piece:?}");
            assert!(!piece.contains("PRIVATE KEY"), "key line leaked: {piece:?}");
            out.push_str(&piece);
            i = j;
        }
        out.push_str(&r.finish());
        assert_eq!(out, scanner.redact(text).0);
        assert_eq!(out.matches("[PRIVATE_KEY REDACTED]").count(), 1);
    }
}

#[test]
fn stream_releases_unterminated_private_keys() {
    // A BEGIN line whose END never comes: held until PEM_MAX, then the
    // key-like lines are redacted and the prose after them flows.
    let scanner = Scanner::new();
    let body = "FAKEKEYDATAFAKEKEYDATAFAKEKEYDATAFAKEKEYDATAFAKEKEYDATA0123456789\n".repeat(200);
    let text = format!(
        "key:\n-----BEGIN RSA PRIVATE KEY-----\n{body}and that's all I have.{}",
        " filler words".repeat(800)
    );
    assert!(text.len() > 2 * PEM_MAX);
    let mut r = StreamRedactor::new(scanner.clone());
    let mut out = String::new();
    let mut max_held = 0;
    for piece in text.as_bytes().chunks(5) {
        let piece = std::str::from_utf8(piece).unwrap_or_default();
        let emitted = r.push(piece);
        assert!(!emitted.contains("FAKEKEYDATA"), "leaked {emitted:?}");
        max_held = max_held.max(r.held());
        out.push_str(&emitted);
    }
    out.push_str(&r.finish());
    assert_eq!(out, scanner.redact(&text).0);
    assert!(max_held <= PEM_MAX + HOLD_BACK + 8, "held {max_held} bytes");
}

#[test]
fn stream_hold_back_is_bounded_for_prose() {
    let scanner = Scanner::new();
    let mut r = StreamRedactor::new(scanner);
    let text = "The quick brown fox jumps over the lazy dog. ".repeat(50);
    let mut emitted = 0;
    for piece in text.as_bytes().chunks(3) {
        emitted += r.push(std::str::from_utf8(piece).unwrap_or_default()).len();
        assert!(r.held() <= HOLD_BACK + 8, "held {}", r.held());
    }
    emitted += r.finish().len();
    assert_eq!(emitted, text.len());
}

// ---------------------------------------------------------------------------
// Properties

/// Pieces of corpus lines, joined with separators.
fn fragments() -> impl Strategy<Value = String> {
    let n = rows().len();
    prop::collection::vec(
        (
            0..n,
            any::<u16>(),
            any::<u16>(),
            prop::sample::select(vec!["", " ", "\n", ", ", "-", ".", "@", ":", "=", "é"]),
        ),
        1..6,
    )
    .prop_map(|parts| {
        let mut s = String::new();
        for (i, a, b, sep) in parts {
            let t = &rows()[i].text;
            let (mut a, mut b) = (
                usize::from(a) % (t.len() + 1),
                usize::from(b) % (t.len() + 1),
            );
            if a > b {
                std::mem::swap(&mut a, &mut b);
            }
            while !t.is_char_boundary(a) {
                a -= 1;
            }
            while !t.is_char_boundary(b) {
                b += 1;
            }
            s.push_str(&t[a..b]);
            s.push_str(sep);
        }
        s
    })
}

fn check_text(text: &str, seed: u64) -> Result<(), TestCaseError> {
    let scanner = Scanner::new();
    let findings = scanner.find(text);
    for w in findings.windows(2) {
        prop_assert!(w[0].end <= w[1].start, "overlap {:?}", w);
    }
    let (redacted, _) = scanner.redact(text);
    let mut outside = String::new();
    let mut last = 0;
    for f in &findings {
        prop_assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
        outside.push_str(&text[last..f.start]);
        outside.push('\u{0}');
        last = f.end;
    }
    outside.push_str(&text[last..]);
    for f in &findings {
        let value = &text[f.start..f.end];
        if !outside.contains(value) {
            prop_assert!(!redacted.contains(value), "{value:?} survived");
        }
    }
    let _ = scanner.injection(text);
    let _ = scanner.injection_report(text);
    let mut rng = fastrand::Rng::with_seed(seed);
    let (streamed, _) = stream(&scanner, text, &mut rng);
    prop_assert_eq!(streamed, redacted.into_owned());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_is_safe(text in "\\PC{0,300}", seed in any::<u64>()) {
        check_text(&text, seed)?;
    }

    #[test]
    fn arbitrary_bytes_as_text_are_safe(bytes in prop::collection::vec(any::<u8>(), 0..300), seed in any::<u64>()) {
        let text = String::from_utf8_lossy(&bytes);
        check_text(&text, seed)?;
    }

    #[test]
    fn fixture_mixtures_are_safe(text in fragments(), seed in any::<u64>()) {
        check_text(&text, seed)?;
    }
}

/// Every prefix of every line with a private key or JWT scans, redacts and
/// streams (a key cut at an unlucky byte once made the scanner loop).
#[test]
fn every_prefix_of_key_lines_scans() {
    let scanner = Scanner::new();
    let mut rng = fastrand::Rng::with_seed(3);
    for row in rows()
        .iter()
        .filter(|r| r.kinds.iter().any(|k| k == "private_key" || k == "jwt"))
    {
        let t = &row.text;
        for cut in (0..=t.len()).filter(|&i| t.is_char_boundary(i)) {
            let prefix = &t[..cut];
            let (whole, _) = scanner.redact(prefix);
            if cut % 16 == 0 {
                assert_eq!(stream(&scanner, prefix, &mut rng).0, whole);
            }
        }
    }
}
