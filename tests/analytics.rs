//! Request-log analytics: every `Stats` field against hand-computed values,
//! JSONL and folder reading, the HTML page's charts and escaping, and the
//! `requesty-stats` binary.
#![cfg(feature = "router")]

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use requesty::router::log::analytics::{Analytics, Percentiles, Report, Stats};
use requesty::router::log::{LogAttempt, LogError, LogRecord, LogUsage, Outcome, SCHEMA_VERSION};

/// 2023-11-14T22:13:20Z; 20 s past a whole minute.
const T: u64 = 1_700_000_000_000;
const MIN: u64 = 60_000;
const SCRIPT_TAG: &str = "<script>alert(1)</script>";

struct R {
    at: u64,
    served: Option<&'static str>,
    provider: Option<&'static str>,
    requested: &'static str,
    latency: f64,
    ttft: Option<f64>,
    tokens: Option<(u64, u64)>,
    cost: Option<f64>,
    outcome: Outcome,
    cache_hit: bool,
    tags: &'static [&'static str],
    dims: &'static [(&'static str, &'static str)],
}

impl R {
    fn ok(at: u64, served: &'static str, latency: f64) -> Self {
        R {
            at,
            served: Some(served),
            provider: served.split('/').next(),
            requested: served,
            latency,
            ttft: None,
            tokens: None,
            cost: None,
            outcome: Outcome::Ok,
            cache_hit: false,
            tags: &[],
            dims: &[],
        }
    }

    fn build(self, i: usize) -> LogRecord {
        LogRecord {
            schema_version: SCHEMA_VERSION,
            request_id: format!("req_{i}"),
            started_at: requesty::router::log::record::rfc3339_millis(self.at),
            started_at_ms: self.at,
            latency_ms: self.latency,
            ttft_ms: self.ttft,
            stream: self.ttft.is_some(),
            model_requested: Some(self.requested.to_owned()),
            served_by: self.served.map(str::to_owned),
            provider: self.provider.map(str::to_owned),
            model: self
                .served
                .and_then(|s| s.split_once('/'))
                .map(|(_, m)| m.to_owned()),
            attempts: vec![LogAttempt {
                target: self
                    .served
                    .unwrap_or("anthropic/claude-sonnet-4")
                    .to_owned(),
                status: None,
                error: None,
                latency_ms: self.latency,
            }],
            usage: self.tokens.map(|(p, c)| LogUsage {
                prompt_tokens: p,
                completion_tokens: c,
                total_tokens: p + c,
                ..Default::default()
            }),
            cost_usd: self.cost,
            tags: self.tags.iter().map(|t| (*t).to_owned()).collect(),
            dimensions: self
                .dims
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            cache_hit: self.cache_hit,
            outcome: self.outcome,
            error: (self.outcome == Outcome::Error).then(|| LogError {
                class: "timeout".into(),
                status: None,
                message: "request timeout".into(),
            }),
            ..Default::default()
        }
    }
}

const MINI: &str = "openai/gpt-4o-mini";
const SONNET: &str = "anthropic/claude-sonnet-4";
const LLAMA: &str = "local/llama-3.1-8b";

