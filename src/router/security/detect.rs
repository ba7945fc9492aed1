//! The built-in detectors: precompiled patterns, a cheap one-pass
//! prefilter that decides which of them can match at all, the validators
//! each match must pass, and overlap resolution.
//!
//! Also the [`Detector`] trait through which other detectors plug in.

use std::sync::OnceLock;

use regex::Regex;

use super::validate::{
    base64_decode, byte_at, byte_before, card_groups_ok, card_issuer_ok, char_classes, entropy,
    has_run, iban_length, iban_mod97, ipv4_ok, ipv6_ok, is_alnum, is_digit, is_key_char,
    jwt_header_ok, luhn, number_stands_alone, parse_digits, ssn_ok,
};
use super::{Finding, FindingKind};

/// The longest private-key block (from `-----BEGIN` to the end of
/// `-----END … PRIVATE KEY-----`) that is redacted as one value: 8 KiB,
/// more than an 8192-bit RSA key in PEM. A `BEGIN` line with no `END`
/// within this distance is redacted together with the key-like lines that
/// follow it, up to the same distance.
pub const PEM_MAX: usize = 8 * 1024;

/// A value found by a [`Detector`]: byte offsets into the scanned text and
/// the name of its kind (`"employee_id"`; the built-in detectors use
/// [`FindingKind::as_str`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Span {
    /// Byte offset of the first byte of the value.
    pub start: usize,
    /// Byte offset just past the value.
    pub end: usize,
    /// The kind of value, in `snake_case`.
    pub kind_name: String,
}

impl Span {
    /// A span of `start..end` of kind `kind_name`.
    pub fn new(start: usize, end: usize, kind_name: impl Into<String>) -> Self {
        Span {
            start,
            end,
            kind_name: kind_name.into(),
        }
    }

    /// The text that replaces the value: `[KIND_NAME REDACTED]`.
    pub fn placeholder(&self) -> String {
        format!("[{} REDACTED]", self.kind_name.to_ascii_uppercase())
    }
}

/// A detector of sensitive values, for kinds beyond the built-in ones
/// (employee ids, internal host names, project code names).
///
/// Detectors see the text as it is and push the spans they find; spans
/// out of bounds, empty, or not on character boundaries are ignored by
/// [`redact_spans`](super::redact_spans), and overlapping spans are
/// resolved there (the longer wins). The built-in [`Scanner`](super::Scanner)
/// is itself a `Detector`, so a list of `Arc<dyn Detector>` can hold it
/// beside custom ones.
pub trait Detector: Send + Sync {
    /// A short name for logs (`"builtin"`, `"employee_ids"`).
    fn name(&self) -> &str;
    /// Appends the spans found in `text` to `out`.
    fn find(&self, text: &str, out: &mut Vec<Span>);
}

/// Which detector won an overlap: the higher tier, then the longer match.
pub(super) fn tier(kind: FindingKind) -> u8 {
    use FindingKind::*;
    match kind {
        PrivateKey => 10,
        OpenAiKey | AnthropicKey | AwsAccessKey | GithubToken | SlackToken | GoogleApiKey => 9,
        Jwt => 8,
        CreditCard | Iban | UsSsn => 7,
        Email => 6,
        IpAddress => 5,
        Phone => 4,
        Secret => 1,
        PromptInjection | Jailbreak => 0,
    }
}

/// What one scan produced.
#[derive(Debug, Default)]
pub(super) struct ScanOut {
    /// Validated findings, before overlap resolution.
    pub hits: Vec<Finding>,
    /// Every pattern match, validated or not (for the stream redactor,
    /// which must not cut through one).
    pub spans: Vec<(usize, usize)>,
    /// The start of a private-key `BEGIN` line whose `END` may still come.
    pub open_pem: Option<usize>,
}

/// The compiled patterns.
struct Patterns {
    key_gate: Regex,
    openai: Regex,
    anthropic: Regex,
    aws: Regex,
    github: Regex,
    slack: Regex,
    google: Regex,
    jwt: Regex,
    pem_begin: Regex,
    pem_end: Regex,
    secret_gate: Regex,
    secret: Regex,
    bearer: Regex,
    email: Regex,
    card: Regex,
    iban: Regex,
    phone_intl: Regex,
    phone_nanp: Regex,
    phone_national: Regex,
    ssn: Regex,
    ipv4: Regex,
    ipv6: Regex,
}

/// The patterns, compiled on first use. `None` only if a pattern failed
/// to compile, which the unit tests rule out.
fn patterns() -> Option<&'static Patterns> {
    static PATTERNS: OnceLock<Option<Patterns>> = OnceLock::new();
    PATTERNS.get_or_init(compile).as_ref()
}

/// Compiles the patterns (call once; cheap afterwards).
pub(super) fn warm() -> bool {
    patterns().is_some()
}

