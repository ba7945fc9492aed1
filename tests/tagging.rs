//! The built-in tagger against a labelled set of prompts
//! (`tests/fixtures/tagging/labelled.jsonl`, which the lexicons were tuned
//! on): per-class accuracy, precision and recall for topic, tone and
//! language, with floors; the same on a held-out set
//! (`holdout.jsonl`); and its speed.
//!
//! Run with `cargo test --test tagging -- --nocapture` to see the tables.
#![cfg(feature = "router")]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use requesty::ChatRequest;
use requesty::router::log::LogRecord;
use requesty::router::log::tagging::{
    BuiltinTagger, Tone, Topic, classify_tone, classify_topic, detect_language,
};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Row {
    text: String,
    topic: Option<String>,
    tone: String,
    lang: Option<String>,
}

fn rows() -> Vec<Row> {
    load("labelled.jsonl")
}

/// A second set, written after the last round of lexicon tuning on the
/// first: an estimate of accuracy on prompts the lexicons were not built
/// from. Its first measurement was topic 0.778, tone 0.988, language 0.886;
/// a few general fixes (English contractions, `-ing`/`-ly`, `thx`, `C++`)
/// followed, so its numbers are now slightly optimistic.
fn holdout() -> Vec<Row> {
    load("holdout.jsonl")
}