/// Eight requests over exactly one hour:
///
/// | # | at   | model (key)      | provider  | latency | ttft | tokens  | cost   | outcome | tags |
/// |---|------|------------------|-----------|---------|------|---------|--------|---------|------|
/// | 1 | 0    | mini             | openai    | 100     |      | 10/5    | 0.001  | ok      | app:chat, env:prod |
/// | 2 | 1m   | mini             | openai    | 200     | 50   | 20/10   | 0.002  | ok      | app:chat |
/// | 3 | 2m   | mini             | openai    | 300     |      |         |        | error   | app:chat ×2 |
/// | 4 | 10m  | sonnet           | anthropic | 1000    | 400  | 100/50  | 0.01   | ok      | app:summarizer, env:prod |
/// | 5 | 20m  | sonnet           | anthropic | 2000    | 300  | 30/10   | 0.005  | dropped | `<script>` |
/// | 6 | 30m  | policy/reliable  | (none)    | 5000    |      |         |        | error   | env:prod |
/// | 7 | 50m  | llama            | local     | 400     |      | 40/20   | unknown| ok      | |
/// | 8 | 60m  | mini (served_by) | openai*   | 2       |      | 10/5    | 0.0    | ok, cache hit | app:chat |
///
/// (*) no `provider` field: taken from `served_by`.
fn records() -> Vec<LogRecord> {
    let rs = vec![
        R {
            tokens: Some((10, 5)),
            cost: Some(0.001),
            tags: &["app:chat", "env:prod"],
            dims: &[("team", "search")],
            ..R::ok(T, MINI, 100.0)
        },
        R {
            ttft: Some(50.0),
            tokens: Some((20, 10)),
            cost: Some(0.002),
            tags: &["app:chat"],
            dims: &[("team", "search"), ("feature", "chat")],
            ..R::ok(T + MIN, MINI, 200.0)
        },
        R {
            outcome: Outcome::Error,
            tags: &["app:chat", "app:chat"],
            dims: &[("team", "growth")],
            ..R::ok(T + 2 * MIN, MINI, 300.0)
        },
        R {
            ttft: Some(400.0),
            tokens: Some((100, 50)),
            cost: Some(0.01),
            tags: &["app:summarizer", "env:prod"],
            dims: &[("team", "search")],
            ..R::ok(T + 10 * MIN, SONNET, 1000.0)
        },
        R {
            ttft: Some(300.0),
            tokens: Some((30, 10)),
            cost: Some(0.005),
            outcome: Outcome::Dropped,
            tags: &[SCRIPT_TAG],
            ..R::ok(T + 20 * MIN, SONNET, 2000.0)
        },
        R {
            served: None,
            provider: None,
            requested: "policy/reliable",
            outcome: Outcome::Error,
            tags: &["env:prod"],
            ..R::ok(T + 30 * MIN, SONNET, 5000.0)
        },
        R {
            tokens: Some((40, 20)),
            ..R::ok(T + 50 * MIN, LLAMA, 400.0)
        },
        R {
            provider: None,
            tokens: Some((10, 5)),
            cost: Some(0.0),
            cache_hit: true,
            tags: &["app:chat"],
            ..R::ok(T + 60 * MIN, MINI, 2.0)
        },
    ];
    rs.into_iter()
        .enumerate()
        .map(|(i, r)| r.build(i))
        .collect()
}

fn pct(p50: f64, p95: f64, p99: f64) -> Percentiles {
    Percentiles { p50, p95, p99 }
}