fn compile() -> Option<Patterns> {
    let re = |p: &str| Regex::new(p).ok();
    Some(Patterns {
        key_gate: re(
            r"sk-|AKIA|ASIA|ABIA|ACCA|A3T|gh[pousr]_|github_pat_|xox|xapp-|AIza|eyJ|-----BEGIN",
        )?,
        openai: re(r"sk-[A-Za-z0-9_-]{20,}")?,
        anthropic: re(r"sk-ant-(?:api|admin|oat|sid)[0-9]{2}-[A-Za-z0-9_-]{32,}")?,
        aws: re(r"(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}")?,
        github: re(r"gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{36,251}")?,
        slack: re(r"(?:xox[abeoprs]|xoxe\.xox[bp]|xapp)-[A-Za-z0-9-]{10,}")?,
        google: re(r"AIza[0-9A-Za-z_-]{35}")?,
        jwt: re(r"eyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){2,4}")?,
        pem_begin: re(r"-----BEGIN (?:[A-Z0-9]{1,10} ){0,2}PRIVATE KEY(?: BLOCK)?-----")?,
        pem_end: re(r"-----END (?:[A-Z0-9]{1,10} ){0,2}PRIVATE KEY(?: BLOCK)?-----")?,
        secret_gate: re(r"(?i-u)key|secret|token|pass|pwd|bearer")?,
        secret: re(concat!(
            r"(?i-u)(?:[a-z0-9]{1,10}[_.-])?",
            r"(?:api[_-]?key|api[_-]?secret|api[_-]?token|access[_-]?key|secret[_-]?key",
            r"|client[_-]?secret|private[_-]?key|auth[_-]?token|access[_-]?token",
            r"|refresh[_-]?token|session[_-]?token|secret|token|password|passwd|passphrase|pwd)",
            r"(?:[_.-][a-z0-9]{1,8}){0,2}",
            r#"(?:["']?[ \t]{0,2}(?::=|=>|[:=])|[ \t]+(?:is|was)[ \t]*:?)[ \t]{0,2}["'`]?"#,
            r"([A-Za-z0-9!#$%&*+./:=?@^_~-]{1,256})",
        ))?,
        bearer: re(r"(?i-u)bearer[ \t]{1,3}([A-Za-z0-9._~+/-]{1,512}=*)")?,
        email: re(concat!(
            r"[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@",
            r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?",
            r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}",
        ))?,
        card: re(r"[0-9](?:[ -]?[0-9]){12,18}")?,
        iban: re(r"[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?")?,
        phone_intl: re(r"\+[1-9][0-9]{0,2}(?:[ .-]?\((?:0|[0-9]{1,4})\))?(?:[ .-]?[0-9]){5,14}")?,
        phone_nanp: re(
            r"(?:\+?1[ .-]?)?(?:\([2-9][0-9]{2}\) ?|[2-9][0-9]{2}[ .-])[2-9][0-9]{2}[ .-][0-9]{4}",
        )?,
        phone_national: re(r"\(?0[1-9][0-9]{0,3}\)?(?:[ .-][0-9]{2,8}){1,4}")?,
        ssn: re(r"[0-9]{3}-[0-9]{2}-[0-9]{4}")?,
        ipv4: re(r"(?:[0-9]{1,3}\.){3}[0-9]{1,3}")?,
        ipv6: re(concat!(
            r"(?:[0-9A-Fa-f]{1,4})?(?::(?:[0-9A-Fa-f]{1,4})?){2,8}",
            r"(?:\.[0-9]{1,3}){0,3}(?:%[A-Za-z0-9]{1,15})?",
        ))?,
    })
}

/// What the one-pass prefilter saw.
#[derive(Debug, Default)]
struct Hints {
    /// The longest run of digits joined by at most two separator bytes
    /// (` .-()/+`) in a row.
    max_run: u32,
    /// An `@`.
    at: bool,
    /// A digit, a dot and a digit.
    dot_digit: bool,
    /// A colon next to a hex digit or another colon.
    colon_hex: bool,
    /// Two capitals followed by two digits (an IBAN's start).
    iban_head: bool,
    /// A `:` or `=` (an assignment a secret could follow).
    assign: bool,
    /// A `+` followed by a digit.
    plus_digit: bool,
}

fn hints(text: &str) -> Hints {
    let b = text.as_bytes();
    let mut h = Hints::default();
    let mut run = 0u32;
    let mut gap = 0u32;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'0'..=b'9' => {
                run += 1;
                gap = 0;
                if run > h.max_run {
                    h.max_run = run;
                }
                if !h.iban_head
                    && i >= 3
                    && b[i - 1].is_ascii_digit()
                    && b[i - 2].is_ascii_uppercase()
                    && b[i - 3].is_ascii_uppercase()
                {
                    h.iban_head = true;
                }
                continue;
            }
            b' ' | b'.' | b'-' | b'(' | b')' | b'/' | b'+' => {
                gap += 1;
                if gap > 2 {
                    run = 0;
                }
                if c == b'.'
                    && i > 0
                    && b[i - 1].is_ascii_digit()
                    && is_digit(b.get(i + 1).copied())
                {
                    h.dot_digit = true;
                }
                if c == b'+' && is_digit(b.get(i + 1).copied()) {
                    h.plus_digit = true;
                }
                continue;
            }
            b'@' => h.at = true,
            b':' => {
                h.assign = true;
                let near = |x: Option<&u8>| x.is_some_and(|x| x.is_ascii_hexdigit() || *x == b':');
                if near(i.checked_sub(1).and_then(|j| b.get(j))) && near(b.get(i + 1)) {
                    h.colon_hex = true;
                }
            }
            b'=' => h.assign = true,
            _ => {}
        }
        run = 0;
        gap = 0;
    }
    h
}

