//! Request-log analytics: [`Analytics`] reads [`LogRecord`]s (from memory or
//! from the JSONL files the log writes) and summarises them into a
//! [`Report`]: overall [`Stats`], the same stats by model, provider, tag and
//! dimension, and a [`timeline`](Report::timeline) of latency over time.
//!
//! A report renders three ways: an aligned plain-text table for a terminal
//! ([`Report::to_table`]), JSON ([`Report::to_json`]), and one self-contained
//! HTML page with inline SVG charts ([`Report::to_html`]).
//!
//! ## Definitions
//!
//! - **Requests** count every record, whatever its outcome.
//! - **Errors** count records whose outcome is `error`; **dropped** counts
//!   streams the caller dropped (`dropped`), which are *not* errors.
//!   [`Stats::error_rate`] is `errors / requests` (a fraction, 0 when empty).
//! - **Latency** percentiles are over every record's `latency_ms` (errors and
//!   dropped streams included: they are what callers waited); **TTFT**
//!   percentiles over the records that have a `ttft_ms` (streams).
//! - **Percentiles** use the nearest-rank method on the sorted values: the
//!   p-th percentile of `n` values is the value at rank `ceil(p / 100 * n)`
//!   (1-based), so it is always one of the observed values
//!   ([`nearest_rank`]). Non-finite values are ignored.
//! - **Cost** sums the known costs only (`cost_usd` absent means the price
//!   was unknown, never free); [`Stats::priced_requests`] tells how many
//!   records had one.
//! - **Model** is `served_by` (the `provider/model` that answered), or the
//!   model the caller asked for when no target answered, or `(unknown)`.
//!   **Provider** is `provider`, else the provider part of `served_by`, else
//!   `(none)` (a request that failed before any provider answered).
//! - A record counts once for each of its distinct tags, and once under each
//!   of its dimensions (`name` → `value`).
//!
//! ```
//! use requesty::router::log::analytics::Analytics;
//! use requesty::router::log::{LogRecord, Outcome};
//!
//! let records = [120.0, 80.0, 400.0].into_iter().map(|ms| LogRecord {
//!     latency_ms: ms,
//!     served_by: Some("openai/gpt-4o-mini".into()),
//!     cost_usd: Some(0.001),
//!     ..Default::default()
//! });
//! let report = Analytics::from_records(records).report();
//! assert_eq!(report.overall.requests, 3);
//! assert_eq!(report.overall.latency_ms.p50, 120.0);
//! assert_eq!(report.by_model["openai/gpt-4o-mini"].priced_requests, 3);
//! println!("{}", report.to_table());
//! ```

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::record::{LogRecord, Outcome, rfc3339_millis};
use crate::{Error, Result};

/// The number of buckets [`Report::timeline`] aims for (it may have a
/// couple more: bucket edges fall on round times).
pub const TIMELINE_BUCKETS: u64 = 60;

/// The model key of a record with neither `served_by` nor `model_requested`.
pub const UNKNOWN_MODEL: &str = "(unknown)";

/// The provider key of a record no provider answered.
pub const NO_PROVIDER: &str = "(none)";

/// How many tags [`Report::to_table`] and [`Report::to_html`] show.
const TOP_TAGS: usize = 20;

/// How many values of each dimension the renderings show.
const TOP_DIMENSION_VALUES: usize = 15;

/// A set of log records to analyse. Build it from records in memory
/// ([`from_records`](Self::from_records)), from JSON lines
/// ([`from_jsonl`](Self::from_jsonl)) or from the log's files
/// ([`from_jsonl_path`](Self::from_jsonl_path)), then ask for a
/// [`report`](Self::report).
#[derive(Debug, Clone, Default)]
pub struct Analytics {
    records: Vec<LogRecord>,
}

impl Analytics {
    /// Analytics over these records.
    pub fn from_records<I: IntoIterator<Item = LogRecord>>(records: I) -> Self {
        Analytics {
            records: records.into_iter().collect(),
        }
    }

    /// Reads JSON lines (one [`LogRecord`] per line; a UTF-8 byte-order mark
    /// is ignored). Tolerant: a line that
    /// is not a record (malformed JSON, a missing field, invalid UTF-8, a
    /// line cut short by a crash) is skipped and counted; blank lines are
    /// ignored and not counted. Returns the analytics and the number of
    /// skipped lines.
    ///
    /// # Errors
    ///
    /// A read error of `reader` (a configuration error naming the cause).
    pub fn from_jsonl<R: BufRead>(reader: R) -> Result<(Self, usize)> {
        let mut records = Vec::new();
        let skipped = read_jsonl(reader, &mut records)
            .map_err(|e| Error::config(format!("cannot read the request log: {e}")))?;
        Ok((Analytics { records }, skipped))
    }

    /// Reads a JSONL log file, or every `*.jsonl` file of a folder (the
    /// log's daily and rotated files) in order: by name, with a rotated part
    /// `NAME.N.jsonl` after `NAME.jsonl` and ordered by `N`. Malformed lines
    /// are skipped and counted as in [`from_jsonl`](Self::from_jsonl).
    ///
    /// # Errors
    ///
    /// A configuration error naming the path when it does not exist, cannot
    /// be read, or is a folder without `*.jsonl` files.
    pub fn from_jsonl_path(path: impl AsRef<Path>) -> Result<(Self, usize)> {
        let path = path.as_ref();
        let meta = std::fs::metadata(path).map_err(|e| path_error(path, &e))?;
        let files = if meta.is_dir() {
            let files = jsonl_files(path).map_err(|e| path_error(path, &e))?;
            if files.is_empty() {
                return Err(Error::config(format!(
                    "no *.jsonl request-log files in `{}`",
                    path.display()
                )));
            }
            files
        } else {
            vec![path.to_path_buf()]
        };
        let mut records = Vec::new();
        let mut skipped = 0;
        for file in &files {
            let f = std::fs::File::open(file).map_err(|e| path_error(file, &e))?;
            skipped += read_jsonl(std::io::BufReader::new(f), &mut records)
                .map_err(|e| path_error(file, &e))?;
        }
        Ok((Analytics { records }, skipped))
    }

    /// The records, in the order they were given or read.
    pub fn records(&self) -> &[LogRecord] {
        &self.records
    }

    /// The number of records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Summarises the records (see the [module docs](self) for the
    /// definitions).
    pub fn report(&self) -> Report {
        let mut overall = Acc::default();
        let mut by_model: BTreeMap<String, Acc> = BTreeMap::new();
        let mut by_provider: BTreeMap<String, Acc> = BTreeMap::new();
        let mut by_tag: BTreeMap<String, Acc> = BTreeMap::new();
        let mut by_dimension: BTreeMap<String, BTreeMap<String, Acc>> = BTreeMap::new();
        let mut first_ms: Option<u64> = None;
        let mut last_ms: Option<u64> = None;
        for r in &self.records {
            overall.add(r);
            by_model.entry(model_key(r)).or_default().add(r);
            by_provider.entry(provider_key(r)).or_default().add(r);
            let mut seen = BTreeSet::new();
            for tag in &r.tags {
                if seen.insert(tag.as_str()) {
                    by_tag.entry(tag.clone()).or_default().add(r);
                }
            }
            for (name, value) in &r.dimensions {
                by_dimension
                    .entry(name.clone())
                    .or_default()
                    .entry(value.clone())
                    .or_default()
                    .add(r);
            }
            first_ms = Some(first_ms.map_or(r.started_at_ms, |f| f.min(r.started_at_ms)));
            last_ms = Some(last_ms.map_or(r.started_at_ms, |l| l.max(r.started_at_ms)));
        }
        let finish = |m: BTreeMap<String, Acc>| -> BTreeMap<String, Stats> {
            m.into_iter().map(|(k, a)| (k, a.finish())).collect()
        };
        let timeline = match (first_ms, last_ms) {
            (Some(first), Some(last)) => timeline(&self.records, first, last),
            _ => Vec::new(),
        };
        Report {
            overall: overall.finish(),
            by_model: finish(by_model),
            by_provider: finish(by_provider),
            by_tag: finish(by_tag),
            by_dimension: by_dimension
                .into_iter()
                .map(|(k, m)| (k, finish(m)))
                .collect(),
            first_ms,
            last_ms,
            timeline,
        }
    }
}