fn approx(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

/// Checks every field; `cost` approximately.
#[allow(clippy::too_many_arguments)]
fn check(
    what: &str,
    s: &Stats,
    (requests, errors, dropped): (u64, u64, u64),
    error_rate: f64,
    latency: Percentiles,
    ttft: Option<Percentiles>,
    (prompt, completion): (u64, u64),
    (cost, priced): (f64, u64),
    cache_hits: u64,
) {
    assert_eq!(
        (s.requests, s.errors, s.dropped),
        (requests, errors, dropped),
        "{what}: counts"
    );
    assert_eq!(s.error_rate, error_rate, "{what}: error_rate");
    assert_eq!(s.latency_ms, latency, "{what}: latency");
    assert_eq!(s.ttft_ms, ttft, "{what}: ttft");
    assert_eq!(
        (s.prompt_tokens, s.completion_tokens),
        (prompt, completion),
        "{what}: tokens"
    );
    assert!(
        approx(s.cost_usd, cost),
        "{what}: cost {} != {cost}",
        s.cost_usd
    );
    assert_eq!(s.priced_requests, priced, "{what}: priced");
    assert_eq!(s.cache_hits, cache_hits, "{what}: cache hits");
}

fn report() -> Report {
    Analytics::from_records(records()).report()
}

#[test]
fn overall_stats_are_hand_computed() {
    let r = report();
    // Latencies sorted: 2 100 200 300 400 1000 2000 5000 (n = 8):
    // p50 = rank ceil(4) = 4 → 300; p95 = rank ceil(7.6) = 8 → 5000; p99 → 5000.
    // TTFT sorted: 50 300 400 (n = 3): p50 = rank 2 → 300; p95, p99 = rank 3 → 400.
    check(
        "overall",
        &r.overall,
        (8, 2, 1),
        0.25,
        pct(300.0, 5000.0, 5000.0),
        Some(pct(300.0, 400.0, 400.0)),
        (210, 100),
        (0.018, 5),
        1,
    );
    assert_eq!(r.first_ms, Some(T));
    assert_eq!(r.last_ms, Some(T + 60 * MIN));
}

#[test]
fn by_model_and_provider_are_hand_computed() {
    let r = report();
    assert_eq!(
        r.by_model.keys().collect::<Vec<_>>(),
        [SONNET, LLAMA, MINI, "policy/reliable"]
    );
    // mini: latencies 2 100 200 300 → p50 rank 2 = 100, p95 rank ceil(3.8) = 4 = 300.
    check(
        "mini",
        &r.by_model[MINI],
        (4, 1, 0),
        0.25,
        pct(100.0, 300.0, 300.0),
        Some(pct(50.0, 50.0, 50.0)),
        (40, 20),
        (0.003, 3),
        1,
    );
    // sonnet: latencies 1000 2000 → p50 rank 1, p95 rank ceil(1.9) = 2.
    check(
        "sonnet",
        &r.by_model[SONNET],
        (2, 0, 1),
        0.0,
        pct(1000.0, 2000.0, 2000.0),
        Some(pct(300.0, 400.0, 400.0)),
        (130, 60),
        (0.015, 2),
        0,
    );
    // No target answered: keyed by the requested model.
    check(
        "policy",
        &r.by_model["policy/reliable"],
        (1, 1, 0),
        1.0,
        pct(5000.0, 5000.0, 5000.0),
        None,
        (0, 0),
        (0.0, 0),
        0,
    );
    // Unknown price: no cost, not priced (never counted as free).
    check(
        "llama",
        &r.by_model[LLAMA],
        (1, 0, 0),
        0.0,
        pct(400.0, 400.0, 400.0),
        None,
        (40, 20),
        (0.0, 0),
        0,
    );

    assert_eq!(
        r.by_provider.keys().collect::<Vec<_>>(),
        ["(none)", "anthropic", "local", "openai"]
    );
    // Record 8 has no `provider`: taken from `served_by`.
    assert_eq!(r.by_provider["openai"], r.by_model[MINI]);
    assert_eq!(r.by_provider["anthropic"], r.by_model[SONNET]);
    assert_eq!(r.by_provider["local"], r.by_model[LLAMA]);
    assert_eq!(r.by_provider["(none)"], r.by_model["policy/reliable"]);
}

#[test]
fn by_tag_and_dimension_are_hand_computed() {
    let r = report();
    assert_eq!(
        r.by_tag.keys().collect::<Vec<_>>(),
        [SCRIPT_TAG, "app:chat", "app:summarizer", "env:prod"]
    );
    // Record 3 has `app:chat` twice: it counts once.
    assert_eq!(r.by_tag["app:chat"], r.by_model[MINI]);
    // env:prod = records 1, 4, 6: latencies 100 1000 5000 → p50 rank 2, p95 rank 3.
    check(
        "env:prod",
        &r.by_tag["env:prod"],
        (3, 1, 0),
        1.0 / 3.0,
        pct(1000.0, 5000.0, 5000.0),
        Some(pct(400.0, 400.0, 400.0)),
        (110, 55),
        (0.011, 2),
        0,
    );
    check(
        "script",
        &r.by_tag[SCRIPT_TAG],
        (1, 0, 1),
        0.0,
        pct(2000.0, 2000.0, 2000.0),
        Some(pct(300.0, 300.0, 300.0)),
        (30, 10),
        (0.005, 1),
        0,
    );

    assert_eq!(
        r.by_dimension.keys().collect::<Vec<_>>(),
        ["feature", "team"]
    );
    let team = &r.by_dimension["team"];
    assert_eq!(team.keys().collect::<Vec<_>>(), ["growth", "search"]);
    // search = records 1, 2, 4: latencies 100 200 1000; ttft 50 400.
    check(
        "team=search",
        &team["search"],
        (3, 0, 0),
        0.0,
        pct(200.0, 1000.0, 1000.0),
        Some(pct(50.0, 400.0, 400.0)),
        (130, 65),
        (0.013, 3),
        0,
    );
    check(
        "team=growth",
        &team["growth"],
        (1, 1, 0),
        1.0,
        pct(300.0, 300.0, 300.0),
        None,
        (0, 0),
        (0.0, 0),
        0,
    );
    assert_eq!(r.by_dimension["feature"]["chat"].requests, 1);
}

#[test]
fn percentiles_use_nearest_rank() {
    // 20 latencies 10, 20, … 200 in a scrambled order: p50 = rank 10, p95 =
    // rank 19, p99 = rank 20. TTFT on the 6 whose tens are multiples of 3
    // (ttft 3 6 9 12 15 18): p50 = rank 3, p95 = rank ceil(5.7) = 6.
    let records = (0..20u64).map(|i| {
        let v = ((i * 7) % 20 + 1) as f64 * 10.0;
        LogRecord {
            started_at_ms: T + i,
            latency_ms: v,
            ttft_ms: ((v as u64 / 10) % 3 == 0).then_some(v / 10.0),
            ..Default::default()
        }
    });
    let s = Analytics::from_records(records).report().overall;
    assert_eq!(s.latency_ms, pct(100.0, 190.0, 200.0));
    assert_eq!(s.ttft_ms, Some(pct(9.0, 18.0, 18.0)));
    // 101 values 0..=100: p50 = rank 51 → 50; p95 = rank ceil(95.95) = 96 → 95; p99 = rank 100 → 99.
    let records = (0..=100u64).rev().map(|i| LogRecord {
        latency_ms: i as f64,
        ..Default::default()
    });
    let s = Analytics::from_records(records).report().overall;
    assert_eq!(s.latency_ms, pct(50.0, 95.0, 99.0));
}

#[test]
fn timeline_has_about_sixty_round_buckets() {
    let r = report();
    let tl = &r.timeline;
    // One hour → one-minute buckets from the whole minute before T: 61 of them.
    assert_eq!(tl.len(), 61);
    assert_eq!(tl[0].start_ms, T - 20_000);
    assert!(tl.iter().all(|b| b.end_ms - b.start_ms == MIN));
    assert!(tl.windows(2).all(|w| w[0].end_ms == w[1].start_ms));
    assert_eq!(tl.iter().map(|b| b.requests).sum::<u64>(), 8);
    assert_eq!(tl.iter().map(|b| b.errors).sum::<u64>(), 2);
    let filled: Vec<usize> = (0..tl.len()).filter(|&i| tl[i].requests > 0).collect();
    assert_eq!(filled, [0, 1, 2, 10, 20, 30, 50, 60]);
    assert_eq!(tl[2].errors, 1);
    assert_eq!(tl[30].p95_latency_ms, Some(5000.0));
    assert_eq!(tl[60].p50_latency_ms, Some(2.0));
    assert_eq!(tl[5].p50_latency_ms, None);
}

#[test]
fn empty_analytics() {
    let r = Analytics::from_records(Vec::new()).report();
    assert_eq!(r.overall.requests, 0);
    assert_eq!(r.overall.latency_ms, Percentiles::default());
    assert!(r.overall.ttft_ms.is_none() && r.by_model.is_empty() && r.timeline.is_empty());
    assert!(r.to_table().contains("No requests"));
    let html = r.to_html();
    assert!(html.contains("no requests") && !html.contains("<svg"));
}

fn jsonl(records: &[LogRecord]) -> String {
    records
        .iter()
        .map(|r| serde_json::to_string(r).unwrap() + "\n")
        .collect()
}

#[test]
fn jsonl_round_trip_skips_and_counts_malformed_lines() {
    let recs = records();
    let mut text = jsonl(&recs[..4]);
    text.push_str("{\"schema_version\": 1, \"oops\"\n"); // malformed JSON
    text.push_str("\n   \n"); // blank: ignored, not counted
    text.push_str("{\"request_id\": \"req_x\"}\n"); // JSON but not a record
    text.push_str(&jsonl(&recs[4..]));
    text.push_str("[1, 2"); // a last line cut short, without newline
    let (a, skipped) = Analytics::from_jsonl(text.as_bytes()).unwrap();
    assert_eq!(skipped, 3);
    assert_eq!(a.records(), &recs[..]);
    assert_eq!(a.report(), report());

    // The report's JSON has the documented fields and reads back.
    let json = report().to_json();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["overall"]["requests"], 8);
    assert_eq!(v["overall"]["latency_ms"]["p95"], 5000.0);
    assert_eq!(v["by_model"][MINI]["cache_hits"], 1);
    assert_eq!(v["by_dimension"]["team"]["search"]["requests"], 3);
    assert!(v["by_model"][LLAMA]["ttft_ms"].is_null());
    assert_eq!(v["timeline"].as_array().unwrap().len(), 61);
    let back: Report = serde_json::from_str(&json).unwrap();
    assert_eq!(back.by_model.len(), 4);
    assert_eq!(back.overall.requests, 8);
    assert!(approx(back.overall.cost_usd, 0.018));
}