/// Runs `re` from `from`, recording every match in `out.spans` and each
/// one `check` accepts (as kind, start, end) in `out.hits`.
fn each(
    re: &Regex,
    text: &str,
    from: usize,
    out: &mut ScanOut,
    mut check: impl FnMut(usize, usize) -> Option<(FindingKind, usize, usize)>,
) {
    let mut at = from;
    while at <= text.len() {
        let Some(m) = re.find_at(text, at) else {
            break;
        };
        out.spans.push((m.start(), m.end()));
        if let Some((kind, start, end)) = check(m.start(), m.end()) {
            out.hits.push(Finding { kind, start, end });
        }
        at = if m.end() > m.start() {
            m.end()
        } else {
            next_char(text, m.end())
        };
    }
}

fn next_char(text: &str, i: usize) -> usize {
    let mut j = i + 1;
    while j < text.len() && !text.is_char_boundary(j) {
        j += 1;
    }
    j
}

/// Scans `text` from byte `from` (the bytes before it are context only),
/// appending to `out`.
pub(super) fn scan(text: &str, from: usize, out: &mut ScanOut) {
    let Some(p) = patterns() else {
        return;
    };
    if from >= text.len() {
        return;
    }
    let h = hints(&text[from..]);
    let t = text;

    if p.key_gate.find_at(t, from).is_some() {
        scan_keys(p, t, from, out);
        scan_pem(p, t, from, out);
    }
    if p.secret_gate.find_at(t, from).is_some() {
        if h.assign {
            each(&p.secret, t, from, out, |s, _| {
                let caps = p.secret.captures_at(t, s)?;
                let v = caps.get(1)?;
                if is_alnum(byte_before(t, s)) {
                    return None;
                }
                secret_value(t, v.start(), v.end())
            });
        }
        each(&p.bearer, t, from, out, |s, _| {
            let caps = p.bearer.captures_at(t, s)?;
            let v = caps.get(1)?;
            if is_alnum(byte_before(t, s)) {
                return None;
            }
            secret_value(t, v.start(), v.end())
        });
    }
    if h.at {
        each(&p.email, t, from, out, |s, e| email(t, s, e));
    }
    if h.max_run >= 13 {
        each(&p.card, t, from, out, |s, e| card(t, s, e));
    }
    if h.iban_head {
        each(&p.iban, t, from, out, |s, e| iban(t, s, e));
    }
    if h.max_run >= 9 {
        each(&p.ssn, t, from, out, |s, e| ssn(t, s, e));
    }
    if h.max_run >= 8 && h.plus_digit {
        each(&p.phone_intl, t, from, out, |s, e| phone_intl(t, s, e));
    }
    if h.max_run >= 10 {
        each(&p.phone_nanp, t, from, out, |s, e| phone_nanp(t, s, e));
        each(&p.phone_national, t, from, out, |s, e| {
            phone_national(t, s, e)
        });
    }
    if h.dot_digit && h.max_run >= 4 {
        each(&p.ipv4, t, from, out, |s, e| ipv4(t, s, e));
    }
    if h.colon_hex {
        each(&p.ipv6, t, from, out, |s, e| ipv6(t, s, e));
    }
}

/// All findings in `text`: validated, overlaps resolved, sorted.
pub(super) fn find(text: &str) -> Vec<Finding> {
    let mut out = ScanOut::default();
    scan(text, 0, &mut out);
    resolve(out.hits)
}

/// Resolves overlaps: the higher tier wins, then the longer value, then
/// the earlier one; the result is sorted by position.
pub(super) fn resolve(mut hits: Vec<Finding>) -> Vec<Finding> {
    if hits.len() <= 1 {
        return hits;
    }
    hits.sort_by(|a, b| {
        tier(b.kind)
            .cmp(&tier(a.kind))
            .then((b.end - b.start).cmp(&(a.end - a.start)))
            .then(a.start.cmp(&b.start))
    });
    let mut kept: Vec<Finding> = Vec::with_capacity(hits.len());
    for h in hits {
        if kept.iter().all(|k| h.end <= k.start || h.start >= k.end) {
            kept.push(h);
        }
    }
    kept.sort_by_key(|f| (f.start, f.end));
    kept
}