/// Reads JSON lines into `out`; returns how many non-blank lines were not records.
fn read_jsonl<R: BufRead>(mut reader: R, out: &mut Vec<LogRecord>) -> std::io::Result<usize> {
    let mut skipped = 0;
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(skipped);
        }
        let text = line.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&line);
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<LogRecord>(text) {
            Ok(r) => out.push(r),
            Err(_) => skipped += 1,
        }
    }
}

fn path_error(path: &Path, e: &std::io::Error) -> Error {
    Error::config(format!("cannot read request log `{}`: {e}", path.display()))
}

/// The `*.jsonl` files of a folder, in log order.
fn jsonl_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "jsonl") && path.is_file() {
            files.push(path);
        }
    }
    files.sort_by_cached_key(|p| log_file_order(p));
    Ok(files)
}

/// Sort key of a log file name: `NAME.jsonl` → (`NAME`, 0), a rotated part
/// `NAME.N.jsonl` → (`NAME`, N).
fn log_file_order(path: &Path) -> (String, u64, String) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name.strip_suffix(".jsonl").unwrap_or(&name);
    if let Some((base, part)) = stem.rsplit_once('.')
        && !part.is_empty()
        && part.bytes().all(|b| b.is_ascii_digit())
        && let Ok(n) = part.parse::<u64>()
    {
        return (base.to_owned(), n, name.clone());
    }
    (stem.to_owned(), 0, name.clone())
}

/// The `by_model` key of a record.
fn model_key(r: &LogRecord) -> String {
    r.served_by
        .as_deref()
        .or(r.model_requested.as_deref())
        .unwrap_or(UNKNOWN_MODEL)
        .to_owned()
}

/// The `by_provider` key of a record.
fn provider_key(r: &LogRecord) -> String {
    if let Some(p) = &r.provider {
        return p.clone();
    }
    match r.served_by.as_deref().and_then(|s| s.split_once('/')) {
        Some((p, _)) if !p.is_empty() => p.to_owned(),
        _ => NO_PROVIDER.to_owned(),
    }
}

/// The value at nearest rank `ceil(p / 100 * n)` of `sorted` (ascending),
/// for `p` in `1..=100` (clamped); `None` when `sorted` is empty.
///
/// ```
/// use requesty::router::log::analytics::nearest_rank;
/// let v = [10.0, 20.0, 30.0, 40.0];
/// assert_eq!(nearest_rank(&v, 50), Some(20.0)); // rank ceil(2.0) = 2
/// assert_eq!(nearest_rank(&v, 95), Some(40.0)); // rank ceil(3.8) = 4
/// assert_eq!(nearest_rank(&[], 50), None);
/// ```
pub fn nearest_rank(sorted: &[f64], p: u32) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let p = p.clamp(1, 100) as usize;
    let rank = (p * n).div_ceil(100).clamp(1, n);
    sorted.get(rank - 1).copied()
}

/// The 50th, 95th and 99th percentiles of a set of values (nearest rank,
/// see [`nearest_rank`]).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Percentiles {
    /// The median.
    pub p50: f64,
    /// The 95th percentile.
    pub p95: f64,
    /// The 99th percentile.
    pub p99: f64,
}

impl Percentiles {
    /// The percentiles of `values` (any order; non-finite values ignored),
    /// `None` when there are none.
    pub fn of(values: &[f64]) -> Option<Self> {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        v.sort_by(f64::total_cmp);
        Self::of_sorted(&v)
    }

    /// The percentiles of values already sorted ascending.
    fn of_sorted(sorted: &[f64]) -> Option<Self> {
        Some(Percentiles {
            p50: nearest_rank(sorted, 50)?,
            p95: nearest_rank(sorted, 95)?,
            p99: nearest_rank(sorted, 99)?,
        })
    }
}

/// The summary of a set of records (see the [module docs](self) for the
/// definitions).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Stats {
    /// Records, whatever their outcome.
    pub requests: u64,
    /// Records with outcome `error`.
    pub errors: u64,
    /// Streams the caller dropped (outcome `dropped`; not errors).
    pub dropped: u64,
    /// `errors / requests`, a fraction in `0..=1` (0 without requests).
    pub error_rate: f64,
    /// Latency percentiles over every record, ms (all 0 without requests).
    pub latency_ms: Percentiles,
    /// Time-to-first-token percentiles over the records that have one
    /// (streams), ms; `None` when none has.
    pub ttft_ms: Option<Percentiles>,
    /// Sum of prompt tokens.
    pub prompt_tokens: u64,
    /// Sum of completion tokens.
    pub completion_tokens: u64,
    /// Sum of the known costs, USD (records with an unknown price add nothing).
    pub cost_usd: f64,
    /// Records with a known cost.
    pub priced_requests: u64,
    /// Records the router's cache answered.
    pub cache_hits: u64,
}

/// One bucket of [`Report::timeline`]: the records that started in
/// `[start_ms, end_ms)`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TimeBucket {
    /// Start of the bucket, Unix ms (inclusive).
    pub start_ms: u64,
    /// End of the bucket, Unix ms (exclusive).
    pub end_ms: u64,
    /// Records that started in the bucket.
    pub requests: u64,
    /// Of which errors.
    pub errors: u64,
    /// Median latency of the bucket's records, ms; `None` when empty.
    pub p50_latency_ms: Option<f64>,
    /// 95th-percentile latency of the bucket's records, ms; `None` when empty.
    pub p95_latency_ms: Option<f64>,
}

/// A summary of a request log: see [`Analytics::report`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Report {
    /// Every record.
    pub overall: Stats,
    /// By `served_by`, or `model_requested` when no target answered.
    pub by_model: BTreeMap<String, Stats>,
    /// By provider id.
    pub by_provider: BTreeMap<String, Stats>,
    /// By tag (a record counts under each of its distinct tags).
    pub by_tag: BTreeMap<String, Stats>,
    /// By dimension name, then value.
    pub by_dimension: BTreeMap<String, BTreeMap<String, Stats>>,
    /// The earliest `started_at_ms`; `None` without records.
    pub first_ms: Option<u64>,
    /// The latest `started_at_ms`; `None` without records.
    pub last_ms: Option<u64>,
    /// Consecutive buckets of equal, round width covering
    /// `[first_ms, last_ms]` (about [`TIMELINE_BUCKETS`] of them, empty
    /// ones included); empty without records.
    pub timeline: Vec<TimeBucket>,
}

/// Accumulates one group's records.
#[derive(Default)]
struct Acc {
    requests: u64,
    errors: u64,
    dropped: u64,
    latencies: Vec<f64>,
    ttfts: Vec<f64>,
    prompt_tokens: u64,
    completion_tokens: u64,
    cost_usd: f64,
    priced_requests: u64,
    cache_hits: u64,
}

impl Acc {
    fn add(&mut self, r: &LogRecord) {
        self.requests += 1;
        match r.outcome {
            Outcome::Ok => {}
            Outcome::Error => self.errors += 1,
            Outcome::Dropped => self.dropped += 1,
        }
        if r.latency_ms.is_finite() {
            self.latencies.push(r.latency_ms);
        }
        if let Some(t) = r.ttft_ms.filter(|t| t.is_finite()) {
            self.ttfts.push(t);
        }
        if let Some(u) = &r.usage {
            self.prompt_tokens = self.prompt_tokens.saturating_add(u.prompt_tokens);
            self.completion_tokens = self.completion_tokens.saturating_add(u.completion_tokens);
        }
        if let Some(c) = r.cost_usd.filter(|c| c.is_finite()) {
            self.cost_usd += c;
            self.priced_requests += 1;
        }
        if r.cache_hit {
            self.cache_hits += 1;
        }
    }

    fn finish(mut self) -> Stats {
        self.latencies.sort_by(f64::total_cmp);
        self.ttfts.sort_by(f64::total_cmp);
        Stats {
            requests: self.requests,
            errors: self.errors,
            dropped: self.dropped,
            error_rate: if self.requests == 0 {
                0.0
            } else {
                self.errors as f64 / self.requests as f64
            },
            latency_ms: Percentiles::of_sorted(&self.latencies).unwrap_or_default(),
            ttft_ms: Percentiles::of_sorted(&self.ttfts),
            prompt_tokens: self.prompt_tokens,
            completion_tokens: self.completion_tokens,
            cost_usd: self.cost_usd,
            priced_requests: self.priced_requests,
            cache_hits: self.cache_hits,
        }
    }
}

const SECOND: u64 = 1000;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;