/// A fresh folder under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let p =
            std::env::temp_dir().join(format!("requesty-analytics-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn reads_a_folder_of_rotated_files_in_order() {
    let dir = TempDir::new("folder");
    let recs = records();
    let d = dir.path();
    // Written out of order on purpose; read back as base, .1, .2, then the next day.
    std::fs::write(d.join("requesty-2023-11-15.jsonl"), jsonl(&recs[6..])).unwrap();
    std::fs::write(d.join("requesty-2023-11-14.2.jsonl"), jsonl(&recs[4..6])).unwrap();
    std::fs::write(
        d.join("requesty-2023-11-14.jsonl"),
        jsonl(&recs[..2]) + "not json\n",
    )
    .unwrap();
    std::fs::write(d.join("requesty-2023-11-14.1.jsonl"), jsonl(&recs[2..4])).unwrap();
    std::fs::write(d.join("notes.txt"), "ignored\n").unwrap();
    std::fs::create_dir(d.join("old.jsonl")).unwrap(); // a folder: ignored

    let (a, skipped) = Analytics::from_jsonl_path(d).unwrap();
    assert_eq!(skipped, 1);
    assert_eq!(a.records(), &recs[..]);
    assert_eq!(a.report(), report());

    // One file.
    let (a, skipped) = Analytics::from_jsonl_path(d.join("requesty-2023-11-14.1.jsonl")).unwrap();
    assert_eq!((a.len(), skipped), (2, 0));

    // A folder without logs, and a missing path: errors naming the path.
    let empty = TempDir::new("empty");
    let e = Analytics::from_jsonl_path(empty.path()).unwrap_err();
    assert!(e.to_string().contains("no *.jsonl"), "{e}");
    let missing = d.join("missing.jsonl");
    let e = Analytics::from_jsonl_path(&missing).unwrap_err();
    assert!(e.to_string().contains("missing.jsonl"), "{e}");
}

#[test]
fn the_sample_fixture_is_valid() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/logs/sample.jsonl"
    );
    let (a, skipped) = Analytics::from_jsonl_path(path).unwrap();
    assert_eq!((a.len(), skipped), (200, 0));
    let r = a.report();
    assert!(r.by_model.len() >= 5 && r.by_provider.len() >= 4 && r.by_tag.len() >= 8);
    assert!(r.overall.errors > 0 && r.overall.priced_requests < 200);
    assert!(r.last_ms.unwrap() - r.first_ms.unwrap() > 50 * MIN);
}