// ---------------------------------------------------------------------------
// Keys and tokens

fn scan_keys(p: &Patterns, t: &str, from: usize, out: &mut ScanOut) {
    use FindingKind::*;
    each(&p.anthropic, t, from, out, |s, e| {
        key_bounded(t, s, e).then_some((AnthropicKey, s, e))
    });
    each(&p.openai, t, from, out, |s, e| {
        if !key_bounded(t, s, e) || t[s..e].starts_with("sk-ant-") {
            return None;
        }
        let body = &t[s + 3..e];
        let body = ["proj-", "svcacct-", "admin-"]
            .iter()
            .find_map(|pre| body.strip_prefix(pre))
            .unwrap_or(body);
        let (lo, up, di, _) = char_classes(body);
        (body.len() >= 32 && di && (lo || up) && !has_run(body, 6)).then_some((OpenAiKey, s, e))
    });
    each(&p.aws, t, from, out, |s, e| {
        let ok =
            !is_alnum(byte_before(t, s)) && !is_alnum(byte_at(t, e)) && !has_run(&t[s + 4..e], 6);
        ok.then_some((AwsAccessKey, s, e))
    });
    each(&p.github, t, from, out, |s, e| {
        let ok =
            !is_key_char(byte_before(t, s)) && !is_key_char(byte_at(t, e)) && !has_run(&t[s..e], 6);
        ok.then_some((GithubToken, s, e))
    });
    each(&p.slack, t, from, out, |s, e| {
        if !key_bounded(t, s, e) {
            return None;
        }
        let v = &t[s..e];
        let rest = v.split_once('-').map_or("", |(_, r)| r);
        let segments: Vec<&str> = rest.split('-').filter(|g| !g.is_empty()).collect();
        let numeric = segments
            .iter()
            .any(|g| g.bytes().all(|b| b.is_ascii_digit()));
        let alnum = rest.bytes().filter(u8::is_ascii_alphanumeric).count();
        (segments.len() >= 2 && numeric && alnum >= 15 && !has_run(rest, 8))
            .then_some((SlackToken, s, e))
    });
    each(&p.google, t, from, out, |s, e| {
        let ok = !is_alnum(byte_before(t, s)) && !is_key_char(byte_at(t, e));
        ok.then_some((GoogleApiKey, s, e))
    });
    each(&p.jwt, t, from, out, |s, e| jwt(t, s, e));
}

/// A key-like match stands alone: no base64url character glued to either end.
fn key_bounded(t: &str, s: usize, e: usize) -> bool {
    !is_key_char(byte_before(t, s)) && !is_key_char(byte_at(t, e))
}

fn jwt(t: &str, s: usize, e: usize) -> Option<(FindingKind, usize, usize)> {
    if is_key_char(byte_before(t, s)) || byte_before(t, s) == Some(b'.') {
        return None;
    }
    let v = &t[s..e];
    let segs: Vec<&str> = v.split('.').collect();
    // A sentence may end right after the token: drop one empty trailing segment.
    let n = match segs.as_slice() {
        [.., last] if last.is_empty() && (segs.len() == 4 || segs.len() == 6) => segs.len() - 1,
        _ => segs.len(),
    };
    if n != 3 && n != 5 {
        return None;
    }
    if segs[..n - 1].iter().any(|g| g.is_empty()) {
        return None;
    }
    if !jwt_header_ok(segs[0]) || base64_decode(segs[1]).is_none() {
        return None;
    }
    let len: usize = segs[..n].iter().map(|g| g.len()).sum::<usize>() + n - 1;
    Some((FindingKind::Jwt, s, s + len))
}

/// Private keys: `BEGIN … PRIVATE KEY` to the matching `END` line within
/// [`PEM_MAX`]; without an `END` there, the `BEGIN` line and the key-like
/// lines after it.
fn scan_pem(p: &Patterns, t: &str, from: usize, out: &mut ScanOut) {
    let mut at = from;
    while let Some(b) = p.pem_begin.find_at(t, at) {
        let cap = floor_boundary(t, (b.start() + PEM_MAX).min(t.len()));
        let end = p
            .pem_end
            .find_at(t, b.end())
            .filter(|m| m.end() <= b.start() + PEM_MAX)
            .map(|m| m.end());
        let stop = match end {
            Some(e) => e,
            None => {
                if t.len() < b.start() + PEM_MAX {
                    // The END line may still come (streaming).
                    out.open_pem.get_or_insert(b.start());
                }
                pem_body_end(t, b.end(), cap)
            }
        };
        out.spans.push((b.start(), stop));
        out.hits.push(Finding {
            kind: FindingKind::PrivateKey,
            start: b.start(),
            end: stop,
        });
        at = stop.max(b.end());
        if at >= t.len() {
            break;
        }
    }
}