/// Round bucket widths, ms.
const NICE_WIDTHS: &[u64] = &[
    1,
    2,
    5,
    10,
    20,
    50,
    100,
    200,
    500,
    SECOND,
    2 * SECOND,
    5 * SECOND,
    10 * SECOND,
    15 * SECOND,
    30 * SECOND,
    MINUTE,
    2 * MINUTE,
    5 * MINUTE,
    10 * MINUTE,
    15 * MINUTE,
    30 * MINUTE,
    HOUR,
    2 * HOUR,
    3 * HOUR,
    6 * HOUR,
    12 * HOUR,
    DAY,
    2 * DAY,
    7 * DAY,
];

/// The smallest round width giving at most about [`TIMELINE_BUCKETS`]
/// buckets over `span_ms`.
fn bucket_width(span_ms: u64) -> u64 {
    let raw = span_ms.div_ceil(TIMELINE_BUCKETS).max(1);
    NICE_WIDTHS
        .iter()
        .copied()
        .find(|&w| w >= raw)
        .unwrap_or_else(|| raw.div_ceil(DAY).saturating_mul(DAY))
}

fn timeline(records: &[LogRecord], first: u64, last: u64) -> Vec<TimeBucket> {
    let width = bucket_width(last - first);
    let start = first - first % width;
    let n = ((last - start) / width + 1) as usize;
    let mut lat: Vec<Vec<f64>> = vec![Vec::new(); n];
    let mut buckets: Vec<TimeBucket> = (0..n as u64)
        .map(|i| TimeBucket {
            start_ms: start.saturating_add(i.saturating_mul(width)),
            end_ms: start.saturating_add((i + 1).saturating_mul(width)),
            ..TimeBucket::default()
        })
        .collect();
    for r in records {
        let i = ((r.started_at_ms - start) / width) as usize;
        if let (Some(b), Some(l)) = (buckets.get_mut(i), lat.get_mut(i)) {
            b.requests += 1;
            if r.outcome == Outcome::Error {
                b.errors += 1;
            }
            if r.latency_ms.is_finite() {
                l.push(r.latency_ms);
            }
        }
    }
    for (b, l) in buckets.iter_mut().zip(lat.iter_mut()) {
        l.sort_by(f64::total_cmp);
        b.p50_latency_ms = nearest_rank(l, 50);
        b.p95_latency_ms = nearest_rank(l, 95);
    }
    buckets
}

/// Groups sorted by requests (most first), then name.
fn ranked(m: &BTreeMap<String, Stats>) -> Vec<(&String, &Stats)> {
    let mut v: Vec<_> = m.iter().collect();
    v.sort_by(|a, b| b.1.requests.cmp(&a.1.requests).then_with(|| a.0.cmp(b.0)));
    v
}

impl Report {
    /// The report as aligned plain-text tables: overall, by model, by
    /// provider, top tags and the top values of each dimension.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let o = &self.overall;
        let _ = writeln!(out, "Request log: {}", self.range_text());
        if o.requests == 0 {
            out.push_str("\nNo requests.\n");
            return out;
        }
        out.push_str("\nOverall\n");
        let mut kv = Table::new(&["", ""]);
        kv.row(vec![
            "requests".into(),
            format!(
                "{} ({} errors = {}, {} dropped, {} cache hits)",
                fmt_int(o.requests),
                fmt_int(o.errors),
                fmt_pct(o.error_rate),
                fmt_int(o.dropped),
                fmt_int(o.cache_hits)
            ),
        ]);
        kv.row(vec!["latency".into(), percentiles_text(&o.latency_ms)]);
        kv.row(vec![
            "ttft".into(),
            o.ttft_ms
                .as_ref()
                .map_or_else(|| "-".to_owned(), percentiles_text),
        ]);
        kv.row(vec![
            "tokens".into(),
            format!(
                "{} prompt, {} completion",
                fmt_int(o.prompt_tokens),
                fmt_int(o.completion_tokens)
            ),
        ]);
        kv.row(vec![
            "cost".into(),
            format!(
                "{} ({} of {} requests priced)",
                fmt_usd(o.cost_usd),
                fmt_int(o.priced_requests),
                fmt_int(o.requests)
            ),
        ]);
        kv.render(&mut out, false);

        let mut partial = false;
        let mut section =
            |out: &mut String, title: &str, first: &str, rows: Vec<(&String, &Stats)>| {
                let _ = writeln!(out, "\n{title}");
                let mut t = Table::new(&[
                    first,
                    "requests",
                    "errors",
                    "err %",
                    "dropped",
                    "p50 ms",
                    "p95 ms",
                    "p99 ms",
                    "ttft p50",
                    "prompt tok",
                    "compl tok",
                    "cost USD",
                ]);
                for (name, s) in rows {
                    partial |= s.priced_requests > 0 && s.priced_requests < s.requests;
                    t.row(stats_row(name, s));
                }
                t.render(out, true);
            };
        section(&mut out, "By model", "model", ranked(&self.by_model));
        section(
            &mut out,
            "By provider",
            "provider",
            ranked(&self.by_provider),
        );
        if !self.by_tag.is_empty() {
            let tags = ranked(&self.by_tag);
            let title = if tags.len() > TOP_TAGS {
                format!("Top tags ({TOP_TAGS} of {})", tags.len())
            } else {
                "Tags".to_owned()
            };
            section(
                &mut out,
                &title,
                "tag",
                tags.into_iter().take(TOP_TAGS).collect(),
            );
        }
        for (dim, values) in &self.by_dimension {
            let values = ranked(values);
            let title = if values.len() > TOP_DIMENSION_VALUES {
                format!(
                    "Dimension `{dim}` (top {TOP_DIMENSION_VALUES} of {} values)",
                    values.len()
                )
            } else {
                format!("Dimension `{dim}`")
            };
            section(
                &mut out,
                &title,
                "value",
                values.into_iter().take(TOP_DIMENSION_VALUES).collect(),
            );
        }
        if partial {
            out.push_str(
                "\n* not every request of the group had a known cost (failed ones usually have none); \
                 the cost sums the known ones\n",
            );
        }
        out
    }

    /// The report as pretty-printed JSON (the [`Report`] fields; it
    /// deserializes back into a `Report`).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()))
    }

    /// The report as one self-contained HTML page: summary cards, latency
    /// over time (p50 and p95 lines, request volume, error markers), cost by
    /// model and tag counts (horizontal bars), and the by-model, by-provider
    /// and by-dimension tables. No scripts, external fonts, images or links:
    /// the CSS is inline, the charts are inline SVG sized by `viewBox`, and
    /// every string from the log is HTML-escaped.
    pub fn to_html(&self) -> String {
        html::page(self)
    }

    /// "first → last (duration)" in UTC, or "no requests".
    fn range_text(&self) -> String {
        match (self.first_ms, self.last_ms) {
            (Some(f), Some(l)) => {
                let a = rfc3339_millis(f);
                let b = rfc3339_millis(l);
                let same_day = a.get(..10) == b.get(..10);
                let a = a.get(..19).unwrap_or(&a).replace('T', " ");
                let b = if same_day {
                    b.get(11..19).unwrap_or(&b).to_owned()
                } else {
                    b.get(..19).unwrap_or(&b).replace('T', " ")
                };
                format!(
                    "{} requests, {a} to {b} UTC ({})",
                    fmt_int(self.overall.requests),
                    fmt_duration(l - f)
                )
            }
            _ => "no requests".to_owned(),
        }
    }
}

fn percentiles_text(p: &Percentiles) -> String {
    format!(
        "p50 {}, p95 {}, p99 {}",
        fmt_ms(p.p50),
        fmt_ms(p.p95),
        fmt_ms(p.p99)
    )
}

fn stats_row(name: &str, s: &Stats) -> Vec<String> {
    let cost = if s.priced_requests == 0 {
        "-".to_owned()
    } else if s.priced_requests < s.requests {
        format!("{}*", fmt_usd_column(s.cost_usd))
    } else {
        fmt_usd_column(s.cost_usd)
    };
    vec![
        name.to_owned(),
        fmt_int(s.requests),
        fmt_int(s.errors),
        fmt_pct(s.error_rate),
        fmt_int(s.dropped),
        fmt_ms_int(s.latency_ms.p50),
        fmt_ms_int(s.latency_ms.p95),
        fmt_ms_int(s.latency_ms.p99),
        s.ttft_ms
            .map_or_else(|| "-".to_owned(), |t| fmt_ms_int(t.p50)),
        fmt_int(s.prompt_tokens),
        fmt_int(s.completion_tokens),
        cost,
    ]
}

