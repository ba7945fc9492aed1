//! Prometheus text exposition (format 0.0.4), written by hand: counters,
//! a gauge and histograms, by provider and model.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use crate::router::log::LogStats;

/// Upper bounds (seconds) of the latency histogram buckets.
const LATENCY_BUCKETS: [f64; 12] = [
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0,
];

/// At most this many (provider, model) series; further pairs are counted as `other`.
const MAX_SERIES: usize = 500;

#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: [u64; LATENCY_BUCKETS.len()],
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, secs: f64) {
        for (i, le) in LATENCY_BUCKETS.iter().enumerate() {
            if secs <= *le {
                self.counts[i] += 1;
            }
        }
        self.sum += secs;
        self.count += 1;
    }
}

#[derive(Debug, Default)]
struct Series {
    /// (stream, outcome) → count.
    requests: BTreeMap<(bool, &'static str), u64>,
    /// (status, origin) → count.
    errors: BTreeMap<(u16, &'static str), u64>,
    latency: Histogram,
    ttft: Histogram,
    prompt_tokens: u64,
    completion_tokens: u64,
    cost_usd: f64,
}

#[derive(Debug, Default)]
struct Inner {
    /// (route, status) → count.
    http: BTreeMap<(&'static str, u16), u64>,
    series: BTreeMap<(String, String), Series>,
}

/// What one chat request did, for the metrics.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChatOutcome {
    pub provider: String,
    pub model: String,
    pub stream: bool,
    /// `ok`, `error` or `dropped`.
    pub outcome: &'static str,
    /// Status and origin of an error.
    pub error: Option<(u16, &'static str)>,
    pub latency_secs: f64,
    pub ttft_secs: Option<f64>,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cost_usd: f64,
}

/// The server's metrics.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    inner: Mutex<Inner>,
    pub inflight: AtomicI64,
    /// Chat requests refused because `max_in_flight` were being served.
    pub shed: AtomicU64,
}

impl Metrics {
    pub(crate) fn http(&self, route: &'static str, status: u16) {
        let mut m = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        *m.http.entry((route, status)).or_default() += 1;
    }

    pub(crate) fn chat(&self, o: ChatOutcome) {
        let mut m = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let mut key = (o.provider, o.model);
        if !m.series.contains_key(&key) && m.series.len() >= MAX_SERIES {
            key = ("other".to_owned(), "other".to_owned());
        }
        let s = m.series.entry(key).or_default();
        *s.requests.entry((o.stream, o.outcome)).or_default() += 1;
        if let Some(e) = o.error {
            *s.errors.entry(e).or_default() += 1;
        }
        s.latency.observe(o.latency_secs);
        if let Some(t) = o.ttft_secs {
            s.ttft.observe(t);
        }
        s.prompt_tokens += o.prompt_tokens;
        s.completion_tokens += o.completion_tokens;
        if o.cost_usd.is_finite() {
            s.cost_usd += o.cost_usd;
        }
    }

    /// The exposition text.
    pub(crate) fn render(&self, log: &LogStats) -> String {
        let m = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        let o = &mut out;
        header(
            o,
            "requesty_http_requests_total",
            "counter",
            "HTTP requests by route and status.",
        );
        for ((route, status), n) in &m.http {
            let _ = writeln!(
                o,
                "requesty_http_requests_total{{route=\"{route}\",code=\"{status}\"}} {n}"
            );
        }
        header(
            o,
            "requesty_inflight_requests",
            "gauge",
            "Requests being served (streams included).",
        );
        let _ = writeln!(
            o,
            "requesty_inflight_requests {}",
            self.inflight.load(Ordering::Relaxed).max(0)
        );
        header(
            o,
            "requesty_shed_requests_total",
            "counter",
            "Chat requests refused with 503 because server.max_in_flight were in flight.",
        );
        let _ = writeln!(
            o,
            "requesty_shed_requests_total {}",
            self.shed.load(Ordering::Relaxed)
        );

        header(
            o,
            "requesty_chat_requests_total",
            "counter",
            "Chat completions by provider, model, stream and outcome (ok, error, dropped).",
        );
        for ((p, md), s) in &m.series {
            for ((stream, outcome), n) in &s.requests {
                let _ = writeln!(
                    o,
                    "requesty_chat_requests_total{{provider=\"{}\",model=\"{}\",stream=\"{stream}\",outcome=\"{outcome}\"}} {n}",
                    esc(p),
                    esc(md)
                );
            }
        }
        header(
            o,
            "requesty_chat_errors_total",
            "counter",
            "Failed chat completions by provider, model, HTTP status and origin.",
        );
        for ((p, md), s) in &m.series {
            for ((status, origin), n) in &s.errors {
                let _ = writeln!(
                    o,
                    "requesty_chat_errors_total{{provider=\"{}\",model=\"{}\",code=\"{status}\",origin=\"{origin}\"}} {n}",
                    esc(p),
                    esc(md)
                );
            }
        }
        for (name, help, pick) in [
            (
                "requesty_chat_duration_seconds",
                "Time to the whole answer (streams: to their end).",
                (|s: &Series| &s.latency) as fn(&Series) -> &Histogram,
            ),
            (
                "requesty_chat_ttft_seconds",
                "Streams: time to the first chunk.",
                |s: &Series| &s.ttft,
            ),
        ] {
            header(o, name, "histogram", help);
            for ((p, md), s) in &m.series {
                let h = pick(s);
                if h.count == 0 {
                    continue;
                }
                let labels = format!("provider=\"{}\",model=\"{}\"", esc(p), esc(md));
                for (i, le) in LATENCY_BUCKETS.iter().enumerate() {
                    let _ = writeln!(o, "{name}_bucket{{{labels},le=\"{le}\"}} {}", h.counts[i]);
                }
                let _ = writeln!(o, "{name}_bucket{{{labels},le=\"+Inf\"}} {}", h.count);
                let _ = writeln!(o, "{name}_sum{{{labels}}} {}", h.sum);
                let _ = writeln!(o, "{name}_count{{{labels}}} {}", h.count);
            }
        }
        header(
            o,
            "requesty_tokens_total",
            "counter",
            "Tokens by provider, model and kind (prompt, completion).",
        );
        for ((p, md), s) in &m.series {
            for (kind, n) in [
                ("prompt", s.prompt_tokens),
                ("completion", s.completion_tokens),
            ] {
                let _ = writeln!(
                    o,
                    "requesty_tokens_total{{provider=\"{}\",model=\"{}\",kind=\"{kind}\"}} {n}",
                    esc(p),
                    esc(md)
                );
            }
        }
        header(
            o,
            "requesty_cost_usd_total",
            "counter",
            "Cost in USD by provider and model (known prices only).",
        );
        for ((p, md), s) in &m.series {
            let _ = writeln!(
                o,
                "requesty_cost_usd_total{{provider=\"{}\",model=\"{}\"}} {}",
                esc(p),
                esc(md),
                s.cost_usd
            );
        }
        header(
            o,
            "requesty_log_records_submitted_total",
            "counter",
            "Log records produced.",
        );
        let _ = writeln!(o, "requesty_log_records_submitted_total {}", log.submitted);
        header(
            o,
            "requesty_log_records_dropped_total",
            "counter",
            "Log records dropped (queue full, or a sink's queue full).",
        );
        let _ = writeln!(
            o,
            "requesty_log_records_dropped_total {}",
            log.dropped + log.sink_dropped
        );
        header(
            o,
            "requesty_log_sink_errors_total",
            "counter",
            "Batches a log sink failed to write.",
        );
        let _ = writeln!(o, "requesty_log_sink_errors_total {}", log.sink_errors);
        out
    }
}

fn header(o: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(o, "# HELP {name} {help}");
    let _ = writeln!(o, "# TYPE {name} {kind}");
}

/// Escapes a label value.
fn esc(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_histograms_and_escapes() {
        let m = Metrics::default();
        m.chat(ChatOutcome {
            provider: "p".into(),
            model: "m\"x".into(),
            outcome: "ok",
            latency_secs: 0.3,
            prompt_tokens: 3,
            ..Default::default()
        });
        let text = m.render(&LogStats::default());
        assert!(text.contains("requesty_chat_duration_seconds_bucket{provider=\"p\",model=\"m\\\"x\",le=\"0.25\"} 0"), "{text}");
        assert!(text.contains(
            "requesty_chat_duration_seconds_bucket{provider=\"p\",model=\"m\\\"x\",le=\"0.5\"} 1"
        ));
        assert!(
            text.contains(
                "requesty_tokens_total{provider=\"p\",model=\"m\\\"x\",kind=\"prompt\"} 3"
            )
        );
    }
}