/// The end of the key-like lines after an unterminated `BEGIN` line:
/// base64 lines and `Name: value` headers (`Proc-Type`, `DEK-Info`), with
/// real line breaks or the `\n` escapes of a JSON string, up to `cap`.
fn pem_body_end(t: &str, from: usize, cap: usize) -> usize {
    let b = t.as_bytes();
    let mut end = from;
    let mut i = from;
    let mut header_seen = false;
    loop {
        // Skip one line break (real or escaped).
        let line_start = if b.get(i) == Some(&b'\r') && b.get(i + 1) == Some(&b'\n') {
            i + 2
        } else if b.get(i) == Some(&b'\n') {
            i + 1
        } else if b.get(i) == Some(&b'\\') && b.get(i + 1) == Some(&b'n') {
            i + 2
        } else if i == from {
            i
        } else {
            return end;
        };
        if line_start >= cap {
            return end.max(cap.min(line_start));
        }
        let mut j = line_start;
        while j < cap && !matches!(b[j], b'\n' | b'\r' | b'\\') {
            j += 1;
        }
        let line = &t[line_start..j];
        let base64 = !line.is_empty()
            && line
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='));
        let header = line.split_once(": ").is_some_and(|(k, _)| {
            !k.is_empty() && k.bytes().all(|c| c.is_ascii_alphabetic() || c == b'-')
        });
        if line.is_empty() && header_seen && i != from {
            header_seen = false;
        } else if base64 || header {
            header_seen = header;
            end = j;
        } else if i != from {
            return end;
        }
        if j >= cap || j == i {
            // The cap, or no progress (a lone `\` at the end of the text).
            return end;
        }
        i = j;
    }
}

fn floor_boundary(t: &str, mut i: usize) -> usize {
    while i > 0 && !t.is_char_boundary(i) {
        i -= 1;
    }
    i
}

// ---------------------------------------------------------------------------
// Contextual secrets

/// A value named a secret by its context (`api_key=`, `password:`,
/// `Bearer`): at least 16 characters, Shannon entropy ≥ 3.5 bits per
/// character, two or more character classes, and not a placeholder,
/// identifier, path or URL.
fn secret_value(t: &str, s: usize, e: usize) -> Option<(FindingKind, usize, usize)> {
    let mut v = &t[s..e];
    while let Some(x) = v.strip_suffix(['.', ':', '?']) {
        v = x;
    }
    let e = s + v.len();
    let len = v.len();
    if !(16..=512).contains(&len) || has_run(v, 6) {
        return None;
    }
    if v.contains("://") || v.starts_with(['/', '~', '.', '$', '%']) {
        return None;
    }
    // Placeholders: `your_api_key_here`, `<redacted>`, `changeme`; and
    // word-like values naming an example (`example_secret_value`), while a
    // random value that merely contains EXAMPLE is still a secret.
    let lower = v.to_ascii_lowercase();
    const PLACEHOLDERS: [&str; 5] = ["your", "placeholder", "changeme", "xxxx", "redacted"];
    const EXAMPLES: [&str; 6] = ["example", "sample", "dummy", "insert", "replace", "secret"];
    if PLACEHOLDERS.iter().any(|p| lower.contains(p))
        || (!v.bytes().any(|c| c.is_ascii_digit()) && EXAMPLES.iter().any(|p| lower.contains(p)))
    {
        return None;
    }
    // Identifiers and expressions: `process.env.API_KEY`, `OPENAI_API_KEY`,
    // `my_secret_value`, `settings.SECRET_KEY`.
    let ident = v
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
        && v.split('.').all(|part| {
            part.bytes()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
        });
    if ident && (v.contains('.') || v.contains('_') && !v.bytes().any(|c| c.is_ascii_digit())) {
        return None;
    }
    let (lo, up, di, ot) = char_classes(v);
    let classes = [lo, up, di, ot].iter().filter(|&&x| x).count();
    if classes < 2 || entropy(v) < 3.5 {
        return None;
    }
    Some((FindingKind::Secret, s, e))
}

// ---------------------------------------------------------------------------
// Personal data

fn email(t: &str, s: usize, e: usize) -> Option<(FindingKind, usize, usize)> {
    let before = byte_before(t, s);
    if before.is_some_and(|b| b.is_ascii_alphanumeric() || b"._%+-".contains(&b)) {
        return None;
    }
    let after = byte_at(t, e);
    if is_alnum(after) || matches!(after, Some(b'-' | b'_' | b'@')) {
        return None;
    }
    // `git@github.com:org/repo.git` is an SSH remote, not a mailbox.
    if after == Some(b':')
        && byte_at(t, e + 1).is_some_and(|b| b.is_ascii_alphanumeric() || b == b'/' || b == b'~')
    {
        return None;
    }
    let v = &t[s..e];
    let (local, domain) = v.split_once('@')?;
    if local.ends_with('.') || local.contains("..") {
        return None;
    }
    let tld = domain
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    const FILE_EXTENSIONS: [&str; 10] = [
        "png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "bmp", "avif", "tiff",
    ];
    if FILE_EXTENSIONS.contains(&tld.as_str()) {
        return None;
    }
    Some((FindingKind::Email, s, e))
}