/// A plain-text table: the first column left-aligned, the others right-aligned.
struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(headers: &[&str]) -> Self {
        Table {
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn render(&self, out: &mut String, with_header: bool) {
        let cols = self.headers.len();
        let mut widths = vec![0usize; cols];
        let all = std::iter::once(&self.headers)
            .filter(|_| with_header)
            .chain(&self.rows);
        for row in all.clone() {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |out: &mut String, row: &[String]| {
            let mut s = String::from(" ");
            for (i, (cell, w)) in row.iter().zip(&widths).enumerate() {
                let pad = w.saturating_sub(cell.chars().count());
                s.push(' ');
                if i == 0 || !with_header {
                    s.push_str(cell);
                    if i + 1 < cols {
                        s.extend(std::iter::repeat_n(' ', pad));
                    }
                } else {
                    s.extend(std::iter::repeat_n(' ', pad));
                    s.push_str(cell);
                }
                if i + 1 < cols {
                    s.push(' ');
                }
            }
            out.push_str(s.trim_end());
            out.push('\n');
        };
        if with_header {
            line(out, &self.headers);
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            line(out, &rule);
        }
        for row in &self.rows {
            line(out, row);
        }
    }
}

/// `1234567` → `1,234,567`.
fn fmt_int(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A fraction as a percentage: `0.0612` → `6.1%`.
fn fmt_pct(rate: f64) -> String {
    let pct = rate * 100.0;
    if pct > 0.0 && pct < 0.1 {
        format!("{pct:.2}%")
    } else {
        format!("{pct:.1}%")
    }
}

/// Milliseconds for people: `850 ms`, `2.40 s`, `1.5 min`.
fn fmt_ms(ms: f64) -> String {
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else if ms < 10_000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else if ms < 60_000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else {
        format!("{:.1} min", ms / 60_000.0)
    }
}

/// Whole milliseconds with separators: `2,400`.
fn fmt_ms_int(ms: f64) -> String {
    if ms.is_finite() && ms >= 0.0 {
        if ms < 10.0 {
            format!("{ms:.1}")
        } else {
            fmt_int(ms.round() as u64)
        }
    } else {
        "-".to_owned()
    }
}

/// USD with enough digits for small amounts: `$12.34`, `$0.0123`, `$0.003`, `$0.000045`.
fn fmt_usd(v: f64) -> String {
    format!("${}", fmt_usd_plain(v))
}

/// USD with 4 decimals for a table column (`<0.0001` for smaller non-zero amounts).
fn fmt_usd_column(v: f64) -> String {
    if v > 0.0 && v < 0.000_05 {
        "<0.0001".to_owned()
    } else if v.abs() >= 1000.0 {
        fmt_usd_plain(v)
    } else {
        format!("{v:.4}")
    }
}

fn fmt_usd_plain(v: f64) -> String {
    if !v.is_finite() {
        return "-".to_owned();
    }
    let a = v.abs();
    if a == 0.0 {
        "0.00".to_owned()
    } else if a >= 1.0 {
        let cents = (v * 100.0).round() as u64;
        format!("{}.{:02}", fmt_int(cents / 100), cents % 100)
    } else {
        // Three significant digits (at most 8 decimals), trailing zeros
        // dropped down to two decimals.
        let decimals = ((-a.log10()).floor() as usize + 3).clamp(2, 8);
        let mut s = format!("{v:.decimals$}");
        while s.ends_with('0') && s.len() > s.find('.').map_or(0, |d| d + 3) {
            s.pop();
        }
        s
    }
}

/// A duration for people: `45s`, `59m 55s`, `2h 03m`, `3d 4h`.
fn fmt_duration(ms: u64) -> String {
    let s = ms / 1000;
    if s < 60 {
        format!("{}s", s)
    } else if s < 3600 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else if s < 86_400 {
        format!("{}h {:02}m", s / 3600, (s % 3600) / 60)
    } else {
        format!("{}d {}h", s / 86_400, (s % 86_400) / 3600)
    }
}

/// The HTML page.
mod html {
    use super::*;

    /// Escapes text for HTML content and attribute values.
    pub(super) fn esc(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c => out.push(c),
            }
        }
        out
    }

    /// Cuts a label to `max` characters, with an ellipsis.
    fn clip(s: &str, max: usize) -> String {
        if s.chars().count() <= max {
            s.to_owned()
        } else {
            let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
            t.push('…');
            t
        }
    }

    /// Rounds a coordinate for compact SVG.
    fn n(v: f64) -> String {
        let r = (v * 10.0).round() / 10.0;
        if r == r.trunc() {
            format!("{r:.0}")
        } else {
            format!("{r:.1}")
        }
    }

    const CSS: &str = r#"
:root{--bg:#f5f6f8;--card:#fff;--text:#1d2330;--muted:#667085;--faint:#98a2b3;--grid:#e9ecf1;--border:#e3e6eb;
--p50:#2f6fdb;--p95:#e8830c;--err:#d92d20;--bar:#4f7fe0;--vol:#dfe3ea;--hover:rgba(47,111,219,.07);--row:#f8f9fb}
@media (prefers-color-scheme:dark){:root{--bg:#0f1217;--card:#171b22;--text:#e7e9ee;--muted:#9aa4b5;--faint:#6b7587;
--grid:#262c36;--border:#2a313c;--p50:#6fa4ff;--p95:#ffae45;--err:#ff6a5c;--bar:#6f9bff;--vol:#2b323d;
--hover:rgba(111,164,255,.10);--row:#1b2028}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--text);
font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue","Liberation Sans",Arial,sans-serif}
main{max-width:1200px;margin:0 auto;padding:32px 24px 40px}
header{margin-bottom:22px}
h1{font-size:26px;line-height:1.2;margin:0 0 6px;font-weight:700;letter-spacing:-.01em}
.sub{color:var(--muted);margin:0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(165px,1fr));gap:12px;margin:0 0 20px}
.card{background:var(--card);border:1px solid var(--border);border-radius:12px;padding:14px 16px}
.label{font-size:11.5px;font-weight:600;text-transform:uppercase;letter-spacing:.07em;color:var(--muted)}
.value{font-size:27px;font-weight:700;line-height:1.25;margin-top:4px;font-variant-numeric:tabular-nums;white-space:nowrap}
.note{font-size:12.5px;color:var(--muted);margin-top:2px}
.value.bad{color:var(--err)}
.panel{background:var(--card);border:1px solid var(--border);border-radius:12px;padding:18px 20px 16px;margin:0 0 20px;min-width:0}
.two{display:grid;grid-template-columns:1fr 1fr;gap:20px}
.two .panel{margin:0}
.two{margin:0 0 20px}
@media (max-width:880px){.two{grid-template-columns:1fr}}
h2{font-size:16.5px;margin:0;font-weight:650}
.hint{color:var(--muted);font-size:13px;margin:2px 0 12px}
.legend{display:flex;flex-wrap:wrap;gap:6px 18px;font-size:13px;color:var(--muted);margin:0 0 8px}
.key{display:inline-flex;align-items:center;gap:6px}
.sw{display:inline-block;width:18px;height:3px;border-radius:2px}
.sw.dot{width:9px;height:9px;border-radius:50%}
.sw.box{width:12px;height:10px;border-radius:2px}
svg{display:block;width:100%;height:auto;overflow:visible}
svg text{fill:var(--muted);font-size:12px;font-family:inherit}
svg.hbar text{font-size:13px}
svg .title{fill:var(--text);font-weight:600}
svg .axis-title{fill:var(--faint);font-size:11.5px;letter-spacing:.04em}
svg .lbl{fill:var(--text)}
svg .val{fill:var(--muted);font-variant-numeric:tabular-nums}
.gridline{stroke:var(--grid);stroke-width:1}
.axis{stroke:var(--faint);stroke-width:1}
.p50{fill:none;stroke:var(--p50);stroke-width:2.25;stroke-linejoin:round;stroke-linecap:round}
.p95{fill:none;stroke:var(--p95);stroke-width:2.25;stroke-linejoin:round;stroke-linecap:round}
.pt50{fill:var(--p50)}.pt95{fill:var(--p95)}
.vol{fill:var(--vol)}
.err-mark{fill:var(--err);fill-opacity:.85;stroke:var(--card);stroke-width:1.5}
.hover{fill:transparent}.hover:hover{fill:var(--hover)}
.bar{fill:var(--bar)}.bar-err{fill:var(--err)}
.track{fill:var(--row)}
.empty{color:var(--muted);font-size:14px;padding:28px 0;text-align:center}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13.5px;font-variant-numeric:tabular-nums}
th,td{padding:7px 9px;text-align:right;white-space:nowrap;border-bottom:1px solid var(--border)}
th{font-size:11px;font-weight:600;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);vertical-align:bottom}
th:first-child,td:first-child{text-align:left;padding-left:2px}
td .rate{color:var(--muted);font-size:12px;margin-left:4px}
td.bad .rate{color:var(--err)}
tbody tr:nth-child(even) td{background:var(--row)}
tbody tr:last-child td{border-bottom:none}
td.bad{color:var(--err);font-weight:600}
details{border-top:1px solid var(--border);padding:10px 0 4px}
details:first-of-type{border-top:none}
summary{cursor:pointer;font-weight:600}
summary span{color:var(--muted);font-weight:400}
details table{margin-top:8px}
footer{color:var(--faint);font-size:12.5px;margin-top:8px;line-height:1.6}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:.92em}
"#;

    pub(super) fn page(r: &Report) -> String {
        let mut h = String::with_capacity(64 * 1024);
        let o = &r.overall;
        h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        h.push_str("<meta name=\"color-scheme\" content=\"light dark\">\n");
        h.push_str("<title>Request log report</title>\n<style>");
        h.push_str(CSS);
        h.push_str("</style>\n</head>\n<body>\n<main>\n<header>\n<h1>Request log report</h1>\n");
        let _ = writeln!(
            h,
            "<p class=\"sub\">{}</p>\n</header>",
            esc(&r.range_text())
        );

        cards(&mut h, o);

        if o.requests == 0 {
            h.push_str("<section class=\"panel\"><p class=\"empty\">The log holds no requests.</p></section>\n");
        } else {
            latency_panel(&mut h, r);
            h.push_str("<div class=\"two\">\n");
            cost_panel(&mut h, r);
            tags_panel(&mut h, r);
            h.push_str("</div>\n");
            table_panel(
                &mut h,
                "by-model",
                "By model",
                "The target that answered (<code>served_by</code>), or the requested model when none did.",
                "Model",
                &r.by_model,
            );
            table_panel(
                &mut h,
                "by-provider",
                "By provider",
                "The provider that answered; <code>(none)</code> when every try failed.",
                "Provider",
                &r.by_provider,
            );
            dimensions_panel(&mut h, r);
        }
        h.push_str(
            "<footer>Latency and TTFT percentiles are nearest-rank over every request \
             (errors and dropped streams included). Costs sum the known prices only. \
             Times are UTC. Generated by <code>requesty-stats</code>.</footer>\n",
        );
        h.push_str("</main>\n</body>\n</html>\n");
        h
    }

    fn card(h: &mut String, label: &str, value: &str, note: &str, bad: bool) {
        let _ = writeln!(
            h,
            "<div class=\"card\"><div class=\"label\">{}</div><div class=\"value{}\">{}</div><div class=\"note\">{}</div></div>",
            esc(label),
            if bad { " bad" } else { "" },
            esc(value),
            esc(note)
        );
    }

    fn cards(h: &mut String, o: &Stats) {
        h.push_str("<section class=\"cards\" id=\"summary\">\n");
        let mut req_note = format!("{} errors", fmt_int(o.errors));
        if o.dropped > 0 {
            let _ = write!(req_note, ", {} dropped", fmt_int(o.dropped));
        }
        if o.cache_hits > 0 {
            let _ = write!(req_note, ", {} cached", fmt_int(o.cache_hits));
        }
        card(h, "Requests", &fmt_int(o.requests), &req_note, false);
        card(
            h,
            "Error rate",
            &fmt_pct(o.error_rate),
            &format!("{} of {}", fmt_int(o.errors), fmt_int(o.requests)),
            o.error_rate >= 0.05,
        );
        let has = o.requests > 0;
        let lat = |v: f64| if has { fmt_ms(v) } else { "-".to_owned() };
        card(
            h,
            "p50 latency",
            &lat(o.latency_ms.p50),
            &o.ttft_ms
                .map_or_else(String::new, |t| format!("TTFT p50 {}", fmt_ms(t.p50))),
            false,
        );
        card(
            h,
            "p95 latency",
            &lat(o.latency_ms.p95),
            &if has {
                format!("p99 {}", fmt_ms(o.latency_ms.p99))
            } else {
                String::new()
            },
            false,
        );
        card(
            h,
            "Cost",
            &fmt_usd(o.cost_usd),
            &if o.priced_requests == o.requests {
                "all requests priced".to_owned()
            } else {
                format!(
                    "{} of {} priced",
                    fmt_int(o.priced_requests),
                    fmt_int(o.requests)
                )
            },
            false,
        );
        card(
            h,
            "Tokens",
            &fmt_int(o.prompt_tokens.saturating_add(o.completion_tokens)),
            &format!(
                "{} in, {} out",
                fmt_compact(o.prompt_tokens),
                fmt_compact(o.completion_tokens)
            ),
            false,
        );
        h.push_str("</section>\n");
    }

    /// `12345` → `12.3k`.
    fn fmt_compact(v: u64) -> String {
        match v {
            0..1_000 => v.to_string(),
            1_000..1_000_000 => format!("{:.1}k", v as f64 / 1e3),
            1_000_000..1_000_000_000 => format!("{:.1}M", v as f64 / 1e6),
            _ => format!("{:.1}B", v as f64 / 1e9),
        }
    }

    /// A round step near `raw` (1, 2 or 5 × 10^k).
    fn nice_step(raw: f64) -> f64 {
        if !(raw.is_finite() && raw > 0.0) {
            return 1.0;
        }
        let mag = 10f64.powf(raw.log10().floor());
        let f = raw / mag;
        let m = if f <= 1.0 {
            1.0
        } else if f <= 2.0 {
            2.0
        } else if f <= 2.5 {
            2.5
        } else if f <= 5.0 {
            5.0
        } else {
            10.0
        };
        m * mag
    }

    /// A latency axis label: `0`, `250 ms`, `1.5 s`.
    fn fmt_axis_ms(v: f64) -> String {
        if v == 0.0 {
            "0".to_owned()
        } else if v < 1000.0 {
            format!("{} ms", n(v))
        } else {
            let s = v / 1000.0;
            if s == s.trunc() {
                format!("{s:.0} s")
            } else {
                format!("{} s", (s * 100.0).round() / 100.0)
            }
        }
    }

    /// Time-axis steps, ms.
    const TIME_STEPS: &[u64] = &[
        SECOND,
        2 * SECOND,
        5 * SECOND,
        10 * SECOND,
        15 * SECOND,
        30 * SECOND,
        MINUTE,
        2 * MINUTE,
        5 * MINUTE,
        10 * MINUTE,
        15 * MINUTE,
        30 * MINUTE,
        HOUR,
        2 * HOUR,
        3 * HOUR,
        6 * HOUR,
        12 * HOUR,
        DAY,
        2 * DAY,
        7 * DAY,
        14 * DAY,
        30 * DAY,
    ];

    fn time_label(ms: u64, step: u64) -> String {
        let s = rfc3339_millis(ms);
        let part = if step < MINUTE {
            s.get(11..19)
        } else if step < DAY {
            s.get(11..16)
        } else {
            s.get(5..10)
        };
        part.unwrap_or(&s).to_owned()
    }

    fn latency_panel(h: &mut String, r: &Report) {
        const W: f64 = 960.0;
        const H: f64 = 330.0;
        const ML: f64 = 64.0;
        const MR: f64 = 18.0;
        const MT: f64 = 34.0;
        const MB: f64 = 48.0;
        let tl = &r.timeline;
        let (Some(first), Some(last)) = (tl.first(), tl.last()) else {
            return;
        };
        let (t0, t1) = (first.start_ms, last.end_ms.max(first.start_ms + 1));
        let pw = W - ML - MR;
        let ph = H - MT - MB;
        let x = |t: f64| ML + (t - t0 as f64) / (t1 - t0) as f64 * pw;
        let max_lat = tl
            .iter()
            .filter_map(|b| b.p95_latency_ms)
            .fold(0.0f64, f64::max);
        let ystep = nice_step(max_lat / 5.0);
        let ymax = ((max_lat / ystep).ceil() * ystep).max(ystep);
        let y = |v: f64| MT + ph - (v / ymax).clamp(0.0, 1.0) * ph;
        let max_req = tl.iter().map(|b| b.requests).max().unwrap_or(0).max(1);
        let width = last.end_ms - last.start_ms;

        h.push_str("<section class=\"panel\" id=\"latency\">\n<h2>Latency over time</h2>\n");
        let _ = writeln!(
            h,
            "<p class=\"hint\">p50 and p95 latency per bucket of {}; grey bars show request volume, red dots mark buckets with errors (hover for details).</p>",
            esc(&fmt_duration_short(width))
        );
        h.push_str(
            "<div class=\"legend\"><span class=\"key\"><span class=\"sw\" style=\"background:var(--p50)\"></span>p50</span>\
             <span class=\"key\"><span class=\"sw\" style=\"background:var(--p95)\"></span>p95</span>\
             <span class=\"key\"><span class=\"sw box\" style=\"background:var(--vol)\"></span>requests</span>\
             <span class=\"key\"><span class=\"sw dot\" style=\"background:var(--err)\"></span>errors (size = count)</span></div>\n",
        );
        let _ = writeln!(
            h,
            "<svg viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"Latency over time\">"
        );
        // Y grid and labels.
        h.push_str("<g class=\"y-axis\">");
        let mut v = 0.0;
        while v <= ymax + ystep / 2.0 {
            let yy = n(y(v));
            let _ = write!(
                h,
                "<line class=\"gridline\" x1=\"{}\" x2=\"{}\" y1=\"{yy}\" y2=\"{yy}\"/><text x=\"{}\" y=\"{yy}\" dy=\"4\" text-anchor=\"end\">{}</text>",
                n(ML),
                n(W - MR),
                n(ML - 8.0),
                esc(&fmt_axis_ms(v))
            );
            v += ystep;
        }
        h.push_str("</g>\n");
        // X ticks.
        let span = t1 - t0;
        let step = TIME_STEPS
            .iter()
            .copied()
            .find(|&s| span / s <= 8)
            .unwrap_or_else(|| (span / 8).div_ceil(DAY).max(1) * DAY);
        h.push_str("<g class=\"x-axis\">");
        let _ = write!(
            h,
            "<line class=\"axis\" x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/>",
            n(ML),
            n(W - MR),
            n(MT + ph),
            n(MT + ph)
        );
        let mut t = t0.div_ceil(step) * step;
        while t <= t1 {
            let xx = n(x(t as f64));
            let _ = write!(
                h,
                "<line class=\"axis\" x1=\"{xx}\" x2=\"{xx}\" y1=\"{}\" y2=\"{}\"/><text x=\"{xx}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                n(MT + ph),
                n(MT + ph + 5.0),
                n(MT + ph + 19.0),
                esc(&time_label(t, step))
            );
            t += step;
        }
        let _ = write!(
            h,
            "<text class=\"axis-title\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">TIME (UTC)</text>",
            n(ML + pw / 2.0),
            n(H - 6.0)
        );
        let _ = write!(
            h,
            "<text class=\"axis-title\" transform=\"translate(14 {}) rotate(-90)\" text-anchor=\"middle\">LATENCY</text>",
            n(MT + ph / 2.0)
        );
        h.push_str("</g>\n");
        // Hover areas and volume bars.
        h.push_str("<g class=\"buckets\">");
        for b in tl {
            let x0 = x(b.start_ms as f64);
            let x1 = x(b.end_ms as f64);
            let title = bucket_title(b);
            let _ = write!(
                h,
                "<rect class=\"hover\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{}</title></rect>",
                n(x0),
                n(MT - 22.0),
                n((x1 - x0).max(0.5)),
                n(ph + 22.0),
                esc(&title)
            );
            if b.requests > 0 {
                let vh = b.requests as f64 / max_req as f64 * ph * 0.22;
                let gap = ((x1 - x0) * 0.12).min(2.0);
                let _ = write!(
                    h,
                    "<rect class=\"vol\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"1\"><title>{}</title></rect>",
                    n(x0 + gap),
                    n(MT + ph - vh),
                    n((x1 - x0 - 2.0 * gap).max(0.5)),
                    n(vh),
                    esc(&title)
                );
            }
        }
        h.push_str("</g>\n");
        // Lines: one polyline per run of non-empty buckets.
        for (class, dot, pick) in [
            (
                "p50",
                "pt50",
                (|b: &TimeBucket| b.p50_latency_ms) as fn(&TimeBucket) -> Option<f64>,
            ),
            ("p95", "pt95", |b: &TimeBucket| b.p95_latency_ms),
        ] {
            for run in runs(tl, pick) {
                let pts: Vec<(f64, f64)> = run
                    .iter()
                    .map(|(b, v)| (x((b.start_ms + b.end_ms) as f64 / 2.0), y(*v)))
                    .collect();
                if let [(px, py)] = pts.as_slice() {
                    let _ = write!(
                        h,
                        "<circle class=\"{dot}\" cx=\"{}\" cy=\"{}\" r=\"3\"/>",
                        n(*px),
                        n(*py)
                    );
                }
                let points: Vec<String> = pts
                    .iter()
                    .map(|(px, py)| format!("{},{}", n(*px), n(*py)))
                    .collect();
                let _ = writeln!(
                    h,
                    "<polyline class=\"{class}\" points=\"{}\"/>",
                    points.join(" ")
                );
            }
        }
        // Error markers, in a strip above the plot.
        let max_err = tl.iter().map(|b| b.errors).max().unwrap_or(0).max(1);
        h.push_str("<g class=\"errors\">");
        for b in tl.iter().filter(|b| b.errors > 0) {
            let rad = 3.0 + 4.0 * (b.errors as f64 / max_err as f64).sqrt();
            let _ = write!(
                h,
                "<circle class=\"err-mark\" cx=\"{}\" cy=\"{}\" r=\"{}\"><title>{}</title></circle>",
                n(x((b.start_ms + b.end_ms) as f64 / 2.0)),
                n(MT - 14.0),
                n(rad),
                esc(&bucket_title(b))
            );
        }
        h.push_str("</g>\n</svg>\n</section>\n");
    }

    /// Runs of consecutive buckets that have a value.
    fn runs(
        tl: &[TimeBucket],
        pick: fn(&TimeBucket) -> Option<f64>,
    ) -> Vec<Vec<(&TimeBucket, f64)>> {
        let mut out: Vec<Vec<(&TimeBucket, f64)>> = Vec::new();
        let mut cur = Vec::new();
        for b in tl {
            match pick(b) {
                Some(v) if v.is_finite() => cur.push((b, v)),
                _ => {
                    if !cur.is_empty() {
                        out.push(std::mem::take(&mut cur));
                    }
                }
            }
        }
        if !cur.is_empty() {
            out.push(cur);
        }
        out
    }

    fn bucket_title(b: &TimeBucket) -> String {
        let from = rfc3339_millis(b.start_ms);
        let to = rfc3339_millis(b.end_ms);
        let mut s = format!(
            "{}–{} UTC: {} requests, {} errors",
            from.get(11..19).unwrap_or(&from),
            to.get(11..19).unwrap_or(&to),
            fmt_int(b.requests),
            fmt_int(b.errors)
        );
        if let (Some(p50), Some(p95)) = (b.p50_latency_ms, b.p95_latency_ms) {
            let _ = write!(s, "; p50 {}, p95 {}", fmt_ms(p50), fmt_ms(p95));
        }
        s
    }

    /// A bucket width for people: `1 minute`, `30 seconds`, `250 ms`.
    fn fmt_duration_short(ms: u64) -> String {
        let unit = |v: u64, one: &str| {
            if v == 1 {
                format!("1 {one}")
            } else {
                format!("{v} {one}s")
            }
        };
        if ms % DAY == 0 {
            unit(ms / DAY, "day")
        } else if ms % HOUR == 0 {
            unit(ms / HOUR, "hour")
        } else if ms % MINUTE == 0 {
            unit(ms / MINUTE, "minute")
        } else if ms % SECOND == 0 {
            unit(ms / SECOND, "second")
        } else {
            format!("{ms} ms")
        }
    }

    /// One row of a horizontal bar chart.
    struct Bar {
        label: String,
        value: f64,
        /// The part of `value` drawn in red at the bar's end.
        err: f64,
        text: String,
        title: String,
    }

    fn hbar_svg(h: &mut String, name: &str, bars: &[Bar]) {
        const W: f64 = 600.0;
        const ROW: f64 = 28.0;
        const LABEL_W: f64 = 250.0;
        const VALUE_W: f64 = 84.0;
        let x0 = LABEL_W + 10.0;
        let bw = W - x0 - VALUE_W;
        let max = bars.iter().map(|b| b.value).fold(0.0f64, f64::max);
        let total_h = ROW * bars.len() as f64 + 4.0;
        let _ = writeln!(
            h,
            "<svg class=\"hbar\" viewBox=\"0 0 {W} {}\" role=\"img\" aria-label=\"{}\">",
            n(total_h),
            esc(name)
        );
        for (i, b) in bars.iter().enumerate() {
            let top = 2.0 + i as f64 * ROW;
            let mid = top + ROW / 2.0;
            let w = if max > 0.0 {
                (b.value / max * bw).max(2.0)
            } else {
                2.0
            };
            let _ = write!(
                h,
                "<g><title>{}</title><rect class=\"track\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\"/>",
                esc(&b.title),
                n(x0),
                n(top + 5.0),
                n(bw),
                n(ROW - 10.0)
            );
            let _ = write!(
                h,
                "<text class=\"lbl\" x=\"{}\" y=\"{}\" dy=\"4\" text-anchor=\"end\">{}</text>",
                n(LABEL_W),
                n(mid),
                esc(&clip(&b.label, 34))
            );
            let _ = write!(
                h,
                "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\"/>",
                n(x0),
                n(top + 5.0),
                n(w),
                n(ROW - 10.0)
            );
            if b.err > 0.0 && max > 0.0 {
                let ew = (b.err / max * bw).min(w).max(1.5);
                let _ = write!(
                    h,
                    "<rect class=\"bar-err\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
                    n(x0 + w - ew),
                    n(top + 5.0),
                    n(ew),
                    n(ROW - 10.0)
                );
            }
            let _ = writeln!(
                h,
                "<text class=\"val\" x=\"{}\" y=\"{}\" dy=\"4\">{}</text></g>",
                n(x0 + w + 6.0),
                n(mid),
                esc(&b.text)
            );
        }
        h.push_str("</svg>\n");
    }

    fn cost_panel(h: &mut String, r: &Report) {
        h.push_str("<section class=\"panel\" id=\"cost\">\n<h2>Cost by model</h2>\n");
        let mut priced: Vec<(&String, &Stats)> = r
            .by_model
            .iter()
            .filter(|(_, s)| s.priced_requests > 0)
            .collect();
        priced.sort_by(|a, b| {
            b.1.cost_usd
                .partial_cmp(&a.1.cost_usd)
                .unwrap_or(Ordering::Equal)
                .then_with(|| a.0.cmp(b.0))
        });
        let unpriced: Vec<&String> = r
            .by_model
            .iter()
            .filter(|(_, s)| s.priced_requests == 0)
            .map(|(k, _)| k)
            .collect();
        let _ = writeln!(
            h,
            "<p class=\"hint\">Total {} over the requests with a known price{}.</p>",
            esc(&fmt_usd(r.overall.cost_usd)),
            if priced.iter().any(|(_, s)| s.priced_requests < s.requests) {
                "; * some requests had none (failed ones usually)"
            } else {
                ""
            }
        );
        if priced.is_empty() {
            h.push_str("<p class=\"empty\">No request had a known price.</p>\n");
        } else {
            let bars: Vec<Bar> = priced
                .iter()
                .map(|(name, s)| {
                    let mut text = fmt_usd(s.cost_usd);
                    if s.priced_requests < s.requests {
                        text.push('*');
                    }
                    Bar {
                        label: (*name).clone(),
                        value: s.cost_usd,
                        err: 0.0,
                        title: format!(
                            "{name}: {} over {} priced of {} requests",
                            fmt_usd(s.cost_usd),
                            fmt_int(s.priced_requests),
                            fmt_int(s.requests)
                        ),
                        text,
                    }
                })
                .collect();
            hbar_svg(h, "Cost by model", &bars);
        }
        if !unpriced.is_empty() {
            let names: Vec<String> = unpriced.iter().map(|s| esc(s)).collect();
            let _ = writeln!(
                h,
                "<p class=\"hint\" style=\"margin-top:10px\">Unknown price: {}</p>",
                names.join(", ")
            );
        }
        h.push_str("</section>\n");
    }

    fn tags_panel(h: &mut String, r: &Report) {
        h.push_str("<section class=\"panel\" id=\"tags\">\n<h2>Requests by tag</h2>\n");
        let tags = ranked(&r.by_tag);
        let shown = tags.len().min(TOP_TAGS);
        let _ = writeln!(
            h,
            "<p class=\"hint\">{}; the red part of a bar is errors.</p>",
            if tags.len() > TOP_TAGS {
                format!("Top {TOP_TAGS} of {} tags", tags.len())
            } else {
                format!("{} tags", tags.len())
            }
        );
        if tags.is_empty() {
            h.push_str("<p class=\"empty\">No request had tags.</p>\n");
        } else {
            let bars: Vec<Bar> = tags
                .iter()
                .take(shown)
                .map(|(name, s)| {
                    let mut text = fmt_int(s.requests);
                    if s.errors > 0 {
                        let _ = write!(text, " · {} err", fmt_int(s.errors));
                    }
                    Bar {
                        label: (*name).clone(),
                        value: s.requests as f64,
                        err: s.errors as f64,
                        title: format!(
                            "{name}: {} requests, {} errors, p50 {}, {}",
                            fmt_int(s.requests),
                            fmt_int(s.errors),
                            fmt_ms(s.latency_ms.p50),
                            fmt_usd(s.cost_usd)
                        ),
                        text,
                    }
                })
                .collect();
            hbar_svg(h, "Requests by tag", &bars);
        }
        h.push_str("</section>\n");
    }

    fn stats_table(h: &mut String, first: &str, rows: &[(&String, &Stats)]) {
        let _ = write!(
            h,
            "<div class=\"table-wrap\"><table><thead><tr><th>{}</th>",
            esc(first)
        );
        for col in [
            "Requests",
            "Errors",
            "Dropped",
            "p50",
            "p95",
            "p99",
            "TTFT p50",
            "Tokens in",
            "Tokens out",
            "Cost",
            "Cached",
        ] {
            let _ = write!(h, "<th>{col}</th>");
        }
        h.push_str("</tr></thead>\n<tbody>\n");
        for (name, s) in rows {
            let cost = if s.priced_requests == 0 {
                "–".to_owned()
            } else if s.priced_requests < s.requests {
                format!(
                    "{} <span title=\"{} of {} requests priced\">*</span>",
                    esc(&fmt_usd(s.cost_usd)),
                    s.priced_requests,
                    s.requests
                )
            } else {
                esc(&fmt_usd(s.cost_usd))
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td{}>{}<span class=\"rate\">{}</span></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(name),
                fmt_int(s.requests),
                if s.error_rate >= 0.05 {
                    " class=\"bad\""
                } else {
                    ""
                },
                fmt_int(s.errors),
                esc(&fmt_pct(s.error_rate)),
                fmt_int(s.dropped),
                esc(&fmt_ms(s.latency_ms.p50)),
                esc(&fmt_ms(s.latency_ms.p95)),
                esc(&fmt_ms(s.latency_ms.p99)),
                s.ttft_ms
                    .map_or_else(|| "–".to_owned(), |t| esc(&fmt_ms(t.p50))),
                fmt_int(s.prompt_tokens),
                fmt_int(s.completion_tokens),
                cost,
                fmt_int(s.cache_hits)
            );
        }
        h.push_str("</tbody></table></div>\n");
    }

    fn table_panel(
        h: &mut String,
        id: &str,
        title: &str,
        hint: &str,
        first: &str,
        m: &BTreeMap<String, Stats>,
    ) {
        let _ = writeln!(
            h,
            "<section class=\"panel\" id=\"{id}\">\n<h2>{title}</h2>\n<p class=\"hint\">{hint}</p>"
        );
        stats_table(h, first, &ranked(m));
        h.push_str("</section>\n");
    }

    fn dimensions_panel(h: &mut String, r: &Report) {
        if r.by_dimension.is_empty() {
            return;
        }
        h.push_str(
            "<section class=\"panel\" id=\"dimensions\">\n<h2>By dimension</h2>\n\
             <p class=\"hint\"><code>X-Requesty-*</code> headers and <code>requesty.extra</code> metadata.</p>\n",
        );
        for (dim, values) in &r.by_dimension {
            let rows = ranked(values);
            let more = if rows.len() > TOP_DIMENSION_VALUES {
                format!(", top {TOP_DIMENSION_VALUES} shown")
            } else {
                String::new()
            };
            let _ = writeln!(
                h,
                "<details open><summary>{} <span>({} values{more})</span></summary>",
                esc(dim),
                rows.len()
            );
            let rows: Vec<_> = rows.into_iter().take(TOP_DIMENSION_VALUES).collect();
            stats_table(h, "Value", &rows);
            h.push_str("</details>\n");
        }
        h.push_str("</section>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::router::log::LogUsage;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(nearest_rank(&v, 50), Some(50.0));
        assert_eq!(nearest_rank(&v, 95), Some(95.0));
        assert_eq!(nearest_rank(&v, 99), Some(99.0));
        assert_eq!(nearest_rank(&v, 100), Some(100.0));
        let v = [1.0, 2.0, 3.0];
        assert_eq!(nearest_rank(&v, 50), Some(2.0)); // ceil(1.5) = 2
        assert_eq!(nearest_rank(&v, 95), Some(3.0));
        assert_eq!(nearest_rank(&[7.0], 1), Some(7.0));
        assert_eq!(nearest_rank(&[7.0], 0), Some(7.0));
        // 20 values: p95 is rank 19 exactly (no float rounding up to 20).
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(nearest_rank(&v, 95), Some(19.0));
        let p = Percentiles::of(&[f64::NAN, 3.0, 1.0, 2.0]).unwrap();
        assert_eq!((p.p50, p.p95, p.p99), (2.0, 3.0, 3.0));
        assert!(Percentiles::of(&[f64::NAN]).is_none());
    }

    #[test]
    fn bucket_widths_are_round_and_about_sixty() {
        assert_eq!(bucket_width(0), 1);
        assert_eq!(bucket_width(HOUR), MINUTE);
        assert_eq!(bucket_width(HOUR + 1), 2 * MINUTE);
        assert_eq!(bucket_width(10 * SECOND), 200);
        assert_eq!(bucket_width(365 * DAY), 7 * DAY);
        assert_eq!(bucket_width(10 * 365 * DAY), 61 * DAY);
        for span in [1, 999, 59_999, 3_599_999, 86_400_000, 7 * DAY + 5] {
            let w = bucket_width(span);
            let n = span / w + 2;
            assert!(n <= TIMELINE_BUCKETS + 2, "span {span}: {n} buckets");
        }
    }

    #[test]
    fn timeline_covers_the_range() {
        let rec = |t: u64, ms: f64, err: bool| LogRecord {
            started_at_ms: t,
            latency_ms: ms,
            outcome: if err { Outcome::Error } else { Outcome::Ok },
            ..Default::default()
        };
        let base = 1_700_000_000_000;
        let records = vec![
            rec(base + 30_000, 100.0, false),
            rec(base + 90_000, 300.0, true),
            rec(base + 95_000, 200.0, false),
            rec(base + HOUR, 50.0, false),
        ];
        let tl = timeline(&records, base + 30_000, base + HOUR);
        assert_eq!(tl[0].start_ms, base - base % MINUTE);
        assert!(tl.last().unwrap().end_ms > base + HOUR);
        assert!(tl.windows(2).all(|w| w[0].end_ms == w[1].start_ms));
        assert_eq!(tl.iter().map(|b| b.requests).sum::<u64>(), 4);
        let b = tl.iter().find(|b| b.requests == 2).unwrap();
        assert_eq!(b.errors, 1);
        assert_eq!(b.p50_latency_ms, Some(200.0));
        assert_eq!(b.p95_latency_ms, Some(300.0));
        assert!(
            tl.iter()
                .any(|b| b.requests == 0 && b.p50_latency_ms.is_none())
        );
    }

    #[test]
    fn keys() {
        let mut r = LogRecord {
            model_requested: Some("policy/fast".into()),
            ..Default::default()
        };
        assert_eq!(model_key(&r), "policy/fast");
        assert_eq!(provider_key(&r), NO_PROVIDER);
        r.served_by = Some("openai/gpt-4o".into());
        assert_eq!(model_key(&r), "openai/gpt-4o");
        assert_eq!(provider_key(&r), "openai");
        r.provider = Some("azure".into());
        assert_eq!(provider_key(&r), "azure");
        assert_eq!(model_key(&LogRecord::default()), UNKNOWN_MODEL);
    }

    #[test]
    fn log_files_sort_in_rotation_order() {
        let mut names = vec![
            "requesty-2026-01-02.jsonl",
            "requesty-2026-01-01.10.jsonl",
            "requesty-2026-01-01.2.jsonl",
            "requesty-2026-01-01.jsonl",
            "requesty-2026-01-01.1.jsonl",
        ];
        names.sort_by_cached_key(|n| log_file_order(Path::new(n)));
        assert_eq!(
            names,
            [
                "requesty-2026-01-01.jsonl",
                "requesty-2026-01-01.1.jsonl",
                "requesty-2026-01-01.2.jsonl",
                "requesty-2026-01-01.10.jsonl",
                "requesty-2026-01-02.jsonl",
            ]
        );
    }

    #[test]
    fn formats() {
        assert_eq!(fmt_int(0), "0");
        assert_eq!(fmt_int(999), "999");
        assert_eq!(fmt_int(1000), "1,000");
        assert_eq!(fmt_int(1_234_567), "1,234,567");
        assert_eq!(fmt_usd(0.0), "$0.00");
        assert_eq!(fmt_usd(12.345), "$12.35");
        assert_eq!(fmt_usd(1234.5), "$1,234.50");
        assert_eq!(fmt_usd(0.01234), "$0.0123");
        assert_eq!(fmt_usd(0.000045), "$0.000045");
        assert_eq!(fmt_usd(0.003), "$0.003");
        assert_eq!(fmt_usd(0.5), "$0.50");
        assert_eq!(fmt_usd(0.1), "$0.10");
        assert_eq!(fmt_usd_column(0.0113), "0.0113");
        assert_eq!(fmt_usd_column(0.38), "0.3800");
        assert_eq!(fmt_usd_column(0.00001), "<0.0001");
        assert_eq!(fmt_usd_column(0.0), "0.0000");
        assert_eq!(fmt_usd_column(1234.5), "1,234.50");
        assert_eq!(fmt_pct(0.0625), "6.2%");
        assert_eq!(fmt_pct(0.0004), "0.04%");
        assert_eq!(fmt_ms(850.0), "850 ms");
        assert_eq!(fmt_ms(2400.0), "2.40 s");
        assert_eq!(fmt_ms(5.25), "5.2 ms");
        assert_eq!(fmt_duration(3_595_000), "59m 55s");
        assert_eq!(fmt_duration(2 * HOUR + 3 * MINUTE), "2h 03m");
        assert_eq!(
            html::esc("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
    }

    #[test]
    fn empty_report_renders() {
        let r = Analytics::default().report();
        assert_eq!(r.overall.requests, 0);
        assert_eq!(r.overall.error_rate, 0.0);
        assert!(r.timeline.is_empty() && r.first_ms.is_none());
        assert!(r.to_table().contains("No requests"));
        assert!(r.to_html().contains("no requests"));
        let back: Report = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn jsonl_is_tolerant() {
        let good = serde_json::to_string(&LogRecord {
            request_id: "req_1".into(),
            usage: Some(LogUsage {
                prompt_tokens: 3,
                ..Default::default()
            }),
            ..Default::default()
        })
        .unwrap();
        let input = format!("\u{feff}{good}\n\n{{not json\n{good}\r\n{}\n", &good[..10]);
        let mut bytes = input.into_bytes();
        bytes.extend_from_slice(b"\xff\xfe\n");
        let (a, skipped) = Analytics::from_jsonl(&bytes[..]).unwrap();
        assert_eq!(a.len(), 2);
        // `{not json`, the cut line, the invalid UTF-8 line.
        assert_eq!(skipped, 3);
        assert_eq!(a.report().overall.prompt_tokens, 6);
    }
}