/// The text of the `<section id="ID">` of a page.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id}"));
    let len = html[start..].find("</section>").unwrap();
    &html[start..start + len]
}

/// The number of points of every `<polyline class="CLASS">` of a chunk.
fn polyline_points(chunk: &str, class: &str) -> usize {
    let tag = format!("<polyline class=\"{class}\" points=\"");
    chunk
        .match_indices(&tag)
        .map(|(i, _)| {
            let rest = &chunk[i + tag.len()..];
            rest[..rest.find('"').unwrap()].split_whitespace().count()
        })
        .sum()
}

#[test]
fn html_page_has_inline_svg_charts() {
    let html = report().to_html();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));

    // Summary cards.
    let cards = section(&html, "summary");
    for text in [
        "Requests",
        "Error rate",
        "p50 latency",
        "p95 latency",
        "Cost",
    ] {
        assert!(cards.contains(text), "card {text}");
    }
    assert!(cards.contains(">25.0%<") && cards.contains(">300 ms<"));
    assert!(cards.contains(">5.00 s<") && cards.contains(">$0.018<"));

    // Latency over time: 8 non-empty buckets → 8 points per line, in runs
    // [0 1 2] [10] [20] [30] [50] [60]; 2 buckets with errors.
    let lat = section(&html, "latency");
    assert!(lat.contains("<svg") && lat.contains("viewBox="));
    assert_eq!(polyline_points(lat, "p50"), 8);
    assert_eq!(polyline_points(lat, "p95"), 8);
    assert_eq!(lat.matches("<polyline class=\"p50\"").count(), 6);
    assert_eq!(lat.matches("class=\"err-mark\"").count(), 2);
    assert_eq!(lat.matches("class=\"vol\"").count(), 8);
    assert!(lat.contains("TIME (UTC)") && lat.contains("LATENCY"));

    // Cost by model: a bar per model with a known price, with USD labels;
    // the unknown-price models listed apart.
    let cost = section(&html, "cost");
    assert!(cost.contains("<svg"));
    assert_eq!(cost.matches("class=\"bar\"").count(), 2);
    assert!(cost.contains(">$0.015<") && cost.contains(">$0.003*<"));
    assert!(cost.contains("Unknown price: local/llama-3.1-8b, policy/reliable"));

    // Tags: one bar each (4), with a red error part for `app:chat` and `env:prod`.
    let tags = section(&html, "tags");
    assert_eq!(tags.matches("class=\"bar\"").count(), 4);
    assert_eq!(tags.matches("class=\"bar-err\"").count(), 2);

    // Tables.
    let models = section(&html, "by-model");
    assert_eq!(models.matches("<tr>").count(), 5); // header + 4 models
    assert!(models.contains(MINI) && models.contains("policy/reliable"));
    let providers = section(&html, "by-provider");
    assert_eq!(providers.matches("<tr>").count(), 5);
    assert!(section(&html, "dimensions").contains("search"));

    // Self-contained: no scripts, links, images, fonts or remote anything.
    let lower = html.to_ascii_lowercase();
    for bad in [
        "<script",
        "src=",
        "href=",
        "http",
        "url(",
        "@import",
        "<link",
        "<img",
        "@font-face",
    ] {
        assert!(!lower.contains(bad), "page contains {bad:?}");
    }
}