fn card(t: &str, s: usize, e: usize) -> Option<(FindingKind, usize, usize)> {
    // `+4915112345678` is a phone number, whatever its checksum.
    if !number_stands_alone(t, s, e, b" -") || byte_before(t, s) == Some(b'+') {
        return None;
    }
    let v = &t.as_bytes()[s..e];
    let digits: Vec<u8> = v.iter().copied().filter(u8::is_ascii_digit).collect();
    let mut sep = None;
    let mut groups = vec![0usize];
    for &c in v {
        if c.is_ascii_digit() {
            if let Some(g) = groups.last_mut() {
                *g += 1;
            }
        } else {
            if sep.is_some_and(|s| s != c) {
                return None;
            }
            sep = Some(c);
            groups.push(0);
        }
    }
    (card_groups_ok(&groups) && card_issuer_ok(&digits) && luhn(&digits)).then_some((
        FindingKind::CreditCard,
        s,
        e,
    ))
}

fn iban(t: &str, s: usize, e: usize) -> Option<(FindingKind, usize, usize)> {
    if is_alnum(byte_before(t, s)) {
        return None;
    }
    let v = &t.as_bytes()[s..e];
    let len = iban_length(&v[..2])?;
    let mut compact = Vec::with_capacity(34);
    let mut end = s;
    for (i, &c) in v.iter().enumerate() {
        if c == b' ' {
            continue;
        }
        compact.push(c);
        if compact.len() == len {
            end = s + i + 1;
            break;
        }
    }
    if compact.len() < len || is_alnum(byte_at(t, end)) {
        return None;
    }
    // Grouped in fours or not at all.
    let spaced = t[s..end].contains(' ');
    if spaced
        && t[s..end]
            .split(' ')
            .rev()
            .skip(1)
            .any(|group| group.len() != 4)
    {
        return None;
    }
    iban_mod97(&compact).then_some((FindingKind::Iban, s, end))
}

fn ssn(t: &str, s: usize, e: usize) -> Option<(FindingKind, usize, usize)> {
    if !number_stands_alone(t, s, e, b"-") {
        return None;
    }
    let v = &t.as_bytes()[s..e];
    let area = parse_digits(&v[0..3])?;
    let group = parse_digits(&v[4..6])?;
    let serial = parse_digits(&v[7..11])?;
    ssn_ok(area, group, serial).then_some((FindingKind::UsSsn, s, e))
}

/// Words after which a number is a reference, not a phone number.
const NOT_PHONE_CONTEXT: [&str; 22] = [
    "order",
    "invoice",
    "tracking",
    "ref",
    "reference",
    "ticket",
    "case",
    "id",
    "sku",
    "serial",
    "isbn",
    "no",
    "nr",
    "po",
    "confirmation",
    "booking",
    "transaction",
    "account",
    "acct",
    "version",
    "build",
    "part",
];

/// The word before byte `s` (looking back at most 32 bytes), lower-cased.
fn previous_word(t: &str, s: usize) -> String {
    let from = (s.saturating_sub(32)..=s)
        .find(|&i| t.is_char_boundary(i))
        .unwrap_or(s);
    let head = t[from..s].trim_end_matches([' ', '#', ':', '.', '(', '\t']);
    let word: String = head
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    word.chars().rev().collect::<String>().to_ascii_lowercase()
}

fn phone_context_ok(t: &str, s: usize) -> bool {
    !NOT_PHONE_CONTEXT.contains(&previous_word(t, s).as_str()) && !inside_iban_groups(t, s)
}

/// Whether the text before `s` is the start of an IBAN written in groups
/// (`NL92 ABNA `, `MT85 MALT `): the digits that follow belong to it, valid
/// or not, and are no phone number.
fn inside_iban_groups(t: &str, s: usize) -> bool {
    let from = (s.saturating_sub(40)..=s)
        .find(|&i| t.is_char_boundary(i))
        .unwrap_or(s);
    let mut groups = t[from..s].split(' ').rev();
    if groups.next() != Some("") {
        return false;
    }
    for g in groups {
        let b = g.as_bytes();
        if b.len() != 4
            || !b
                .iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        {
            return false;
        }
        if b[..2].iter().all(u8::is_ascii_uppercase) && b[2..].iter().all(u8::is_ascii_digit) {
            return true;
        }
    }
    false
}