fn load(name: &str) -> Vec<Row> {
    let path = format!(
        "{}/tests/fixtures/tagging/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| serde_json::from_str(l).unwrap_or_else(|e| panic!("line {}: {e}", i + 1)))
        .collect()
}

const NONE: &str = "(none)";

/// Expected and predicted labels, with the texts, for one classifier.
struct Eval {
    name: &'static str,
    cases: Vec<(String, String, String)>,
}

impl Eval {
    fn new(name: &'static str) -> Self {
        Eval {
            name,
            cases: Vec::new(),
        }
    }

    fn push(&mut self, text: &str, expected: &str, predicted: &str) {
        self.cases
            .push((text.to_owned(), expected.to_owned(), predicted.to_owned()));
    }

    fn accuracy(&self) -> f64 {
        let right = self.cases.iter().filter(|(_, e, p)| e == p).count();
        right as f64 / self.cases.len().max(1) as f64
    }

    /// Prints accuracy, a per-class table and the misses; returns the accuracy.
    fn report(&self) -> f64 {
        let mut classes: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
        for (_, e, p) in &self.cases {
            // (support, predicted as this class, right)
            classes.entry(e).or_default().0 += 1;
            classes.entry(p).or_default().1 += 1;
            if e == p {
                classes.entry(e).or_default().2 += 1;
            }
        }
        let acc = self.accuracy();
        println!(
            "\n== {}: accuracy {:.3} ({}/{})",
            self.name,
            acc,
            self.cases.iter().filter(|(_, e, p)| e == p).count(),
            self.cases.len()
        );
        println!(
            "{:<18} {:>7} {:>9} {:>9} {:>7}",
            "class", "support", "precision", "recall", "f1"
        );
        for (class, (support, predicted, right)) in &classes {
            let precision = if *predicted == 0 {
                f64::NAN
            } else {
                *right as f64 / *predicted as f64
            };
            let recall = if *support == 0 {
                f64::NAN
            } else {
                *right as f64 / *support as f64
            };
            let f1 = 2.0 * precision * recall / (precision + recall);
            println!("{class:<18} {support:>7} {precision:>9.3} {recall:>9.3} {f1:>7.3}");
        }
        let misses: Vec<_> = self.cases.iter().filter(|(_, e, p)| e != p).collect();
        if !misses.is_empty() {
            println!("-- misses (expected → predicted):");
            for (text, e, p) in misses {
                let short: String = text.chars().take(70).collect();
                println!("  {e} → {p}: {}", short.replace('\n', " "));
            }
        }
        acc
    }
}

#[test]
fn the_labelled_set_is_large_and_varied() {
    let rows = rows();
    assert!(rows.len() >= 120, "{} rows", rows.len());
    let langs: std::collections::BTreeSet<_> =
        rows.iter().filter_map(|r| r.lang.as_deref()).collect();
    for lang in [
        "en", "fr", "de", "es", "it", "pt", "nl", "ja", "zh", "ru", "ar",
    ] {
        assert!(langs.contains(lang), "no {lang} prompt");
    }
    for r in &rows {
        if let Some(t) = &r.topic {
            assert!(Topic::from_name(t).is_some(), "unknown topic {t}");
        }
        assert!(
            Tone::from_name(&r.tone).is_some(),
            "unknown tone {}",
            r.tone
        );
    }
    for topic in Topic::ALL {
        let n = rows
            .iter()
            .filter(|r| r.topic.as_deref() == Some(topic.as_str()))
            .count();
        assert!(n >= 5, "only {n} prompts about {topic}");
    }
    for tone in Tone::ALL {
        let n = rows.iter().filter(|r| r.tone == tone.as_str()).count();
        assert!(n >= 5, "only {n} {tone} prompts");
    }
}

fn topic_eval(name: &'static str, rows: &[Row]) -> f64 {
    let mut eval = Eval::new(name);
    for r in rows {
        let predicted = classify_topic(&r.text).map_or(NONE, Topic::as_str);
        eval.push(&r.text, r.topic.as_deref().unwrap_or(NONE), predicted);
    }
    eval.report()
}

fn tone_eval(name: &'static str, rows: &[Row]) -> f64 {
    let mut eval = Eval::new(name);
    for r in rows {
        eval.push(&r.text, &r.tone, classify_tone(&r.text).as_str());
    }
    eval.report()
}

fn language_eval(name: &'static str, rows: &[Row]) -> f64 {
    let mut eval = Eval::new(name);
    for r in rows {
        if r.text.chars().count() < 20 {
            continue;
        }
        let predicted = detect_language(&r.text).unwrap_or(NONE);
        eval.push(&r.text, r.lang.as_deref().unwrap_or(NONE), predicted);
    }
    eval.report()
}

#[test]
fn topic_accuracy() {
    let acc = topic_eval("topic", &rows());
    assert!(acc >= 0.8, "topic accuracy {acc:.3} < 0.8");
}

#[test]
fn tone_accuracy() {
    let acc = tone_eval("tone", &rows());
    assert!(acc >= 0.75, "tone accuracy {acc:.3} < 0.75");
}

#[test]
fn language_accuracy() {
    let acc = language_eval("language (texts of 20+ characters)", &rows());
    assert!(acc >= 0.9, "language accuracy {acc:.3} < 0.9");
}

/// The held-out set: printed for an honest estimate, with loose floors
/// that only catch a broken classifier.
#[test]
fn holdout_accuracy() {
    let rows = holdout();
    assert!(rows.len() >= 80, "{} rows", rows.len());
    let topic = topic_eval("HOLD-OUT topic", &rows);
    let tone = tone_eval("HOLD-OUT tone", &rows);
    let lang = language_eval("HOLD-OUT language (texts of 20+ characters)", &rows);
    println!("\nHOLD-OUT: topic {topic:.3}, tone {tone:.3}, language {lang:.3}");
    assert!(topic >= 0.6 && tone >= 0.6 && lang >= 0.8);
}

/// A 2 KB prompt: a question around pasted code and a log excerpt.
fn prompt_2kb() -> String {
    let base = "Hi! I'm building a small web service in Rust with axum and sqlx, and \
                since this morning `cargo build` fails with a trait bound error. \
                Could you please explain what is going on and how to fix it?\n\n\
                ```rust\nstruct AppState { pool: PgPool }\n\nasync fn list_users(\
                State(state): State<AppState>) -> Json<Vec<User>> {\n    let users = \
                sqlx::query_as::<_, User>(\"SELECT id, name FROM users\")\n        \
                .fetch_all(&state.pool)\n        .await\n        .unwrap();\n    \
                Json(users)\n}\n```\n\nThe error says the trait bound `AppState: Clone` \
                is not satisfied. I thought PgPool was cheap to clone. ";
    let mut text = String::new();
    while text.len() < 2048 {
        text.push_str(base);
    }
    let mut end = 2048;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text
}

#[test]
fn builtin_tagger_timing() {
    let req = ChatRequest::new("openai/gpt-4o-mini")
        .system("You are a senior Rust engineer. Answer precisely.")
        .user(prompt_2kb());
    let record = LogRecord {
        latency_ms: 1_234.0,
        cost_usd: Some(0.002),
        ..LogRecord::default()
    };
    let tagger = BuiltinTagger;
    // Warm up (builds the lexicon once).
    let tags = tagger.tags(&req, &record);
    println!("tags of the 2 KB prompt: {tags:?}");
    assert!(tags.contains(&"topic:coding".to_owned()), "{tags:?}");
    // Batches, keeping the fastest: a loaded machine (parallel builds on
    // two cores) slows some batches down, not the code.
    let (batches, per_batch) = if cfg!(debug_assertions) {
        (4, 50)
    } else {
        (10, 500)
    };
    let mut best = Duration::MAX;
    let mut total = Duration::ZERO;
    for _ in 0..batches {
        let start = Instant::now();
        for _ in 0..per_batch {
            std::hint::black_box(tagger.tags(std::hint::black_box(&req), &record));
        }
        let elapsed = start.elapsed();
        total += elapsed;
        best = best.min(elapsed / per_batch);
    }
    let mean = total / (batches * per_batch);
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!(
        "BuiltinTagger on a 2 KB prompt ({profile}, {} calls): {best:?} per call \
         (fastest batch), {mean:?} (mean)",
        batches * per_batch
    );
    if !cfg!(debug_assertions) {
        assert!(best.as_micros() < 50, "{best:?} per call");
    }
}