#[test]
fn html_escapes_strings_from_the_log() {
    let html = report().to_html();
    assert!(!html.contains(SCRIPT_TAG));
    assert!(!html.contains("<script"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));

    // Model names, dimension names and values, in labels, titles and tables.
    let evil = "x\"><img src=x onerror=alert(1)>";
    let rec = LogRecord {
        served_by: Some(format!("evil/{evil}")),
        provider: Some(format!("p{evil}")),
        cost_usd: Some(1.0),
        tags: vec![format!("t{evil}")],
        dimensions: BTreeMap::from([(format!("d{evil}"), format!("v{evil}"))]),
        ..Default::default()
    };
    let html = Analytics::from_records([rec]).report().to_html();
    assert!(!html.contains("<img"), "unescaped markup");
    assert!(html.contains("x&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
}

#[test]
fn tag_chart_shows_the_top_20() {
    let records = (0..25u64).flat_map(|i| {
        // tag-00 has 25 requests, tag-01 24, … tag-24 1.
        (0..(25 - i)).map(move |j| LogRecord {
            started_at_ms: T + j,
            latency_ms: 10.0,
            tags: vec![format!("tag-{i:02}")],
            ..Default::default()
        })
    });
    let report = Analytics::from_records(records).report();
    assert_eq!(report.by_tag.len(), 25);
    let html = report.to_html();
    let tags = section(&html, "tags");
    assert_eq!(tags.matches("class=\"bar\"").count(), 20);
    assert!(tags.contains("Top 20 of 25 tags"));
    assert!(tags.contains(">tag-00<") && tags.contains(">tag-19<") && !tags.contains("tag-20"));
    let table = report.to_table();
    assert!(table.contains("Top tags (20 of 25)"));
    assert!(table.contains("tag-19") && !table.contains("tag-20"));
}

#[test]
fn table_is_aligned() {
    let table = report().to_table();
    assert!(
        table.starts_with("Request log: 8 requests, 2023-11-14 22:13:20 to 23:13:20 UTC (1h 00m)")
    );
    for heading in [
        "Overall",
        "By model",
        "By provider",
        "Tags",
        "Dimension `team`",
    ] {
        assert!(table.contains(&format!("\n{heading}\n")), "{heading}");
    }
    assert!(table.contains("2 errors = 25.0%, 1 dropped, 1 cache hits"));
    assert!(table.contains("p50 300 ms, p95 5.00 s, p99 5.00 s"));
    assert!(table.contains("$0.018 (5 of 8 requests priced)"));
    // In each table, every row is as wide as its header's rule line, and the
    // numbers end in the same column.
    let lines: Vec<&str> = table.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        if l.trim_start().starts_with("---") {
            let width = l.len();
            let header = lines[i - 1];
            assert_eq!(header.len(), width, "{header}");
            for row in lines[i + 1..].iter().take_while(|r| !r.is_empty()) {
                assert_eq!(row.chars().count(), width, "{row}");
            }
        }
    }
    let mini_row = lines
        .iter()
        .find(|l| l.trim_start().starts_with(MINI))
        .unwrap();
    let cells: Vec<&str> = mini_row.split_whitespace().collect();
    assert_eq!(
        cells,
        [
            MINI, "4", "1", "25.0%", "0", "100", "300", "300", "50", "40", "20", "0.0030*"
        ]
    );
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_requesty-stats"))
}

#[test]
fn the_binary_prints_a_table_json_and_writes_html() {
    let dir = TempDir::new("bin");
    let log = dir.path().join("log.jsonl");
    std::fs::write(&log, jsonl(&records()) + "garbage\n").unwrap();

    let out = bin().arg(&log).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("By model") && stdout.contains(MINI),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("skipped 1 malformed line"));

    let out = bin().arg(&log).arg("--json").output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let report: Report = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report.overall.requests, 8);
    assert_eq!(report.by_model[MINI].requests, 4);

    let page = dir.path().join("report.html");
    let out = bin()
        .args([OsStr::new("--html"), page.as_os_str(), log.as_os_str()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        page.display().to_string()
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("<svg") && html.contains("&lt;script&gt;"));

    // A folder works too.
    let out = bin().arg(dir.path()).arg("--json").output().unwrap();
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn the_binary_rejects_bad_arguments_and_missing_files() {
    for args in [
        &[][..],
        &["a.jsonl", "b.jsonl"],
        &["a.jsonl", "--csv"],
        &["a.jsonl", "--html"],
        &["a.jsonl", "--json", "--html", "x.html"],
    ] {
        let out = bin().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("usage: requesty-stats"), "{args:?}: {err}");
    }
    let out = bin().arg("--help").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("usage: requesty-stats"));

    let out = bin().arg("/nonexistent/requesty.jsonl").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/requesty.jsonl"), "{err}");
    assert!(out.stdout.is_empty());
}