fn phone_intl(t: &str, s: usize, e: usize) -> Option<(FindingKind, usize, usize)> {
    if !number_stands_alone(t, s, e, b" .-") || !phone_context_ok(t, s) {
        return None;
    }
    let v = &t[s..e];
    let digits = v.bytes().filter(u8::is_ascii_digit).count() - usize::from(v.contains("(0)"));
    if !(8..=15).contains(&digits) {
        return None;
    }
    let groups: Vec<&str> = v
        .split([' ', '.', '-', '(', ')'])
        .filter(|g| !g.is_empty())
        .collect();
    let long_groups = groups.iter().filter(|g| g.len() >= 2).count();
    let plain: String = v
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(char::from)
        .collect();
    let ok = (long_groups >= 2 || groups.len() == 1) && !has_run(plain.get(1..).unwrap_or(""), 7);
    ok.then_some((FindingKind::Phone, s, e))
}

fn phone_nanp(t: &str, s: usize, e: usize) -> Option<(FindingKind, usize, usize)> {
    if !number_stands_alone(t, s, e, b" .-") || !phone_context_ok(t, s) {
        return None;
    }
    let v = &t[s..e];
    if !v.contains('(') {
        // `415-555-0132`, `415.555.0132`: one separator, used throughout.
        let seps: Vec<u8> = v
            .bytes()
            .skip_while(|&b| b == b'+' || b == b'1')
            .filter(|b| !b.is_ascii_digit())
            .collect();
        if seps.windows(2).any(|w| w[0] != w[1]) {
            return None;
        }
    }
    let digits: Vec<u8> = v.bytes().filter(u8::is_ascii_digit).collect();
    let local = &digits[digits.len() - 10..];
    // N11 codes are service numbers, not area codes or exchanges.
    if local[1..3] == *b"11" || local[4..6] == *b"11" {
        return None;
    }
    Some((FindingKind::Phone, s, e))
}

fn phone_national(t: &str, s: usize, e: usize) -> Option<(FindingKind, usize, usize)> {
    if !number_stands_alone(t, s, e, b" .-") || !phone_context_ok(t, s) {
        return None;
    }
    let v = &t[s..e];
    if v.starts_with('(') != v.contains(')') {
        return None;
    }
    let digits = v.bytes().filter(u8::is_ascii_digit).count();
    if !(10..=12).contains(&digits) {
        return None;
    }
    let seps: Vec<u8> = v
        .bytes()
        .filter(|b| matches!(b, b' ' | b'.' | b'-'))
        .collect();
    let after_paren = v.find(") ").is_some();
    let seps = if after_paren { &seps[1..] } else { &seps[..] };
    if seps.windows(2).any(|w| w[0] != w[1]) {
        return None;
    }
    Some((FindingKind::Phone, s, e))
}

/// Words after which a dotted quad is a version or a section number, not
/// an address.
const NOT_IP_CONTEXT: [&str; 19] = [
    "version",
    "versions",
    "ver",
    "v",
    "release",
    "released",
    "build",
    "rev",
    "revision",
    "firmware",
    "section",
    "chapter",
    "clause",
    "paragraph",
    "step",
    "figure",
    "table",
    "appendix",
    "oid",
];

fn ipv4(t: &str, s: usize, e: usize) -> Option<(FindingKind, usize, usize)> {
    let before = byte_before(t, s);
    if is_alnum(before) || matches!(before, Some(b'.' | b'_')) {
        return None;
    }
    let after = byte_at(t, e);
    if is_alnum(after) || after == Some(b'_') || after == Some(b'+') {
        return None;
    }
    if after == Some(b'.') && is_digit(byte_at(t, e + 1)) {
        return None;
    }
    if after == Some(b'-') && byte_at(t, e + 1).is_some_and(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    if NOT_IP_CONTEXT.contains(&previous_word(t, s).as_str()) {
        return None;
    }
    ipv4_ok(&t[s..e]).then_some((FindingKind::IpAddress, s, e))
}

fn ipv6(t: &str, s: usize, e: usize) -> Option<(FindingKind, usize, usize)> {
    let before = byte_before(t, s);
    if is_alnum(before) || matches!(before, Some(b'_' | b':' | b'.')) {
        return None;
    }
    let mut v = &t[s..e];
    // A single trailing colon is punctuation (`fe80::1: the gateway`).
    if v.ends_with(':') && !v.ends_with("::") {
        v = &v[..v.len() - 1];
    }
    let e = s + v.len();
    let after = byte_at(t, e);
    if is_alnum(after) || after == Some(b'_') {
        return None;
    }
    let addr = v.split_once('%').map_or(v, |(a, _)| a);
    if ipv6_ok(addr) {
        return Some((FindingKind::IpAddress, s, e));
    }
    // `2001:db8:…:7334:8080`: a full address and a port.
    let (head, port) = v.rsplit_once(':')?;
    (port.bytes().all(|b| b.is_ascii_digit()) && !head.contains("::") && ipv6_ok(head)).then_some((
        FindingKind::IpAddress,
        s,
        s + head.len(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(FindingKind, &str)> {
        find(text)
            .into_iter()
            .map(|f| (f.kind, &text[f.start..f.end]))
            .collect()
    }

    #[test]
    fn patterns_compile() {
        assert!(warm());
    }

    #[test]
    fn keys() {
        use FindingKind::*;
        let k = "sk-proj-FAKE0key1TEST2FAKE3key4TEST5FAKE6key7TEST8";
        assert_eq!(kinds(&format!("key {k} here")), vec![(OpenAiKey, k)]);
        let a = format!("sk-ant-api03-{}AA", "FAKE0test1KEY2".repeat(7));
        assert_eq!(kinds(&a), vec![(AnthropicKey, a.as_str())]);
        assert_eq!(
            kinds("id AKIAFAKE2EXAMPLE3456 ok"),
            vec![(AwsAccessKey, "AKIAFAKE2EXAMPLE3456")]
        );
        assert_eq!(kinds("AKIAXXXXXXXXXXXXXXXX"), vec![]);
        let g = format!("ghp_{}", "FAKE0tok1".repeat(4));
        assert_eq!(kinds(&g), vec![(GithubToken, g.as_str())]);
        let j = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJmYWtlIn0.RkFLRXNpZ25hdHVyZQ";
        assert_eq!(kinds(&format!("jwt {j}.")), vec![(Jwt, j)]);
    }

    #[test]
    fn pem() {
        let k =
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEFAKE\nFAKEFAKE==\n-----END RSA PRIVATE KEY-----";
        let text = format!("here:\n{k}\nthanks");
        assert_eq!(kinds(&text), vec![(FindingKind::PrivateKey, k)]);
        let open = "-----BEGIN PRIVATE KEY-----\nMIIEFAKE\nFAKEFAKE\n";
        let text = format!("{open}and then some prose");
        assert_eq!(
            kinds(&text),
            vec![(FindingKind::PrivateKey, open.trim_end())]
        );
    }

    #[test]
    fn pem_cut_at_an_escape_ends() {
        // A JSON-escaped key cut right after a backslash once looped forever.
        let t = "\"-----BEGIN EC PRIVATE KEY-----\\";
        assert_eq!(kinds(t).len(), 1);
        let t = "-----BEGIN PRIVATE KEY-----\\nAAAA\\";
        assert_eq!(kinds(t).len(), 1);
    }

    #[test]
    fn personal() {
        use FindingKind::*;
        assert_eq!(
            kinds("mail bob.smith+x@mail.example.co.uk."),
            vec![(Email, "bob.smith+x@mail.example.co.uk")]
        );
        assert_eq!(kinds("icon@2x.png and git@github.com:org/x.git"), vec![]);
        assert_eq!(
            kinds("card 4111 1111 1111 1111, exp"),
            vec![(CreditCard, "4111 1111 1111 1111")]
        );
        assert_eq!(kinds("order 4111 1111 1111 1112"), vec![]);
        assert_eq!(
            kinds("IBAN DE89 3704 0044 0532 0130 00 please"),
            vec![(Iban, "DE89 3704 0044 0532 0130 00")]
        );
        assert_eq!(kinds("ssn 123-45-6789"), vec![(UsSsn, "123-45-6789")]);
        assert_eq!(kinds("ssn 666-45-6789"), vec![]);
        assert_eq!(
            kinds("call +1 (415) 555-2671 now"),
            vec![(Phone, "+1 (415) 555-2671")]
        );
        assert_eq!(
            kinds("call (415) 555-2671"),
            vec![(Phone, "(415) 555-2671")]
        );
        assert_eq!(kinds("on 2024-05-01 at 10:30"), vec![]);
        assert_eq!(kinds("host 10.0.0.1:80"), vec![(IpAddress, "10.0.0.1")]);
        assert_eq!(kinds("version 1.2.3.4 and v1.2.3.4"), vec![]);
        assert_eq!(
            kinds("addr fe80::1ff:fe23:4567:890a."),
            vec![(IpAddress, "fe80::1ff:fe23:4567:890a")]
        );
        assert_eq!(kinds("std::vector and u128::MAX, a[1::2]"), vec![]);
    }

    #[test]
    fn secrets() {
        use FindingKind::*;
        assert_eq!(
            kinds("api_key = \"q7Z2xV9pL4mK8nR3tW6y\""),
            vec![(Secret, "q7Z2xV9pL4mK8nR3tW6y")]
        );
        assert_eq!(kinds("api_key = os.environ.get"), vec![]);
        assert_eq!(kinds("max_tokens: 1024, token = process.env.TOKEN"), vec![]);
        assert_eq!(
            kinds("Authorization: Bearer q7Z2xV9pL4mK8nR3tW6yB1"),
            vec![(Secret, "q7Z2xV9pL4mK8nR3tW6yB1")]
        );
    }

    #[test]
    fn overlaps_resolve_by_tier() {
        let k = "sk-proj-FAKE0key1TEST2FAKE3key4TEST5FAKE6key7TEST8";
        let text = format!("OPENAI_API_KEY={k}");
        let found = kinds(&text);
        assert_eq!(found, vec![(FindingKind::OpenAiKey, k)]);
    }
}
